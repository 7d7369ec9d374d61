//! The area lead's own deadlines: added, changed (with the version the form was made from, so
//! that a change made meanwhile is not overwritten: 409 keeping what was typed) and removed.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Done, deadlines_url, managed_area};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::deadlines::forms::{LocalForm, LocalInput};
use crate::deadlines::model::{LocalFacts, MetBy};
use crate::deadlines::store::{self, Changed, LocalDeadline};
use crate::plans::store::plans_of_areas;
use crate::web::banner::see_done;
use crate::web::choice::{Choice, keyed, prompted};
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, Layout, page};

#[derive(Template)]
#[template(path = "deadlines/area_form.html")]
struct FormPage {
    layout: Layout,
    area: AreaSummary,
    errors: FormErrors,
    form: LocalForm,
    action: String,
    back: String,
    heading: &'static str,
    button: &'static str,
    met_by: Vec<Choice>,
    plans: Vec<Choice>,
    /// Set on the 409 page: who changed it is not known, only that it changed.
    conflict: bool,
    /// The removal form's action, on the edit page.
    remove: Option<String>,
}

/// The area's plans, by id and name.
async fn plans_of(state: &AppState, area: &AreaSummary) -> Result<Vec<(i64, String)>, AppError> {
    Ok(plans_of_areas(&state.pool, &[area.id.get()])
        .await?
        .into_iter()
        .map(|plan| (plan.id.get(), plan.template_name))
        .collect())
}

fn form_page(
    signed_in: &SignedIn,
    area: AreaSummary,
    plans: &[(i64, String)],
    form: LocalForm,
    errors: FormErrors,
    editing: Option<i64>,
) -> FormPage {
    let back = deadlines_url(&area);
    let (action, heading, button, remove) = match editing {
        Some(id) => {
            let url = format!("{back}/local/{id}");
            (
                url.clone(),
                "Change a deadline",
                "Save the deadline",
                Some(format!("{url}/remove")),
            )
        }
        None => (
            format!("{back}/new"),
            "Add a deadline",
            "Add the deadline",
            None,
        ),
    };
    FormPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        errors,
        action,
        back,
        heading,
        button,
        met_by: keyed::<MetBy>(&form.met_by),
        plans: prompted(
            "No plan (met by hand)",
            plans.iter().map(|(id, name)| (*id, name.clone())),
            &form.plan,
        ),
        form,
        conflict: false,
        remove,
        area,
    }
}

/// The area's current local deadline `id`.
async fn find_local(
    state: &AppState,
    area: &AreaSummary,
    id: i64,
) -> Result<Option<LocalFacts>, AppError> {
    Ok(store::locals_of_areas(&state.pool, &[area.id.get()])
        .await?
        .into_iter()
        .find(|local| local.id == id))
}

fn input_of(local: &LocalFacts) -> LocalInput {
    LocalInput {
        title: local.title.clone(),
        due: local.due,
        met_by: local.met_by,
        plan_id: local.plan_id,
        notes: local.notes.clone(),
    }
}

fn stored(input: &LocalInput) -> LocalDeadline<'_> {
    LocalDeadline {
        title: &input.title,
        due: input.due,
        met_by: input.met_by,
        plan_id: input.plan_id,
        notes: &input.notes,
    }
}

fn details(input: &LocalInput) -> serde_json::Value {
    json!({
        "title": input.title,
        "due": input.due.to_string(),
        "met_by": input.met_by.key(),
        "plan_id": input.plan_id,
        "notes": input.notes,
    })
}

fn kept(form: &LocalForm) -> Typed {
    Typed::text("Title", &form.title).and("Notes", &form.notes)
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = managed_area(&state, &signed_in, &slug).await?;
    let plans = plans_of(&state, &area).await?;
    let form = LocalForm {
        met_by: MetBy::Manual.key().to_owned(),
        ..LocalForm::default()
    };
    page::ok(&form_page(
        &signed_in,
        area,
        &plans,
        form,
        FormErrors::new(),
        None,
    ))
}

pub(super) async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<LocalForm>,
) -> Result<Response, AppError> {
    let typed = kept(&form);
    add_local(&state, &signed_in, &slug, form)
        .await
        .map_err(|error| error.keeping(typed))
}

async fn add_local(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    form: LocalForm,
) -> Result<Response, AppError> {
    let area = managed_area(state, signed_in, slug).await?;
    let plans = plans_of(state, &area).await?;
    let ids: Vec<i64> = plans.iter().map(|(id, _)| *id).collect();
    let input = match form.parse(&ids) {
        Ok(input) => input,
        Err(errors) => {
            return page::unprocessable(&form_page(signed_in, area, &plans, form, errors, None));
        }
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let id = store::insert_local(
        change.db(),
        area.id.get(),
        &stored(&input),
        signed_in.user.id,
        at,
    )
    .await?;
    change
        .commit(
            &Event::new(actor(signed_in), "deadline.local_added", "local_deadline")
                .target(id)
                .area(area.id)
                .details(details(&input)),
        )
        .await?;
    Ok(see_done(&deadlines_url(&area), Done::Added))
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let area = managed_area(&state, &signed_in, &slug).await?;
    let local = find_local(&state, &area, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plans = plans_of(&state, &area).await?;
    let form = LocalForm::of(&input_of(&local), local.version);
    page::ok(&form_page(
        &signed_in,
        area,
        &plans,
        form,
        FormErrors::new(),
        Some(id),
    ))
}

pub(super) async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<LocalForm>,
) -> Result<Response, AppError> {
    let typed = kept(&form);
    change_local(&state, &signed_in, &slug, id, form)
        .await
        .map_err(|error| error.keeping(typed))
}

async fn change_local(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    id: i64,
    form: LocalForm,
) -> Result<Response, AppError> {
    let area = managed_area(state, signed_in, slug).await?;
    let version = form.version().ok_or(AppError::BadRequest)?;
    let plans = plans_of(state, &area).await?;
    let ids: Vec<i64> = plans.iter().map(|(id, _)| *id).collect();
    let input = match form.parse(&ids) {
        Ok(input) => input,
        Err(errors) => {
            return page::unprocessable(&form_page(
                signed_in,
                area,
                &plans,
                form,
                errors,
                Some(id),
            ));
        }
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    match store::update_local(change.db(), area.id.get(), id, version, &stored(&input)).await? {
        Changed::Done(new_version) => {
            change
                .commit(
                    &Event::new(actor(signed_in), "deadline.local_changed", "local_deadline")
                        .target(id)
                        .area(area.id)
                        .details(json!({ "to": details(&input), "version": new_version })),
                )
                .await?;
            Ok(see_done(&deadlines_url(&area), Done::Changed))
        }
        Changed::Stale => {
            drop(change);
            conflict(state, signed_in, area, &plans, id, form).await
        }
        Changed::Missing => Err(AppError::NotFound),
    }
}

/// The 409 page: the deadline changed since the form was made. What was typed is kept, with the
/// current version, so that saving again replaces the current one.
async fn conflict(
    state: &AppState,
    signed_in: &SignedIn,
    area: AreaSummary,
    plans: &[(i64, String)],
    id: i64,
    mut form: LocalForm,
) -> Result<Response, AppError> {
    let current = find_local(state, &area, id)
        .await?
        .ok_or(AppError::NotFound)?;
    form.version = current.version.to_string();
    let mut page = form_page(signed_in, area, plans, form, FormErrors::new(), Some(id));
    page.conflict = true;
    page::conflict(&page)
}

/// The removal: the version the edit page was made from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RemoveForm {
    version: String,
}

pub(super) async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let area = managed_area(&state, &signed_in, &slug).await?;
    let version: i32 = form
        .version
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest)?;
    let Some(local) = find_local(&state, &area, id).await? else {
        return Err(AppError::NotFound);
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    match store::remove_local(
        change.db(),
        area.id.get(),
        id,
        version,
        signed_in.user.id,
        at,
    )
    .await?
    {
        Changed::Done(_) => {
            change
                .commit(
                    &Event::new(
                        actor(&signed_in),
                        "deadline.local_removed",
                        "local_deadline",
                    )
                    .target(id)
                    .area(area.id)
                    .details(details(&input_of(&local))),
                )
                .await?;
            Ok(see_done(&deadlines_url(&area), Done::Removed))
        }
        Changed::Stale => {
            drop(change);
            // Changed since the page was loaded: shown as it is now, to look at again.
            let plans = plans_of(&state, &area).await?;
            let current = find_local(&state, &area, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let form = LocalForm::of(&input_of(&current), current.version);
            let mut page = form_page(&signed_in, area, &plans, form, FormErrors::new(), Some(id));
            page.conflict = true;
            page::conflict(&page)
        }
        Changed::Missing => Err(AppError::NotFound),
    }
}
