use std::process::Command;

use sqlx::PgPool;

use crate::helpers::{TEST_SECRET_KEY, database_url, fresh_database};

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM organisations),
                (SELECT count(*) FROM areas),
                (SELECT count(*) FROM area_members)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

fn seed_demo(database: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_itf-planner"))
        .arg("seed-demo")
        .env("DATABASE_URL", database_url(database))
        .env("ITF_SECRET_KEY", TEST_SECRET_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run itf-planner seed-demo");
    assert!(
        output.status.success(),
        "seed-demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn seed_demo_loads_kent_and_rotherham_and_running_it_twice_changes_nothing() {
    // Test databases start with the demo data loaded once already.
    let database = fresh_database().await;
    let (pool, name) = (database.pool.clone(), database.name.clone());
    let after_first = counts(&pool).await;
    assert!(after_first.0 > 0 && after_first.1 == 2);
    let kent_ccgs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM area_members m
         JOIN areas a ON a.id = m.area_id
         JOIN organisations o ON o.id = m.organisation_id
         WHERE a.slug = 'kent' AND o.kind = 'ccg' AND m.signs_plan",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kent_ccgs, 7);
    let boards: Vec<String> = sqlx::query_scalar(
        "SELECT o.name FROM areas a JOIN organisations o ON o.id = a.board_id ORDER BY a.slug",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        boards,
        vec![
            "Kent Health and Wellbeing Board".to_owned(),
            "Rotherham Health and Wellbeing Board".to_owned()
        ]
    );

    let users = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM users")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let users_before = users().await;
    assert_eq!(
        users_before, 13,
        "one demo account per role per area (two more Kent officers), an assurer and an admin"
    );

    let revisions = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM revisions")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let revisions_before = revisions().await;
    assert_eq!(
        revisions_before, 4,
        "the Kent plan's vision and three contributions"
    );

    seed_demo(&name);
    seed_demo(&name);
    assert_eq!(counts(&pool).await, after_first);
    assert_eq!(users().await, users_before);
    assert_eq!(revisions().await, revisions_before);
}
