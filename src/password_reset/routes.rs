//! The pages of a forgotten password: asking for a link (`/sign-in/forgot`) and using it
//! (`/password-reset/{token}`).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{LINK_LIFETIME, may_send_another, message, store};
use crate::AppState;
use crate::audit::{Actor, Change, Event};
use crate::auth::accounts::Email;
use crate::auth::middleware::{ClientAddress, CurrentSession};
use crate::auth::sign_in::{self, Done, visitor_layout, with_optional_cookie};
use crate::auth::store::{self as auth_store, SecurityEvent};
use crate::auth::throttle::Scope;
use crate::auth::{password, session};
use crate::notifications::outbox::{OutgoingMail, Purpose};
use crate::notifications::send_mail;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::{AppError, FormErrors, Layout, page};

pub fn routes() -> Vec<crate::web::routes::Route> {
    use crate::web::routes::{get, post};
    vec![
        get("/sign-in/forgot", show_forgot),
        post("/sign-in/forgot", ask_for_link),
        get("/password-reset/{token}", show_reset),
        post("/password-reset/{token}", reset),
    ]
}

#[derive(Template)]
#[template(path = "password_reset/forgot.html")]
struct ForgotPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
}

#[derive(Template)]
#[template(path = "password_reset/sent.html")]
struct SentPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "password_reset/reset.html")]
struct ResetPage {
    layout: Layout,
    errors: FormErrors,
    token: String,
    email: Email,
}

#[derive(Template)]
#[template(path = "password_reset/gone.html")]
struct GonePage {
    layout: Layout,
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// No `Debug`: it holds passwords.
#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn show_forgot(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (layout, cookie) = visitor_layout(&state, session.as_ref(), &headers)?;
    let page = ForgotPage {
        layout,
        errors: FormErrors::new(),
        email: String::new(),
    };
    Ok(with_optional_cookie(page::ok(&page)?, cookie))
}

/// Why no link was sent, for the security events (the page says the same either way).
fn not_sent_reason(
    account: Option<&store::ResetAccount>,
    address_paused: bool,
) -> Option<&'static str> {
    match account {
        _ if address_paused => Some("address asked too often"),
        None => Some("no account with this address"),
        Some(account) if account.disabled => Some("account disabled"),
        Some(account) if !may_send_another(account.recent_links) => {
            Some("three links sent in the last hour")
        }
        Some(_) => None,
    }
}

async fn ask_for_link(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let (layout, _) = visitor_layout(&state, session.as_ref(), &headers)?;
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(problem) => {
            let mut errors = FormErrors::new();
            errors.add("email", problem);
            return page::unprocessable(&ForgotPage {
                layout,
                errors,
                email: form.email.trim().to_owned(),
            });
        }
    };
    let now = state.clock.now();
    let address_key = client.0.clone().unwrap_or_else(|| "unknown".into());
    let address_paused =
        sign_in::count_attempt(&state.pool, Scope::ResetRequest, &address_key, now).await?;
    // Every request takes the same path through the database, with or without an account, so
    // that the answer's timing tells as little as its words.
    let mut change = Change::begin(&state.pool, now).await?;
    let account = store::lock_account(change.db(), email.as_str(), now - LINK_LIFETIME).await?;
    let token = session::new_token()?;
    match (not_sent_reason(account.as_ref(), address_paused), account) {
        (None, Some(account)) => {
            let token_hash = session::token_hash(&token);
            let id = store::insert_reset(
                change.db(),
                account.id,
                &token_hash,
                now,
                now + LINK_LIFETIME,
            )
            .await?;
            let (subject, body) = message(&state.config.base_url(), &token, &account.display_name);
            send_mail(
                change.db(),
                &OutgoingMail {
                    user_id: Some(account.id),
                    to_address: account.email.as_str().to_owned(),
                    purpose: Purpose::PasswordReset,
                    subject,
                    body,
                },
                now,
            )
            .await?;
            let event = Event::new(
                Actor::Anonymous {
                    label: address_key.clone(),
                },
                "password_reset.requested",
                "user",
            )
            .target(account.id)
            .details(json!({ "reset_id": id, "client_address": address_key }));
            change.commit(&event).await?;
        }
        (reason, account) => {
            let event = SecurityEvent {
                kind: "password_reset_not_sent",
                user_id: account.as_ref().map(|account| account.id),
                email: Some(email.as_str()),
                client_address: Some(&address_key),
                reason: reason.unwrap_or("not sent"),
            };
            // Not a change anyone made: kept a while as a security event, not audited.
            drop(change);
            auth_store::insert_security_event(&state.pool, event, now).await?;
        }
    }
    let (layout, cookie) = visitor_layout(&state, session.as_ref(), &headers)?;
    Ok(with_optional_cookie(
        page::ok(&SentPage { layout })?,
        cookie,
    ))
}

/// The page saying the link no longer works: 410 Gone.
fn gone(layout: Layout) -> Result<Response, AppError> {
    Ok((StatusCode::GONE, page::render(&GonePage { layout })?).into_response())
}

async fn show_reset(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (layout, cookie) = visitor_layout(&state, session.as_ref(), &headers)?;
    let holder =
        store::find_usable(&state.pool, &session::token_hash(&token), state.clock.now()).await?;
    let Some(holder) = holder else {
        return Ok(with_optional_cookie(gone(layout)?, cookie));
    };
    let page = ResetPage {
        layout,
        errors: FormErrors::new(),
        token,
        email: holder.email,
    };
    Ok(with_optional_cookie(page::ok(&page)?, cookie))
}

async fn reset(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let (layout, _) = visitor_layout(&state, session.as_ref(), &headers)?;
    let token_hash = session::token_hash(&token);
    let holder = store::find_usable(&state.pool, &token_hash, state.clock.now()).await?;
    let Some(holder) = holder else {
        return gone(layout);
    };
    let mut errors = FormErrors::new();
    let personal = [
        holder.email.as_str(),
        holder.display_name.as_str(),
        holder.organisation_name.as_str(),
    ];
    let typed = password::typed_twice(
        &form.new_password,
        &form.confirm_password,
        &personal,
        &mut errors,
    );
    let Some(new_password) = typed else {
        return page::unprocessable(&ResetPage {
            layout,
            errors,
            token,
            email: holder.email,
        });
    };
    let password_hash = password::hash(new_password.as_str()).await?;
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    // Only one of any number of parallel uses of the link gets past this.
    let Some((reset_id, user_id)) = store::use_link(change.db(), &token_hash, now).await? else {
        drop(change);
        return gone(layout);
    };
    auth_store::set_password(change.db(), user_id, &password_hash, false).await?;
    let sessions_ended = auth_store::delete_user_sessions(change.db(), user_id, None).await?;
    let trusted_browsers_revoked =
        auth_store::delete_user_trusted_devices(change.db(), user_id).await?;
    change
        .commit(
            &Event::new(
                Actor::user(user_id, holder.email.as_str()),
                "user.password_reset",
                "user",
            )
            .target(user_id)
            .details(json!({
                "reset_id": reset_id,
                "sessions_ended": sessions_ended,
                "trusted_browsers_revoked": trusted_browsers_revoked,
            })),
        )
        .await?;
    Ok(see_done("/sign-in", Done::PasswordReset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::UserId;

    fn account(disabled: bool, recent_links: i64) -> store::ResetAccount {
        store::ResetAccount {
            id: UserId::new(1),
            email: Email::parse("sam@kent.example").unwrap(),
            display_name: "Sam".to_owned(),
            disabled,
            recent_links,
        }
    }

    #[test]
    fn a_link_goes_only_to_an_enabled_account_under_its_limit_from_an_unpaused_address() {
        assert_eq!(not_sent_reason(Some(&account(false, 0)), false), None);
        assert_eq!(not_sent_reason(Some(&account(false, 2)), false), None);
        assert!(not_sent_reason(Some(&account(false, 3)), false).is_some());
        assert!(not_sent_reason(Some(&account(true, 0)), false).is_some());
        assert!(not_sent_reason(None, false).is_some());
        assert!(not_sent_reason(Some(&account(false, 0)), true).is_some());
    }
}
