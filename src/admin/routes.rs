//! The administration pages: organisations, areas and their members, users and their grants,
//! and the audit log. Every handler asks the policy for `Action::Administer` first; every change
//! is made in one transaction with its audit record, then redirects (303) to the page showing
//! the result with a fixed success message (`Done`). Bad input re-renders the form (422) with
//! everything typed kept.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::store::{self, GrantRow, Organisation, User};
use super::{AreaName, Done, OdsCode, OrganisationName, parse_day, parse_id};
use crate::AppState;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::areas::{AreaSlug, OrganisationKind};
use crate::audit::{self, Event};
use crate::auth::accounts::{self, CreateAccountError, DisplayName, Email};
use crate::auth::extract::SignedIn;
use crate::auth::extract::actor;
use crate::auth::policy::{self, Action, Decision, Role, Target};
use crate::auth::throttle::Scope;
use crate::auth::{password, store as auth_store};
use crate::web::extract::{Form, Path};
use crate::web::form::fingerprint;
use crate::web::page::{conflict, ok, see_other, unprocessable};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, FormErrors, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/admin", index),
        get("/admin/organisations", list_organisations),
        get("/admin/organisations/new", new_organisation),
        post("/admin/organisations/new", add_organisation),
        get("/admin/organisations/{id}", edit_organisation),
        post("/admin/organisations/{id}", update_organisation),
        get("/admin/areas", list_areas),
        get("/admin/areas/new", new_area),
        post("/admin/areas/new", add_area),
        get("/admin/areas/{slug}", show_area),
        post("/admin/areas/{slug}", update_area),
        post("/admin/areas/{slug}/members", add_member),
        post(
            "/admin/areas/{slug}/members/{organisation_id}/remove",
            remove_member,
        ),
        get("/admin/users", list_users),
        get("/admin/users/new", new_user),
        post("/admin/users/new", add_user),
        get("/admin/users/{id}", show_user),
        post("/admin/users/{id}/grants", add_grant),
        post("/admin/users/{id}/grants/{grant_id}/remove", remove_grant),
        post("/admin/users/{id}/disable", disable_user),
        post("/admin/users/{id}/enable", enable_user),
        post("/admin/users/{id}/reset-password", reset_password),
        post("/admin/users/{id}/reset-two-factor", reset_two_factor),
        get("/admin/audit", browse_audit),
    ]
}

/// The most users the users page lists.
const USERS_LIMIT: usize = 200;
/// Audit entries per page.
const AUDIT_PAGE: usize = 50;

// --- shared ------------------------------------------------------------------------------------

/// Lets administrators through, with the page layout; everyone else gets 403.
pub(crate) fn authorise(signed_in: &SignedIn) -> Result<Layout, AppError> {
    match policy::decide(
        &signed_in.user.principal(),
        Action::Administer,
        Target::everywhere(),
    ) {
        Decision::Allow => Ok(Layout::for_session(Some(&signed_in.session))),
        Decision::Forbidden | Decision::NotFound => Err(AppError::Forbidden),
    }
}

/// A page with a secret on it (a one-time password): never stored by the browser or a proxy.
fn shown_once(page: &impl Template) -> Result<Response, AppError> {
    let mut response = page::render(page)?.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// An id from the URL; one that cannot be an id names nothing.
fn path_id(raw: &str) -> Result<i64, AppError> {
    parse_id(raw).ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    fn banner(&self) -> String {
        Done::message_for(self.done.as_deref())
    }
}

/// One option of a select or radios, with whether it is the one chosen (or typed).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    fn new(value: impl ToString, label: impl Into<String>, typed: &str) -> Choice {
        let value = value.to_string();
        Choice {
            selected: value == typed,
            value,
            label: label.into(),
        }
    }
}

fn yes_no(typed: &str) -> Vec<Choice> {
    vec![
        Choice::new("yes", "Yes", typed),
        Choice::new("no", "No", typed),
    ]
}

// --- index -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    layout: Layout,
}

async fn index(signed_in: SignedIn) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    ok(&IndexPage { layout })
}

// --- organisations -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    layout: Layout,
    banner: String,
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
struct OrganisationForm {
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

/// The message when someone else saved the area after the form was opened.
const AREA_CHANGED: &str = "Someone else changed this area after you opened this page. Your changes are below and have not been saved: check the area as it is now (open it again in another tab), then save again to replace it.";

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
            kinds: OrganisationKind::ALL
                .into_iter()
                .map(|kind| Choice::new(kind.key(), kind.label(), &self.kind))
                .collect(),
            ods_code: self.ods_code.clone(),
            board_of: existing.and_then(|organisation| organisation.board_of.clone()),
        }
    }
}

/// The form errors for a clash with another organisation, if that is what `error` is.
fn organisation_clash(error: &sqlx::Error) -> Option<FormErrors> {
    let mut errors = FormErrors::new();
    match store::violated_constraint(error)? {
        "organisations_name_key" => {
            errors.add("name", "An organisation with this name already exists")
        }
        "organisations_ods_code_key" => {
            errors.add("ods_code", "Another organisation already has this ODS code")
        }
        _ => return None,
    }
    Some(errors)
}

async fn list_organisations(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let organisations = store::list_organisations(&state.pool).await?;
    ok(&OrganisationsPage {
        layout,
        banner: query.banner(),
        organisations,
    })
}

async fn new_organisation(signed_in: SignedIn) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    ok(&OrganisationForm::default().page(layout, FormErrors::new(), None))
}

async fn add_organisation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let valid = match form.parse() {
        Ok(valid) => valid,
        Err(errors) => return unprocessable(&form.page(layout, errors, None)),
    };
    let mut tx = state.pool.begin().await?;
    let inserted =
        store::insert_organisation(&mut *tx, &valid.name, valid.kind, valid.ods_code.as_ref())
            .await;
    let id = match inserted {
        Ok(id) => id,
        Err(error) => {
            return match organisation_clash(&error) {
                Some(errors) => unprocessable(&form.page(layout, errors, None)),
                None => Err(error.into()),
            };
        }
    };
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "organisation.created", "organisation")
            .target(id)
            .details(json!({ "after": valid.details() })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::OrganisationAdded.on("/admin/organisations"),
    ))
}

async fn edit_organisation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let organisation = store::find_organisation(&state.pool, path_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    ok(&OrganisationForm::of(&organisation).page(layout, FormErrors::new(), Some(&organisation)))
}

async fn update_organisation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let organisation = store::find_organisation(&state.pool, path_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    if form.based_on != fingerprint(&organisation_details(&organisation)) {
        return conflict(&form.page(layout, organisation_changed(), Some(&organisation)));
    }
    let valid = form.parse().and_then(|valid| match &organisation.board_of {
        Some(area) if valid.kind != OrganisationKind::Hwb => {
            let mut errors = FormErrors::new();
            errors.add(
                "kind",
                format!("This is the Health and Wellbeing Board of {area}, so it must stay a Health and Wellbeing Board"),
            );
            Err(errors)
        }
        _ => Ok(valid),
    });
    let valid = match valid {
        Ok(valid) => valid,
        Err(errors) => return unprocessable(&form.page(layout, errors, Some(&organisation))),
    };
    let (before, after) = (organisation_details(&organisation), valid.details());
    if before != after {
        let mut tx = state.pool.begin().await?;
        let updated = store::update_organisation(
            &mut *tx,
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
                drop(tx);
                let organisation = store::find_organisation(&state.pool, organisation.id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                return conflict(&form.page(layout, organisation_changed(), Some(&organisation)));
            }
            Err(error) => {
                return match organisation_clash(&error) {
                    Some(errors) => unprocessable(&form.page(layout, errors, Some(&organisation))),
                    None => Err(error.into()),
                };
            }
        }
        audit::store::append(
            &mut tx,
            state.clock.now(),
            &Event::new(actor(&signed_in), "organisation.updated", "organisation")
                .target(organisation.id)
                .details(json!({ "before": before, "after": after })),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(see_other(
        &Done::OrganisationUpdated.on("/admin/organisations"),
    ))
}

// --- areas -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/areas.html")]
struct AreasPage {
    layout: Layout,
    banner: String,
    areas: Vec<AreaSummary>,
}

#[derive(Template)]
#[template(path = "admin/area_new.html")]
struct NewAreaPage {
    layout: Layout,
    errors: FormErrors,
    slug: String,
    name: String,
    boards: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "admin/area.html")]
struct AreaPage {
    layout: Layout,
    banner: String,
    errors: FormErrors,
    area: store::Area,
    /// The edit form's values, as typed.
    name: String,
    boards: Vec<Choice>,
    members: Vec<Member>,
    /// Organisations that could be added.
    outsiders: Vec<Choice>,
    signs_plan: Vec<Choice>,
    /// The fingerprint of the area as shown, for the edit form.
    based_on: String,
}

#[derive(Clone, Default, Deserialize)]
struct NewAreaForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    board: String,
}

#[derive(Clone, Default, Deserialize)]
struct AreaForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    board: String,
    /// The fingerprint of the area when the edit form was opened.
    #[serde(default)]
    based_on: String,
}

/// What an area's edit form changes, for its fingerprint.
fn area_fingerprint(area: &store::Area) -> String {
    fingerprint(&json!({ "name": area.name, "board_id": area.board_id }))
}

#[derive(Clone, Default, Deserialize)]
struct MemberForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    signs_plan: String,
}

const CHOOSE_BOARD: &str = "Choose the Health and Wellbeing Board that approves the area's plan";

fn board_choices(boards: &[store::OrganisationOption], typed: &str) -> Vec<Choice> {
    std::iter::once(Choice::new("", "Choose a board", typed))
        .chain(
            boards
                .iter()
                .map(|board| Choice::new(board.id, board.name.clone(), typed)),
        )
        .collect()
}

/// The board chosen, if it is one of `boards`.
fn chosen_board<'a>(
    boards: &'a [store::OrganisationOption],
    typed: &str,
) -> Option<&'a store::OrganisationOption> {
    let id = parse_id(typed)?;
    boards.iter().find(|board| board.id == id)
}

/// The form errors for a clash with another area, if that is what `error` is.
fn area_clash(error: &sqlx::Error) -> Option<FormErrors> {
    let mut errors = FormErrors::new();
    match store::violated_constraint(error)? {
        "areas_slug_key" => errors.add("slug", "An area with this short name already exists"),
        "areas_board_key" => errors.add(
            "board",
            "This board already has an area: choose another board",
        ),
        "areas_board_id_fkey" => errors.add("board", CHOOSE_BOARD),
        _ => return None,
    }
    Some(errors)
}

async fn list_areas(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let areas = areas::list_areas(&state.pool).await?;
    ok(&AreasPage {
        layout,
        banner: query.banner(),
        areas,
    })
}

async fn new_area(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let boards = store::available_boards(&state.pool, None).await?;
    ok(&NewAreaPage {
        layout,
        errors: FormErrors::new(),
        slug: String::new(),
        name: String::new(),
        boards: board_choices(&boards, ""),
    })
}

async fn add_area(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<NewAreaForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let boards = store::available_boards(&state.pool, None).await?;
    let page = |errors: FormErrors| NewAreaPage {
        layout: layout.clone(),
        errors,
        slug: form.slug.clone(),
        name: form.name.clone(),
        boards: board_choices(&boards, &form.board),
    };
    let mut errors = FormErrors::new();
    let slug = AreaSlug::parse(form.slug.trim())
        .map_err(|problem| errors.add("slug", problem))
        .ok();
    let name = AreaName::parse(&form.name)
        .map_err(|problem| errors.add("name", problem))
        .ok();
    let board = chosen_board(&boards, &form.board);
    if board.is_none() {
        errors.add("board", CHOOSE_BOARD);
    }
    let (Some(slug), Some(name), Some(board)) = (slug, name, board) else {
        return unprocessable(&page(errors));
    };
    let mut tx = state.pool.begin().await?;
    let id = match store::insert_area(&mut *tx, &slug, &name, board.id).await {
        Ok(id) => id,
        Err(error) => {
            return match area_clash(&error) {
                Some(errors) => unprocessable(&page(errors)),
                None => Err(error.into()),
            };
        }
    };
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "area.created", "area")
            .target(id)
            .area(id)
            .details(json!({
                "after": {
                    "slug": slug.as_str(),
                    "name": name.as_str(),
                    "board_id": board.id,
                    "board": board.name,
                }
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::AreaAdded.on(&format!("/admin/areas/{}", slug.as_str())),
    ))
}

async fn find_area(state: &AppState, slug: &str) -> Result<store::Area, AppError> {
    store::find_area(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)
}

/// The area page with its members and both forms, `edit` and `member` holding what was typed.
async fn area_page(
    state: &AppState,
    layout: Layout,
    area: store::Area,
    errors: FormErrors,
    banner: String,
    edit: &AreaForm,
    member: &MemberForm,
) -> Result<AreaPage, AppError> {
    let members = areas::list_members(&state.pool, area.id).await?;
    let outsiders = store::organisations_outside_area(&state.pool, area.id).await?;
    let boards = store::available_boards(&state.pool, Some(area.id)).await?;
    let outsiders = std::iter::once(Choice::new(
        "",
        "Choose an organisation",
        &member.organisation,
    ))
    .chain(outsiders.iter().map(|organisation| {
        Choice::new(
            organisation.id,
            format!("{} ({})", organisation.name, organisation.kind),
            &member.organisation,
        )
    }))
    .collect();
    Ok(AreaPage {
        based_on: area_fingerprint(&area),
        layout,
        banner,
        errors,
        area,
        name: edit.name.clone(),
        boards: board_choices(&boards, &edit.board),
        members,
        outsiders,
        signs_plan: yes_no(&member.signs_plan),
    })
}

async fn show_area(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let area = find_area(&state, &slug).await?;
    let edit = AreaForm {
        name: area.name.clone(),
        board: area.board_id.to_string(),
        based_on: String::new(),
    };
    let page = area_page(
        &state,
        layout,
        area,
        FormErrors::new(),
        query.banner(),
        &edit,
        &MemberForm::default(),
    )
    .await?;
    ok(&page)
}

async fn update_area(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<AreaForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let area = find_area(&state, &slug).await?;
    let boards = store::available_boards(&state.pool, Some(area.id)).await?;
    let mut errors = FormErrors::new();
    if form.based_on != area_fingerprint(&area) {
        errors.add("name", AREA_CHANGED);
        let page = area_page(
            &state,
            layout,
            area,
            errors,
            String::new(),
            &form,
            &MemberForm::default(),
        )
        .await?;
        return conflict(&page);
    }
    let name = AreaName::parse(&form.name)
        .map_err(|problem| errors.add("name", problem))
        .ok();
    let board = chosen_board(&boards, &form.board);
    if board.is_none() {
        errors.add("board", CHOOSE_BOARD);
    }
    let (Some(name), Some(board)) = (name, board) else {
        let page = area_page(
            &state,
            layout,
            area,
            errors,
            String::new(),
            &form,
            &MemberForm::default(),
        )
        .await?;
        return unprocessable(&page);
    };
    let before = json!({ "name": area.name, "board_id": area.board_id, "board": area.board_name });
    let after = json!({ "name": name.as_str(), "board_id": board.id, "board": board.name });
    if before != after {
        let mut tx = state.pool.begin().await?;
        let updated = store::update_area(&mut *tx, &area, &name, board.id).await;
        if let Ok(false) = updated {
            // Changed by someone else between reading it and saving.
            drop(tx);
            let area = find_area(&state, &slug).await?;
            let mut errors = FormErrors::new();
            errors.add("name", AREA_CHANGED);
            let page = area_page(
                &state,
                layout,
                area,
                errors,
                String::new(),
                &form,
                &MemberForm::default(),
            )
            .await?;
            return conflict(&page);
        }
        if let Err(error) = updated {
            let Some(errors) = area_clash(&error) else {
                return Err(error.into());
            };
            drop(tx);
            let page = area_page(
                &state,
                layout,
                area,
                errors,
                String::new(),
                &form,
                &MemberForm::default(),
            )
            .await?;
            return unprocessable(&page);
        }
        audit::store::append(
            &mut tx,
            state.clock.now(),
            &Event::new(actor(&signed_in), "area.updated", "area")
                .target(area.id)
                .area(area.id)
                .details(json!({ "before": before, "after": after })),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(see_other(
        &Done::AreaUpdated.on(&format!("/admin/areas/{}", area.slug)),
    ))
}

async fn add_member(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let area = find_area(&state, &slug).await?;
    let mut errors = FormErrors::new();
    let organisation_id = parse_id(&form.organisation);
    if organisation_id.is_none() {
        errors.add("organisation", "Choose an organisation to add");
    }
    let signs_plan = match form.signs_plan.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.add(
                "signs_plan",
                "Choose whether this organisation signs the plan",
            );
            None
        }
    };
    let mut tx = state.pool.begin().await?;
    let added = match (organisation_id, signs_plan) {
        (Some(organisation_id), Some(signs_plan)) => {
            let name = store::insert_member(&mut *tx, area.id, organisation_id, signs_plan).await?;
            if name.is_none() {
                errors.add(
                    "organisation",
                    "Choose an organisation that is not already a member of this area",
                );
            }
            name.map(|name| (organisation_id, signs_plan, name))
        }
        _ => None,
    };
    let Some((organisation_id, signs_plan, name)) = added else {
        drop(tx);
        let edit = AreaForm {
            name: area.name.clone(),
            board: area.board_id.to_string(),
            based_on: String::new(),
        };
        let page = area_page(&state, layout, area, errors, String::new(), &edit, &form).await?;
        return unprocessable(&page);
    };
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "area_member.added", "organisation")
            .target(organisation_id)
            .area(area.id)
            .details(json!({ "after": { "organisation": name, "signs_plan": signs_plan } })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::MemberAdded.on(&format!("/admin/areas/{}", area.slug)),
    ))
}

async fn remove_member(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, organisation_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let area = find_area(&state, &slug).await?;
    let organisation_id = path_id(&organisation_id)?;
    let mut tx = state.pool.begin().await?;
    let removed = store::delete_member(&mut *tx, area.id, organisation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "area_member.removed", "organisation")
            .target(organisation_id)
            .area(area.id)
            .details(json!({
                "before": { "organisation": removed.name, "signs_plan": removed.signs_plan }
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::MemberRemoved.on(&format!("/admin/areas/{}", area.slug)),
    ))
}

// --- users -------------------------------------------------------------------------------------

/// A user as listed.
struct UserRow {
    id: i64,
    display_name: String,
    email: String,
    organisation_name: String,
    /// "Area lead (Kent), Assurer", or "" for none.
    roles: String,
    disabled: bool,
    two_factor_enabled: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    q: String,
    users: Vec<UserRow>,
    /// More users matched than are shown.
    truncated: bool,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    name: String,
    organisations: Vec<Choice>,
}

/// A new one-time password, shown once.
#[derive(Template)]
#[template(path = "admin/one_time_password.html")]
struct OneTimePasswordPage {
    layout: Layout,
    heading: &'static str,
    user_id: i64,
    display_name: String,
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    layout: Layout,
    banner: String,
    errors: FormErrors,
    user: User,
    created: String,
    disabled_since: Option<String>,
    grants: Vec<GrantRow>,
    roles: Vec<Choice>,
    areas: Vec<Choice>,
    /// The administrator is looking at their own account.
    is_self: bool,
}

#[derive(Deserialize)]
struct UsersQuery {
    q: Option<String>,
}

#[derive(Clone, Default, Deserialize)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
}

#[derive(Clone, Default, Deserialize)]
struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    area: String,
}

async fn list_users(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<UsersQuery>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let search = (!q.is_empty()).then_some(q.as_str());
    let mut rows = store::list_users(&state.pool, search, USERS_LIMIT as i64 + 1).await?;
    let truncated = rows.len() > USERS_LIMIT;
    rows.truncate(USERS_LIMIT);
    let users = rows
        .into_iter()
        .map(|row| UserRow {
            roles: row
                .grant_roles
                .iter()
                .zip(&row.grant_areas)
                .map(|(role, area)| match area {
                    Some(area) => format!("{} ({area})", role.label()),
                    None => role.label().to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            id: row.id,
            display_name: row.display_name,
            email: row.email,
            organisation_name: row.organisation_name,
            disabled: row.disabled,
            two_factor_enabled: row.two_factor_enabled,
        })
        .collect();
    ok(&UsersPage {
        layout,
        q,
        users,
        truncated,
    })
}

fn organisation_choices(organisations: &[Organisation], typed: &str) -> Vec<Choice> {
    std::iter::once(Choice::new("", "Choose an organisation", typed))
        .chain(
            organisations
                .iter()
                .map(|organisation| Choice::new(organisation.id, organisation.name.clone(), typed)),
        )
        .collect()
}

async fn new_user(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let organisations = store::list_organisations(&state.pool).await?;
    ok(&NewUserPage {
        layout,
        errors: FormErrors::new(),
        email: String::new(),
        name: String::new(),
        organisations: organisation_choices(&organisations, ""),
    })
}

async fn add_user(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let organisations = store::list_organisations(&state.pool).await?;
    let page = |errors: FormErrors| NewUserPage {
        layout: layout.clone(),
        errors,
        email: form.email.clone(),
        name: form.name.clone(),
        organisations: organisation_choices(&organisations, &form.organisation),
    };
    let mut errors = FormErrors::new();
    let email = Email::parse(&form.email)
        .map_err(|problem| errors.add("email", problem))
        .ok();
    let name = DisplayName::parse(&form.name)
        .map_err(|problem| errors.add("name", problem))
        .ok();
    let organisation = parse_id(&form.organisation).and_then(|id| {
        organisations
            .iter()
            .find(|organisation| organisation.id == id)
    });
    if organisation.is_none() {
        errors.add("organisation", "Choose the organisation they work for");
    }
    let (Some(email), Some(name), Some(organisation)) = (email, name, organisation) else {
        return unprocessable(&page(errors));
    };
    let mut tx = state.pool.begin().await?;
    let created = accounts::create_with_one_time_password(
        &mut tx,
        &actor(&signed_in),
        state.clock.now(),
        &email,
        &name,
        organisation.id,
    )
    .await;
    let (user_id, one_time_password) = match created {
        Ok(created) => created,
        Err(CreateAccountError::EmailTaken) => {
            let mut errors = FormErrors::new();
            errors.add("email", "An account with this email address already exists");
            return unprocessable(&page(errors));
        }
        Err(CreateAccountError::Database(error)) => return Err(error.into()),
        Err(CreateAccountError::Other(error)) => return Err(error.into()),
    };
    tx.commit().await?;
    shown_once(&OneTimePasswordPage {
        layout,
        heading: "Account created",
        user_id,
        display_name: name.as_str().to_owned(),
        email: email.as_str().to_owned(),
        password: one_time_password,
    })
}

async fn find_user(state: &AppState, raw_id: &str) -> Result<User, AppError> {
    store::find_user(&state.pool, path_id(raw_id)?)
        .await?
        .ok_or(AppError::NotFound)
}

fn role_choices(typed: &str) -> Vec<Choice> {
    std::iter::once(Choice::new("", "Choose a role", typed))
        .chain(
            Role::ALL
                .into_iter()
                .map(|role| Choice::new(role.key(), role.label(), typed)),
        )
        .collect()
}

fn area_choices(all_areas: &[AreaSummary], typed: &str) -> Vec<Choice> {
    std::iter::once(Choice::new("", "None (assurers and administrators)", typed))
        .chain(
            all_areas
                .iter()
                .map(|area| Choice::new(area.id, area.name.clone(), typed)),
        )
        .collect()
}

/// The user's page, with what was typed into the add-a-role form.
async fn user_page(
    state: &AppState,
    signed_in: &SignedIn,
    user: User,
    errors: FormErrors,
    banner: String,
    grant: &GrantForm,
    all_areas: Option<Vec<AreaSummary>>,
) -> Result<UserPage, AppError> {
    let grants = store::list_grants(&state.pool, user.id).await?;
    let all_areas = match all_areas {
        Some(all_areas) => all_areas,
        None => areas::list_areas(&state.pool).await?,
    };
    Ok(UserPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner,
        errors,
        created: format::date_time(user.created_at),
        disabled_since: user.disabled_at.map(format::date_time),
        is_self: user.id == signed_in.user.id,
        user,
        grants,
        roles: role_choices(&grant.role),
        areas: area_choices(&all_areas, &grant.area),
    })
}

async fn show_user(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    let page = user_page(
        &state,
        &signed_in,
        user,
        FormErrors::new(),
        query.banner(),
        &GrantForm::default(),
        None,
    )
    .await?;
    ok(&page)
}

/// The user's page again, 422, with `message` by `field`.
async fn refuse_on_user_page(
    state: &AppState,
    signed_in: &SignedIn,
    user: User,
    field: &'static str,
    message: &str,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::new();
    errors.add(field, message);
    let page = user_page(
        state,
        signed_in,
        user,
        errors,
        String::new(),
        &GrantForm::default(),
        None,
    )
    .await?;
    unprocessable(&page)
}

async fn add_grant(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    let all_areas = areas::list_areas(&state.pool).await?;
    let mut errors = FormErrors::new();
    let role = Role::parse(&form.role);
    let area = match form.area.trim() {
        "" => Ok(None),
        typed => parse_id(typed)
            .and_then(|id| all_areas.iter().find(|area| area.id == id))
            .map(Some)
            .ok_or(()),
    };
    match (role, &area) {
        (None, _) => errors.add("role", "Choose a role"),
        (_, Err(())) => errors.add("area", "Choose an area from the list"),
        (Some(role), Ok(Some(_))) if role.is_global() => errors.add(
            "area",
            format!(
                "Leave the area as ‘None’: {}s work across every area",
                role.label().to_lowercase()
            ),
        ),
        (Some(role), Ok(None)) if !role.is_global() => errors.add(
            "area",
            format!(
                "Choose the area in which they are {} {}",
                if role == Role::AreaLead || role == Role::Officer {
                    "an"
                } else {
                    "a"
                },
                role.label().to_lowercase()
            ),
        ),
        _ => {}
    }
    let (Some(role), Ok(area), true) = (role, area, errors.is_empty()) else {
        let page = user_page(
            &state,
            &signed_in,
            user,
            errors,
            String::new(),
            &form,
            Some(all_areas),
        )
        .await?;
        return unprocessable(&page);
    };
    let mut tx = state.pool.begin().await?;
    let added = auth_store::insert_grant(&mut *tx, user.id, role, area.map(|area| area.id)).await?;
    if !added {
        drop(tx);
        let mut errors = FormErrors::new();
        errors.add(
            "role",
            match area {
                Some(_) => "They already have this role in this area",
                None => "They already have this role",
            },
        );
        let page = user_page(
            &state,
            &signed_in,
            user,
            errors,
            String::new(),
            &form,
            Some(all_areas.clone()),
        )
        .await?;
        return unprocessable(&page);
    }
    let mut event = Event::new(actor(&signed_in), "grant.added", "user")
        .target(user.id)
        .details(json!({
            "after": { "role": role.key(), "area": area.map(|area| area.slug.as_str()) }
        }));
    if let Some(area) = area {
        event = event.area(area.id);
    }
    audit::store::append(&mut tx, state.clock.now(), &event).await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::GrantAdded.on(&format!("/admin/users/{}", user.id)),
    ))
}

async fn remove_grant(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, grant_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    let grant_id = path_id(&grant_id)?;
    let mut tx = state.pool.begin().await?;
    let removed = store::delete_grant(&mut *tx, user.id, grant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if removed.role == Role::Admin && user.id == signed_in.user.id {
        drop(tx);
        return refuse_on_user_page(
            &state,
            &signed_in,
            user,
            "grants",
            "You cannot remove your own administrator role. Ask another administrator if it must be removed.",
        )
        .await;
    }
    let mut event = Event::new(actor(&signed_in), "grant.removed", "user")
        .target(user.id)
        .details(json!({
            "before": { "role": removed.role.key(), "area": removed.area_slug }
        }));
    if let Some(area_id) = removed.area_id {
        event = event.area(area_id);
    }
    audit::store::append(&mut tx, state.clock.now(), &event).await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::GrantRemoved.on(&format!("/admin/users/{}", user.id)),
    ))
}

async fn disable_user(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    if user.id == signed_in.user.id {
        return refuse_on_user_page(
            &state,
            &signed_in,
            user,
            "disable",
            "You cannot disable your own account. Ask another administrator if it must be disabled.",
        )
        .await;
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if store::disable_user(&mut *tx, user.id, now).await? {
        let sessions_ended = auth_store::delete_user_sessions(&mut *tx, user.id, None).await?;
        audit::store::append(
            &mut tx,
            now,
            &Event::new(actor(&signed_in), "user.disabled", "user")
                .target(user.id)
                .details(json!({
                    "before": { "disabled": false },
                    "after": { "disabled": true },
                    "sessions_ended": sessions_ended,
                })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(see_other(
        &Done::UserDisabled.on(&format!("/admin/users/{}", user.id)),
    ))
}

async fn enable_user(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    let mut tx = state.pool.begin().await?;
    if store::enable_user(&mut *tx, user.id).await? {
        audit::store::append(
            &mut tx,
            state.clock.now(),
            &Event::new(actor(&signed_in), "user.enabled", "user")
                .target(user.id)
                .details(json!({
                    "before": { "disabled": true },
                    "after": { "disabled": false },
                })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(see_other(
        &Done::UserEnabled.on(&format!("/admin/users/{}", user.id)),
    ))
}

/// The user's sessions to end: all of them, except the administrator's own current one when
/// they act on their own account.
fn session_to_keep<'a>(signed_in: &'a SignedIn, user: &User) -> Option<&'a [u8]> {
    (user.id == signed_in.user.id).then_some(signed_in.session.token_hash.as_slice())
}

async fn reset_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    let one_time_password = password::generate_one_time()?;
    let password_hash = password::hash(&one_time_password).await?;
    let mut tx = state.pool.begin().await?;
    auth_store::set_password(&mut *tx, user.id, &password_hash, true).await?;
    let sessions_ended =
        auth_store::delete_user_sessions(&mut *tx, user.id, session_to_keep(&signed_in, &user))
            .await?;
    // Whoever was locked out by their own wrong guesses can use the new password at once.
    auth_store::clear_throttle(&mut *tx, Scope::Account.key(), &user.email.to_lowercase()).await?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "user.password_reset", "user")
            .target(user.id)
            .details(json!({
                "after": { "must_change_password": true },
                "sessions_ended": sessions_ended,
            })),
    )
    .await?;
    tx.commit().await?;
    shown_once(&OneTimePasswordPage {
        layout,
        heading: "Password reset",
        user_id: user.id,
        display_name: user.display_name,
        email: user.email,
        password: one_time_password,
    })
}

async fn reset_two_factor(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let user = find_user(&state, &id).await?;
    let mut tx = state.pool.begin().await?;
    auth_store::reset_totp(&mut tx, user.id).await?;
    // Whoever has a session could otherwise set up a new authenticator in their place.
    let sessions_ended =
        auth_store::delete_user_sessions(&mut *tx, user.id, session_to_keep(&signed_in, &user))
            .await?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "user.two_factor_reset", "user")
            .target(user.id)
            .details(json!({
                "before": { "two_factor": user.two_factor_enabled },
                "after": { "two_factor": false },
                "sessions_ended": sessions_ended,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::TwoFactorReset.on(&format!("/admin/users/{}", user.id)),
    ))
}

// --- audit log ---------------------------------------------------------------------------------

/// An audit entry as shown.
struct EntryRow {
    when: String,
    who: String,
    action: String,
    what: String,
    area: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    errors: FormErrors,
    areas: Vec<Choice>,
    user: String,
    from: String,
    to: String,
    entries: Vec<EntryRow>,
    /// The next page back, if there are older entries.
    older_url: Option<String>,
    /// Showing a later page: offer the way back to the newest.
    newest_url: Option<String>,
}

#[derive(Deserialize)]
struct AuditQuery {
    area: Option<String>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

async fn browse_audit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let all_areas = areas::list_areas(&state.pool).await?;
    let typed = |value: Option<String>| value.unwrap_or_default().trim().to_owned();
    let (area, user, from, to) = (
        typed(query.area),
        typed(query.user),
        typed(query.from),
        typed(query.to),
    );
    let mut errors = FormErrors::new();
    let mut filter = audit::store::Filter::default();
    if !area.is_empty() {
        match all_areas.iter().find(|candidate| candidate.slug == area) {
            Some(found) => filter.area_id = Some(found.id),
            None => errors.add("area", "Choose an area from the list"),
        }
    }
    if !user.is_empty() {
        match auth_store::find_user_id_by_email(&state.pool, &user).await? {
            Some(id) => filter.actor_user_id = Some(id),
            None => errors.add("user", "No account has this email address"),
        }
    }
    let from_day = parse_day(&from)
        .map_err(|problem| errors.add("from", problem))
        .ok()
        .flatten();
    let to_day = parse_day(&to)
        .map_err(|problem| errors.add("to", problem))
        .ok()
        .flatten();
    if let (Some(from_day), Some(to_day)) = (from_day, to_day)
        && to_day < from_day
    {
        errors.add(
            "to",
            "The ‘to’ date must be the same as or after the ‘from’ date",
        );
    }
    filter.from = from_day.map(|day| day.midnight().assume_utc());
    filter.until = to_day
        .and_then(|day| day.next_day())
        .map(|day| day.midnight().assume_utc());
    filter.before_id = query.before.as_deref().and_then(parse_id);

    let filters: Vec<(&str, &str)> = [
        ("area", area.as_str()),
        ("user", user.as_str()),
        ("from", from.as_str()),
        ("to", to.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let url_with = |extra: Option<(&str, String)>| -> String {
        let mut pairs: Vec<(&str, String)> = filters
            .iter()
            .map(|(key, value)| (*key, (*value).to_owned()))
            .collect();
        pairs.extend(extra);
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("/admin/audit?{query}"),
            _ => "/admin/audit".to_owned(),
        }
    };

    let (entries, older_url) = if errors.is_empty() {
        let mut entries = audit::store::browse(&state.pool, &filter, AUDIT_PAGE as i64 + 1).await?;
        let older_url = (entries.len() > AUDIT_PAGE).then(|| {
            entries.truncate(AUDIT_PAGE);
            let oldest = entries.last().map(|entry| entry.id).unwrap_or_default();
            url_with(Some(("before", oldest.to_string())))
        });
        (entries, older_url)
    } else {
        (Vec::new(), None)
    };
    let newest_url = filter.before_id.map(|_| url_with(None));
    let page = AuditPage {
        areas: std::iter::once(Choice::new("", "All areas", &area))
            .chain(
                all_areas
                    .iter()
                    .map(|candidate| Choice::new(&candidate.slug, candidate.name.clone(), &area)),
            )
            .collect(),
        user,
        from,
        to,
        entries: entries
            .into_iter()
            .map(|entry| EntryRow {
                when: format::date_time(entry.at),
                who: entry.actor_label,
                action: entry.action,
                what: match entry.target_id {
                    Some(id) => format!("{} {id}", entry.target_kind),
                    None => entry.target_kind,
                },
                area: entry.area_name.unwrap_or_default(),
                details: entry.details,
            })
            .collect(),
        older_url,
        newest_url,
        layout,
        errors,
    };
    if page.errors.is_empty() {
        ok(&page)
    } else {
        unprocessable(&page)
    }
}
