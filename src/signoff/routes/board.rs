//! The Health and Wellbeing Board's decision on a round, recorded by the board secretary: at a
//! meeting (body, date, agenda item, minute reference, resolution) or, where the route allows,
//! by a chair's action or delegated decision with its reference.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{Done, SignOff, is_stale, not_now, stale, step};
use crate::AppState;
use crate::areas::store::{AreaSummary, thaw_content};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::Action;
use crate::plans::parts::document::hash_hex;
use crate::plans::store::{PlanSummary, record_approval};
use crate::signoff::forms::{BoardForm, DateBoxes};
use crate::signoff::state::{BoardHow, BoardOutcome, RoundState, after_board, board_may_decide};
use crate::signoff::store::board::{self, NewBoardDecision};
use crate::signoff::store::rounds::{self, Round};
use crate::web::banner::see_done;
use crate::web::choice::Choice;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, Layout, format, page};

#[derive(Template)]
#[template(path = "signoff/board.html")]
struct BoardPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    errors: FormErrors,
    action: String,
    back: String,
    round_number: i32,
    round_name: String,
    hash: String,
    /// Empty where the route allows only a meeting.
    hows: Vec<Choice>,
    outcomes: Vec<Choice>,
    form: BoardForm,
}

fn board_page(
    signed_in: &SignedIn,
    sign_off: SignOff,
    round: &Round,
    form: BoardForm,
    errors: FormErrors,
) -> BoardPage {
    BoardPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        action: sign_off.round_url(round.number, "board"),
        back: sign_off.url(),
        round_number: round.number,
        round_name: round.name.clone(),
        hash: hash_hex(&round.snapshot_hash),
        hows: if sign_off.route.chair_action_allowed {
            BoardHow::ALL
                .iter()
                .map(|how| Choice::new(how.key(), how.label(), &form.how))
                .collect()
        } else {
            Vec::new()
        },
        outcomes: BoardOutcome::ALL
            .iter()
            .map(|outcome| Choice::new(outcome.key(), outcome.label(), &form.outcome))
            .collect(),
        form,
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
        Action::RecordBoardDecision,
    )
    .await?;
    let round = rounds::find_round(&state.pool, sign_off.cycle.plan.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let approved = board::board_approved(&state.pool, round.id).await?;
    if let Err(refusal) = board_may_decide(&sign_off.route, round.state, approved) {
        return not_now(&signed_in, sign_off, format!("{}.", refusal.0), false);
    }
    let today = format::in_london(state.clock.now()).date();
    let date = DateBoxes::of(today);
    let form = BoardForm {
        body: sign_off.cycle.area.board_name.clone(),
        decided_on_day: date.day,
        decided_on_month: date.month,
        decided_on_year: date.year,
        ..BoardForm::default()
    };
    page::ok(&board_page(
        &signed_in,
        sign_off,
        &round,
        form,
        FormErrors::new(),
    ))
}

pub(super) async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
    Form(form): Form<BoardForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("Reference", &form.reference).and("Resolution", &form.resolution);
    record_board(&state, &signed_in, &slug, &plan_key, &round, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn record_board(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
    form: BoardForm,
) -> Result<Response, AppError> {
    let (sign_off, number) = step(
        state,
        signed_in,
        (slug, plan_key, round),
        Action::RecordBoardDecision,
    )
    .await?;
    let plan_id = sign_off.cycle.plan.id;
    let area_id = sign_off.cycle.area.id;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let round = rounds::lock_round(change.db(), plan_id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_stale(&round, &form.snapshot_hash) {
        drop(change);
        return stale(signed_in, sign_off, &round);
    }
    let input = match form.parse(&sign_off.route) {
        Ok(input) => input,
        Err(errors) => {
            drop(change);
            return page::unprocessable(&board_page(signed_in, sign_off, &round, form, errors));
        }
    };
    let approved = board::board_approved(change.db(), round.id).await?;
    let same = board::plan_board_decisions(change.db(), plan_id)
        .await?
        .into_iter()
        .any(|b| {
            b.round_id == round.id
                && b.decided_on == input.decided_on
                && b.reference == input.reference
        });
    if same {
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    }
    if let Err(refusal) = board_may_decide(&sign_off.route, round.state, approved) {
        drop(change);
        return not_now(signed_in, sign_off, format!("{}.", refusal.0), true);
    }
    let inserted = board::insert_board_decision(
        change.db(),
        NewBoardDecision {
            round_id: round.id,
            how: input.how,
            body: &input.body,
            decided_on: input.decided_on,
            agenda_item: &input.agenda_item,
            reference: &input.reference,
            resolution: &input.resolution,
            outcome: input.outcome,
            snapshot_hash: &round.snapshot_hash,
            recorded_by: signed_in.user.id,
            recorded_at: at,
        },
    )
    .await?;
    let Some(decision_id) = inserted else {
        drop(change);
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    };
    let next = after_board(&sign_off.route, round.state, input.outcome);
    match input.outcome {
        BoardOutcome::Approved => {
            record_approval(
                change.db(),
                plan_id,
                round.id,
                round.number,
                &round.snapshot_hash,
                round.content_version,
                at,
            )
            .await?;
            if next != round.state {
                rounds::set_state(change.db(), round.id, next).await?;
            }
        }
        BoardOutcome::NotApproved => {
            let reason = if input.resolution.is_empty() {
                format!("Not approved by {} ({})", input.body, input.reference)
            } else {
                input.resolution.clone()
            };
            rounds::end_round(
                change.db(),
                round.id,
                RoundState::NotApproved,
                at,
                signed_in.user.id,
                Some(&reason),
            )
            .await?;
            thaw_content(change.db(), area_id, plan_id.get()).await?;
        }
        BoardOutcome::Deferred => {}
    }
    change
        .commit(
            &Event::new(
                actor(signed_in),
                "signoff.board_decision_recorded",
                "board_decision",
            )
            .target(decision_id)
            .area(area_id)
            .details(json!({
                "plan": sign_off.cycle.plan.template_key,
                "round": round.number,
                "how": input.how.key(),
                "body": input.body,
                "decided_on": input.decided_on.to_string(),
                "reference": input.reference,
                "outcome": input.outcome.key(),
                "snapshot_hash": hash_hex(&round.snapshot_hash),
                "state": next.key(),
            })),
        )
        .await?;
    Ok(see_done(&sign_off.url(), Done::Board))
}
