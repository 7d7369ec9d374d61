//! Assurance of submitted rounds (`assurance_outcomes`) and its conditions
//! (`assurance_conditions`), each met later.

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};

use crate::auth::UserId;
use crate::plans::PlanId;

/// An assurance outcome as recorded.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Assurance {
    pub id: i64,
    pub round_id: i64,
    pub outcome_key: String,
    pub outcome_label: String,
    pub approves: bool,
    pub summary: String,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
}

/// A condition of an outcome.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Condition {
    pub outcome_id: i64,
    pub position: i32,
    pub text: String,
    pub due_on: Date,
    pub met_at: Option<OffsetDateTime>,
    pub met_by: Option<String>,
    pub met_note: String,
}

/// The assurance outcomes of the plan's rounds.
pub async fn plan_assurance(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<Assurance>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.round_id, a.outcome_key, a.outcome_label, a.approves, a.summary,
                u.display_name AS recorded_by, a.recorded_at
         FROM assurance_outcomes a
         JOIN signoff_rounds r ON r.id = a.round_id
         JOIN users u ON u.id = a.recorded_by
         WHERE r.plan_id = $1
         ORDER BY a.recorded_at, a.id
         LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await
}

/// The conditions of the plan's assurance outcomes, by outcome and position.
pub async fn plan_conditions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<Condition>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.outcome_id, c.position, c.text, c.due_on, c.met_at,
                u.display_name AS met_by, c.met_note
         FROM assurance_conditions c
         JOIN assurance_outcomes a ON a.id = c.outcome_id
         JOIN signoff_rounds r ON r.id = a.round_id
         LEFT JOIN users u ON u.id = c.met_by
         WHERE r.plan_id = $1
         ORDER BY c.outcome_id, c.position
         LIMIT 10000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await
}

/// An outcome to record.
pub struct NewAssurance<'a> {
    pub round_id: i64,
    pub outcome_key: &'a str,
    pub outcome_label: &'a str,
    pub approves: bool,
    pub summary: &'a str,
    pub snapshot_hash: &'a [u8],
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

/// Records the outcome; `None` when the round's outcome is recorded already.
pub async fn insert_assurance(
    db: &mut PgConnection,
    outcome: NewAssurance<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO assurance_outcomes (round_id, outcome_key, outcome_label, approves, summary,
                                         snapshot_hash, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT assurance_outcomes_once DO NOTHING
         RETURNING id",
    )
    .bind(outcome.round_id)
    .bind(outcome.outcome_key)
    .bind(outcome.outcome_label)
    .bind(outcome.approves)
    .bind(outcome.summary)
    .bind(outcome.snapshot_hash)
    .bind(outcome.recorded_by)
    .bind(outcome.recorded_at)
    .fetch_optional(db)
    .await
}

/// Adds the outcome's conditions, numbered from 1 in order.
pub async fn insert_conditions(
    db: &mut PgConnection,
    outcome_id: i64,
    conditions: &[(String, Date)],
) -> Result<(), sqlx::Error> {
    let texts: Vec<&str> = conditions.iter().map(|(text, _)| text.as_str()).collect();
    let dues: Vec<Date> = conditions.iter().map(|(_, due)| *due).collect();
    sqlx::query(
        "INSERT INTO assurance_conditions (outcome_id, position, text, due_on)
         SELECT $1, ordinality, text, due_on
         FROM unnest($2::text[], $3::date[]) WITH ORDINALITY AS c (text, due_on, ordinality)",
    )
    .bind(outcome_id)
    .bind(&texts)
    .bind(&dues)
    .execute(db)
    .await?;
    Ok(())
}

/// What happened when a condition was marked met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkedMet {
    Now,
    Already,
    NoSuchCondition,
}

/// Records the condition at `position` of the round's outcome met, once.
pub async fn mark_condition_met(
    db: &mut PgConnection,
    round_id: i64,
    position: i32,
    at: OffsetDateTime,
    by: UserId,
    note: &str,
) -> Result<MarkedMet, sqlx::Error> {
    let met_before: Option<bool> = sqlx::query_scalar(
        "SELECT c.met_at IS NOT NULL
         FROM assurance_conditions c JOIN assurance_outcomes a ON a.id = c.outcome_id
         WHERE a.round_id = $1 AND c.position = $2
         FOR UPDATE OF c",
    )
    .bind(round_id)
    .bind(position)
    .fetch_optional(&mut *db)
    .await?;
    match met_before {
        None => Ok(MarkedMet::NoSuchCondition),
        Some(true) => Ok(MarkedMet::Already),
        Some(false) => {
            sqlx::query(
                "UPDATE assurance_conditions c SET met_at = $3, met_by = $4, met_note = $5
                 FROM assurance_outcomes a
                 WHERE a.id = c.outcome_id AND a.round_id = $1 AND c.position = $2",
            )
            .bind(round_id)
            .bind(position)
            .bind(at)
            .bind(by)
            .bind(note)
            .execute(db)
            .await?;
            Ok(MarkedMet::Now)
        }
    }
}
