//! Organisations: the list, adding one, and editing one (with a check that nobody else saved it
//! since the form was opened).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Done, clash_errors};
use crate::AppState;
use crate::areas::store::{self as areas, Organisation};
use crate::areas::{OdsCode, OrganisationId, OrganisationKind, OrganisationName};
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::db::constraint::Clash;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{self, Choice};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::fingerprint;
use crate::web::page::{conflict, ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout};

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    layout: Layout,
    banner: &'static str,
    organisations: Vec<Organisation>,
}

#[derive(Template)]
#[template(path = "admin/organisation_form.html")]
struct OrganisationFormPage {
    layout: Layout,
    errors: FormErrors,
    /// "Add an organisation", or the organisation's current name.
    heading: String,
    action: String,
    submit: &'static str,
    name: String,
    kinds: Vec<Choice>,
    ods_code: String,
    board_of: Option<String>,
    /// The fingerprint of the organisation as shown (empty for a new one).
    based_on: String,
}

#[derive(Clone, Default, Deserialize)]
pub(super) struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ods_code: String,
    /// The fingerprint of the organisation when the edit form was opened.
    #[serde(default)]
    based_on: String,
}

struct ValidOrganisation {
    name: OrganisationName,
    kind: OrganisationKind,
    ods_code: Option<OdsCode>,
}

impl ValidOrganisation {
    fn details(&self) -> serde_json::Value {
        json!({
            "name": self.name.as_str(),
            "kind": self.kind.key(),
            "ods_code": self.ods_code.as_ref().map(OdsCode::as_str),
        })
    }
}

/// What the database refuses as a clash with another organisation.
const CLASHES: [Clash; 2] = [
    Clash {
        constraint: "organisations_name_key",
        field: "name",
        message: "An organisation with this name already exists",
    },
    Clash {
        constraint: "organisations_ods_code_key",
        field: "ods_code",
        message: "Another organisation already has this ODS code",
    },
];

/// The message when someone else saved the organisation after the form was opened.
fn organisation_changed() -> FormErrors {
    let mut errors = FormErrors::new();
    errors.add(
        "name",
        "Someone else changed this organisation after you opened this page. Your changes are below and have not been saved: check the organisation as it is now (open it again in another tab), then save again to replace it.",
    );
    errors
}

fn organisation_details(organisation: &Organisation) -> serde_json::Value {
    json!({
        "name": organisation.name,
        "kind": organisation.kind.key(),
        "ods_code": organisation.ods_code,
    })
}

impl OrganisationForm {
    fn of(organisation: &Organisation) -> OrganisationForm {
        OrganisationForm {
            name: organisation.name.clone(),
            kind: organisation.kind.key().to_owned(),
            ods_code: organisation.ods_code.clone().unwrap_or_default(),
            based_on: String::new(),
        }
    }

    fn parse(&self) -> Result<ValidOrganisation, FormErrors> {
        let mut errors = FormErrors::new();
        let name = OrganisationName::parse(&self.name)
            .map_err(|problem| errors.add("name", problem))
            .ok();
        let kind = OrganisationKind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", "Choose what kind of organisation this is");
        }
        let ods_code = OdsCode::parse_optional(&self.ods_code)
            .map_err(|problem| errors.add("ods_code", problem))
            .ok();
        match (name, kind, ods_code) {
            (Some(name), Some(kind), Some(ods_code)) => Ok(ValidOrganisation {
                name,
                kind,
                ods_code,
            }),
            _ => Err(errors),
        }
    }

    /// What is typed, also refusing to turn an area's board into anything but a board.
    fn parse_for(&self, existing: &Organisation) -> Result<ValidOrganisation, FormErrors> {
        let valid = self.parse()?;
        match &existing.board_of {
            Some(area) if valid.kind != OrganisationKind::Hwb => {
                let mut errors = FormErrors::new();
                errors.add(
                    "kind",
                    format!("This is the Health and Wellbeing Board of {area}, so it must stay a Health and Wellbeing Board"),
                );
                Err(errors)
            }
            _ => Ok(valid),
        }
    }

    fn page(
        &self,
        layout: Layout,
        errors: FormErrors,
        existing: Option<&Organisation>,
    ) -> OrganisationFormPage {
        let (heading, action, submit) = match existing {
            Some(organisation) => (
                organisation.name.clone(),
                format!("/admin/organisations/{}", organisation.id),
                "Save changes",
            ),
            None => (
                "Add an organisation".to_owned(),
                "/admin/organisations/new".to_owned(),
                "Add organisation",
            ),
        };
        OrganisationFormPage {
            based_on: existing
                .map(|organisation| fingerprint(&organisation_details(organisation)))
                .unwrap_or_default(),
            layout,
            errors,
            heading,
            action,
            submit,
            name: self.name.clone(),
            kinds: choice::keyed::<OrganisationKind>(&self.kind),
            ods_code: self.ods_code.clone(),
            board_of: existing.and_then(|organisation| organisation.board_of.clone()),
        }
    }
}

async fn find(state: &AppState, id: OrganisationId) -> Result<Organisation, AppError> {
    areas::find_organisation(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let organisations = areas::list_organisations(&state.pool).await?;
    ok(&OrganisationsPage {
        layout: admin.layout(),
        banner: query.banner::<Done>(),
        organisations,
    })
}

pub(super) async fn new(admin: Admin) -> Result<Response, AppError> {
    ok(&OrganisationForm::default().page(admin.layout(), FormErrors::new(), None))
}

pub(super) async fn add(
    State(state): State<AppState>,
    admin: Admin,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let valid = match form.parse() {
        Ok(valid) => valid,
        Err(errors) => return unprocessable(&form.page(admin.layout(), errors, None)),
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let inserted = areas::insert_organisation(
        change.db(),
        &valid.name,
        valid.kind,
        valid.ods_code.as_ref(),
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(error) => {
            return match clash_errors(&error, &CLASHES) {
                Some(errors) => unprocessable(&form.page(admin.layout(), errors, None)),
                None => Err(error.into()),
            };
        }
    };
    change
        .commit(
            &Event::new(admin.actor(), "organisation.created", "organisation")
                .target(id)
                .details(json!({ "after": valid.details() })),
        )
        .await?;
    Ok(see_done("/admin/organisations", Done::OrganisationAdded))
}

pub(super) async fn edit(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<OrganisationId>,
) -> Result<Response, AppError> {
    let organisation = find(&state, id).await?;
    ok(&OrganisationForm::of(&organisation).page(
        admin.layout(),
        FormErrors::new(),
        Some(&organisation),
    ))
}

pub(super) async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<OrganisationId>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
    let organisation = find(&state, id).await?;
    if form.based_on != fingerprint(&organisation_details(&organisation)) {
        return conflict(&form.page(layout, organisation_changed(), Some(&organisation)));
    }
    let valid = match form.parse_for(&organisation) {
        Ok(valid) => valid,
        Err(errors) => return unprocessable(&form.page(layout, errors, Some(&organisation))),
    };
    let (before, after) = (organisation_details(&organisation), valid.details());
    if before == after {
        return Ok(see_done("/admin/organisations", Done::OrganisationUpdated));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let updated = areas::update_organisation(
        change.db(),
        &organisation,
        &valid.name,
        valid.kind,
        valid.ods_code.as_ref(),
    )
    .await;
    match updated {
        Ok(true) => {}
        // Changed by someone else between reading it and saving.
        Ok(false) => {
            drop(change);
            let organisation = find(&state, organisation.id).await?;
            return conflict(&form.page(layout, organisation_changed(), Some(&organisation)));
        }
        Err(error) => {
            return match clash_errors(&error, &CLASHES) {
                Some(errors) => unprocessable(&form.page(layout, errors, Some(&organisation))),
                None => Err(error.into()),
            };
        }
    }
    change
        .commit(
            &Event::new(admin.actor(), "organisation.updated", "organisation")
                .target(organisation.id)
                .details(json!({ "before": before, "after": after })),
        )
        .await?;
    Ok(see_done("/admin/organisations", Done::OrganisationUpdated))
}
