//! The Health and Wellbeing Board's decisions on rounds (`board_decisions`).

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};

use crate::auth::UserId;
use crate::plans::PlanId;
use crate::signoff::state::{BoardHow, BoardOutcome};

/// A board decision as recorded.
#[derive(Clone, Debug)]
pub struct BoardDecision {
    pub round_id: i64,
    pub how: BoardHow,
    pub body: String,
    pub decided_on: Date,
    pub agenda_item: String,
    pub reference: String,
    pub resolution: String,
    pub outcome: BoardOutcome,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct BoardRow {
    round_id: i64,
    how: String,
    body: String,
    decided_on: Date,
    agenda_item: String,
    reference: String,
    resolution: String,
    outcome: String,
    recorded_by: String,
    recorded_at: OffsetDateTime,
}

impl TryFrom<BoardRow> for BoardDecision {
    type Error = sqlx::Error;

    fn try_from(row: BoardRow) -> Result<BoardDecision, sqlx::Error> {
        let unknown = |what: &str| sqlx::Error::Decode(format!("board decision {what}").into());
        Ok(BoardDecision {
            round_id: row.round_id,
            how: BoardHow::parse(&row.how).ok_or_else(|| unknown(&row.how))?,
            body: row.body,
            decided_on: row.decided_on,
            agenda_item: row.agenda_item,
            reference: row.reference,
            resolution: row.resolution,
            outcome: BoardOutcome::parse(&row.outcome).ok_or_else(|| unknown(&row.outcome))?,
            recorded_by: row.recorded_by,
            recorded_at: row.recorded_at,
        })
    }
}

/// Every board decision on the plan's rounds, in the order recorded.
pub async fn plan_board_decisions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<BoardDecision>, sqlx::Error> {
    let rows: Vec<BoardRow> = sqlx::query_as(
        "SELECT b.round_id, b.how, b.body, b.decided_on, b.agenda_item, b.reference,
                b.resolution, b.outcome, u.display_name AS recorded_by, b.recorded_at
         FROM board_decisions b
         JOIN signoff_rounds r ON r.id = b.round_id
         JOIN users u ON u.id = b.recorded_by
         WHERE r.plan_id = $1
         ORDER BY b.recorded_at, b.id
         LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(BoardDecision::try_from).collect()
}

/// Whether the board has approved the round.
pub async fn board_approved(db: impl PgExecutor<'_>, round_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM board_decisions WHERE round_id = $1 AND outcome = 'approved')",
    )
    .bind(round_id)
    .fetch_one(db)
    .await
}

/// A board decision to record.
pub struct NewBoardDecision<'a> {
    pub round_id: i64,
    pub how: BoardHow,
    pub body: &'a str,
    pub decided_on: Date,
    pub agenda_item: &'a str,
    pub reference: &'a str,
    pub resolution: &'a str,
    pub outcome: BoardOutcome,
    pub snapshot_hash: &'a [u8],
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

/// Records the decision; `None` when the same decision (date and reference) is recorded
/// already.
pub async fn insert_board_decision(
    db: &mut PgConnection,
    decision: NewBoardDecision<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO board_decisions (round_id, how, body, decided_on, agenda_item, reference,
                                      resolution, outcome, snapshot_hash, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT ON CONSTRAINT board_decisions_once DO NOTHING
         RETURNING id",
    )
    .bind(decision.round_id)
    .bind(decision.how.key())
    .bind(decision.body)
    .bind(decision.decided_on)
    .bind(decision.agenda_item)
    .bind(decision.reference)
    .bind(decision.resolution)
    .bind(decision.outcome.key())
    .bind(decision.snapshot_hash)
    .bind(decision.recorded_by)
    .bind(decision.recorded_at)
    .fetch_optional(db)
    .await
}
