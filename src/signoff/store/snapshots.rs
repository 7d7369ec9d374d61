//! Reading rounds' snapshots and what seals them (the partners' decisions and the board's),
//! for the snapshot documents and the comparisons. Each read is one bounded query.

use sqlx::PgExecutor;
use time::{Date, OffsetDateTime};

use crate::plans::PlanId;

/// The most rounds a plan lists; far above any real plan's.
const MAX_ROUNDS: i64 = 500;
/// The most decisions one round holds (every partner's every signature, several times over).
const MAX_DECISIONS: i64 = 1_000;

/// A round with its frozen snapshot.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoundSnapshot {
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub opened_at: OffsetDateTime,
    pub snapshot: String,
    pub snapshot_hash: Vec<u8>,
}

/// Round `number` of the plan.
pub async fn find_round(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    number: i32,
) -> Result<Option<RoundSnapshot>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, number, name, opened_at, snapshot, snapshot_hash
         FROM signoff_rounds WHERE plan_id = $1 AND number = $2",
    )
    .bind(plan_id)
    .bind(number)
    .fetch_optional(db)
    .await
}

/// A round as the comparison's choices list it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoundChoice {
    pub number: i32,
    pub name: String,
    pub opened_at: OffsetDateTime,
}

/// Every round of the plan, oldest first.
pub async fn list_rounds(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<RoundChoice>, sqlx::Error> {
    sqlx::query_as(
        "SELECT number, name, opened_at FROM signoff_rounds
         WHERE plan_id = $1 ORDER BY number LIMIT $2",
    )
    .bind(plan_id)
    .bind(MAX_ROUNDS)
    .fetch_all(db)
    .await
}

/// A partner's decision on a round, as its signer gave it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SealDecision {
    pub organisation: String,
    pub signer_position: String,
    pub signer_name: String,
    pub decision: String,
    pub decided_at: OffsetDateTime,
}

/// The round's decisions, by organisation name and then in the order given.
pub async fn decisions(
    db: impl PgExecutor<'_>,
    round_id: i64,
) -> Result<Vec<SealDecision>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.name AS organisation, d.signer_position, d.signer_name, d.decision,
                d.decided_at
         FROM signoff_decisions d JOIN organisations o ON o.id = d.organisation_id
         WHERE d.round_id = $1 ORDER BY o.name, d.id LIMIT $2",
    )
    .bind(round_id)
    .bind(MAX_DECISIONS)
    .fetch_all(db)
    .await
}

/// A decision of the Health and Wellbeing Board on a round.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SealBoardDecision {
    pub how: String,
    pub body: String,
    pub decided_on: Date,
    pub reference: String,
    pub outcome: String,
}

/// The board's decisions on the round (a deferral, then a decision), in order.
pub async fn board_decisions(
    db: impl PgExecutor<'_>,
    round_id: i64,
) -> Result<Vec<SealBoardDecision>, sqlx::Error> {
    sqlx::query_as(
        "SELECT how, body, decided_on, reference, outcome FROM board_decisions
         WHERE round_id = $1 ORDER BY decided_on, id LIMIT $2",
    )
    .bind(round_id)
    .bind(MAX_DECISIONS)
    .fetch_all(db)
    .await
}
