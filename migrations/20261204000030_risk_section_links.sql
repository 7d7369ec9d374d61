-- Risks linked to plan sections (issue 9): a "Risks and contingency" section names the risks it
-- relies on, and a risk shows the sections that cite it. A section deleted with its plan takes
-- its links with it; risks are never deleted.
CREATE TABLE risk_section_links (
    risk_id          BIGINT NOT NULL REFERENCES risks (id),
    plan_section_id  BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    linked_at        TIMESTAMPTZ NOT NULL,
    linked_by        BIGINT REFERENCES users (id),
    PRIMARY KEY (risk_id, plan_section_id)
);
-- The section page lists its risks.
CREATE INDEX risk_section_links_section ON risk_section_links (plan_section_id);
