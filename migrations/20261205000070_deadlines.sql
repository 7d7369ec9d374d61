-- Deadlines (issue 12). National deadlines are the key dates of kind "deadline" in each plan's
-- structure (template data, already stored); they are met when a sign-off round measured against
-- them is submitted, or when the area lead records them done by hand (a section 75 agreement
-- signed). Local deadlines belong to an area, each met by a sign-off event of one of its plans or
-- by hand. Red / amber / green is worked out from these and the application clock, never stored.

-- The NHS England region of an area, for the programme dashboard's filter.
ALTER TABLE areas ADD COLUMN region TEXT
    CONSTRAINT areas_region_length CHECK (length(region) BETWEEN 1 AND 100);

CREATE TABLE local_deadlines (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id     BIGINT NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    title       TEXT NOT NULL CONSTRAINT local_deadlines_title_length CHECK (length(title) BETWEEN 1 AND 200),
    -- A day in England (Europe/London): due by the end of it.
    due_on      DATE NOT NULL,
    met_by      TEXT NOT NULL CONSTRAINT local_deadlines_met_by_known CHECK (met_by IN (
                    'manual', 'round_opened', 'board_approved', 'submitted', 'assured')),
    -- The plan whose sign-off meets it; none when it is met by hand.
    plan_id     BIGINT REFERENCES plans (id) ON DELETE CASCADE,
    notes       TEXT NOT NULL DEFAULT '' CONSTRAINT local_deadlines_notes_length CHECK (length(notes) <= 2000),
    -- Bumped by every edit, for edits based on a stale form.
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ,
    removed_by  BIGINT REFERENCES users (id),
    CONSTRAINT local_deadlines_plan_when_needed CHECK ((met_by = 'manual') = (plan_id IS NULL))
);
CREATE INDEX local_deadlines_of_area ON local_deadlines (area_id, due_on) WHERE removed_at IS NULL;

-- A deadline recorded as done by hand. At most one current record per deadline of an area;
-- undoing one keeps it, marked undone.
CREATE TABLE deadline_done (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id       BIGINT NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    -- "national:<plan id>:<key date key>" or "local:<local deadline id>".
    deadline_ref  TEXT NOT NULL CONSTRAINT deadline_done_ref_length CHECK (length(deadline_ref) BETWEEN 1 AND 200),
    -- The day it was done (in England), which may be before the day it was recorded.
    done_on       DATE NOT NULL,
    note          TEXT NOT NULL DEFAULT '' CONSTRAINT deadline_done_note_length CHECK (length(note) <= 2000),
    recorded_by   BIGINT NOT NULL REFERENCES users (id),
    recorded_at   TIMESTAMPTZ NOT NULL,
    undone_at     TIMESTAMPTZ,
    undone_by     BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX deadline_done_once ON deadline_done (area_id, deadline_ref) WHERE undone_at IS NULL;
