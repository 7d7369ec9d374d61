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
    let id = store_matrix(db, area_id, &matrix, at, by).await?;
    Ok((id, matrix))
}

/// The most matrices an area's history lists: far more than any area changes its matrix.
pub const MAX_MATRICES: i64 = 100;

/// A stored matrix: what it is, when and by whom it was made, and whether it replaced an
/// earlier one (the first an area stores replaces nothing).
#[derive(Clone, Debug)]
pub struct MatrixRecord {
    pub id: MatrixId,
    pub matrix: Matrix,
    pub made_at: OffsetDateTime,
    pub made_by: Option<String>,
    pub replaced_earlier: bool,
}

type RecordRow = (MatrixId, String, OffsetDateTime, Option<String>, bool);

fn record(
    (id, json, made_at, made_by, replaced_earlier): RecordRow,
) -> Result<MatrixRecord, sqlx::Error> {
    Ok(MatrixRecord {
        id,
        matrix: decode(&json)?,
        made_at,
        made_by,
        replaced_earlier,
    })
}

macro_rules! record_select {
    () => {
        "SELECT m.id, m.matrix::text, m.created_at, u.display_name,
                EXISTS (SELECT 1 FROM risk_matrices e WHERE e.area_id = m.area_id
                        AND (e.created_at, e.id) < (m.created_at, m.id))
         FROM risk_matrices m LEFT JOIN users u ON u.id = m.created_by"
    };
}

/// The matrix in use just before `before` (its newest made before then), or the current one
/// when `before` is `None`; `None` when the area had stored none by then.
pub async fn matrix_record(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    before: Option<OffsetDateTime>,
) -> Result<Option<MatrixRecord>, sqlx::Error> {
    let row: Option<RecordRow> = sqlx::query_as(concat!(
        record_select!(),
        " WHERE m.area_id = $1 AND ($2::timestamptz IS NULL OR m.created_at < $2)
          ORDER BY m.created_at DESC, m.id DESC LIMIT 1"
    ))
    .bind(area_id)
    .bind(before)
    .fetch_optional(db)
    .await?;
    row.map(record).transpose()
}

/// The area's matrices, newest (the current one) first.
pub async fn matrix_history(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<MatrixRecord>, sqlx::Error> {
    let rows: Vec<RecordRow> = sqlx::query_as(concat!(
        record_select!(),
        " WHERE m.area_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
    ))
    .bind(area_id)
    .bind(MAX_MATRICES)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(record).collect()
}

/// Stores `matrix` as the area's new current matrix. Call with the register locked, having
/// checked that the current matrix is still the one the change was based on.
pub async fn store_matrix(
    db: &mut PgConnection,
    area_id: AreaId,
    matrix: &Matrix,
    at: OffsetDateTime,
    by: UserId,
) -> Result<MatrixId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO risk_matrices (area_id, matrix, created_at, created_by)
         VALUES ($1, $2::jsonb, $3, $4) RETURNING id",
    )
    .bind(area_id)
    .bind(encode(matrix)?)
    .bind(at)
    .bind(by)
    .fetch_one(db)
    .await
}
