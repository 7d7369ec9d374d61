-- The shared risk register (issue 9): each area's risk matrices, its risks, and every version
-- of every risk as a whole snapshot, so that history, comparing any two versions and the
-- register "as at" a date are reads rather than reconstructions.

-- An area's risk matrices, newest current. None stored means the NPSA 5x5 default, which is
-- stored the first time a risk is scored under it, so that every version names its matrix.
CREATE TABLE risk_matrices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id     BIGINT NOT NULL REFERENCES areas (id),
    -- A serialised `risks::Matrix` (labels, bands), checked again when read.
    matrix      JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  BIGINT REFERENCES users (id)
);
CREATE INDEX risk_matrices_area_newest ON risk_matrices (area_id, created_at DESC, id DESC);

CREATE TABLE risks (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id  BIGINT NOT NULL REFERENCES areas (id),
    -- Stable per area, shown as R-07.
    number   INTEGER NOT NULL CONSTRAINT risks_number_positive CHECK (number > 0),
    -- The current version, for optimistic locking: an update names the version it was based on.
    version  INTEGER NOT NULL CONSTRAINT risks_version_positive CHECK (version > 0),
    CONSTRAINT risks_area_number_key UNIQUE (area_id, number)
);

CREATE TABLE risk_versions (
    risk_id      BIGINT NOT NULL REFERENCES risks (id),
    version      INTEGER NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    recorded_by  BIGINT REFERENCES users (id),
    matrix_id    BIGINT NOT NULL REFERENCES risk_matrices (id),
    -- A serialised `risks::RiskContent`: the whole risk as it stood.
    content      JSONB NOT NULL,
    PRIMARY KEY (risk_id, version)
);
-- "As at" a date: the newest version of each risk recorded by then.
CREATE INDEX risk_versions_recorded ON risk_versions (risk_id, recorded_at);
