//! The `password_resets` table: links sent, counted per account, and used once.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::auth::accounts::Email;

/// The account a reset is asked for, with its row locked until the end of the transaction, so
/// that parallel requests for one account count each other's links.
#[derive(Clone, Debug, FromRow)]
pub struct ResetAccount {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub disabled: bool,
    /// Links sent to it since the hour before now.
    pub recent_links: i64,
}

pub async fn lock_account(
    db: &mut PgConnection,
    email: &str,
    since: OffsetDateTime,
) -> Result<Option<ResetAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.disabled_at IS NOT NULL AS disabled,
                (SELECT count(*) FROM password_resets r
                 WHERE r.user_id = u.id AND r.created_at > $2) AS recent_links
         FROM users u WHERE email_key(u.email) = email_key($1)
         FOR UPDATE OF u",
    )
    .bind(email)
    .bind(since)
    .fetch_optional(db)
    .await
}

pub async fn insert_reset(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    token_hash: &[u8],
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

/// The account a link still usable at `now` belongs to, for the page choosing the password.
#[derive(Clone, Debug, FromRow)]
pub struct LinkHolder {
    pub reset_id: i64,
    pub user_id: UserId,
    pub email: Email,
    pub display_name: String,
    pub organisation_name: String,
}

pub async fn find_usable(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<LinkHolder>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id AS reset_id, u.id AS user_id, u.email, u.display_name,
                o.name AS organisation_name
         FROM password_resets r
         JOIN users u ON u.id = r.user_id
         JOIN organisations o ON o.id = u.organisation_id
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2
           AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Marks the link used, if it still is usable: exactly one of any number of parallel uses gets
/// the account back; the rest get `None`.
pub async fn use_link(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<(i64, UserId)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE password_resets SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING id, user_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}
