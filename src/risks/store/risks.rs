//! Risks and their versions: adding, updating under optimistic locking, and reading them as
//! they stand now or version by version.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{MAX_RISKS, MAX_VERSIONS, decode, encode};
use crate::areas::AreaId;
use crate::auth::UserId;
use crate::risks::content::RiskContent;
use crate::risks::status::RiskStatus;
use crate::risks::{MatrixId, RiskId};

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
    /// The matrix this version was scored under.
    pub matrix_id: MatrixId,
}

pub(super) type CurrentRow = (
    RiskId,
    i32,
    i32,
    String,
    OffsetDateTime,
    Option<String>,
    MatrixId,
);

pub(super) fn current(row: CurrentRow) -> Result<CurrentRisk, sqlx::Error> {
    let (id, number, version, json, recorded_at, recorded_by, matrix_id) = row;
    Ok(CurrentRisk {
        id,
        number,
        version,
        content: decode(&json)?,
        recorded_at,
        recorded_by,
        matrix_id,
    })
}

macro_rules! current_select {
    () => {
        "SELECT r.id, r.number, r.version, v.content::text, v.recorded_at, u.display_name,
                v.matrix_id
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

/// What the plan's checks read of an open risk. The rest of each version (its long texts,
/// scores and actions) stays in the database: turning whole versions into JSON text was the
/// task list's costliest statement.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct OpenRiskOutline {
    #[serde(skip)]
    pub number: i32,
    pub title: String,
    pub owner_person: String,
    pub controls: String,
    /// How many further actions it has.
    pub actions: usize,
    pub review: time::Date,
}

/// The outline of every risk of the area that is not closed, by number.
pub async fn open_risk_outlines(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<OpenRiskOutline>, sqlx::Error> {
    let rows: Vec<(i32, String)> = sqlx::query_as(
        "SELECT r.number,
                jsonb_build_object('title', v.content->'title',
                                   'owner_person', v.content->'owner_person',
                                   'controls', v.content->'controls',
                                   'actions', jsonb_array_length(v.content->'actions'),
                                   'review', v.content->'review')::text
         FROM risks r
         JOIN risk_versions v ON v.risk_id = r.id AND v.version = r.version
         WHERE r.area_id = $1 AND v.content->>'status' <> $2
         ORDER BY r.number
         LIMIT $3",
    )
    .bind(area_id)
    .bind(RiskStatus::Closed.key())
    .bind(MAX_RISKS)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(number, json)| {
            let outline: OpenRiskOutline = decode(&json)?;
            Ok(OpenRiskOutline { number, ..outline })
        })
        .collect()
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

/// The names of the organisations with ids in `ids` (a register's owners and sharers, for the
/// plan's document), in one query.
pub async fn organisation_names(
    db: impl PgExecutor<'_>,
    ids: &[crate::areas::OrganisationId],
) -> Result<Vec<(crate::areas::OrganisationId, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM organisations WHERE id = ANY($1) ORDER BY id LIMIT $2")
        .bind(ids)
        .bind(MAX_RISKS)
        .fetch_all(db)
        .await
}

/// The open (or reopened) risks of the areas `area_ids` as they stand now, each with its
/// area's id, by area and number: what a person's home page finds risks and actions due for
/// review in. One query however many areas, at most `MAX_RISKS` rows.
pub async fn open_risks_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<(i64, CurrentRisk)>, sqlx::Error> {
    let rows: Vec<super::CurrentRowAnd<i64>> = sqlx::query_as(
        "SELECT r.id, r.number, r.version, v.content::text, v.recorded_at, u.display_name,
                v.matrix_id, r.area_id
         FROM risks r
         JOIN risk_versions v ON v.risk_id = r.id AND v.version = r.version
         LEFT JOIN users u ON u.id = v.recorded_by
         WHERE r.area_id = ANY($1) AND v.content->>'status' <> 'closed'
         ORDER BY r.area_id, r.number
         LIMIT $2",
    )
    .bind(area_ids)
    .bind(MAX_RISKS)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, number, version, json, at, by, matrix_id, area_id)| {
            Ok((
                area_id,
                current((id, number, version, json, at, by, matrix_id))?,
            ))
        })
        .collect()
}
