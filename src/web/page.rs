//! Rendering askama page structs into responses.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::AppError;

/// Renders a page template; a template failure becomes a logged 500.
pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}

/// A page, answered 200.
pub fn ok(page: &impl Template) -> Result<Response, AppError> {
    Ok(render(page)?.into_response())
}

/// A form with problems, answered 422 with everything typed still in it.
pub fn unprocessable(page: &impl Template) -> Result<Response, AppError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
}

/// A save refused because someone else saved first, answered 409 with everything typed kept.
pub fn conflict(page: &impl Template) -> Result<Response, AppError> {
    Ok((StatusCode::CONFLICT, render(page)?).into_response())
}

/// A piece of a page (HTML already escaped and rendered) for a page's script to put in place,
/// answered 200; never cached, since it holds people's text.
pub fn fragment(html: String) -> Result<Response, AppError> {
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

/// After a POST: go and GET the page that shows the result.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, Redirect::to(to)).into_response()
}

/// A file for the browser to save as `file_name` rather than show; never cached, since it holds
/// people's plans.
pub fn attachment(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
