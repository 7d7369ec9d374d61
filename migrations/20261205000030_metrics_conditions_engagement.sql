-- A plan's metric goals, its answers to the national conditions and its engagement log (issue 10,
-- items 4 to 6). Metric goals and condition answers are append-only: every save is a new row
-- naming the row it replaced (`based_on`), the newest is current, and earlier ones stay to be
-- shown (goals revised after submission keep the goals first submitted). Each row can be
-- replaced once only (a unique `based_on`), and each plan's metric or condition has one first
-- row, so of two saves based on the same row exactly one lands: the optimistic lock is the
-- index itself.

CREATE TABLE metric_goal_sets (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id              BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    -- A metric key of the plan's structure.
    metric_key           TEXT NOT NULL CHECK (length(metric_key) BETWEEN 1 AND 60),
    based_on             BIGINT REFERENCES metric_goal_sets (id),
    -- Values in hundredths (12.25 is 1225), exactly as typed.
    baseline_value       BIGINT CHECK (baseline_value >= 0),
    baseline_period      TEXT NOT NULL DEFAULT '' CHECK (length(baseline_period) <= 200),
    -- Whole pence, only for a metric with pay for performance.
    pay_for_performance  BIGINT CHECK (pay_for_performance >= 0),
    rationale            TEXT NOT NULL DEFAULT '' CHECK (length(rationale) <= 20000),
    created_at           TIMESTAMPTZ NOT NULL,
    created_by           BIGINT REFERENCES users (id)
);
CREATE INDEX metric_goal_sets_newest ON metric_goal_sets (plan_id, metric_key, id DESC);
CREATE UNIQUE INDEX metric_goal_sets_replaced_once ON metric_goal_sets (based_on)
    WHERE based_on IS NOT NULL;
CREATE UNIQUE INDEX metric_goal_sets_one_first ON metric_goal_sets (plan_id, metric_key)
    WHERE based_on IS NULL;

-- A goal set's goal for each period of the metric it was given for.
CREATE TABLE metric_goals (
    goal_set_id  BIGINT NOT NULL REFERENCES metric_goal_sets (id) ON DELETE CASCADE,
    period_key   TEXT NOT NULL CHECK (length(period_key) BETWEEN 1 AND 60),
    value        BIGINT NOT NULL CHECK (value >= 0),
    PRIMARY KEY (goal_set_id, period_key)
);

CREATE TABLE condition_answers (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id        BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    condition_key  TEXT NOT NULL CHECK (length(condition_key) BETWEEN 1 AND 60),
    based_on       BIGINT REFERENCES condition_answers (id),
    status         TEXT NOT NULL CHECK (status IN ('met', 'in-progress', 'not-met')),
    how            TEXT NOT NULL DEFAULT '' CHECK (length(how) <= 20000),
    created_at     TIMESTAMPTZ NOT NULL,
    created_by     BIGINT REFERENCES users (id)
);
CREATE INDEX condition_answers_newest ON condition_answers (plan_id, condition_key, id DESC);
CREATE UNIQUE INDEX condition_answers_replaced_once ON condition_answers (based_on)
    WHERE based_on IS NOT NULL;
CREATE UNIQUE INDEX condition_answers_one_first ON condition_answers (plan_id, condition_key)
    WHERE based_on IS NULL;

-- Consultation with patients, service users, carers and providers, and what it changed.
CREATE TABLE engagement_entries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id       BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    held_on       DATE NOT NULL,
    audience      TEXT NOT NULL CHECK (length(audience) BETWEEN 1 AND 200),
    what_done     TEXT NOT NULL CHECK (length(what_done) BETWEEN 1 AND 5000),
    what_changed  TEXT NOT NULL DEFAULT '' CHECK (length(what_changed) <= 5000),
    -- For optimistic locking: an edit or removal names the version it was based on.
    version       INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    BIGINT REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL,
    updated_by    BIGINT REFERENCES users (id)
);
CREATE INDEX engagement_entries_newest ON engagement_entries (plan_id, held_on DESC, id DESC);
