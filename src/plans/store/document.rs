//! The plan's sections and contributions as the plan's document holds them: text only, no
//! versions or statuses (`plans::parts::document`). Two queries for the whole plan.

use sqlx::PgExecutor;

use crate::plans::{PlanId, PlanSectionId};

/// A section's text and assignment, in template order.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SectionText {
    pub id: PlanSectionId,
    pub key: String,
    pub title: String,
    pub assigned_organisation: Option<String>,
    pub body: String,
}

pub async fn section_texts(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<SectionText>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, ts.key, ts.title, o.name AS assigned_organisation, s.body
         FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         LEFT JOIN organisations o ON o.id = s.assigned_organisation_id
         WHERE s.plan_id = $1 ORDER BY ts.position LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await
}

/// A partner's written contribution to a section (empty ones are left out).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContributionText {
    pub plan_section_id: PlanSectionId,
    pub organisation: String,
    pub body: String,
}

/// Every written contribution of the plan, by organisation name.
pub async fn contribution_texts(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<ContributionText>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.plan_section_id, o.name AS organisation, c.body
         FROM contributions c
         JOIN plan_sections s ON s.id = c.plan_section_id
         JOIN organisations o ON o.id = c.organisation_id
         WHERE s.plan_id = $1 AND c.body <> ''
         ORDER BY o.name, o.id LIMIT 20000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await
}
