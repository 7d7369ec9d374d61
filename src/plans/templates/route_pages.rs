//! The sign-off route page of a template: who signs, when the board approves, how the plan is
//! submitted and what assurance may say. Saving stores a new version of the whole structure, as
//! every structure change does (plans keep the version they were made from), under the same
//! optimistic locking.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::Done;
use super::route::{BoardTiming, SignerOrganisations};
use super::route_form::RouteForm;
use super::shared::load_template;
use super::store::{self, TemplateRow};
use super::structure::CycleStructure;
use super::structure_pages::{CONFLICT, current, json_of, store_version, structure_url};
use crate::AppState;
use crate::audit::Change;
use crate::auth::guard::Admin;
use crate::web::banner::see_done;
use crate::web::choice::{self, Choice};
use crate::web::extract::{Form, Path};
use crate::web::page::{conflict, ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout};

#[derive(Template)]
#[template(path = "plans/templates/structure_route.html")]
struct RoutePage {
    layout: Layout,
    errors: FormErrors,
    template: TemplateRow,
    form: RouteForm,
    boards: Vec<Choice>,
}

impl RoutePage {
    fn new(layout: Layout, errors: FormErrors, template: TemplateRow, form: RouteForm) -> Self {
        RoutePage {
            boards: choice::keyed::<BoardTiming>(&form.board),
            layout,
            errors,
            template,
            form,
        }
    }

    /// A row's field name: `signature_2_capacity`.
    fn field(list: &str, index: &usize, name: &str) -> String {
        format!("{list}_{index}_{name}")
    }

    /// The choices of a signature row's "which partners" select.
    fn organisations(typed: &str) -> Vec<Choice> {
        choice::keyed_prompted::<SignerOrganisations>("Choose", typed)
    }
}

pub(super) async fn edit_route(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let template = load_template(&state, &key).await?;
    let version = current(&state, &template).await?;
    let mut form = RouteForm::of(version.structure.sign_off());
    form.based_on = version.id.to_string();
    ok(&RoutePage::new(
        admin.layout(),
        FormErrors::new(),
        template,
        form,
    ))
}

pub(super) async fn save_route(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let template = load_template(&state, &key).await?;
    let layout = admin.layout();
    let mut form = RouteForm::from_fields(&fields);
    let mut errors = FormErrors::new();
    let Some(route) = form.parse(&mut errors) else {
        return unprocessable(&RoutePage::new(layout, errors, template, form));
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::lock_template(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = store::current_structure(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if form.based_on != version.id.to_string() {
        drop(change);
        errors.add("signature_0_capacity", CONFLICT);
        form.based_on = version.id.to_string();
        return conflict(&RoutePage::new(layout, errors, template, form));
    }
    let before = json_of(version.structure.sign_off());
    let after = json_of(&route);
    if before == after {
        drop(change);
        return Ok(see_done(
            &structure_url(&template.key),
            Done::StructureSaved,
        ));
    }
    let mut parts = version.structure.into_parts();
    parts.sign_off = route;
    let structure = CycleStructure::new(parts).map_err(|problems| {
        AppError::Internal(anyhow::anyhow!(
            "a route that parsed left an invalid structure: {problems:?}"
        ))
    })?;
    store_version(
        change,
        &admin,
        &template,
        &structure,
        json!({
            "template": template.key,
            "part": "sign_off",
            "before": before,
            "after": after,
        }),
        Done::StructureSaved,
    )
    .await
}
