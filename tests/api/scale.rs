//! `itf-planner seed-scale` (issue 14): national-scale data, here two areas of it, loaded by
//! the binary into a database, then used as a person would: signing in as a seeded officer and
//! a seeded assurer and reading the pages the benchmark drives.

use std::process::Command;
use std::sync::Arc;

use itf_planner::auth::UserId;
use itf_planner::clock::Clock;
use itf_planner::demo::scale::{EMAIL_DOMAIN, SCALE_PASSWORD, totp_key};
use sqlx::PgPool;

use crate::helpers::{
    TEST_SECRET_KEY, TestApp, TestUser, app_role_pool, browser, database_url, fresh_database,
    spawn_app_on, test_config,
};

fn seed_scale(database: &str, areas: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_itf-planner"))
        .args(["seed-scale", "--seed", "7", "--areas", areas])
        .env("DATABASE_URL", database_url(database))
        .env("ITF_SECRET_KEY", TEST_SECRET_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run itf-planner seed-scale");
    assert!(
        output.status.success(),
        "seed-scale failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn user(pool: &PgPool, email: &str, totp_secret: Option<Vec<u8>>) -> TestUser {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|_| panic!("{email} was seeded"));
    TestUser {
        id: UserId::new(id),
        email: email.to_owned(),
        password: SCALE_PASSWORD.to_owned(),
        totp_secret,
    }
}

#[tokio::test]
async fn seed_scale_loads_areas_with_plans_people_can_read_and_running_it_again_adds_nothing() {
    let database = fresh_database().await;
    let (pool, name) = (database.pool.clone(), database.name.clone());
    let printed = seed_scale(&name, "2");
    assert!(printed.contains("2 areas added"), "{printed}");

    // Two areas, each with its board, council and CCG, about 20 people and a full plan.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM areas WHERE slug IN ('ashbury', 'ashfield')"
        )
        .await,
        2
    );
    let people = count(
        &pool,
        "SELECT count(*) FROM users WHERE email LIKE '%@scale.itf.example'",
    )
    .await;
    assert_eq!(
        people,
        20 + 2 * (3 + 7 + 7),
        "assurers and two areas' people"
    );
    let revisions = count(
        &pool,
        "SELECT count(*) FROM revisions r JOIN plan_sections s ON s.id = r.plan_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id WHERE a.slug = 'ashbury'",
    )
    .await;
    assert!(
        revisions >= 13 * 6,
        "every section has revisions: {revisions}"
    );
    // Each section's text and version are those of its newest revision.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM plan_sections s JOIN plans p ON p.id = s.plan_id
             JOIN areas a ON a.id = p.area_id
             WHERE a.slug IN ('ashbury', 'ashfield')
               AND NOT EXISTS (
                   SELECT 1 FROM revisions r
                   WHERE r.plan_section_id = s.id AND r.organisation_id IS NULL
                     AND r.number = s.version AND r.body = s.body
                     AND r.number = (SELECT max(number) FROM revisions m
                                     WHERE m.plan_section_id = s.id AND m.organisation_id IS NULL))",
        )
        .await,
        0
    );
    let risks = count(
        &pool,
        "SELECT count(*) FROM risks r JOIN areas a ON a.id = r.area_id WHERE a.slug = 'ashbury'",
    )
    .await;
    assert!((36..=44).contains(&risks), "{risks} risks");
    let schemes = count(&pool, "SELECT count(*) FROM schemes s JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id WHERE a.slug = 'ashbury'").await;
    assert!((90..=110).contains(&schemes), "{schemes} schemes");
    let seeded = count(&pool, "SELECT count(*) FROM revisions").await;

    // Again: the areas are there, so nothing is added.
    let printed = seed_scale(&name, "2");
    assert!(
        printed.contains("0 areas added, 2 already there"),
        "{printed}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM revisions").await, seeded);

    let app_pool = app_role_pool(&name).await;
    let clock = Clock::fixed(time::OffsetDateTime::now_utc());
    let address = spawn_app_on(app_pool.clone(), test_config(), clock.clone()).await;
    let (client, jar) = browser();
    let app = TestApp {
        address,
        client,
        jar,
        pool: pool.clone(),
        app_pool,
        clock,
        database: Arc::new(database),
    };

    let officer = user(
        &pool,
        &format!("ashbury.council.officer1@{EMAIL_DOMAIN}"),
        None,
    )
    .await;
    app.sign_in(&officer).await;
    let plan = "/areas/ashbury/plans/2014-16";
    let tasks = app.get_html(plan).await;
    assert!(
        tasks.contains("Vision") && tasks.contains("Case for change"),
        "task list"
    );
    let body: String = sqlx::query_scalar(
        "SELECT s.body FROM plan_sections s JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'ashbury' AND ts.key = 'vision'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // The first words of the text, up to anything HTML would escape.
    let words: String = body
        .lines()
        .nth(2)
        .unwrap()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == ' ')
        .take(20)
        .collect();
    let section = app.get_html(&format!("{plan}/sections/vision")).await;
    assert!(section.contains(&words), "section text {words:?}");
    let history = app
        .get_html(&format!("{plan}/sections/vision/history"))
        .await;
    assert!(history.contains("Ashbury"), "history names its authors");
    let register = app.get_html("/areas/ashbury/risks").await;
    assert!(
        register.contains("(1)"),
        "risk register lists the seeded risks"
    );
    let found = app.get_html("/areas/ashbury/search?q=reablement").await;
    assert!(found.contains("reablement"), "search finds seeded text");

    let assurer = app.another_browser();
    let national = user(
        &pool,
        &format!("assurer1@{EMAIL_DOMAIN}"),
        Some(totp_key(7)),
    )
    .await;
    assurer.sign_in(&national).await;
    let view = assurer.get_html("/national").await;
    assert!(
        view.contains("Ashbury") && view.contains("Ashfield"),
        "national view"
    );
}
