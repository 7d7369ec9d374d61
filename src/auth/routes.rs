//! Signing in (password, then a second factor where enrolled) and signing out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;

use super::middleware::{ClientAddress, CurrentSession};
use super::session::{self, Session};
use super::store::{self, NewSession};
use super::throttle::{self, Scope};
use super::{password, recovery, totp};
use crate::AppState;
use crate::audit::{self, Actor, Event};
use crate::web::extract::Form;
use crate::web::page::see_other;
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, FormErrors, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/sign-in", show_sign_in),
        post("/sign-in", sign_in),
        get("/sign-in/two-factor", show_second_factor),
        post("/sign-in/two-factor", second_factor),
        post("/sign-out", sign_out),
    ]
}

/// The one message for every failed sign-in, whatever the reason, so that it tells an attacker
/// nothing (not whether the email has an account, nor whether it is locked).
pub const SIGN_IN_FAILED: &str = "Enter a correct email address and password. After several wrong attempts, signing in is paused for a few minutes.";
const SECOND_FACTOR_FAILED: &str = "Enter the current 6-digit code from your authenticator app, or one of your unused recovery codes. After several wrong attempts, signing in is paused for a few minutes.";

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    next: String,
    signed_out: bool,
}

#[derive(Template)]
#[template(path = "auth/two_factor.html")]
struct SecondFactorPage {
    layout: Layout,
    errors: FormErrors,
    next: String,
}

#[derive(Deserialize)]
struct SignInQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct SecondFactorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
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

fn redirect_after_sign_in(next: &str) -> String {
    safe_next(next).unwrap_or("/").to_owned()
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// Starts a session for `user_id` (or an anonymous one), returning its token and CSRF token.
/// Used at sign-in and wherever else the session id must change (a password change).
pub(crate) async fn insert_new_session(
    tx: &mut PgConnection,
    state: &AppState,
    user_id: Option<i64>,
    second_factor_pending: bool,
    client: &ClientAddress,
    headers: &HeaderMap,
) -> Result<(String, String), AppError> {
    let token = session::new_token()?;
    let csrf_token = session::new_token()?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok());
    store::insert_session(
        &mut *tx,
        NewSession {
            token_hash: &session::token_hash(&token),
            csrf_token: &csrf_token,
            user_id,
            second_factor_pending,
            client_address: client.0.as_deref(),
            user_agent,
        },
        state.clock.now(),
    )
    .await?;
    Ok((token, csrf_token))
}

async fn show_sign_in(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    // A `next` that could not be redirected to is no `next` at all.
    let next = safe_next(query.next.as_deref().unwrap_or_default())
        .unwrap_or_default()
        .to_owned();
    if session.as_ref().and_then(Session::signed_in_user).is_some() {
        return Ok(see_other(&redirect_after_sign_in(&next)));
    }
    let page = |csrf_token: String| SignInPage {
        layout: Layout {
            csrf_token,
            ..Layout::anonymous()
        },
        errors: FormErrors::new(),
        email: String::new(),
        next: next.clone(),
        signed_out: query.signed_out.is_some(),
    };
    if let Some(session) = session {
        return Ok(page::render(&page(session.csrf_token))?.into_response());
    }
    // No session yet: the form's CSRF token lives in a signed cookie (double submit), so that
    // showing this page writes nothing to the database.
    if let Some(token) = anonymous_csrf_token(&state, &headers) {
        return Ok(page::render(&page(token))?.into_response());
    }
    let token = session::new_anonymous_csrf_token()?;
    let response = page::render(&page(token.clone()))?.into_response();
    Ok(with_cookie(
        response,
        session::anonymous_csrf_cookie(&state.config, &token),
    ))
}

/// The browser's anonymous CSRF token, if it holds one this server signed.
fn anonymous_csrf_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    session::read_cookie(headers, session::anonymous_csrf_cookie_name(&state.config))
        .filter(|token| session::is_signed_anonymous_csrf_token(token))
        .map(str::to_owned)
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

/// 503 with `Retry-After`: too many passwords are being checked at once.
pub(crate) fn busy(page: Html<String>) -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// Shown when the server is too busy checking passwords to check one more.
pub(crate) const BUSY: &str = "The service is busy. Wait a few seconds, then try again";

async fn sign_in(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_owned();
    let mut errors = FormErrors::new();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    } else if email_is_malformed(&email) {
        errors.add(
            "email",
            "Enter an email address in the correct format, like name@example.com",
        );
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
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
            errors,
            email: shown_email.clone(),
            next: safe_next(&form.next).unwrap_or_default().to_owned(),
            signed_out: false,
        })
    };
    if !errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, failure_page(errors)?).into_response());
    }

    let now = state.clock.now();
    let address_key = client.0.clone().unwrap_or_else(|| "unknown".into());
    let credentials = store::find_credentials(&state.pool, &email).await?;
    let trusted_device = match (
        session::read_cookie(&headers, session::device_cookie_name(&state.config)),
        &credentials,
    ) {
        (Some(device), Some(account)) => {
            store::is_trusted_device(&state.pool, &session::token_hash(device), account.id, now)
                .await?
        }
        _ => false,
    };

    // Count the attempt on the account before checking it, with the counter's row locked:
    // parallel guesses at one account each count. The address is counted only once a guess
    // has failed (with its row locked too), so people signing in at once from one office
    // address do not pause it; its lock still stops a source trying many accounts.
    let mut tx = state.pool.begin().await?;
    let account_key = store::email_key(&mut *tx, &email).await?;
    let account_now = store::lock_throttle(&mut tx, Scope::Account, &account_key, now).await?;
    let address_now = store::throttle_state(&mut *tx, Scope::Address, &address_key).await?;
    let account_admission = throttle::admit(Scope::Account, account_now, now, trusted_device);
    let locked = throttle::is_locked(address_now.as_ref(), now) || account_admission.is_refused();
    if let (false, Some(next_state)) = (locked, account_admission.state()) {
        store::save_throttle_state(&mut *tx, Scope::Account, &account_key, next_state).await?;
    }
    tx.commit().await?;

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
            store::refund_throttle(&state.pool, Scope::Account, &account_key).await?;
            let mut errors = FormErrors::new();
            errors.add("email", BUSY);
            return Ok(busy(failure_page(errors)?));
        }
        checked => checked?,
    };
    let known_user = credentials.as_ref().map(|account| account.id);
    let account = credentials.filter(|account| password_matches && !account.disabled && !locked);

    let mut tx = state.pool.begin().await?;
    let Some(account) = account else {
        let reason = if locked {
            "paused after repeated failures"
        } else if !password_matches {
            "wrong email or password"
        } else {
            "account disabled"
        };
        if !locked {
            let current = store::lock_throttle(&mut tx, Scope::Address, &address_key, now).await?;
            let next_state = throttle::after_failure(Scope::Address, current, now);
            store::save_throttle_state(&mut *tx, Scope::Address, &address_key, next_state).await?;
        }
        // Failed attempts are kept for a while, not in the permanent audit log.
        store::insert_security_event(
            &mut *tx,
            store::SecurityEvent {
                kind: "sign_in_failed",
                user_id: known_user,
                email: loggable_email(&email),
                client_address: Some(&address_key),
                reason,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        let mut errors = FormErrors::new();
        errors.add("email", SIGN_IN_FAILED);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, failure_page(errors)?).into_response());
    };

    store::clear_throttle(&mut *tx, Scope::Account.key(), &account_key).await?;
    // A new session id at sign-in: a token planted before sign-in (fixation) becomes useless.
    if let Some(session) = &session {
        store::delete_session(&mut *tx, &session.token_hash).await?;
    }
    let pending = account.two_factor_enabled;
    let (token, _) = insert_new_session(
        &mut tx,
        &state,
        Some(account.id),
        pending,
        &client,
        &headers,
    )
    .await?;
    let action = if pending {
        "session.password_accepted"
    } else {
        "session.signed_in"
    };
    audit::store::append(
        &mut tx,
        now,
        &Event::new(Actor::user(account.id, &account.email), action, "user")
            .target(account.id)
            .details(json!({ "client_address": address_key })),
    )
    .await?;
    let device_cookie = if pending {
        None
    } else {
        trust_this_device(&mut tx, &state, &headers, &client, account.id).await?
    };
    tx.commit().await?;

    let to = if pending {
        match safe_next(&form.next) {
            Some(next) => format!("/sign-in/two-factor?next={}", urlencoding::encode(next)),
            None => "/sign-in/two-factor".to_owned(),
        }
    } else {
        redirect_after_sign_in(&form.next)
    };
    let mut response = with_cookie(
        see_other(&to),
        session::session_cookie(&state.config, &token),
    );
    if let Some(cookie) = device_cookie {
        response = with_cookie(response, cookie);
    }
    Ok(response)
}

/// Marks this browser as one the account has fully signed in from, so that a lock on the
/// account (from a stranger's guessing) does not apply to it, for `TRUSTED_DEVICE_LIFETIME`.
/// A browser already trusted keeps its token (no new one at every sign-in); one whose token has
/// expired gets a new one in its place. Returns the cookie to set, if new.
async fn trust_this_device(
    tx: &mut PgConnection,
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientAddress,
    user_id: i64,
) -> Result<Option<HeaderValue>, AppError> {
    let now = state.clock.now();
    if let Some(existing) =
        session::read_cookie(headers, session::device_cookie_name(&state.config))
    {
        let existing_hash = session::token_hash(existing);
        if store::is_trusted_device(&mut *tx, &existing_hash, user_id, now).await? {
            store::touch_trusted_device(&mut *tx, &existing_hash, now).await?;
            return Ok(None);
        }
        store::delete_trusted_device(&mut *tx, &existing_hash, user_id).await?;
    }
    // One browser may be trusted by several accounts, each with its own token; the cookie
    // holds the latest.
    let token = session::new_token()?;
    store::trust_device(
        &mut *tx,
        store::NewTrustedDevice {
            token_hash: &session::token_hash(&token),
            user_id,
            expires_at: now + session::TRUSTED_DEVICE_LIFETIME,
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok()),
            client_address: client.0.as_deref(),
        },
        now,
    )
    .await?;
    Ok(Some(session::device_cookie(&state.config, &token)))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn show_second_factor(
    CurrentSession(session): CurrentSession,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some(session) = session.filter(|s| s.user.is_some() && s.second_factor_pending) else {
        return Ok(see_other("/sign-in"));
    };
    let page = SecondFactorPage {
        layout: Layout::for_session(Some(&session)),
        errors: FormErrors::new(),
        next: safe_next(query.next.as_deref().unwrap_or_default())
            .unwrap_or_default()
            .to_owned(),
    };
    Ok(page::render(&page)?.into_response())
}

async fn second_factor(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Result<Response, AppError> {
    let Some((session, user)) = session
        .filter(|s| s.second_factor_pending)
        .and_then(|s| s.user.clone().map(|user| (s, user)))
    else {
        return Ok(see_other("/sign-in"));
    };
    let now = state.clock.now();
    let render_failure = |message: &str| -> Result<Response, AppError> {
        let mut errors = FormErrors::new();
        errors.add("code", message);
        let page = SecondFactorPage {
            layout: Layout::for_session(Some(&session)),
            errors,
            next: safe_next(&form.next).unwrap_or_default().to_owned(),
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response())
    };
    if form.code.trim().is_empty() {
        return render_failure("Enter the 6-digit code from your authenticator app");
    }

    // Counted before checking, with the row locked, so parallel guesses each count; in its own
    // scope keyed by user id, which no typed email can reach.
    let throttle_key = user.id.to_string();
    let mut tx = state.pool.begin().await?;
    let current = store::lock_throttle(&mut tx, Scope::SecondFactor, &throttle_key, now).await?;
    let admission = throttle::admit(Scope::SecondFactor, current, now, false);
    if let Some(next_state) = admission.state() {
        store::save_throttle_state(&mut *tx, Scope::SecondFactor, &throttle_key, next_state)
            .await?;
    }
    tx.commit().await?;
    let locked = admission.is_refused();

    let mut tx = state.pool.begin().await?;
    let method = if locked {
        None
    } else if recovery::looks_like_recovery_code(&form.code) {
        store::use_recovery_code(&mut *tx, user.id, &recovery::hash(&form.code), now)
            .await?
            .then_some("recovery_code")
    } else {
        let totp_state = store::totp_state(&mut *tx, user.id).await?;
        let step = totp_state.totp_secret.and_then(|secret| {
            totp::verify(
                &totp::TotpSecret::from_bytes(secret),
                &form.code,
                now.unix_timestamp(),
                totp_state.totp_last_step,
            )
        });
        match step {
            Some(step) => store::claim_totp_step(&mut *tx, user.id, step)
                .await?
                .then_some("authenticator_app"),
            None => None,
        }
    };

    let Some(method) = method else {
        store::insert_security_event(
            &mut *tx,
            store::SecurityEvent {
                kind: "second_factor_failed",
                user_id: Some(user.id),
                email: Some(&user.email),
                client_address: client.0.as_deref(),
                reason: if locked {
                    "paused after repeated failures"
                } else {
                    "wrong code"
                },
            },
            now,
        )
        .await?;
        tx.commit().await?;
        return render_failure(SECOND_FACTOR_FAILED);
    };

    store::clear_throttle(&mut *tx, Scope::SecondFactor.key(), &throttle_key).await?;
    store::delete_session(&mut *tx, &session.token_hash).await?;
    let (token, _) =
        insert_new_session(&mut tx, &state, Some(user.id), false, &client, &headers).await?;
    audit::store::append(
        &mut tx,
        now,
        &Event::new(
            Actor::user(user.id, &user.email),
            "session.signed_in",
            "user",
        )
        .target(user.id)
        .details(json!({ "second_factor": method })),
    )
    .await?;
    let device_cookie = trust_this_device(&mut tx, &state, &headers, &client, user.id).await?;
    tx.commit().await?;

    let mut response = with_cookie(
        see_other(&redirect_after_sign_in(&form.next)),
        session::session_cookie(&state.config, &token),
    );
    if let Some(cookie) = device_cookie {
        response = with_cookie(response, cookie);
    }
    Ok(response)
}

async fn sign_out(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
) -> Result<Response, AppError> {
    if let Some(session) = session {
        let mut tx = state.pool.begin().await?;
        store::delete_session(&mut *tx, &session.token_hash).await?;
        if let Some(user) = &session.user {
            audit::store::append(
                &mut tx,
                state.clock.now(),
                &Event::new(
                    Actor::user(user.id, &user.email),
                    "session.signed_out",
                    "user",
                )
                .target(user.id),
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(with_cookie(
        see_other("/sign-in?signed_out=yes"),
        session::clear_session_cookie(&state.config),
    ))
}

#[cfg(test)]
mod tests {
    use super::{email_is_malformed, loggable_email, safe_next};

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
