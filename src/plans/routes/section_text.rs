//! What saving a section's texts (the shared text and partners' contributions) shares: reading
//! a box of the section form, the refusal of a save in a completed section, whether anything
//! was typed, drafts kept from refused saves, and the page shown when someone else saved first.
//! The saving itself is `section_form`'s.

use askama::Template;
use axum::response::Response;

use super::{SectionContext, last_change};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::PlanSectionId;
use crate::plans::diff;
use crate::plans::section::{SectionStatus, SectionText};
use crate::plans::store::{self, Contribution, PlanSummary, Section};
use crate::web::{AppError, Layout, page};

/// Said by the box when a save is refused because the section is completed.
pub(super) const COMPLETED: &str = "This section is completed, so nothing was saved. Ask your area lead to reopen it before changing it; your text is below.";

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
    field_prefix: &'static str,
    also_kept: &'static str,
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
    /// The form's field names' prefix: "" for the shared text, "contribution_" for a
    /// contribution (the section form's names).
    pub field_prefix: &'static str,
    /// The other box of the section form, when it held new text that was not saved either
    /// (kept as a draft): "your organisation's contribution", "the section's text", or "".
    pub also_kept: &'static str,
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
        field_prefix: theirs.field_prefix,
        also_kept: theirs.also_kept,
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

/// The text and version of a box of the section form (`raw`, `version` as sent), or the message
/// to show by the box (which keeps the text either way).
pub(super) fn parse_edit(
    raw: &str,
    version: &str,
    status: SectionStatus,
) -> Result<(SectionText, i32), String> {
    if !status.is_open_for_editing() {
        return Err(COMPLETED.to_owned());
    }
    let text = SectionText::parse(raw)?;
    let version = version.parse::<i32>().map_err(|_| {
        "This form was out of date, so nothing was saved. Check the text below and save again."
            .to_owned()
    })?;
    Ok((text, version))
}

/// Whether `typed` is what the person's page showed in a box typed on `version` (so that they
/// typed nothing there): the shared text, or `contribution`'s. Compared with the current text
/// when the form is up to date, else with that revision's.
pub(super) async fn unchanged(
    state: &AppState,
    context: &SectionContext,
    contribution: Option<&Contribution>,
    typed: &str,
    version: i32,
) -> Result<bool, AppError> {
    let (organisation_id, body, current) = match contribution {
        Some(c) => (Some(c.organisation_id), c.body.as_str(), c.version),
        None => (None, context.section.body.as_str(), context.section.version),
    };
    if version == current {
        return Ok(typed == body);
    }
    let shown = if version == 0 {
        Some(String::new())
    } else {
        let section_id = context.section.id;
        store::revision_bodies(&state.pool, section_id, organisation_id, [version, version])
            .await?
            .into_iter()
            .next()
            .map(|(_, body)| body)
    };
    Ok(shown.is_some_and(|shown| shown == typed))
}

/// The shared text as saved now, which a save conflicted with.
pub(super) fn text_theirs(context: &SectionContext) -> Theirs {
    Theirs {
        what: "this section".to_owned(),
        action: context.url(),
        field_prefix: "",
        also_kept: "",
        body: context.section.body.clone(),
        by: last_change(&context.section.updated_by, context.section.updated_at),
        version: context.section.version,
    }
}

/// Keeps the text of a refused save (or a preview) as the person's draft of the section's
/// text, or of `organisation`'s contribution, to be offered back from any browser. A failure is
/// logged, not shown: the page refusing the save shows the text all the same.
pub(super) async fn keep_refused(
    state: &AppState,
    signed_in: &SignedIn,
    section_id: PlanSectionId,
    organisation: Option<OrganisationId>,
    raw: &str,
    based_on: i32,
) {
    let Ok(text) = SectionText::parse(raw) else {
        // Too long to keep: the refusal page shows it to copy.
        return;
    };
    let (user, body, at) = (signed_in.user.id, text.as_str(), state.clock.now());
    let kept = match organisation {
        None => store::keep_draft(&state.pool, user, section_id, body, based_on, at).await,
        Some(organisation_id) => {
            store::keep_contribution_draft(
                &state.pool,
                user,
                section_id,
                organisation_id,
                body,
                based_on,
                at,
            )
            .await
        }
    };
    if let Err(error) = kept {
        tracing::warn!(error = %error, "could not keep the refused text as a draft");
    }
}
