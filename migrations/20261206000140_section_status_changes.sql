-- Every change of a section's status (issue 13, item 7): shown in the section's history, and read
-- for review: which text the lead is asked to review ("changed since it was sent for review") and
-- who to tell when the lead sends it back. Written by the same statement that moves the status
-- (src/plans/store/review.rs), so no move goes unrecorded.
CREATE TABLE section_status_changes (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_section_id  BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    from_status      section_status NOT NULL,
    to_status        section_status NOT NULL,
    -- The shared text's version when the status moved, to show the difference since.
    text_version     INTEGER NOT NULL,
    -- The section's content revision when the status moved: its text's version plus its
    -- contributions' versions, which grows with every save of either.
    content_version  INTEGER NOT NULL,
    changed_by       BIGINT REFERENCES users (id),
    changed_at       TIMESTAMPTZ NOT NULL,
    -- Why, when the lead sent it back for changes.
    comment          TEXT CONSTRAINT section_status_changes_comment_length CHECK (length(comment) <= 10000)
);
-- The history page and the review notice read a section's changes, newest first.
CREATE INDEX section_status_changes_section_idx ON section_status_changes (plan_section_id, id DESC);
