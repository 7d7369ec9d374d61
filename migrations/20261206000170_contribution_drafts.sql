-- Drafts of partners' contributions (issue 13, item 2, for sections where each partner writes
-- its own part): what a person typed into their organisation's contribution box and has not
-- saved, kept like `section_drafts` and offered back on the section page from any browser.
-- One per person, section and organisation (a person writes only their own organisation's
-- part; the organisation is in the key so a draft never lands in another partner's box).
-- Not audited: private scratch text, not plan content (see src/plans/store/drafts.rs).
CREATE TABLE contribution_drafts (
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_section_id   BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    body              TEXT NOT NULL CONSTRAINT contribution_drafts_body_length CHECK (length(body) <= 100000),
    -- The contribution's version the text was typed on (0 before its first save).
    based_on_version  INTEGER NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, plan_section_id, organisation_id)
);
-- Deleting a section or an organisation finds its drafts without a scan.
CREATE INDEX contribution_drafts_section_idx ON contribution_drafts (plan_section_id);
CREATE INDEX contribution_drafts_organisation_idx ON contribution_drafts (organisation_id);
