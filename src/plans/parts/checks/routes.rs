//! The checks page.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::CheckResult;
use super::facts::{check_plan, sections};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::store::PlanSummary;
use crate::web::extract::Path;
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![get("/areas/{slug}/plans/{plan}/checks", show_checks)]
}

#[derive(Template)]
#[template(path = "plans/parts/checks.html")]
struct ChecksPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    results: Vec<CheckResult>,
    failing: usize,
}

async fn show_checks(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let PlanInCycle {
        area,
        plan,
        structure,
        approval,
    } = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let sections = sections(&state, &plan).await?;
    let results = check_plan(&state, &area, &plan, &structure, sections).await?;
    page::ok(&ChecksPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        failing: super::failing(&results),
        approval,
        area,
        plan,
        part: "checks",
        results,
    })
}
