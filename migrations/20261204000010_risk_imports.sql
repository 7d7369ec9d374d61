-- Imports of a risk register waiting to be confirmed (issue 9, item 7): the file is parsed and
-- checked when uploaded, and what it would do is kept here, so that the preview and the
-- confirmation act on exactly the same thing and the confirm form only names the import.
-- Nothing here is part of the register; rows are removed when confirmed, and after an hour.
CREATE TABLE risk_imports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id     BIGINT NOT NULL REFERENCES areas (id),
    -- Only the person who uploaded the file may confirm it.
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    -- The matrix the rows were scored under: confirming refuses if the area's has changed.
    matrix_id   BIGINT NOT NULL REFERENCES risk_matrices (id),
    file_name   TEXT NOT NULL CONSTRAINT risk_imports_file_name_length CHECK (char_length(file_name) <= 255),
    -- A serialised `risks::transfer::plan::Plan`: the risks to add, and the risks to change with
    -- the version of each the preview was based on.
    plan        JSONB NOT NULL
);
-- Removing the expired ones.
CREATE INDEX risk_imports_created_at ON risk_imports (created_at);
