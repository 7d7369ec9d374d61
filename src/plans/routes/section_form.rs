//! The section's one form (issue 13, item 1): the shared text's box, the reader's own
//! organisation's contribution box and "Have you completed this section?" belong to one form
//! (whichever of them the person may use), and each of its buttons sends everything in it.
//! "Save the text", "Save the contribution" and "Continue" each save what was typed in either
//! box (the button's own box always; the other when it holds something new), with the answer
//! for "Continue", in one transaction: no button throws away what was typed in another box.
//! A refusal (422 by the field) keeps both texts on the page and, where something new was typed,
//! as the person's drafts; a conflict on either box (409) saves neither, shows that box's
//! conflict page and keeps the other as a draft, which that page mentions.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::comments::parse_comment;
use super::contributions::{self, contribution_theirs};
use super::section_page::{PageProblem, TypedContribution, preview_page, problem_page};
use super::section_text::{
    COMPLETED, Theirs, conflict, keep_refused, parse_edit, text_theirs, unchanged,
};
use super::status::{self, Answer};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::diff;
use crate::plans::markdown::render_off_thread;
use crate::plans::rules::{self, status_after_answer};
use crate::plans::section::{SectionStatus, SectionText};
use crate::plans::store::{self, Contribution, Moved, Saved, TextSave};
use crate::web::AppError;
use crate::web::banner::{done_url, see_done};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::Typed;
use crate::web::page::{self, see_other};

/// The section form's fields. Each box is absent when it is not on the person's page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SectionForm {
    /// The shared text.
    pub text: Option<String>,
    /// The shared text's version the box was loaded with.
    pub version: String,
    /// The reader's organisation's contribution.
    pub contribution_text: Option<String>,
    /// The contribution's version the box was loaded with (0 before its first save).
    pub contribution_version: String,
    /// Whose contribution the box holds (the reader's organisation).
    pub contribution_organisation: String,
    /// The answer to "Have you completed this section?": "yes" or "no".
    pub completed: String,
    /// The content revision the page showed (`Section::content_version`): a lead's "yes" is
    /// refused if anyone saved the text or a contribution since.
    pub seen: String,
    /// What needs changing, when a lead sends a section waiting for review back.
    pub review_comment: String,
}

impl SectionForm {
    /// What was typed, to show back if the request cannot be carried out at all.
    fn typed(&self) -> Typed {
        let answer = match self.completed.as_str() {
            "yes" => "Yes",
            "no" => "No",
            _ => "",
        };
        Typed::text("Your text", self.text.as_deref().unwrap_or_default())
            .and(
                "Your organisation's contribution",
                self.contribution_text.as_deref().unwrap_or_default(),
            )
            .and("What needs changing", &self.review_comment)
            .and("Have you completed this section?", answer)
    }
}

/// The button the form was sent with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Button {
    SaveText,
    SaveContribution(OrganisationId),
    Continue,
}

/// The contribution path's parameters: area slug, plan key, section key, organisation.
type ContributionPath = (String, String, String, OrganisationId);

/// "Save the text" (and the conflict page's "Save my text").
pub(super) async fn save_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    submit(&state, &signed_in, &path, &form, Button::SaveText).await
}

/// "Continue": the answer to "Have you completed this section?".
pub(super) async fn answer_completed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    submit(&state, &signed_in, &path, &form, Button::Continue).await
}

/// "Save the contribution" (and the conflict page's "Save my text" for a contribution).
pub(super) async fn save_contribution(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, section_key, organisation_id)): Path<ContributionPath>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    let path = (slug, plan_key, section_key);
    let button = Button::SaveContribution(organisation_id);
    submit(&state, &signed_in, &path, &form, button).await
}

async fn submit(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    form: &SectionForm,
    button: Button,
) -> Result<Response, AppError> {
    submitted(state, signed_in, path, form, button)
        .await
        .map_err(|error| error.keeping(form.typed()))
}

/// What was sent in the form's boxes, as typed: kept as the person's drafts and shown back when
/// the request is refused.
struct Sent<'a> {
    /// The shared text and the version it was typed on.
    text: Option<(&'a str, Option<i32>)>,
    /// The contribution: whose, the text, the version it was typed on.
    contribution: Option<(OrganisationId, &'a str, Option<i32>)>,
    /// Whether each box holds something other than its saved text (only those are kept as
    /// drafts: keeping an untouched box would overwrite a draft offered but not restored).
    text_new: bool,
    contribution_new: bool,
    review_comment: &'a str,
}

/// Whether the text sent in a box differs from `saved` (line endings as the browser sends
/// them aside).
fn differs(raw: &str, saved: &str) -> bool {
    raw.replace("\r\n", "\n") != saved
}

impl Sent<'_> {
    /// Keeps each text sent as the person's draft (the rights to write them were checked).
    async fn keep_drafts(&self, state: &AppState, signed_in: &SignedIn, context: &SectionContext) {
        let section = &context.section;
        if let Some((raw, version)) = self.text
            && self.text_new
        {
            let based_on = version.unwrap_or(section.version);
            keep_refused(state, signed_in, section.id, None, raw, based_on).await;
        }
        if let Some((organisation_id, raw, version)) = self.contribution
            && self.contribution_new
        {
            let based_on = version.unwrap_or_default();
            keep_refused(
                state,
                signed_in,
                section.id,
                Some(organisation_id),
                raw,
                based_on,
            )
            .await;
        }
    }

    /// The page with every text sent kept in its box.
    fn kept(&self) -> PageProblem {
        PageProblem {
            draft: self.text.map(|(raw, _)| raw.to_owned()),
            version: self.text.and_then(|(_, version)| version),
            contribution: self.contribution.map(|(organisation_id, raw, version)| {
                TypedContribution {
                    organisation_id,
                    text: raw.to_owned(),
                    version,
                }
            }),
            review_comment: Some(self.review_comment.to_owned()),
            ..PageProblem::default()
        }
    }

    /// The page's problem: `message` by `field`, with every text sent kept in its box.
    fn problem(&self, field: String, message: &str) -> PageProblem {
        PageProblem {
            errors: PageProblem::message(field, message).errors,
            ..self.kept()
        }
    }

    /// The section page again (422) with `message` by `field`, everything typed kept.
    async fn refuse(
        &self,
        state: &AppState,
        signed_in: &SignedIn,
        context: SectionContext,
        field: impl Into<String>,
        message: &str,
    ) -> Result<Response, AppError> {
        self.keep_drafts(state, signed_in, &context).await;
        let problem = self.problem(field.into(), message);
        problem_page(state, signed_in, context, problem).await
    }
}

/// A box's text parsed, the version it was typed on, and whether it is saved.
struct Edit {
    text: SectionText,
    version: i32,
    save: bool,
}

async fn submitted(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    form: &SectionForm,
    button: Button,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    let principal = signed_in.user.principal();
    let facts = context.facts();
    let may_write_text =
        rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id);
    let text_sent = match (button, form.text.as_deref()) {
        (Button::SaveText, _) if !may_write_text => return Err(AppError::Forbidden),
        // "Save the text" always saves the box, an emptied one included.
        (Button::SaveText, raw) => Some(raw.unwrap_or_default()),
        // A text box the person may no longer write (the section was assigned elsewhere since
        // the page was loaded) does not stop another box's save if nothing was typed in it.
        (_, Some(raw)) if !may_write_text => {
            if differs(raw, &context.section.body) {
                return Err(AppError::Forbidden);
            }
            None
        }
        (_, raw) => raw,
    };
    let contribution = sent_contribution(state, signed_in, &context, form, button).await?;
    if button == Button::Continue && !rules::may_answer(&principal, facts) {
        return Err(AppError::Forbidden);
    }
    let contribution_raw = form.contribution_text.as_deref().unwrap_or_default();
    let sent = Sent {
        text: text_sent.map(|raw| (raw, form.version.parse().ok())),
        contribution: contribution.as_ref().map(|current| {
            let version = form.contribution_version.parse().ok();
            (current.organisation_id, contribution_raw, version)
        }),
        text_new: text_sent.is_some_and(|raw| differs(raw, &context.section.body)),
        contribution_new: contribution
            .as_ref()
            .is_some_and(|current| differs(contribution_raw, &current.body)),
        review_comment: &form.review_comment,
    };

    let is_lead = rules::is_lead(&principal, facts.area_id);
    let answer = if button == Button::Continue {
        let completed = match form.completed.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                let message = "Select whether you have completed this section";
                return sent
                    .refuse(state, signed_in, context, "completed", message)
                    .await;
            }
        };
        // A lead's "no" with a comment typed keeps the comment even when the section stopped
        // waiting for review after their page was loaded (another lead sent it back first).
        let typed_comment = is_lead && !completed && !form.review_comment.trim().is_empty();
        let comment =
            if rules::is_send_back(is_lead, context.section.status, completed) || typed_comment {
                match parse_comment(&form.review_comment) {
                    Ok(comment) => Some(comment),
                    Err(_) if form.review_comment.trim().is_empty() => {
                        let message = "Say what needs changing before you send the section back";
                        return sent
                            .refuse(state, signed_in, context, "review-comment", message)
                            .await;
                    }
                    Err(message) => {
                        return sent
                            .refuse(state, signed_in, context, "review-comment", &message)
                            .await;
                    }
                }
            } else {
                None
            };
        Some(Answer {
            completed,
            seen: form.seen.parse().ok(),
            comment,
        })
    } else if is_lead
        && context.section.status == SectionStatus::ReadyForReview
        && !form.review_comment.trim().is_empty()
    {
        // A save button pressed with "What needs changing" written: the comment is only sent
        // with "Continue", so nothing is saved rather than the comment silently left behind.
        let message = "You have written what needs changing: to send the section back with it, choose \"No, send it back for changes\" and press Continue, or empty the box to save without it";
        return sent
            .refuse(state, signed_in, context, "review-comment", message)
            .await;
    } else {
        None
    };

    let status = context.section.status;
    let text_edit = match text_sent {
        None => None,
        Some(raw) => match parse_edit(raw, &form.version, status) {
            Err(message) => {
                return sent
                    .refuse(state, signed_in, context, "text", &message)
                    .await;
            }
            Ok((text, version)) => {
                let save = button == Button::SaveText
                    || !unchanged(state, &context, None, text.as_str(), version).await?;
                Some(Edit {
                    text,
                    version,
                    save,
                })
            }
        },
    };
    let contribution_edit = match &contribution {
        None => None,
        Some(current) => {
            let field = contributions::field(current.organisation_id);
            match parse_edit(contribution_raw, &form.contribution_version, status) {
                Err(message) => {
                    return sent
                        .refuse(state, signed_in, context, field, &message)
                        .await;
                }
                Ok((text, version)) => {
                    let save = button == Button::SaveContribution(current.organisation_id)
                        || !unchanged(state, &context, Some(current), text.as_str(), version)
                            .await?;
                    Some(Edit {
                        text,
                        version,
                        save,
                    })
                }
            }
        }
    };

    // Worked out before the row is locked: the audit record counts the words changed.
    let text_stats = match &text_edit {
        Some(edit) if edit.save => {
            let changes = diff::words_off_thread(&context.section.body, edit.text.as_str()).await?;
            Some(diff::stats(&changes))
        }
        _ => None,
    };
    let now = state.clock.now();
    let user = signed_in.user.id;
    let section_id = context.section.id;
    let mut change = Change::begin(&state.pool, now).await?;
    if let Err(refused) = context.ask_guard(&mut change).await {
        drop(change);
        sent.keep_drafts(state, signed_in, &context).await;
        return Err(refused);
    }
    let mut events = Vec::new();
    if let (Some(edit), Some((added, removed))) = (&text_edit, text_stats) {
        let save = TextSave {
            body: edit.text.as_str(),
            author_id: user,
            at: now,
            restored_from: None,
        };
        match store::save_section_text(change.db(), section_id, edit.version, &save).await? {
            Saved::Version(revision) => {
                store::delete_draft(change.db(), user, section_id).await?;
                events.push(
                    Event::new(actor(signed_in), "section.saved", "plan_section")
                        .target(section_id)
                        .area(facts.area_id)
                        .details(json!({
                            "section": context.section.key,
                            "revision": revision,
                            "words_added": added,
                            "words_removed": removed,
                        })),
                );
            }
            Saved::Closed => {
                drop(change);
                // Completed since the page was loaded: show it as it is now.
                let context = SectionContext::load(state, signed_in, path).await?;
                return sent
                    .refuse(state, signed_in, context, "text", COMPLETED)
                    .await;
            }
            Saved::Stale => {
                drop(change);
                sent.keep_drafts(state, signed_in, &context).await;
                // Read again: the page was loaded before someone else's save.
                let context = SectionContext::load(state, signed_in, path).await?;
                let mut theirs = text_theirs(&context);
                if sent.contribution_new {
                    theirs.also_kept = "your organisation's contribution";
                }
                return conflict(signed_in, context, edit.text.as_str(), theirs).await;
            }
        }
    }
    if let (Some(edit), Some(current)) = (&contribution_edit, &contribution)
        && edit.save
    {
        let organisation_id = current.organisation_id;
        let save = TextSave {
            body: edit.text.as_str(),
            author_id: user,
            at: now,
            restored_from: None,
        };
        let saved = store::save_contribution(
            change.db(),
            section_id,
            organisation_id,
            edit.version,
            &save,
        )
        .await?;
        match saved {
            Saved::Version(revision) => {
                store::delete_contribution_draft(change.db(), user, section_id, organisation_id)
                    .await?;
                events.push(
                    Event::new(actor(signed_in), "contribution.saved", "contribution")
                        .target(format!("{section_id}:{organisation_id}"))
                        .area(facts.area_id)
                        .details(json!({
                            "section": context.section.key,
                            "organisation_id": organisation_id,
                            "revision": revision,
                        })),
                );
            }
            Saved::Closed => {
                drop(change);
                let context = SectionContext::load(state, signed_in, path).await?;
                let field = contributions::field(organisation_id);
                return sent
                    .refuse(state, signed_in, context, field, COMPLETED)
                    .await;
            }
            Saved::Stale => {
                drop(change);
                sent.keep_drafts(state, signed_in, &context).await;
                let now =
                    contributions::current(state, signed_in, &context, organisation_id).await?;
                let mut theirs: Theirs = contribution_theirs(&context, now);
                if sent.text_new {
                    theirs.also_kept = "the section's text";
                }
                return conflict(signed_in, context, edit.text.as_str(), theirs).await;
            }
        }
    }
    let text_saved = text_edit.as_ref().is_some_and(|edit| edit.save);
    let contribution_saved = contribution_edit.as_ref().is_some_and(|edit| edit.save);
    let saves = i32::from(text_saved) + i32::from(contribution_saved);
    let Some(answer) = answer else {
        let done_at = match (button, text_saved, contribution_saved) {
            (_, true, true) => see_done(&context.url(), Done::SavedBoth),
            (Button::SaveContribution(organisation_id), _, _) => see_other(&done_url(
                &context.url(),
                Done::Contribution,
                Some(&contributions::field(organisation_id)),
            )),
            _ => see_done(&context.url(), Done::Saved),
        };
        commit(change, &events).await?;
        return Ok(done_at);
    };
    // The section's row is locked by any save and it is not completed, so the answer takes
    // effect unless the lead's "yes" finds the content changed since they loaded the page
    // (beyond this request's own saves).
    let to = status_after_answer(answer.completed, is_lead);
    let moved =
        status::move_answer(state, signed_in, &context, &mut change, &answer, to, saves).await?;
    match moved {
        Moved::Moved => {
            let comment = answer.comment.as_deref();
            events.push(status::status_event(signed_in, &context, to, comment));
            commit(change, &events).await?;
            let done = status::done_for(to, comment.is_some(), saves > 0);
            Ok(see_done(&context.plan_url(), done))
        }
        // Completed already (perhaps a moment ago): only reopening changes it now. Not
        // reachable with a save in the same request, which holds the row open; if it were,
        // what was typed still counts.
        Moved::StatusChanged if saves == 0 => Ok(see_other(&context.url())),
        Moved::StatusChanged => {
            commit(change, &events).await?;
            Ok(see_done(&context.url(), Done::Saved))
        }
        Moved::ContentChanged => {
            if saves > 0 {
                commit(change, &events).await?;
            } else {
                drop(change);
            }
            status::changed_since_seen(state, signed_in, &context, saves > 0).await
        }
    }
}

/// The contribution the form sent, checked against the rules: the button's, or the one whose
/// box was on the page (the reader's organisation's), as it stands now.
async fn sent_contribution(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    form: &SectionForm,
    button: Button,
) -> Result<Option<Contribution>, AppError> {
    let organisation_id = match button {
        Button::SaveContribution(organisation_id) => organisation_id,
        _ if form.contribution_text.is_some() => form
            .contribution_organisation
            .parse::<i64>()
            .map(OrganisationId::new)
            .map_err(|_| AppError::NotFound)?,
        _ => return Ok(None),
    };
    let facts = context.facts();
    if !context.section.per_organisation {
        return Err(AppError::NotFound);
    }
    let principal = signed_in.user.principal();
    if !rules::may_write_contribution(&principal, facts.area_id, organisation_id) {
        return Err(AppError::Forbidden);
    }
    contributions::current(state, signed_in, context, organisation_id)
        .await
        .map(Some)
}

/// `?inline=1`: the preview asked for by the page's script, which wants only the rendered text.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PreviewQuery {
    inline: String,
}

/// The form's "Preview" button: the section page with the shared text typed shown as it will
/// look, in place of the current text, and kept in the box (and as the person's draft), the
/// contribution typed kept in its box too; nothing is saved. With `?inline=1` (the script),
/// only the rendered text.
pub(super) async fn preview(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Query(query): Query<PreviewQuery>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    previewed(&state, &signed_in, &path, &query, &form)
        .await
        .map_err(|error| error.keeping(form.typed()))
}

async fn previewed(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    query: &PreviewQuery,
    form: &SectionForm,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    let facts = context.facts();
    let principal = signed_in.user.principal();
    if !rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id) {
        return Err(AppError::Forbidden);
    }
    let contribution =
        sent_contribution(state, signed_in, &context, form, Button::Continue).await?;
    let raw = form.text.as_deref().unwrap_or_default();
    let contribution_raw = form.contribution_text.as_deref().unwrap_or_default();
    let sent = Sent {
        text: Some((raw, form.version.parse().ok())),
        contribution: contribution.as_ref().map(|current| {
            let version = form.contribution_version.parse().ok();
            (current.organisation_id, contribution_raw, version)
        }),
        text_new: differs(raw, &context.section.body),
        contribution_new: contribution
            .as_ref()
            .is_some_and(|current| differs(contribution_raw, &current.body)),
        review_comment: &form.review_comment,
    };
    let text = match SectionText::parse(raw) {
        Ok(text) => text,
        Err(message) => {
            return sent
                .refuse(state, signed_in, context, "text", &message)
                .await;
        }
    };
    if query.inline == "1" {
        return page::fragment(render_off_thread(text.as_str()).await?);
    }
    sent.keep_drafts(state, signed_in, &context).await;
    let based_on = form.version.parse().unwrap_or(context.section.version);
    let problem = PageProblem {
        preview: true,
        ..sent.kept()
    };
    preview_page(state, signed_in, context, problem, based_on).await
}

/// Records the events of what was saved and commits them (nothing is committed without one).
async fn commit(mut change: Change, events: &[Event]) -> Result<(), AppError> {
    let Some((last, earlier)) = events.split_last() else {
        return Ok(());
    };
    for event in earlier {
        change.record(event).await?;
    }
    change.commit(last).await?;
    Ok(())
}
