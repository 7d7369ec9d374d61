//! Faults while drafting: the database failing under a save, and NUL characters typed or sent
//! in text, searches and addresses. Never a 500, and never the text lost.

use crate::helpers::{TestApp, spawn_app};
use crate::plans::{CASE, VISION, officer, version_in};

/// Makes every change to a section's row fail as a database shutting down does (SQLSTATE
/// 57P01), as if the server went away in the middle of the save.
async fn break_section_saves(app: &TestApp) {
    sqlx::raw_sql(
        "CREATE FUNCTION test_shutting_down() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             RAISE EXCEPTION 'terminating connection due to administrator command'
                 USING ERRCODE = 'admin_shutdown';
         END $$;
         CREATE TRIGGER test_shutting_down BEFORE UPDATE ON plan_sections
             FOR EACH ROW EXECUTE FUNCTION test_shutting_down();",
    )
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_save_while_the_database_fails_answers_503_with_the_text_typed() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let page = browser.get_html(VISION).await;
    let version = version_in(&page, VISION);
    break_section_saves(&app).await;
    let typed = "Our vision: care closer to home, \"joined up\" & <b>seven days</b> a week.";
    let response = browser
        .post_form(VISION, &[("text", typed), ("version", &version)])
        .await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body = response.text().await.unwrap();
    assert!(body.contains("Sorry, the service is unavailable"), "{body}");
    assert!(
        body.contains(
            "Our vision: care closer to home, &#34;joined up&#34; &#38; &#60;b&#62;seven days&#60;/b&#62; a week."
        ),
        "the text typed is shown back: {body}"
    );
    assert!(
        body.contains("Signed in as") || body.contains("Sign out"),
        "with the person's navigation"
    );

    // A contribution saved while the database fails keeps its text the same way.
    let thanet: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind("NHS Thanet CCG")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let action = format!("{CASE}/contributions/{thanet}");
    let page = browser.get_html(CASE).await;
    let version = version_in(&page, &action);
    let response = browser
        .post_form(
            &action,
            &[
                ("contribution_text", "Thanet's falls service"),
                ("contribution_version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), 503);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Thanet&#39;s falls service")
    );
}

#[tokio::test]
async fn a_save_when_the_database_is_gone_answers_503_with_the_text_typed() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let page = browser.get_html(VISION).await;
    let version = version_in(&page, VISION);
    let token = browser.csrf_token().await;
    // Every connection gone: even the session cannot be looked up.
    app.app_pool.close().await;
    let response = browser
        .post_raw(
            VISION,
            &[
                ("csrf_token", &token),
                ("text", "Written while the database was down"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Written while the database was down"),
        "{body}"
    );
    assert!(!body.contains(&token), "the token is not shown back");
}

/// What the page shows back must be the text typed, without the NUL.
fn assert_refused_with_text(status: u16, body: &str, kept: &str) {
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Your text could not be saved"), "{body}");
    assert!(body.contains(kept), "the text is kept: {body}");
    assert!(!body.contains('\0'));
}

#[tokio::test]
async fn nul_characters_in_text_comments_searches_and_addresses_never_give_a_500() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;

    let page = browser.get_html(VISION).await;
    let version = version_in(&page, VISION);
    let response = browser
        .post_form(VISION, &[("text", "Care\0 at home"), ("version", &version)])
        .await;
    let status = response.status().as_u16();
    assert_refused_with_text(status, &response.text().await.unwrap(), "Care at home");

    let thanet: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind("NHS Thanet CCG")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let action = format!("{CASE}/contributions/{thanet}");
    let page = browser.get_html(CASE).await;
    let version = version_in(&page, &action);
    let response = browser
        .post_form(
            &action,
            &[
                ("contribution_text", "Falls\0 service"),
                ("contribution_version", &version),
            ],
        )
        .await;
    let status = response.status().as_u16();
    assert_refused_with_text(status, &response.text().await.unwrap(), "Falls service");

    let response = browser
        .post_form(
            &format!("{VISION}/comments"),
            &[("body", "Is this\0 agreed?")],
        )
        .await;
    let status = response.status().as_u16();
    assert_refused_with_text(status, &response.text().await.unwrap(), "Is this agreed?");

    let response = browser.get("/areas/kent/search?q=care%00home").await;
    let status = response.status().as_u16();
    assert_refused_with_text(status, &response.text().await.unwrap(), "carehome");

    for path in [
        "/areas/kent/plans/2014-16/sections/vis%00ion",
        "/areas/kent/plans/2014-16/sections/vision/history?organisation=%00",
    ] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), 400, "{path}");
    }

    let saved: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM revisions WHERE body LIKE '%Care%at home%' OR body LIKE 'Falls%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(saved, 0, "nothing was saved");
}
