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

// --- the audit log page ------------------------------------------------------------------------

mod page {
    use itf_planner::audit::{self, Actor, Event};
    use itf_planner::auth::policy::Role;
    use serde_json::json;
    use time::OffsetDateTime;
    use time::macros::datetime;

    use crate::helpers::{TestApp, TestUser, post_and_expect_redirect, signed_in_admin};
    use crate::query_count::{self, queries};

    /// Appends `event` at `at`, as a change made then would have.
    async fn record(app: &TestApp, at: OffsetDateTime, event: Event) {
        let mut tx = app.pool.begin().await.unwrap();
        audit::store::append(&mut tx, at, &event).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// `text` as the page's templates escape it.
    fn escaped(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;")
    }

    /// A change line as the page shows it: "field: before → after".
    fn change(field: &str, before: &str, after: &str) -> String {
        format!(
            "{field}: {before} <span aria-hidden=\"true\">→</span><span class=\"govuk-visually-hidden\">changed to</span> {after}</li>"
        )
    }

    async fn kent_id(app: &TestApp) -> i64 {
        sqlx::query_scalar("SELECT id FROM areas WHERE slug = 'kent'")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    }

    /// Kent's first risk: its id, number and title.
    async fn kent_risk(app: &TestApp) -> (i64, i32, String) {
        sqlx::query_as(
            "SELECT r.id, r.number, v.content ->> 'title'
             FROM risks r JOIN areas a ON a.id = r.area_id
             JOIN risk_versions v ON v.risk_id = r.id AND v.version = r.version
             WHERE a.slug = 'kent' ORDER BY r.number LIMIT 1",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    }

    /// Kent's 2014-16 plan's section `key`: its id and title.
    async fn kent_section(app: &TestApp, key: &str) -> (i64, String) {
        sqlx::query_as(
            "SELECT s.id, ts.title FROM plan_sections s
             JOIN template_sections ts ON ts.id = s.template_section_id
             JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
             JOIN templates t ON t.id = p.template_id
             WHERE a.slug = 'kent' AND t.key = '2014-16' AND ts.key = $1",
        )
        .bind(key)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    }

    /// Kent's 2014-16 plan's first scheme: its id, number and name.
    async fn kent_scheme(app: &TestApp) -> (i64, i32, String) {
        sqlx::query_as(
            "SELECT sc.id, sc.number, sc.name FROM schemes sc
             JOIN plans p ON p.id = sc.plan_id JOIN areas a ON a.id = p.area_id
             JOIN templates t ON t.id = p.template_id
             WHERE a.slug = 'kent' AND t.key = '2014-16' ORDER BY sc.number LIMIT 1",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    }

    /// An officer of Kent County Council in Kent, who then changes a risk, a section's status
    /// and a scheme (recorded as those pages record them).
    async fn officer_changes_things(app: &TestApp) -> TestUser {
        let officer = app
            .create_user(Role::Officer, Some("kent"), "Kent County Council")
            .await;
        let kent = kent_id(app).await;
        let who = || Actor::user(officer.id.get(), &officer.email);
        let (risk_id, _, _) = kent_risk(app).await;
        let (section_id, _) = kent_section(app, "vision").await;
        let (scheme_id, _, _) = kent_scheme(app).await;
        let now = app.clock.now();
        record(
            app,
            now,
            Event::new(who(), "risk.updated", "risk")
                .target(risk_id)
                .area(kent)
                .details(json!({ "reference": "R-01", "version": 2, "changed": ["Controls"] })),
        )
        .await;
        record(
            app,
            now,
            Event::new(who(), "section.status_changed", "plan_section")
                .target(section_id)
                .area(kent)
                .details(json!({
                    "section": "vision", "before": "In progress", "after": "Completed",
                })),
        )
        .await;
        record(
            app,
            now,
            Event::new(who(), "scheme.changed", "scheme")
                .target(scheme_id)
                .area(kent)
                .details(json!({
                    "plan": "2014-16", "scheme": "S1", "version": 2,
                    "changes": [{ "field": "Provider", "before": "Age UK", "after": "Carers First" }],
                })),
        )
        .await;
        officer
    }

    #[tokio::test]
    async fn entries_name_who_acted_and_what_changed_with_links_and_readable_changes() {
        let (app, admin) = signed_in_admin().await;
        let officer = officer_changes_things(&app).await;
        let kent = kent_id(&app).await.to_string();
        post_and_expect_redirect(
            &app,
            &format!("/admin/users/{}/grants", officer.id),
            &[("role", "signatory"), ("area", &kent)],
            &format!("/admin/users/{}?done=grant-added", officer.id),
        )
        .await;

        let page = app.get_html("/admin/audit").await;
        // People by name, linked to their accounts: the administrator who acted, the officer
        // who acted and whose account was changed.
        assert!(page.contains(&format!(
            "<a class=\"govuk-link\" href=\"/admin/users/{}\">Test Administrator</a>",
            admin.id
        )));
        let officer_link = format!(
            "<a class=\"govuk-link\" href=\"/admin/users/{}\">Test Officer</a>",
            officer.id
        );
        assert!(
            page.matches(&officer_link).count() >= 4,
            "actor three times, target once"
        );
        // The things changed, by name, linked to their pages.
        let (_, number, title) = kent_risk(&app).await;
        assert!(page.contains(&format!(
            "href=\"/areas/kent/risks/{number}\">R-{number:02} {}</a>",
            escaped(&title)
        )));
        let (_, section_title) = kent_section(&app, "vision").await;
        assert!(page.contains(&format!(
            "href=\"/areas/kent/plans/2014-16/sections/vision\">{}</a>",
            escaped(&section_title)
        )));
        let (_, scheme_number, scheme_name) = kent_scheme(&app).await;
        assert!(page.contains(&format!(
            "href=\"/areas/kent/plans/2014-16/schemes/{scheme_number}\">S{scheme_number} {}</a>",
            escaped(&scheme_name)
        )));
        assert!(page.contains("<a class=\"govuk-link\" href=\"/admin/areas/kent\">Kent</a>"));
        // What changed, as "field: before → after", not JSON; the record as stored beside it.
        assert!(page.contains(&change("Status", "In progress", "Completed")));
        assert!(page.contains(&change("Provider", "Age UK", "Carers First")));
        assert!(page.contains("Role: signatory</li>") && page.contains("Area: kent</li>"));
        assert!(page.contains("<strong>Grant added</strong>"));
        assert!(page.contains("Record as stored"));
        assert!(page.contains("<code>section.status_changed</code>"));
        assert!(
            !page.contains("<li>Before:"),
            "before/after are not fields of their own"
        );
        // Each thing's history is a link away.
        assert!(page.contains(&format!(
            "href=\"/admin/audit?kind=user&#38;id={}\"",
            officer.id
        )));
    }

    #[tokio::test]
    async fn times_say_gmt_or_bst_as_the_clocks_were_that_day_and_days_are_uk_days() {
        let (app, _admin) = signed_in_admin().await;
        let note = |n: u32| Event::new(Actor::System, "test.timed", "test").target(format!("t{n}"));
        record(&app, datetime!(2014-02-15 09:05 UTC), note(1)).await;
        record(&app, datetime!(2014-07-01 23:30 UTC), note(2)).await;
        let page = app.get_html("/admin/audit").await;
        assert!(page.contains("15 February 2014 at 9:05am GMT</time>"));
        assert!(page.contains("2 July 2014 at 12:30am BST</time>"));
        assert!(page.contains("datetime=\"2014-07-01T23:30:00Z\""));
        assert!(!page.contains("UTC"));

        // 23:30 UTC on 1 July was 00:30 on 2 July in the UK: it belongs to 2 July.
        let second = app
            .get_html("/admin/audit?from=2014-07-02&to=2014-07-02")
            .await;
        assert!(second.contains("Test t2<") && !second.contains("Test t1<"));
        let first = app
            .get_html("/admin/audit?from=2014-07-01&to=2014-07-01")
            .await;
        assert!(!first.contains("Test t2<"));
        let winter = app.get_html("/admin/audit?to=2014-02-15").await;
        assert!(winter.contains("Test t1<") && !winter.contains("Test t2<"));
        let none = app.get_html("/admin/audit?to=2014-02-14").await;
        assert!(none.contains("No entries match these filters."));
    }

    #[tokio::test]
    async fn filters_by_person_and_thing_are_kept_in_the_query_string_and_the_next_page() {
        let (app, admin) = signed_in_admin().await;
        let officer = officer_changes_things(&app).await;
        let (section_id, _) = kent_section(&app, "vision").await;

        let theirs = app
            .get_html(&format!("/admin/audit?user={}", officer.email))
            .await;
        assert!(theirs.contains("Risk updated") && theirs.contains("Section status changed"));
        assert!(
            !theirs.contains("Session signed in"),
            "the administrator's sign-in is not theirs"
        );
        assert!(
            theirs.contains(&format!("value=\"{}\"", officer.email)),
            "kept"
        );
        let admins = app
            .get_html(&format!("/admin/audit?user={}", admin.email))
            .await;
        assert!(!admins.contains("Risk updated"));

        let risks = app.get_html("/admin/audit?kind=risk").await;
        assert!(risks.contains("Risk updated") && !risks.contains("Scheme changed"));
        assert!(risks.contains("value=\"risk\" selected"));
        let one = app
            .get_html(&format!("/admin/audit?kind=plan_section&id={section_id}"))
            .await;
        assert!(one.contains("Section status changed") && !one.contains("Risk updated"));
        assert!(one.contains(&format!(
            "id=\"id\" name=\"id\" type=\"text\" value=\"{section_id}\""
        )));
        let other = app
            .get_html(&format!(
                "/admin/audit?kind=plan_section&id={}",
                section_id + 1_000_000
            ))
            .await;
        assert!(other.contains("No entries match these filters."));

        // Paging keeps the filters, and stays bounded at 50 a page.
        let kent = kent_id(&app).await;
        let (risk_id, _, _) = kent_risk(&app).await;
        let mut tx = app.pool.begin().await.unwrap();
        for n in 0..55 {
            audit::store::append(
                &mut tx,
                app.clock.now(),
                &Event::new(Actor::System, "risk.reviewed", "risk")
                    .target(risk_id)
                    .area(kent)
                    .details(json!({ "n": n })),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let first = app.get_html("/admin/audit?kind=risk").await;
        assert_eq!(first.matches("<strong>Risk reviewed</strong>").count(), 50);
        let marker = "href=\"/admin/audit?kind=risk&#38;before=";
        let start = first.find(marker).expect("older entries, still of risks") + "href=\"".len();
        let end = first[start..].find('"').unwrap();
        let older = app
            .get_html(&first[start..start + end].replace("&#38;", "&"))
            .await;
        assert_eq!(older.matches("<strong>Risk reviewed</strong>").count(), 5);
        assert!(older.contains("Risk updated") && !older.contains("Scheme changed"));
        assert!(
            older.contains("href=\"/admin/audit?kind=risk\""),
            "newest, still filtered"
        );

        for (query, message) in [
            ("kind=nonsense", "Choose a kind of thing from the list"),
            ("id=12", "Choose the kind of thing this id belongs to"),
        ] {
            let response = app.get(&format!("/admin/audit?{query}")).await;
            assert_eq!(response.status(), 422, "{query}");
            assert!(response.text().await.unwrap().contains(message), "{query}");
        }
    }

    #[tokio::test]
    async fn a_date_that_does_not_exist_is_refused_next_to_its_field_and_kept() {
        let (app, _admin) = signed_in_admin().await;
        let response = app.get("/admin/audit?from=2026-13-45&to=2026-01-31").await;
        assert_eq!(response.status(), 422);
        let body = response.text().await.unwrap();
        assert!(body.contains("There is a problem"));
        assert!(body.contains("<a href=\"#from\">Enter a real date in the format YYYY-MM-DD"));
        assert!(body.contains(
            "<p id=\"from-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> Enter a real date in the format YYYY-MM-DD, like 2014-02-15</p>"
        ));
        assert!(body.contains("value=\"2026-13-45\"") && body.contains("value=\"2026-01-31\""));
        assert!(!body.contains("to-error"), "only the bad date is refused");
        assert!(
            !body.contains("id=\"audit-log\""),
            "no entries under a refused filter"
        );
    }

    #[tokio::test]
    async fn the_page_runs_as_many_queries_for_fifty_entries_of_every_kind_as_for_one() {
        query_count::install();
        let (app, _admin) = signed_in_admin().await;
        let one = queries(&app, "/admin/audit").await;
        for _ in 0..5 {
            officer_changes_things(&app).await;
        }
        let kent = kent_id(&app).await;
        let now = app.clock.now();
        for (kind, id) in [
            ("area", kent.to_string()),
            ("organisation", "1".to_owned()),
            ("plan", "1".to_owned()),
            ("contribution", "1:1".to_owned()),
            ("comment", "1".to_owned()),
            ("funding", "1:1:2014-15".to_owned()),
            ("signoff_round", "1".to_owned()),
            ("template", "1".to_owned()),
            ("local_deadline", "1".to_owned()),
            ("mail", "1".to_owned()),
        ] {
            for _ in 0..4 {
                record(
                    &app,
                    now,
                    Event::new(Actor::System, "test.kinds", kind).target(id.clone()),
                )
                .await;
            }
        }
        let page = app.get_html("/admin/audit").await;
        assert_eq!(
            page.matches("<tr class=\"govuk-table__row\">").count(),
            51,
            "50 and the head"
        );
        let many = queries(&app, "/admin/audit").await;
        assert_eq!(one, many, "queries for 1 entry and for 50");
    }
}
