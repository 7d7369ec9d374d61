//! The whole live plan as one document: a page to read and print, and a Word download.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::layout::{self, Block, Part};
use super::{PlanContent, docx};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::store::PlanSummary;
use crate::web::extract::Path;
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans/{plan}/document", document),
        get("/areas/{slug}/plans/{plan}/document.docx", document_docx),
    ]
}

#[derive(Template)]
#[template(path = "plans/document/live.html")]
struct DocumentPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    approval: Option<ApprovalNotice>,
    as_of: String,
    docx_url: String,
    parts: Vec<Part>,
}

/// The plan's content now, read in one go.
async fn live(state: &AppState, plan: &PlanInCycle) -> Result<PlanContent, AppError> {
    let mut db = state.pool.acquire().await?;
    Ok(super::store::content(&mut db, &plan.area, &plan.plan, &plan.structure).await?)
}

/// The layout of a content, off the request's thread (a plan's Markdown can be long).
pub async fn laid_out(content: PlanContent) -> Result<(String, Vec<Part>), AppError> {
    Ok(
        tokio::task::spawn_blocking(move || (layout::title(&content), layout::parts(&content)))
            .await?,
    )
}

/// A document as a Word download named `name`.docx.
pub async fn docx_download(
    title: String,
    parts: Vec<Part>,
    name: &str,
) -> Result<Response, AppError> {
    let bytes = tokio::task::spawn_blocking(move || docx::write(&title, &parts))
        .await?
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok(page::attachment(
        &format!("{name}.docx"),
        docx::CONTENT_TYPE,
        bytes,
    ))
}

async fn document(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let content = live(&state, &plan).await?;
    let (_, parts) = laid_out(content).await?;
    let docx_url = format!("{}/document.docx", plan.url());
    page::ok(&DocumentPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        as_of: format::date_time(state.clock.now()),
        area: plan.area,
        plan: plan.plan,
        approval: plan.approval,
        docx_url,
        parts,
    })
}

async fn document_docx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let content = live(&state, &plan).await?;
    let (title, parts) = laid_out(content).await?;
    let name = format!("{}-{}-plan", plan.area.slug, plan.plan.template_key);
    docx_download(title, parts, &name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_render_as_govuk_markup() {
        #[derive(Template)]
        #[template(path = "plans/document/body.html")]
        struct Body {
            parts: Vec<Part>,
        }
        let html = Body {
            parts: layout::parts(&super::super::tests::content()),
        }
        .render()
        .unwrap();
        assert!(html.contains("<th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">Amount</th>"));
        assert!(html.contains("£1,234,567"));
        assert!(html.contains("Care closer to home.</p>"));
        assert!(html.contains("govuk-summary-list__key\">Lead commissioner"));
        assert!(!Block::is_numeric(&[], &0));
    }
}
