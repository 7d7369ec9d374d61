//! The demo plans completed for sign-off (`demo::completion`): from the drafting demo every test
//! starts with, every check of Rotherham's BCF 2025-26 plan passes on 24 March 2025 and every
//! check of Kent's 2014-16 plan on the day its round opens (twenty hours before loading); loading
//! twice adds nothing; nothing of Rotherham's plan is dated on or after 24 March 2025, nor of
//! Kent's after its round opens; and the full demo's sign-off then opens both rounds.

use sqlx::PgPool;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

use itf_planner::areas::store::find_area_by_slug;
use itf_planner::plans::parts::checks::facts::check_plan_on;
use itf_planner::plans::store::find_plan;
use itf_planner::plans::templates::store::plan_structure;
use itf_planner::web::format::in_london;

use crate::helpers::fresh_database;

/// Rows (and versions) of what the completion writes, to see that a second run adds none.
async fn counts(pool: &PgPool) -> Vec<i64> {
    let counts: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM revisions),
                (SELECT count(*) FROM schemes),
                (SELECT count(*) FROM funding_lines),
                (SELECT coalesce(sum(version), 0) FROM funding_lines),
                (SELECT count(*) FROM notified_minimums),
                (SELECT count(*) FROM risk_versions),
                (SELECT count(*) FROM metric_goal_sets),
                (SELECT count(*) FROM condition_answers),
                (SELECT count(*) FROM comments),
                (SELECT count(*) FROM comments WHERE resolved_at IS NOT NULL)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let (a, b, c, d, e, f, g, h, i, j) = counts;
    vec![a, b, c, d, e, f, g, h, i, j]
}

/// Every failing check's messages, for the assertion's message.
async fn failures(pool: &PgPool, slug: &str, template: &str, today: Date) -> Vec<String> {
    let area = find_area_by_slug(pool, slug).await.unwrap().unwrap();
    let plan = find_plan(pool, area.id, template).await.unwrap().unwrap();
    let structure = plan_structure(pool, plan.id).await.unwrap().unwrap();
    check_plan_on(pool, today, &area, &plan, &structure)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|check| check.failures)
        .map(|failure| failure.message)
        .collect()
}

/// The latest time anything of the area's plan from `template` was written.
async fn last_change(pool: &PgPool, slug: &str, template: &str) -> OffsetDateTime {
    sqlx::query_scalar(
        "WITH plan AS (
             SELECT p.id, p.created_at FROM plans p
             JOIN areas a ON a.id = p.area_id JOIN templates t ON t.id = p.template_id
             WHERE a.slug = $1 AND t.key = $2)
         SELECT greatest(
             (SELECT created_at FROM plan),
             (SELECT max(s.updated_at) FROM plan_sections s WHERE s.plan_id = (SELECT id FROM plan)),
             (SELECT max(r.created_at) FROM revisions r JOIN plan_sections s ON s.id = r.plan_section_id
              WHERE s.plan_id = (SELECT id FROM plan)),
             (SELECT max(c.created_at) FROM comments c JOIN plan_sections s ON s.id = c.plan_section_id
              WHERE s.plan_id = (SELECT id FROM plan)),
             (SELECT max(c.resolved_at) FROM comments c JOIN plan_sections s ON s.id = c.plan_section_id
              WHERE s.plan_id = (SELECT id FROM plan)),
             (SELECT max(updated_at) FROM funding_lines WHERE plan_id = (SELECT id FROM plan)),
             (SELECT max(set_at) FROM notified_minimums WHERE plan_id = (SELECT id FROM plan)),
             (SELECT max(updated_at) FROM schemes WHERE plan_id = (SELECT id FROM plan)),
             (SELECT max(created_at) FROM metric_goal_sets WHERE plan_id = (SELECT id FROM plan)),
             (SELECT max(created_at) FROM condition_answers WHERE plan_id = (SELECT id FROM plan)),
             (SELECT max(updated_at) FROM engagement_entries WHERE plan_id = (SELECT id FROM plan)))",
    )
    .bind(slug)
    .bind(template)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_demo_completion_passes_every_check_on_the_days_the_rounds_open_and_adds_nothing_twice()
{
    let database = fresh_database().await;
    let pool = database.pool.clone();
    let kent_opens = OffsetDateTime::now_utc() - Duration::hours(20);
    // The drafting demo leaves both plans failing: Rotherham's only for its sections.
    let drafted = failures(&pool, "rotherham", "2025-26", date!(2025 - 03 - 24)).await;
    assert!(
        !drafted.is_empty() && drafted.iter().all(|message| message.contains("is ")),
        "{drafted:#?}"
    );

    itf_planner::demo::completion::seed(&pool).await.unwrap();
    let once = counts(&pool).await;
    itf_planner::demo::completion::seed(&pool).await.unwrap();
    assert_eq!(counts(&pool).await, once, "the second run adds nothing");

    let rotherham = failures(&pool, "rotherham", "2025-26", date!(2025 - 03 - 24)).await;
    assert!(rotherham.is_empty(), "Rotherham 2025-26: {rotherham:#?}");
    let kent = failures(&pool, "kent", "2014-16", in_london(kent_opens).date()).await;
    assert!(kent.is_empty(), "Kent 2014-16: {kent:#?}");
    // Kent's register has no overdue review today either: reviewed before the round opened.
    let today = in_london(OffsetDateTime::now_utc()).date();
    assert!(
        failures(&pool, "kent", "2014-16", today).await.is_empty(),
        "no overdue reviews today"
    );

    let last = last_change(&pool, "rotherham", "2025-26").await;
    assert!(
        last < datetime!(2025-03-24 00:00 UTC),
        "Rotherham 2025-26 last changed at {last}"
    );
    let last = last_change(&pool, "kent", "2014-16").await;
    assert!(last < kent_opens, "Kent 2014-16 last changed at {last}");
    // The CCGs that had written their part added their figures, and the question is answered.
    let (revised, replies, open): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM revisions r
                 WHERE r.plan_section_id = s.id AND r.organisation_id IS NOT NULL AND r.number = 2),
                (SELECT count(*) FROM comments c WHERE c.plan_section_id = s.id AND c.thread_id IS NOT NULL),
                (SELECT count(*) FROM comments c WHERE c.plan_section_id = s.id AND c.resolved_at IS NULL
                                                   AND c.thread_id IS NULL)
         FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kent' AND ts.key = 'case-for-change'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((revised, replies, open), (2, 1, 0));
    let reviewed: OffsetDateTime = sqlx::query_scalar(
        "SELECT max(v.recorded_at) FROM risk_versions v
         JOIN risks r ON r.id = v.risk_id JOIN areas a ON a.id = r.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        reviewed < kent_opens,
        "Kent's register last reviewed at {reviewed}"
    );

    // So the full demo's sign-off opens both rounds, as it does only for plans whose checks pass.
    itf_planner::demo::signoff::seed(&pool).await.unwrap();
    let rounds: Vec<String> = sqlx::query_scalar(
        "SELECT a.slug || ' ' || t.key FROM signoff_rounds r
         JOIN plans p ON p.id = r.plan_id JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id ORDER BY a.slug",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rounds, ["kent 2014-16", "rotherham 2025-26"]);
}
