-- Drafts kept on the server (issue 13, item 2): what a person typed into a section's text box
-- and has not saved, one per person and section, so it can be offered back from any browser.
-- Written by the page's autosave every few seconds and by a refused save (422 or 409); deleted
-- when that person saves the section, or discards it. A draft is private scratch text, not plan
-- content: no audit row is written for it (see src/plans/store/drafts.rs).
CREATE TABLE section_drafts (
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_section_id   BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    body              TEXT NOT NULL CONSTRAINT section_drafts_body_length CHECK (length(body) <= 100000),
    -- The section's version the text was typed on: saving a restored draft names it, so a
    -- section changed meanwhile goes through the conflict page.
    based_on_version  INTEGER NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, plan_section_id)
);
-- Deleting a section (its plan) finds its drafts without a scan.
CREATE INDEX section_drafts_section_idx ON section_drafts (plan_section_id);
