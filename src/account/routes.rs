//! "Your account": the summary with your sessions, signing out everywhere, changing your
//! password, and setting up two-factor authentication with its recovery codes.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::display;
use crate::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::extract::AccountHolder;
use crate::auth::middleware::ClientAddress;
use crate::auth::routes::{BUSY, busy, insert_new_session};
use crate::auth::session::SessionUser;
use crate::auth::store;
use crate::auth::throttle::{self, Scope};
use crate::auth::totp::{self, TotpSecret};
use crate::auth::{password, recovery, session};
use crate::web::extract::{Form, Path};
use crate::web::page::{see_other, unprocessable};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, FormErrors, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/account", show_account),
        post("/account/sign-out-everywhere", sign_out_everywhere),
        get("/account/password", show_change_password),
        post("/account/password", change_password),
        get("/account/two-factor", show_two_factor),
        post("/account/two-factor/start", start_two_factor),
        post("/account/two-factor/confirm", confirm_two_factor),
        post(
            "/account/two-factor/recovery-codes",
            regenerate_recovery_codes,
        ),
        post(
            "/account/trusted-browsers/{id}/revoke",
            revoke_trusted_browser,
        ),
    ]
}

/// The issuer shown in authenticator apps beside the account's email address.
const TOTP_ISSUER: &str = "ITF planner";

const WRONG_CURRENT_PASSWORD: &str = "Your current password is not right";
const WRONG_PASSWORD: &str = "Your password is not right";
const ENTER_PASSWORD_FOR_CODES: &str = "Enter your password to get new recovery codes";
const CHANGE_PASSWORD_PAUSED: &str =
    "Your current password was entered wrongly too many times. Wait a few minutes, then try again";
const PASSWORDS_DIFFER: &str = "Enter the same password twice";
const WRONG_ENROLMENT_CODE: &str = "Enter the 6-digit code shown in your authenticator app";

fn has_two_factor_to_set_up(user: &SessionUser) -> bool {
    user.requires_two_factor() && !user.two_factor_enabled
}

// --- the summary -------------------------------------------------------------------------------

struct RoleRow {
    role: &'static str,
    /// The area's name, or "All areas" for roles held across them.
    area: String,
}

struct TrustedBrowserRow {
    id: i64,
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
    email: String,
    organisation: String,
    roles: Vec<RoleRow>,
    must_change_password: bool,
    two_factor_enabled: bool,
    two_factor_required: bool,
    unused_recovery_codes: i64,
    sessions: Vec<SessionRow>,
    trusted_browsers: Vec<TrustedBrowserRow>,
}

async fn show_account(
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
            signed_in_at: crate::web::format::date_time(summary.created_at),
            last_active: crate::web::format::date_time(summary.last_seen_at),
            browser: display::browser(summary.user_agent.as_deref()),
            address: summary
                .client_address
                .unwrap_or_else(|| "Not known".to_owned()),
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
            address: device
                .client_address
                .unwrap_or_else(|| "Not known".to_owned()),
            trusted_at: crate::web::format::date_time(device.created_at),
            last_used: crate::web::format::date_time(device.last_used_at),
            expires: crate::web::format::date_time(device.expires_at),
            this_browser: this_device.as_ref() == Some(&device.token_hash),
        })
        .collect();
    let unused_recovery_codes = if user.two_factor_enabled {
        store::unused_recovery_codes(&state.pool, user.id).await?
    } else {
        0
    };
    let page = AccountPage {
        layout: Layout::for_session(Some(&holder.session)),
        name: user.display_name.clone(),
        email: user.email.clone(),
        organisation: user.organisation_name.clone(),
        roles,
        must_change_password: user.must_change_password,
        two_factor_enabled: user.two_factor_enabled,
        two_factor_required: user.requires_two_factor(),
        unused_recovery_codes,
        sessions,
        trusted_browsers,
    };
    Ok(page::render(&page)?.into_response())
}

/// Ends every session of the account, this one included: for a lost laptop or a shared
/// computer left signed in.
async fn sign_out_everywhere(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let mut tx = state.pool.begin().await?;
    let ended = store::delete_user_sessions(&mut *tx, user.id, None).await?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            Actor::user(user.id, &user.email),
            "session.signed_out_everywhere",
            "user",
        )
        .target(user.id)
        .details(json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    let mut response = see_other("/sign-in?signed_out=yes");
    response.headers_mut().append(
        header::SET_COOKIE,
        session::clear_session_cookie(&state.config),
    );
    Ok(response)
}

/// Stops trusting one browser: a lock on the account (from someone guessing its password)
/// applies to it again, and it needs the second factor as any other browser.
async fn revoke_trusted_browser(
    State(state): State<AppState>,
    holder: AccountHolder,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let mut tx = state.pool.begin().await?;
    if !store::revoke_trusted_device(&mut *tx, user.id, id).await? {
        // Not theirs, or revoked already (another tab): nothing to do.
        tx.rollback().await?;
        return Ok(see_other("/account"));
    }
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            Actor::user(user.id, &user.email),
            "user.trusted_browser_revoked",
            "user",
        )
        .target(user.id)
        .details(json!({ "trusted_browser": id })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/account"))
}

// --- re-entering the current password ---------------------------------------------------------

/// The outcome of checking the current password typed in "Your account".
enum CurrentPassword {
    Matches,
    Wrong,
    /// Too many wrong attempts lately: not checked.
    Paused,
    /// Too many passwords being checked at once: not checked, not counted.
    Busy,
}

/// Checks the current password, slowed like guessing at sign-in (so a session left open does
/// not let someone guess it): counted before checking with the counter locked, so parallel
/// guesses each count. Failures are kept as security events.
async fn check_current_password(
    state: &AppState,
    user: &SessionUser,
    client: &ClientAddress,
    typed: &str,
) -> Result<CurrentPassword, AppError> {
    let now = state.clock.now();
    let key = user.id.to_string();
    let mut tx = state.pool.begin().await?;
    let current = store::lock_throttle(&mut tx, Scope::CurrentPassword, &key, now).await?;
    let admission = throttle::admit(Scope::CurrentPassword, current, now, false);
    if let Some(next_state) = admission.state() {
        store::save_throttle_state(&mut *tx, Scope::CurrentPassword, &key, next_state).await?;
    }
    tx.commit().await?;
    if admission.is_refused() {
        return Ok(CurrentPassword::Paused);
    }
    let stored = store::find_password_hash(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let matches = match password::verify(typed, &stored).await {
        Err(error) if password::is_busy(&error) => {
            store::refund_throttle(&state.pool, Scope::CurrentPassword, &key).await?;
            return Ok(CurrentPassword::Busy);
        }
        checked => checked?,
    };
    if matches {
        store::clear_throttle(&state.pool, Scope::CurrentPassword.key(), &key).await?;
        return Ok(CurrentPassword::Matches);
    }
    store::insert_security_event(
        &state.pool,
        store::SecurityEvent {
            kind: "current_password_failed",
            user_id: Some(user.id),
            email: Some(&user.email),
            client_address: client.0.as_deref(),
            reason: "wrong current password",
        },
        now,
    )
    .await?;
    Ok(CurrentPassword::Wrong)
}

// --- changing the password ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: FormErrors,
    must_change: bool,
    /// For password managers, which save the new password against it.
    email: String,
}

/// No `Debug`: it holds passwords.
#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn show_change_password(holder: AccountHolder) -> Result<Response, AppError> {
    let page = PasswordPage {
        layout: Layout::for_session(Some(&holder.session)),
        errors: FormErrors::new(),
        must_change: holder.user.must_change_password,
        email: holder.user.email.clone(),
    };
    Ok(page::render(&page)?.into_response())
}

async fn change_password(
    State(state): State<AppState>,
    holder: AccountHolder,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let now = state.clock.now();
    let mut errors = FormErrors::new();
    let mut current_matches = false;
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else {
        match check_current_password(&state, user, &client, &form.current_password).await? {
            CurrentPassword::Matches => current_matches = true,
            CurrentPassword::Wrong => errors.add("current_password", WRONG_CURRENT_PASSWORD),
            CurrentPassword::Paused => errors.add("current_password", CHANGE_PASSWORD_PAUSED),
            CurrentPassword::Busy => {
                errors.add("current_password", BUSY);
                return Ok(busy(page::render(&PasswordPage {
                    layout: Layout::for_session(Some(&holder.session)),
                    errors,
                    must_change: user.must_change_password,
                    email: user.email.clone(),
                })?));
            }
        }
    }

    let new_password = if form.new_password.is_empty() {
        errors.add("new_password", "Enter a new password");
        None
    } else if current_matches && form.new_password == form.current_password {
        errors.add(
            "new_password",
            "Your new password must be different from your current password",
        );
        None
    } else {
        let personal = [
            user.email.as_str(),
            user.display_name.as_str(),
            user.organisation_name.as_str(),
        ];
        match password::NewPassword::parse(&form.new_password, &personal) {
            Ok(new_password) => Some(new_password),
            Err(message) => {
                errors.add("new_password", message);
                None
            }
        }
    };
    if form.confirm_password.is_empty() && !form.new_password.is_empty() {
        errors.add("confirm_password", "Enter your new password again");
    } else if form.confirm_password != form.new_password {
        errors.add("confirm_password", PASSWORDS_DIFFER);
    }

    let render_failure = |errors: FormErrors| {
        unprocessable(&PasswordPage {
            layout: Layout::for_session(Some(&holder.session)),
            errors,
            must_change: user.must_change_password,
            email: user.email.clone(),
        })
    };
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        return render_failure(errors);
    };

    let password_hash = password::hash(new_password.as_str()).await?;
    let mut tx = state.pool.begin().await?;
    store::set_password(&mut *tx, user.id, &password_hash, false).await?;
    // Whoever else knew the old password is signed out.
    let others_ended =
        store::delete_user_sessions(&mut *tx, user.id, Some(&holder.session.token_hash)).await?;
    // And no browser stays trusted on the strength of the old password.
    let trusted_browsers_revoked = store::delete_user_trusted_devices(&mut *tx, user.id).await?;
    // And this browser gets a new session id, so a token taken before the change is useless.
    store::delete_session(&mut *tx, &holder.session.token_hash).await?;
    let (token, _) =
        insert_new_session(&mut tx, &state, Some(user.id), false, &client, &headers).await?;
    audit::store::append(
        &mut tx,
        now,
        &Event::new(
            Actor::user(user.id, &user.email),
            "user.password_changed",
            "user",
        )
        .target(user.id)
        .details(json!({
            "was_required": user.must_change_password,
            "other_sessions_ended": others_ended,
            "trusted_browsers_revoked": trusted_browsers_revoked,
        })),
    )
    .await?;
    tx.commit().await?;

    let to = if has_two_factor_to_set_up(user) {
        "/account/two-factor"
    } else {
        "/"
    };
    let mut response = see_other(to);
    response.headers_mut().append(
        header::SET_COOKIE,
        session::session_cookie(&state.config, &token),
    );
    Ok(response)
}

// --- two-factor authentication -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    layout: Layout,
    errors: FormErrors,
    enabled: bool,
    required: bool,
    unused_recovery_codes: i64,
}

#[derive(Template)]
#[template(path = "account/two_factor_setup.html")]
struct TwoFactorSetupPage {
    layout: Layout,
    errors: FormErrors,
    required: bool,
    /// `data:image/svg+xml;base64,...` of the otpauth URI.
    qr_code: String,
    /// The secret in base32, in groups of four, for typing in by hand.
    manual_key: String,
    email: String,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    /// Two-factor has just been turned on (rather than codes replaced).
    just_enabled: bool,
    codes: Vec<String>,
    continue_to: &'static str,
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn show_two_factor(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let user = &holder.user;
    let unused_recovery_codes = if user.two_factor_enabled {
        store::unused_recovery_codes(&state.pool, user.id).await?
    } else {
        0
    };
    let page = TwoFactorPage {
        layout: Layout::for_session(Some(&holder.session)),
        errors: FormErrors::new(),
        enabled: user.two_factor_enabled,
        required: user.requires_two_factor(),
        unused_recovery_codes,
    };
    Ok(page::render(&page)?.into_response())
}

fn setup_page(
    holder: &AccountHolder,
    secret: &TotpSecret,
    errors: FormErrors,
) -> Result<TwoFactorSetupPage, AppError> {
    let uri = totp::otpauth_uri(secret, TOTP_ISSUER, &holder.user.email)?;
    Ok(TwoFactorSetupPage {
        layout: Layout::for_session(Some(&holder.session)),
        errors,
        required: holder.user.requires_two_factor(),
        qr_code: totp::qr_code_data_uri(&uri)?,
        manual_key: secret.manual_key(),
        email: holder.user.email.clone(),
    })
}

/// Stores a fresh secret (replacing any earlier unconfirmed one) and shows it to be scanned.
async fn start_two_factor(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let user = &holder.user;
    if user.two_factor_enabled {
        return Ok(see_other("/account/two-factor"));
    }
    let secret = TotpSecret::generate()?;
    let mut tx = state.pool.begin().await?;
    store::start_totp_enrolment(&mut *tx, user.id, secret.as_bytes()).await?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            Actor::user(user.id, &user.email),
            "user.two_factor_setup_started",
            "user",
        )
        .target(user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(page::render(&setup_page(&holder, &secret, FormErrors::new())?)?.into_response())
}

/// Turns two-factor on once a code from the app proves it holds the secret, and shows the
/// recovery codes, once.
async fn confirm_two_factor(
    State(state): State<AppState>,
    holder: AccountHolder,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let user = &holder.user;
    if user.two_factor_enabled {
        return Ok(see_other("/account/two-factor"));
    }
    let totp_state = store::totp_state(&state.pool, user.id).await?;
    let Some(secret) = totp_state.totp_secret.map(TotpSecret::from_bytes) else {
        // Nothing started (or it was reset meanwhile): start again.
        return Ok(see_other("/account/two-factor"));
    };
    let now = state.clock.now();
    let step = totp::verify(
        &secret,
        &form.code,
        now.unix_timestamp(),
        totp_state.totp_last_step,
    );
    let wrong_code = || {
        let mut errors = FormErrors::new();
        errors.add("code", WRONG_ENROLMENT_CODE);
        unprocessable(&setup_page(&holder, &secret, errors)?)
    };
    let Some(step) = step else {
        return wrong_code();
    };

    let codes = recovery::generate()?;
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| recovery::hash(code)).collect();
    let mut tx = state.pool.begin().await?;
    if !store::confirm_totp_enrolment(&mut *tx, user.id, secret.as_bytes(), step, now).await? {
        // The code was just used, or the secret was replaced from another tab.
        tx.rollback().await?;
        return wrong_code();
    }
    store::replace_recovery_codes(&mut *tx, user.id, &hashes).await?;
    audit::store::append(
        &mut tx,
        now,
        &Event::new(
            Actor::user(user.id, &user.email),
            "user.two_factor_enabled",
            "user",
        )
        .target(user.id)
        .details(json!({ "method": "authenticator_app", "recovery_codes": codes.len() })),
    )
    .await?;
    tx.commit().await?;
    let page = RecoveryCodesPage {
        layout: Layout::for_session(Some(&holder.session)),
        just_enabled: true,
        codes,
        continue_to: "/",
    };
    Ok(page::render(&page)?.into_response())
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
struct RecoveryCodesForm {
    #[serde(default)]
    password: String,
}

/// Replaces all the recovery codes (used or not) with ten new ones, shown once. The password
/// must be entered again: codes are a way in, and a session left open should not hand them out.
async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    holder: AccountHolder,
    client: ClientAddress,
    Form(form): Form<RecoveryCodesForm>,
) -> Result<Response, AppError> {
    let user = &holder.user;
    if !user.two_factor_enabled {
        return Ok(see_other("/account/two-factor"));
    }
    let mut errors = FormErrors::new();
    let mut is_busy = false;
    if form.password.is_empty() {
        errors.add("password", ENTER_PASSWORD_FOR_CODES);
    } else {
        match check_current_password(&state, user, &client, &form.password).await? {
            CurrentPassword::Matches => {}
            CurrentPassword::Wrong => errors.add("password", WRONG_PASSWORD),
            CurrentPassword::Paused => errors.add("password", CHANGE_PASSWORD_PAUSED),
            CurrentPassword::Busy => {
                is_busy = true;
                errors.add("password", BUSY);
            }
        }
    }
    if !errors.is_empty() {
        let page = TwoFactorPage {
            layout: Layout::for_session(Some(&holder.session)),
            errors,
            enabled: true,
            required: user.requires_two_factor(),
            unused_recovery_codes: store::unused_recovery_codes(&state.pool, user.id).await?,
        };
        if is_busy {
            return Ok(busy(page::render(&page)?));
        }
        return unprocessable(&page);
    }
    let codes = recovery::generate()?;
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| recovery::hash(code)).collect();
    let mut tx = state.pool.begin().await?;
    store::replace_recovery_codes(&mut *tx, user.id, &hashes).await?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            Actor::user(user.id, &user.email),
            "user.recovery_codes_regenerated",
            "user",
        )
        .target(user.id)
        .details(json!({ "recovery_codes": codes.len() })),
    )
    .await?;
    tx.commit().await?;
    let page = RecoveryCodesPage {
        layout: Layout::for_session(Some(&holder.session)),
        just_enabled: false,
        codes,
        continue_to: "/account",
    };
    Ok(page::render(&page)?.into_response())
}
