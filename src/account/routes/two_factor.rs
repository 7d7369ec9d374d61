//! Setting up two-factor authentication: a fresh secret shown as a QR code, confirmed by a code
//! from the app, then ten recovery codes shown once; and replacing the recovery codes.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{CHANGE_PASSWORD_PAUSED, CurrentPassword, check_current_password};
use crate::AppState;
use crate::audit::Change;
use crate::auth::accounts::Email;
use crate::auth::extract::AccountHolder;
use crate::auth::middleware::ClientAddress;
use crate::auth::session::SessionUser;
use crate::auth::sign_in::{BUSY, busy};
use crate::auth::totp::{self, TotpSecret};
use crate::auth::{recovery, store};
use crate::web::extract::Form;
use crate::web::page::{see_other, unprocessable};
use crate::web::{AppError, FormErrors, Layout, page};

/// The issuer shown in authenticator apps beside the account's email address.
const TOTP_ISSUER: &str = "ITF planner";

const WRONG_PASSWORD: &str = "Your password is not right";
const ENTER_PASSWORD_FOR_CODES: &str = "Enter your password to get new recovery codes";
const WRONG_ENROLMENT_CODE: &str = "Enter the 6-digit code shown in your authenticator app";

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
    email: Email,
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
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
pub(super) struct RecoveryCodesForm {
    #[serde(default)]
    password: String,
}

/// How many unused recovery codes the user has (none without two-factor).
pub(super) async fn unused_recovery_codes(
    state: &AppState,
    user: &SessionUser,
) -> Result<i64, sqlx::Error> {
    if user.two_factor_enabled {
        store::unused_recovery_codes(&state.pool, user.id).await
    } else {
        Ok(0)
    }
}

/// The two-factor page, with `errors` from the form to replace recovery codes.
async fn two_factor_page(
    state: &AppState,
    holder: &AccountHolder,
    errors: FormErrors,
) -> Result<TwoFactorPage, AppError> {
    Ok(TwoFactorPage {
        layout: Layout::for_session(Some(&holder.session)),
        errors,
        enabled: holder.user.two_factor_enabled,
        required: holder.user.requires_two_factor(),
        unused_recovery_codes: unused_recovery_codes(state, &holder.user).await?,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let page = two_factor_page(&state, &holder, FormErrors::new()).await?;
    Ok(page::render(&page)?.into_response())
}

fn setup_page(
    holder: &AccountHolder,
    secret: &TotpSecret,
    errors: FormErrors,
) -> Result<TwoFactorSetupPage, AppError> {
    let uri = totp::otpauth_uri(secret, TOTP_ISSUER, holder.user.email.as_str())?;
    Ok(TwoFactorSetupPage {
        layout: Layout::for_session(Some(&holder.session)),
        errors,
        required: holder.user.requires_two_factor(),
        qr_code: totp::qr_code_data_uri(&uri)?,
        manual_key: secret.manual_key(),
        email: holder.user.email.clone(),
    })
}

/// The new recovery codes, shown once, and their hashes to store.
fn new_recovery_codes() -> Result<(Vec<String>, Vec<Vec<u8>>), AppError> {
    let codes = recovery::generate()?;
    let hashes = codes.iter().map(|code| recovery::hash(code)).collect();
    Ok((codes, hashes))
}

fn recovery_codes_page(
    holder: &AccountHolder,
    just_enabled: bool,
    codes: Vec<String>,
) -> Result<Response, AppError> {
    let page = RecoveryCodesPage {
        layout: Layout::for_session(Some(&holder.session)),
        just_enabled,
        codes,
        continue_to: if just_enabled { "/" } else { "/account" },
    };
    Ok(page::render(&page)?.into_response())
}

/// Stores a fresh secret (replacing any earlier unconfirmed one) and shows it to be scanned.
pub(super) async fn start(
    State(state): State<AppState>,
    holder: AccountHolder,
) -> Result<Response, AppError> {
    let user = &holder.user;
    if user.two_factor_enabled {
        return Ok(see_other("/account/two-factor"));
    }
    let secret = TotpSecret::generate()?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::start_totp_enrolment(change.db(), user.id, secret.as_bytes()).await?;
    change
        .commit(&user.own_event("user.two_factor_setup_started"))
        .await?;
    Ok(page::render(&setup_page(&holder, &secret, FormErrors::new())?)?.into_response())
}

/// Turns two-factor on once a code from the app proves it holds the secret, and shows the
/// recovery codes, once.
pub(super) async fn confirm(
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

    let (codes, hashes) = new_recovery_codes()?;
    let mut change = Change::begin(&state.pool, now).await?;
    if !store::confirm_totp_enrolment(change.db(), user.id, secret.as_bytes(), step, now).await? {
        // The code was just used, or the secret was replaced from another tab: the change is
        // dropped.
        return wrong_code();
    }
    store::replace_recovery_codes(change.db(), user.id, &hashes).await?;
    change
        .commit(
            &user
                .own_event("user.two_factor_enabled")
                .details(json!({ "method": "authenticator_app", "recovery_codes": codes.len() })),
        )
        .await?;
    recovery_codes_page(&holder, true, codes)
}

/// Replaces all the recovery codes (used or not) with ten new ones, shown once. The password
/// must be entered again: codes are a way in, and a session left open should not hand them out.
pub(super) async fn regenerate_recovery_codes(
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
        let page = two_factor_page(&state, &holder, errors).await?;
        if is_busy {
            return Ok(busy(page::render(&page)?));
        }
        return unprocessable(&page);
    }
    let (codes, hashes) = new_recovery_codes()?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::replace_recovery_codes(change.db(), user.id, &hashes).await?;
    change
        .commit(
            &user
                .own_event("user.recovery_codes_regenerated")
                .details(json!({ "recovery_codes": codes.len() })),
        )
        .await?;
    recovery_codes_page(&holder, false, codes)
}
