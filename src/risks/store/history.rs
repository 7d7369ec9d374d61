//! The register as it stood at a moment: each risk's newest version recorded before then.

use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::{CurrentRisk, CurrentRowAnd, MAX_RISKS, current};
use crate::areas::AreaId;

/// A risk as it stood at a moment: its newest version recorded before then, and the version it
/// has now (so the page can compare the two).
#[derive(Clone, Debug)]
pub struct PastRisk {
    pub then: CurrentRisk,
    pub current_version: i32,
}

/// A [`CurrentRow`] of a past version, with the risk's version now.
type PastRow = CurrentRowAnd<i32>;

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
                    v.matrix_id, r.version
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
            |(id, number, version, json, recorded_at, recorded_by, matrix_id, current_version)| {
                Ok(PastRisk {
                    then: current((
                        id,
                        number,
                        version,
                        json,
                        recorded_at,
                        recorded_by,
                        matrix_id,
                    ))?,
                    current_version,
                })
            },
        )
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    risks.sort_by_key(|risk| risk.then.number);
    Ok(risks)
}
