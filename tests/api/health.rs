use std::time::Duration;

use itf_planner::db::embedded::{Durability, EmbeddedPostgres};
use itf_planner::db::pool_options;

use crate::helpers::{browser_client, scratch_dir, spawn_app, spawn_app_on, test_config};

#[tokio::test]
async fn healthz_answers_while_the_process_runs() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_follows_the_database_down_and_back_up() {
    // A cluster of its own, so stopping it disturbs no other test.
    let dir = scratch_dir();
    let cluster = EmbeddedPostgres::new(dir.path(), Durability::Throwaway).unwrap();
    cluster.start().unwrap();
    let pool = pool_options()
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(cluster.connect_options("postgres"))
        .await
        .unwrap();
    let address = spawn_app_on(pool, test_config(), itf_planner::clock::Clock::System).await;
    let client = browser_client();
    let readyz = || async {
        client
            .get(format!("{address}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
    };

    assert_eq!(readyz().await, 200);

    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop();
        cluster
    })
    .await
    .unwrap();
    assert_eq!(readyz().await, 503);
    assert_eq!(
        client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the process is still healthy while its database is down"
    );

    let cluster = tokio::task::spawn_blocking(move || {
        cluster.start().unwrap();
        cluster
    })
    .await
    .unwrap();
    assert_eq!(readyz().await, 200, "the pool reconnects by itself");
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}
