-- The national ITF/BCF plan template for 2014/15–2015/16, as revised on 25 July 2014: the
-- narrative sections in order, each with its guidance. Reference data every deployment needs;
-- admins copy it for a new cycle.

INSERT INTO templates (key, name) VALUES ('2014-16', 'ITF/BCF plan 2014/15–2015/16');

INSERT INTO template_sections (template_id, key, position, title, kind, per_organisation, guidance)
SELECT t.id, s.key, s.position, s.title, s.kind::section_kind, s.per_organisation, s.guidance
FROM templates t,
(VALUES
 ('plan-details', 1, 'Plan details', 'narrative', false,
  E'Summarise the plan: the local authority; the clinical commissioning groups; any boundary differences between them; the date the plan was agreed at the Health and Wellbeing Board; the date submitted; the minimum required value of the pooled budget for 2014/15 and 2015/16; and the total agreed value of the pooled budget for both years.'),
 ('authorisation-and-sign-off', 2, 'Authorisation and sign-off', 'narrative', false,
  E'Record who signs on behalf of each clinical commissioning group (by, position, date — one block per CCG), the council, and the Health and Wellbeing Board (signed by its chair). Signatures themselves are recorded at sign-off.'),
 ('vision', 3, 'Vision for health and care services', 'narrative', false,
  E'Describe the vision for health and social care services in the area for the next five years.\n\n- What changes will patients and service users see?\n- What outcomes will improve, and how will you know?'),
 ('case-for-change', 4, 'Case for change', 'narrative', true,
  E'Set out the local picture from the Joint Strategic Needs Assessment: population needs, risk stratification and the evidence for the changes you propose. Each partner describes its own population; the parts are read together.'),
 ('plan-of-action', 5, 'Plan of action', 'schemes', true,
  E'Give the key milestones for delivering the plan, the governance arrangements (who oversees delivery and how), and the list of schemes the pooled fund pays for. Each partner sets out its own schemes and milestones.'),
 ('risks-and-contingency', 6, 'Risks and contingency', 'risks', false,
  E'Summarise the shared risk register (each risk, its rating and the mitigating actions) and the risk-sharing and contingency arrangements between partners if activity does not change as planned — in particular if emergency admissions do not fall.'),
 ('alignment', 7, 'Alignment', 'narrative', true,
  E'Explain how the plan fits with other plans and programmes: five-year strategic plans, two-year operational plans, and integration pioneer programmes where relevant.'),
 ('protecting-social-care', 8, 'National condition: protecting social care services', 'national_condition', false,
  E'Say how local social care services will be protected, what is meant locally by protecting them, and how much of the fund is used for it.'),
 ('seven-day-services', 9, 'National condition: seven-day services', 'national_condition', false,
  E'Describe how health and social care services will work seven days a week to support patients being discharged and to prevent unnecessary admissions at weekends.'),
 ('data-sharing', 10, 'National condition: data sharing', 'national_condition', false,
  E'Confirm that the NHS number is used as the primary identifier for correspondence across health and care services, that systems are moving to open APIs, and that information governance controls are in place.'),
 ('joint-assessment', 11, 'National condition: joint assessment and accountable lead professional', 'national_condition', false,
  E'Describe the joint approach to assessments and care planning, and how an accountable lead professional is assigned for people at high risk of hospital admission.'),
 ('acute-sector-impact', 12, 'National condition: impact on the acute sector', 'national_condition', false,
  E'Set out the agreed consequential impact of the changes on providers, in particular the acute sector, and how providers have been involved in agreeing it.'),
 ('engagement', 13, 'Engagement', 'engagement', false,
  E'Describe how patients, service users and the public have been engaged, and how health and social care providers have been involved in developing the plan and the extent to which they are party to it. Refer to the consultation carried out.')
) AS s (key, position, title, kind, per_organisation, guidance)
WHERE t.key = '2014-16';
