-- The plan's funding (issue 10, item 2): what each partner organisation puts into the pooled
-- fund, per financial year and funding stream, and the area's notified minimum per year with
-- every change kept. Years and streams are keys of the plan's structure (template_structures),
-- which the application checks; the database keeps amounts whole and never negative.

CREATE TABLE funding_lines (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id          BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    year_key         TEXT NOT NULL CONSTRAINT funding_lines_year_key_length CHECK (length(year_key) BETWEEN 1 AND 60),
    stream_key       TEXT NOT NULL CONSTRAINT funding_lines_stream_key_length CHECK (length(stream_key) BETWEEN 1 AND 60),
    -- Whole pence. NULL: the line was emptied ("nothing from that stream"); the row stays so
    -- that its version keeps counting and a form opened before the emptying is still caught.
    amount           BIGINT CONSTRAINT funding_lines_amount_not_negative CHECK (amount >= 0),
    -- Optimistic locking: bumped by every change; a save names the version it started from.
    version          INTEGER NOT NULL CONSTRAINT funding_lines_version_positive CHECK (version > 0),
    updated_at       TIMESTAMPTZ NOT NULL,
    updated_by       BIGINT REFERENCES users (id),
    -- Also the index for a plan's lines and for one organisation's year.
    CONSTRAINT funding_lines_plan_organisation_year_stream_key
        UNIQUE (plan_id, organisation_id, year_key, stream_key)
);

-- The notified minimum per plan and year: append-only, the newest row of a year is current.
-- Each change names the row it replaces, so that two changes made from the same page cannot
-- both land (the unique keys below), and the history is one line.
CREATE TABLE notified_minimums (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id   BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    year_key  TEXT NOT NULL CONSTRAINT notified_minimums_year_key_length CHECK (length(year_key) BETWEEN 1 AND 60),
    amount    BIGINT NOT NULL CONSTRAINT notified_minimums_amount_not_negative CHECK (amount >= 0),
    -- Why it changed; none for the first minimum of a year.
    reason    TEXT CONSTRAINT notified_minimums_reason_length CHECK (length(reason) BETWEEN 1 AND 1000),
    replaces  BIGINT CONSTRAINT notified_minimums_replaces_key UNIQUE REFERENCES notified_minimums (id),
    set_at    TIMESTAMPTZ NOT NULL,
    set_by    BIGINT REFERENCES users (id),
    CONSTRAINT notified_minimums_reason_for_a_change CHECK (replaces IS NULL OR reason IS NOT NULL)
);
-- One first minimum per plan and year.
CREATE UNIQUE INDEX notified_minimums_first_key ON notified_minimums (plan_id, year_key)
    WHERE replaces IS NULL;
-- The current minimum of each year, and the history of one year, newest first.
CREATE INDEX notified_minimums_plan_year_newest ON notified_minimums (plan_id, year_key, id DESC);

-- History is never rewritten.
CREATE FUNCTION notified_minimums_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'notified_minimums is append-only';
END;
$$;
CREATE TRIGGER notified_minimums_no_update BEFORE UPDATE ON notified_minimums
    FOR EACH ROW EXECUTE FUNCTION notified_minimums_append_only();
