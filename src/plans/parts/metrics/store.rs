//! SQL for the plan's metric goals: goal sets (one row per save, the newest current) and their
//! goals per period (`metric_goals`).

use std::collections::BTreeMap;

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{Baseline, GoalSet, GoalSetId, MetricGoals, MetricValue};
use crate::auth::UserId;
use crate::plans::PlanId;
use crate::web::money::Pence;

/// The most metrics one plan's structure may have (`structure::MAX_ITEMS`), with room.
const MAX_METRICS: i64 = 200;
/// The most versions of one metric's goals a page shows.
pub const MAX_VERSIONS: i64 = 200;

/// A goal set's columns as read, with its goals as parallel arrays.
type Row = (
    GoalSetId,
    String,
    Option<i64>,
    String,
    Option<i64>,
    String,
    Vec<String>,
    Vec<i64>,
    OffsetDateTime,
    Option<String>,
);

/// The columns of [`Row`] from goal sets `s`, with `agg` the goals aggregated per set.
macro_rules! goal_set_select {
    ($from:literal) => {
        concat!(
            "SELECT s.id, s.metric_key, s.baseline_value, s.baseline_period,
                    s.pay_for_performance, s.rationale,
                    COALESCE(array_agg(g.period_key ORDER BY g.period_key)
                             FILTER (WHERE g.period_key IS NOT NULL), '{}'),
                    COALESCE(array_agg(g.value ORDER BY g.period_key)
                             FILTER (WHERE g.period_key IS NOT NULL), '{}'),
                    s.created_at, u.display_name
             FROM ",
            $from,
            " s
             LEFT JOIN metric_goals g ON g.goal_set_id = s.id
             LEFT JOIN users u ON u.id = s.created_by"
        )
    };
}

/// One saved version of a metric's goals, with who saved it and when.
#[derive(Clone, Debug)]
pub struct GoalVersion {
    pub id: GoalSetId,
    pub metric_key: String,
    pub set: GoalSet,
    pub saved_at: OffsetDateTime,
    pub saved_by: Option<String>,
}

fn version(row: Row) -> GoalVersion {
    let (id, metric_key, value, period, money, rationale, keys, values, saved_at, saved_by) = row;
    GoalVersion {
        id,
        metric_key,
        set: GoalSet {
            baseline: value.map(|value| Baseline {
                value: MetricValue::from_hundredths(value),
                period,
            }),
            goals: keys
                .into_iter()
                .zip(values.into_iter().map(MetricValue::from_hundredths))
                .collect::<BTreeMap<_, _>>(),
            pay_for_performance: money.map(Pence::new),
            rationale,
        },
        saved_at,
        saved_by,
    }
}

/// The current goals of every metric the plan has goals for, by metric key: one query.
pub async fn current_goals(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<MetricGoals>, sqlx::Error> {
    Ok(current_versions(db, plan_id)
        .await?
        .into_iter()
        .map(|version| MetricGoals {
            metric_key: version.metric_key,
            baseline: version.set.baseline,
            goals: version.set.goals,
            pay_for_performance: version.set.pay_for_performance,
        })
        .collect())
}

/// The current version of every metric's goals in the plan, by metric key: one query.
pub async fn current_versions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<GoalVersion>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "WITH current AS (
             SELECT DISTINCT ON (metric_key) * FROM metric_goal_sets
             WHERE plan_id = $1 ORDER BY metric_key, id DESC
         ) ",
        goal_set_select!("current"),
        " GROUP BY s.id, s.metric_key, s.baseline_value, s.baseline_period,
                   s.pay_for_performance, s.rationale, s.created_at, u.display_name
          ORDER BY s.metric_key LIMIT $2"
    ))
    .bind(plan_id)
    .bind(MAX_METRICS)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(version).collect())
}

/// Every version of one metric's goals in the plan, newest (current) first.
pub async fn versions(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    metric_key: &str,
) -> Result<Vec<GoalVersion>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        goal_set_select!("metric_goal_sets"),
        " WHERE s.plan_id = $1 AND s.metric_key = $2
          GROUP BY s.id, u.display_name
          ORDER BY s.id DESC LIMIT $3"
    ))
    .bind(plan_id)
    .bind(metric_key)
    .bind(MAX_VERSIONS)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(version).collect())
}

/// Saves `set` as the metric's newest goals if the current version is still `based_on` (none
/// for a metric without goals yet); `None` when someone else saved first. The unique indexes
/// make this safe without a lock: a version is replaced once only.
pub async fn save_goals(
    db: &mut PgConnection,
    plan_id: PlanId,
    metric_key: &str,
    based_on: Option<GoalSetId>,
    set: &GoalSet,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<GoalSetId>, sqlx::Error> {
    let id: Option<GoalSetId> = sqlx::query_scalar(
        "INSERT INTO metric_goal_sets (plan_id, metric_key, based_on, baseline_value,
                                       baseline_period, pay_for_performance, rationale,
                                       created_at, created_by)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
         WHERE $3::bigint IS NULL OR EXISTS (
             SELECT 1 FROM metric_goal_sets
             WHERE id = $3 AND plan_id = $1 AND metric_key = $2)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(plan_id)
    .bind(metric_key)
    .bind(based_on)
    .bind(set.baseline.as_ref().map(|b| b.value.hundredths()))
    .bind(
        set.baseline
            .as_ref()
            .map(|b| b.period.as_str())
            .unwrap_or_default(),
    )
    .bind(set.pay_for_performance.map(Pence::get))
    .bind(&set.rationale)
    .bind(at)
    .bind(by)
    .fetch_optional(&mut *db)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    let keys: Vec<&str> = set.goals.keys().map(String::as_str).collect();
    let values: Vec<i64> = set.goals.values().map(|v| v.hundredths()).collect();
    sqlx::query(
        "INSERT INTO metric_goals (goal_set_id, period_key, value)
         SELECT $1, key, value FROM unnest($2::text[], $3::bigint[]) AS goal (key, value)",
    )
    .bind(id)
    .bind(&keys)
    .bind(&values)
    .execute(db)
    .await?;
    Ok(Some(id))
}

/// A metric's current goals in one area's plan, as read for the national view: the area id,
/// the goal set's id, metric key, baseline value and period, pay for performance, and the goals
/// as parallel arrays of period keys and values.
type AreaGoalsRow = (
    i64,
    String,
    Option<i64>,
    String,
    Option<i64>,
    Vec<String>,
    Vec<i64>,
);

/// The current goals of every metric of the plans made from the template `template_key` of the
/// areas `area_ids`, as (area id, goals), by area then metric. One query however many areas
/// (the national view).
pub async fn current_goals_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    template_key: &str,
) -> Result<Vec<(i64, MetricGoals)>, sqlx::Error> {
    let rows: Vec<AreaGoalsRow> = sqlx::query_as(
        "WITH current AS (
             SELECT DISTINCT ON (m.plan_id, m.metric_key) m.*, p.area_id
             FROM metric_goal_sets m
             JOIN plans p ON p.id = m.plan_id
             JOIN templates t ON t.id = p.template_id
             WHERE p.area_id = ANY($1) AND t.key = $2
             ORDER BY m.plan_id, m.metric_key, m.id DESC
         )
         SELECT s.area_id, s.metric_key, s.baseline_value, s.baseline_period,
                s.pay_for_performance,
                COALESCE(array_agg(g.period_key ORDER BY g.period_key)
                         FILTER (WHERE g.period_key IS NOT NULL), '{}'),
                COALESCE(array_agg(g.value ORDER BY g.period_key)
                         FILTER (WHERE g.period_key IS NOT NULL), '{}')
         FROM current s
         LEFT JOIN metric_goals g ON g.goal_set_id = s.id
         GROUP BY s.area_id, s.id, s.metric_key, s.baseline_value, s.baseline_period,
                  s.pay_for_performance
         ORDER BY s.area_id, s.metric_key LIMIT $3",
    )
    .bind(area_ids)
    .bind(template_key)
    .bind(MAX_METRICS.saturating_mul(i64::try_from(area_ids.len()).unwrap_or(1).max(1)))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(area_id, metric_key, value, period, money, keys, values)| {
                let goals = MetricGoals {
                    metric_key,
                    baseline: value.map(|value| Baseline {
                        value: MetricValue::from_hundredths(value),
                        period,
                    }),
                    goals: keys
                        .into_iter()
                        .zip(values.into_iter().map(MetricValue::from_hundredths))
                        .collect(),
                    pay_for_performance: money.map(Pence::new),
                };
                (area_id, goals)
            },
        )
        .collect())
}
