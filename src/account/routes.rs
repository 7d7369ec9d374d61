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
use crate::auth::routes::insert_new_session;
use crate::auth::session::SessionUser;
use crate::auth::store;
use crate::auth::throttle::{self, Scope};
use crate::auth::totp::{self, TotpSecret};
use crate::auth::{password, recovery, session};
use crate::web::extract::Form;
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
    ]
}

/// The issuer shown in authenticator apps beside the account's email address.
const TOTP_ISSUER: &str = "ITF planner";

const WRONG_CURRENT_PASSWORD: &str = "Your current password is not right";
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
}

async fn show_account(
    State(state): State<AppState>,
    holder: AccountHolder,
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

    // Guessing the current password from a session left open is slowed like guessing at sign-in.
    let throttle_key = format!("change-password:{}", user.id);
    let throttle_state =
        store::throttle_state(&state.pool, Scope::Account.key(), &throttle_key).await?;
    let mut wrong_current = false;
    let mut current_matches = false;
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password");
    } else if throttle::is_locked(throttle_state.as_ref(), now) {
        errors.add("current_password", CHANGE_PASSWORD_PAUSED);
    } else {
        let stored = store::find_password_hash(&state.pool, user.id)
            .await?
            .ok_or(AppError::NotFound)?;
        current_matches = password::verify(&form.current_password, &stored).await?;
        if !current_matches {
            wrong_current = true;
            errors.add("current_password", WRONG_CURRENT_PASSWORD);
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
    if wrong_current {
        let mut tx = state.pool.begin().await?;
        let next_state = throttle::after_failure(Scope::Account, throttle_state, now);
        store::save_throttle_state(&mut *tx, Scope::Account.key(), &throttle_key, next_state)
            .await?;
        audit::store::append(
            &mut tx,
            now,
            &Event::new(
                Actor::user(user.id, &user.email),
                "user.password_change_failed",
                "user",
            )
            .target(user.id)
            .details(json!({ "reason": "wrong current password" })),
        )
        .await?;
        tx.commit().await?;
    }
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        return render_failure(errors);
    };

    let password_hash = password::hash(new_password.as_str()).await?;
    let mut tx = state.pool.begin().await?;
    store::set_password(&mut *tx, user.id, &password_hash, false).await?;
    // Whoever else knew the old password is signed out.
    let others_ended =
        store::delete_user_sessions(&mut *tx, user.id, Some(&holder.session.token_hash)).await?;
    store::clear_throttle(&mut *tx, Scope::Account.key(), &throttle_key).await?;
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

/// Replaces all the recovery codes (used or not) with ten new ones, shown once.
async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let user = &holder.user;
    if !user.two_factor_enabled {
        return Ok(see_other("/account/two-factor"));
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
