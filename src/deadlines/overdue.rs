//! Telling area leads when a deadline of their area has passed unmet: once per deadline and
//! lead (the notice's once-key), however often this runs and on however many servers. It runs
//! inside `serve` on the mail worker's beat.

use serde_json::json;

use crate::AppState;
use crate::areas::AreaId;
use crate::areas::store::list_areas_by_id;
use crate::audit::{Actor, Change, Event};
use crate::auth::policy::Role;
use crate::auth::store::people_in_areas;
use crate::notifications::{NewNotice, NoticeKind, notify_all};
use crate::web::format::{date, in_london};

use super::rag::Standing;

/// Runs until the task is aborted.
pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(
        state
            .config
            .mail_poll
            .max(std::time::Duration::from_millis(500)),
    );
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = tell_overdue(&state).await {
            tracing::warn!(%error, "could not tell area leads of overdue deadlines");
        }
    }
}

/// Tells each area lead of each overdue deadline of their area not told before; how many
/// notices were made.
pub async fn tell_overdue(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let today = in_london(now).date();
    let areas = crate::areas::store::list_areas(&state.pool).await?;
    let area_ids: Vec<i64> = areas.iter().map(|area| area.id.get()).collect();
    let deadlines = super::of_areas(&state.pool, &state.structures, &area_ids).await?;
    let overdue: Vec<_> = deadlines
        .values()
        .flatten()
        .filter(|deadline| matches!(deadline.standing(today), Standing::Overdue { .. }))
        .collect();
    if overdue.is_empty() {
        return Ok(0);
    }
    let mut overdue_areas: Vec<i64> = overdue.iter().map(|deadline| deadline.area_id).collect();
    overdue_areas.sort_unstable();
    overdue_areas.dedup();
    let leads = people_in_areas(&state.pool, &overdue_areas, &[Role::AreaLead]).await?;
    if leads.is_empty() {
        return Ok(0);
    }
    let ids: Vec<AreaId> = overdue_areas.iter().copied().map(AreaId::new).collect();
    let named = list_areas_by_id(&state.pool, &ids).await?;
    let base_url = state.config.base_url();
    let mut change = Change::begin(&state.pool, now).await?;
    let mut notices = Vec::new();
    for deadline in &overdue {
        let Some(area) = named.iter().find(|area| area.id.get() == deadline.area_id) else {
            continue;
        };
        for lead in leads.iter().filter(|lead| lead.area_id == deadline.area_id) {
            notices.push(NewNotice {
                user_id: lead.user_id,
                kind: NoticeKind::Overdue,
                area_id: Some(deadline.area_id),
                title: format!("Overdue in {}: {}", area.name, deadline.title),
                body: format!("It was due on {} and has not been met.", date(deadline.due)),
                link: format!("/areas/{}/deadlines", area.slug),
                once_key: Some(format!(
                    "overdue:{}:{}",
                    deadline.area_id,
                    deadline.reference.text()
                )),
            });
        }
    }
    let told = notify_all(change.db(), &notices, now, &base_url).await?;
    if told > 0 {
        change
            .commit(
                &Event::new(Actor::System, "deadline.overdue_told", "notice")
                    .details(json!({ "notices": told })),
            )
            .await?;
    }
    Ok(told)
}
