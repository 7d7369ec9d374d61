//! The audit log is append-only and `itf-planner audit verify` finds any row edited or removed.

use std::process::Command;

use itf_planner::auth::policy::Role;
use sqlx::PgPool;

use crate::helpers::{TestApp, database_url, spawn_app};

fn verify(database: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_itf-planner"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", database_url(database))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run itf-planner audit verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn database_name(pool: &PgPool) -> String {
    sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Some audited activity: sign-ins and sign-outs (and a failure, kept as a security event).
async fn make_history(app: &TestApp) {
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    app.post_form("/sign-out", &[]).await;
    app.post_form(
        "/sign-in",
        &[("email", &officer.email), ("password", "wrong password")],
    )
    .await;
    app.sign_in(&officer).await;
    app.post_form("/sign-out", &[]).await;
}

#[tokio::test]
async fn the_application_cannot_update_or_delete_audit_rows() {
    let app = spawn_app().await;
    make_history(&app).await;
    let update = sqlx::query("UPDATE audit_log SET action = 'nothing'")
        .execute(&app.pool)
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM audit_log")
        .execute(&app.pool)
        .await;
    assert!(delete.is_err());
}

#[tokio::test]
async fn audit_verify_passes_an_intact_log_and_names_an_edited_row() {
    let app = spawn_app().await;
    make_history(&app).await;
    let database = database_name(&app.pool).await;
    let (ok, text) = verify(&database);
    assert!(ok, "{text}");
    // Two sign-ins and two sign-outs: the failed sign-in is a security event, not audited.
    assert!(text.contains("OK: 4 audit rows verified"), "{text}");

    // Someone with direct database access edits the third row, bypassing the trigger.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    let third: i64 = sqlx::query_scalar("SELECT id FROM audit_log ORDER BY id OFFSET 2 LIMIT 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"reason\":\"nothing to see\"}' WHERE id = $1")
        .bind(third)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (ok, text) = verify(&database);
    assert!(!ok);
    assert!(
        text.contains(&format!("audit row {third} was changed")),
        "{text}"
    );
}

#[tokio::test]
async fn audit_verify_names_the_row_after_a_deleted_one() {
    let app = spawn_app().await;
    make_history(&app).await;
    let database = database_name(&app.pool).await;
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_log ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(ids[1])
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (ok, text) = verify(&database);
    assert!(!ok);
    assert!(
        text.contains(&format!(
            "audit row {} does not follow the row before it",
            ids[2]
        )),
        "{text}"
    );
}

#[tokio::test]
async fn concurrent_changes_keep_a_single_unbroken_chain() {
    let app = spawn_app().await;
    let mut browsers = Vec::new();
    for _ in 0..6 {
        let browser = app.another_browser();
        let officer = app
            .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
            .await;
        browsers.push((browser, officer));
    }
    let tasks: Vec<_> = browsers
        .into_iter()
        .map(|(browser, officer)| {
            tokio::spawn(async move {
                browser.sign_in(&officer).await;
                browser.post_form("/sign-out", &[]).await;
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let (ok, text) = verify(&database_name(&app.pool).await);
    assert!(ok, "{text}");
    assert!(text.contains("OK: 12 audit rows verified"), "{text}");
}
