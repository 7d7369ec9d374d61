//! What signing in does behind the pages, shared by the sign-in pages and "Your account":
//! starting a session, trusting a browser, counting a guess before checking it, recording a
//! refused one, signing out, and the answer when passwords cannot be checked now. Handlers call
//! these; no feature reaches into another's `routes`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::OffsetDateTime;

use super::UserId;
use super::middleware::ClientAddress;
use super::session::{self, SessionUser};
use super::store::{self, NewSession, NewTrustedDevice, SecurityEvent};
use super::throttle::{self, Scope};
use crate::AppState;
use crate::keyed::keyed_enum;
use crate::web::banner::see_done;
use crate::web::page::see_other;
use crate::web::{AppError, Layout};

keyed_enum! {
    /// What just happened, named in the `?done=` of the sign-in page and shown there in a
    /// success banner (`web::banner`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        SignedOut = ("signed-out", "You have signed out"),
        TimedOut = ("timed-out", "You were signed out because you had not done anything for a while. Sign in again to go back to the page you were on"),
        PasswordReset = ("password-reset", "Your password has been changed and you have been signed out everywhere. Sign in with your new password"),
        AccountReady = ("account-ready", "Your account is ready. Sign in with your email address and the password you chose"),
        RoleAdded = ("role-added", "The invitation has been accepted and the role added to your account. Sign in to use it"),
    }
}

/// Shown when the server is too busy checking passwords to check one more.
pub const BUSY: &str = "The service is busy. Wait a few seconds, then try again";

/// 503 with `Retry-After`: too many passwords are being checked at once.
pub fn busy(page: Html<String>) -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// The browser's anonymous CSRF token (the signed double-submit cookie), if it holds one this
/// server signed.
pub fn anonymous_csrf_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    session::read_cookie(headers, session::anonymous_csrf_cookie_name(&state.config))
        .filter(|token| {
            session::is_signed_anonymous_csrf_token(state.keys.csrf_cookie.as_bytes(), token)
        })
        .map(str::to_owned)
}

/// The page shell for a page anyone may open that carries a form (a forgotten password, an
/// invitation), with the cookie to set if the browser needs one for the form's CSRF token: the
/// session's token when there is a session, else the signed double-submit cookie's, so that
/// showing the page writes nothing.
pub fn visitor_layout(
    state: &AppState,
    session: Option<&session::Session>,
    headers: &HeaderMap,
) -> Result<(Layout, Option<HeaderValue>), AppError> {
    if let Some(session) = session {
        return Ok((Layout::for_session(Some(session)), None));
    }
    let layout = |csrf_token: String| Layout {
        csrf_token,
        ..Layout::anonymous()
    };
    if let Some(token) = anonymous_csrf_token(state, headers) {
        return Ok((layout(token), None));
    }
    let token = session::new_anonymous_csrf_token(state.keys.csrf_cookie.as_bytes())?;
    let cookie = session::anonymous_csrf_cookie(&state.config, &token);
    Ok((layout(token), Some(cookie)))
}

/// `response` with `cookie` set, if there is one.
pub fn with_optional_cookie(response: Response, cookie: Option<HeaderValue>) -> Response {
    match cookie {
        Some(cookie) => with_cookie(response, cookie),
        None => response,
    }
}

/// `response` with one more cookie set.
pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// After the session (or every session of the account) has ended: the sign-in page saying so,
/// and the session cookie removed.
pub fn signed_out(state: &AppState) -> Response {
    with_cookie(
        see_done("/sign-in", Done::SignedOut),
        session::clear_session_cookie(&state.config),
    )
}

/// After a session has started (a sign-in step, a password change): go to `to` with its cookie,
/// and the trusted-browser cookie if there is a new one.
pub fn signed_in(
    state: &AppState,
    to: &str,
    token: &str,
    device_cookie: Option<HeaderValue>,
) -> Response {
    let response = with_cookie(see_other(to), session::session_cookie(&state.config, token));
    match device_cookie {
        Some(cookie) => with_cookie(response, cookie),
        None => response,
    }
}

/// The browser's description of itself, as sent.
fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
}

/// Starts a session for `user_id` on `db` (the caller's transaction, which also ends the old
/// session and records why), returning the token for the session cookie. Used at sign-in and
/// wherever else the session id must change (a password change).
pub async fn start_session(
    db: &mut PgConnection,
    state: &AppState,
    user_id: UserId,
    second_factor_pending: bool,
    client: &ClientAddress,
    headers: &HeaderMap,
) -> Result<String, AppError> {
    let token = session::new_token()?;
    let csrf_token = session::new_token()?;
    store::insert_session(
        db,
        NewSession {
            token_hash: &session::token_hash(&token),
            csrf_token: &csrf_token,
            user_id: Some(user_id),
            second_factor_pending,
            client_address: client.0.as_deref(),
            user_agent: user_agent(headers),
        },
        state.clock.now(),
    )
    .await?;
    Ok(token)
}

/// Marks this browser as one the account has fully signed in from, so that a lock on the
/// account (from a stranger's guessing) does not apply to it, for `TRUSTED_DEVICE_LIFETIME`.
/// A browser already trusted keeps its token (no new one at every sign-in); one whose token has
/// expired gets a new one in its place. Returns the cookie to set, if new.
pub async fn trust_this_device(
    db: &mut PgConnection,
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientAddress,
    user_id: UserId,
) -> Result<Option<HeaderValue>, AppError> {
    let now = state.clock.now();
    if let Some(existing) =
        session::read_cookie(headers, session::device_cookie_name(&state.config))
    {
        let existing_hash = session::token_hash(existing);
        if store::is_trusted_device(&mut *db, &existing_hash, user_id, now).await? {
            store::touch_trusted_device(&mut *db, &existing_hash, now).await?;
            return Ok(None);
        }
        store::delete_trusted_device(&mut *db, &existing_hash, user_id).await?;
    }
    // One browser may be trusted by several accounts, each with its own token; the cookie
    // holds the latest.
    let token = session::new_token()?;
    store::trust_device(
        db,
        NewTrustedDevice {
            token_hash: &session::token_hash(&token),
            user_id,
            expires_at: now + session::TRUSTED_DEVICE_LIFETIME,
            user_agent: user_agent(headers),
            client_address: client.0.as_deref(),
        },
        now,
    )
    .await?;
    Ok(Some(session::device_cookie(&state.config, &token)))
}

/// Whether the browser's trusted-device cookie is one `user_id` trusts now.
pub async fn is_trusted_device(
    state: &AppState,
    headers: &HeaderMap,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    match session::read_cookie(headers, session::device_cookie_name(&state.config)) {
        Some(device) => {
            store::is_trusted_device(&state.pool, &session::token_hash(device), user_id, now).await
        }
        None => Ok(false),
    }
}

/// Counts an attempt in `scope`/`key` before it is checked, with the counter's row locked, so
/// that parallel guesses each count. True if the attempt is refused unchecked (paused after
/// repeated failures). Its own transaction, without an audit record: guesses are not changes
/// anyone made, and a count must stand even if the request fails later.
pub async fn count_attempt(
    pool: &PgPool,
    scope: Scope,
    key: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let current = store::lock_throttle(&mut tx, scope, key, now).await?;
    let admission = throttle::admit(scope, current, now, false);
    if let Some(next_state) = admission.state() {
        store::save_throttle_state(&mut *tx, scope, key, next_state).await?;
    }
    tx.commit().await?;
    Ok(admission.is_refused())
}

/// The sign-in throttle's answer before a password is checked.
pub struct SignInAdmission {
    /// The key of the account's counter (the email as the database compares them).
    pub account_key: String,
    /// Paused: the account or the address has failed too often lately.
    pub locked: bool,
}

/// Counts a sign-in attempt on the account before it is checked, with the counter's row
/// locked: parallel guesses at one account each count. The address is counted only once a guess
/// has failed (`record_failed_sign_in`), so people signing in at once from one office address do
/// not pause it. A trusted browser is not paused by the account's lock. Its own transaction,
/// without an audit record (see `count_attempt`).
pub async fn admit_sign_in(
    pool: &PgPool,
    email: &str,
    address_key: &str,
    trusted_device: bool,
    now: OffsetDateTime,
) -> Result<SignInAdmission, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let account_key = store::email_key(&mut *tx, email).await?;
    let account_now = store::lock_throttle(&mut tx, Scope::Account, &account_key, now).await?;
    let address_now = store::throttle_state(&mut *tx, Scope::Address, address_key).await?;
    let account_admission = throttle::admit(Scope::Account, account_now, now, trusted_device);
    let locked = throttle::is_locked(address_now.as_ref(), now) || account_admission.is_refused();
    if let (false, Some(next_state)) = (locked, account_admission.state()) {
        store::save_throttle_state(&mut *tx, Scope::Account, &account_key, next_state).await?;
    }
    tx.commit().await?;
    Ok(SignInAdmission {
        account_key,
        locked,
    })
}

/// A refused sign-in: counted on the address (with its row locked, so its lock still stops a
/// source trying many accounts) unless it was refused unchecked, and kept as a security event.
/// Its own transaction: failed attempts are kept for a while, not in the permanent audit log.
pub async fn record_failed_sign_in(
    pool: &PgPool,
    address_key: &str,
    counted: bool,
    event: SecurityEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    if counted {
        let current = store::lock_throttle(&mut tx, Scope::Address, address_key, now).await?;
        let next_state = throttle::after_failure(Scope::Address, current, now);
        store::save_throttle_state(&mut *tx, Scope::Address, address_key, next_state).await?;
    }
    store::insert_security_event(&mut *tx, event, now).await?;
    tx.commit().await
}

/// Keeps a refused attempt by a signed-in person (a wrong second-factor code, a wrong current
/// password) as a security event: kept for a while, not in the permanent audit log.
pub async fn record_refused(
    db: impl PgExecutor<'_>,
    kind: &str,
    user: &SessionUser,
    client: &ClientAddress,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    store::insert_security_event(
        db,
        SecurityEvent {
            kind,
            user_id: Some(user.id),
            email: Some(user.email.as_str()),
            client_address: client.0.as_deref(),
            reason,
        },
        now,
    )
    .await
}
