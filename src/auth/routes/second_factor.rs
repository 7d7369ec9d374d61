//! The second step of signing in, for accounts with two-factor on: a code from the
//! authenticator app or an unused recovery code, throttled per account.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::{redirect_after_sign_in, shown_next};
use crate::AppState;
use crate::audit::Change;
use crate::auth::middleware::{ClientAddress, CurrentSession};
use crate::auth::session::SessionUser;
use crate::auth::sign_in;
use crate::auth::store;
use crate::auth::throttle::Scope;
use crate::auth::{recovery, totp};
use crate::web::extract::Form;
use crate::web::page::see_other;
use crate::web::{AppError, FormErrors, Layout, page};

const SECOND_FACTOR_FAILED: &str = "Enter the current 6-digit code from your authenticator app, or one of your unused recovery codes. After several wrong attempts, signing in is paused for a few minutes.";

#[derive(Template)]
#[template(path = "auth/two_factor.html")]
struct SecondFactorPage {
    layout: Layout,
    errors: FormErrors,
    next: String,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SecondFactorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

pub(super) async fn show(
    CurrentSession(session): CurrentSession,
    // axum's own Query: its only value is `next`, which `safe_next` reduces to a plain local
    // path (or `/`) and which never reaches the database, so a NUL in it sends you home.
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some(session) = session.filter(|s| s.user.is_some() && s.second_factor_pending) else {
        return Ok(see_other("/sign-in"));
    };
    let page = SecondFactorPage {
        layout: Layout::for_session(Some(&session)),
        errors: FormErrors::new(),
        next: shown_next(query.next.as_deref()),
    };
    Ok(page::render(&page)?.into_response())
}

/// Which second factor `code` is, if it is a right one: an unused recovery code (used up now),
/// or the code of a time step not used before (claimed now), on `db`.
async fn second_factor_method(
    db: &mut PgConnection,
    user: &SessionUser,
    code: &str,
    now: OffsetDateTime,
) -> Result<Option<&'static str>, sqlx::Error> {
    if recovery::looks_like_recovery_code(code) {
        let used = store::use_recovery_code(&mut *db, user.id, &recovery::hash(code), now).await?;
        return Ok(used.then_some("recovery_code"));
    }
    let totp_state = store::totp_state(&mut *db, user.id).await?;
    let step = totp_state.totp_secret.and_then(|secret| {
        totp::verify(
            &totp::TotpSecret::from_bytes(secret),
            code,
            now.unix_timestamp(),
            totp_state.totp_last_step,
        )
    });
    Ok(match step {
        Some(step) => store::claim_totp_step(&mut *db, user.id, step)
            .await?
            .then_some("authenticator_app"),
        None => None,
    })
}

pub(super) async fn check(
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
            next: shown_next(Some(&form.next)),
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response())
    };
    if form.code.trim().is_empty() {
        return render_failure("Enter the 6-digit code from your authenticator app");
    }

    // Counted before checking, in its own scope keyed by user id, which no typed email can reach.
    let throttle_key = user.id.to_string();
    let locked =
        sign_in::count_attempt(&state.pool, Scope::SecondFactor, &throttle_key, now).await?;

    let mut change = Change::begin(&state.pool, now).await?;
    let method = if locked {
        None
    } else {
        second_factor_method(change.db(), &user, &form.code, now).await?
    };
    let Some(method) = method else {
        // A wrong code wrote nothing: drop the change, and keep the failure as a security event.
        drop(change);
        let reason = if locked {
            "paused after repeated failures"
        } else {
            "wrong code"
        };
        sign_in::record_refused(
            &state.pool,
            "second_factor_failed",
            &user,
            &client,
            reason,
            now,
        )
        .await?;
        return render_failure(SECOND_FACTOR_FAILED);
    };

    store::clear_throttle(change.db(), Scope::SecondFactor.key(), &throttle_key).await?;
    store::delete_session(change.db(), &session.token_hash).await?;
    let token =
        sign_in::start_session(change.db(), &state, user.id, false, &client, &headers).await?;
    let device_cookie =
        sign_in::trust_this_device(change.db(), &state, &headers, &client, user.id).await?;
    change
        .commit(
            &user
                .own_event("session.signed_in")
                .details(json!({ "second_factor": method })),
        )
        .await?;

    let to = redirect_after_sign_in(&form.next);
    Ok(sign_in::signed_in(&state, &to, &token, device_cookie))
}
