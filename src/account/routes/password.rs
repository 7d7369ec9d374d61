//! Changing your password: the current one again (throttled), a new one that passes the rules,
//! and afterwards every other session ended, no browser trusted and a new session id here.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
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
use crate::auth::sign_in::{self, BUSY, busy};
use crate::auth::{password, store};
use crate::web::extract::Form;
use crate::web::page::unprocessable;
use crate::web::{AppError, FormErrors, Layout, page};

const WRONG_CURRENT_PASSWORD: &str = "Your current password is not right";
const PASSWORDS_DIFFER: &str = "Enter the same password twice";

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: FormErrors,
    must_change: bool,
    /// For password managers, which save the new password against it.
    email: Email,
}

impl PasswordPage {
    fn new(holder: &AccountHolder, errors: FormErrors) -> PasswordPage {
        PasswordPage {
            layout: Layout::for_session(Some(&holder.session)),
            errors,
            must_change: holder.user.must_change_password,
            email: holder.user.email.clone(),
        }
    }
}

/// No `Debug`: it holds passwords.
#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub(super) async fn show(holder: AccountHolder) -> Result<Response, AppError> {
    Ok(page::render(&PasswordPage::new(&holder, FormErrors::new()))?.into_response())
}

/// The new password if it passes the rules (adding what is wrong to `errors` if not), with the
/// confirmation checked.
fn new_password(
    form: &PasswordForm,
    user: &SessionUser,
    current_matches: bool,
    errors: &mut FormErrors,
) -> Option<password::NewPassword> {
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
    new_password
}

pub(super) async fn change(
    State(state): State<AppState>,
    holder: AccountHolder,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let user = &holder.user;
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
                return Ok(busy(page::render(&PasswordPage::new(&holder, errors))?));
            }
        }
    }
    let new_password = new_password(&form, user, current_matches, &mut errors);
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        return unprocessable(&PasswordPage::new(&holder, errors));
    };

    let password_hash = password::hash(new_password.as_str()).await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::set_password(change.db(), user.id, &password_hash, false).await?;
    // Whoever else knew the old password is signed out.
    let others_ended =
        store::delete_user_sessions(change.db(), user.id, Some(&holder.session.token_hash)).await?;
    // And no browser stays trusted on the strength of the old password.
    let trusted_browsers_revoked = store::delete_user_trusted_devices(change.db(), user.id).await?;
    // And this browser gets a new session id, so a token taken before the change is useless.
    store::delete_session(change.db(), &holder.session.token_hash).await?;
    let token =
        sign_in::start_session(change.db(), &state, user.id, false, &client, &headers).await?;
    change
        .commit(&user.own_event("user.password_changed").details(json!({
            "was_required": user.must_change_password,
            "other_sessions_ended": others_ended,
            "trusted_browsers_revoked": trusted_browsers_revoked,
        })))
        .await?;

    let to = if super::has_two_factor_to_set_up(user) {
        "/account/two-factor"
    } else {
        "/"
    };
    Ok(sign_in::signed_in(&state, to, &token, None))
}
