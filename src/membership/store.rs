//! The `invitations` table.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::auth::policy::Role;

/// An invitation to make.
pub struct NewInvitation<'a> {
    pub area_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub organisation_id: i64,
    pub role: Role,
    pub token_hash: &'a [u8],
    pub invited_by: UserId,
    pub expires_at: OffsetDateTime,
}

pub async fn insert_invitation(
    db: impl PgExecutor<'_>,
    invitation: NewInvitation<'_>,
    now: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO invitations (area_id, email, display_name, organisation_id, role,
                                  token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(invitation.area_id)
    .bind(invitation.email)
    .bind(invitation.display_name)
    .bind(invitation.organisation_id)
    .bind(invitation.role)
    .bind(invitation.token_hash)
    .bind(invitation.invited_by)
    .bind(now)
    .bind(invitation.expires_at)
    .fetch_one(db)
    .await
}

/// Whether the account with `email` already holds `role` in `area_id`, or an open invitation
/// (neither accepted, revoked nor expired) already offers it: inviting again would add nothing.
pub async fn role_held_or_offered(
    db: impl PgExecutor<'_>,
    area_id: i64,
    email: &str,
    role: Role,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM grants g JOIN users u ON u.id = g.user_id
                         WHERE g.area_id = $1 AND email_key(u.email) = email_key($2) AND g.role = $3)
             OR EXISTS (SELECT 1 FROM invitations i
                         WHERE i.area_id = $1 AND email_key(i.email) = email_key($2) AND i.role = $3
                           AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $4)",
    )
    .bind(area_id)
    .bind(email)
    .bind(role)
    .bind(now)
    .fetch_one(db)
    .await
}

/// An invitation neither accepted nor revoked, for the area's people page.
#[derive(Clone, Debug, FromRow)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_name: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub expires_at: OffsetDateTime,
}

/// The area's pending invitations (expired ones too, until revoked), oldest first.
pub async fn list_pending(
    db: impl PgExecutor<'_>,
    area_id: i64,
) -> Result<Vec<PendingInvitation>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.email, i.display_name, o.name AS organisation_name, i.role,
                inviter.display_name AS invited_by, i.expires_at
         FROM invitations i
         JOIN organisations o ON o.id = i.organisation_id
         LEFT JOIN users inviter ON inviter.id = i.invited_by
         WHERE i.area_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
         ORDER BY i.created_at, i.id
         LIMIT 500",
    )
    .bind(area_id)
    .fetch_all(db)
    .await
}

/// Revokes a pending invitation of the area; returns its address and role, or `None` if the
/// area has no such pending invitation.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    area_id: i64,
    id: i64,
    now: OffsetDateTime,
) -> Result<Option<(String, Role)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE invitations SET revoked_at = $3
         WHERE id = $2 AND area_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
         RETURNING email, role",
    )
    .bind(area_id)
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// An invitation whose link still works, with what its page shows, and whether an account
/// with its address exists already.
#[derive(Clone, Debug, FromRow)]
pub struct OpenInvitation {
    pub id: i64,
    pub area_id: i64,
    pub area_name: String,
    pub email: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub role: Role,
    pub existing_user: Option<UserId>,
}

pub async fn find_open(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<OpenInvitation>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.area_id, a.name AS area_name, i.email, i.display_name,
                i.organisation_id, o.name AS organisation_name, i.role,
                (SELECT u.id FROM users u WHERE email_key(u.email) = email_key(i.email))
                    AS existing_user
         FROM invitations i
         JOIN areas a ON a.id = i.area_id
         JOIN organisations o ON o.id = i.organisation_id
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
           AND i.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Marks the invitation accepted if its link still works: exactly one of any number of
/// parallel acceptances gets its id back.
pub async fn accept(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE invitations SET accepted_at = $2
         WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL
           AND expires_at > $2
         RETURNING id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Records who accepted the invitation (its new or existing account).
pub async fn set_accepted_by(
    db: impl PgExecutor<'_>,
    id: i64,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE invitations SET accepted_by = $2 WHERE id = $1")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
