//! Partners' decisions on a round's snapshot (`signoff_decisions`).

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::areas::OrganisationId;
use crate::auth::UserId;
use crate::plans::PlanId;
use crate::signoff::state::PartnerDecision;

/// A decision as recorded.
#[derive(Clone, Debug)]
pub struct Decision {
    pub round_id: i64,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub signature_key: String,
    pub decision: PartnerDecision,
    pub comments: String,
    pub signer_id: UserId,
    pub signer_name: String,
    pub signer_position: String,
    pub decided_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    round_id: i64,
    organisation_id: OrganisationId,
    organisation_name: String,
    signature_key: String,
    decision: String,
    comments: String,
    signer_id: UserId,
    signer_name: String,
    signer_position: String,
    decided_at: OffsetDateTime,
}

impl TryFrom<DecisionRow> for Decision {
    type Error = sqlx::Error;

    fn try_from(row: DecisionRow) -> Result<Decision, sqlx::Error> {
        let decision = PartnerDecision::parse(&row.decision)
            .ok_or_else(|| sqlx::Error::Decode(format!("decision {}", row.decision).into()))?;
        Ok(Decision {
            round_id: row.round_id,
            organisation_id: row.organisation_id,
            organisation_name: row.organisation_name,
            signature_key: row.signature_key,
            decision,
            comments: row.comments,
            signer_id: row.signer_id,
            signer_name: row.signer_name,
            signer_position: row.signer_position,
            decided_at: row.decided_at,
        })
    }
}

/// Every decision on the plan's rounds, oldest first.
pub async fn plan_decisions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<Decision>, sqlx::Error> {
    let rows: Vec<DecisionRow> = sqlx::query_as(
        "SELECT d.round_id, d.organisation_id, o.name AS organisation_name, d.signature_key,
                d.decision, d.comments, d.signer_id, d.signer_name, d.signer_position,
                d.decided_at
         FROM signoff_decisions d
         JOIN signoff_rounds r ON r.id = d.round_id
         JOIN organisations o ON o.id = d.organisation_id
         WHERE r.plan_id = $1
         ORDER BY d.decided_at, d.id
         LIMIT 5000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Decision::try_from).collect()
}

/// The decisions on one round, oldest first.
pub async fn round_decisions(
    db: impl PgExecutor<'_>,
    round_id: i64,
) -> Result<Vec<Decision>, sqlx::Error> {
    let rows: Vec<DecisionRow> = sqlx::query_as(
        "SELECT d.round_id, d.organisation_id, o.name AS organisation_name, d.signature_key,
                d.decision, d.comments, d.signer_id, d.signer_name, d.signer_position,
                d.decided_at
         FROM signoff_decisions d
         JOIN organisations o ON o.id = d.organisation_id
         WHERE d.round_id = $1
         ORDER BY d.decided_at, d.id
         LIMIT 1000",
    )
    .bind(round_id)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Decision::try_from).collect()
}

/// A decision to record.
pub struct NewDecision<'a> {
    pub round_id: i64,
    pub organisation_id: OrganisationId,
    pub signature_key: &'a str,
    pub decision: PartnerDecision,
    pub comments: &'a str,
    pub signer_id: UserId,
    pub signer_name: &'a str,
    pub signer_position: &'a str,
    pub snapshot_hash: &'a [u8],
    pub decided_at: OffsetDateTime,
}

/// Records the decision; `None` when that signature of the round is recorded already.
pub async fn insert_decision(
    db: &mut PgConnection,
    decision: NewDecision<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO signoff_decisions (round_id, organisation_id, signature_key, decision,
                                        comments, signer_id, signer_name, signer_position,
                                        snapshot_hash, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT ON CONSTRAINT signoff_decisions_once DO NOTHING
         RETURNING id",
    )
    .bind(decision.round_id)
    .bind(decision.organisation_id)
    .bind(decision.signature_key)
    .bind(decision.decision.key())
    .bind(decision.comments)
    .bind(decision.signer_id)
    .bind(decision.signer_name)
    .bind(decision.signer_position)
    .bind(decision.snapshot_hash)
    .bind(decision.decided_at)
    .fetch_optional(db)
    .await
}

/// Who gave which signature on the rounds `round_ids`: (round, organisation, signature key,
/// signer), in one query.
pub async fn signatures_of_rounds(
    db: impl PgExecutor<'_>,
    round_ids: &[i64],
) -> Result<Vec<(i64, OrganisationId, String, UserId)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT round_id, organisation_id, signature_key, signer_id
         FROM signoff_decisions WHERE round_id = ANY($1)
         ORDER BY round_id, id
         LIMIT 5000",
    )
    .bind(round_ids)
    .fetch_all(db)
    .await
}
