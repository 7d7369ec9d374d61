//! SQL for the API's bearer tokens (`api_tokens`): making one, listing the live ones, revoking
//! one, and finding who holds a token by its secret's hash.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::auth::policy::Role;

/// The most live tokens the page lists: far above what a programme team keeps.
pub const MAX_TOKENS: i64 = 500;

/// A live token, as the tokens page lists it.
#[derive(Clone, Debug, FromRow)]
pub struct LiveToken {
    pub id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub created_by: String,
}

/// Adds a token; returns its id.
pub async fn insert_token(
    db: &mut PgConnection,
    name: &str,
    secret_hash: &[u8],
    by: UserId,
    at: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (name, secret_hash, created_at, created_by)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(secret_hash)
    .bind(at)
    .bind(by.get())
    .fetch_one(db)
    .await
}

/// Every live token, newest first.
pub async fn live_tokens(db: impl PgExecutor<'_>) -> Result<Vec<LiveToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.created_at, u.display_name AS created_by
         FROM api_tokens t JOIN users u ON u.id = t.created_by
         WHERE t.revoked_at IS NULL
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT $1",
    )
    .bind(MAX_TOKENS)
    .fetch_all(db)
    .await
}

/// Revokes the live token `id`; returns its name, or `None` when there is no such live token
/// (unknown, or revoked already: a second click changes nothing).
pub async fn revoke_token(
    db: &mut PgConnection,
    id: i64,
    by: UserId,
    at: OffsetDateTime,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = $2, revoked_by = $3
         WHERE id = $1 AND revoked_at IS NULL
         RETURNING name",
    )
    .bind(id)
    .bind(at)
    .bind(by.get())
    .fetch_optional(db)
    .await
}

/// Who holds a live token: the person who made it, with the roles they hold across all areas
/// now (a token is worth no more than its maker's current roles).
#[derive(Clone, Debug)]
pub struct Holder {
    pub token_id: i64,
    pub user_id: UserId,
    pub organisation_id: i64,
    pub global_roles: Vec<Role>,
}

#[derive(FromRow)]
struct HolderRow {
    token_id: i64,
    user_id: i64,
    organisation_id: i64,
    roles: Vec<String>,
}

/// The live token whose secret hashes to `secret_hash`, if its maker's account is not disabled.
/// One query.
pub async fn find_holder(
    db: impl PgExecutor<'_>,
    secret_hash: &[u8],
) -> Result<Option<Holder>, sqlx::Error> {
    let row: Option<HolderRow> = sqlx::query_as(
        "SELECT t.id AS token_id, u.id AS user_id, u.organisation_id,
                ARRAY(SELECT g.role::text FROM grants g
                      WHERE g.user_id = u.id AND g.area_id IS NULL ORDER BY g.role) AS roles
         FROM api_tokens t JOIN users u ON u.id = t.created_by
         WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(secret_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Holder {
        token_id: row.token_id,
        user_id: UserId::new(row.user_id),
        organisation_id: row.organisation_id,
        global_roles: row
            .roles
            .iter()
            .filter_map(|key| Role::parse(key))
            .collect(),
    }))
}
