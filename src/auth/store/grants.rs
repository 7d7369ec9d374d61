//! The `grants` table: the roles users hold, as they see them ("Your account") and as
//! administrators add and remove them. (The reads join `areas` only for its name.)

use sqlx::{FromRow, PgExecutor};

use crate::auth::policy::Role;
use crate::auth::{GrantId, UserId};

/// Gives `user_id` a role (in `area_id` for area roles); true if it was new.
pub async fn insert_grant(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    role: Role,
    area_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO grants (user_id, role, area_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, role, coalesce(area_id, 0)) DO NOTHING",
    )
    .bind(user_id)
    .bind(role)
    .bind(area_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// One role a user holds, with the name of its area (`None` for roles held across all areas).
#[derive(FromRow)]
pub struct RoleInArea {
    pub role: Role,
    pub area_name: Option<String>,
}

/// The user's roles with their areas' names, global roles first, then by area and role.
pub async fn list_user_roles(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<Vec<RoleInArea>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.role, a.name AS area_name
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id
         WHERE g.user_id = $1
         ORDER BY a.name NULLS FIRST, g.role",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// The most grants a user's administration page lists.
const GRANTS_LIMIT: i64 = 1000;

/// A role a user holds, with its area.
#[derive(Clone, Debug, FromRow)]
pub struct GrantRow {
    pub id: GrantId,
    pub role: Role,
    pub area_id: Option<i64>,
    pub area_slug: Option<String>,
    pub area_name: Option<String>,
}

pub async fn list_grants(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.id, g.role, g.area_id, a.slug AS area_slug, a.name AS area_name
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id
         WHERE g.user_id = $1
         ORDER BY a.name NULLS FIRST, g.role, g.id
         LIMIT $2",
    )
    .bind(user_id)
    .bind(GRANTS_LIMIT)
    .fetch_all(db)
    .await
}

/// Removes one of the user's grants; returns it, or `None` if they hold no such grant.
pub async fn delete_grant(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    grant_id: GrantId,
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

/// Someone holding a role in an area, for telling them things.
#[derive(Clone, Debug, FromRow)]
pub struct AreaPerson {
    pub user_id: UserId,
    pub area_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// The most people of one role an area is told about anything through.
const AREA_PEOPLE_LIMIT: i64 = 5000;

/// The enabled people holding `roles` in the areas `area_ids` (one row per person, area and
/// role), by area and name.
pub async fn people_in_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    roles: &[Role],
) -> Result<Vec<AreaPerson>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id AS user_id, g.area_id, u.email, u.display_name, g.role
         FROM grants g JOIN users u ON u.id = g.user_id
         WHERE g.area_id = ANY($1) AND g.role = ANY($2) AND u.disabled_at IS NULL
         ORDER BY g.area_id, u.display_name, u.id
         LIMIT $3",
    )
    .bind(area_ids)
    .bind(roles)
    .bind(AREA_PEOPLE_LIMIT)
    .fetch_all(db)
    .await
}

/// The most roles an area's people page lists.
const AREA_GRANTS_LIMIT: i64 = 2000;

/// A role held in an area, with its holder, for the area's people page.
#[derive(Clone, Debug, FromRow)]
pub struct AreaGrant {
    pub grant_id: GrantId,
    pub role: Role,
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub organisation_name: String,
    pub disabled: bool,
}

/// The columns of `AreaGrant` and the tables they come from, for each reader to filter.
macro_rules! area_grant_select {
    () => {
        "SELECT g.id AS grant_id, g.role, u.id AS user_id, u.display_name, u.email,
                o.name AS organisation_name, u.disabled_at IS NOT NULL AS disabled
         FROM grants g
         JOIN users u ON u.id = g.user_id
         JOIN organisations o ON o.id = u.organisation_id"
    };
}

/// Every role held in `area_id`, by holder's name, then role.
pub async fn list_area_grants(
    db: impl PgExecutor<'_>,
    area_id: i64,
) -> Result<Vec<AreaGrant>, sqlx::Error> {
    sqlx::query_as(concat!(
        area_grant_select!(),
        " WHERE g.area_id = $1
              ORDER BY lower(u.display_name), u.id, g.role
              LIMIT $2"
    ))
    .bind(area_id)
    .bind(AREA_GRANTS_LIMIT)
    .fetch_all(db)
    .await
}

/// The roles held in `area_id` by people of `organisation_id`, by holder's name, then role.
pub async fn area_grants_of_organisation(
    db: impl PgExecutor<'_>,
    area_id: i64,
    organisation_id: i64,
) -> Result<Vec<AreaGrant>, sqlx::Error> {
    sqlx::query_as(concat!(
        area_grant_select!(),
        " WHERE g.area_id = $1 AND u.organisation_id = $2
              ORDER BY lower(u.display_name), u.id, g.role
              LIMIT $3"
    ))
    .bind(area_id)
    .bind(organisation_id)
    .bind(AREA_GRANTS_LIMIT)
    .fetch_all(db)
    .await
}

/// One role held in `area_id`, with its holder.
pub async fn find_area_grant(
    db: impl PgExecutor<'_>,
    area_id: i64,
    grant_id: GrantId,
) -> Result<Option<AreaGrant>, sqlx::Error> {
    sqlx::query_as(concat!(
        area_grant_select!(),
        " WHERE g.area_id = $1 AND g.id = $2"
    ))
    .bind(area_id)
    .bind(grant_id)
    .fetch_optional(db)
    .await
}

/// Removes one role held in `area_id`; returns its holder and role, or `None` if there is no
/// such role there (any more).
pub async fn delete_area_grant(
    db: impl PgExecutor<'_>,
    area_id: i64,
    grant_id: GrantId,
) -> Result<Option<(UserId, Role)>, sqlx::Error> {
    sqlx::query_as("DELETE FROM grants WHERE area_id = $1 AND id = $2 RETURNING user_id, role")
        .bind(area_id)
        .bind(grant_id)
        .fetch_optional(db)
        .await
}
