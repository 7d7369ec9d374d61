//! Reading a whole plan's content in a fixed number of queries, whatever its size.

use sqlx::PgConnection;

use super::{ContributionContent, PlanContent, SectionContent};
use crate::areas::store::AreaSummary;
use crate::plans::store::PlanSummary;
use crate::plans::templates::structure::CycleStructure;

#[derive(sqlx::FromRow)]
struct SectionRow {
    id: i64,
    key: String,
    title: String,
    assigned_organisation: Option<String>,
    body: String,
}

#[derive(sqlx::FromRow)]
struct ContributionRow {
    plan_section_id: i64,
    organisation: String,
    body: String,
}

/// The plan's content now. Called inside the transaction that freezes the plan, so it reads
/// what the freeze protects.
pub async fn content(
    db: &mut PgConnection,
    area: &AreaSummary,
    plan: &PlanSummary,
    _structure: &CycleStructure,
) -> Result<PlanContent, sqlx::Error> {
    let sections: Vec<SectionRow> = sqlx::query_as(
        "SELECT s.id, ts.key, ts.title, o.name AS assigned_organisation, s.body
         FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         LEFT JOIN organisations o ON o.id = s.assigned_organisation_id
         WHERE s.plan_id = $1 ORDER BY ts.position LIMIT 1000",
    )
    .bind(plan.id)
    .fetch_all(&mut *db)
    .await?;
    let contributions: Vec<ContributionRow> = sqlx::query_as(
        "SELECT c.plan_section_id, o.name AS organisation, c.body
         FROM contributions c
         JOIN plan_sections s ON s.id = c.plan_section_id
         JOIN organisations o ON o.id = c.organisation_id
         WHERE s.plan_id = $1 AND c.body <> ''
         ORDER BY o.name, o.id LIMIT 20000",
    )
    .bind(plan.id)
    .fetch_all(&mut *db)
    .await?;
    Ok(PlanContent {
        area: area.name.clone(),
        template_key: plan.template_key.clone(),
        template_name: plan.template_name.clone(),
        sections: sections
            .into_iter()
            .map(|section| SectionContent {
                contributions: contributions
                    .iter()
                    .filter(|c| c.plan_section_id == section.id)
                    .map(|c| ContributionContent {
                        organisation: c.organisation.clone(),
                        body: c.body.clone(),
                    })
                    .collect(),
                key: section.key,
                title: section.title,
                assigned_organisation: section.assigned_organisation,
                body: section.body,
            })
            .collect(),
    })
}
