//! A section's status ("Have you completed this section?", and reopening) and the organisation
//! it is assigned to.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::section_page::{PageProblem, problem_page};
use super::section_text::{TextForm, keep_refused, save_text};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store as areas;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::rules::{self, status_after_answer};
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, StatusFrom};
use crate::web::AppError;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::page::see_other;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CompletedForm {
    completed: String,
    /// The text typed, when the question is answered with the edit form's "Continue" button
    /// (the radios and the button belong to that form): saved with the answer.
    text: Option<String>,
    version: String,
}

pub(super) async fn answer_completed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<CompletedForm>,
) -> Result<Response, AppError> {
    let typed = form.text.as_ref().map(|text| TextForm {
        text: text.clone(),
        version: form.version.clone(),
    });
    let answered = async {
        let context = SectionContext::load(&state, &signed_in, &path).await?;
        if !rules::may_answer(&signed_in.user.principal(), context.facts()) {
            return Err(AppError::Forbidden);
        }
        let completed = match form.completed.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                if let Some(typed) = &typed {
                    keep_typed(&state, &signed_in, &context, typed).await;
                }
                let problem = PageProblem {
                    draft: form.text.clone(),
                    ..PageProblem::message(
                        "completed",
                        "Select whether you have completed this section",
                    )
                };
                return problem_page(&state, &signed_in, context, problem).await;
            }
        };
        match &typed {
            Some(typed) => save_text(&state, &signed_in, context, typed, Some(completed)).await,
            None => answer(&state, &signed_in, &context, completed).await,
        }
    };
    answered.await.map_err(|error| match &typed {
        Some(typed) => error.keeping(typed.typed()),
        None => error,
    })
}

/// Keeps the text sent with an answer refused for want of one as the person's draft, if the
/// text is theirs to write.
async fn keep_typed(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    typed: &TextForm,
) {
    let facts = context.facts();
    let principal = signed_in.user.principal();
    if rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id) {
        let based_on = typed.version.parse().unwrap_or(context.section.version);
        keep_refused(state, signed_in, context.section.id, &typed.text, based_on).await;
    }
}

/// Records the answer to "Have you completed this section?" (the text unchanged): the lead's
/// yes completes the section, an officer's asks for review, no puts it back in progress.
pub(super) async fn answer(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    completed: bool,
) -> Result<Response, AppError> {
    let is_lead = rules::is_lead(&signed_in.user.principal(), context.area.id);
    let status = status_after_answer(completed, is_lead);
    let move_to = StatusChange {
        from: StatusFrom::Open,
        to: status,
        event: status_event(signed_in, context, status),
    };
    let answer = Typed::text(
        "Have you completed this section?",
        if completed { "Yes" } else { "No" },
    );
    let changed = change_status(state, signed_in, context, move_to)
        .await
        .map_err(|error| error.keeping(answer))?;
    if !changed {
        // Completed already (perhaps a moment ago): only reopening changes it now.
        return Ok(see_other(&context.url()));
    }
    Ok(see_done(&context.plan_url(), Done::Status))
}

/// The audit record of an answer moving the section to `status`.
pub(super) fn status_event(
    signed_in: &SignedIn,
    context: &SectionContext,
    status: SectionStatus,
) -> Event {
    Event::new(actor(signed_in), "section.status_changed", "plan_section")
        .target(context.section.id)
        .area(context.area.id)
        .details(json!({
            "section": context.section.key,
            "before": context.section.status.label(),
            "after": status.label(),
        }))
}

pub(super) async fn reopen(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
) -> Result<Response, AppError> {
    let context = SectionContext::load(&state, &signed_in, &path).await?;
    if !rules::is_lead(&signed_in.user.principal(), context.area.id) {
        return Err(AppError::Forbidden);
    }
    let event = Event::new(actor(&signed_in), "section.reopened", "plan_section")
        .target(context.section.id)
        .area(context.area.id)
        .details(json!({
            "section": context.section.key,
            "before": context.section.status.label(),
        }));
    let move_to = StatusChange {
        from: StatusFrom::Completed,
        to: SectionStatus::InProgress,
        event,
    };
    if !change_status(&state, &signed_in, &context, move_to).await? {
        // Not completed (perhaps reopened a moment ago): nothing to reopen.
        return Ok(see_other(&context.url()));
    }
    Ok(see_done(&context.url(), Done::Reopened))
}

/// A move of a section's status, and the audit record it makes.
struct StatusChange {
    from: StatusFrom,
    to: SectionStatus,
    event: Event,
}

/// Moves the section's status if it still stands where `change.from` says (another request may
/// have moved it since the page was loaded), recording it; `false` if it had moved.
async fn change_status(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    status: StatusChange,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context.ask_guard(&mut change).await?;
    let section = context.section.id;
    let user = signed_in.user.id;
    if !store::set_status(change.db(), section, status.from, status.to, user, now).await? {
        return Ok(false);
    }
    change.commit(&status.event).await?;
    Ok(true)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AssignForm {
    organisation: String,
}

pub(super) async fn assign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let context = SectionContext::load(&state, &signed_in, &path).await?;
    if !rules::is_lead(&signed_in.user.principal(), context.area.id) {
        return Err(AppError::Forbidden);
    }
    // Empty is nobody; anything else must be one of the area's organisations.
    let organisation = if form.organisation.is_empty() {
        None
    } else {
        let members = areas::list_members(&state.pool, context.area.id).await?;
        let chosen = form.organisation.parse().ok().and_then(|id| {
            let id = OrganisationId::new(id);
            members
                .into_iter()
                .find(|member| member.organisation_id == id)
        });
        let Some(member) = chosen else {
            let problem = PageProblem::message(
                "organisation",
                "Choose one of the area's organisations, or nobody",
            );
            return problem_page(&state, &signed_in, context, problem).await;
        };
        Some(member)
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let chosen = Typed::text(
        "Assigned to",
        organisation
            .as_ref()
            .map_or("Nobody", |member| member.name.as_str()),
    );
    context
        .ask_guard(&mut change)
        .await
        .map_err(|error| error.keeping(chosen))?;
    store::assign(
        change.db(),
        context.section.id,
        organisation.as_ref().map(|m| m.organisation_id),
    )
    .await?;
    change
        .commit(
            &Event::new(actor(&signed_in), "section.assigned", "plan_section")
                .target(context.section.id)
                .area(context.area.id)
                .details(json!({
                    "section": context.section.key,
                    "before": context.section.assigned_organisation,
                    "after": organisation.as_ref().map(|m| m.name.clone()),
                })),
        )
        .await?;
    Ok(see_done(&context.url(), Done::Assigned))
}
