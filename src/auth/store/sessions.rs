//! Sessions: finding one with its user and grants, starting, touching and ending them, and the
//! list of a user's sessions.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::auth::accounts::Email;
use crate::auth::policy::{Grant, Role};
use crate::auth::session::{ABSOLUTE_TIMEOUT, Session, SessionUser};

#[derive(FromRow)]
struct SessionRow {
    token_hash: Vec<u8>,
    csrf_token: String,
    second_factor_pending: bool,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    user_id: Option<UserId>,
    email: Option<Email>,
    display_name: Option<String>,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    must_change_password: Option<bool>,
    two_factor_enabled: Option<bool>,
    disabled: Option<bool>,
    grant_roles: Vec<Role>,
    grant_areas: Vec<Option<i64>>,
    unread_notices: Option<i64>,
}

/// The session with this token hash, with its user and their grants, in one query. A session
/// of a disabled user is not returned.
pub async fn find_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<Session>, sqlx::Error> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.token_hash, s.csrf_token, s.second_factor_pending, s.created_at,
                s.last_seen_at, s.expires_at, s.user_id,
                u.email, u.display_name, u.organisation_id, o.name AS organisation_name,
                u.must_change_password, u.totp_enabled_at IS NOT NULL AS two_factor_enabled,
                u.disabled_at IS NOT NULL AS disabled,
                ARRAY(SELECT g.role FROM grants g WHERE g.user_id = s.user_id ORDER BY g.id) AS grant_roles,
                ARRAY(SELECT g.area_id FROM grants g WHERE g.user_id = s.user_id ORDER BY g.id) AS grant_areas,
                -- The unread count, counted no further than the navigation shows it.
                (SELECT count(*) FROM (SELECT 1 FROM notices n
                                       WHERE n.user_id = s.user_id AND n.read_at IS NULL
                                       LIMIT 100) unread) AS unread_notices
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.disabled == Some(true) {
        return Ok(None);
    }
    let user = match (
        row.user_id,
        row.email,
        row.display_name,
        row.organisation_id,
        row.organisation_name,
    ) {
        (
            Some(id),
            Some(email),
            Some(display_name),
            Some(organisation_id),
            Some(organisation_name),
        ) => Some(SessionUser {
            id,
            email,
            display_name,
            organisation_id,
            organisation_name,
            must_change_password: row.must_change_password.unwrap_or(true),
            two_factor_enabled: row.two_factor_enabled.unwrap_or(false),
            grants: row
                .grant_roles
                .into_iter()
                .zip(row.grant_areas)
                .map(|(role, area_id)| Grant { role, area_id })
                .collect(),
            unread_notices: row.unread_notices.unwrap_or(0),
        }),
        _ => None,
    };
    Ok(Some(Session {
        token_hash: row.token_hash,
        csrf_token: row.csrf_token,
        user,
        second_factor_pending: row.second_factor_pending,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        expires_at: row.expires_at,
    }))
}

/// Details of a new session.
pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub csrf_token: &'a str,
    pub user_id: Option<UserId>,
    pub second_factor_pending: bool,
    pub client_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_session(
    db: impl PgExecutor<'_>,
    session: NewSession<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, csrf_token, user_id, second_factor_pending,
                               created_at, last_seen_at, expires_at, client_address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, left($8, 300))",
    )
    .bind(session.token_hash)
    .bind(session.csrf_token)
    .bind(session.user_id)
    .bind(session.second_factor_pending)
    .bind(now)
    .bind(now + ABSOLUTE_TIMEOUT)
    .bind(session.client_address)
    .bind(session.user_agent)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn touch_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_session(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a user except, optionally, one; returns how many ended.
pub async fn delete_user_sessions(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    except_token_hash: Option<&[u8]>,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
    )
    .bind(user_id)
    .bind(except_token_hash)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Removes sessions past their timeouts (they are refused anyway; this keeps the table small).
pub async fn delete_expired_sessions(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    idle_cutoff: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(idle_cutoff)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// A user's active sessions, newest first, for "your sessions".
#[derive(FromRow)]
pub struct SessionSummary {
    pub token_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn list_user_sessions(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<Vec<SessionSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token_hash, created_at, last_seen_at, client_address, user_agent
         FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}
