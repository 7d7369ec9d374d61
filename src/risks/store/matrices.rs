//! An area's risk matrices: the newest is current; older ones stay, because every version of a
//! risk names the matrix it was scored under.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{decode, encode};
use crate::areas::AreaId;
use crate::auth::UserId;
use crate::risks::MatrixId;
use crate::risks::matrix::Matrix;

/// The area's current matrix (its newest), if one has been stored.
pub async fn current_matrix(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Option<(MatrixId, Matrix)>, sqlx::Error> {
    let row: Option<(MatrixId, String)> = sqlx::query_as(
        "SELECT id, matrix::text FROM risk_matrices WHERE area_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(area_id)
    .fetch_optional(db)
    .await?;
    row.map(|(id, json)| Ok((id, decode(&json)?))).transpose()
}

/// The area's current matrix, storing the NPSA default as its first if it has none. Call with
/// the register locked.
pub async fn ensure_matrix(
    db: &mut PgConnection,
    area_id: AreaId,
    at: OffsetDateTime,
    by: UserId,
) -> Result<(MatrixId, Matrix), sqlx::Error> {
    if let Some(current) = current_matrix(&mut *db, area_id).await? {
        return Ok(current);
    }
    let matrix = Matrix::npsa_5x5();
    let id = sqlx::query_scalar(
        "INSERT INTO risk_matrices (area_id, matrix, created_at, created_by)
         VALUES ($1, $2::jsonb, $3, $4) RETURNING id",
    )
    .bind(area_id)
    .bind(encode(&matrix)?)
    .bind(at)
    .bind(by)
    .fetch_one(db)
    .await?;
    Ok((id, matrix))
}

/// The area's matrix as it stood just before `end` (its newest created before then), if any.
pub async fn matrix_as_at(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    end: OffsetDateTime,
) -> Result<Option<Matrix>, sqlx::Error> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT matrix::text FROM risk_matrices WHERE area_id = $1 AND created_at < $2
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(area_id)
    .bind(end)
    .fetch_optional(db)
    .await?;
    json.map(|json| decode(&json)).transpose()
}
