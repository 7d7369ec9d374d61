//! The `trusted_devices` table: browsers an account has fully signed in from, with a lifetime,
//! listing and revoking (hardening, issue 8).

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::auth::{TrustedDeviceId, UserId};

/// Whether the browser holding the token of `token_hash` is trusted by `user_id` at `now`.
pub async fn is_trusted_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM trusted_devices
                        WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .fetch_one(db)
    .await
}

/// A browser to trust.
pub struct NewTrustedDevice<'a> {
    pub token_hash: &'a [u8],
    pub user_id: UserId,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<&'a str>,
    pub client_address: Option<&'a str>,
}

pub async fn trust_device(
    db: impl PgExecutor<'_>,
    device: NewTrustedDevice<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO trusted_devices (token_hash, user_id, created_at, last_used_at, expires_at,
                                      user_agent, client_address)
         VALUES ($1, $2, $3, $3, $4, left($5, 300), left($6, 100))",
    )
    .bind(device.token_hash)
    .bind(device.user_id)
    .bind(now)
    .bind(device.expires_at)
    .bind(device.user_agent)
    .bind(device.client_address)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a sign-in from a trusted browser; its lifetime is not extended.
pub async fn touch_trusted_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE trusted_devices SET last_used_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets the token of `token_hash` if it is `user_id`'s (an expired one being replaced).
pub async fn delete_trusted_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM trusted_devices WHERE token_hash = $1 AND user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A browser the account trusts, for "Your account".
#[derive(FromRow)]
pub struct TrustedDevice {
    pub id: TrustedDeviceId,
    pub token_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
}

/// The account's unexpired trusted browsers, most recently used first.
pub async fn list_trusted_devices(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<Vec<TrustedDevice>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, token_hash, created_at, last_used_at, expires_at, user_agent, client_address
         FROM trusted_devices WHERE user_id = $1 AND expires_at > $2
         ORDER BY last_used_at DESC, id DESC LIMIT 50",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Stops trusting one of the account's browsers; false if it is not (or no longer) there.
pub async fn revoke_trusted_device(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    id: TrustedDeviceId,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Stops trusting every browser of the account (at a password change); returns how many.
pub async fn delete_user_trusted_devices(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// Removes expired trusted browsers (refused anyway; this keeps the table small).
pub async fn delete_expired_trusted_devices(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM trusted_devices WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}
