//! The summary of your account: who you are, what you may do, your sessions (and signing out of
//! all of them) and the browsers trusted to skip a lock on the account (and revoking one).

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::account::display;
use crate::audit::Change;
use crate::auth::accounts::Email;
use crate::auth::extract::AccountHolder;
use crate::auth::{TrustedDeviceId, session, sign_in, store};
use crate::web::extract::Path;
use crate::web::format::date_time;
use crate::web::page::see_other;
use crate::web::{AppError, Layout, page};

struct RoleRow {
    role: &'static str,
    /// The area's name, or "All areas" for roles held across them.
    area: String,
}

struct TrustedBrowserRow {
    id: TrustedDeviceId,
    browser: String,
    address: String,
    trusted_at: String,
    last_used: String,
    expires: String,
    this_browser: bool,
}

struct SessionRow {
    signed_in_at: String,
    last_active: String,
    browser: String,
    address: String,
    this_browser: bool,
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: Email,
    organisation: String,
    roles: Vec<RoleRow>,
    must_change_password: bool,
    two_factor_enabled: bool,
    two_factor_required: bool,
    unused_recovery_codes: i64,
    sessions: Vec<SessionRow>,
    trusted_browsers: Vec<TrustedBrowserRow>,
}

/// An address as shown: "Not known" when there was none.
fn address(client_address: Option<String>) -> String {
    client_address.unwrap_or_else(|| "Not known".to_owned())
}

pub(super) async fn show(
    State(state): State<AppState>,
    holder: AccountHolder,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let roles = store::list_user_roles(&state.pool, user.id)
        .await?
        .into_iter()
        .map(|grant| RoleRow {
            role: grant.role.label(),
            area: grant.area_name.unwrap_or_else(|| "All areas".to_owned()),
        })
        .collect();
    let sessions = store::list_user_sessions(&state.pool, user.id)
        .await?
        .into_iter()
        .map(|summary| SessionRow {
            signed_in_at: date_time(summary.created_at),
            last_active: date_time(summary.last_seen_at),
            browser: display::browser(summary.user_agent.as_deref()),
            address: address(summary.client_address),
            this_browser: summary.token_hash == holder.session.token_hash,
        })
        .collect();
    let this_device = session::read_cookie(&headers, session::device_cookie_name(&state.config))
        .map(session::token_hash);
    let trusted_browsers = store::list_trusted_devices(&state.pool, user.id, state.clock.now())
        .await?
        .into_iter()
        .map(|device| TrustedBrowserRow {
            id: device.id,
            browser: display::browser(device.user_agent.as_deref()),
            address: address(device.client_address),
            trusted_at: date_time(device.created_at),
            last_used: date_time(device.last_used_at),
            expires: date_time(device.expires_at),
            this_browser: this_device.as_ref() == Some(&device.token_hash),
        })
        .collect();
    let page = AccountPage {
        layout: Layout::for_session(Some(&holder.session)),
        name: user.display_name.clone(),
        email: user.email.clone(),
        organisation: user.organisation_name.clone(),
        roles,
        must_change_password: user.must_change_password,
        two_factor_enabled: user.two_factor_enabled,
        two_factor_required: user.requires_two_factor(),
        unused_recovery_codes: super::two_factor::unused_recovery_codes(&state, user).await?,
        sessions,
        trusted_browsers,
    };
    Ok(page::render(&page)?.into_response())
}

/// Ends every session of the account, this one included: for a lost laptop or a shared
/// computer left signed in.
pub(super) async fn sign_out_everywhere(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let ended = store::delete_user_sessions(change.db(), user.id, None).await?;
    change
        .commit(
            &user
                .own_event("session.signed_out_everywhere")
                .details(json!({ "sessions_ended": ended })),
        )
        .await?;
    Ok(sign_in::signed_out(&state))
}

/// Stops trusting one browser: a lock on the account (from someone guessing its password)
/// applies to it again, and it needs the second factor as any other browser.
pub(super) async fn revoke_trusted_browser(
    State(state): State<AppState>,
    holder: AccountHolder,
    Path(id): Path<TrustedDeviceId>,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    // Not theirs, or revoked already (another tab): nothing to do, and the change is dropped.
    if store::revoke_trusted_device(change.db(), user.id, id).await? {
        change
            .commit(
                &user
                    .own_event("user.trusted_browser_revoked")
                    .details(json!({ "trusted_browser": id })),
            )
            .await?;
    }
    Ok(see_other("/account"))
}
