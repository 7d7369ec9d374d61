//! Imports waiting to be confirmed: what a file would do to the register, kept between the
//! preview and the confirmation (an hour at most), for the person who uploaded it.

use sqlx::{PgConnection, PgExecutor};
use time::{Duration, OffsetDateTime};

use super::{decode, encode};
use crate::areas::AreaId;
use crate::auth::UserId;
use crate::db::id::row_id;
use crate::risks::MatrixId;
use crate::risks::transfer::plan::Plan;

row_id! {
    /// A pending import's row id, which the preview's confirm form names.
    pub struct ImportId;
}

/// How long an import waits to be confirmed.
pub const IMPORT_LIFETIME: Duration = Duration::hours(1);

/// An import waiting to be confirmed.
#[derive(Clone, Debug)]
pub struct PendingImport {
    pub id: ImportId,
    pub matrix_id: MatrixId,
    pub file_name: String,
    pub created_at: OffsetDateTime,
    pub plan: Plan,
}

/// Keeps `plan` for `by` to confirm; removes imports that have expired meanwhile.
pub async fn save_import(
    db: &mut PgConnection,
    area_id: AreaId,
    by: UserId,
    at: OffsetDateTime,
    matrix_id: MatrixId,
    file_name: &str,
    plan: &Plan,
) -> Result<ImportId, sqlx::Error> {
    sqlx::query("DELETE FROM risk_imports WHERE created_at < $1")
        .bind(at - IMPORT_LIFETIME)
        .execute(&mut *db)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO risk_imports (area_id, created_by, created_at, matrix_id, file_name, plan)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id",
    )
    .bind(area_id)
    .bind(by)
    .bind(at)
    .bind(matrix_id)
    .bind(file_name)
    .bind(encode(plan)?)
    .fetch_one(db)
    .await
}

/// The import `id` of the area, if `by` made it and it has not expired at `now`.
pub async fn find_import(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    id: ImportId,
    by: UserId,
    now: OffsetDateTime,
) -> Result<Option<PendingImport>, sqlx::Error> {
    let row: Option<(ImportId, MatrixId, String, OffsetDateTime, String)> = sqlx::query_as(
        "SELECT id, matrix_id, file_name, created_at, plan::text FROM risk_imports
         WHERE id = $1 AND area_id = $2 AND created_by = $3 AND created_at >= $4",
    )
    .bind(id)
    .bind(area_id)
    .bind(by)
    .bind(now - IMPORT_LIFETIME)
    .fetch_optional(db)
    .await?;
    row.map(|(id, matrix_id, file_name, created_at, json)| {
        Ok(PendingImport {
            id,
            matrix_id,
            file_name,
            created_at,
            plan: decode(&json)?,
        })
    })
    .transpose()
}

/// Removes an import once confirmed; false if it had gone already (confirmed twice at once).
pub async fn remove_import(db: &mut PgConnection, id: ImportId) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM risk_imports WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}
