//! SQL for the administration pages: organisations, areas and their members, users and grants.
//! Every list is bounded; each page makes a fixed number of these queries.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use super::{AreaName, OdsCode, OrganisationName};
use crate::areas::{AreaSlug, OrganisationKind};
use crate::auth::policy::Role;

/// The most rows any administration list shows.
pub const LIST_LIMIT: i64 = 1000;

/// The name of the constraint a database error violated, if it was one.
pub fn violated_constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(error) => error.constraint(),
        _ => None,
    }
}

// --- organisations -----------------------------------------------------------------------------

#[derive(Clone, Debug, FromRow)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub ods_code: Option<String>,
    /// The name of the area whose Health and Wellbeing Board this is, if any.
    pub board_of: Option<String>,
}

/// Every organisation, by name.
pub async fn list_organisations(db: impl PgExecutor<'_>) -> Result<Vec<Organisation>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind, o.ods_code, a.name AS board_of
         FROM organisations o LEFT JOIN areas a ON a.board_id = o.id
         ORDER BY lower(o.name), o.id
         LIMIT $1",
    )
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

pub async fn find_organisation(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<Organisation>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind, o.ods_code, a.name AS board_of
         FROM organisations o LEFT JOIN areas a ON a.board_id = o.id
         WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Adds an organisation; a clash is `organisations_name_key` or `organisations_ods_code_key`.
pub async fn insert_organisation(
    db: impl PgExecutor<'_>,
    name: &OrganisationName,
    kind: OrganisationKind,
    ods_code: Option<&OdsCode>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, ods_code) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.as_str())
    .bind(kind)
    .bind(ods_code.map(OdsCode::as_str))
    .fetch_one(db)
    .await
}

/// Changes an organisation; same clashes as `insert_organisation`.
/// Changes an organisation if it is still as `before` (compare and swap); false when someone
/// else changed it first.
pub async fn update_organisation(
    db: impl PgExecutor<'_>,
    before: &Organisation,
    name: &OrganisationName,
    kind: OrganisationKind,
    ods_code: Option<&OdsCode>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE organisations SET name = $2, kind = $3, ods_code = $4
         WHERE id = $1 AND name = $5 AND kind = $6 AND ods_code IS NOT DISTINCT FROM $7",
    )
    .bind(before.id)
    .bind(name.as_str())
    .bind(kind)
    .bind(ods_code.map(OdsCode::as_str))
    .bind(&before.name)
    .bind(before.kind)
    .bind(before.ods_code.as_deref())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// An organisation offered in a select.
#[derive(Clone, Debug, FromRow)]
pub struct OrganisationOption {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
}

/// Health and Wellbeing Boards that could be the board of `area_id` (or of a new area): those
/// that are not already another area's board.
pub async fn available_boards(
    db: impl PgExecutor<'_>,
    area_id: Option<i64>,
) -> Result<Vec<OrganisationOption>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind FROM organisations o
         WHERE o.kind = 'hwb'
           AND NOT EXISTS (SELECT 1 FROM areas a
                           WHERE a.board_id = o.id AND a.id IS DISTINCT FROM $1)
         ORDER BY lower(o.name), o.id
         LIMIT $2",
    )
    .bind(area_id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

// --- areas -------------------------------------------------------------------------------------

#[derive(Clone, Debug, FromRow)]
pub struct Area {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub board_id: i64,
    pub board_name: String,
}

pub async fn find_area(db: impl PgExecutor<'_>, slug: &str) -> Result<Option<Area>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.slug, a.name, a.board_id, b.name AS board_name
         FROM areas a JOIN organisations b ON b.id = a.board_id
         WHERE a.slug = $1",
    )
    .bind(slug)
    .fetch_optional(db)
    .await
}

/// Adds an area; a clash is `areas_slug_key` or `areas_board_key`.
pub async fn insert_area(
    db: impl PgExecutor<'_>,
    slug: &AreaSlug,
    name: &AreaName,
    board_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO areas (slug, name, board_id) VALUES ($1, $2, $3) RETURNING id")
        .bind(slug.as_str())
        .bind(name.as_str())
        .bind(board_id)
        .fetch_one(db)
        .await
}

/// Renames an area or changes its board (its short name, in URLs, stays).
/// Changes an area's name and board if it is still as `before` (compare and swap); false when
/// someone else changed it first.
pub async fn update_area(
    db: impl PgExecutor<'_>,
    before: &Area,
    name: &AreaName,
    board_id: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE areas SET name = $2, board_id = $3 WHERE id = $1 AND name = $4 AND board_id = $5",
    )
    .bind(before.id)
    .bind(name.as_str())
    .bind(board_id)
    .bind(&before.name)
    .bind(before.board_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Organisations that are not members of the area, to offer as new members.
pub async fn organisations_outside_area(
    db: impl PgExecutor<'_>,
    area_id: i64,
) -> Result<Vec<OrganisationOption>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind FROM organisations o
         WHERE NOT EXISTS (SELECT 1 FROM area_members m
                           WHERE m.area_id = $1 AND m.organisation_id = o.id)
         ORDER BY lower(o.name), o.id
         LIMIT $2",
    )
    .bind(area_id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

/// Makes the organisation a member of the area; returns its name, or `None` if there is no such
/// organisation or it is a member already.
pub async fn insert_member(
    db: impl PgExecutor<'_>,
    area_id: i64,
    organisation_id: i64,
    signs_plan: bool,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO area_members (area_id, organisation_id, signs_plan)
             SELECT $1, o.id, $3 FROM organisations o WHERE o.id = $2
             ON CONFLICT (area_id, organisation_id) DO NOTHING
             RETURNING organisation_id
         )
         SELECT o.name FROM inserted i JOIN organisations o ON o.id = i.organisation_id",
    )
    .bind(area_id)
    .bind(organisation_id)
    .bind(signs_plan)
    .fetch_optional(db)
    .await
}

/// A member removed from an area.
#[derive(Clone, Debug, FromRow)]
pub struct RemovedMember {
    pub name: String,
    pub signs_plan: bool,
}

/// Removes the organisation from the area; `None` if it was not a member.
pub async fn delete_member(
    db: impl PgExecutor<'_>,
    area_id: i64,
    organisation_id: i64,
) -> Result<Option<RemovedMember>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM area_members m WHERE m.area_id = $1 AND m.organisation_id = $2
         RETURNING (SELECT o.name FROM organisations o WHERE o.id = m.organisation_id) AS name,
                   m.signs_plan",
    )
    .bind(area_id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

// --- users and grants --------------------------------------------------------------------------

/// A user as listed, with their roles.
#[derive(Clone, Debug, FromRow)]
pub struct UserListRow {
    pub id: i64,
    pub email: String,
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
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub must_change_password: bool,
    pub disabled_at: Option<OffsetDateTime>,
    pub two_factor_enabled: bool,
    pub created_at: OffsetDateTime,
}

pub async fn find_user(db: impl PgExecutor<'_>, id: i64) -> Result<Option<User>, sqlx::Error> {
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

/// A role a user holds, with its area.
#[derive(Clone, Debug, FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub role: Role,
    pub area_id: Option<i64>,
    pub area_slug: Option<String>,
    pub area_name: Option<String>,
}

pub async fn list_grants(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.id, g.role, g.area_id, a.slug AS area_slug, a.name AS area_name
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id
         WHERE g.user_id = $1
         ORDER BY a.name NULLS FIRST, g.role, g.id
         LIMIT $2",
    )
    .bind(user_id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

/// Removes one of the user's grants; returns it, or `None` if they hold no such grant.
pub async fn delete_grant(
    db: impl PgExecutor<'_>,
    user_id: i64,
    grant_id: i64,
) -> Result<Option<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM grants g WHERE g.id = $2 AND g.user_id = $1
         RETURNING g.id, g.role, g.area_id,
                   (SELECT a.slug FROM areas a WHERE a.id = g.area_id) AS area_slug,
                   (SELECT a.name FROM areas a WHERE a.id = g.area_id) AS area_name",
    )
    .bind(user_id)
    .bind(grant_id)
    .fetch_optional(db)
    .await
}

/// Disables the account (their sessions are refused from now on); false if it already was.
pub async fn disable_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
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
pub async fn enable_user(db: impl PgExecutor<'_>, user_id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL",
    )
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}
