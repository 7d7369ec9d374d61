//! Rounds (`signoff_rounds`): opening one with its snapshot, locking one to record a step on
//! it, moving it along the route, and listing a plan's rounds.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::plans::PlanId;
use crate::signoff::state::RoundState;

/// The most rounds a plan's page lists: far above any real plan's.
pub const MAX_ROUNDS: i64 = 100;

/// A round as stored, without its snapshot's JSON (which only the documents read).
#[derive(Clone, Debug)]
pub struct Round {
    pub id: i64,
    pub number: i32,
    pub name: String,
    pub deadline_key: Option<String>,
    pub state: RoundState,
    pub opened_at: OffsetDateTime,
    pub opened_by: String,
    pub snapshot_hash: Vec<u8>,
    pub content_version: i64,
    pub ended_at: Option<OffsetDateTime>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RoundRow {
    id: i64,
    number: i32,
    name: String,
    deadline_key: Option<String>,
    state: String,
    opened_at: OffsetDateTime,
    opened_by: String,
    snapshot_hash: Vec<u8>,
    content_version: i64,
    ended_at: Option<OffsetDateTime>,
    ended_by: Option<String>,
    end_reason: Option<String>,
}

impl TryFrom<RoundRow> for Round {
    type Error = sqlx::Error;

    fn try_from(row: RoundRow) -> Result<Round, sqlx::Error> {
        let state = RoundState::parse(&row.state)
            .ok_or_else(|| sqlx::Error::Decode(format!("round state {}", row.state).into()))?;
        Ok(Round {
            id: row.id,
            number: row.number,
            name: row.name,
            deadline_key: row.deadline_key,
            state,
            opened_at: row.opened_at,
            opened_by: row.opened_by,
            snapshot_hash: row.snapshot_hash,
            content_version: row.content_version,
            ended_at: row.ended_at,
            ended_by: row.ended_by,
            end_reason: row.end_reason,
        })
    }
}

/// The columns of `Round`, with the names of who opened and ended it.
macro_rules! round_select {
    () => {
        "SELECT r.id, r.number, r.name, r.deadline_key, r.state, r.opened_at,
                o.display_name AS opened_by, r.snapshot_hash, r.content_version, r.ended_at,
                e.display_name AS ended_by, r.end_reason
         FROM signoff_rounds r
         JOIN users o ON o.id = r.opened_by
         LEFT JOIN users e ON e.id = r.ended_by"
    };
}

/// The plan's rounds, newest first.
pub async fn list_rounds(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<Round>, sqlx::Error> {
    let rows: Vec<RoundRow> = sqlx::query_as(concat!(
        round_select!(),
        " WHERE r.plan_id = $1 ORDER BY r.number DESC LIMIT $2"
    ))
    .bind(plan_id)
    .bind(MAX_ROUNDS)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Round::try_from).collect()
}

/// The plan's newest round, if any (what the plan's sign-off state is read from).
pub async fn latest_round(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Option<Round>, sqlx::Error> {
    let row: Option<RoundRow> = sqlx::query_as(concat!(
        round_select!(),
        " WHERE r.plan_id = $1 ORDER BY r.number DESC LIMIT 1"
    ))
    .bind(plan_id)
    .fetch_optional(db)
    .await?;
    row.map(Round::try_from).transpose()
}

/// The plan's round `number`, if there is one.
pub async fn find_round(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    number: i32,
) -> Result<Option<Round>, sqlx::Error> {
    let row: Option<RoundRow> = sqlx::query_as(concat!(
        round_select!(),
        " WHERE r.plan_id = $1 AND r.number = $2"
    ))
    .bind(plan_id)
    .bind(number)
    .fetch_optional(db)
    .await?;
    row.map(Round::try_from).transpose()
}

/// The plan's round `number`, locked until the transaction ends: every step on a round takes
/// this lock first, so two steps on the same round happen one after the other.
pub async fn lock_round(
    db: &mut PgConnection,
    plan_id: PlanId,
    number: i32,
) -> Result<Option<Round>, sqlx::Error> {
    sqlx::query("SELECT 1 FROM signoff_rounds WHERE plan_id = $1 AND number = $2 FOR UPDATE")
        .bind(plan_id)
        .bind(number)
        .execute(&mut *db)
        .await?;
    find_round(&mut *db, plan_id, number).await
}

/// A round to open.
pub struct NewRound<'a> {
    pub plan_id: PlanId,
    pub name: &'a str,
    pub deadline_key: Option<&'a str>,
    pub opened_at: OffsetDateTime,
    pub opened_by: UserId,
    pub snapshot: &'a str,
    pub snapshot_hash: &'a [u8],
    pub content_version: i64,
}

/// Opens a round numbered after the plan's last one; returns its id and number. The caller
/// holds the area's content freeze, so no two rounds of a plan are opened at once.
pub async fn insert_round(
    db: &mut PgConnection,
    round: NewRound<'_>,
) -> Result<(i64, i32), sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO signoff_rounds (plan_id, number, name, deadline_key, state, opened_at,
                                     opened_by, snapshot, snapshot_hash, content_version)
         SELECT $1, coalesce(max(number), 0) + 1, $2, $3, 'partner_sign_off', $4, $5, $6, $7, $8
         FROM signoff_rounds WHERE plan_id = $1
         RETURNING id, number",
    )
    .bind(round.plan_id)
    .bind(round.name)
    .bind(round.deadline_key)
    .bind(round.opened_at)
    .bind(round.opened_by)
    .bind(round.snapshot)
    .bind(round.snapshot_hash)
    .bind(round.content_version)
    .fetch_one(db)
    .await
}

/// Marks the plan's submitted round (if any) replaced by a newer one; returns its number.
pub async fn supersede_submitted(
    db: &mut PgConnection,
    plan_id: PlanId,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE signoff_rounds SET state = 'superseded', ended_at = $2, ended_by = $3
         WHERE plan_id = $1 AND state = 'submitted'
         RETURNING number",
    )
    .bind(plan_id)
    .bind(at)
    .bind(by)
    .fetch_optional(db)
    .await
}

/// Moves a round to `state` while it is in progress.
pub async fn set_state(
    db: &mut PgConnection,
    round_id: i64,
    state: RoundState,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE signoff_rounds SET state = $2 WHERE id = $1")
        .bind(round_id)
        .bind(state.key())
        .execute(db)
        .await?;
    Ok(())
}

/// Ends a round (withdrawn, declined, not approved, or assured), with who ended it and why.
pub async fn end_round(
    db: &mut PgConnection,
    round_id: i64,
    state: RoundState,
    at: OffsetDateTime,
    by: UserId,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE signoff_rounds SET state = $2, ended_at = $3, ended_by = $4, end_reason = $5
         WHERE id = $1",
    )
    .bind(round_id)
    .bind(state.key())
    .bind(at)
    .bind(by)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}

/// The plan's newest round with what its state in words needs: how many of its decisions
/// approve, when it was last submitted, and its assurance outcome's label. One query, for
/// pages that show the state without the whole record (the task list).
pub struct Standing {
    pub round: Round,
    pub approvals: i64,
    pub last_submitted_at: Option<OffsetDateTime>,
    pub assured_as: Option<String>,
}

#[derive(sqlx::FromRow)]
struct StandingRow {
    #[sqlx(flatten)]
    round: RoundRow,
    approvals: i64,
    last_submitted_at: Option<OffsetDateTime>,
    assured_as: Option<String>,
}

pub async fn latest_standing(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Option<Standing>, sqlx::Error> {
    let row: Option<StandingRow> = sqlx::query_as(concat!(
        "SELECT latest.*,
                (SELECT count(*) FROM signoff_decisions d
                 WHERE d.round_id = latest.id AND d.decision <> 'decline') AS approvals,
                (SELECT max(s.submitted_at) FROM submissions s
                 WHERE s.round_id = latest.id) AS last_submitted_at,
                (SELECT a.outcome_label FROM assurance_outcomes a
                 WHERE a.round_id = latest.id) AS assured_as
         FROM (",
        round_select!(),
        " WHERE r.plan_id = $1 ORDER BY r.number DESC LIMIT 1) AS latest"
    ))
    .bind(plan_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(Standing {
            round: Round::try_from(row.round)?,
            approvals: row.approvals,
            last_submitted_at: row.last_submitted_at,
            assured_as: row.assured_as,
        })
    })
    .transpose()
}

/// A round of a plan of one of several areas, with when it reached each point deadlines can be
/// met by.
#[derive(Debug, sqlx::FromRow)]
pub struct RoundMilestones {
    pub plan_id: i64,
    pub deadline_key: Option<String>,
    pub opened_at: OffsetDateTime,
    /// When its last submission came in, if the round reached "submitted".
    pub submitted_at: Option<OffsetDateTime>,
    /// When an approving assurance outcome was recorded.
    pub assured_at: Option<OffsetDateTime>,
}

/// Every round of the plans of the areas `area_ids`, at most `MAX_ROUNDS` per plan.
pub async fn milestones_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<RoundMilestones>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.plan_id, r.deadline_key, r.opened_at,
                CASE WHEN r.state IN ('submitted', 'assured', 'superseded')
                     THEN (SELECT max(s.submitted_at) FROM submissions s WHERE s.round_id = r.id)
                END AS submitted_at,
                (SELECT a.recorded_at FROM assurance_outcomes a
                 WHERE a.round_id = r.id AND a.approves) AS assured_at
         FROM signoff_rounds r JOIN plans p ON p.id = r.plan_id
         WHERE p.area_id = ANY($1) AND r.number <= $2
         ORDER BY r.plan_id, r.number",
    )
    .bind(area_ids)
    .bind(i32::try_from(MAX_ROUNDS).unwrap_or(i32::MAX))
    .fetch_all(db)
    .await
}

/// A plan of one of several areas with the state of its newest round (none: never sent for
/// sign-off).
#[derive(Debug)]
pub struct PlanRoundState {
    pub plan_id: i64,
    pub area_id: i64,
    pub state: Option<RoundState>,
}

/// The plans made from the template `template_key` of the areas `area_ids`, each with the state
/// of its newest round: one query however many areas (the programme dashboard).
pub async fn standings_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    template_key: &str,
) -> Result<Vec<PlanRoundState>, sqlx::Error> {
    let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT p.id, p.area_id, latest.state
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         LEFT JOIN LATERAL (
             SELECT r.state FROM signoff_rounds r
             WHERE r.plan_id = p.id ORDER BY r.number DESC LIMIT 1
         ) AS latest ON true
         WHERE p.area_id = ANY($1) AND t.key = $2
         ORDER BY p.area_id",
    )
    .bind(area_ids)
    .bind(template_key)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(plan_id, area_id, state)| {
            let state = state
                .map(|key| {
                    RoundState::parse(&key)
                        .ok_or_else(|| sqlx::Error::Decode(format!("round state {key}").into()))
                })
                .transpose()?;
            Ok(PlanRoundState {
                plan_id,
                area_id,
                state,
            })
        })
        .collect()
}

/// A round in progress of a plan of one of several areas, with what a person's home page asks
/// of it: the structure its plan follows (for the route and the deadline) and whether the board
/// has approved it.
#[derive(Clone, Debug)]
pub struct CurrentRound {
    pub id: i64,
    pub area_id: i64,
    pub template_key: String,
    pub template_name: String,
    pub structure_id: i64,
    pub number: i32,
    pub name: String,
    pub deadline_key: Option<String>,
    pub state: RoundState,
    pub board_approved: bool,
}

#[derive(sqlx::FromRow)]
struct CurrentRoundRow {
    id: i64,
    area_id: i64,
    template_key: String,
    template_name: String,
    structure_id: i64,
    number: i32,
    name: String,
    deadline_key: Option<String>,
    state: String,
    board_approved: bool,
}

/// The rounds in progress (at most one per plan) of the plans of the areas `area_ids`, by area
/// and template: one query however many areas.
pub async fn current_rounds_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<CurrentRound>, sqlx::Error> {
    let rows: Vec<CurrentRoundRow> = sqlx::query_as(
        "SELECT r.id, p.area_id, t.key AS template_key, t.name AS template_name,
                coalesce(p.structure_id,
                         (SELECT id FROM template_structures
                          WHERE template_id = p.template_id ORDER BY id DESC LIMIT 1))
                    AS structure_id,
                r.number, r.name, r.deadline_key, r.state,
                EXISTS (SELECT 1 FROM board_decisions b
                        WHERE b.round_id = r.id AND b.outcome = 'approved') AS board_approved
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         JOIN signoff_rounds r ON r.plan_id = p.id
         WHERE p.area_id = ANY($1)
           AND r.state IN ('partner_sign_off', 'board_approval', 'ready_to_submit', 'submitted')
         ORDER BY p.area_id, t.created_at",
    )
    .bind(area_ids)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let state = RoundState::parse(&row.state)
                .ok_or_else(|| sqlx::Error::Decode(format!("round state {}", row.state).into()))?;
            Ok(CurrentRound {
                id: row.id,
                area_id: row.area_id,
                template_key: row.template_key,
                template_name: row.template_name,
                structure_id: row.structure_id,
                number: row.number,
                name: row.name,
                deadline_key: row.deadline_key,
                state,
                board_approved: row.board_approved,
            })
        })
        .collect()
}
