//! Submissions of rounds (`submissions`): once for the area, or once per signing partner.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::areas::OrganisationId;
use crate::auth::UserId;
use crate::plans::PlanId;

/// A submission as recorded.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Submission {
    pub round_id: i64,
    pub organisation_id: Option<OrganisationId>,
    pub organisation_name: Option<String>,
    pub submitted_at: OffsetDateTime,
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
}

/// Every submission of the plan's rounds, in the order submitted.
pub async fn plan_submissions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<Submission>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.round_id, s.organisation_id, o.name AS organisation_name, s.submitted_at,
                s.reference, u.display_name AS recorded_by, s.recorded_at
         FROM submissions s
         JOIN signoff_rounds r ON r.id = s.round_id
         LEFT JOIN organisations o ON o.id = s.organisation_id
         JOIN users u ON u.id = s.recorded_by
         WHERE r.plan_id = $1
         ORDER BY s.submitted_at, s.id
         LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await
}

/// How many submissions of the round are recorded.
pub async fn count_submissions(db: impl PgExecutor<'_>, round_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM submissions WHERE round_id = $1")
        .bind(round_id)
        .fetch_one(db)
        .await
}

/// A submission to record.
pub struct NewSubmission<'a> {
    pub round_id: i64,
    pub organisation_id: Option<OrganisationId>,
    pub submitted_at: OffsetDateTime,
    pub reference: &'a str,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

/// Records the submission; `None` when that submission (the area's, or that partner's) is
/// recorded already.
pub async fn insert_submission(
    db: &mut PgConnection,
    submission: NewSubmission<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO submissions (round_id, organisation_id, submitted_at, reference,
                                  recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (round_id, coalesce(organisation_id, 0)) DO NOTHING
         RETURNING id",
    )
    .bind(submission.round_id)
    .bind(submission.organisation_id)
    .bind(submission.submitted_at)
    .bind(submission.reference)
    .bind(submission.recorded_by)
    .bind(submission.recorded_at)
    .fetch_optional(db)
    .await
}

/// The newest round with a submission of one area's plan: the deadline it was measured against
/// and when its last submission came in (per partner, the last partner's).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LastSubmission {
    pub area_id: i64,
    pub deadline_key: Option<String>,
    pub submitted_at: OffsetDateTime,
}

/// For each plan made from the template `template_key` of the areas `area_ids` that has been
/// submitted, its newest submitted round (withdrawn and declined rounds aside): one query
/// however many areas (the national view).
pub async fn last_submissions_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    template_key: &str,
) -> Result<Vec<LastSubmission>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT ON (p.id) p.area_id, r.deadline_key, last.submitted_at
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         JOIN signoff_rounds r ON r.plan_id = p.id
         JOIN LATERAL (
             SELECT max(s.submitted_at) AS submitted_at FROM submissions s
             WHERE s.round_id = r.id
         ) AS last ON last.submitted_at IS NOT NULL
         WHERE p.area_id = ANY($1) AND t.key = $2
           AND r.state NOT IN ('withdrawn', 'declined')
         ORDER BY p.id, r.number DESC",
    )
    .bind(area_ids)
    .bind(template_key)
    .fetch_all(db)
    .await
}
