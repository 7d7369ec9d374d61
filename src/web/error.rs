//! The one error type of the web layer. Not found and forbidden render their own pages; anything
//! else is logged with its whole cause chain and answered with a plain 500 page that leaks
//! nothing. A problem with what the user typed is not an error: the handler re-renders the form.

use askama::Template;

use super::Layout;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A request we cannot read at all (not a form, say): not something a person typed.
    #[error("bad request")]
    BadRequest,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::Internal(error.into())
    }
}

#[derive(Template)]
#[template(path = "errors/not_found.html")]
struct NotFoundPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "errors/forbidden.html")]
struct ForbiddenPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "errors/bad_request.html")]
struct BadRequestPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "errors/server_error.html")]
struct ServerErrorPage {
    layout: Layout,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                &NotFoundPage {
                    layout: Layout::anonymous(),
                },
            ),
            AppError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                &ForbiddenPage {
                    layout: Layout::anonymous(),
                },
            ),
            AppError::BadRequest => error_page(
                StatusCode::BAD_REQUEST,
                &BadRequestPage {
                    layout: Layout::anonymous(),
                },
            ),
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                server_error_response()
            }
        }
    }
}

/// The 500 page, also used when a handler panics.
pub fn server_error_response() -> Response {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        &ServerErrorPage {
            layout: Layout::anonymous(),
        },
    )
}

fn error_page(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        // The error pages have no fields, so this only happens if a template is broken.
        Err(_) => (status, status.canonical_reason().unwrap_or("Error")).into_response(),
    }
}

/// The router's fallback: any path we do not serve.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
