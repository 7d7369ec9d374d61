//! The sign-in page and its first step: email and password, throttled, and a session (with the
//! second factor still to come, where enrolled).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{redirect_after_sign_in, safe_next, shown_next};
use crate::AppState;
use crate::audit::{Actor, Change, Event};
use crate::auth::middleware::{ClientAddress, CurrentSession};
use crate::auth::password;
use crate::auth::session::{self, Session};
use crate::auth::sign_in::{self, BUSY, Done, busy, with_cookie};
use crate::auth::store::{self, SecurityEvent};
use crate::auth::throttle::Scope;
use crate::web::banner::DoneQuery;
use crate::web::extract::Form;
use crate::web::page::see_other;
use crate::web::{AppError, FormErrors, Layout, page};

/// The one message for every failed sign-in, whatever the reason, so that it tells an attacker
/// nothing (not whether the email has an account, nor whether it is locked).
pub const SIGN_IN_FAILED: &str = "Enter a correct email address and password. After several wrong attempts, signing in is paused for a few minutes.";

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    layout: Layout,
    /// A success banner ("You have signed out"), or "" for none.
    banner: &'static str,
    errors: FormErrors,
    email: String,
    next: String,
}

#[derive(Deserialize)]
pub(super) struct SignInQuery {
    next: Option<String>,
    #[serde(flatten)]
    done: DoneQuery,
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn show(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    // axum's own Query: its only value is `next`, which `safe_next` reduces to a plain local
    // path (or `/`) and which never reaches the database, so a NUL in it sends you home.
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    // A `next` that could not be redirected to is no `next` at all.
    let next = shown_next(query.next.as_deref());
    if session.as_ref().and_then(Session::signed_in_user).is_some() {
        return Ok(see_other(&redirect_after_sign_in(&next)));
    }
    let page = |csrf_token: String| SignInPage {
        layout: Layout {
            csrf_token,
            ..Layout::anonymous()
        },
        banner: query.done.banner::<Done>(),
        errors: FormErrors::new(),
        email: String::new(),
        next: next.clone(),
    };
    if let Some(session) = session {
        return Ok(page::render(&page(session.csrf_token))?.into_response());
    }
    // No session yet: the form's CSRF token lives in a signed cookie (double submit), so that
    // showing this page writes nothing to the database.
    if let Some(token) = anonymous_csrf_token(&state, &headers) {
        return Ok(page::render(&page(token))?.into_response());
    }
    let token = session::new_anonymous_csrf_token(state.keys.csrf_cookie.as_bytes())?;
    let response = page::render(&page(token.clone()))?.into_response();
    Ok(with_cookie(
        response,
        session::anonymous_csrf_cookie(&state.config, &token),
    ))
}

/// The browser's anonymous CSRF token, if it holds one this server signed.
fn anonymous_csrf_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    sign_in::anonymous_csrf_token(state, headers)
}

/// What may be kept of a typed email in the security events: only something shaped like an
/// address, so a password typed into the wrong box is not stored.
fn loggable_email(typed: &str) -> Option<&str> {
    let looks_like_email = typed.contains('@')
        && !typed.chars().any(char::is_whitespace)
        && typed.chars().count() <= 254;
    looks_like_email.then_some(typed)
}

/// A typed email that cannot be an address: control characters (a NUL cannot even be stored)
/// or too long.
fn email_is_malformed(typed: &str) -> bool {
    typed.chars().any(char::is_control) || typed.chars().count() > 254
}

/// What is wrong with the form before anything is checked against the database.
fn form_errors(email: &str, password: &str) -> FormErrors {
    let mut errors = FormErrors::new();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    } else if email_is_malformed(email) {
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        );
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    errors
}

/// Why a sign-in was refused, for the security events (never shown: the page says the same
/// whatever the reason). Refused unchecked when paused; otherwise the password was wrong or, if
/// it matched, the account is disabled.
fn failure_reason(locked: bool, password_matches: bool) -> &'static str {
    if locked {
        "paused after repeated failures"
    } else if !password_matches {
        "wrong email or password"
    } else {
        "account disabled"
    }
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_owned();
    // The CSRF check passed, so there is a session or a signed anonymous token.
    let layout = match &session {
        Some(session) => Layout::for_session(Some(session)),
        None => Layout {
            csrf_token: anonymous_csrf_token(&state, &headers).unwrap_or_default(),
            ..Layout::anonymous()
        },
    };
    let shown_email: String = email.chars().filter(|c| !c.is_control()).collect();
    let failure_page = |errors: FormErrors| -> Result<Html<String>, AppError> {
        page::render(&SignInPage {
            layout: layout.clone(),
            banner: "",
            errors,
            email: shown_email.clone(),
            next: shown_next(Some(&form.next)),
        })
    };
    let errors = form_errors(&email, &form.password);
    if !errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, failure_page(errors)?).into_response());
    }

    let now = state.clock.now();
    let address_key = client.0.clone().unwrap_or_else(|| "unknown".into());
    let credentials = store::find_credentials(&state.pool, &email).await?;
    let trusted_device = match &credentials {
        Some(account) => sign_in::is_trusted_device(&state, &headers, account.id, now).await?,
        None => false,
    };
    let admission =
        sign_in::admit_sign_in(&state.pool, &email, &address_key, trusted_device, now).await?;
    let locked = admission.locked;

    // A locked attempt is refused unchecked: the password is not even hashed.
    let checked = if locked {
        Ok(false)
    } else {
        match &credentials {
            Some(account) => password::verify(&form.password, &account.password_hash).await,
            None => password::verify_dummy(&form.password).await.map(|()| false),
        }
    };
    let password_matches = match checked {
        Err(error) if password::is_busy(&error) => {
            // Not checked, so not a failure: take back the count.
            store::refund_throttle(&state.pool, Scope::Account, &admission.account_key).await?;
            let mut errors = FormErrors::new();
            errors.add("email", BUSY);
            return Ok(busy(failure_page(errors)?));
        }
        checked => checked?,
    };
    let known_user = credentials.as_ref().map(|account| account.id);
    let account = credentials.filter(|account| password_matches && !account.disabled && !locked);

    let Some(account) = account else {
        let event = SecurityEvent {
            kind: "sign_in_failed",
            user_id: known_user,
            email: loggable_email(&email),
            client_address: Some(&address_key),
            reason: failure_reason(locked, password_matches),
        };
        sign_in::record_failed_sign_in(&state.pool, &address_key, !locked, event, now).await?;
        let mut errors = FormErrors::new();
        errors.add("email", SIGN_IN_FAILED);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, failure_page(errors)?).into_response());
    };

    let mut change = Change::begin(&state.pool, now).await?;
    store::clear_throttle(change.db(), Scope::Account.key(), &admission.account_key).await?;
    // A new session id at sign-in: a token planted before sign-in (fixation) becomes useless.
    if let Some(session) = &session {
        store::delete_session(change.db(), &session.token_hash).await?;
    }
    let pending = account.two_factor_enabled;
    let token =
        sign_in::start_session(change.db(), &state, account.id, pending, &client, &headers).await?;
    let device_cookie = if pending {
        None
    } else {
        sign_in::trust_this_device(change.db(), &state, &headers, &client, account.id).await?
    };
    let action = if pending {
        "session.password_accepted"
    } else {
        "session.signed_in"
    };
    change
        .commit(
            &Event::new(
                Actor::user(account.id, account.email.as_str()),
                action,
                "user",
            )
            .target(account.id)
            .details(json!({ "client_address": address_key })),
        )
        .await?;

    let to = if pending {
        match safe_next(&form.next) {
            Some(next) => format!("/sign-in/two-factor?next={}", urlencoding::encode(next)),
            None => "/sign-in/two-factor".to_owned(),
        }
    } else {
        redirect_after_sign_in(&form.next)
    };
    Ok(sign_in::signed_in(&state, &to, &token, device_cookie))
}

#[cfg(test)]
mod tests {
    use super::{email_is_malformed, failure_reason, loggable_email};

    #[test]
    fn a_pause_is_the_reason_even_for_the_right_password() {
        assert_eq!(failure_reason(true, true), "paused after repeated failures");
        assert_eq!(failure_reason(false, false), "wrong email or password");
        assert_eq!(failure_reason(false, true), "account disabled");
    }

    #[test]
    fn only_what_looks_like_an_email_is_kept_and_control_characters_are_refused() {
        assert_eq!(loggable_email("sam@kent.example"), Some("sam@kent.example"));
        assert_eq!(loggable_email("correct horse battery"), None);
        assert_eq!(loggable_email("hunter2"), None);
        assert_eq!(loggable_email(&format!("{}@x", "a".repeat(260))), None);
        assert!(email_is_malformed("sam\0@kent.example"));
        assert!(email_is_malformed("sam\u{1b}@kent.example"));
        assert!(!email_is_malformed("s\u{e1}m@kent.example"));
    }
}
