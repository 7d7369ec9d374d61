//! Assurance of a submitted round whose board has approved it, by an assurer: the outcome from
//! the route's list and, for an outcome with conditions, each condition with its due date;
//! later, each condition met.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::overview::{Extras, overview_page};
use super::{Done, SignOff, is_stale, not_now, stale, step};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::Action;
use crate::plans::parts::document::hash_hex;
use crate::plans::store::PlanSummary;
use crate::signoff::forms::{AssuranceForm, ConditionMetForm};
use crate::signoff::state::{RoundState, after_assurance, assurance_may_be_recorded};
use crate::signoff::store::assurance::{self, MarkedMet, NewAssurance};
use crate::signoff::store::board::board_approved;
use crate::signoff::store::rounds::{self, Round};
use crate::web::banner::see_done;
use crate::web::choice::Choice;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, Layout, page};

/// A condition row as the form shows it, with its field names.
struct ConditionField {
    text_field: String,
    text_label: String,
    text: String,
    due_field: String,
    due_label: String,
    due: String,
}

#[derive(Template)]
#[template(path = "signoff/assurance.html")]
struct AssurancePage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    errors: FormErrors,
    action: String,
    back: String,
    round_number: i32,
    round_name: String,
    hash: String,
    outcomes: Vec<Choice>,
    summary: String,
    conditions: Vec<ConditionField>,
}

fn assurance_page(
    signed_in: &SignedIn,
    sign_off: SignOff,
    round: &Round,
    form: AssuranceForm,
    errors: FormErrors,
) -> AssurancePage {
    AssurancePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        action: sign_off.round_url(round.number, "assurance"),
        back: sign_off.url(),
        round_number: round.number,
        round_name: round.name.clone(),
        hash: hash_hex(&round.snapshot_hash),
        outcomes: sign_off
            .route
            .assurance_outcomes
            .iter()
            .map(|outcome| Choice::new(&outcome.key, outcome.label.clone(), &form.outcome))
            .collect(),
        summary: form.summary,
        conditions: form
            .conditions
            .into_iter()
            .enumerate()
            .map(|(index, row)| ConditionField {
                text_field: format!("condition_{}", index + 1),
                text_label: format!("Condition {}", index + 1),
                text: row.text,
                due_field: format!("due_{}", index + 1),
                due_label: format!("Condition {} due", index + 1),
                due: row.due,
            })
            .collect(),
        errors,
        area: sign_off.cycle.area,
        plan: sign_off.cycle.plan,
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (sign_off, number) = step(
        &state,
        &signed_in,
        (&slug, &plan_key, &round),
        Action::RecordAssurance,
    )
    .await?;
    let round = rounds::find_round(&state.pool, sign_off.cycle.plan.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let approved = board_approved(&state.pool, round.id).await?;
    if let Err(refusal) = assurance_may_be_recorded(round.state, approved) {
        return not_now(&signed_in, sign_off, format!("{}.", refusal.0), false);
    }
    page::ok(&assurance_page(
        &signed_in,
        sign_off,
        &round,
        AssuranceForm::blank(),
        FormErrors::new(),
    ))
}

pub(super) async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = AssuranceForm::from_fields(fields);
    let kept = form
        .conditions
        .iter()
        .fold(Typed::text("Summary", &form.summary), |kept, row| {
            kept.and("Condition", &row.text)
        });
    record_assurance(&state, &signed_in, &slug, &plan_key, &round, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn record_assurance(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
    form: AssuranceForm,
) -> Result<Response, AppError> {
    let (sign_off, number) = step(
        state,
        signed_in,
        (slug, plan_key, round),
        Action::RecordAssurance,
    )
    .await?;
    let plan_id = sign_off.cycle.plan.id;
    let area_id = sign_off.cycle.area.id;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let round = rounds::lock_round(change.db(), plan_id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let recorded = assurance::plan_assurance(change.db(), plan_id)
        .await?
        .into_iter()
        .any(|a| a.round_id == round.id);
    if recorded {
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    }
    if is_stale(&round, &form.snapshot_hash) {
        drop(change);
        return stale(signed_in, sign_off, &round);
    }
    let approved = board_approved(change.db(), round.id).await?;
    if let Err(refusal) = assurance_may_be_recorded(round.state, approved) {
        drop(change);
        return not_now(signed_in, sign_off, format!("{}.", refusal.0), true);
    }
    let input = match form.parse(&sign_off.route) {
        Ok(input) => input,
        Err(errors) => {
            drop(change);
            return page::unprocessable(&assurance_page(signed_in, sign_off, &round, form, errors));
        }
    };
    let inserted = assurance::insert_assurance(
        change.db(),
        NewAssurance {
            round_id: round.id,
            outcome_key: &input.outcome.key,
            outcome_label: &input.outcome.label,
            approves: input.outcome.approves,
            summary: &input.summary,
            snapshot_hash: &round.snapshot_hash,
            recorded_by: signed_in.user.id,
            recorded_at: at,
        },
    )
    .await?;
    let Some(outcome_id) = inserted else {
        drop(change);
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    };
    assurance::insert_conditions(change.db(), outcome_id, &input.conditions).await?;
    let next = after_assurance(input.outcome.approves);
    let reason = (next == RoundState::NotApproved).then(|| {
        if input.summary.is_empty() {
            format!("Assurance: {}", input.outcome.label)
        } else {
            input.summary.clone()
        }
    });
    rounds::end_round(
        change.db(),
        round.id,
        next,
        at,
        signed_in.user.id,
        reason.as_deref(),
    )
    .await?;
    change
        .commit(
            &Event::new(
                actor(signed_in),
                "signoff.assurance_recorded",
                "assurance_outcome",
            )
            .target(outcome_id)
            .area(area_id)
            .details(json!({
                "plan": sign_off.cycle.plan.template_key,
                "round": round.number,
                "outcome": input.outcome.key,
                "conditions": input
                    .conditions
                    .iter()
                    .map(|(text, due)| json!({ "text": text, "due": due.to_string() }))
                    .collect::<Vec<_>>(),
                "snapshot_hash": hash_hex(&round.snapshot_hash),
                "state": next.key(),
            })),
        )
        .await?;
    Ok(see_done(&sign_off.url(), Done::Assured))
}

pub(super) async fn condition_met(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round, position)): Path<(String, String, String, String)>,
    Form(form): Form<ConditionMetForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("Note", &form.note);
    record_condition_met(
        &state, &signed_in, &slug, &plan_key, &round, &position, form,
    )
    .await
    .map_err(|error| error.keeping(kept))
}

async fn record_condition_met(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
    position: &str,
    form: ConditionMetForm,
) -> Result<Response, AppError> {
    let (sign_off, number) = step(
        state,
        signed_in,
        (slug, plan_key, round),
        Action::RecordAssurance,
    )
    .await?;
    let position: i32 = position.parse().map_err(|_| AppError::NotFound)?;
    let note = match form.parse() {
        Ok(note) => note,
        Err(errors) => {
            let page = overview_page(
                state,
                signed_in,
                sign_off,
                Extras {
                    errors,
                    ..Extras::banner("")
                },
            )
            .await?;
            return page::unprocessable(&page);
        }
    };
    let plan_id = sign_off.cycle.plan.id;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let round = rounds::find_round(change.db(), plan_id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    match assurance::mark_condition_met(
        change.db(),
        round.id,
        position,
        at,
        signed_in.user.id,
        &note,
    )
    .await?
    {
        MarkedMet::NoSuchCondition => Err(AppError::NotFound),
        MarkedMet::Already => Ok(see_done(&sign_off.url(), Done::AlreadyRecorded)),
        MarkedMet::Now => {
            change
                .commit(
                    &Event::new(
                        actor(signed_in),
                        "signoff.condition_met",
                        "assurance_condition",
                    )
                    .target(format!("{}/{position}", round.id))
                    .area(sign_off.cycle.area.id)
                    .details(json!({
                        "plan": sign_off.cycle.plan.template_key,
                        "round": round.number,
                        "condition": position,
                        "note": note,
                    })),
                )
                .await?;
            Ok(see_done(&sign_off.url(), Done::ConditionMet))
        }
    }
}
