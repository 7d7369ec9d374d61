//! Signing in (password, then a second factor where enrolled) and signing out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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

/// `next` if it is a path on this site (so sign-in cannot be used to send people elsewhere).
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n', '\t'])
        && next.len() <= 2000;
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
    client: ClientAddress,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    let next = query.next.unwrap_or_default();
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
    match session {
        Some(session) => Ok(page::render(&page(session.csrf_token))?.into_response()),
        None => {
            // The form needs a CSRF token, and the token needs a session to belong to.
            let mut tx = state.pool.begin().await?;
            let (token, csrf_token) =
                insert_new_session(&mut tx, &state, None, false, &client, &headers).await?;
            tx.commit().await?;
            let response = page::render(&page(csrf_token))?.into_response();
            Ok(with_cookie(
                response,
                session::session_cookie(&state.config, &token),
            ))
        }
    }
}

async fn sign_in(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    // The CSRF check already required a session.
    let Some(session) = session else {
        return Ok(see_other("/sign-in"));
    };
    let email = form.email.trim().to_owned();
    let mut errors = FormErrors::new();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let render_failure = |errors: FormErrors, email: String| -> Result<Response, AppError> {
        let page = SignInPage {
            layout: Layout::for_session(Some(&session)),
            errors,
            email,
            next: form.next.clone(),
            signed_out: false,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response())
    };
    if !errors.is_empty() {
        return render_failure(errors, email);
    }

    let now = state.clock.now();
    let address_key = client.0.clone().unwrap_or_else(|| "unknown".into());
    let account_key = email.to_lowercase();
    let address_state =
        store::throttle_state(&state.pool, Scope::Address.key(), &address_key).await?;
    let account_state =
        store::throttle_state(&state.pool, Scope::Account.key(), &account_key).await?;
    let credentials = store::find_credentials(&state.pool, &email).await?;
    let trusted_device = match (
        session::read_cookie(&headers, session::device_cookie_name(&state.config)),
        &credentials,
    ) {
        (Some(device), Some(account)) => {
            store::is_trusted_device(&state.pool, &session::token_hash(device), account.id).await?
        }
        _ => false,
    };
    let locked = throttle::is_locked(address_state.as_ref(), now)
        || (!trusted_device && throttle::is_locked(account_state.as_ref(), now));
    // The password is checked even when locked or unknown, so every failure takes as long.
    let password_matches = match &credentials {
        Some(account) => password::verify(&form.password, &account.password_hash).await?,
        None => {
            password::verify_dummy(&form.password).await;
            false
        }
    };
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
            for (scope, key, previous) in [
                (Scope::Address, &address_key, address_state),
                (Scope::Account, &account_key, account_state),
            ] {
                let next_state = throttle::after_failure(scope, previous, now);
                store::save_throttle_state(&mut *tx, scope.key(), key, next_state).await?;
            }
        }
        let label: String = email.chars().take(254).collect();
        audit::store::append(
            &mut tx,
            now,
            &Event::new(
                Actor::Anonymous { label },
                "session.sign_in_failed",
                "session",
            )
            .details(json!({ "reason": reason, "client_address": address_key })),
        )
        .await?;
        tx.commit().await?;
        let mut errors = FormErrors::new();
        errors.add("email", SIGN_IN_FAILED);
        return render_failure(errors, email);
    };

    store::clear_throttle(&mut *tx, Scope::Account.key(), &account_key).await?;
    // A new session id at sign-in: a token planted before sign-in (fixation) becomes useless.
    store::delete_session(&mut *tx, &session.token_hash).await?;
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
        trust_this_device(&mut tx, &state, &headers, account.id, trusted_device).await?
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
/// account (from a stranger's guessing) does not apply to it. Returns the cookie to set, if new.
async fn trust_this_device(
    tx: &mut PgConnection,
    state: &AppState,
    headers: &HeaderMap,
    user_id: i64,
    already_trusted: bool,
) -> Result<Option<HeaderValue>, AppError> {
    let existing = session::read_cookie(headers, session::device_cookie_name(&state.config));
    let now = state.clock.now();
    match existing {
        Some(token) if already_trusted => {
            store::trust_device(&mut *tx, &session::token_hash(token), user_id, now).await?;
            Ok(None)
        }
        _ => {
            // One browser may be trusted by several accounts, each with its own token; the
            // cookie holds the latest.
            let token = session::new_token()?;
            store::trust_device(&mut *tx, &session::token_hash(&token), user_id, now).await?;
            Ok(Some(session::device_cookie(&state.config, &token)))
        }
    }
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
        next: query.next.unwrap_or_default(),
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
            next: form.next.clone(),
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response())
    };
    if form.code.trim().is_empty() {
        return render_failure("Enter the 6-digit code from your authenticator app");
    }

    let throttle_key = format!("second-factor:{}", user.id);
    let throttle_state =
        store::throttle_state(&state.pool, Scope::Account.key(), &throttle_key).await?;
    let locked = throttle::is_locked(throttle_state.as_ref(), now);
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
        if !locked {
            let next_state = throttle::after_failure(Scope::Account, throttle_state, now);
            store::save_throttle_state(&mut *tx, Scope::Account.key(), &throttle_key, next_state)
                .await?;
        }
        audit::store::append(
            &mut tx,
            now,
            &Event::new(
                Actor::user(user.id, &user.email),
                "session.second_factor_failed",
                "user",
            )
            .target(user.id),
        )
        .await?;
        tx.commit().await?;
        return render_failure(SECOND_FACTOR_FAILED);
    };

    store::clear_throttle(&mut *tx, Scope::Account.key(), &throttle_key).await?;
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
    let device_cookie = trust_this_device(&mut tx, &state, &headers, user.id, false).await?;
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
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
