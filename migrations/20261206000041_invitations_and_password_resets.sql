-- Forgotten passwords and invitations by email (issue 12, item 5). Both are links carrying a
-- random token; only its SHA-256 is stored, so a copy of these tables opens nothing. Each link
-- works once (`used_at` / `accepted_at`, set by a conditional update) and until `expires_at`.

-- A link to choose a new password, valid for an hour.
CREATE TABLE password_resets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL CONSTRAINT password_resets_token_key UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
-- How many links an account was sent in the last hour (at most 3).
CREATE INDEX password_resets_of_user ON password_resets (user_id, created_at DESC);

-- An invitation to take a role in an area, valid for 7 days.
CREATE TABLE invitations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id          BIGINT NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    email            TEXT NOT NULL CONSTRAINT invitations_email_length CHECK (length(email) BETWEEN 3 AND 254),
    display_name     TEXT NOT NULL CONSTRAINT invitations_name_length CHECK (length(display_name) BETWEEN 1 AND 200),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role             grant_role NOT NULL
                         CONSTRAINT invitations_area_role CHECK (role NOT IN ('assurer', 'admin')),
    token_hash       BYTEA NOT NULL CONSTRAINT invitations_token_key UNIQUE,
    invited_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    accepted_at      TIMESTAMPTZ,
    accepted_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       TIMESTAMPTZ
);
-- An area's pending invitations, for its people page.
CREATE INDEX invitations_pending ON invitations (area_id, created_at)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Asking for password-reset links is counted per client address, like sign-in guesses.
ALTER TABLE sign_in_throttle DROP CONSTRAINT sign_in_throttle_scope;
ALTER TABLE sign_in_throttle ADD CONSTRAINT sign_in_throttle_scope
    CHECK (scope IN ('account', 'address', 'second_factor', 'current_password', 'reset_request'));
