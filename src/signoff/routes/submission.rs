//! Recording a round's submission, by the area lead: once for the area, or once per signing
//! partner where each submits at its own time; each on time or late against the round's
//! deadline. The last submission thaws the plan.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{Done, SignOff, is_stale, not_now, stale, step};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::{AreaSummary, thaw_content};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::Action;
use crate::plans::parts::document::hash_hex;
use crate::plans::store::PlanSummary;
use crate::signoff::forms::SubmissionForm;
use crate::signoff::signers::submitting_partners;
use crate::signoff::state::{RoundState, after_submission, timeliness};
use crate::signoff::store::rounds::{self, Round};
use crate::signoff::store::submissions::{self, NewSubmission, Submission};
use crate::web::banner::see_done;
use crate::web::choice::{Choice, prompted};
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, Layout, format, page};

#[derive(Template)]
#[template(path = "signoff/submission.html")]
struct SubmissionPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    errors: FormErrors,
    action: String,
    back: String,
    round_number: i32,
    round_name: String,
    hash: String,
    /// The partners yet to submit (empty where the area submits once).
    partners: Vec<Choice>,
    /// Those that have, in words.
    submitted: Vec<String>,
    deadline: String,
    /// How a submission now would stand against the deadline, or "".
    if_now: String,
    form: SubmissionForm,
}

/// The partners yet to submit the round, where each submits on its own.
fn outstanding(
    sign_off: &SignOff,
    recorded: &[Submission],
    round: &Round,
) -> Vec<(OrganisationId, String)> {
    submitting_partners(&sign_off.route, &sign_off.members)
        .into_iter()
        .filter(|(id, _)| {
            !recorded
                .iter()
                .any(|s| s.round_id == round.id && s.organisation_id == Some(*id))
        })
        .collect()
}

struct Context<'a> {
    signed_in: &'a SignedIn,
    now: time::OffsetDateTime,
    recorded: &'a [Submission],
}

fn submission_page(
    context: &Context<'_>,
    sign_off: SignOff,
    round: &Round,
    form: SubmissionForm,
    errors: FormErrors,
) -> SubmissionPage {
    let deadline = sign_off.deadline(round.deadline_key.as_deref());
    let partners = outstanding(&sign_off, context.recorded, round);
    SubmissionPage {
        layout: Layout::for_session(Some(&context.signed_in.session)),
        action: sign_off.round_url(round.number, "submission"),
        back: sign_off.url(),
        round_number: round.number,
        round_name: round.name.clone(),
        hash: hash_hex(&round.snapshot_hash),
        partners: if partners.is_empty() {
            Vec::new()
        } else {
            prompted("Choose the partner", partners, &form.organisation)
        },
        submitted: context
            .recorded
            .iter()
            .filter(|s| s.round_id == round.id)
            .map(|s| {
                format!(
                    "{}: {}",
                    s.organisation_name.as_deref().unwrap_or("The area"),
                    format::date_time(s.submitted_at)
                )
            })
            .collect(),
        deadline: deadline.map(format::date).unwrap_or_default(),
        if_now: deadline
            .map(|deadline| timeliness(deadline, context.now).to_string())
            .unwrap_or_default(),
        form,
        errors,
        area: sign_off.cycle.area,
        plan: sign_off.cycle.plan,
    }
}

fn not_ready(round: &Round) -> String {
    format!(
        "A submission is recorded once the round is ready to submit. Round {} is {}.",
        round.number,
        round.state.label().to_lowercase()
    )
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
        Action::RecordSubmission,
    )
    .await?;
    let round = rounds::find_round(&state.pool, sign_off.cycle.plan.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if round.state != RoundState::ReadyToSubmit {
        return not_now(&signed_in, sign_off, not_ready(&round), false);
    }
    let recorded = submissions::plan_submissions(&state.pool, sign_off.cycle.plan.id).await?;
    let now = state.clock.now();
    let context = Context {
        signed_in: &signed_in,
        now,
        recorded: &recorded,
    };
    page::ok(&submission_page(
        &context,
        sign_off,
        &round,
        SubmissionForm::at(now),
        FormErrors::new(),
    ))
}

pub(super) async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
    Form(form): Form<SubmissionForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("Reference", &form.reference);
    record_submission(&state, &signed_in, &slug, &plan_key, &round, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn record_submission(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
    form: SubmissionForm,
) -> Result<Response, AppError> {
    let (sign_off, number) = step(
        state,
        signed_in,
        (slug, plan_key, round),
        Action::RecordSubmission,
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
    let recorded = submissions::plan_submissions(change.db(), plan_id).await?;
    let of_round = recorded.iter().filter(|s| s.round_id == round.id);
    let repeated = if sign_off.route.submission_per_partner {
        of_round.clone().any(|s| {
            s.organisation_id
                .is_some_and(|id| id.to_string() == form.organisation.trim())
        })
    } else {
        of_round.clone().next().is_some()
    };
    if repeated {
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    }
    if round.state != RoundState::ReadyToSubmit {
        drop(change);
        return not_now(signed_in, sign_off, not_ready(&round), true);
    }
    let partners = outstanding(&sign_off, &recorded, &round);
    let context = Context {
        signed_in,
        now: at,
        recorded: &recorded,
    };
    let input = match form.parse(&partners) {
        Ok(input) => input,
        Err(errors) => {
            drop(change);
            return page::unprocessable(&submission_page(&context, sign_off, &round, form, errors));
        }
    };
    let inserted = submissions::insert_submission(
        change.db(),
        NewSubmission {
            round_id: round.id,
            organisation_id: input.organisation_id,
            submitted_at: input.submitted_at,
            reference: &input.reference,
            recorded_by: signed_in.user.id,
            recorded_at: at,
        },
    )
    .await?;
    let Some(submission_id) = inserted else {
        drop(change);
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    };
    let count = of_round.count() + 1;
    let needed = submitting_partners(&sign_off.route, &sign_off.members)
        .len()
        .max(1);
    let next = after_submission(round.state, count, needed)
        .map_err(|refusal| AppError::Internal(anyhow::anyhow!(refusal.0)))?;
    if next != round.state {
        rounds::set_state(change.db(), round.id, next).await?;
        thaw_content(change.db(), area_id, plan_id.get()).await?;
    }
    let deadline = sign_off.deadline(round.deadline_key.as_deref());
    change
        .commit(
            &Event::new(
                actor(signed_in),
                "signoff.submission_recorded",
                "submission",
            )
            .target(submission_id)
            .area(area_id)
            .details(json!({
                "plan": sign_off.cycle.plan.template_key,
                "round": round.number,
                "organisation": input.organisation_id,
                "submitted_at": input.submitted_at.unix_timestamp(),
                "reference": input.reference,
                "timeliness": deadline.map(|d| timeliness(d, input.submitted_at).to_string()),
                "state": next.key(),
            })),
        )
        .await?;
    Ok(see_done(&sign_off.url(), Done::Submitted))
}
