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
