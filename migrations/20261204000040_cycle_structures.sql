-- The structured parts of a planning cycle (issue 10): its financial years, funding streams,
-- metrics and national conditions, kept as versions of one checked document per template (a
-- serialised `plans::templates::structure::CycleStructure`), the newest current. A plan records
-- the version it was made from, so a later correction to the template never changes what a plan
-- was written against. Also the current cycle's built-in template, BCF 2025-26.

CREATE TABLE template_structures (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template_id  BIGINT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    structure    JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by   BIGINT REFERENCES users (id)
);
CREATE INDEX template_structures_newest ON template_structures (template_id, id DESC);

ALTER TABLE plans ADD COLUMN structure_id BIGINT REFERENCES template_structures (id);

-- 2014/15–2015/16: the £3.8bn pool's streams, the national metrics and the six conditions.
INSERT INTO template_structures (template_id, structure)
SELECT id, $json${
 "years": [
  {
   "key": "2014-15",
   "label": "2014/15"
  },
  {
   "key": "2015-16",
   "label": "2015/16"
  }
 ],
 "streams": [
  {
   "key": "ccg-minimum-contribution",
   "name": "CCG minimum contribution",
   "aliases": [
    "New NHS funding"
   ],
   "mandated": true,
   "spending": "revenue"
  },
  {
   "key": "nhs-transfer-to-social-care",
   "name": "NHS transfer to social care",
   "aliases": [
    "Section 256 transfer",
    "s256 transfer"
   ],
   "mandated": true,
   "spending": "revenue"
  },
  {
   "key": "carers-breaks",
   "name": "Carers' breaks funding",
   "aliases": [],
   "mandated": true,
   "spending": "revenue"
  },
  {
   "key": "ccg-reablement",
   "name": "CCG reablement funding",
   "aliases": [
    "Reablement funding"
   ],
   "mandated": true,
   "spending": "revenue"
  },
  {
   "key": "disabled-facilities-grant",
   "name": "Disabled Facilities Grant",
   "aliases": [
    "DFG"
   ],
   "mandated": true,
   "spending": "capital"
  },
  {
   "key": "social-care-capital-grant",
   "name": "Social care capital grant",
   "aliases": [],
   "mandated": true,
   "spending": "capital"
  },
  {
   "key": "additional-council-contribution",
   "name": "Additional council contribution",
   "aliases": [],
   "mandated": false,
   "spending": "revenue"
  },
  {
   "key": "additional-ccg-contribution",
   "name": "Additional CCG contribution",
   "aliases": [],
   "mandated": false,
   "spending": "revenue"
  }
 ],
 "metrics": [
  {
   "key": "residential-admissions",
   "name": "Permanent admissions of older people (65+) to residential and nursing care homes",
   "definition": "Permanent admissions of people aged 65 and over to residential and nursing care homes, per 100,000 population aged 65 and over, in the year.",
   "unit": "per 100,000 population 65+",
   "better": "lower",
   "periods": [
    {
     "key": "2014-15",
     "label": "2014/15",
     "starts": "2014-04-01",
     "ends": "2015-03-31"
    },
    {
     "key": "2015-16",
     "label": "2015/16",
     "starts": "2015-04-01",
     "ends": "2016-03-31"
    }
   ],
   "pay_for_performance": false
  },
  {
   "key": "reablement-91-days",
   "name": "Older people still at home 91 days after discharge into reablement",
   "definition": "Proportion of older people (65+) still at home 91 days after discharge from hospital into reablement or rehabilitation services (one quarter's discharges, followed up 91 days).",
   "unit": "percent",
   "better": "higher",
   "periods": [
    {
     "key": "2014-15",
     "label": "2014/15",
     "starts": "2014-04-01",
     "ends": "2015-03-31"
    },
    {
     "key": "2015-16",
     "label": "2015/16",
     "starts": "2015-04-01",
     "ends": "2016-03-31"
    }
   ],
   "pay_for_performance": false
  },
  {
   "key": "delayed-transfers",
   "name": "Delayed transfers of care",
   "definition": "Delayed days from hospital, from the monthly SitRep, per 100,000 population aged 18 and over.",
   "unit": "delayed days per 100,000 population 18+",
   "better": "lower",
   "periods": [
    {
     "key": "2014-15",
     "label": "2014/15",
     "starts": "2014-04-01",
     "ends": "2015-03-31"
    },
    {
     "key": "2015-16",
     "label": "2015/16",
     "starts": "2015-04-01",
     "ends": "2016-03-31"
    }
   ],
   "pay_for_performance": false
  },
  {
   "key": "emergency-admissions",
   "name": "Avoidable emergency admissions",
   "definition": "Avoidable emergency admissions (composite measure), per 100,000 population.",
   "unit": "per 100,000 population",
   "better": "lower",
   "periods": [
    {
     "key": "2014-15",
     "label": "2014/15",
     "starts": "2014-04-01",
     "ends": "2015-03-31"
    },
    {
     "key": "2015-16",
     "label": "2015/16",
     "starts": "2015-04-01",
     "ends": "2016-03-31"
    }
   ],
   "pay_for_performance": false
  },
  {
   "key": "patient-experience",
   "name": "Patient and service user experience",
   "definition": "A national measure was under development; areas used a local interim measure.",
   "unit": "as defined locally",
   "better": "higher",
   "periods": [
    {
     "key": "2014-15",
     "label": "2014/15",
     "starts": "2014-04-01",
     "ends": "2015-03-31"
    },
    {
     "key": "2015-16",
     "label": "2015/16",
     "starts": "2015-04-01",
     "ends": "2016-03-31"
    }
   ],
   "pay_for_performance": false,
   "unverified": "The national measure was still being developed; the unit and direction depend on the local interim measure."
  },
  {
   "key": "local",
   "name": "Local metric",
   "definition": "One local metric chosen from the Joint Strategic Needs Assessment, such as the dementia diagnosis rate or emergency readmissions.",
   "unit": "as defined locally",
   "better": "lower",
   "periods": [
    {
     "key": "2014-15",
     "label": "2014/15",
     "starts": "2014-04-01",
     "ends": "2015-03-31"
    },
    {
     "key": "2015-16",
     "label": "2015/16",
     "starts": "2015-04-01",
     "ends": "2016-03-31"
    }
   ],
   "pay_for_performance": false
  },
  {
   "key": "non-elective-admissions",
   "name": "Total emergency (non-elective) admissions",
   "definition": "Total emergency admissions to hospital in the quarter: the pay-for-performance metric after the July 2014 revision, normally to fall by at least 3.5%.",
   "unit": "admissions per quarter",
   "better": "lower",
   "periods": [
    {
     "key": "q4-2014-15",
     "label": "Q4 2014/15",
     "starts": "2015-01-01",
     "ends": "2015-03-31"
    },
    {
     "key": "q1-2015-16",
     "label": "Q1 2015/16",
     "starts": "2015-04-01",
     "ends": "2015-06-30"
    },
    {
     "key": "q2-2015-16",
     "label": "Q2 2015/16",
     "starts": "2015-07-01",
     "ends": "2015-09-30"
    },
    {
     "key": "q3-2015-16",
     "label": "Q3 2015/16",
     "starts": "2015-10-01",
     "ends": "2015-12-31"
    }
   ],
   "pay_for_performance": true,
   "unverified": "The periods underpinning each payment are approximate."
  }
 ],
 "conditions": [
  {
   "key": "jointly-agreed",
   "title": "Plans to be jointly agreed",
   "text": "The plan is jointly agreed by the council and its clinical commissioning groups and signed off by the Health and Wellbeing Board."
  },
  {
   "key": "protecting-social-care",
   "title": "Protecting social care services",
   "text": "Say how local social care services will be protected, what protecting them means locally, and how much of the fund is used for it."
  },
  {
   "key": "seven-day-services",
   "title": "Seven-day services to support discharge and prevent admissions",
   "text": "Health and social care services work seven days a week to support patients being discharged and to prevent unnecessary admissions at weekends."
  },
  {
   "key": "data-sharing",
   "title": "Data sharing",
   "text": "The NHS number is used as the primary identifier across health and care services, systems move to open APIs, and information governance controls are in place."
  },
  {
   "key": "joint-assessment",
   "title": "Joint assessment and accountable lead professional",
   "text": "A joint approach to assessments and care planning, with an accountable lead professional for people at high risk of hospital admission."
  },
  {
   "key": "acute-sector-impact",
   "title": "Agreement on the consequential impact on the acute sector",
   "text": "The consequential impact of the changes on providers, in particular the acute sector, is agreed with them."
  }
 ]
}$json$::jsonb
FROM templates WHERE key = '2014-16';

UPDATE plans p SET structure_id = s.id
FROM template_structures s WHERE s.template_id = p.template_id;

-- BCF 2025-26 (DHSC and MHCLG policy framework, 30 January 2025): its narrative sections, three
-- metrics, four conditions and three national funding streams. Facts the reference marks as
-- unverified carry a note saying so.
INSERT INTO templates (key, name) VALUES ('2025-26', 'BCF plan 2025-26');

INSERT INTO template_sections (template_id, key, position, title, kind, per_organisation, guidance)
SELECT t.id, s.key, s.position, s.title, s.kind::section_kind, s.per_organisation, s.guidance
FROM templates t,
(VALUES
 (E'overview', 1, E'Overview of the BCF plan', 'narrative', false,
  E'Set out the plan in brief:\n\n- your priorities for 2025-26\n- key changes since the last plan\n- how the plan was developed, and which stakeholders were involved\n- joint governance of delivery, and engagement with the BCF oversight and support process where required\n- how the plan aligns with other plans: the ICB\'s NHS operational plan, the Joint Local Health and Wellbeing Strategy and neighbourhood health'),
 (E'sickness-to-prevention', 2, E'Objective 1: the shift from sickness to prevention', 'narrative', false,
  E'Describe how the plan helps people stay independent for longer and prevents needs escalating:\n\n- timely, proactive, joined-up support for people with more complex needs\n- home adaptations, the Disabled Facilities Grant and technology\n- support for unpaid carers'),
 (E'hospital-to-home', 3, E'Objective 2: the shift from hospital to home', 'narrative', false,
  E'Describe how the plan supports people to live independently:\n\n- preventing avoidable hospital admissions\n- timely discharge from acute, community and mental health hospitals, with recovery at home\n- reducing long-term admissions to residential and nursing care homes\n- intermediate care, with a summary of the capacity and demand plan'),
 (E'metric-goals', 4, E'Metric goals and their rationale', 'metrics', false,
  E'For each national metric: the baseline, the goal, the interventions planned to meet it and the impact expected.'),
 (E'national-conditions', 5, E'National conditions', 'national_condition', false,
  E'For each of the four national conditions, confirm whether it is met and give the evidence.'),
 (E'funding-and-expenditure', 6, E'Funding and expenditure', 'funding', false,
  E'Summarise income by funding stream and spending by scheme, including the adult social care spend maintained from the NHS minimum contribution.'),
 (E'equalities', 7, E'Equalities and health inequalities', 'narrative', false,
  E'Describe how the plan addresses equality and health inequalities.\n\n(Unverified as a required heading in 2025-26; it was in earlier cycles.)'),
 (E'risks-and-mitigation', 8, E'Risks and mitigation', 'risks', false,
  E'Summarise the shared risk register, including the risk-sharing and contingency arrangements between partners.')
) AS s (key, position, title, kind, per_organisation, guidance)
WHERE t.key = '2025-26';

INSERT INTO template_structures (template_id, structure)
SELECT id, $json${
 "years": [
  {
   "key": "2025-26",
   "label": "2025/26"
  }
 ],
 "streams": [
  {
   "key": "nhs-minimum-contribution",
   "name": "NHS minimum contribution",
   "aliases": [
    "ICB minimum contribution"
   ],
   "mandated": true,
   "spending": "revenue"
  },
  {
   "key": "la-better-care-grant",
   "name": "Local Authority Better Care Grant",
   "aliases": [
    "LABCG",
    "iBCF",
    "Improved Better Care Fund",
    "Local Authority Better Care Fund Grant",
    "Local Authority Better Care Fund"
   ],
   "mandated": true,
   "spending": "revenue"
  },
  {
   "key": "disabled-facilities-grant",
   "name": "Disabled Facilities Grant",
   "aliases": [
    "DFG"
   ],
   "mandated": true,
   "spending": "capital"
  },
  {
   "key": "additional-la-contribution",
   "name": "Additional local authority contribution",
   "aliases": [],
   "mandated": false,
   "spending": "revenue"
  },
  {
   "key": "additional-icb-contribution",
   "name": "Additional ICB contribution",
   "aliases": [],
   "mandated": false,
   "spending": "revenue"
  }
 ],
 "metrics": [
  {
   "key": "emergency-admissions-65-plus",
   "name": "Emergency admissions (65+)",
   "definition": "Emergency (unplanned) admissions to hospital of people aged 65 and over, per 100,000 population aged 65 and over.",
   "unit": "per 100,000 population 65+",
   "better": "lower",
   "periods": [
    {
     "key": "q1-2025-26",
     "label": "Q1 2025/26",
     "starts": "2025-04-01",
     "ends": "2025-06-30"
    },
    {
     "key": "q2-2025-26",
     "label": "Q2 2025/26",
     "starts": "2025-07-01",
     "ends": "2025-09-30"
    },
    {
     "key": "q3-2025-26",
     "label": "Q3 2025/26",
     "starts": "2025-10-01",
     "ends": "2025-12-31"
    },
    {
     "key": "q4-2025-26",
     "label": "Q4 2025/26",
     "starts": "2026-01-01",
     "ends": "2026-03-31"
    }
   ],
   "pay_for_performance": false,
   "unverified": "The exact wording, age band and goal periods are from memory, not the national definition."
  },
  {
   "key": "discharge-delay-days",
   "name": "Average length of discharge delay",
   "definition": "For all acute adult patients: from the share discharged on their discharge ready date and, for those who were not, the average days from that date to discharge (NHS England discharge ready date collection).",
   "unit": "days",
   "better": "lower",
   "periods": [
    {
     "key": "q1-2025-26",
     "label": "Q1 2025/26",
     "starts": "2025-04-01",
     "ends": "2025-06-30"
    },
    {
     "key": "q2-2025-26",
     "label": "Q2 2025/26",
     "starts": "2025-07-01",
     "ends": "2025-09-30"
    },
    {
     "key": "q3-2025-26",
     "label": "Q3 2025/26",
     "starts": "2025-10-01",
     "ends": "2025-12-31"
    },
    {
     "key": "q4-2025-26",
     "label": "Q4 2025/26",
     "starts": "2026-01-01",
     "ends": "2026-03-31"
    }
   ],
   "pay_for_performance": false,
   "unverified": "How the measure is made up, its data source and goal periods are from memory, not the national definition."
  },
  {
   "key": "care-home-admissions-65-plus",
   "name": "Long-term admissions to residential and nursing care homes (65+)",
   "definition": "Council-supported permanent admissions of people aged 65 and over to residential and nursing care, per 100,000 population aged 65 and over (ASCOF 2A lineage).",
   "unit": "per 100,000 population 65+",
   "better": "lower",
   "periods": [
    {
     "key": "q1-2025-26",
     "label": "Q1 2025/26",
     "starts": "2025-04-01",
     "ends": "2025-06-30"
    },
    {
     "key": "q2-2025-26",
     "label": "Q2 2025/26",
     "starts": "2025-07-01",
     "ends": "2025-09-30"
    },
    {
     "key": "q3-2025-26",
     "label": "Q3 2025/26",
     "starts": "2025-10-01",
     "ends": "2025-12-31"
    },
    {
     "key": "q4-2025-26",
     "label": "Q4 2025/26",
     "starts": "2026-01-01",
     "ends": "2026-03-31"
    }
   ],
   "pay_for_performance": false,
   "unverified": "Whether 2025-26 uses client level data and quarterly goals is unverified."
  }
 ],
 "conditions": [
  {
   "key": "nc1",
   "title": "NC1: Plans to be jointly agreed",
   "text": "The local authority and the ICB jointly agree the plan, signed off by the Health and Wellbeing Board."
  },
  {
   "key": "nc2",
   "title": "NC2: Implementing the objectives of the BCF",
   "text": "The plan implements the two objectives: the shift from sickness to prevention, and people living independently and the shift from hospital to home."
  },
  {
   "key": "nc3",
   "title": "NC3: Complying with grant and funding conditions",
   "text": "Complying with grant and funding conditions, including maintaining the NHS minimum contribution to adult social care.",
   "unverified": "The source text is cut off after \"adult so…\"; the full wording is unverified."
  },
  {
   "key": "nc4",
   "title": "NC4: Complying with oversight and support processes",
   "text": "Complying with the BCF oversight and support processes.",
   "unverified": "The wording is from memory; the narrative template's reference to the oversight and support process supports it."
  }
 ]
}$json$::jsonb
FROM templates WHERE key = '2025-26';
