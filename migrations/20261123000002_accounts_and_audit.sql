-- Accounts, grants, sessions, sign-in throttling, two-factor authentication and the audit log.

CREATE TABLE users (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored as typed; uniqueness and look-up are case-insensitive (users_email_key).
    email                 TEXT NOT NULL CONSTRAINT users_email_length CHECK (length(email) BETWEEN 3 AND 254),
    display_name          TEXT NOT NULL CONSTRAINT users_display_name_length CHECK (length(display_name) BETWEEN 1 AND 200),
    organisation_id       BIGINT NOT NULL REFERENCES organisations (id),
    password_hash         TEXT NOT NULL,
    must_change_password  BOOLEAN NOT NULL DEFAULT false,
    disabled_at           TIMESTAMPTZ,
    totp_secret           BYTEA,
    totp_enabled_at       TIMESTAMPTZ,
    -- The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step        BIGINT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_totp_enabled_has_secret CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_organisation_idx ON users (organisation_id);

CREATE TYPE grant_role AS ENUM (
    'officer', 'area_lead', 'signatory', 'board_secretary',  -- held in one area
    'assurer', 'admin'                                       -- held across all areas
);

CREATE TABLE grants (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        grant_role NOT NULL,
    area_id     BIGINT REFERENCES areas (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT grants_area_matches_role CHECK ((role IN ('assurer', 'admin')) = (area_id IS NULL))
);
CREATE UNIQUE INDEX grants_user_role_area_key ON grants (user_id, role, coalesce(area_id, 0));
CREATE INDEX grants_area_idx ON grants (area_id);

-- Server-side sessions, shared by every web server. The cookie holds a random token; only its
-- SHA-256 is stored, so a copy of this table cannot be used to take over a session.
CREATE TABLE sessions (
    token_hash             BYTEA PRIMARY KEY,
    -- NULL until sign-in: anonymous sessions carry the CSRF token of the sign-in form.
    user_id                BIGINT REFERENCES users (id) ON DELETE CASCADE,
    -- Password checked, second factor still to come.
    second_factor_pending  BOOLEAN NOT NULL DEFAULT false,
    csrf_token             TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    last_seen_at           TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    client_address         TEXT,
    user_agent             TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- Failed sign-ins, counted per account and per client address.
CREATE TABLE sign_in_throttle (
    scope             TEXT NOT NULL CONSTRAINT sign_in_throttle_scope CHECK (scope IN ('account', 'address')),
    key               TEXT NOT NULL,
    failures          INTEGER NOT NULL,
    first_failure_at  TIMESTAMPTZ NOT NULL,
    locked_until      TIMESTAMPTZ,
    PRIMARY KEY (scope, key)
);

-- Browsers that have signed in to an account before. A lock on an account under attack does
-- not apply to them, so a stranger cannot lock the real user out.
CREATE TABLE trusted_devices (
    token_hash    BYTEA PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX trusted_devices_user_idx ON trusted_devices (user_id);

-- Every change of state or content, hash-chained: each row's hash covers its content and the
-- previous row's hash, so `itf-planner audit verify` finds any row edited or removed.
CREATE TABLE audit_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL,
    actor_user_id  BIGINT REFERENCES users (id),
    -- Who acted, as they were known then (an email, "system" or "anonymous").
    actor_label    TEXT NOT NULL,
    action         TEXT NOT NULL,
    target_kind    TEXT NOT NULL,
    target_id      TEXT,
    area_id        BIGINT REFERENCES areas (id),
    -- Canonical JSON (sorted keys): a short before/after. TEXT, not JSONB, so the hashed bytes are
    -- exactly the stored bytes.
    details        TEXT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL CONSTRAINT audit_log_hash_key UNIQUE
);
CREATE INDEX audit_log_area_idx ON audit_log (area_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
