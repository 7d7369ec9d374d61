//! The national view (issue 12, item 7): every area's plan of one cycle in one table — pooled
//! fund and scheme spend per year, each metric's baseline and goal with the planned change, the
//! plan's sign-off state and its submission against the deadline — with totals, filters, CSV
//! and Excel exports (`export`), and the same rows as JSON in a read-only API (`/api/v1/…`)
//! authenticated by revocable bearer tokens (`tokens`). `table` decides (pure); `gather`
//! reads, in a fixed number of queries however many areas there are; `cache` keeps what it
//! read, per cycle, for every request until a change could have altered it.

pub mod cache;
pub mod export;
pub mod routes;
pub mod store;
pub mod table;
pub mod tokens;

use std::collections::BTreeMap;

use sqlx::PgPool;

use crate::deadlines::dashboard::AreaInfo;
use crate::plans::parts::funding::store::pooled_of_areas;
use crate::plans::parts::metrics::store::current_goals_of_areas;
use crate::plans::parts::schemes::store::spend_of_areas;
use crate::signoff::store::rounds::standings_of_areas;
use crate::signoff::store::submissions::last_submissions_of_areas;
use table::Facts;

/// What the rows of `areas` for the cycle `template_key` are made from: five queries, on one
/// connection taken from the pool once.
pub async fn gather(
    pool: &PgPool,
    areas: Vec<AreaInfo>,
    template_key: &str,
) -> Result<Facts, sqlx::Error> {
    let ids: Vec<i64> = areas.iter().map(|area| area.id).collect();
    let mut db = pool.acquire().await?;
    let db = &mut *db;
    let plans: BTreeMap<i64, _> = standings_of_areas(&mut *db, &ids, template_key)
        .await?
        .into_iter()
        .map(|plan| (plan.area_id, plan.state))
        .collect();
    Ok(Facts {
        plans,
        pooled: pooled_of_areas(&mut *db, &ids, template_key).await?,
        spend: spend_of_areas(&mut *db, &ids, template_key).await?,
        goals: current_goals_of_areas(&mut *db, &ids, template_key).await?,
        submissions: last_submissions_of_areas(db, &ids, template_key).await?,
        areas,
    })
}
