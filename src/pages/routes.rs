//! The public pages' handlers: each renders its page in the shell of whoever asks (with their
//! navigation when signed in), and none needs a sign-in or sends anyone elsewhere first, so the
//! accessibility statement and the privacy notice can always be read.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::cookies::{Cookie, cookies};
use super::retention::Retention;
use crate::AppState;
use crate::auth::middleware::CurrentSession;
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/help", help),
        get("/accessibility", accessibility),
        get("/privacy", privacy),
        get("/cookies", cookies_page),
    ]
}

#[derive(Template)]
#[template(path = "pages/help.html")]
struct HelpPage {
    layout: Layout,
    contact_email: Option<String>,
    retention: Retention,
}

#[derive(Template)]
#[template(path = "pages/accessibility.html")]
struct AccessibilityPage {
    layout: Layout,
    contact_email: Option<String>,
    retention: Retention,
}

#[derive(Template)]
#[template(path = "pages/privacy.html")]
struct PrivacyPage {
    layout: Layout,
    contact_email: Option<String>,
    retention: Retention,
}

#[derive(Template)]
#[template(path = "pages/cookies.html")]
struct CookiesPage {
    layout: Layout,
    contact_email: Option<String>,
    cookies: Vec<Cookie>,
}

async fn help(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    page::ok(&HelpPage {
        layout: Layout::for_session(session.as_ref()),
        contact_email: state.config.contact_email.clone(),
        retention: Retention::in_force(),
    })
}

async fn accessibility(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    page::ok(&AccessibilityPage {
        layout: Layout::for_session(session.as_ref()),
        contact_email: state.config.contact_email.clone(),
        retention: Retention::in_force(),
    })
}

async fn privacy(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    page::ok(&PrivacyPage {
        layout: Layout::for_session(session.as_ref()),
        contact_email: state.config.contact_email.clone(),
        retention: Retention::in_force(),
    })
}

async fn cookies_page(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    page::ok(&CookiesPage {
        layout: Layout::for_session(session.as_ref()),
        contact_email: state.config.contact_email.clone(),
        cookies: cookies(&state.config),
    })
}
