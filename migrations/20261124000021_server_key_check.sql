-- A check value of the server key the database was first used with (an HMAC of a fixed label
-- under that key, which reveals nothing of the key), so that a server started with another key
-- refuses to run instead of writing an audit chain and two-factor secrets no one can verify.
CREATE TABLE server_key_check (
    singleton    BOOLEAN PRIMARY KEY DEFAULT true CONSTRAINT server_key_check_singleton CHECK (singleton),
    check_value  BYTEA NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
