//! An area's overview page: its board and partner organisations.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::store::{self, AreaSummary, Member};
use crate::AppState;
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::web::extract::Path;
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![get("/areas/{slug}", show_area)]
}

#[derive(Template)]
#[template(path = "areas/area.html")]
struct AreaPage {
    layout: Layout,
    area: AreaSummary,
    partners: Vec<Member>,
    others: Vec<Member>,
    your_roles: Vec<&'static str>,
}

/// Loads the area named in the URL and asks the policy whether `signed_in` may do `action` in
/// it. An area the person has no part in is reported as not found.
pub async fn authorised_area(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    action: Action,
) -> Result<AreaSummary, AppError> {
    let area = store::find_area_by_slug(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    match policy::decide(
        &signed_in.user.principal(),
        action,
        Target::area(area.id.get()),
    ) {
        Decision::Allow => Ok(area),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

async fn show_area(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Html<String>, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    let (partners, others) = store::list_members(&state.pool, area.id)
        .await?
        .into_iter()
        .partition(|member| member.signs_plan);
    let your_roles = signed_in
        .user
        .grants
        .iter()
        .filter(|grant| grant.area_id == Some(area.id.get()) || grant.area_id.is_none())
        .map(|grant| grant.role.label())
        .collect();
    page::render(&AreaPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        partners,
        others,
        your_roles,
    })
}
