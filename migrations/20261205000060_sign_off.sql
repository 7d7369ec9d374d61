-- Sign-off (issue 11): the route of each built-in cycle as template data, the guard that freezes
-- an area's content while a round is open, and the rounds, their frozen snapshots, the
-- partners' decisions, the board's, the submission and assurance.

-- 1. The route, as a new structure version of each built-in template (as the key dates were).
INSERT INTO template_structures (template_id, structure)
SELECT newest.template_id, newest.structure || jsonb_build_object('sign_off', cycle.route)
FROM (VALUES
 -- ../shared/reference/itf-2014.md, "The plan template" (Authorisation and sign-off) and "Who
 -- signs": each CCG and the council sign, the board approves, the area submits, NHS England and
 -- the LGA assure.
 ('2014-16', $json$
 {
  "signatures": [
   {"key": "ccg-accountable-officer", "capacity": "Chief or accountable officer",
    "organisations": "each_ccg", "delegable": true},
   {"key": "council-chief-executive", "capacity": "Chief executive or director of adult services",
    "organisations": "each_council", "delegable": true}
  ],
  "board": "before_submission",
  "chair_action_allowed": false,
  "submission_per_partner": false,
  "assurance_outcomes": [
   {"key": "approved", "label": "Approved", "approves": true},
   {"key": "approved-with-support", "label": "Approved with support", "approves": true},
   {"key": "approved-subject-to-conditions", "label": "Approved subject to conditions",
    "approves": true, "has_conditions": true},
   {"key": "not-approved", "label": "Not approved", "approves": false}
  ]
 }
 $json$::jsonb),
 -- ../shared/reference/bcf-2025-26.md 1.8 and 8.8: each ICB chief executive and the council
 -- chief executive (not delegable) and the council's section 151 officer sign before
 -- submission; partners submit each at its own time; the board approves afterwards or by a
 -- chair's action or delegated decision. The outcome labels are the reference's suggestion.
 ('2025-26', $json$
 {
  "signatures": [
   {"key": "icb-chief-executive", "capacity": "Chief executive",
    "organisations": "each_icb", "delegable": false},
   {"key": "council-chief-executive", "capacity": "Chief executive",
    "organisations": "each_council", "delegable": false},
   {"key": "council-section-151-officer", "capacity": "Section 151 officer",
    "organisations": "each_council", "delegable": true}
  ],
  "board": "after_signatures",
  "chair_action_allowed": true,
  "submission_per_partner": true,
  "assurance_outcomes": [
   {"key": "approved", "label": "Approved", "approves": true},
   {"key": "approved-with-conditions", "label": "Approved with conditions",
    "approves": true, "has_conditions": true},
   {"key": "not-approved", "label": "Not approved", "approves": false}
  ]
 }
 $json$::jsonb)
) AS cycle (template_key, route)
JOIN templates t ON t.key = cycle.template_key
JOIN LATERAL (
    SELECT s.template_id, s.structure
    FROM template_structures s
    WHERE s.template_id = t.id
    ORDER BY s.id DESC
    LIMIT 1
) AS newest ON true
WHERE NOT newest.structure ? 'sign_off';

-- 2. The content guard of each area. Every change to a plan's content or the area's risk
-- register bumps `version` in the change's own transaction, refused while `frozen_plan_id`
-- names a plan in sign-off: the row lock orders edits against a round being opened, so no
-- edit slips in between the checks and the snapshot. `version` also tells a page cheaply
-- whether anything can have changed since a snapshot was taken.
CREATE TABLE area_content (
    area_id          BIGINT PRIMARY KEY REFERENCES areas (id) ON DELETE CASCADE,
    version          BIGINT NOT NULL DEFAULT 0,
    frozen_plan_id   BIGINT REFERENCES plans (id),
    -- Why, for the refusal message: the round's name, when it opened and who opened it.
    frozen_round     TEXT,
    frozen_at        TIMESTAMPTZ,
    frozen_by        BIGINT REFERENCES users (id),
    CONSTRAINT area_content_frozen_whole CHECK (
        (frozen_plan_id IS NULL) = (frozen_round IS NULL)
        AND (frozen_plan_id IS NULL) = (frozen_at IS NULL))
);
INSERT INTO area_content (area_id) SELECT id FROM areas;

-- 3. Rounds: a named attempt to take one snapshot of a plan through the route.
CREATE TABLE signoff_rounds (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id           BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    -- 1, 2, 3... per plan, for URLs: /areas/kent/plans/2014-16/sign-off/rounds/2
    number            INTEGER NOT NULL CONSTRAINT signoff_rounds_number_positive CHECK (number > 0),
    name              TEXT NOT NULL CONSTRAINT signoff_rounds_name_length CHECK (length(name) BETWEEN 1 AND 200),
    -- The cycle's deadline (a key date's key) the submission is measured against, if any.
    deadline_key      TEXT,
    state             TEXT NOT NULL CONSTRAINT signoff_rounds_state_known CHECK (state IN (
                          'partner_sign_off', 'board_approval', 'ready_to_submit', 'submitted',
                          'assured', 'withdrawn', 'declined', 'not_approved', 'superseded')),
    opened_at         TIMESTAMPTZ NOT NULL,
    opened_by         BIGINT NOT NULL REFERENCES users (id),
    -- The frozen plan: canonical JSON, kept as text so that its bytes (and so its hash) never
    -- change, and its SHA-256.
    snapshot          TEXT NOT NULL,
    snapshot_hash     BYTEA NOT NULL CONSTRAINT signoff_rounds_hash_length CHECK (length(snapshot_hash) = 32),
    -- area_content.version when the snapshot was taken.
    content_version   BIGINT NOT NULL,
    ended_at          TIMESTAMPTZ,
    ended_by          BIGINT REFERENCES users (id),
    -- Why it was withdrawn, declined or not approved.
    end_reason        TEXT CONSTRAINT signoff_rounds_end_reason_length CHECK (length(end_reason) <= 5000),
    CONSTRAINT signoff_rounds_number_key UNIQUE (plan_id, number)
);
-- At most one round per plan is in progress (not ended one way or another).
CREATE UNIQUE INDEX signoff_rounds_one_current ON signoff_rounds (plan_id)
    WHERE state IN ('partner_sign_off', 'board_approval', 'ready_to_submit', 'submitted');

-- 4. Each required signature's decision on a round's snapshot.
CREATE TABLE signoff_decisions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id          BIGINT NOT NULL REFERENCES signoff_rounds (id) ON DELETE CASCADE,
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id),
    -- The route's signature key, e.g. council-section-151-officer.
    signature_key     TEXT NOT NULL,
    decision          TEXT NOT NULL CONSTRAINT signoff_decisions_known CHECK (decision IN (
                          'approve', 'approve_with_comments', 'decline')),
    comments          TEXT NOT NULL DEFAULT '' CONSTRAINT signoff_decisions_comments_length CHECK (length(comments) <= 10000),
    signer_id         BIGINT NOT NULL REFERENCES users (id),
    -- As the signer gave them on the form: the 2014 template's "By" and "Position".
    signer_name       TEXT NOT NULL CONSTRAINT signoff_decisions_name_length CHECK (length(signer_name) BETWEEN 1 AND 200),
    signer_position   TEXT NOT NULL CONSTRAINT signoff_decisions_position_length CHECK (length(signer_position) BETWEEN 1 AND 200),
    snapshot_hash     BYTEA NOT NULL,
    decided_at        TIMESTAMPTZ NOT NULL,
    -- The same signature is given once per round: a double click records it once.
    CONSTRAINT signoff_decisions_once UNIQUE (round_id, organisation_id, signature_key)
);

-- 5. The Health and Wellbeing Board's decisions on a round: at a meeting, or by a chair's action
-- or delegated decision with its reference. A deferral is followed by a later decision.
CREATE TABLE board_decisions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id          BIGINT NOT NULL REFERENCES signoff_rounds (id) ON DELETE CASCADE,
    how               TEXT NOT NULL CONSTRAINT board_decisions_how_known CHECK (how IN ('meeting', 'chair_action')),
    body              TEXT NOT NULL CONSTRAINT board_decisions_body_length CHECK (length(body) BETWEEN 1 AND 200),
    decided_on        DATE NOT NULL,
    agenda_item       TEXT NOT NULL DEFAULT '' CONSTRAINT board_decisions_agenda_length CHECK (length(agenda_item) <= 200),
    -- The minute reference at a meeting; the decision's reference for a chair's action.
    reference         TEXT NOT NULL CONSTRAINT board_decisions_reference_length CHECK (length(reference) BETWEEN 1 AND 200),
    resolution        TEXT NOT NULL DEFAULT '' CONSTRAINT board_decisions_resolution_length CHECK (length(resolution) <= 10000),
    outcome           TEXT NOT NULL CONSTRAINT board_decisions_outcome_known CHECK (outcome IN ('approved', 'deferred', 'not_approved')),
    snapshot_hash     BYTEA NOT NULL,
    recorded_by       BIGINT NOT NULL REFERENCES users (id),
    recorded_at       TIMESTAMPTZ NOT NULL,
    -- Recorded once, however often the form is sent.
    CONSTRAINT board_decisions_once UNIQUE (round_id, decided_on, reference)
);
CREATE INDEX board_decisions_round_idx ON board_decisions (round_id, id);

-- 6. Submission: once for the area, or once per signing partner where the route says each
-- partner submits at its own time.
CREATE TABLE submissions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id          BIGINT NOT NULL REFERENCES signoff_rounds (id) ON DELETE CASCADE,
    organisation_id   BIGINT REFERENCES organisations (id),
    submitted_at      TIMESTAMPTZ NOT NULL,
    reference         TEXT NOT NULL DEFAULT '' CONSTRAINT submissions_reference_length CHECK (length(reference) <= 200),
    recorded_by       BIGINT NOT NULL REFERENCES users (id),
    recorded_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX submissions_once ON submissions (round_id, coalesce(organisation_id, 0));

-- 7. Assurance: the outcome on a submitted round, and its conditions, each met later.
CREATE TABLE assurance_outcomes (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id          BIGINT NOT NULL REFERENCES signoff_rounds (id) ON DELETE CASCADE,
    -- A key of the route's assurance outcomes, and its label as it was then.
    outcome_key       TEXT NOT NULL,
    outcome_label     TEXT NOT NULL,
    approves          BOOLEAN NOT NULL,
    summary           TEXT NOT NULL DEFAULT '' CONSTRAINT assurance_outcomes_summary_length CHECK (length(summary) <= 10000),
    snapshot_hash     BYTEA NOT NULL,
    recorded_by       BIGINT NOT NULL REFERENCES users (id),
    recorded_at       TIMESTAMPTZ NOT NULL,
    CONSTRAINT assurance_outcomes_once UNIQUE (round_id)
);

CREATE TABLE assurance_conditions (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outcome_id        BIGINT NOT NULL REFERENCES assurance_outcomes (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    text              TEXT NOT NULL CONSTRAINT assurance_conditions_text_length CHECK (length(text) BETWEEN 1 AND 5000),
    due_on            DATE NOT NULL,
    met_at            TIMESTAMPTZ,
    met_by            BIGINT REFERENCES users (id),
    met_note          TEXT NOT NULL DEFAULT '' CONSTRAINT assurance_conditions_note_length CHECK (length(met_note) <= 5000),
    CONSTRAINT assurance_conditions_position_key UNIQUE (outcome_id, position)
);

-- 8. The approved snapshot of each plan, which every page of the live plan compares itself with.
ALTER TABLE plans
    ADD COLUMN approved_round_id        BIGINT REFERENCES signoff_rounds (id),
    ADD COLUMN approved_round_number    INTEGER,
    ADD COLUMN approved_snapshot_hash   BYTEA,
    ADD COLUMN approved_content_version BIGINT,
    ADD COLUMN approved_at              TIMESTAMPTZ;
