-- Who has a section open, and who is typing in it (issue 13, item 4): one row per person and
-- section, written when the section page is loaded and every 20 seconds by its script while it
-- stays open. Read for "also here now"; rows older than a few minutes mean nothing and are
-- overwritten on the person's next visit. Like a session's last-seen time, it is not plan
-- content and is not audited.
CREATE TABLE section_presence (
    plan_section_id  BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at          TIMESTAMPTZ NOT NULL,
    -- When they last typed on the page, if they have.
    editing_at       TIMESTAMPTZ,
    PRIMARY KEY (plan_section_id, user_id)
);
-- A person's rows, for deleting an account's.
CREATE INDEX section_presence_user_idx ON section_presence (user_id);
