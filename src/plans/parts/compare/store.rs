//! SQL for comparing plans: the area's other plans with the structures they were made from, and
//! a plan's scheme spend per year and type. (A plan's funding lines and metric goals are read
//! with their own parts' stores.) Each read is one bounded query on an index.

use sqlx::PgExecutor;

use super::{OtherPlan, TypeSpend};
use crate::areas::AreaId;
use crate::keyed::Keyed;
use crate::plans::PlanId;
use crate::plans::parts::schemes::SchemeType;
use crate::plans::parts::schemes::store::spend_of_scheme;
use crate::web::money::Pence;

/// The area's plans other than `plan_id`, newest template first, each with the structure it was
/// made from (its template's current one for a plan older than structures).
pub async fn other_plans(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    plan_id: PlanId,
) -> Result<Vec<OtherPlan>, sqlx::Error> {
    let rows: Vec<(PlanId, String, String, String)> = sqlx::query_as(
        "SELECT p.id, t.key, t.name, s.structure::text
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         JOIN template_structures s
           ON s.id = coalesce(p.structure_id,
                              (SELECT id FROM template_structures
                               WHERE template_id = p.template_id ORDER BY id DESC LIMIT 1))
         WHERE p.area_id = $1 AND p.id <> $2
         ORDER BY t.created_at DESC
         LIMIT 50",
    )
    .bind(area_id)
    .bind(plan_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, key, name, json)| {
            Ok(OtherPlan {
                id,
                key,
                name,
                structure: serde_json::from_str(&json)
                    .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
            })
        })
        .collect()
}

/// The plan's scheme spend summed per year and type of scheme. A type no longer on the
/// national list counts as "Other".
pub async fn spend_by_type(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<TypeSpend>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(concat!(
        "SELECT a.year_key, s.scheme_type, sum(a.spend)::bigint
         FROM schemes s CROSS JOIN LATERAL (",
        spend_of_scheme!(),
        ") a
         WHERE s.plan_id = $1
         GROUP BY a.year_key, s.scheme_type
         ORDER BY a.year_key, s.scheme_type
         LIMIT 10000"
    ))
    .bind(plan_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(year_key, scheme_type, spend)| TypeSpend {
            year_key,
            scheme_type: <SchemeType as Keyed>::parse(&scheme_type).unwrap_or(SchemeType::Other),
            spend: Pence::new(spend),
        })
        .collect())
}
