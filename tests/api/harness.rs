//! The test harness itself: what a test leaves behind on the database server.

use crate::helpers::{database_exists, spawn_app};

#[tokio::test]
async fn a_tests_database_is_dropped_when_the_test_ends() {
    let app = spawn_app().await;
    let name = app.database.name.clone();
    let second_browser = app.another_browser();
    assert!(database_exists(&name).await, "the test's database exists");
    assert_eq!(second_browser.get("/").await.status(), 200);
    drop(app);
    assert!(
        database_exists(&name).await,
        "kept while another handle to the app remains"
    );
    drop(second_browser);
    assert!(
        !database_exists(&name).await,
        "dropped with the last handle"
    );
}
