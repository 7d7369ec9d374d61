//! Deadlines (issue 12): national ones from the key dates of each plan's structure (template
//! data), local ones an area adds; each met by a sign-off event of a plan or recorded done by
//! hand; red / amber / green from one pure function of the application clock (`rag`). `model`
//! puts an area's deadlines together from what `store` and the plans' and sign-off's stores
//! read: five queries for any number of areas.

pub mod calendar;
pub mod dashboard;
pub mod feeds;
pub mod forms;
pub mod kept;
pub mod model;
pub mod overdue;
pub mod rag;
pub mod routes;
pub mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::PgPool;

use crate::plans::store as plans;
use crate::plans::templates::kept::KeptStructures;
use crate::plans::templates::structure::CycleStructure;
use crate::signoff::store::rounds::milestones_of_areas;
use model::{Deadline, Facts, PlanFacts, RoundFacts};

/// The deadlines of the areas `area_ids`, by area (an area with none is absent).
pub async fn of_areas(
    pool: &PgPool,
    structures: &KeptStructures,
    area_ids: &[i64],
) -> Result<BTreeMap<i64, Vec<Deadline>>, sqlx::Error> {
    Ok(model::assemble(
        &facts_of_areas(pool, structures, area_ids).await?,
    ))
}

/// What the deadlines of the areas `area_ids` are worked out from: five statements on one
/// connection taken from the pool once (not a check of a pooled connection for each).
pub async fn facts_of_areas(
    pool: &PgPool,
    structures: &KeptStructures,
    area_ids: &[i64],
) -> Result<Facts, sqlx::Error> {
    let mut db = pool.acquire().await?;
    let db = &mut *db;
    let plan_rows = plans::plans_of_areas(&mut *db, area_ids).await?;
    let mut structure_ids: Vec<i64> = plan_rows.iter().map(|plan| plan.structure_id).collect();
    structure_ids.sort_unstable();
    structure_ids.dedup();
    let structures: Vec<(i64, Arc<CycleStructure>)> =
        structures.by_ids(&mut *db, &structure_ids).await?;
    let plans = plan_rows
        .into_iter()
        .filter_map(|plan| {
            let structure = Arc::clone(
                &structures
                    .iter()
                    .find(|(id, _)| *id == plan.structure_id)?
                    .1,
            );
            Some(PlanFacts {
                id: plan.id.get(),
                area_id: plan.area_id.get(),
                template_key: plan.template_key,
                template_name: plan.template_name,
                structure,
                approved_at: plan.approved_at,
            })
        })
        .collect();
    let rounds = milestones_of_areas(&mut *db, area_ids)
        .await?
        .into_iter()
        .map(|round| RoundFacts {
            plan_id: round.plan_id,
            deadline_key: round.deadline_key,
            opened_at: round.opened_at,
            submitted_at: round.submitted_at,
            assured_at: round.assured_at,
        })
        .collect();
    Ok(Facts {
        plans,
        rounds,
        locals: store::locals_of_areas(&mut *db, area_ids).await?,
        done: store::done_of_areas(db, area_ids).await?,
    })
}
