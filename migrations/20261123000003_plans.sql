-- Drafting the plan: templates (data, one per planning cycle), plans (an area's instance of a
-- template), sections with their status and assignment, every saved revision, per-organisation
-- contributions, and comments.

CREATE TYPE section_kind AS ENUM (
    'narrative', 'funding', 'schemes', 'metrics', 'risks', 'national_condition', 'engagement'
);

CREATE TABLE templates (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Used in URLs: /areas/kent/plans/2014-16
    key             TEXT NOT NULL CONSTRAINT templates_key_format CHECK (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(key) <= 40),
    name            TEXT NOT NULL CONSTRAINT templates_name_length CHECK (length(name) BETWEEN 1 AND 200),
    copied_from_id  BIGINT REFERENCES templates (id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT templates_key_key UNIQUE (key)
);

CREATE TABLE template_sections (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template_id       BIGINT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    key               TEXT NOT NULL CONSTRAINT template_sections_key_format CHECK (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(key) <= 60),
    position          INTEGER NOT NULL,
    title             TEXT NOT NULL CONSTRAINT template_sections_title_length CHECK (length(title) BETWEEN 1 AND 200),
    guidance          TEXT NOT NULL DEFAULT '' CONSTRAINT template_sections_guidance_length CHECK (length(guidance) <= 20000),
    kind              section_kind NOT NULL,
    -- Each partner organisation writes its own part (e.g. each of Kent's seven CCG areas).
    per_organisation  BOOLEAN NOT NULL,
    CONSTRAINT template_sections_key_key UNIQUE (template_id, key),
    CONSTRAINT template_sections_position_key UNIQUE (template_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TYPE section_status AS ENUM ('not_started', 'in_progress', 'ready_for_review', 'completed');

CREATE TABLE plans (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_id      BIGINT NOT NULL REFERENCES areas (id),
    template_id  BIGINT NOT NULL REFERENCES templates (id),
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   BIGINT REFERENCES users (id),
    CONSTRAINT plans_area_template_key UNIQUE (area_id, template_id)
);

CREATE TABLE plan_sections (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id                   BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    template_section_id       BIGINT NOT NULL REFERENCES template_sections (id),
    status                    section_status NOT NULL DEFAULT 'not_started',
    assigned_organisation_id  BIGINT REFERENCES organisations (id),
    -- The shared text: the newest revision with organisation_id NULL.
    body                      TEXT NOT NULL DEFAULT '',
    -- Optimistic locking: bumped by every change; a save names the version it started from.
    version                   INTEGER NOT NULL DEFAULT 0,
    updated_at                TIMESTAMPTZ,
    updated_by                BIGINT REFERENCES users (id),
    CONSTRAINT plan_sections_template_section_key UNIQUE (plan_id, template_section_id)
);
CREATE INDEX plan_sections_plan_idx ON plan_sections (plan_id);

-- One organisation's part of a per-organisation section.
CREATE TABLE contributions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_section_id  BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    body             TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 0,
    updated_at       TIMESTAMPTZ,
    updated_by       BIGINT REFERENCES users (id),
    CONSTRAINT contributions_section_organisation_key UNIQUE (plan_section_id, organisation_id)
);

-- Every save of a section's shared text (organisation_id NULL) or of a contribution, kept for
-- ever: history, differences and restore all read from here.
CREATE TABLE revisions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_section_id  BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    organisation_id  BIGINT REFERENCES organisations (id),
    -- 1, 2, 3... per section text or contribution, matching its version after the save.
    number           INTEGER NOT NULL,
    body             TEXT NOT NULL CONSTRAINT revisions_body_length CHECK (length(body) <= 100000),
    author_id        BIGINT NOT NULL REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL,
    restored_from    INTEGER
);
CREATE UNIQUE INDEX revisions_number_key ON revisions (plan_section_id, coalesce(organisation_id, 0), number);

CREATE TABLE comments (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_section_id  BIGINT NOT NULL REFERENCES plan_sections (id) ON DELETE CASCADE,
    -- Replies belong to a thread; a thread is its first comment.
    thread_id        BIGINT REFERENCES comments (id),
    author_id        BIGINT NOT NULL REFERENCES users (id),
    body             TEXT NOT NULL CONSTRAINT comments_body_length CHECK (length(body) BETWEEN 1 AND 10000),
    created_at       TIMESTAMPTZ NOT NULL,
    resolved_at      TIMESTAMPTZ,
    resolved_by      BIGINT REFERENCES users (id)
);
CREATE INDEX comments_section_idx ON comments (plan_section_id, id);

-- Full-text search over what the area's partners wrote.
CREATE INDEX plan_sections_search_idx ON plan_sections USING gin (to_tsvector('english', body));
CREATE INDEX contributions_search_idx ON contributions USING gin (to_tsvector('english', body));
CREATE INDEX comments_search_idx ON comments USING gin (to_tsvector('english', body));
