-- Organisations and the Health and Wellbeing Board areas they plan together.
-- Every later table hangs off these: an area is the tenant boundary of the product.

CREATE TYPE organisation_kind AS ENUM (
    'hwb',          -- Health and Wellbeing Board
    'ccg',          -- Clinical Commissioning Group (2013-2022)
    'icb',          -- Integrated Care Board (from July 2022)
    'council',      -- local authority
    'nhs_england',  -- national / regional programme team
    'other'         -- providers, voluntary sector, HealthWatch
);

CREATE TABLE organisations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL CONSTRAINT organisations_name_length CHECK (length(name) BETWEEN 1 AND 200),
    kind        organisation_kind NOT NULL,
    -- Organisation Data Service code, e.g. 09C for NHS Ashford CCG. Optional: councils and boards
    -- are often known by other codes.
    ods_code    TEXT CONSTRAINT organisations_ods_code_format CHECK (ods_code ~ '^[A-Z0-9]{2,10}$'),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT organisations_name_key UNIQUE (name),
    CONSTRAINT organisations_ods_code_key UNIQUE (ods_code)
);

CREATE TABLE areas (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Used in URLs: /areas/kent/...
    slug        TEXT NOT NULL CONSTRAINT areas_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name        TEXT NOT NULL CONSTRAINT areas_name_length CHECK (length(name) BETWEEN 1 AND 200),
    -- The Health and Wellbeing Board that approves the area's plan.
    board_id    BIGINT NOT NULL REFERENCES organisations (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT areas_slug_key UNIQUE (slug),
    CONSTRAINT areas_board_key UNIQUE (board_id)
);

-- The organisations taking part in an area's plan. Partners (the council and the CCGs / ICB)
-- pool money and sign the plan; others (providers, voluntary sector) take part without signing.
CREATE TABLE area_members (
    area_id          BIGINT NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    signs_plan       BOOLEAN NOT NULL,
    PRIMARY KEY (area_id, organisation_id)
);

CREATE INDEX area_members_organisation_idx ON area_members (organisation_id);
