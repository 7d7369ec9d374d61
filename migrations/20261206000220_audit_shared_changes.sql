-- The audit log's changes that name no area yet alter every area's pages: templates, their
-- sections and structures (a task list's sections and their order) and organisations (the
-- names pages show). An area's change stamp (areas::kept) is the newest of its own rows and of
-- these; this index finds the newest of these with one probe, as audit_log_area_idx does an
-- area's own.
CREATE INDEX audit_log_shared_idx ON audit_log (id)
    WHERE area_id IS NULL
      AND target_kind IN ('template', 'template_section', 'template_structure', 'organisation');
