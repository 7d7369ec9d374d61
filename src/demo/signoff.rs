//! The demo plans' sign-off, so that a newcomer sees both ends of it. Rotherham's BCF 2025-26
//! plan: its round opened on 24 March 2025, signed by the ICB's and the council's chief
//! executives and the council's section 151 officer, submitted by each partner on 31 March 2025
//! and approved by the Health and Wellbeing Board at its meeting of 14 May 2025 — after
//! submission, as the 2025-26 route allows — with the minute reference; assurance is left for the
//! demo assurer to record. Kent's 2014-16 plan: its round opened yesterday, signed since by the
//! county council and six of its seven CCGs; NHS West Kent CCG (the demo account
//! kent.signatory) is still to sign, so the plan is frozen.
//!
//! A plan's round is added only when the plan has no round yet and every check passes on the day
//! the round opens, as the real step requires; each step goes through the same pure state
//! machine as the pages (`signoff::state`). Like the rest of the demo, it is written straight
//! through the stores without audit events: nobody made these changes on this server.

use sqlx::{PgConnection, PgPool};
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

use crate::areas::store::{self as areas, AreaSummary, Freeze};
use crate::auth::UserId;
use crate::auth::store as auth;
use crate::plans::parts::checks::{facts::check_plan_on, failing};
use crate::plans::parts::document::{Snapshot, store as document};
use crate::plans::store::{self as plans, PlanSummary};
use crate::plans::templates::route::SignOffRoute;
use crate::plans::templates::store::plan_structure;
use crate::signoff::signers::{RequiredSigner, required_signers, submitting_partners};
use crate::signoff::state::{
    BoardHow, BoardOutcome, PartnerDecision, RoundState, after_board, after_decision,
    after_submission, board_may_decide,
};
use crate::signoff::store::{board, decisions, rounds, submissions};
use crate::web::format::in_london;

/// When a step happened: on a day of the 2025-26 cycle, or some hours before the demo loads.
#[derive(Clone, Copy)]
enum When {
    At(OffsetDateTime),
    HoursAgo(i64),
}

impl When {
    fn resolve(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            When::At(at) => at,
            When::HoursAgo(hours) => now - Duration::hours(hours),
        }
    }
}

/// A partner's decision: which signature of which organisation, by which demo signatory.
struct DemoDecision {
    organisation: &'static str,
    signature_key: &'static str,
    signer: &'static str,
    signer_name: &'static str,
    position: &'static str,
    decision: PartnerDecision,
    comments: &'static str,
    at: When,
}

/// One partner's submission (the 2025-26 route has each partner submit at its own time).
struct DemoSubmission {
    organisation: &'static str,
    reference: &'static str,
    at: When,
}

/// The board's decision as its secretary recorded it.
struct DemoBoard {
    secretary: &'static str,
    body: &'static str,
    decided_on: Date,
    agenda_item: &'static str,
    reference: &'static str,
    resolution: &'static str,
    recorded: When,
}

struct DemoRound {
    area: &'static str,
    plan: &'static str,
    name: &'static str,
    deadline_key: &'static str,
    lead: &'static str,
    opened: When,
    decisions: &'static [DemoDecision],
    submissions: &'static [DemoSubmission],
    board: Option<DemoBoard>,
}

const KENT_CCG_POSITION: &str = "Accountable officer";

const fn kent_ccg(
    organisation: &'static str,
    signer: &'static str,
    signer_name: &'static str,
    hours_ago: i64,
) -> DemoDecision {
    DemoDecision {
        organisation,
        signature_key: "ccg-accountable-officer",
        signer,
        signer_name,
        position: KENT_CCG_POSITION,
        decision: PartnerDecision::Approve,
        comments: "",
        at: When::HoursAgo(hours_ago),
    }
}

const ROUNDS: [DemoRound; 2] = [
    DemoRound {
        area: "rotherham",
        plan: "2025-26",
        name: "Final submission",
        deadline_key: "submission-deadline",
        lead: "rotherham.lead@itf.example",
        opened: When::At(datetime!(2025-03-24 10:00 UTC)),
        decisions: &[
            DemoDecision {
                organisation: "NHS South Yorkshire ICB",
                signature_key: "icb-chief-executive",
                signer: "rotherham.icb.signatory@itf.example",
                signer_name: "South Yorkshire ICB chief executive",
                position: "Chief executive, NHS South Yorkshire ICB",
                decision: PartnerDecision::Approve,
                comments: "",
                at: When::At(datetime!(2025-03-26 15:20 UTC)),
            },
            DemoDecision {
                organisation: "Rotherham Metropolitan Borough Council",
                signature_key: "council-chief-executive",
                signer: "rotherham.council.signatory@itf.example",
                signer_name: "Rotherham council chief executive",
                position: "Chief executive, Rotherham Metropolitan Borough Council",
                decision: PartnerDecision::ApproveWithComments,
                comments: "Approved. The board will be asked to approve the plan at its May meeting, after submission, as the policy framework allows.",
                at: When::At(datetime!(2025-03-27 11:05 UTC)),
            },
            DemoDecision {
                organisation: "Rotherham Metropolitan Borough Council",
                signature_key: "council-section-151-officer",
                signer: "rotherham.s151@itf.example",
                signer_name: "Rotherham council section 151 officer",
                position: "Strategic director of finance (section 151 officer)",
                decision: PartnerDecision::Approve,
                comments: "",
                at: When::At(datetime!(2025-03-27 16:40 UTC)),
            },
        ],
        submissions: &[
            DemoSubmission {
                organisation: "Rotherham Metropolitan Borough Council",
                reference: "BCF 2025-26 Rotherham: council submission",
                // British Summer Time from 30 March 2025.
                at: When::At(datetime!(2025-03-31 12:30 +1)),
            },
            DemoSubmission {
                organisation: "NHS South Yorkshire ICB",
                reference: "BCF 2025-26 Rotherham: ICB submission",
                at: When::At(datetime!(2025-03-31 17:10 +1)),
            },
        ],
        board: Some(DemoBoard {
            secretary: "rotherham.secretary@itf.example",
            body: "Rotherham Health and Wellbeing Board",
            decided_on: date!(2025 - 05 - 14),
            agenda_item: "Item 7: Better Care Fund plan 2025-26",
            reference: "Minute HWB 45/25",
            resolution: "That the Better Care Fund plan for 2025-26, as submitted on 31 March 2025, be approved.",
            recorded: When::At(datetime!(2025-05-15 09:30 +1)),
        }),
    },
    DemoRound {
        area: "kent",
        plan: "2014-16",
        name: "Final submission",
        deadline_key: "final-plans",
        lead: "kent.lead@itf.example",
        opened: When::HoursAgo(20),
        decisions: &[
            DemoDecision {
                organisation: "Kent County Council",
                signature_key: "council-chief-executive",
                signer: "kent.council.signatory@itf.example",
                signer_name: "Kent County Council corporate director",
                position: "Corporate director of social care, health and wellbeing",
                decision: PartnerDecision::Approve,
                comments: "",
                at: When::HoursAgo(18),
            },
            kent_ccg(
                "NHS Ashford CCG",
                "kent.ashford.signatory@itf.example",
                "Ashford CCG accountable officer",
                16,
            ),
            kent_ccg(
                "NHS Canterbury and Coastal CCG",
                "kent.canterbury.signatory@itf.example",
                "Canterbury and Coastal CCG accountable officer",
                15,
            ),
            DemoDecision {
                organisation: "NHS Dartford, Gravesham and Swanley CCG",
                signature_key: "ccg-accountable-officer",
                signer: "kent.dgs.signatory@itf.example",
                signer_name: "Dartford, Gravesham and Swanley CCG accountable officer",
                position: KENT_CCG_POSITION,
                decision: PartnerDecision::ApproveWithComments,
                comments: "Approved. We will bring the north Kent share of the reablement scheme back to the board in the summer.",
                at: When::HoursAgo(9),
            },
            kent_ccg(
                "NHS South Kent Coast CCG",
                "kent.skc.signatory@itf.example",
                "South Kent Coast CCG accountable officer",
                6,
            ),
            kent_ccg(
                "NHS Swale CCG",
                "kent.swale.signatory@itf.example",
                "Swale CCG accountable officer",
                5,
            ),
            kent_ccg(
                "NHS Thanet CCG",
                "kent.thanet.signatory@itf.example",
                "Thanet CCG accountable officer",
                3,
            ),
        ],
        submissions: &[],
        board: None,
    },
];

/// Adds the demo signatories and each demo round that is missing.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    super::accounts::seed_signatories(pool).await?;
    let now = OffsetDateTime::now_utc();
    for demo in &ROUNDS {
        seed_round(pool, demo, now).await?;
    }
    Ok(())
}

async fn user(db: &mut PgConnection, email: &str) -> anyhow::Result<UserId> {
    auth::find_user_id_by_email(&mut *db, email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
}

async fn seed_round(pool: &PgPool, demo: &DemoRound, now: OffsetDateTime) -> anyhow::Result<()> {
    let Some(area) = areas::find_area_by_slug(pool, demo.area).await? else {
        return Ok(());
    };
    let Some(plan) = plans::find_plan(pool, area.id, demo.plan).await? else {
        return Ok(());
    };
    if rounds::latest_round(pool, plan.id).await?.is_some() {
        return Ok(());
    }
    let structure = plan_structure(pool, plan.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo plan {} has no structure", demo.plan))?;
    let opened_at = demo.opened.resolve(now);
    let checks = check_plan_on(pool, in_london(opened_at).date(), &area, &plan, &structure).await?;
    if failing(&checks) > 0 {
        // Someone changed the plan since the demo was loaded: its round is not made up.
        tracing::warn!(
            area = demo.area,
            plan = demo.plan,
            failing = failing(&checks),
            "the demo sign-off round was not added: the plan's checks fail"
        );
        return Ok(());
    }
    let route = structure.sign_off();
    let members = areas::list_members(pool, area.id).await?;
    let required = required_signers(route, &members);
    let submitters = submitting_partners(route, &members);

    let mut tx = pool.begin().await?;
    let lead = user(&mut tx, demo.lead).await?;
    let freeze = Freeze {
        plan_id: plan.id.get(),
        round: demo.name,
        at: opened_at,
        by: lead,
    };
    let Some(content_version) = areas::freeze_content(&mut tx, area.id, freeze).await? else {
        return Ok(());
    };
    let content = document::content(&mut tx, &area, &plan, &structure).await?;
    let snapshot = Snapshot::of(&content)?;
    let (round_id, number) = rounds::insert_round(
        &mut tx,
        rounds::NewRound {
            plan_id: plan.id,
            name: demo.name,
            deadline_key: Some(demo.deadline_key),
            opened_at,
            opened_by: lead,
            snapshot: &snapshot.json,
            snapshot_hash: &snapshot.hash,
            content_version,
        },
    )
    .await?;
    let round = Recorded {
        id: round_id,
        number,
        hash: &snapshot.hash,
        content_version,
    };
    let mut state = decide(&mut tx, route, &required, &round, demo, now).await?;
    state = submit(&mut tx, &area, &plan, &submitters, &round, state, demo, now).await?;
    if let Some(board) = &demo.board {
        record_board(&mut tx, route, &plan, &round, state, board, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The round as opened.
struct Recorded<'a> {
    id: i64,
    number: i32,
    hash: &'a [u8],
    content_version: i64,
}

async fn decide(
    tx: &mut PgConnection,
    route: &SignOffRoute,
    required: &[RequiredSigner],
    round: &Recorded<'_>,
    demo: &DemoRound,
    now: OffsetDateTime,
) -> anyhow::Result<RoundState> {
    let mut state = RoundState::PartnerSignOff;
    let mut approvals = 0;
    for decision in demo.decisions {
        let signature = required
            .iter()
            .find(|signer| {
                signer.organisation_name == decision.organisation
                    && signer.signature_key == decision.signature_key
            })
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the route asks no {} of {}",
                    decision.signature_key,
                    decision.organisation
                )
            })?;
        let signer_id = user(tx, decision.signer).await?;
        decisions::insert_decision(
            tx,
            decisions::NewDecision {
                round_id: round.id,
                organisation_id: signature.organisation_id,
                signature_key: decision.signature_key,
                decision: decision.decision,
                comments: decision.comments,
                signer_id,
                signer_name: decision.signer_name,
                signer_position: decision.position,
                snapshot_hash: round.hash,
                decided_at: decision.at.resolve(now),
            },
        )
        .await?;
        approvals += usize::from(decision.decision.approves());
        let next = after_decision(
            route,
            state,
            approvals,
            required.len(),
            !decision.decision.approves(),
        )
        .map_err(|refusal| anyhow::anyhow!(refusal.0))?;
        if next != state {
            rounds::set_state(tx, round.id, next).await?;
            state = next;
        }
    }
    Ok(state)
}

#[allow(clippy::too_many_arguments)]
async fn submit(
    tx: &mut PgConnection,
    area: &AreaSummary,
    plan: &PlanSummary,
    submitters: &[(crate::areas::OrganisationId, String)],
    round: &Recorded<'_>,
    mut state: RoundState,
    demo: &DemoRound,
    now: OffsetDateTime,
) -> anyhow::Result<RoundState> {
    let lead = user(tx, demo.lead).await?;
    for (count, submission) in demo.submissions.iter().enumerate() {
        let organisation_id = submitters
            .iter()
            .find(|(_, name)| name == submission.organisation)
            .map(|(id, _)| *id)
            .ok_or_else(|| anyhow::anyhow!("{} does not submit", submission.organisation))?;
        let at = submission.at.resolve(now);
        submissions::insert_submission(
            tx,
            submissions::NewSubmission {
                round_id: round.id,
                organisation_id: Some(organisation_id),
                submitted_at: at,
                reference: submission.reference,
                recorded_by: lead,
                recorded_at: at,
            },
        )
        .await?;
        let next = after_submission(state, count + 1, submitters.len().max(1))
            .map_err(|refusal| anyhow::anyhow!(refusal.0))?;
        if next != state {
            rounds::set_state(tx, round.id, next).await?;
            areas::thaw_content(tx, area.id, plan.id.get()).await?;
            state = next;
        }
    }
    Ok(state)
}

async fn record_board(
    tx: &mut PgConnection,
    route: &SignOffRoute,
    plan: &PlanSummary,
    round: &Recorded<'_>,
    state: RoundState,
    board: &DemoBoard,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    board_may_decide(route, state, false).map_err(|refusal| anyhow::anyhow!(refusal.0))?;
    let secretary = user(tx, board.secretary).await?;
    let recorded_at = board.recorded.resolve(now);
    board::insert_board_decision(
        tx,
        board::NewBoardDecision {
            round_id: round.id,
            how: BoardHow::Meeting,
            body: board.body,
            decided_on: board.decided_on,
            agenda_item: board.agenda_item,
            reference: board.reference,
            resolution: board.resolution,
            outcome: BoardOutcome::Approved,
            snapshot_hash: round.hash,
            recorded_by: secretary,
            recorded_at,
        },
    )
    .await?;
    plans::record_approval(
        &mut *tx,
        plan.id,
        round.id,
        round.number,
        round.hash,
        round.content_version,
        recorded_at,
    )
    .await?;
    let next = after_board(route, state, BoardOutcome::Approved);
    if next != state {
        rounds::set_state(tx, round.id, next).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_demo_decision_comes_before_the_next_and_after_the_round_opened() {
        let now = datetime!(2026-12-05 12:00 UTC);
        for demo in &ROUNDS {
            let mut last = demo.opened.resolve(now);
            let steps = demo
                .decisions
                .iter()
                .map(|decision| decision.at)
                .chain(demo.submissions.iter().map(|submission| submission.at))
                .chain(demo.board.iter().map(|board| board.recorded));
            for at in steps {
                let at = at.resolve(now);
                assert!(at > last, "{} {}: steps in order", demo.area, demo.plan);
                assert!(at < now, "{} {}: in the past", demo.area, demo.plan);
                last = at;
            }
        }
    }

    #[test]
    fn kent_has_one_ccg_to_sign_and_rotherham_three_signatures_by_three_people() {
        let kent = &ROUNDS[1];
        assert_eq!(kent.decisions.len(), 7);
        assert!(
            !kent
                .decisions
                .iter()
                .any(|decision| decision.organisation == "NHS West Kent CCG")
        );
        let rotherham = &ROUNDS[0];
        let mut signers: Vec<&str> = rotherham.decisions.iter().map(|d| d.signer).collect();
        signers.dedup();
        assert_eq!(signers.len(), 3);
    }
}
