//! The one error type of the web layer. Not found, forbidden and bad request render their own
//! pages; anything else is logged with its whole cause chain and answered with a plain 500 page
//! that leaks nothing. A problem with what the user typed is not an error: the handler re-renders
//! the form.

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

/// The error pages. A response that is one carries this in its extensions, so the session
/// middleware, which knows who is signed in, can render it again with their navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    Forbidden,
    BadRequest,
    ServerError,
}

impl ErrorPage {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorPage::NotFound => StatusCode::NOT_FOUND,
            ErrorPage::Forbidden => StatusCode::FORBIDDEN,
            ErrorPage::BadRequest => StatusCode::BAD_REQUEST,
            ErrorPage::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page in the shell described by `layout`.
    pub fn render(self, layout: Layout) -> Response {
        let status = self.status();
        let html = match self {
            ErrorPage::NotFound => NotFoundPage { layout }.render(),
            ErrorPage::Forbidden => ForbiddenPage { layout }.render(),
            ErrorPage::BadRequest => BadRequestPage { layout }.render(),
            ErrorPage::ServerError => ServerErrorPage { layout }.render(),
        };
        let mut response = match html {
            Ok(html) => (status, Html(html)).into_response(),
            // The error pages show no data, so this only happens if a template is broken.
            Err(_) => (status, status.canonical_reason().unwrap_or("Error")).into_response(),
        };
        response.extensions_mut().insert(self);
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = match self {
            AppError::NotFound => ErrorPage::NotFound,
            AppError::Forbidden => ErrorPage::Forbidden,
            AppError::BadRequest => ErrorPage::BadRequest,
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                ErrorPage::ServerError
            }
        };
        page.render(Layout::anonymous())
    }
}

/// The 500 page, also used when a handler panics.
pub fn server_error_response() -> Response {
    ErrorPage::ServerError.render(Layout::anonymous())
}

/// The router's fallback: any path we do not serve.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
