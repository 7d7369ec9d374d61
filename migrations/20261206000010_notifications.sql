-- Notifications (issue 12): what the product tells a person, in the product and by email.
--
-- A notice is one thing for one person ("Your decision is needed on Kent's plan", "Jo mentioned
-- you"). It shows in their list until read. Its email goes either at once (only assignments,
-- mentions and overdue items, and only for people who chose immediate mail) or in their daily
-- digest; `mailed_at` says it has gone into the outbox, either way.
CREATE TABLE notices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CONSTRAINT notices_kind_known
                    CHECK (kind IN ('assignment', 'mention', 'overdue', 'news')),
    area_id     BIGINT REFERENCES areas (id) ON DELETE CASCADE,
    title       TEXT NOT NULL CONSTRAINT notices_title_length CHECK (length(title) BETWEEN 1 AND 300),
    body        TEXT NOT NULL DEFAULT '' CONSTRAINT notices_body_length CHECK (length(body) <= 2000),
    -- A path inside the product (starts with /), the place the notice is about.
    link        TEXT NOT NULL CONSTRAINT notices_link_is_path CHECK (link LIKE '/%'),
    -- Says "this has been told already": a second notice with the same key for the same person
    -- is not made (an overdue deadline is told once, however often the job runs).
    once_key    TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    mailed_at   TIMESTAMPTZ
);
CREATE INDEX notices_of_user ON notices (user_id, id DESC);
CREATE INDEX notices_unread ON notices (user_id) WHERE read_at IS NULL;
CREATE INDEX notices_unmailed ON notices (user_id) WHERE mailed_at IS NULL;
CREATE UNIQUE INDEX notices_once ON notices (user_id, once_key) WHERE once_key IS NOT NULL;

-- How each person wants their mail. No row: the default, a daily digest at 08:00 London time.
CREATE TABLE notice_settings (
    user_id         BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    mail            TEXT NOT NULL DEFAULT 'digest'
                        CONSTRAINT notice_settings_mail_known CHECK (mail IN ('digest', 'immediate', 'none')),
    digest_hour     SMALLINT NOT NULL DEFAULT 8
                        CONSTRAINT notice_settings_hour CHECK (digest_hour BETWEEN 0 AND 23),
    -- The London day of the last digest made, so that each day has at most one.
    last_digest_on  DATE,
    version         INTEGER NOT NULL DEFAULT 1
);

-- Mail waiting to go, and mail gone. Several `serve` processes share it: each takes rows with
-- FOR UPDATE SKIP LOCKED and marks them sent in the same transaction, so each is sent once.
CREATE TABLE mail_outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    to_address       TEXT NOT NULL CONSTRAINT mail_outbox_to_length CHECK (length(to_address) BETWEEN 3 AND 254),
    purpose          TEXT NOT NULL CONSTRAINT mail_outbox_purpose_known
                         CHECK (purpose IN ('notice', 'digest', 'invitation', 'password_reset')),
    subject          TEXT NOT NULL CONSTRAINT mail_outbox_subject_length CHECK (length(subject) BETWEEN 1 AND 300),
    body             TEXT NOT NULL CONSTRAINT mail_outbox_body_length CHECK (length(body) <= 100000),
    created_at       TIMESTAMPTZ NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    sent_at          TIMESTAMPTZ,
    -- Given up after too many attempts; an administrator may send it again.
    failed_at        TIMESTAMPTZ
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_recent ON mail_outbox (id DESC);
