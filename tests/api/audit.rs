//! The audit log is append-only and `itf-planner audit verify` finds any row edited or removed,
//! even by someone who recomputes the chain, and (with a head written down earlier) the newest
//! rows removed. The application's own connection cannot change it.

use std::process::Command;

use itf_planner::audit::{self, Row};
use itf_planner::auth::policy::Role;
use sqlx::PgPool;

use crate::helpers::{TEST_SECRET_KEY, TestApp, app_role_pool, database_url, spawn_app};

fn verify(database: &str) -> (bool, String) {
    run_audit(database, &["audit", "verify"])
}

fn run_audit(database: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_itf-planner"))
        .args(args)
        .env("DATABASE_URL", database_url(database))
        .env("ITF_SECRET_KEY", TEST_SECRET_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run itf-planner audit");
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

/// The error of `sql` run on `pool`, which must fail for lack of a privilege (SQLSTATE 42501).
async fn refused(pool: &PgPool, sql: &'static str) -> String {
    let error = sqlx::query(sql)
        .execute(pool)
        .await
        .expect_err(sql)
        .to_string();
    assert!(
        error.contains("permission denied") || error.contains("must be owner"),
        "{sql}: {error}"
    );
    error
}

#[tokio::test]
async fn the_applications_role_cannot_disable_the_trigger_or_change_the_audit_log() {
    let app = spawn_app().await;
    make_history(&app).await;
    let database = database_name(&app.pool).await;
    let pool = app_role_pool(&database).await;
    let (superuser, owner): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, pg_has_role(current_user, (SELECT relowner FROM pg_class
                                                     WHERE oid = 'audit_log'::regclass), 'USAGE')
         FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!superuser && !owner, "the app's role is neither");
    refused(
        &pool,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    )
    .await;
    refused(&pool, "UPDATE audit_log SET action = 'nothing'").await;
    refused(&pool, "DELETE FROM audit_log").await;
    refused(&pool, "TRUNCATE audit_log").await;
    refused(&pool, "DROP TRIGGER audit_log_append_only ON audit_log").await;
    refused(&pool, "SET session_replication_role = replica").await;
    // What it must do still works: the history above (two sign-ins and two sign-outs; the failed
    // sign-in is a security event, not an audit row) was written through this role.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 4);
}

/// As someone with the database but not the server key: disables the trigger, runs `change`,
/// and re-enables it.
async fn tamper(pool: &PgPool, change: impl AsyncFnOnce(&mut sqlx::PgConnection)) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    change(&mut tx).await;
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn audit_verify_finds_an_edited_row_whose_chain_was_recomputed() {
    let app = spawn_app().await;
    make_history(&app).await;
    let database = database_name(&app.pool).await;
    assert!(verify(&database).0);

    tamper(&app.pool, async |tx| {
        let rows: Vec<Row> = audit::store::rows_after(&mut *tx, 0, 100).await.unwrap();
        // The forger edits the third row and recomputes every hash from there on, the way the
        // chain was computed before it was keyed (they do not have the key).
        let mut prev = rows[1].hash.clone();
        for (index, row) in rows.iter().enumerate().skip(2) {
            let mut row = row.clone();
            if index == 2 {
                row.details = "{\"reason\":\"nothing to see\"}".into();
            }
            let hash = audit::chain_hash(None, &audit::row_content(&row, &prev));
            sqlx::query(
                "UPDATE audit_log SET details = $2, prev_hash = $3, hash = $4 WHERE id = $1",
            )
            .bind(row.id)
            .bind(&row.details)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *tx)
            .await
            .unwrap();
            prev = hash;
        }
    })
    .await;

    let third: i64 = sqlx::query_scalar("SELECT id FROM audit_log ORDER BY id OFFSET 2 LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (ok, text) = verify(&database);
    assert!(!ok, "{text}");
    assert!(
        text.contains(&format!("audit row {third} was changed")),
        "{text}"
    );
}

#[tokio::test]
async fn audit_verify_with_the_written_down_head_finds_the_newest_rows_deleted() {
    let app = spawn_app().await;
    make_history(&app).await;
    let database = database_name(&app.pool).await;
    let (ok, head) = run_audit(&database, &["audit", "head"]);
    assert!(ok, "{head}");
    let head = head.trim().to_owned();
    assert_eq!(head.len(), 64, "a SHA-256 in hex: {head}");

    // More activity after the head was written down still verifies against it.
    make_history(&app).await;
    let (ok, text) = run_audit(&database, &["audit", "verify", "--expect-head", &head]);
    assert!(ok, "{text}");

    tamper(&app.pool, async |tx| {
        sqlx::query("DELETE FROM audit_log WHERE id > (SELECT max(id) - 7 FROM audit_log)")
            .execute(&mut *tx)
            .await
            .unwrap();
    })
    .await;
    let (ok, text) = verify(&database);
    assert!(
        ok,
        "without a head, a shortened chain is still a chain: {text}"
    );
    let (ok, text) = run_audit(&database, &["audit", "verify", "--expect-head", &head]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("does not contain the expected head"),
        "{text}"
    );
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

#[tokio::test]
async fn a_server_with_another_key_refuses_the_database() {
    let app = spawn_app().await;
    make_history(&app).await;
    let database = database_name(&app.pool).await;
    assert!(verify(&database).0, "the first key is recorded");
    let output = Command::new(env!("CARGO_BIN_EXE_itf-planner"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", database_url(&database))
        .env("ITF_SECRET_KEY", "22".repeat(32))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        text.contains("first used with another server key"),
        "{text}"
    );
}
