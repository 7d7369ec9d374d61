//! SQL for the workbook: every scheme of the plan with its amounts, metrics and risks (one
//! query), every funding line as stored (emptied ones too, with their versions, which an
//! import's writes are based on), and the imports waiting to be confirmed (an hour at most,
//! for their uploader).

use serde::{Serialize, de::DeserializeOwned};
use sqlx::{PgConnection, PgExecutor};
use time::{Duration, OffsetDateTime};

use super::import::ImportPlan;
use crate::areas::{AreaId, OrganisationId};
use crate::auth::UserId;
use crate::db::id::row_id;
use crate::plans::PlanId;
use crate::plans::parts::schemes::MAX_SCHEMES;
use crate::plans::parts::schemes::{SchemeContent, SchemeId, SchemeType, YearAmount};
use crate::risks::RiskId;
use crate::risks::transfer::columns::Partner;
use crate::web::money::Pence;

row_id! {
    /// A pending import's row id, which the preview's address names.
    pub struct ImportId;
}

/// How long an import waits to be confirmed.
pub const IMPORT_LIFETIME: Duration = Duration::hours(1);
/// More lines than any plan holds (as `funding::store`).
const MAX_LINES: i64 = 10_000;

/// A scheme as the workbook and an import see it.
#[derive(Clone, Debug)]
pub struct SchemeState {
    pub id: SchemeId,
    pub number: i32,
    pub version: i32,
    pub content: SchemeContent,
}

type SchemeRow = (
    SchemeId,
    i32,
    i32,
    String,
    String,
    String,
    OrganisationId,
    String,
    String,
    Vec<String>,
    Vec<i64>,
    Vec<i64>,
    Vec<String>,
    Vec<RiskId>,
);

/// Every scheme of the plan by number, each with its amounts, metrics and linked risks.
pub async fn schemes(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<SchemeState>, sqlx::Error> {
    let rows: Vec<SchemeRow> = sqlx::query_as(
        "SELECT s.id, s.number, s.version, s.name, s.scheme_type, s.objective,
                s.lead_commissioner_id, s.provider, s.funding_source,
                ARRAY(SELECT a.year_key FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key),
                ARRAY(SELECT a.spend FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key),
                ARRAY(SELECT a.benefit FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key),
                ARRAY(SELECT m.metric_key FROM scheme_metrics m
                      WHERE m.scheme_id = s.id ORDER BY m.metric_key),
                ARRAY(SELECT r.risk_id FROM scheme_risks r
                      WHERE r.scheme_id = s.id ORDER BY r.risk_id)
         FROM schemes s WHERE s.plan_id = $1 ORDER BY s.number LIMIT $2",
    )
    .bind(plan_id)
    .bind(MAX_SCHEMES)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let (id, number, version, name, kind, objective, lead, provider, source) = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
            );
            let scheme_type = SchemeType::parse(&kind)
                .ok_or_else(|| sqlx::Error::Decode(format!("scheme type {kind:?}").into()))?;
            let amounts = row
                .9
                .into_iter()
                .zip(row.10)
                .zip(row.11)
                .map(|((year_key, spend), benefit)| YearAmount {
                    year_key,
                    spend: Pence::new(spend),
                    benefit: Pence::new(benefit),
                })
                .collect();
            Ok(SchemeState {
                id,
                number,
                version,
                content: SchemeContent {
                    name,
                    scheme_type,
                    objective,
                    lead_commissioner: lead,
                    provider,
                    funding_source: source,
                    amounts,
                    metrics: row.12,
                    risks: row.13,
                },
            })
        })
        .collect()
}

/// A funding line as stored: its amount (`None`: emptied) and version.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LineState {
    pub organisation_id: OrganisationId,
    pub year_key: String,
    pub stream_key: String,
    pub amount: Option<i64>,
    pub version: i32,
}

/// Every funding line of the plan, emptied ones included.
pub async fn lines(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<LineState>, sqlx::Error> {
    sqlx::query_as(
        "SELECT organisation_id, year_key, stream_key, amount, version FROM funding_lines
         WHERE plan_id = $1 ORDER BY year_key, organisation_id, stream_key LIMIT $2",
    )
    .bind(plan_id)
    .bind(MAX_LINES)
    .fetch_all(db)
    .await
}

/// The organisations the plan's funding lines or schemes still name that are no longer members
/// of the area (they left it since), by name: the export names them and an import reads them.
pub async fn former_members(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    area_id: AreaId,
) -> Result<Vec<Partner>, sqlx::Error> {
    let rows: Vec<(OrganisationId, String)> = sqlx::query_as(
        "SELECT o.id, o.name FROM organisations o
         WHERE o.id IN (SELECT organisation_id FROM funding_lines WHERE plan_id = $1
                        UNION SELECT lead_commissioner_id FROM schemes WHERE plan_id = $1)
           AND NOT EXISTS (SELECT 1 FROM area_members m
                           WHERE m.area_id = $2 AND m.organisation_id = o.id)
         ORDER BY o.name LIMIT $3",
    )
    .bind(plan_id)
    .bind(area_id)
    .bind(MAX_LINES)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Partner { id, name })
        .collect())
}

/// An import waiting to be confirmed.
#[derive(Clone, Debug)]
pub struct PendingImport {
    pub id: ImportId,
    pub file_name: String,
    pub created_at: OffsetDateTime,
    pub plan: ImportPlan,
}

fn encode<T: Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

/// Keeps `plan` for `by` to confirm; removes imports that have expired meanwhile.
pub async fn save_import(
    db: &mut PgConnection,
    plan_id: PlanId,
    by: UserId,
    at: OffsetDateTime,
    file_name: &str,
    plan: &ImportPlan,
) -> Result<ImportId, sqlx::Error> {
    sqlx::query("DELETE FROM workbook_imports WHERE created_at < $1")
        .bind(at - IMPORT_LIFETIME)
        .execute(&mut *db)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO workbook_imports (plan_id, created_by, created_at, file_name, plan)
         VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id",
    )
    .bind(plan_id)
    .bind(by)
    .bind(at)
    .bind(file_name)
    .bind(encode(plan)?)
    .fetch_one(db)
    .await
}

/// The import `id` of the plan, if `by` made it and it has not expired at `now`.
pub async fn find_import(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    id: ImportId,
    by: UserId,
    now: OffsetDateTime,
) -> Result<Option<PendingImport>, sqlx::Error> {
    let row: Option<(ImportId, String, OffsetDateTime, String)> = sqlx::query_as(
        "SELECT id, file_name, created_at, plan::text FROM workbook_imports
         WHERE id = $1 AND plan_id = $2 AND created_by = $3 AND created_at >= $4",
    )
    .bind(id)
    .bind(plan_id)
    .bind(by)
    .bind(now - IMPORT_LIFETIME)
    .fetch_optional(db)
    .await?;
    row.map(|(id, file_name, created_at, json)| {
        Ok(PendingImport {
            id,
            file_name,
            created_at,
            plan: decode(&json)?,
        })
    })
    .transpose()
}

/// Removes an import once confirmed; false if it had gone already (confirmed twice at once).
pub async fn remove_import(db: &mut PgConnection, id: ImportId) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM workbook_imports WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}
