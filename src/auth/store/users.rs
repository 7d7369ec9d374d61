//! The `users` table: credentials and passwords, adding accounts, and accounts as
//! administrators list, see, disable and enable them. (The reads for administrators join
//! `organisations` only for its name, to keep each page to a fixed number of queries.)

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::auth::accounts::Email;
use crate::auth::policy::Role;

/// What sign-in needs to know about an account.
#[derive(FromRow)]
pub struct Credentials {
    pub id: UserId,
    pub email: Email,
    pub password_hash: String,
    pub disabled: bool,
    pub two_factor_enabled: bool,
}

pub async fn find_credentials(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, password_hash, disabled_at IS NOT NULL AS disabled,
                totp_enabled_at IS NOT NULL AS two_factor_enabled
         FROM users WHERE email_key(email) = email_key($1)",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

pub async fn find_password_hash(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn set_password(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    password_hash: &str,
    must_change: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .bind(must_change)
        .execute(db)
        .await?;
    Ok(())
}

/// Details of a new account.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a str,
    pub organisation_id: i64,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Adds an account; a clash with an existing email is `users_email_key`.
pub async fn insert_user(
    db: impl PgExecutor<'_>,
    user: NewUser<'_>,
) -> Result<UserId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, organisation_id, password_hash, must_change_password)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.organisation_id)
    .bind(user.password_hash)
    .bind(user.must_change_password)
    .fetch_one(db)
    .await
}

pub async fn find_user_id_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<UserId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email_key(email) = email_key($1)")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// A user as listed for administrators, with their roles.
#[derive(Clone, Debug, FromRow)]
pub struct UserListRow {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub organisation_name: String,
    pub disabled: bool,
    pub two_factor_enabled: bool,
    pub grant_roles: Vec<Role>,
    /// The area of each grant in `grant_roles`, `None` for global roles.
    pub grant_areas: Vec<Option<String>>,
}

/// Users by name, those whose name or email contains `search` (any case) if given.
pub async fn list_users(
    db: impl PgExecutor<'_>,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<UserListRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, o.name AS organisation_name,
                u.disabled_at IS NOT NULL AS disabled,
                u.totp_enabled_at IS NOT NULL AS two_factor_enabled,
                ARRAY(SELECT g.role FROM grants g
                      WHERE g.user_id = u.id ORDER BY g.id) AS grant_roles,
                ARRAY(SELECT a.name FROM grants g LEFT JOIN areas a ON a.id = g.area_id
                      WHERE g.user_id = u.id ORDER BY g.id) AS grant_areas
         FROM users u JOIN organisations o ON o.id = u.organisation_id
         WHERE $1::text IS NULL
            OR strpos(lower(u.display_name), lower($1)) > 0
            OR strpos(lower(u.email), lower($1)) > 0
         ORDER BY lower(u.display_name), u.id
         LIMIT $2",
    )
    .bind(search)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// One user, for their administration page.
#[derive(Clone, Debug, FromRow)]
pub struct UserAccount {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub must_change_password: bool,
    pub disabled_at: Option<OffsetDateTime>,
    pub two_factor_enabled: bool,
    pub created_at: OffsetDateTime,
}

pub async fn find_user_account(
    db: impl PgExecutor<'_>,
    id: UserId,
) -> Result<Option<UserAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.organisation_id, o.name AS organisation_name,
                u.must_change_password, u.disabled_at,
                u.totp_enabled_at IS NOT NULL AS two_factor_enabled, u.created_at
         FROM users u JOIN organisations o ON o.id = u.organisation_id
         WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Disables the account (their sessions are refused from now on); false if it already was.
pub async fn disable_user(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(db)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Enables a disabled account; false if it was not disabled.
pub async fn enable_user(db: impl PgExecutor<'_>, user_id: UserId) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL",
    )
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}
