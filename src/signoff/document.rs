//! A round's snapshot as a document (HTML for board papers, and Word), and comparisons: two
//! snapshots, or the approved snapshot and the live plan.
//!
//! A snapshot's document is made from the round's stored JSON and its seal (the round, its
//! hash, the decisions recorded on it) only, never from the live plan, so later edits to the
//! plan cannot change it. Anyone who may see the area may read them.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::store::snapshots::{self, RoundSnapshot, SealBoardDecision, SealDecision};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::access::load_plan;
use crate::plans::approval;
use crate::plans::parts::document::layout::{self, Block, Part, Seal};
use crate::plans::parts::document::routes::{docx_download, laid_out};
use crate::plans::parts::document::{
    Difference, PlanContent, Snapshot, differences, hash_hex, short_hash,
};
use crate::plans::store::{self as plans_store, PlanSummary};
use crate::web::extract::{Path, Query};
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/areas/{slug}/plans/{plan}/sign-off/rounds/{number}/document",
            snapshot_document,
        ),
        get(
            "/areas/{slug}/plans/{plan}/sign-off/rounds/{number}/document.docx",
            snapshot_docx,
        ),
        get("/areas/{slug}/plans/{plan}/sign-off/compare", compare),
        get("/areas/{slug}/plans/{plan}/sign-off/changes", changes),
    ]
}

type RoundPath = (String, String, i32);

/// The snapshot's content back from its stored JSON.
fn read(round: &RoundSnapshot) -> Result<PlanContent, AppError> {
    Snapshot::read(&round.snapshot).map_err(|error| AppError::Internal(error.into()))
}

async fn find_round(
    state: &AppState,
    plan: &PlanSummary,
    number: i32,
) -> Result<RoundSnapshot, AppError> {
    snapshots::find_round(&state.pool, plan.id, number)
        .await?
        .ok_or(AppError::NotFound)
}

fn decision_label(key: &str) -> &str {
    match key {
        "approve" => "Approved",
        "approve_with_comments" => "Approved with comments",
        "decline" => "Declined",
        other => other,
    }
}

fn outcome_label(how: &str, outcome: &str) -> String {
    let outcome = match outcome {
        "approved" => "Approved",
        "deferred" => "Deferred",
        "not_approved" => "Not approved",
        other => other,
    };
    if how == "chair_action" {
        format!("{outcome} (chair's action)")
    } else {
        outcome.to_owned()
    }
}

/// What seals a round, as its document prints it.
fn seal(round: &RoundSnapshot, decisions: &[SealDecision], board: &[SealBoardDecision]) -> Seal {
    Seal {
        round: round.name.clone(),
        number: round.number,
        opened_at: format::date_time(round.opened_at),
        hash: hash_hex(&round.snapshot_hash),
        decisions: decisions
            .iter()
            .map(|d| {
                [
                    d.organisation.clone(),
                    d.signer_position.clone(),
                    d.signer_name.clone(),
                    decision_label(&d.decision).to_owned(),
                    format::date(format::in_london(d.decided_at).date()),
                ]
            })
            .collect(),
        board: board
            .iter()
            .map(|b| {
                [
                    b.body.clone(),
                    format::date(b.decided_on),
                    b.reference.clone(),
                    outcome_label(&b.how, &b.outcome),
                ]
            })
            .collect(),
    }
}

/// The area, plan and round a snapshot's address names; not found unless the person sees the
/// area and the plan has that round.
async fn load_round(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, number): RoundPath,
) -> Result<(AreaSummary, PlanSummary, RoundSnapshot), AppError> {
    let (area, plan) = load_plan(state, signed_in, &slug, &plan_key).await?;
    let round = find_round(state, &plan, number).await?;
    Ok((area, plan, round))
}

/// The round's document: its seal first, then the frozen plan.
async fn sealed_document(
    state: &AppState,
    round: &RoundSnapshot,
) -> Result<(String, Vec<Part>), AppError> {
    let decisions = snapshots::decisions(&state.pool, round.id).await?;
    let board = snapshots::board_decisions(&state.pool, round.id).await?;
    let content = read(round)?;
    let (title, parts) = laid_out(content).await?;
    let mut all = vec![layout::seal_part(&seal(round, &decisions, &board))];
    all.extend(parts);
    Ok((title, all))
}

#[derive(Template)]
#[template(path = "signoff/document.html")]
struct SnapshotPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    title: String,
    round_name: String,
    round_number: i32,
    short_hash: String,
    docx_url: String,
    parts: Vec<Part>,
}

async fn snapshot_document(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<RoundPath>,
) -> Result<Response, AppError> {
    let (area, plan, round) = load_round(&state, &signed_in, path).await?;
    let (title, parts) = sealed_document(&state, &round).await?;
    let docx_url = format!(
        "/areas/{}/plans/{}/sign-off/rounds/{}/document.docx",
        area.slug, plan.template_key, round.number
    );
    page::ok(&SnapshotPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        plan,
        title,
        round_name: round.name.clone(),
        round_number: round.number,
        short_hash: short_hash(&round.snapshot_hash),
        docx_url,
        parts,
    })
}

async fn snapshot_docx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<RoundPath>,
) -> Result<Response, AppError> {
    let (area, plan, round) = load_round(&state, &signed_in, path).await?;
    let (title, parts) = sealed_document(&state, &round).await?;
    let name = format!(
        "{}-{}-round-{}-{}",
        area.slug,
        plan.template_key,
        round.number,
        short_hash(&round.snapshot_hash)
    );
    docx_download(format!("{title} ({})", round.name), parts, &name).await
}

/// One side of a comparison, as its heading names it.
struct Side {
    name: String,
    hash: String,
}

impl Side {
    fn of(round: &RoundSnapshot) -> Side {
        Side {
            name: format!("Round {}: {}", round.number, round.name),
            hash: short_hash(&round.snapshot_hash),
        }
    }
}

/// A round as a choice of the comparison form.
struct Choice {
    number: i32,
    label: String,
}

#[derive(Template)]
#[template(path = "signoff/compare.html")]
struct ComparePage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    rounds: Vec<Choice>,
    from: i32,
    to: i32,
    compared: Option<(Side, Side)>,
    differences: Vec<Difference>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompareQuery {
    from: String,
    to: String,
}

async fn compare(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let (area, plan) = load_plan(&state, &signed_in, &slug, &plan_key).await?;
    let rounds = snapshots::list_rounds(&state.pool, plan.id).await?;
    let chosen = (
        query.from.trim().parse::<i32>(),
        query.to.trim().parse::<i32>(),
    );
    let (compared, differences, from, to) = match chosen {
        (Ok(from), Ok(to)) => {
            let before = find_round(&state, &plan, from).await?;
            let after = find_round(&state, &plan, to).await?;
            let found = differences(&read(&before)?, &read(&after)?);
            (Some((Side::of(&before), Side::of(&after))), found, from, to)
        }
        // Nothing chosen yet: offer the last two rounds.
        _ => {
            let last = rounds.last().map_or(0, |round| round.number);
            let before = rounds
                .iter()
                .rev()
                .nth(1)
                .map_or(last, |round| round.number);
            (None, Vec::new(), before, last)
        }
    };
    page::ok(&ComparePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        rounds: rounds
            .into_iter()
            .map(|round| Choice {
                number: round.number,
                label: format!(
                    "Round {}: {} (opened {})",
                    round.number,
                    round.name,
                    format::date(format::in_london(round.opened_at).date())
                ),
            })
            .collect(),
        area,
        plan,
        from,
        to,
        compared,
        differences,
    })
}

#[derive(Template)]
#[template(path = "signoff/compare_changes.html")]
struct ChangesPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    approved: Side,
    approved_on: String,
    differences: Vec<Difference>,
}

async fn changes(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (area, plan) = load_plan(&state, &signed_in, &slug, &plan_key).await?;
    let approved = plans_store::approved_snapshot(&state.pool, plan.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let round = find_round(&state, &plan, approved.round_number).await?;
    let live = approval::live_content(&state, &area, &plan).await?;
    let differences = differences(&read(&round)?, &live);
    page::ok(&ChangesPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        plan,
        approved: Side::of(&round),
        approved_on: format::date(format::in_london(approved.approved_at).date()),
        differences,
    })
}
