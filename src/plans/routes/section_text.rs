//! Saving a section's shared text, and what contributions share with it: the edit form, the
//! refusal of a save in a completed section, and the page shown when someone else saved first.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::section_page::{PageProblem, problem_page};
use super::{Done, SectionContext, SectionPath, last_change};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::diff;
use crate::plans::rules;
use crate::plans::section::{SectionStatus, SectionText};
use crate::plans::store::{self, PlanSummary, Saved, Section, TextSave};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
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
    save(&state, &signed_in, &path, &form)
        .await
        .map_err(|error| error.keeping(form.typed()))
}

async fn save(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    form: &TextForm,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    let facts = context.facts();
    if !rules::may_write_text(
        &signed_in.user.principal(),
        facts.area_id,
        facts.assigned_organisation_id,
    ) {
        return Err(AppError::Forbidden);
    }
    let refuse = |context, message: &str| {
        let problem = PageProblem {
            draft: Some(form.text.clone()),
            ..PageProblem::message("text", message)
        };
        problem_page(state, signed_in, context, problem)
    };
    let (text, version) = match parse_edit(form, context.section.status) {
        Ok(edit) => edit,
        Err(message) => return refuse(context, &message).await,
    };
    // Worked out before the row is locked: the audit record counts the words changed.
    let changes = diff::words_off_thread(&context.section.body, text.as_str()).await?;
    let (added, removed) = diff::stats(&changes);
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context.ask_guard(&mut change).await?;
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
                let context = SectionContext::load(state, signed_in, path).await?;
                return refuse(context, COMPLETED).await;
            }
            Saved::Stale => {
                drop(change);
                // Read again: the page was loaded before someone else's save.
                let context = SectionContext::load(state, signed_in, path).await?;
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
    change
        .commit(
            &Event::new(actor(signed_in), "section.saved", "plan_section")
                .target(context.section.id)
                .area(facts.area_id)
                .details(json!({
                    "section": context.section.key,
                    "revision": new_version,
                    "words_added": added,
                    "words_removed": removed,
                })),
        )
        .await?;
    Ok(see_done(&context.url(), Done::Saved))
}
