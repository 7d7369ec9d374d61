//! Drafts kept on the server: the page's script keeps what is typed in the section's text box
//! every few seconds (`keep_draft`, answered 204), and the person discards a draft they do not
//! want (`discard_draft`). Restoring one is a read: the section page with `?draft=restore`.
//! Neither writes an audit record: a draft is its writer's scratch text, not part of the plan
//! (see `store::drafts`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::auth::extract::SignedIn;
use crate::plans::rules;
use crate::plans::section::SectionText;
use crate::plans::store;
use crate::web::AppError;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DraftForm {
    pub text: String,
    /// The version the text was typed on (the edit form's).
    pub version: String,
}

impl DraftForm {
    /// The text and the version it was typed on, or what is wrong (answered 422, said plainly:
    /// the page's script sends these, not a person's form).
    pub fn parse(&self) -> Result<(SectionText, i32), String> {
        let text = SectionText::parse(&self.text)?;
        let based_on = self
            .version
            .parse::<i32>()
            .map_err(|_| "The version the text was typed on is missing".to_owned())?;
        Ok((text, based_on))
    }
}

/// The section, if the person may write its text (whatever its status: a draft typed while the
/// lead completed it is kept for when it is reopened).
async fn writable(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
) -> Result<SectionContext, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    let facts = context.facts();
    if !rules::may_write_text(
        &signed_in.user.principal(),
        facts.area_id,
        facts.assigned_organisation_id,
    ) {
        return Err(AppError::Forbidden);
    }
    Ok(context)
}

/// Keeps the text as the person's draft of the section (204), or deletes their draft when the
/// text is the saved text (nothing is unsaved). Text over the section limit is refused (422),
/// as a save would be; a body over the form limit is refused before this (413).
pub(super) async fn keep_draft(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<DraftForm>,
) -> Result<Response, AppError> {
    let context = writable(&state, &signed_in, &path).await?;
    let (text, based_on) = match form.parse() {
        Ok(parsed) => parsed,
        Err(message) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, message).into_response()),
    };
    let (user, section) = (signed_in.user.id, context.section.id);
    if text.as_str() == context.section.body {
        store::delete_draft(&state.pool, user, section).await?;
    } else {
        let at = state.clock.now();
        store::keep_draft(&state.pool, user, section, text.as_str(), based_on, at).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes the person's draft of the section, and goes back to it.
pub(super) async fn discard_draft(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
) -> Result<Response, AppError> {
    let context = writable(&state, &signed_in, &path).await?;
    store::delete_draft(&state.pool, signed_in.user.id, context.section.id).await?;
    Ok(see_done(&context.url(), Done::DraftDiscarded))
}
