//! Sign-off pages: the plan's sign-off overview and timeline, rounds, decisions, the board,
//! submission and assurance.
//!
//! Every step on a round follows one pattern: check the policy, lock the round, refuse a form
//! made for a snapshot that is no longer the round's (409, nothing recorded), tell a repeated
//! post it was recorded already, ask the state machine whether the step may happen now, parse
//! the form (422 with everything typed kept), record, and move the round on — all in one audited
//! change.

mod assurance;
mod board;
mod decision;
mod overview;
mod rounds;
mod submission;
mod tell;

use askama::Template;
use axum::response::Response;

use crate::AppState;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::keyed::keyed_enum;
use crate::plans::access::PlanInCycle;
use crate::plans::parts::document::hash_hex;
use crate::plans::store::PlanSummary;
use crate::plans::templates::route::SignOffRoute;
use crate::plans::templates::structure::{CycleStructure, DateKind};
use crate::signoff::state::RoundState;
use crate::signoff::store::rounds::Round;
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout, format, page};

pub fn routes() -> Vec<Route> {
    [
        vec![
            get("/areas/{slug}/plans/{plan}/sign-off", overview::show),
            post("/areas/{slug}/plans/{plan}/sign-off/rounds", rounds::open),
            post(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/withdraw",
                rounds::withdraw,
            ),
            get(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/decision",
                decision::show,
            ),
            post(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/decision",
                decision::record,
            ),
            get(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/board",
                board::show,
            ),
            post(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/board",
                board::record,
            ),
            get(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/submission",
                submission::show,
            ),
            post(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/submission",
                submission::record,
            ),
            get(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/assurance",
                assurance::show,
            ),
            post(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/assurance",
                assurance::record,
            ),
            post(
                "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/conditions/{position}/met",
                assurance::condition_met,
            ),
        ],
        super::document::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub use overview::plan_status_source;

keyed_enum! {
    /// The banner on the sign-off page after a step.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Opened = ("opened", "The round is open: the plan is frozen for sign-off"),
        Withdrawn = ("withdrawn", "The round has been withdrawn: the plan is back in drafting"),
        Decided = ("decided", "Your organisation's decision has been recorded"),
        Board = ("board", "The board's decision has been recorded"),
        Submitted = ("submitted", "The submission has been recorded"),
        Assured = ("assured", "The outcome of assurance has been recorded"),
        ConditionMet = ("condition-met", "The condition has been recorded as met"),
        AlreadyRecorded = (
            "already-recorded",
            "This had already been recorded: it was not recorded again"
        ),
    }
}

/// A plan in its cycle with the route it walks and the area's members.
struct SignOff {
    cycle: PlanInCycle,
    route: SignOffRoute,
    members: Vec<Member>,
}

impl SignOff {
    async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        slug: &str,
        plan_key: &str,
    ) -> Result<SignOff, AppError> {
        let cycle = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
        let route = cycle.structure.sign_off().clone();
        let members = areas::list_members(&state.pool, cycle.area.id).await?;
        Ok(SignOff {
            cycle,
            route,
            members,
        })
    }

    fn url(&self) -> String {
        format!("{}/sign-off", self.cycle.url())
    }

    fn round_url(&self, number: i32, step: &str) -> String {
        format!("{}/rounds/{number}/{step}", self.url())
    }

    /// The date of the cycle's deadline `key`.
    fn deadline(&self, key: Option<&str>) -> Option<time::Date> {
        deadline_in(&self.cycle.structure, key)
    }
}

/// The date of the cycle's deadline `key`.
fn deadline_in(structure: &CycleStructure, key: Option<&str>) -> Option<time::Date> {
    let key = key?;
    structure
        .dates()
        .iter()
        .find(|date| date.key == key && date.kind == DateKind::Deadline)
        .map(|date| date.date)
}

/// The plan and the round number a step's URL names, for someone the policy lets take the
/// step (`action`, on the area).
async fn step(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, round): (&str, &str, &str),
    action: Action,
) -> Result<(SignOff, i32), AppError> {
    let sign_off = SignOff::load(state, signed_in, slug, plan_key).await?;
    permit(signed_in, action, &sign_off.cycle.area, None)?;
    Ok((sign_off, round_number(round)?))
}

/// Allowed, or the policy's refusal (403, or 404 for someone with no part in the area).
fn permit(
    signed_in: &SignedIn,
    action: Action,
    area: &AreaSummary,
    organisation_id: Option<i64>,
) -> Result<(), AppError> {
    let target = match organisation_id {
        Some(organisation) => Target::organisation_in_area(area.id.get(), organisation),
        None => Target::area(area.id.get()),
    };
    match policy::decide(&signed_in.user.principal(), action, target) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

/// The round number in a URL; anything else names no round.
fn round_number(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>()
        .ok()
        .filter(|number| *number > 0)
        .ok_or(AppError::NotFound)
}

/// Whether a form made for `posted` hash no longer fits the round: it ended (withdrawn,
/// replaced, declined) or the hash is not its snapshot's.
fn is_stale(round: &Round, posted: &str) -> bool {
    !round.state.is_current() || hash_hex(&round.snapshot_hash) != posted.trim()
}

/// The page that says a step cannot be taken (the snapshot is no longer current, or the round
/// is not at that step), and nothing was recorded.
#[derive(Template)]
#[template(path = "signoff/refused.html")]
struct RefusedPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    title: String,
    message: String,
    back: String,
}

/// Why a form for round `round` cannot be used any more.
fn stale_message(round: &Round) -> String {
    let ended = || {
        round
            .ended_at
            .map(|at| format!(" on {}", format::date_time(at)))
            .unwrap_or_default()
    };
    let by = || {
        round
            .ended_by
            .as_deref()
            .map(|who| format!(" by {who}"))
            .unwrap_or_default()
    };
    let reason = || {
        round
            .end_reason
            .as_deref()
            .filter(|reason| !reason.is_empty())
            .map(|reason| format!(" The reason given: \u{201c}{reason}\u{201d}."))
            .unwrap_or_default()
    };
    let what = match round.state {
        RoundState::Withdrawn => format!(
            "Round {} was withdrawn{}{}.{}",
            round.number,
            ended(),
            by(),
            reason()
        ),
        RoundState::Superseded => format!(
            "Round {} was replaced by a later round{}.",
            round.number,
            ended()
        ),
        RoundState::Declined | RoundState::NotApproved | RoundState::Assured => format!(
            "Round {} has ended: {}.",
            round.number,
            round.state.label().to_lowercase()
        ),
        _ => format!(
            "The form was for a different snapshot from round {}'s.",
            round.number
        ),
    };
    format!(
        "{what} The plan you were shown is not the one now being signed off, so nothing was recorded. Look at the plan's sign-off page to see where it stands."
    )
}

fn refused(signed_in: &SignedIn, sign_off: SignOff, title: &str, message: String) -> RefusedPage {
    RefusedPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        back: sign_off.url(),
        area: sign_off.cycle.area,
        plan: sign_off.cycle.plan,
        title: title.to_owned(),
        message,
    }
}

/// 409: the form's snapshot is no longer the round's; nothing recorded.
fn stale(signed_in: &SignedIn, sign_off: SignOff, round: &Round) -> Result<Response, AppError> {
    page::conflict(&refused(
        signed_in,
        sign_off,
        "This snapshot is no longer being signed off",
        stale_message(round),
    ))
}

/// 409 for a post (200 for a form asked for): the round is not at this step.
fn not_now(
    signed_in: &SignedIn,
    sign_off: SignOff,
    message: String,
    posted: bool,
) -> Result<Response, AppError> {
    let page = refused(signed_in, sign_off, "This cannot be recorded now", message);
    if posted {
        page::conflict(&page)
    } else {
        page::ok(&page)
    }
}
