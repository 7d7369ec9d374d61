//! The one error type of the web layer. Not found, forbidden and bad request render their own
//! pages; anything else is logged with its whole cause chain and answered with a plain 500 page
//! that leaks nothing. A problem with what the user typed is not an error: the handler re-renders
//! the form.

use askama::Template;

use super::Layout;
use super::form::Typed;
use axum::http::{StatusCode, header};
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
    /// A method the address does not answer (a GET on the address a form posts to, typed in or
    /// followed from a bookmark): a page with a way back, not an empty 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Text with a character no page or database column can hold (NUL): nothing is saved, and
    /// what was typed is shown back without it.
    #[error("unstorable character")]
    Unstorable(Typed),
    /// The database cannot be reached (down, restarting, out of connections, or a lock that
    /// did not come free): try again soon. What was typed is shown back once a handler has said
    /// what it was (`keeping`).
    #[error("service unavailable: {cause}")]
    Unavailable { cause: String, typed: Typed },
    /// A change refused for a reason the person could not see when they filled the form in
    /// (the plan went into sign-off, say): 409, nothing saved, what was typed shown back once a
    /// handler has said what it was (`keeping`).
    #[error("refused: {}", .0.heading)]
    Refused(Box<Refusal>),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The same error, showing `typed` back if it is one whose page shows what was typed (the
    /// database being unavailable).
    pub fn keeping(self, typed: Typed) -> AppError {
        match self {
            AppError::Unavailable { cause, .. } => AppError::Unavailable { cause, typed },
            AppError::Refused(mut refusal) => {
                if refusal.typed.is_empty() {
                    refusal.typed = typed;
                }
                AppError::Refused(refusal)
            }
            other => other,
        }
    }
}

/// Why a change was refused, as its page (409) says it: a heading, the explanation, the page to
/// go back to, and what was typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub heading: String,
    pub explanation: String,
    /// Where the link back goes, and its text.
    pub back_url: String,
    pub back_text: String,
    pub typed: Typed,
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            AppError::Unavailable {
                cause: format!("{error:#}"),
                typed: Typed::default(),
            }
        } else {
            AppError::Internal(error.into())
        }
    }
}

/// Whether a database error means "the database cannot serve us now" (worth trying again
/// later) rather than a fault in the request or the code.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // 08: connection exception; 53: insufficient resources; 57P: the server is
            // shutting down or starting; 55P03: a lock that did not come free in time;
            // 40001 and 40P01: a serialisation failure or deadlock, to try again.
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                || code == "55P03"
                || code == "40001"
                || code == "40P01"
        }),
        _ => false,
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
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
#[template(path = "errors/method_not_allowed.html")]
struct MethodNotAllowedPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "errors/server_error.html")]
struct ServerErrorPage {
    layout: Layout,
}

/// A request refused for a reason that is no fault of what was typed, with the text shown back.
#[derive(Template)]
#[template(path = "errors/typed.html")]
struct TypedPage<'a> {
    layout: Layout,
    heading: &'static str,
    explanation: &'static str,
    typed: &'a Typed,
}

#[derive(Template)]
#[template(path = "errors/refused.html")]
struct RefusedPage<'a> {
    layout: Layout,
    refusal: &'a Refusal,
}

/// The error pages. A response that is one carries this in its extensions, so the session
/// middleware, which knows who is signed in, can render it again with their navigation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    Forbidden,
    BadRequest,
    MethodNotAllowed,
    Unstorable(Typed),
    Unavailable(Typed),
    Refused(Box<Refusal>),
    ServerError,
}

impl ErrorPage {
    pub fn status(&self) -> StatusCode {
        match self {
            ErrorPage::NotFound => StatusCode::NOT_FOUND,
            ErrorPage::Forbidden => StatusCode::FORBIDDEN,
            ErrorPage::BadRequest | ErrorPage::Unstorable(_) => StatusCode::BAD_REQUEST,
            ErrorPage::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorPage::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ErrorPage::Refused(_) => StatusCode::CONFLICT,
            ErrorPage::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page in the shell described by `layout`.
    pub fn render(&self, layout: Layout) -> Response {
        let status = self.status();
        let html = match self {
            ErrorPage::NotFound => NotFoundPage { layout }.render(),
            ErrorPage::Forbidden => ForbiddenPage { layout }.render(),
            ErrorPage::BadRequest => BadRequestPage { layout }.render(),
            ErrorPage::MethodNotAllowed => MethodNotAllowedPage { layout }.render(),
            ErrorPage::Unstorable(typed) => TypedPage {
                layout,
                heading: "Your text could not be saved",
                explanation: "It contains a character that cannot be stored (a NUL character, usually pasted in by accident from another program), so nothing was saved. Your text is below with that character removed: copy it, go back to the form and paste it in again.",
                typed,
            }
            .render(),
            ErrorPage::Unavailable(typed) => TypedPage {
                layout,
                heading: "Sorry, the service is unavailable",
                explanation: "We could not reach the database, so nothing was saved. Try again in a few minutes. Anything you saved before this is kept.",
                typed,
            }
            .render(),
            ErrorPage::Refused(refusal) => RefusedPage { layout, refusal }.render(),
            ErrorPage::ServerError => ServerErrorPage { layout }.render(),
        };
        let mut response = match html {
            Ok(html) => (status, Html(html)).into_response(),
            // The error pages show no data, so this only happens if a template is broken.
            Err(_) => (status, status.canonical_reason().unwrap_or("Error")).into_response(),
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
        }
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = match self {
            AppError::NotFound => ErrorPage::NotFound,
            AppError::Forbidden => ErrorPage::Forbidden,
            AppError::BadRequest => ErrorPage::BadRequest,
            AppError::MethodNotAllowed => ErrorPage::MethodNotAllowed,
            AppError::Unstorable(typed) => ErrorPage::Unstorable(typed),
            AppError::Unavailable { cause, typed } => {
                tracing::warn!(error = cause, "database unavailable");
                ErrorPage::Unavailable(typed)
            }
            AppError::Refused(refusal) => ErrorPage::Refused(refusal),
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

/// The router's answer to a method an address does not take.
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_a_503_that_shows_what_was_typed() {
        let error = AppError::from(sqlx::Error::PoolClosed)
            .keeping(Typed::text("Your text", "Our plan for care"));
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        match response.extensions().get::<ErrorPage>() {
            Some(ErrorPage::Unavailable(typed)) => assert!(!typed.is_empty()),
            other => panic!("expected the unavailable page, got {other:?}"),
        }
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
    }

    #[test]
    fn a_refusal_is_a_409_that_shows_what_was_typed() {
        let refusal = Refusal {
            heading: "This plan is in sign-off".to_owned(),
            explanation: "Its content cannot change until the round ends.".to_owned(),
            back_url: "/areas/kent/plans/2014-16".to_owned(),
            back_text: "Go back to the page".to_owned(),
            typed: Typed::default(),
        };
        let error = AppError::Refused(Box::new(refusal))
            .keeping(Typed::text("Your text", "Our plan for care"));
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        match response.extensions().get::<ErrorPage>() {
            Some(ErrorPage::Refused(refusal)) => assert!(!refusal.typed.is_empty()),
            other => panic!("expected the refusal page, got {other:?}"),
        }
    }

    #[test]
    fn other_database_errors_stay_500s_and_keep_nothing() {
        let error = AppError::from(sqlx::Error::RowNotFound)
            .keeping(Typed::text("Your text", "Our plan for care"));
        assert!(matches!(error, AppError::Internal(_)));
        assert_eq!(
            error.into_response().status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
