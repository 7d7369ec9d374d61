//! SQL for the plan's answers to the national conditions: one row per save, the newest current.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{Answer, AnswerId, ConditionAnswer, ConditionStatus};
use crate::auth::UserId;
use crate::plans::PlanId;

/// The most conditions one plan's structure may have (`structure::MAX_ITEMS`), with room.
const MAX_CONDITIONS: i64 = 200;
/// The most versions of one condition's answer a page shows.
pub const MAX_VERSIONS: i64 = 200;

fn status(key: &str) -> Result<ConditionStatus, sqlx::Error> {
    ConditionStatus::parse(key)
        .ok_or_else(|| sqlx::Error::Decode(format!("condition status {key:?}").into()))
}

/// The current answer to every condition the plan has answered, by condition key: one query.
pub async fn current_answers(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<ConditionAnswer>, sqlx::Error> {
    let rows: Vec<(AnswerId, String, String, String)> = sqlx::query_as(
        "SELECT id, condition_key, status, how FROM (
             SELECT DISTINCT ON (condition_key) id, condition_key, status, how
             FROM condition_answers WHERE plan_id = $1 ORDER BY condition_key, id DESC
         ) current ORDER BY condition_key LIMIT $2",
    )
    .bind(plan_id)
    .bind(MAX_CONDITIONS)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, condition_key, key, how)| {
            Ok(ConditionAnswer {
                id,
                condition_key,
                status: status(&key)?,
                how,
            })
        })
        .collect()
}

/// One saved version of a condition's answer, with who saved it and when.
#[derive(Clone, Debug)]
pub struct AnswerVersion {
    pub id: AnswerId,
    pub answer: Answer,
    pub saved_at: OffsetDateTime,
    pub saved_by: Option<String>,
}

/// Every version of one condition's answer in the plan, newest (current) first.
pub async fn versions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    condition_key: &str,
) -> Result<Vec<AnswerVersion>, sqlx::Error> {
    let rows: Vec<(AnswerId, String, String, OffsetDateTime, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.status, c.how, c.created_at, u.display_name
         FROM condition_answers c LEFT JOIN users u ON u.id = c.created_by
         WHERE c.plan_id = $1 AND c.condition_key = $2
         ORDER BY c.id DESC LIMIT $3",
    )
    .bind(plan_id)
    .bind(condition_key)
    .bind(MAX_VERSIONS)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, key, how, saved_at, saved_by)| {
            Ok(AnswerVersion {
                id,
                answer: Answer {
                    status: status(&key)?,
                    how,
                },
                saved_at,
                saved_by,
            })
        })
        .collect()
}

/// Saves `answer` as the condition's newest answer if the current one is still `based_on`
/// (none for a condition not yet answered); `None` when someone else saved first.
pub async fn save_answer(
    db: &mut PgConnection,
    plan_id: PlanId,
    condition_key: &str,
    based_on: Option<AnswerId>,
    answer: &Answer,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<AnswerId>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO condition_answers (plan_id, condition_key, based_on, status, how,
                                        created_at, created_by)
         SELECT $1, $2, $3, $4, $5, $6, $7
         WHERE $3::bigint IS NULL OR EXISTS (
             SELECT 1 FROM condition_answers
             WHERE id = $3 AND plan_id = $1 AND condition_key = $2)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(plan_id)
    .bind(condition_key)
    .bind(based_on)
    .bind(answer.status.key())
    .bind(&answer.how)
    .bind(at)
    .bind(by)
    .fetch_optional(db)
    .await
}
