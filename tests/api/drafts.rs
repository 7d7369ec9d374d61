//! Never losing what was typed (issue 13, items 1 and 2): the status question answered with
//! the text form's "Continue" saves the text typed with the answer, and drafts kept on the
//! server: kept by the page's script and by refused saves, offered back from any browser,
//! restored by a read, discarded, and deleted by a save.

use itf_planner::auth::policy::Role;
use itf_planner::clock::Clock;
use time::macros::datetime;

use crate::helpers::{TestApp, TestUser, location, spawn_app, spawn_app_with};
use crate::plans::{lead, officer, save, version_in};

/// An unassigned narrative section no other test here changes: every Kent editor writes it.
const SECTION: &str = "/areas/kent/plans/2014-16/sections/protecting-social-care";
const PLAN: &str = "/areas/kent/plans/2014-16";

async fn section_row(app: &TestApp) -> (String, String, i32) {
    sqlx::query_as(
        "SELECT s.body, s.status::text, s.version FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kent' AND ts.key = 'protecting-social-care'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// `user`'s draft of the section, with the version it was typed on.
async fn draft_of(app: &TestApp, user: &TestUser) -> Option<(String, i32)> {
    sqlx::query_as(
        "SELECT d.body, d.based_on_version FROM section_drafts d
         JOIN plan_sections s ON s.id = d.plan_section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE d.user_id = $1 AND ts.key = 'protecting-social-care'",
    )
    .bind(user.id)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The same person in a second browser.
async fn second_browser(app: &TestApp, user: &TestUser) -> TestApp {
    let browser = app.another_browser();
    browser.sign_in(user).await;
    browser
}

/// Data sharing, assigned by the lead to NHS Ashford CCG: its path.
async fn assign_data_sharing_to_ashford(app: &TestApp, lead: &TestApp) -> &'static str {
    let section = "/areas/kent/plans/2014-16/sections/data-sharing";
    let ashford: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind("NHS Ashford CCG")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let assigned = lead
        .post_form(
            &format!("{section}/assign"),
            &[("organisation", &ashford.to_string())],
        )
        .await;
    assert_eq!(assigned.status(), 303);
    section
}

/// What the section page's one form sends when "Continue" is pressed: the token, the version,
/// the text in the box and the answer.
async fn answer_with_text(
    browser: &TestApp,
    text: &str,
    version: &str,
    completed: &str,
) -> reqwest::Response {
    browser
        .post_form(
            &format!("{SECTION}/status"),
            &[
                ("version", version),
                ("text", text),
                ("completed", completed),
            ],
        )
        .await
}

async fn keep_draft(browser: &TestApp, text: &str, version: &str) -> reqwest::Response {
    browser
        .post_form(
            &format!("{SECTION}/draft"),
            &[("text", text), ("version", version)],
        )
        .await
}

#[tokio::test]
async fn the_status_question_belongs_to_the_text_form_so_continue_sends_the_text() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    assert!(page.contains("id=\"section-text\""), "{page}");
    for radio in ["id=\"completed\"", "id=\"completed-no\""] {
        let tag = &page[page.find(radio).unwrap()..];
        let tag = &tag[..tag.find('>').unwrap()];
        assert!(tag.contains("form=\"section-text\""), "{tag}");
    }
    assert!(
        page.contains(&format!(
            "form=\"section-text\" formaction=\"{SECTION}/status\">Continue</button>"
        )),
        "Continue submits the text form to the status address: {page}"
    );
    assert!(
        !page.contains(&format!("method=\"post\" action=\"{SECTION}/status\"")),
        "no second form to lose the text in"
    );
    // Someone who answers but may not write the text (the lead, on a section assigned to
    // another organisation) keeps a form of its own.
    let lead = lead(&app).await;
    let data_sharing = assign_data_sharing_to_ashford(&app, &lead).await;
    let page = lead.get_html(data_sharing).await;
    assert!(page.contains(&format!(
        "method=\"post\" action=\"{data_sharing}/status\" id=\"section-text\""
    )));
    assert!(!page.contains("name=\"text\""), "no text box in it");
}

#[tokio::test]
async fn typed_text_with_yes_and_continue_is_saved_with_the_answer() {
    let app = spawn_app().await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    keep_draft(&browser, "Half a sentence", &version).await;
    let typed = "Social care keeps its £135m, protected in the section 75 agreement.";
    let response = answer_with_text(&browser, typed, &version, "yes").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("{PLAN}?done=saved-sent-for-review")
    );
    let (body, status, _) = section_row(&app).await;
    assert_eq!(body, typed, "the text typed was saved");
    assert_eq!(status, "ready_for_review", "and the answer recorded");
    let actions = app.audit_actions().await;
    assert_eq!(
        actions[actions.len() - 2..],
        ["section.saved", "section.status_changed"]
    );
    assert_eq!(
        draft_of(&app, &user).await,
        None,
        "the save deleted the draft"
    );
    let tasks = browser.get_html(&location(&response)).await;
    assert!(tasks.contains(
        "Your changes have been saved and the section has been sent to your area lead for review"
    ));

    // The lead's yes completes it, with their changes saved first.
    let lead = lead(&app).await;
    let page = lead.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let edited = format!("{typed} Agreed by the board.");
    let response = answer_with_text(&lead, &edited, &version, "yes").await;
    assert_eq!(response.status(), 303);
    assert_eq!(section_row(&app).await.0, edited);
    assert_eq!(section_row(&app).await.1, "completed");
}

#[tokio::test]
async fn answering_with_the_text_unchanged_changes_only_the_status() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    assert_eq!(
        save(&browser, SECTION, "Written earlier.").await.status(),
        303
    );
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let before = section_row(&app).await;
    let response = answer_with_text(&browser, "Written earlier.", &version, "no").await;
    assert_eq!(location(&response), format!("{PLAN}?done=in-progress"));
    let after = section_row(&app).await;
    assert_eq!((after.0, after.2), (before.0, before.2), "no new revision");
    assert_eq!(after.1, "in_progress");
    // Unchanged from what the page showed, though someone saved since: only the answer.
    let other = officer(&app, "NHS Ashford CCG").await.0;
    assert_eq!(
        save(&other, SECTION, "Ashford's rewrite.").await.status(),
        303
    );
    let response = answer_with_text(&browser, "Written earlier.", &version, "yes").await;
    assert_eq!(location(&response), format!("{PLAN}?done=sent-for-review"));
    let now = section_row(&app).await;
    assert_eq!(now.0, "Ashford's rewrite.", "their text stands");
    assert_eq!(now.1, "ready_for_review");
}

#[tokio::test]
async fn answering_over_someone_elses_save_shows_the_conflict_and_keeps_the_text() {
    let app = spawn_app().await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let other = officer(&app, "NHS Ashford CCG").await.0;
    assert_eq!(
        save(&other, SECTION, "Ashford got there first.")
            .await
            .status(),
        303
    );
    let typed = "My own paragraph on the protected £135m.";
    let response = answer_with_text(&browser, typed, &version, "yes").await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("My own paragraph on the protected £135m."),
        "{body}"
    );
    let (text, status, _) = section_row(&app).await;
    assert_eq!(
        (text.as_str(), status.as_str()),
        ("Ashford got there first.", "in_progress")
    );
    assert_eq!(
        draft_of(&app, &user).await,
        Some((typed.to_owned(), version.parse().unwrap())),
        "kept as a draft, on the version it was typed on"
    );
}

#[tokio::test]
async fn answering_after_the_lead_completed_keeps_the_text_and_the_completion() {
    let app = spawn_app().await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let lead = lead(&app).await;
    let completed = lead
        .post_form(&format!("{SECTION}/status"), &[("completed", "yes")])
        .await;
    assert_eq!(completed.status(), 303);
    let typed = "A late paragraph & more.";
    let response = answer_with_text(&browser, typed, &version, "no").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("This section is completed"), "{body}");
    assert!(body.contains("A late paragraph &#38; more."), "{body}");
    assert_eq!(section_row(&app).await.1, "completed", "not undone");
    assert_eq!(
        draft_of(&app, &user).await.map(|d| d.0),
        Some(typed.to_owned())
    );
    // No answer chosen: the text comes back in the box.
    let reopened = lead.post_form(&format!("{SECTION}/reopen"), &[]).await;
    assert_eq!(reopened.status(), 303);
    let response = answer_with_text(&browser, "Still typing", &version, "").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Select whether you have completed this section"));
    assert!(body.contains("Still typing"), "{body}");
    assert_eq!(
        draft_of(&app, &user).await.map(|d| d.0),
        Some("Still typing".to_owned())
    );
}

#[tokio::test]
async fn a_refused_save_keeps_the_text_as_a_draft_offered_back_in_another_browser() {
    let clock = Clock::fixed(datetime!(2027-06-01 09:42 UTC));
    let app = spawn_app_with(&[], clock.clone()).await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    // A form out of date (its version unreadable): 422, the text kept.
    let typed = "Our draft on protecting <social care>.";
    let response = browser
        .post_form(SECTION, &[("text", typed), ("version", "x")])
        .await;
    assert_eq!(response.status(), 422);
    let (saved_text, _, version) = section_row(&app).await;
    assert_eq!(
        draft_of(&app, &user).await,
        Some((typed.to_owned(), version))
    );
    clock.advance(time::Duration::hours(2));

    let elsewhere = second_browser(&app, &user).await;
    let page = elsewhere.get_html(SECTION).await;
    assert!(
        page.contains("You have unsaved changes from 10:42."),
        "the time in UK time: {page}"
    );
    assert!(page.contains(&format!("href=\"{SECTION}?draft=restore#text\"")));
    assert!(page.contains(&format!("action=\"{SECTION}/draft/discard\"")));
    assert!(!page.contains("changed since you started"));
    // The box still holds the saved text until the draft is restored.
    assert!(!page.contains("Our draft on protecting &#60;social care&#62;."));

    let restored = elsewhere
        .get_html(&format!("{SECTION}?draft=restore"))
        .await;
    assert!(restored.contains("Your unsaved changes from 10:42 are in the edit box below"));
    assert!(
        restored.contains("Our draft on protecting &#60;social care&#62;.</textarea>"),
        "{restored}"
    );
    assert_eq!(version_in(&restored, SECTION), version.to_string());
    assert_eq!(
        section_row(&app).await.0,
        saved_text,
        "restoring is only a read"
    );
    assert!(draft_of(&app, &user).await.is_some(), "and keeps the draft");

    // Someone else's save meanwhile: the banner says so, and saving the restored text goes
    // through the conflict page.
    let other = officer(&app, "NHS Ashford CCG").await.0;
    assert_eq!(
        save(&other, SECTION, "Ashford's version.").await.status(),
        303
    );
    let page = elsewhere.get_html(SECTION).await;
    assert!(
        page.contains("The section has been changed since you started them."),
        "{page}"
    );
    let restored = elsewhere
        .get_html(&format!("{SECTION}?draft=restore"))
        .await;
    let stale = version_in(&restored, SECTION);
    assert_eq!(stale, version.to_string());
    let response = elsewhere
        .post_form(SECTION, &[("text", typed), ("version", &stale)])
        .await;
    assert_eq!(response.status(), 409);
    assert_eq!(section_row(&app).await.0, "Ashford's version.");
    assert!(draft_of(&app, &user).await.is_some(), "a 409 keeps it too");
}

#[tokio::test]
async fn a_kept_draft_is_discarded_or_deleted_by_a_save_and_writes_no_audit_row() {
    let app = spawn_app().await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let before = audit_rows(&app).await;
    for text in ["First words", "First words and more"] {
        let kept = keep_draft(&browser, text, &version).await;
        assert_eq!(kept.status(), 204);
    }
    assert_eq!(audit_rows(&app).await, before, "drafts are not audited");
    assert_eq!(
        draft_of(&app, &user).await,
        Some(("First words and more".to_owned(), version.parse().unwrap()))
    );
    let page = browser.get_html(SECTION).await;
    assert!(page.contains("You have unsaved changes from"));

    let discarded = browser
        .post_form(&format!("{SECTION}/draft/discard"), &[])
        .await;
    assert_eq!(
        location(&discarded),
        format!("{SECTION}?done=draft-discarded")
    );
    assert_eq!(draft_of(&app, &user).await, None);
    let page = browser.get_html(&location(&discarded)).await;
    assert!(page.contains("Your unsaved changes have been discarded"));
    assert!(!page.contains("You have unsaved changes from"));

    // Kept again, then saved: the save deletes it.
    assert_eq!(
        keep_draft(&browser, "Saved words", &version).await.status(),
        204
    );
    assert_eq!(save(&browser, SECTION, "Saved words").await.status(), 303);
    assert_eq!(draft_of(&app, &user).await, None);
    // A draft equal to the saved text is nothing unsaved: none is kept.
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    assert_eq!(
        keep_draft(&browser, "Saved words", &version).await.status(),
        204
    );
    assert_eq!(draft_of(&app, &user).await, None);
    assert!(!browser.get_html(SECTION).await.contains("unsaved changes"));
}

#[tokio::test]
async fn nobody_else_sees_a_persons_draft() {
    let app = spawn_app().await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    assert_eq!(
        keep_draft(&browser, "Private thoughts", &version)
            .await
            .status(),
        204
    );
    assert!(draft_of(&app, &user).await.is_some());
    let (colleague, _) = officer(&app, "Kent County Council").await;
    let page = colleague.get_html(SECTION).await;
    assert!(!page.contains("unsaved changes"));
    let restored = colleague
        .get_html(&format!("{SECTION}?draft=restore"))
        .await;
    assert!(!restored.contains("Private thoughts"));
    // An officer whose organisation does not write a section keeps no draft of it.
    let assigned_elsewhere = assign_data_sharing_to_ashford(&app, &lead(&app).await).await;
    let refused = browser
        .post_form(
            &format!("{assigned_elsewhere}/draft"),
            &[("text", "Not mine to write"), ("version", "0")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    let role_check = app
        .create_user(Role::Signatory, Some("kent"), "Kent County Council")
        .await;
    let signatory = second_browser(&app, &role_check).await;
    let refused = signatory
        .post_form(
            &format!("{SECTION}/draft"),
            &[("text", "Not mine to write"), ("version", "0")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM section_drafts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "only the officer's own");
}

#[tokio::test]
async fn a_draft_is_limited_as_the_text_is() {
    let app = spawn_app().await;
    let (browser, user) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let at_limit = "é".repeat(100_000);
    assert_eq!(
        keep_draft(&browser, &at_limit, &version).await.status(),
        204
    );
    let over = "a".repeat(100_001);
    let refused = keep_draft(&browser, &over, &version).await;
    assert_eq!(refused.status(), 422);
    let message = refused.text().await.unwrap();
    assert!(message.contains("100,000 characters or fewer"), "{message}");
    let huge = "a".repeat(3 * 1024 * 1024);
    assert_eq!(keep_draft(&browser, &huge, &version).await.status(), 413);
    assert_eq!(keep_draft(&browser, "text", "").await.status(), 422);
    assert_eq!(
        draft_of(&app, &user).await.map(|d| d.0.chars().count()),
        Some(100_000),
        "the last draft kept stands"
    );
}
