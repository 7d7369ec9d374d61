//! Partners' contributions to a section where each partner writes its own part: the one a
//! person may write is part of the section's form (saved by `section_form`); here, what the
//! other requests share about it, and its drafts kept on the server (like the shared text's, in
//! `drafts`: kept by the page's script while typing, offered back from any browser, discarded
//! on request).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::drafts::DraftForm;
use super::section_text::Theirs;
use super::{Done, SectionContext, SectionPath, last_change};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::auth::extract::SignedIn;
use crate::plans::rules;
use crate::plans::store::{self, Contribution};
use crate::web::AppError;
use crate::web::banner::done_url;
use crate::web::extract::{Form, Path};
use crate::web::page::see_other;

/// The contribution path's parameters: area slug, plan key, section key, organisation.
type ContributionPath = (String, String, String, OrganisationId);

/// The id of an organisation's contribution box on the section page (and of its error).
pub(super) fn field(organisation_id: OrganisationId) -> String {
    format!("contribution-{organisation_id}")
}

/// The organisation's contribution as it stands (a section's partners only).
pub(super) async fn current(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    organisation_id: OrganisationId,
) -> Result<Contribution, AppError> {
    let reader = Some(signed_in.user.id);
    store::contributions(&state.pool, context.area.id, context.section.id, reader)
        .await?
        .into_iter()
        .find(|contribution| contribution.organisation_id == organisation_id)
        .ok_or(AppError::NotFound)
}

/// The contribution as saved now, which a save conflicted with.
pub(super) fn contribution_theirs(context: &SectionContext, current: Contribution) -> Theirs {
    Theirs {
        what: format!("{}'s contribution", current.organisation),
        action: format!(
            "{}/contributions/{}",
            context.url(),
            current.organisation_id
        ),
        field_prefix: "contribution_",
        also_kept: "",
        by: last_change(&current.updated_by, current.updated_at),
        version: current.version,
        body: current.body,
    }
}

/// The section and the contribution, if the person may write it (whatever the section's
/// status: a draft typed while the lead completed it is kept for when it is reopened).
async fn writable(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, section_key, organisation_id): ContributionPath,
) -> Result<(SectionContext, Contribution), AppError> {
    let path: SectionPath = (slug, plan_key, section_key);
    let context = SectionContext::load(state, signed_in, &path).await?;
    if !context.section.per_organisation {
        return Err(AppError::NotFound);
    }
    let principal = signed_in.user.principal();
    if !rules::may_write_contribution(&principal, context.area.id, organisation_id) {
        return Err(AppError::Forbidden);
    }
    let contribution = current(state, signed_in, &context, organisation_id).await?;
    Ok((context, contribution))
}

/// Keeps the text as the person's draft of the contribution (204), or deletes their draft when
/// the text is the saved contribution (nothing is unsaved). Too long is refused (422).
pub(super) async fn keep_draft(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<ContributionPath>,
    Form(form): Form<DraftForm>,
) -> Result<Response, AppError> {
    let (context, contribution) = writable(&state, &signed_in, path).await?;
    let (text, based_on) = match form.parse() {
        Ok(parsed) => parsed,
        Err(message) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, message).into_response()),
    };
    let (user, section, organisation) = (
        signed_in.user.id,
        context.section.id,
        contribution.organisation_id,
    );
    if text.as_str() == contribution.body {
        store::delete_contribution_draft(&state.pool, user, section, organisation).await?;
    } else {
        let at = state.clock.now();
        let body = text.as_str();
        store::keep_contribution_draft(
            &state.pool,
            user,
            section,
            organisation,
            body,
            based_on,
            at,
        )
        .await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes the person's draft of the contribution, and goes back to it.
pub(super) async fn discard_draft(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<ContributionPath>,
) -> Result<Response, AppError> {
    let (context, contribution) = writable(&state, &signed_in, path).await?;
    let organisation_id = contribution.organisation_id;
    store::delete_contribution_draft(
        &state.pool,
        signed_in.user.id,
        context.section.id,
        organisation_id,
    )
    .await?;
    let url = done_url(
        &context.url(),
        Done::DraftDiscarded,
        Some(&field(organisation_id)),
    );
    Ok(see_other(&url))
}
