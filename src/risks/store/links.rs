//! Risks linked to plan sections. The register knows nothing of plans' types (plans depend on
//! risks, not the other way round): a plan section is its bare row id here, and the sections a
//! risk is linked to are read with just what a link to them needs.

use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::MAX_RISKS;
use crate::areas::AreaId;
use crate::auth::UserId;
use crate::risks::RiskId;

/// The most plan sections one risk lists: every section of a few plans.
pub const MAX_LINKED_SECTIONS: i64 = 200;

/// Links the risk to the plan section; false when it already was.
pub async fn link_risk(
    db: impl PgExecutor<'_>,
    risk_id: RiskId,
    plan_section_id: i64,
    at: OffsetDateTime,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO risk_section_links (risk_id, plan_section_id, linked_at, linked_by)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(risk_id)
    .bind(plan_section_id)
    .bind(at)
    .bind(by)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes the link; false when there was none.
pub async fn unlink_risk(
    db: impl PgExecutor<'_>,
    risk_id: RiskId,
    plan_section_id: i64,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("DELETE FROM risk_section_links WHERE risk_id = $1 AND plan_section_id = $2")
            .bind(risk_id)
            .bind(plan_section_id)
            .execute(db)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Every link between the area's risks and plan sections, as (plan section, risk): what the
/// section pages' risk panels need of them, read once for the whole area (`plans` keeps it
/// until the area changes). Bounded far above any area's links: `MAX_RISKS` risks each in
/// `MAX_LINKED_SECTIONS` sections (every section of a few plans).
pub async fn links_in_area(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<(i64, RiskId)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.plan_section_id, l.risk_id
         FROM risk_section_links l JOIN risks r ON r.id = l.risk_id
         WHERE r.area_id = $1
         LIMIT $2",
    )
    .bind(area_id)
    .bind(MAX_RISKS * MAX_LINKED_SECTIONS)
    .fetch_all(db)
    .await
}

/// A plan section a risk is linked to, with what its page's address and name need.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedSection {
    pub plan_section_id: i64,
    /// The plan's template key and name ("2014-16", "Better Care Fund plan 2014/16").
    pub plan_key: String,
    pub plan_name: String,
    pub section_key: String,
    pub section_title: String,
}

/// The plan sections the risk is linked to, in plan and template order.
pub async fn sections_linked_to_risk(
    db: impl PgExecutor<'_>,
    risk_id: RiskId,
) -> Result<Vec<LinkedSection>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id AS plan_section_id, t.key AS plan_key, t.name AS plan_name,
                ts.key AS section_key, ts.title AS section_title
         FROM risk_section_links l
         JOIN plan_sections s ON s.id = l.plan_section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id
         JOIN templates t ON t.id = p.template_id
         WHERE l.risk_id = $1
         ORDER BY t.key, ts.position
         LIMIT $2",
    )
    .bind(risk_id)
    .bind(MAX_LINKED_SECTIONS)
    .fetch_all(db)
    .await
}
