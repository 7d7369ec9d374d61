//! Rendering askama page structs into responses.

use askama::Template;
use axum::response::Html;

use super::AppError;

/// Renders a page template; a template failure becomes a logged 500.
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}
