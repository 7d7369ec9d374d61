-- A plan's schemes (issue 10, item 3): what the pooled money buys. Each scheme has its spend and
-- expected benefit per financial year of the plan's structure, the metrics it moves and the
-- area's register risks it is linked to. Years, funding sources and metrics are keys of the
-- structure the plan was made from (`plans::templates::structure`), checked when saved.

-- The last number given to a scheme of each plan, so that a removed scheme's number (S7) is
-- never given to another: the audit log and people's notes keep naming it.
CREATE TABLE scheme_numbers (
    plan_id      BIGINT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
    last_number  INTEGER NOT NULL CONSTRAINT scheme_numbers_positive CHECK (last_number > 0)
);

CREATE TABLE schemes (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id               BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    -- Stable per plan, shown as S3.
    number                INTEGER NOT NULL CONSTRAINT schemes_number_positive CHECK (number > 0),
    name                  TEXT NOT NULL,
    -- A `plans::parts::schemes::SchemeType` key.
    scheme_type           TEXT NOT NULL,
    objective             TEXT NOT NULL,
    lead_commissioner_id  BIGINT NOT NULL REFERENCES organisations (id),
    provider              TEXT NOT NULL,
    -- A funding stream key of the plan's structure.
    funding_source        TEXT NOT NULL,
    -- For optimistic locking: a save names the version it was based on.
    version               INTEGER NOT NULL CONSTRAINT schemes_version_positive CHECK (version > 0),
    created_at            TIMESTAMPTZ NOT NULL,
    created_by            BIGINT REFERENCES users (id),
    updated_at            TIMESTAMPTZ NOT NULL,
    updated_by            BIGINT REFERENCES users (id),
    CONSTRAINT schemes_plan_number_key UNIQUE (plan_id, number)
);
-- The list's filters.
CREATE INDEX schemes_plan_type ON schemes (plan_id, scheme_type);
CREATE INDEX schemes_plan_source ON schemes (plan_id, funding_source);
CREATE INDEX schemes_plan_lead ON schemes (plan_id, lead_commissioner_id);

-- Spend and expected benefit (savings) per financial year, in whole pence.
CREATE TABLE scheme_amounts (
    scheme_id  BIGINT NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
    year_key   TEXT NOT NULL,
    spend      BIGINT NOT NULL CONSTRAINT scheme_amounts_spend_not_negative CHECK (spend >= 0),
    benefit    BIGINT NOT NULL CONSTRAINT scheme_amounts_benefit_not_negative CHECK (benefit >= 0),
    PRIMARY KEY (scheme_id, year_key)
);

-- The metrics of the plan's structure a scheme is expected to move.
CREATE TABLE scheme_metrics (
    scheme_id   BIGINT NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
    metric_key  TEXT NOT NULL,
    PRIMARY KEY (scheme_id, metric_key)
);

-- The area's register risks a scheme is linked to.
CREATE TABLE scheme_risks (
    scheme_id  BIGINT NOT NULL REFERENCES schemes (id) ON DELETE CASCADE,
    risk_id    BIGINT NOT NULL REFERENCES risks (id),
    PRIMARY KEY (scheme_id, risk_id)
);
CREATE INDEX scheme_risks_risk ON scheme_risks (risk_id);
