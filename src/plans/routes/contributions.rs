//! Saving a partner organisation's contribution to a section where each partner writes its own
//! part.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::section_page::{PageProblem, problem_page};
use super::section_text::{COMPLETED, TextForm, Theirs, conflict, parse_edit};
use super::{Done, SectionContext, SectionPath, last_change};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::rules;
use crate::plans::store::{self, Contribution, Saved, TextSave};
use crate::web::AppError;
use crate::web::banner::done_url;
use crate::web::extract::{Form, Path};
use crate::web::page::see_other;

/// The contribution path's parameters: area slug, plan key, section key, organisation.
type ContributionPath = (String, String, String, OrganisationId);

pub(super) async fn save_contribution(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, section_key, organisation_id)): Path<ContributionPath>,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    let path = (slug, plan_key, section_key);
    save(&state, &signed_in, &path, organisation_id, &form)
        .await
        .map_err(|error| error.keeping(form.typed()))
}

/// The organisation's contribution as it stands (a section's partners only).
async fn current(
    state: &AppState,
    context: &SectionContext,
    organisation_id: OrganisationId,
) -> Result<Contribution, AppError> {
    store::contributions(&state.pool, context.area.id, context.section.id)
        .await?
        .into_iter()
        .find(|contribution| contribution.organisation_id == organisation_id)
        .ok_or(AppError::NotFound)
}

async fn save(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    organisation_id: OrganisationId,
    form: &TextForm,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    let area_id = context.area.id;
    if !context.section.per_organisation {
        return Err(AppError::NotFound);
    }
    if !rules::may_write_contribution(&signed_in.user.principal(), area_id, organisation_id) {
        return Err(AppError::Forbidden);
    }
    current(state, &context, organisation_id).await?;
    let field = format!("contribution-{organisation_id}");
    let refuse = |context, message: &str| {
        let problem = PageProblem {
            contribution: Some((organisation_id, form.text.clone())),
            ..PageProblem::message(field.clone(), message)
        };
        problem_page(state, signed_in, context, problem)
    };
    let (text, version) = match parse_edit(form, context.section.status) {
        Ok(edit) => edit,
        Err(message) => return refuse(context, &message).await,
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context.ask_guard(&mut change).await?;
    let save = TextSave {
        body: text.as_str(),
        author_id: signed_in.user.id,
        at: now,
        restored_from: None,
    };
    let saved = store::save_contribution(
        change.db(),
        context.section.id,
        organisation_id,
        version,
        &save,
    )
    .await?;
    let new_version = match saved {
        Saved::Version(number) => number,
        Saved::Closed => {
            drop(change);
            // Completed since the page was loaded: show it as it is now, with the text typed.
            let context = SectionContext::load(state, signed_in, path).await?;
            return refuse(context, COMPLETED).await;
        }
        Saved::Stale => {
            drop(change);
            let current = current(state, &context, organisation_id).await?;
            let theirs = Theirs {
                what: format!("{}'s contribution", current.organisation),
                action: format!("{}/contributions/{organisation_id}", context.url()),
                body: current.body,
                by: last_change(&current.updated_by, current.updated_at),
                version: current.version,
            };
            return conflict(signed_in, context, text.as_str(), theirs).await;
        }
    };
    change
        .commit(
            &Event::new(actor(signed_in), "contribution.saved", "contribution")
                .target(format!("{}:{organisation_id}", context.section.id))
                .area(area_id)
                .details(json!({
                    "section": context.section.key,
                    "organisation_id": organisation_id,
                    "revision": new_version,
                })),
        )
        .await?;
    Ok(see_other(&done_url(
        &context.url(),
        Done::Contribution,
        Some(&field),
    )))
}
