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

/// The pool checks a connection before use only when it has been idle half a second or more
/// (`db::pool_options`): one the database ended meanwhile (a restart, an administrator) is
/// found out, closed and replaced, and no page fails for it.
#[tokio::test]
async fn connections_the_database_ended_are_replaced_before_use_once_idle() {
    let app = spawn_app().await;
    let ready_in_parallel = || async {
        let statuses = futures_util::future::join_all(
            (0..8).map(|_| async { app.get("/readyz").await.status() }),
        )
        .await;
        assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    };
    // Several connections open at once.
    ready_in_parallel().await;
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
         FROM pg_stat_activity WHERE datname = current_database() AND usename = $1",
    )
    .bind(itf_planner::db::APP_ROLE)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(ended >= 1, "the app's connections were ended: {ended}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    ready_in_parallel().await;
    for _ in 0..10 {
        assert_eq!(app.get("/readyz").await.status(), 200);
    }
    let session_page = app.get("/sign-in").await;
    assert_eq!(session_page.status(), 200);
}
