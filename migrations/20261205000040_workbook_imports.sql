-- Imports of a plan's workbook (funding lines and schemes) waiting to be confirmed (issue 10,
-- item 10): the file is parsed and checked when uploaded, and what it would do is kept here, so
-- that the preview and the confirmation act on exactly the same thing and the confirm form only
-- names the import. Nothing here is part of the plan; rows are removed when confirmed, and
-- after an hour.
CREATE TABLE workbook_imports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    -- Only the person who uploaded the file may confirm it.
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    file_name   TEXT NOT NULL CONSTRAINT workbook_imports_file_name_length CHECK (char_length(file_name) <= 255),
    -- A serialised `plans::parts::workbook::import::ImportPlan`: the lines and schemes to add
    -- and change, each change with the version the preview was based on.
    plan        JSONB NOT NULL
);
-- Removing the expired ones.
CREATE INDEX workbook_imports_created_at ON workbook_imports (created_at);
