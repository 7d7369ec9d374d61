//! A section's status ("Have you completed this section?", and reopening) and the organisation
//! it is assigned to.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::comments::parse_comment;
use super::section_page::{PageProblem, problem_page};
use super::section_text::{TextForm, keep_refused, save_text};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store as areas;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::notifications::{NewNotice, NoticeKind, notify_all};
use crate::plans::rules::{self, status_after_answer};
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, Moved, StatusFrom, StatusMove};
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
    /// The content revision the page showed (`Section::content_version`): a lead's "yes" is
    /// refused if anyone saved the text or a contribution since.
    seen: String,
    /// What needs changing, when a lead sends a section waiting for review back.
    review_comment: String,
}

/// An answer to "Have you completed this section?", parsed.
pub(super) struct Answer {
    pub completed: bool,
    /// The content revision the person saw, when the form said.
    pub seen: Option<i32>,
    /// The lead's comment when sending the section back for changes.
    pub comment: Option<String>,
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
        // A problem with the answer: shown by its field, with the text and comment kept.
        let refuse = |context: SectionContext, field: &'static str, message: &str| {
            let problem = PageProblem {
                draft: form.text.clone(),
                review_comment: Some(form.review_comment.clone()),
                ..PageProblem::message(field, message)
            };
            let typed = typed.as_ref();
            let (state, signed_in) = (&state, &signed_in);
            async move {
                if let Some(typed) = typed {
                    keep_typed(state, signed_in, &context, typed).await;
                }
                problem_page(state, signed_in, context, problem).await
            }
        };
        let completed = match form.completed.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                let message = "Select whether you have completed this section";
                return refuse(context, "completed", message).await;
            }
        };
        let is_lead = rules::is_lead(&signed_in.user.principal(), context.area.id);
        let comment = if rules::is_send_back(is_lead, context.section.status, completed) {
            match parse_comment(&form.review_comment) {
                Ok(comment) => Some(comment),
                Err(_) if form.review_comment.trim().is_empty() => {
                    let message = "Say what needs changing before you send the section back";
                    return refuse(context, "review-comment", message).await;
                }
                Err(message) => return refuse(context, "review-comment", &message).await,
            }
        } else {
            None
        };
        let answer = Answer {
            completed,
            seen: form.seen.parse().ok(),
            comment,
        };
        match &typed {
            Some(typed) => save_text(&state, &signed_in, context, typed, Some(answer)).await,
            None => answer_only(&state, &signed_in, context, &answer).await,
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
/// yes completes the section, an officer's asks for review, no puts it back in progress (the
/// lead's no, to a section waiting for review, sends it back with a comment).
pub(super) async fn answer_only(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    answer: &Answer,
) -> Result<Response, AppError> {
    let is_lead = rules::is_lead(&signed_in.user.principal(), context.area.id);
    let status = status_after_answer(answer.completed, is_lead);
    let typed = Typed::text(
        "Have you completed this section?",
        if answer.completed { "Yes" } else { "No" },
    );
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context
        .ask_guard(&mut change)
        .await
        .map_err(|error| error.keeping(typed))?;
    match move_answer(
        state,
        signed_in,
        &context,
        &mut change,
        answer,
        status,
        false,
    )
    .await?
    {
        Moved::Moved => {
            let event = status_event(signed_in, &context, status, answer.comment.as_deref());
            change.commit(&event).await?;
            let done = done_for(status, answer.comment.is_some(), false);
            Ok(see_done(&context.plan_url(), done))
        }
        // Completed already (perhaps a moment ago): only reopening changes it now.
        Moved::StatusChanged => Ok(see_other(&context.url())),
        Moved::ContentChanged => {
            drop(change);
            changed_since_seen(state, signed_in, &context, false).await
        }
    }
}

/// Moves the section to `status` for `answer`, in `change`: a lead's completion only if the
/// content is what they saw (`text_saved`: the change has just saved the text they typed,
/// one revision on from what they saw). Sending back also starts a comment thread with the
/// lead's comment and tells whoever sent the section for review.
pub(super) async fn move_answer(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    change: &mut Change,
    answer: &Answer,
    status: SectionStatus,
    text_saved: bool,
) -> Result<Moved, AppError> {
    let now = state.clock.now();
    let seen = if status == SectionStatus::Completed {
        answer.seen.map(|seen| seen + i32::from(text_saved))
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
    text_saved: bool,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, &context.path()).await?;
    let message = if text_saved {
        "Your text was saved, but the section was not completed: a partner's contribution changed after you opened this page. Read the section again, then answer."
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
