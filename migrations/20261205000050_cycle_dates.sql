-- The key dates of each built-in cycle (issue 10, item 8), as editable data beside its years,
-- streams, metrics and conditions: milestones (something published nationally) and deadlines
-- (what every area must meet, which issue 12 tracks per area). Facts the references mark as
-- unverified carry a note saying so.
--
-- Each built-in template gets a NEW structure version: its newest one with the dates added. Plans
-- keep the version they were made from; an administrator's later versions are kept whole. A
-- template that is missing, or whose newest structure already has dates, is left alone.
INSERT INTO template_structures (template_id, structure)
SELECT newest.template_id, newest.structure || jsonb_build_object('dates', cycle.dates)
FROM (VALUES
 -- ../shared/reference/itf-2014.md, "Assurance" (dates).
 ('2014-16', $json$[
  {
   "key": "planning-guidance",
   "title": "Planning guidance issued",
   "date": "2013-12-16",
   "kind": "milestone"
  },
  {
   "key": "draft-plans",
   "title": "Draft plans due",
   "date": "2014-02-14",
   "kind": "deadline",
   "unverified": "Sources differ: Rotherham's minutes give 14 February 2014, Kent's report 15 February 2014."
  },
  {
   "key": "final-plans",
   "title": "Final plans due",
   "date": "2014-04-04",
   "kind": "deadline"
  },
  {
   "key": "revised-guidance",
   "title": "Revised guidance and template published",
   "date": "2014-07-25",
   "kind": "milestone"
  },
  {
   "key": "workbook-amended",
   "title": "Planning workbook amended",
   "date": "2014-08-18",
   "kind": "milestone"
  },
  {
   "key": "resubmission",
   "title": "Revised plans resubmitted (by 12 noon)",
   "date": "2014-09-19",
   "kind": "deadline"
  },
  {
   "key": "plans-approved",
   "title": "Nearly all plans approved",
   "date": "2014-10-30",
   "kind": "milestone"
  },
  {
   "key": "approval-conditions-met",
   "title": "Conditions met by plans approved subject to conditions",
   "date": "2015-01-09",
   "kind": "deadline"
  },
  {
   "key": "section-75-pools-live",
   "title": "Pooled budgets live under section 75 agreements",
   "date": "2015-04-01",
   "kind": "deadline"
  }
 ]$json$::jsonb),
 -- ../shared/reference/bcf-2025-26.md, section 1.7.
 ('2025-26', $json$[
  {
   "key": "policy-framework",
   "title": "Policy framework published",
   "date": "2025-01-30",
   "kind": "milestone"
  },
  {
   "key": "submission-guidance",
   "title": "Submission guidance and templates published",
   "date": "2025-01-31",
   "kind": "milestone"
  },
  {
   "key": "submission-deadline",
   "title": "National submission deadline",
   "date": "2025-03-31",
   "kind": "deadline"
  },
  {
   "key": "labcg-determination",
   "title": "Local Authority Better Care Grant determination published",
   "date": "2025-05-14",
   "kind": "milestone"
  },
  {
   "key": "section-75-agreements",
   "title": "Section 75 agreements in place",
   "date": "2025-09-30",
   "kind": "deadline",
   "unverified": "Not found in the 2025-26 documents; 30 September follows the 2024-25 pattern"
  }
 ]$json$::jsonb)
) AS cycle (template_key, dates)
JOIN templates t ON t.key = cycle.template_key
JOIN LATERAL (
    SELECT s.template_id, s.structure
    FROM template_structures s
    WHERE s.template_id = t.id
    ORDER BY s.id DESC
    LIMIT 1
) AS newest ON true
WHERE NOT newest.structure ? 'dates';
