//! "Your account": the summary with your sessions and trusted browsers (`summary`), changing
//! your password (`password`), and setting up two-factor authentication with its recovery codes
//! (`two_factor`). Re-entering the current password, which the last two ask for, is here.

mod password;
mod summary;
mod two_factor;

use crate::AppState;
use crate::auth::middleware::ClientAddress;
use crate::auth::password as hashing;
use crate::auth::session::SessionUser;
use crate::auth::sign_in;
use crate::auth::store;
use crate::auth::throttle::Scope;
use crate::web::AppError;
use crate::web::routes::{Route, get, post};

pub fn routes() -> Vec<Route> {
    vec![
        get("/account", summary::show),
        post("/account/sign-out-everywhere", summary::sign_out_everywhere),
        get("/account/password", password::show),
        post("/account/password", password::change),
        get("/account/two-factor", two_factor::show),
        post("/account/two-factor/start", two_factor::start),
        post("/account/two-factor/confirm", two_factor::confirm),
        post(
            "/account/two-factor/recovery-codes",
            two_factor::regenerate_recovery_codes,
        ),
        post(
            "/account/trusted-browsers/{id}/revoke",
            summary::revoke_trusted_browser,
        ),
    ]
}

const CHANGE_PASSWORD_PAUSED: &str =
    "Your current password was entered wrongly too many times. Wait a few minutes, then try again";

fn has_two_factor_to_set_up(user: &SessionUser) -> bool {
    user.requires_two_factor() && !user.two_factor_enabled
}

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
    if sign_in::count_attempt(&state.pool, Scope::CurrentPassword, &key, now).await? {
        return Ok(CurrentPassword::Paused);
    }
    let stored = store::find_password_hash(&state.pool, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let matches = match hashing::verify(typed, &stored).await {
        Err(error) if hashing::is_busy(&error) => {
            store::refund_throttle(&state.pool, Scope::CurrentPassword, &key).await?;
            return Ok(CurrentPassword::Busy);
        }
        checked => checked?,
    };
    if matches {
        store::clear_throttle(&state.pool, Scope::CurrentPassword.key(), &key).await?;
        return Ok(CurrentPassword::Matches);
    }
    sign_in::record_refused(
        &state.pool,
        "current_password_failed",
        user,
        client,
        "wrong current password",
        now,
    )
    .await?;
    Ok(CurrentPassword::Wrong)
}
