-- Sign-in hardening: separate throttle scopes, one email normalisation, a pruned table for failed
-- attempts, and trusted browsers with a lifetime.

-- Each counter lives in its own scope, so no typed email can reach the counters of the
-- two-factor step or of re-entering a password (keyed by user id in their own scopes).
-- The old internal keys shared the 'account' scope with typed emails: forget them.
DELETE FROM sign_in_throttle WHERE scope = 'account' AND key ~ '^(second-factor|change-password):';
ALTER TABLE sign_in_throttle DROP CONSTRAINT sign_in_throttle_scope;
ALTER TABLE sign_in_throttle ADD CONSTRAINT sign_in_throttle_scope
    CHECK (scope IN ('account', 'address', 'second_factor', 'current_password'));

-- The one way an email address is compared: Unicode NFKC, lower-cased, NFKC again (lower-casing
-- can leave a string unnormalised). Used for the unique index, the account look-up and the
-- sign-in throttle's key alike, so they can never disagree about which variants are the same.
CREATE FUNCTION email_key(email TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT normalize(lower(normalize(btrim(email), NFKC)), NFKC) $$;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email_key(email));

-- Failed sign-ins and other refused attempts: for spotting attacks, kept 90 days (pruned by the
-- session sweeper), not in the permanent audit log. Never holds what was typed in a password box.
CREATE TABLE security_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    kind            TEXT NOT NULL,
    user_id         BIGINT REFERENCES users (id) ON DELETE CASCADE,
    -- The email typed, only when it looked like an email address.
    email           TEXT,
    client_address  TEXT,
    reason          TEXT
);
CREATE INDEX security_events_at_idx ON security_events (at);
CREATE INDEX security_events_user_idx ON security_events (user_id);

-- Trusted browsers last 30 days from when they were trusted, and can be listed and revoked.
ALTER TABLE trusted_devices ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE trusted_devices ADD COLUMN expires_at TIMESTAMPTZ;
UPDATE trusted_devices SET expires_at = created_at + interval '30 days';
ALTER TABLE trusted_devices ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE trusted_devices ADD COLUMN user_agent TEXT;
ALTER TABLE trusted_devices ADD COLUMN client_address TEXT;
