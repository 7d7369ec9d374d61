//! Two-factor data: the TOTP secret and last step on `users`, and the `recovery_codes` table.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;

/// The user's TOTP secret (enrolled or being set up) and the last time step accepted.
#[derive(FromRow)]
pub struct TotpState {
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
}

pub async fn totp_state(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<TotpState, sqlx::Error> {
    sqlx::query_as(
        "SELECT totp_secret, totp_enabled_at IS NOT NULL AS totp_enabled, totp_last_step
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// Records that the code of time step `step` was used; false if that step (or a later one)
/// was used already, so the same code cannot sign in twice.
pub async fn claim_totp_step(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET totp_last_step = $2
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores a new secret for enrolment; two-factor stays off until a code confirms it.
pub async fn start_totp_enrolment(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    secret: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_last_step = NULL
         WHERE id = $1 AND totp_enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn enable_totp(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_enabled_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns two-factor off (an administrator's reset for a lost phone) and removes its codes.
pub async fn reset_totp(db: &mut PgConnection, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes.
pub async fn replace_recovery_codes(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    code_hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH removed AS (DELETE FROM recovery_codes WHERE user_id = $1)
         INSERT INTO recovery_codes (user_id, code_hash)
         SELECT $1, hash FROM unnest($2::bytea[]) AS hash",
    )
    .bind(user_id)
    .bind(code_hashes)
    .execute(db)
    .await?;
    Ok(())
}

/// Uses up a recovery code; false if it is not one of the user's unused codes.
pub async fn use_recovery_code(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    code_hash: &[u8],
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn unused_recovery_codes(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// Turns two-factor on if the stored secret is still `secret` (the one the code was checked
/// against, not one replaced meanwhile from another tab) and time step `step` was not used yet;
/// records the step as used. False if either has changed, or it was on already.
pub async fn confirm_totp_enrolment(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    secret: &[u8],
    step: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET totp_enabled_at = $4, totp_last_step = $3
         WHERE id = $1 AND totp_secret = $2 AND totp_enabled_at IS NULL
           AND (totp_last_step IS NULL OR totp_last_step < $3)",
    )
    .bind(user_id)
    .bind(secret)
    .bind(step)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}
