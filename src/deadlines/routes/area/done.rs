//! A deadline recorded done by hand (where its rule allows: a national one, or a local one met
//! by hand), with the day it was done and a note; and undone. A second "done" (a double click,
//! or two leads at once) is recorded once and says so.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Done, deadlines_url, managed_area, today};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::deadlines::forms::DoneForm;
use crate::deadlines::model::{Deadline, DeadlineRef};
use crate::deadlines::store;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path, Query};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, Layout, format, page};

#[derive(Template)]
#[template(path = "deadlines/area_done.html")]
struct DonePage {
    layout: Layout,
    area: AreaSummary,
    errors: FormErrors,
    form: DoneForm,
    title: String,
    due: String,
    rule: &'static str,
    back: String,
}

/// The area's deadline named by `reference`, if it may be recorded done by hand.
async fn by_hand(
    state: &AppState,
    area: &AreaSummary,
    reference: &str,
) -> Result<(DeadlineRef, Deadline), AppError> {
    let reference = DeadlineRef::parse(reference.trim()).ok_or(AppError::NotFound)?;
    let area_id = area.id.get();
    let deadline = crate::deadlines::of_areas(&state.pool, &state.structures, &[area_id])
        .await?
        .remove(&area_id)
        .unwrap_or_default()
        .into_iter()
        .find(|deadline| deadline.reference == reference && deadline.rule.by_hand())
        .ok_or(AppError::NotFound)?;
    Ok((reference, deadline))
}

fn done_page(
    signed_in: &SignedIn,
    area: AreaSummary,
    deadline: &Deadline,
    form: DoneForm,
    errors: FormErrors,
) -> DonePage {
    DonePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        back: deadlines_url(&area),
        area,
        errors,
        form,
        title: deadline.title.clone(),
        due: format::date(deadline.due),
        rule: deadline.rule.words(),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct WhichDeadline {
    deadline: String,
}

pub(super) async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(which): Query<WhichDeadline>,
) -> Result<Response, AppError> {
    let area = managed_area(&state, &signed_in, &slug).await?;
    let (reference, deadline) = by_hand(&state, &area, &which.deadline).await?;
    let form = DoneForm::new(&reference.text(), today(&state));
    page::ok(&done_page(
        &signed_in,
        area,
        &deadline,
        form,
        FormErrors::new(),
    ))
}

pub(super) async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<DoneForm>,
) -> Result<Response, AppError> {
    let typed = Typed::text("Note", &form.note);
    record_done(&state, &signed_in, &slug, form)
        .await
        .map_err(|error| error.keeping(typed))
}

async fn record_done(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    form: DoneForm,
) -> Result<Response, AppError> {
    let area = managed_area(state, signed_in, slug).await?;
    let (reference, deadline) = by_hand(state, &area, &form.deadline).await?;
    let input = match form.parse(today(state)) {
        Ok(input) => input,
        Err(errors) => {
            return page::unprocessable(&done_page(signed_in, area, &deadline, form, errors));
        }
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let recorded = store::record_done(
        change.db(),
        area.id.get(),
        &reference,
        input.on,
        &input.note,
        signed_in.user.id,
        at,
    )
    .await?;
    let Some(id) = recorded else {
        drop(change);
        return Ok(see_done(&deadlines_url(&area), Done::AlreadyRecorded));
    };
    change
        .commit(
            &Event::new(actor(signed_in), "deadline.done_recorded", "deadline_done")
                .target(id)
                .area(area.id)
                .details(json!({
                    "deadline": reference.text(),
                    "title": deadline.title,
                    "done_on": input.on.to_string(),
                    "note": input.note,
                })),
        )
        .await?;
    Ok(see_done(&deadlines_url(&area), Done::Recorded))
}

pub(super) async fn undo(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(which): Form<WhichDeadline>,
) -> Result<Response, AppError> {
    let area = managed_area(&state, &signed_in, &slug).await?;
    let reference = DeadlineRef::parse(which.deadline.trim()).ok_or(AppError::NotFound)?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    if !store::undo_done(
        change.db(),
        area.id.get(),
        &reference,
        signed_in.user.id,
        at,
    )
    .await?
    {
        drop(change);
        return Ok(see_done(&deadlines_url(&area), Done::NotRecorded));
    }
    change
        .commit(
            &Event::new(actor(&signed_in), "deadline.done_undone", "deadline_done")
                .target(reference.text())
                .area(area.id)
                .details(json!({ "deadline": reference.text() })),
        )
        .await?;
    Ok(see_done(&deadlines_url(&area), Done::Undone))
}
