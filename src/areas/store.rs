//! SQL for organisations, areas and area membership.

use sqlx::PgExecutor;

use super::{AreaSlug, OrganisationKind};

/// Returns the id of the organisation called `name`, adding it if there is none. An existing
/// organisation is left as it is, so loading the same data twice changes nothing.
pub async fn ensure_organisation(
    db: impl PgExecutor<'_>,
    name: &str,
    kind: OrganisationKind,
    ods_code: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO organisations (name, kind, ods_code) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING
             RETURNING id
         )
         SELECT id FROM inserted
         UNION ALL
         SELECT id FROM organisations WHERE name = $1
         LIMIT 1",
    )
    .bind(name)
    .bind(kind)
    .bind(ods_code)
    .fetch_one(db)
    .await
}

/// Returns the id of the area with `slug`, adding it if there is none.
pub async fn ensure_area(
    db: impl PgExecutor<'_>,
    slug: &AreaSlug,
    name: &str,
    board_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO areas (slug, name, board_id) VALUES ($1, $2, $3)
             ON CONFLICT (slug) DO NOTHING
             RETURNING id
         )
         SELECT id FROM inserted
         UNION ALL
         SELECT id FROM areas WHERE slug = $1
         LIMIT 1",
    )
    .bind(slug.as_str())
    .bind(name)
    .bind(board_id)
    .fetch_one(db)
    .await
}

/// Makes `organisation_id` a member of the area, unless it already is.
pub async fn ensure_member(
    db: impl PgExecutor<'_>,
    area_id: i64,
    organisation_id: i64,
    signs_plan: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO area_members (area_id, organisation_id, signs_plan) VALUES ($1, $2, $3)
         ON CONFLICT (area_id, organisation_id) DO NOTHING",
    )
    .bind(area_id)
    .bind(organisation_id)
    .bind(signs_plan)
    .execute(db)
    .await?;
    Ok(())
}

/// An area as listed for a user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AreaSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub board_name: String,
}

/// Every area, by name (for those who oversee them all).
pub async fn list_areas(db: impl PgExecutor<'_>) -> Result<Vec<AreaSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.slug, a.name, b.name AS board_name
         FROM areas a JOIN organisations b ON b.id = a.board_id
         ORDER BY a.name LIMIT 1000",
    )
    .fetch_all(db)
    .await
}

/// The areas with ids in `ids`, by name.
pub async fn list_areas_by_id(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<AreaSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.slug, a.name, b.name AS board_name
         FROM areas a JOIN organisations b ON b.id = a.board_id
         WHERE a.id = ANY($1)
         ORDER BY a.name",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

pub async fn find_area_by_slug(
    db: impl PgExecutor<'_>,
    slug: &str,
) -> Result<Option<AreaSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.slug, a.name, b.name AS board_name
         FROM areas a JOIN organisations b ON b.id = a.board_id
         WHERE a.slug = $1",
    )
    .bind(slug)
    .fetch_optional(db)
    .await
}

/// A member organisation of an area.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    pub organisation_id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub ods_code: Option<String>,
    pub signs_plan: bool,
}

pub async fn list_members(
    db: impl PgExecutor<'_>,
    area_id: i64,
) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name, o.kind, o.ods_code, m.signs_plan
         FROM area_members m JOIN organisations o ON o.id = m.organisation_id
         WHERE m.area_id = $1
         ORDER BY m.signs_plan DESC, o.kind, o.name
         LIMIT 500",
    )
    .bind(area_id)
    .fetch_all(db)
    .await
}

pub async fn find_organisation_id(
    db: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}
