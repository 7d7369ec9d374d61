//! An area's overview page: its board and partner organisations.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Html;

use super::access::authorised_area;
use super::notices::{self, DeadlineNotice, DeadlineNoticeSource};
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
    deadline_notice: Option<DeadlineNotice>,
    /// Whether to link the area's people page (its leads and administrators).
    manages_people: bool,
}

async fn show_area(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    notices: Option<Extension<DeadlineNoticeSource>>,
) -> Result<Html<String>, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    let deadline_notice = notices::deadline_notice(
        notices.map(|Extension(source)| source),
        &state,
        area.id.get(),
    )
    .await?;
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
    let manages_people = policy::decide(
        &signed_in.user.principal(),
        Action::ManageMembership,
        Target::area(area.id.get()),
    ) == Decision::Allow;
    page::render(&AreaPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        partners,
        others,
        your_roles,
        deadline_notice,
        manages_people,
    })
}
