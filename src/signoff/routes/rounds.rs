//! Opening a round (which freezes the plan and takes its snapshot) and withdrawing one.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::overview::{Extras, overview_page};
use super::{Done, SignOff, not_now, permit, step};
use crate::AppState;
use crate::areas::store::{Freeze, content_freeze, freeze_content, thaw_content};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::{Action, Role};
use crate::plans::parts::checks::facts::{check_plan, sections};
use crate::plans::parts::checks::failing;
use crate::plans::parts::document::{Snapshot, hash_hex, store as document};
use crate::plans::templates::structure::DateKind;
use crate::signoff::forms::{OpenRoundForm, WithdrawForm};
use crate::signoff::state::RoundState;
use crate::signoff::store::rounds::{self, NewRound};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, page};

pub(super) async fn open(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Form(form): Form<OpenRoundForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("Name of the round", &form.name);
    open_round(&state, &signed_in, &slug, &plan_key, form)
        .await
        .map_err(|error| error.keeping(kept))
}

/// The overview again, 422, with `errors` by the open form and what was typed.
async fn refuse_opening(
    state: &AppState,
    signed_in: &SignedIn,
    sign_off: SignOff,
    form: OpenRoundForm,
    errors: FormErrors,
    checks: Option<Vec<crate::plans::parts::checks::CheckResult>>,
) -> Result<Response, AppError> {
    let page = overview_page(
        state,
        signed_in,
        sign_off,
        Extras {
            errors,
            open_form: form,
            checks,
            ..Extras::banner("")
        },
    )
    .await?;
    page::unprocessable(&page)
}

async fn open_round(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    form: OpenRoundForm,
) -> Result<Response, AppError> {
    let sign_off = SignOff::load(state, signed_in, slug, plan_key).await?;
    let cycle = &sign_off.cycle;
    permit(signed_in, Action::OpenSignOffRound, &cycle.area, None)?;
    let deadlines: Vec<&str> = cycle
        .structure
        .dates()
        .iter()
        .filter(|date| date.kind == DateKind::Deadline)
        .map(|date| date.key.as_str())
        .collect();
    let round = match form.parse(&deadlines) {
        Ok(round) => round,
        Err(errors) => {
            return refuse_opening(state, signed_in, sign_off, form, errors, None).await;
        }
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    // The freeze waits for edits in flight and holds off new ones until this change ends, so
    // the checks below and the snapshot see the same content.
    let frozen = freeze_content(
        change.db(),
        cycle.area.id,
        Freeze {
            plan_id: cycle.plan.id.get(),
            round: &round.name,
            at,
            by: signed_in.user.id,
        },
    )
    .await?;
    let Some(content_version) = frozen else {
        drop(change);
        let message = match content_freeze(&state.pool, cycle.area.id).await? {
            Some(freeze) if freeze.plan_id == cycle.plan.id.get() => format!(
                "This plan is already in sign-off (round \u{201c}{}\u{201d}). Withdraw that round first to open another.",
                freeze.round
            ),
            Some(freeze) => format!(
                "Another plan of this area is in sign-off (round \u{201c}{}\u{201d}), so its content is frozen. Open this round once that round is submitted or withdrawn.",
                freeze.round
            ),
            None => "Another round was opened at the same moment. Look at the sign-off page again."
                .to_owned(),
        };
        let mut errors = FormErrors::new();
        errors.add("name", message);
        return refuse_opening(state, signed_in, sign_off, form, errors, None).await;
    };
    let sections = sections(state, &cycle.plan).await?;
    let checks = check_plan(state, &cycle.area, &cycle.plan, &cycle.structure, sections).await?;
    let failing = failing(&checks);
    if failing > 0 {
        drop(change);
        let mut errors = FormErrors::new();
        errors.add(
            "name",
            if failing == 1 {
                "The round cannot open while a check fails: put right the check listed below first".to_owned()
            } else {
                format!(
                    "The round cannot open while {failing} checks fail: put right the checks listed below first"
                )
            },
        );
        return refuse_opening(state, signed_in, sign_off, form, errors, Some(checks)).await;
    }
    let content =
        document::content(change.db(), &cycle.area, &cycle.plan, &cycle.structure).await?;
    let snapshot = Snapshot::of(&content).map_err(|error| AppError::Internal(error.into()))?;
    let superseded =
        rounds::supersede_submitted(change.db(), cycle.plan.id, at, signed_in.user.id).await?;
    let (round_id, number) = rounds::insert_round(
        change.db(),
        NewRound {
            plan_id: cycle.plan.id,
            name: &round.name,
            deadline_key: round.deadline_key.as_deref(),
            opened_at: at,
            opened_by: signed_in.user.id,
            snapshot: &snapshot.json,
            snapshot_hash: &snapshot.hash,
            content_version,
        },
    )
    .await?;
    let plan_name = format!("{}'s {}", cycle.area.name, cycle.plan.template_name);
    super::tell::tell_area(
        state,
        &mut change,
        &sign_off,
        signed_in.user.id,
        &[Role::Signatory],
        &format!(
            "Your decision is needed: {plan_name} is open for sign-off ({})",
            round.name
        ),
        Some(&format!("{plan_name} went to sign-off ({})", round.name)),
    )
    .await?;
    change
        .commit(
            &Event::new(actor(signed_in), "signoff.round_opened", "signoff_round")
                .target(round_id)
                .area(cycle.area.id)
                .details(json!({
                    "plan": cycle.plan.template_key,
                    "round": number,
                    "name": round.name,
                    "deadline": round.deadline_key,
                    "snapshot_hash": hash_hex(&snapshot.hash),
                    "content_version": content_version,
                    "superseded_round": superseded,
                })),
        )
        .await?;
    Ok(see_done(&sign_off.url(), Done::Opened))
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("Why the round is withdrawn", &form.reason);
    withdraw_round(&state, &signed_in, &slug, &plan_key, &round, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn withdraw_round(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
    form: WithdrawForm,
) -> Result<Response, AppError> {
    let (sign_off, number) = step(
        state,
        signed_in,
        (slug, plan_key, round),
        Action::WithdrawSignOffRound,
    )
    .await?;
    let reason = match form.parse() {
        Ok(reason) => reason,
        Err(errors) => {
            let page = overview_page(
                state,
                signed_in,
                sign_off,
                Extras {
                    errors,
                    withdraw_reason: form.reason,
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
    let round = rounds::lock_round(change.db(), plan_id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if round.state == RoundState::Withdrawn {
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    }
    if !round.state.may_withdraw() {
        drop(change);
        let message = format!(
            "Round {} cannot be withdrawn: it is {}. A round can be withdrawn until it is submitted.",
            round.number,
            round.state.label().to_lowercase()
        );
        return not_now(signed_in, sign_off, message, true);
    }
    rounds::end_round(
        change.db(),
        round.id,
        RoundState::Withdrawn,
        at,
        signed_in.user.id,
        Some(&reason),
    )
    .await?;
    thaw_content(change.db(), sign_off.cycle.area.id, plan_id.get()).await?;
    change
        .commit(
            &Event::new(actor(signed_in), "signoff.round_withdrawn", "signoff_round")
                .target(round.id)
                .area(sign_off.cycle.area.id)
                .details(json!({
                    "plan": sign_off.cycle.plan.template_key,
                    "round": round.number,
                    "reason": reason,
                    "was": round.state.key(),
                })),
        )
        .await?;
    Ok(see_done(&sign_off.url(), Done::Withdrawn))
}
