//! Areas and their members: the list, adding an area, an area's page (editing its name and
//! board, adding and removing member organisations).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Done, clash_errors, parse_id};
use crate::AppState;
use crate::areas::store::{
    self as areas, AreaSummary, Member, MemberFootprint, OrganisationOption,
};
use crate::areas::{AreaName, AreaSlug, OrganisationId};
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::auth::store::{self as auth_store, AreaGrant};
use crate::db::constraint::Clash;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{self, Choice, parse_yes_no, yes_no};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::fingerprint;
use crate::web::page::{conflict, ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout};

#[derive(Template)]
#[template(path = "admin/areas.html")]
struct AreasPage {
    layout: Layout,
    banner: &'static str,
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
    banner: &'static str,
    errors: FormErrors,
    area: AreaSummary,
    /// The edit form's values, as typed.
    name: String,
    region: String,
    boards: Vec<Choice>,
    members: Vec<Member>,
    /// Organisations that could be added.
    outsiders: Vec<Choice>,
    signs_plan: Vec<Choice>,
    /// The fingerprint of the area as shown, for the edit form.
    based_on: String,
}

/// The page that asks before an organisation is removed from an area, saying what happens to
/// what it has there.
#[derive(Template)]
#[template(path = "admin/remove_member.html")]
struct RemoveMemberPage {
    layout: Layout,
    area: AreaSummary,
    member: Member,
    footprint: MemberFootprint,
    /// The roles people of the organisation hold in the area, which they keep.
    people: Vec<AreaGrant>,
}

#[derive(Clone, Default, Deserialize)]
pub(super) struct NewAreaForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    board: String,
}

#[derive(Clone, Default, Deserialize)]
pub(super) struct AreaForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    board: String,
    /// The NHS England region (may be left empty).
    #[serde(default)]
    region: String,
    /// The fingerprint of the area when the edit form was opened.
    #[serde(default)]
    based_on: String,
}

impl AreaForm {
    /// The edit form as the area is now.
    fn of(area: &AreaSummary) -> AreaForm {
        AreaForm {
            name: area.name.clone(),
            board: area.board_id.to_string(),
            region: area.region.clone().unwrap_or_default(),
            based_on: String::new(),
        }
    }
}

/// What an area's edit form changes, for its fingerprint.
fn area_fingerprint(area: &AreaSummary) -> String {
    fingerprint(&json!({ "name": area.name, "board_id": area.board_id, "region": area.region }))
}

/// The most characters of a region's name.
const REGION_MAX: usize = 100;

/// The region typed into an area's form: none when left empty.
fn parse_region(typed: &str, errors: &mut FormErrors) -> Option<String> {
    let region = typed.trim();
    if region.chars().count() > REGION_MAX {
        errors.add("region", "Region must be 100 characters or fewer");
    }
    (!region.is_empty()).then(|| region.to_owned())
}

#[derive(Clone, Default, Deserialize)]
pub(super) struct MemberForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    signs_plan: String,
}

/// The message when someone else saved the area after the form was opened.
const AREA_CHANGED: &str = "Someone else changed this area after you opened this page. Your changes are below and have not been saved: check the area as it is now (open it again in another tab), then save again to replace it.";

const CHOOSE_BOARD: &str = "Choose the Health and Wellbeing Board that approves the area's plan";

/// What the database refuses as a clash with another area.
const CLASHES: [Clash; 3] = [
    Clash {
        constraint: "areas_slug_key",
        field: "slug",
        message: "An area with this short name already exists",
    },
    Clash {
        constraint: "areas_board_key",
        field: "board",
        message: "This board already has an area: choose another board",
    },
    Clash {
        constraint: "areas_board_id_fkey",
        field: "board",
        message: CHOOSE_BOARD,
    },
];

fn board_choices(boards: &[OrganisationOption], typed: &str) -> Vec<Choice> {
    choice::prompted(
        "Choose a board",
        boards.iter().map(|board| (board.id, board.name.clone())),
        typed,
    )
}

/// The name and board typed into an area's form (new or edit); the problems go in `errors`.
fn parse_name_and_board<'a>(
    name: &str,
    board: &str,
    boards: &'a [OrganisationOption],
    errors: &mut FormErrors,
) -> (Option<AreaName>, Option<&'a OrganisationOption>) {
    let name = AreaName::parse(name)
        .map_err(|problem| errors.add("name", problem))
        .ok();
    // Only one of `boards` may be chosen: the others are another area's board already.
    let board = parse_id(board)
        .map(OrganisationId::new)
        .and_then(|id| boards.iter().find(|board| board.id == id));
    if board.is_none() {
        errors.add("board", CHOOSE_BOARD);
    }
    (name, board)
}

fn area_url(slug: &str) -> String {
    format!("/admin/areas/{slug}")
}

impl NewAreaForm {
    /// The add-an-area page with this form as typed.
    fn page(
        &self,
        layout: Layout,
        errors: FormErrors,
        boards: &[OrganisationOption],
    ) -> NewAreaPage {
        NewAreaPage {
            layout,
            errors,
            slug: self.slug.clone(),
            name: self.name.clone(),
            boards: board_choices(boards, &self.board),
        }
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let areas = areas::list_areas(&state.pool).await?;
    ok(&AreasPage {
        layout: admin.layout(),
        banner: query.banner::<Done>(),
        areas,
    })
}

pub(super) async fn new(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    let boards = areas::available_boards(&state.pool, None).await?;
    ok(&NewAreaForm::default().page(admin.layout(), FormErrors::new(), &boards))
}

pub(super) async fn add(
    State(state): State<AppState>,
    admin: Admin,
    Form(form): Form<NewAreaForm>,
) -> Result<Response, AppError> {
    let boards = areas::available_boards(&state.pool, None).await?;
    let page = |errors: FormErrors| form.page(admin.layout(), errors, &boards);
    let mut errors = FormErrors::new();
    let slug = AreaSlug::parse(form.slug.trim())
        .map_err(|problem| errors.add("slug", problem))
        .ok();
    let (name, board) = parse_name_and_board(&form.name, &form.board, &boards, &mut errors);
    let (Some(slug), Some(name), Some(board)) = (slug, name, board) else {
        return unprocessable(&page(errors));
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let id = match areas::insert_area(change.db(), &slug, &name, board.id).await {
        Ok(id) => id,
        Err(error) => {
            return match clash_errors(&error, &CLASHES) {
                Some(errors) => unprocessable(&page(errors)),
                None => Err(error.into()),
            };
        }
    };
    change
        .commit(
            &Event::new(admin.actor(), "area.created", "area")
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
    Ok(see_done(&area_url(slug.as_str()), Done::AreaAdded))
}

async fn find(state: &AppState, slug: &str) -> Result<AreaSummary, AppError> {
    areas::find_area_by_slug(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)
}

/// The area page with its members and both forms, `edit` and `member` holding what was typed.
async fn area_page(
    state: &AppState,
    layout: Layout,
    area: AreaSummary,
    errors: FormErrors,
    banner: &'static str,
    edit: &AreaForm,
    member: &MemberForm,
) -> Result<AreaPage, AppError> {
    let members = areas::list_members(&state.pool, area.id).await?;
    let outsiders = areas::organisations_outside_area(&state.pool, area.id).await?;
    let boards = areas::available_boards(&state.pool, Some(area.id)).await?;
    let outsiders = choice::prompted(
        "Choose an organisation",
        outsiders.iter().map(|organisation| {
            let label = format!("{} ({})", organisation.name, organisation.kind);
            (organisation.id, label)
        }),
        &member.organisation,
    );
    Ok(AreaPage {
        based_on: area_fingerprint(&area),
        layout,
        banner,
        errors,
        area,
        name: edit.name.clone(),
        region: edit.region.clone(),
        boards: board_choices(&boards, &edit.board),
        members,
        outsiders,
        signs_plan: yes_no(&member.signs_plan),
    })
}

/// The area page again with `errors` (and what was typed into the edit form).
async fn refuse(
    state: &AppState,
    layout: Layout,
    area: AreaSummary,
    errors: FormErrors,
    form: &AreaForm,
) -> Result<AreaPage, AppError> {
    area_page(
        state,
        layout,
        area,
        errors,
        "",
        form,
        &MemberForm::default(),
    )
    .await
}

/// The area page again, 409: someone else saved the area after the form was opened.
async fn changed_meanwhile(
    state: &AppState,
    layout: Layout,
    area: AreaSummary,
    form: &AreaForm,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::new();
    errors.add("name", AREA_CHANGED);
    conflict(&refuse(state, layout, area, errors, form).await?)
}

pub(super) async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let area = find(&state, &slug).await?;
    let edit = AreaForm::of(&area);
    let page = area_page(
        &state,
        admin.layout(),
        area,
        FormErrors::new(),
        query.banner::<Done>(),
        &edit,
        &MemberForm::default(),
    )
    .await?;
    ok(&page)
}

pub(super) async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    Form(form): Form<AreaForm>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
    let area = find(&state, &slug).await?;
    if form.based_on != area_fingerprint(&area) {
        return changed_meanwhile(&state, layout, area, &form).await;
    }
    let boards = areas::available_boards(&state.pool, Some(area.id)).await?;
    let mut errors = FormErrors::new();
    let (name, board) = parse_name_and_board(&form.name, &form.board, &boards, &mut errors);
    let region = parse_region(&form.region, &mut errors);
    let (Some(name), Some(board), true) = (name, board, errors.is_empty()) else {
        return unprocessable(&refuse(&state, layout, area, errors, &form).await?);
    };
    let before = json!({
        "name": area.name, "board_id": area.board_id, "board": area.board_name,
        "region": area.region,
    });
    let after = json!({
        "name": name.as_str(), "board_id": board.id, "board": board.name, "region": region,
    });
    let done = area_url(&area.slug);
    if before == after {
        return Ok(see_done(&done, Done::AreaUpdated));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    match areas::update_area(change.db(), &area, &name, board.id, region.as_deref()).await {
        Ok(true) => {}
        // Changed by someone else between reading it and saving.
        Ok(false) => {
            drop(change);
            let area = find(&state, &slug).await?;
            return changed_meanwhile(&state, layout, area, &form).await;
        }
        Err(error) => {
            let Some(errors) = clash_errors(&error, &CLASHES) else {
                return Err(error.into());
            };
            drop(change);
            return unprocessable(&refuse(&state, layout, area, errors, &form).await?);
        }
    }
    change
        .commit(
            &Event::new(admin.actor(), "area.updated", "area")
                .target(area.id)
                .area(area.id)
                .details(json!({ "before": before, "after": after })),
        )
        .await?;
    Ok(see_done(&done, Done::AreaUpdated))
}

pub(super) async fn add_member(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let area = find(&state, &slug).await?;
    let mut errors = FormErrors::new();
    let organisation_id = parse_id(&form.organisation).map(OrganisationId::new);
    if organisation_id.is_none() {
        errors.add("organisation", "Choose an organisation to add");
    }
    let signs_plan = parse_yes_no(&form.signs_plan);
    if signs_plan.is_none() {
        errors.add(
            "signs_plan",
            "Choose whether this organisation signs the plan",
        );
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let added = match (organisation_id, signs_plan) {
        (Some(organisation_id), Some(signs_plan)) => {
            let name =
                areas::insert_member(change.db(), area.id, organisation_id, signs_plan).await?;
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
        drop(change);
        let edit = AreaForm::of(&area);
        let page = area_page(&state, admin.layout(), area, errors, "", &edit, &form).await?;
        return unprocessable(&page);
    };
    change
        .commit(
            &Event::new(admin.actor(), "area_member.added", "organisation")
                .target(organisation_id)
                .area(area.id)
                .details(json!({ "after": { "organisation": name, "signs_plan": signs_plan } })),
        )
        .await?;
    Ok(see_done(&area_url(&area.slug), Done::MemberAdded))
}

/// Asks before removing a member, with what it has in the area's plans and what becomes of it.
pub(super) async fn confirm_remove_member(
    State(state): State<AppState>,
    admin: Admin,
    Path((slug, organisation_id)): Path<(String, OrganisationId)>,
) -> Result<Response, AppError> {
    let area = find(&state, &slug).await?;
    let member = areas::list_members(&state.pool, area.id)
        .await?
        .into_iter()
        .find(|member| member.organisation_id == organisation_id)
        .ok_or(AppError::NotFound)?;
    let footprint = areas::member_footprint(&state.pool, area.id, organisation_id).await?;
    let people =
        auth_store::area_grants_of_organisation(&state.pool, area.id.get(), organisation_id.get())
            .await?;
    ok(&RemoveMemberPage {
        layout: admin.layout(),
        area,
        member,
        footprint,
        people,
    })
}

pub(super) async fn remove_member(
    State(state): State<AppState>,
    admin: Admin,
    Path((slug, organisation_id)): Path<(String, OrganisationId)>,
) -> Result<Response, AppError> {
    let area = find(&state, &slug).await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let removed = areas::delete_member(change.db(), area.id, organisation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    change
        .commit(
            &Event::new(admin.actor(), "area_member.removed", "organisation")
                .target(organisation_id)
                .area(area.id)
                .details(json!({
                    "before": { "organisation": removed.name, "signs_plan": removed.signs_plan }
                })),
        )
        .await?;
    Ok(see_done(&area_url(&area.slug), Done::MemberRemoved))
}
