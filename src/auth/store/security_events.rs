//! The `security_events` table: failed attempts, kept 90 days, outside the permanent audit log
//! (hardening, issue 8).

use sqlx::PgExecutor;
use time::OffsetDateTime;

use crate::auth::UserId;

/// One refused attempt worth keeping for a while.
pub struct SecurityEvent<'a> {
    /// `sign_in_failed`, `second_factor_failed`, `current_password_failed`.
    pub kind: &'a str,
    pub user_id: Option<UserId>,
    /// Only what looks like an email address (never a password typed in the wrong box).
    pub email: Option<&'a str>,
    pub client_address: Option<&'a str>,
    pub reason: &'a str,
}

pub async fn insert_security_event(
    db: impl PgExecutor<'_>,
    event: SecurityEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO security_events (at, kind, user_id, email, client_address, reason)
         VALUES ($1, $2, $3, left($4, 254), left($5, 100), $6)",
    )
    .bind(now)
    .bind(event.kind)
    .bind(event.user_id)
    .bind(event.email)
    .bind(event.client_address)
    .bind(event.reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes security events older than `before`; returns how many.
pub async fn delete_old_security_events(
    db: impl PgExecutor<'_>,
    before: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM security_events WHERE at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}
