//! Signing in (the password step, then a second factor where enrolled), signing out and staying
//! signed in (the idle warning's button). What these pages do behind them (sessions, trusted
//! browsers, throttling) is in `auth::sign_in`.

mod password_step;
mod second_factor;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::middleware::CurrentSession;
use super::sign_in;
use super::store;
use crate::AppState;
use crate::audit::Change;
use crate::web::AppError;
use crate::web::routes::{Route, get, post};

pub use password_step::SIGN_IN_FAILED;

pub fn routes() -> Vec<Route> {
    vec![
        get("/sign-in", password_step::show),
        post("/sign-in", password_step::sign_in),
        get("/sign-in/two-factor", second_factor::show),
        post("/sign-in/two-factor", second_factor::check),
        post("/sign-out", sign_out),
        post("/session/keep-alive", keep_alive),
    ]
}

/// `next` if it is a path on this site (so sign-in cannot be used to send people elsewhere)
/// that can go in a `Location` header: no control characters (a NUL or newline would make the
/// redirect unsendable, leaving a 303 with nowhere to go).
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control)
        && next.len() <= 2000
        && HeaderValue::from_str(next).is_ok();
    local.then_some(next)
}

/// `next` as a form or query sent it, or "" if it could not be redirected to.
fn shown_next(next: Option<&str>) -> String {
    safe_next(next.unwrap_or_default())
        .unwrap_or_default()
        .to_owned()
}

fn redirect_after_sign_in(next: &str) -> String {
    safe_next(next).unwrap_or("/").to_owned()
}

async fn sign_out(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    if let Some(session) = session {
        match &session.user {
            Some(user) => {
                let mut change = Change::begin(&state.pool, state.clock.now()).await?;
                store::delete_session(change.db(), &session.token_hash).await?;
                change.commit(&user.own_event("session.signed_out")).await?;
            }
            // Nobody signed in: one statement, and nothing anyone did to record.
            None => store::delete_session(&state.pool, &session.token_hash).await?,
        }
    }
    Ok(sign_in::signed_out(&state))
}

/// "Stay signed in" in the idle warning (`static/app.js`): the session's idle time starts again
/// (204), or 401 if it has already ended.
async fn keep_alive(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    let Some(session) = session.filter(|session| session.signed_in_user().is_some()) else {
        return Ok(StatusCode::UNAUTHORIZED.into_response());
    };
    store::touch_session(&state.pool, &session.token_hash, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_goes_to_our_own_paths() {
        assert_eq!(safe_next("/areas/kent"), Some("/areas/kent"));
        assert_eq!(
            safe_next("/areas/kent?tab=risks"),
            Some("/areas/kent?tab=risks")
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "areas",
            "/a\r\nSet-Cookie: x",
            "/areas\0/kent",
            "/areas/\u{7f}",
            "/areas/\u{85}",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
