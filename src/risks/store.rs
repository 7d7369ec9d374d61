//! The register's storage: an area's matrices, its risks and every version of each. Every
//! version holds the whole risk as it stood (`content`, a serialised [`RiskContent`]) and the
//! matrix it was scored under, so reading history never recomputes anything.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::content::RiskContent;
use super::matrix::Matrix;
use super::{MatrixId, RiskId};
use crate::areas::AreaId;
use crate::auth::UserId;

/// The most risks one area's register lists: far above any real register, a bound on the page.
pub const MAX_RISKS: i64 = 2_000;
/// The most versions of one risk shown.
pub const MAX_VERSIONS: i64 = 1_000;

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}

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

/// Locks the area's register for a change (numbering, the first matrix): changes to one
/// area's register then happen one at a time, so numbers are handed out once each.
pub async fn lock_register(db: &mut PgConnection, area_id: AreaId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM areas WHERE id = $1 FOR UPDATE")
        .bind(area_id)
        .execute(db)
        .await
        .map(drop)
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

/// Adds a risk with the area's next number and its first version; returns its id and number.
/// Call with the register locked (the unique number per area backs this up).
pub async fn create_risk(
    db: &mut PgConnection,
    area_id: AreaId,
    matrix_id: MatrixId,
    content: &RiskContent,
    at: OffsetDateTime,
    by: UserId,
) -> Result<(RiskId, i32), sqlx::Error> {
    let (id, number): (RiskId, i32) = sqlx::query_as(
        "INSERT INTO risks (area_id, number, version)
         SELECT $1, COALESCE(max(number), 0) + 1, 1 FROM risks WHERE area_id = $1
         RETURNING id, number",
    )
    .bind(area_id)
    .fetch_one(&mut *db)
    .await?;
    insert_version(db, id, 1, matrix_id, content, at, by).await?;
    Ok((id, number))
}

/// Records `content` as the risk's next version, if its current version is still `expected`
/// (compare and swap); `None` when someone else saved first.
pub async fn update_risk(
    db: &mut PgConnection,
    risk_id: RiskId,
    expected: i32,
    matrix_id: MatrixId,
    content: &RiskContent,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    let version: Option<i32> = sqlx::query_scalar(
        "UPDATE risks SET version = version + 1 WHERE id = $1 AND version = $2 RETURNING version",
    )
    .bind(risk_id)
    .bind(expected)
    .fetch_optional(&mut *db)
    .await?;
    let Some(version) = version else {
        return Ok(None);
    };
    insert_version(db, risk_id, version, matrix_id, content, at, by).await?;
    Ok(Some(version))
}

async fn insert_version(
    db: &mut PgConnection,
    risk_id: RiskId,
    version: i32,
    matrix_id: MatrixId,
    content: &RiskContent,
    at: OffsetDateTime,
    by: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO risk_versions (risk_id, version, recorded_at, recorded_by, matrix_id, content)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
    )
    .bind(risk_id)
    .bind(version)
    .bind(at)
    .bind(by)
    .bind(matrix_id)
    .bind(encode(content)?)
    .execute(db)
    .await
    .map(drop)
}

/// A risk as it stands now (its current version).
#[derive(Clone, Debug)]
pub struct CurrentRisk {
    pub id: RiskId,
    pub number: i32,
    pub version: i32,
    pub content: RiskContent,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: Option<String>,
}

type CurrentRow = (RiskId, i32, i32, String, OffsetDateTime, Option<String>);

fn current(row: CurrentRow) -> Result<CurrentRisk, sqlx::Error> {
    let (id, number, version, json, recorded_at, recorded_by) = row;
    Ok(CurrentRisk {
        id,
        number,
        version,
        content: decode(&json)?,
        recorded_at,
        recorded_by,
    })
}

macro_rules! current_select {
    () => {
        "SELECT r.id, r.number, r.version, v.content::text, v.recorded_at, u.display_name
         FROM risks r
         JOIN risk_versions v ON v.risk_id = r.id AND v.version = r.version
         LEFT JOIN users u ON u.id = v.recorded_by"
    };
}

/// Every risk of the area as it stands now, by number.
pub async fn list_risks(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<CurrentRisk>, sqlx::Error> {
    let rows: Vec<CurrentRow> = sqlx::query_as(concat!(
        current_select!(),
        " WHERE r.area_id = $1 ORDER BY r.number LIMIT $2"
    ))
    .bind(area_id)
    .bind(MAX_RISKS)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(current).collect()
}

/// One risk of the area, by its number, as it stands now.
pub async fn find_risk(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    number: i32,
) -> Result<Option<CurrentRisk>, sqlx::Error> {
    let row: Option<CurrentRow> = sqlx::query_as(concat!(
        current_select!(),
        " WHERE r.area_id = $1 AND r.number = $2"
    ))
    .bind(area_id)
    .bind(number)
    .fetch_optional(db)
    .await?;
    row.map(current).transpose()
}

/// One version of a risk, as recorded.
#[derive(Clone, Debug)]
pub struct RiskVersion {
    pub version: i32,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: Option<String>,
    pub matrix_id: MatrixId,
    pub content: RiskContent,
}

/// Every version of a risk, oldest first.
pub async fn versions(
    db: impl PgExecutor<'_>,
    risk_id: RiskId,
) -> Result<Vec<RiskVersion>, sqlx::Error> {
    let rows: Vec<(i32, OffsetDateTime, Option<String>, MatrixId, String)> = sqlx::query_as(
        "SELECT v.version, v.recorded_at, u.display_name, v.matrix_id, v.content::text
         FROM risk_versions v LEFT JOIN users u ON u.id = v.recorded_by
         WHERE v.risk_id = $1 ORDER BY v.version LIMIT $2",
    )
    .bind(risk_id)
    .bind(MAX_VERSIONS)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(version, recorded_at, recorded_by, matrix_id, json)| {
            Ok(RiskVersion {
                version,
                recorded_at,
                recorded_by,
                matrix_id,
                content: decode(&json)?,
            })
        })
        .collect()
}

/// A risk as it stood at a moment: its newest version recorded before then, and the version it
/// has now (so the page can compare the two).
#[derive(Clone, Debug)]
pub struct PastRisk {
    pub then: CurrentRisk,
    pub current_version: i32,
}

/// A [`CurrentRow`] of a past version, with the risk's version now.
type PastRow = (
    RiskId,
    i32,
    i32,
    String,
    OffsetDateTime,
    Option<String>,
    i32,
);

/// Every risk of the area as it stood just before `end`: for each risk, its newest version
/// recorded before then; risks added later are absent. One query, bounded like the list.
pub async fn list_risks_as_at(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    end: OffsetDateTime,
) -> Result<Vec<PastRisk>, sqlx::Error> {
    let rows: Vec<PastRow> = sqlx::query_as(
        "SELECT DISTINCT ON (v.risk_id)
                    r.id, r.number, v.version, v.content::text, v.recorded_at, u.display_name,
                    r.version
             FROM risk_versions v
             JOIN risks r ON r.id = v.risk_id
             LEFT JOIN users u ON u.id = v.recorded_by
             WHERE r.area_id = $1 AND v.recorded_at < $2
             ORDER BY v.risk_id, v.version DESC
             LIMIT $3",
    )
    .bind(area_id)
    .bind(end)
    .bind(MAX_RISKS)
    .fetch_all(db)
    .await?;
    let mut risks = rows
        .into_iter()
        .map(
            |(id, number, version, json, recorded_at, recorded_by, current_version)| {
                Ok(PastRisk {
                    then: current((id, number, version, json, recorded_at, recorded_by))?,
                    current_version,
                })
            },
        )
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    risks.sort_by_key(|risk| risk.then.number);
    Ok(risks)
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
