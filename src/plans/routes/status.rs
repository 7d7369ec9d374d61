//! A section's status ("Have you completed this section?", and reopening) and the organisation
//! it is assigned to.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::section_page::{PageProblem, problem_page};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store as areas;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::notifications::{NewNotice, NoticeKind, notify_all};
use crate::plans::rules;
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, Moved, StatusFrom, StatusMove};
use crate::web::AppError;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::page::see_other;

/// An answer to "Have you completed this section?", parsed.
pub(super) struct Answer {
    pub completed: bool,
    /// The content revision the person saw, when the form said.
    pub seen: Option<i32>,
    /// The lead's comment when sending the section back for changes.
    pub comment: Option<String>,
}

/// Moves the section to `status` for `answer`, in `change`: a lead's completion only if the
/// content is what they saw (`saves`: how many texts the change has just saved of theirs, the
/// shared text and their contribution, each one revision on from what they saw). Sending back also starts a comment thread with the
/// lead's comment and tells whoever sent the section for review.
pub(super) async fn move_answer(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    change: &mut Change,
    answer: &Answer,
    status: SectionStatus,
    saves: i32,
) -> Result<Moved, AppError> {
    let now = state.clock.now();
    let seen = if status == SectionStatus::Completed {
        answer.seen.map(|seen| seen + saves)
    } else {
        None
    };
    let moved = store::move_status(
        change.db(),
        &StatusMove {
            section_id: context.section.id,
            from: StatusFrom::Open,
            to: status,
            user_id: signed_in.user.id,
            at: now,
            seen,
            comment: answer.comment.as_deref(),
        },
    )
    .await?;
    if moved != Moved::Moved {
        return Ok(moved);
    }
    if let Some(comment) = &answer.comment {
        let added = store::add_comment(
            change.db(),
            context.section.id,
            None,
            signed_in.user.id,
            store::NewComment {
                body: comment,
                quote: None,
            },
            now,
        )
        .await?;
        let sender = context
            .section
            .review_by_id
            .filter(|sender| *sender != signed_in.user.id);
        if let (Some(comment_id), Some(sender)) = (added, sender) {
            let notice = NewNotice {
                user_id: sender,
                kind: NoticeKind::Assignment,
                area_id: Some(context.area.id.get()),
                title: format!(
                    "{} sent {} ({}) back for changes",
                    signed_in.user.display_name, context.section.title, context.area.name
                ),
                body: comment.chars().take(300).collect(),
                link: format!("{}#comment-{comment_id}", context.url()),
                once_key: None,
            };
            notify_all(change.db(), &[notice], now, &state.config.base_url()).await?;
        }
    }
    Ok(moved)
}

/// The section page again (422), when a lead's "yes" found the section changed since they
/// loaded the page: it shows what is there now, to read before answering again.
pub(super) async fn changed_since_seen(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    saved: bool,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, &context.path()).await?;
    let message = if saved {
        "Your changes were saved, but the section was not completed: its text or a partner's contribution changed after you opened this page. Read the section again, then answer."
    } else {
        "The section was not completed: its text or a partner's contribution changed after you opened this page. Read the section again, then answer."
    };
    problem_page(
        state,
        signed_in,
        context,
        PageProblem::message("completed", message),
    )
    .await
}

/// The banner after an answer moved the section to `status`.
pub(super) fn done_for(status: SectionStatus, sent_back: bool, saved: bool) -> Done {
    match (status, sent_back, saved) {
        (SectionStatus::Completed, _, false) => Done::Completed,
        (SectionStatus::Completed, _, true) => Done::SavedAndCompleted,
        (SectionStatus::ReadyForReview, _, false) => Done::SentForReview,
        (SectionStatus::ReadyForReview, _, true) => Done::SavedAndSentForReview,
        (_, true, false) => Done::SentBack,
        (_, true, true) => Done::SavedAndSentBack,
        (_, false, false) => Done::InProgress,
        (_, false, true) => Done::SavedAndInProgress,
    }
}

/// The audit record of an answer moving the section to `status`.
pub(super) fn status_event(
    signed_in: &SignedIn,
    context: &SectionContext,
    status: SectionStatus,
    comment: Option<&str>,
) -> Event {
    Event::new(actor(signed_in), "section.status_changed", "plan_section")
        .target(context.section.id)
        .area(context.area.id)
        .details(json!({
            "section": context.section.key,
            "before": context.section.status.label(),
            "after": status.label(),
            "comment": comment,
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
