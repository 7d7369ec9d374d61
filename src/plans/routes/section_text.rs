//! Saving a section's shared text, and what contributions share with it: the edit form, the
//! refusal of a save in a completed section, and the page shown when someone else saved first.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::section_page::{PageProblem, preview_page, problem_page};
use super::status::{self, Answer};
use super::{Done, SectionContext, SectionPath, last_change};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::PlanSectionId;
use crate::plans::diff;
use crate::plans::markdown::render_off_thread;
use crate::plans::rules::{self, status_after_answer};
use crate::plans::section::{SectionStatus, SectionText};
use crate::plans::store::{self, Moved, PlanSummary, Saved, Section, TextSave};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path, Query};
use crate::web::form::Typed;
use crate::web::{AppError, Layout, page};

/// Said by the box when a save is refused because the section is completed.
pub(super) const COMPLETED: &str = "This section is completed, so nothing was saved. Ask your area lead to reopen it before changing it; your text is below.";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TextForm {
    pub text: String,
    pub version: String,
}

impl TextForm {
    /// The text, to show back if the save cannot be carried out at all.
    pub fn typed(&self) -> Typed {
        Typed::text("Your text", &self.text)
    }
}

/// Shown instead of saving when someone else saved first: the person's own text (to copy, or
/// to merge and save again), the text now saved, and the difference between them.
#[derive(Template)]
#[template(path = "plans/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
    /// "the section" or a partner's contribution.
    what: String,
    action: String,
    yours: String,
    theirs: String,
    theirs_by: String,
    version: i32,
    diff_html: String,
}

/// The text saved meanwhile by someone else, which a save conflicted with.
pub(super) struct Theirs {
    /// What it is: "this section", or a partner's contribution.
    pub what: String,
    /// Where the form posts to.
    pub action: String,
    pub body: String,
    pub by: String,
    pub version: i32,
}

/// The conflict page (409), with the difference from their text to `yours`.
pub(super) async fn conflict(
    signed_in: &SignedIn,
    context: SectionContext,
    yours: &str,
    theirs: Theirs,
) -> Result<Response, AppError> {
    let changes = diff::words_off_thread(&theirs.body, yours).await?;
    page::conflict(&ConflictPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        what: theirs.what,
        action: theirs.action,
        diff_html: diff::to_html(&changes),
        yours: yours.to_owned(),
        theirs: theirs.body,
        theirs_by: theirs.by,
        version: theirs.version,
        area: context.area,
        plan: context.plan,
        section: context.section,
    })
}

/// The text and version of an edit form, or the message to show by the box (which keeps the
/// text either way).
pub(super) fn parse_edit(
    form: &TextForm,
    status: SectionStatus,
) -> Result<(SectionText, i32), String> {
    if !status.is_open_for_editing() {
        return Err(COMPLETED.to_owned());
    }
    let text = SectionText::parse(&form.text)?;
    let version = form.version.parse::<i32>().map_err(|_| {
        "This form was out of date, so nothing was saved. Check the text below and save again."
            .to_owned()
    })?;
    Ok((text, version))
}

pub(super) async fn save_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    let saved = async {
        let context = SectionContext::load(&state, &signed_in, &path).await?;
        save_text(&state, &signed_in, context, &form, None).await
    };
    saved.await.map_err(|error| error.keeping(form.typed()))
}

/// `?inline=1`: the preview asked for by the page's script, which wants only the rendered text.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PreviewQuery {
    inline: String,
}

/// The edit form's "Preview" button: the section page with the text typed shown as it will
/// look, in place of the current text, and kept in the box (and as the person's draft); nothing
/// is saved. With `?inline=1` (the script), only the rendered text.
pub(super) async fn preview(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Query(query): Query<PreviewQuery>,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    let previewed = async {
        let context = SectionContext::load(&state, &signed_in, &path).await?;
        let facts = context.facts();
        let principal = signed_in.user.principal();
        if !rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id) {
            return Err(AppError::Forbidden);
        }
        let text = match SectionText::parse(&form.text) {
            Ok(text) => text,
            Err(message) => {
                let problem = PageProblem {
                    draft: Some(form.text.clone()),
                    ..PageProblem::message("text", &message)
                };
                return problem_page(&state, &signed_in, context, problem).await;
            }
        };
        if query.inline == "1" {
            return page::fragment(render_off_thread(text.as_str()).await?);
        }
        let based_on = form.version.parse().unwrap_or(context.section.version);
        keep_refused(
            &state,
            &signed_in,
            context.section.id,
            text.as_str(),
            based_on,
        )
        .await;
        let problem = PageProblem {
            draft: Some(form.text.clone()),
            preview: true,
            ..PageProblem::default()
        };
        preview_page(&state, &signed_in, context, problem, based_on).await
    };
    previewed.await.map_err(|error| error.keeping(form.typed()))
}

/// Saves the text of the section's edit form and, when the form also answered "Have you
/// completed this section?" (`answer`: the "Continue" button of the same form), the answer,
/// in the same transaction: answering never throws away what was typed, and a save and a
/// status change exclude each other on the section's row as ever. A save refused (422, or 409
/// when someone else saved first or the plan went into sign-off) keeps the text as the
/// person's draft; a save that succeeds deletes their draft.
pub(super) async fn save_text(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    form: &TextForm,
    answer: Option<Answer>,
) -> Result<Response, AppError> {
    let facts = context.facts();
    let principal = signed_in.user.principal();
    if !rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id) {
        return Err(AppError::Forbidden);
    }
    let path = context.path();
    // The version the text was typed on, for the draft kept if the save is refused.
    let based_on = form.version.parse().unwrap_or(context.section.version);
    let keep = |section_id| keep_refused(state, signed_in, section_id, &form.text, based_on);
    let refuse = |context: SectionContext, message: &str| {
        let problem = PageProblem {
            draft: Some(form.text.clone()),
            ..PageProblem::message("text", message)
        };
        async move {
            keep(context.section.id).await;
            problem_page(state, signed_in, context, problem).await
        }
    };
    let (text, version) = match parse_edit(form, context.section.status) {
        Ok(edit) => edit,
        Err(message) => return refuse(context, &message).await,
    };
    if let Some(answer) = &answer
        && typed_nothing(state, &context, &text, version).await?
    {
        // Only the answer is new: no revision for an unchanged text.
        return status::answer_only(state, signed_in, context, answer).await;
    }
    // Worked out before the row is locked: the audit record counts the words changed.
    let changes = diff::words_off_thread(&context.section.body, text.as_str()).await?;
    let (added, removed) = diff::stats(&changes);
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    if let Err(refused) = context.ask_guard(&mut change).await {
        drop(change);
        keep(context.section.id).await;
        return Err(refused);
    }
    let save = TextSave {
        body: text.as_str(),
        author_id: signed_in.user.id,
        at: now,
        restored_from: None,
    };
    let new_version =
        match store::save_section_text(change.db(), context.section.id, version, &save).await? {
            Saved::Version(number) => number,
            Saved::Closed => {
                drop(change);
                // Completed since the page was loaded: show it as it is now.
                let context = SectionContext::load(state, signed_in, &path).await?;
                return refuse(context, COMPLETED).await;
            }
            Saved::Stale => {
                drop(change);
                keep(context.section.id).await;
                // Read again: the page was loaded before someone else's save.
                let context = SectionContext::load(state, signed_in, &path).await?;
                let theirs = Theirs {
                    what: "this section".to_owned(),
                    action: context.url(),
                    body: context.section.body.clone(),
                    by: last_change(&context.section.updated_by, context.section.updated_at),
                    version: context.section.version,
                };
                return conflict(signed_in, context, text.as_str(), theirs).await;
            }
        };
    store::delete_draft(change.db(), signed_in.user.id, context.section.id).await?;
    let saved = Event::new(actor(signed_in), "section.saved", "plan_section")
        .target(context.section.id)
        .area(facts.area_id)
        .details(json!({
            "section": context.section.key,
            "revision": new_version,
            "words_added": added,
            "words_removed": removed,
        }));
    let Some(answer) = answer else {
        change.commit(&saved).await?;
        return Ok(see_done(&context.url(), Done::Saved));
    };
    // The row is locked by the save and not completed, so the answer takes effect unless the
    // lead's "yes" finds a contribution changed since they loaded the page.
    let status = status_after_answer(answer.completed, rules::is_lead(&principal, facts.area_id));
    let moved = status::move_answer(
        state,
        signed_in,
        &context,
        &mut change,
        &answer,
        status,
        true,
    )
    .await?;
    match moved {
        Moved::Moved => {
            change.record(&saved).await?;
            let comment = answer.comment.as_deref();
            let event = status::status_event(signed_in, &context, status, comment);
            change.commit(&event).await?;
            let done = status::done_for(status, comment.is_some(), true);
            Ok(see_done(&context.plan_url(), done))
        }
        // Not reachable while the save holds the row open; if it were, the text still counts.
        Moved::StatusChanged => {
            change.commit(&saved).await?;
            Ok(see_done(&context.url(), Done::Saved))
        }
        Moved::ContentChanged => {
            change.commit(&saved).await?;
            status::changed_since_seen(state, signed_in, &context, true).await
        }
    }
}

/// Whether `text` is what the person's page showed (the text of `version`), so that they
/// typed nothing: the current text when the form is up to date, else that revision's.
async fn typed_nothing(
    state: &AppState,
    context: &SectionContext,
    text: &SectionText,
    version: i32,
) -> Result<bool, AppError> {
    if version == context.section.version {
        return Ok(text.as_str() == context.section.body);
    }
    let shown = if version == 0 {
        Some(String::new())
    } else {
        store::revision_bodies(&state.pool, context.section.id, None, [version, version])
            .await?
            .into_iter()
            .next()
            .map(|(_, body)| body)
    };
    Ok(shown.is_some_and(|shown| shown == text.as_str()))
}

/// Keeps the text of a refused save as the person's draft of the section, to be offered back
/// from any browser. A failure is logged, not shown: the page refusing the save shows the text
/// all the same.
pub(super) async fn keep_refused(
    state: &AppState,
    signed_in: &SignedIn,
    section_id: PlanSectionId,
    raw: &str,
    based_on: i32,
) {
    let Ok(text) = SectionText::parse(raw) else {
        // Too long to keep: the refusal page shows it to copy.
        return;
    };
    let kept = store::keep_draft(
        &state.pool,
        signed_in.user.id,
        section_id,
        text.as_str(),
        based_on,
        state.clock.now(),
    )
    .await;
    if let Err(error) = kept {
        tracing::warn!(error = %error, "could not keep the refused text as a draft");
    }
}
