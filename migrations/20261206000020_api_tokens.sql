-- Bearer tokens for the read-only JSON API (issue 12, item 7). An assurer or administrator
-- makes a named token and is shown its secret once; only the secret's SHA-256 is kept (looked
-- up by it). Revoking a token keeps its row, with who revoked it and when.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL CONSTRAINT api_tokens_name_length CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  BYTEA NOT NULL CONSTRAINT api_tokens_hash_length CHECK (length(secret_hash) = 32),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   BIGINT NOT NULL REFERENCES users (id),
    revoked_at   TIMESTAMPTZ,
    revoked_by   BIGINT REFERENCES users (id),
    CONSTRAINT api_tokens_revoked_by_someone CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX api_tokens_secret ON api_tokens (secret_hash);
CREATE INDEX api_tokens_live ON api_tokens (created_at DESC, id DESC) WHERE revoked_at IS NULL;
