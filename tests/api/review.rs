//! Reviewing properly and writing together (issue 13, items 4 to 8): "changed since it was sent
//! for review" with the difference, a lead's "yes" refused when the section changed after they
//! opened it (also under a race with a partner's save), sending back with a comment, no answer
//! pre-selected, status changes in the history, specific banners, partners counted; the Markdown
//! preview; comments with times, quotes and resolved threads collapsed; search linking to the
//! comment; who else is on the page; staying signed in.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, location, spawn_app};
use crate::plans::{CASE, lead, officer, save, version_in};

const PLAN: &str = "/areas/kent/plans/2014-16";
/// An unassigned narrative section the demo leaves not started.
const SECTION: &str = "/areas/kent/plans/2014-16/sections/alignment";

/// The content revision the page's status question carries.
fn seen_in(page: &str) -> String {
    let marker = "name=\"seen\" value=\"";
    let start = page.find(marker).expect("a seen field") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

async fn status_of(app: &TestApp, key: &str) -> String {
    sqlx::query_scalar(
        "SELECT s.status::text FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kent' AND ts.key = $1",
    )
    .bind(key)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn answer(browser: &TestApp, section: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser
        .post_form(&format!("{section}/status"), fields)
        .await
}

/// The radio inputs of the status question, as written in the page.
fn radios(page: &str) -> Vec<&str> {
    ["id=\"completed\"", "id=\"completed-no\""]
        .iter()
        .map(|id| {
            let tag = &page[page.find(id).unwrap()..];
            &tag[..tag.find('>').unwrap()]
        })
        .collect()
}

#[tokio::test]
async fn a_lead_sees_what_changed_since_review_and_cannot_complete_what_they_did_not_see() {
    let app = spawn_app().await;
    let (writer, _) = officer(&app, "NHS Thanet CCG").await;
    let lead = lead(&app).await;
    assert_eq!(save(&writer, SECTION, "First words.").await.status(), 303);
    let sent = answer(&writer, SECTION, &[("completed", "yes")]).await;
    assert_eq!(location(&sent), format!("{PLAN}?done=sent-for-review"));
    let tasks = writer.get_html(&location(&sent)).await;
    assert!(
        tasks.contains("The section has been sent to your area lead for review"),
        "a banner says what changed"
    );

    let page = lead.get_html(SECTION).await;
    assert!(page.contains("Sent for review by"), "{page}");
    assert!(!page.contains("Changed since it was sent for review"));
    for radio in radios(&page) {
        assert!(
            !radio.contains("checked"),
            "no answer pre-selected: {radio}"
        );
    }
    assert!(page.contains("Yes, I've reviewed it and it is complete"));
    assert!(page.contains("No, send it back for changes"));
    let seen_before = seen_in(&page);

    // The writer changes it while it waits for review.
    assert_eq!(
        save(&writer, SECTION, "First words, and second thoughts.")
            .await
            .status(),
        303
    );
    assert_eq!(status_of(&app, "alignment").await, "ready_for_review");
    let refused = answer(
        &lead,
        SECTION,
        &[("completed", "yes"), ("seen", &seen_before)],
    )
    .await;
    assert_eq!(refused.status(), 422, "the lead opened an older text");
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("The section was not completed"),
        "{refused}"
    );
    assert!(refused.contains("Changed since it was sent for review"));
    assert!(
        refused.contains("second thoughts"),
        "the difference is shown: {refused}"
    );
    assert_eq!(status_of(&app, "alignment").await, "ready_for_review");

    let page = lead.get_html(SECTION).await;
    let done = answer(
        &lead,
        SECTION,
        &[("completed", "yes"), ("seen", &seen_in(&page))],
    )
    .await;
    assert_eq!(location(&done), format!("{PLAN}?done=completed"));
    assert_eq!(status_of(&app, "alignment").await, "completed");

    let history = lead.get_html(&format!("{SECTION}/history")).await;
    let changes = &history[history.find("Status changes").unwrap()..];
    let ready = changes.find("In progress → Ready for review").unwrap();
    let completed = changes.find("Ready for review → Completed").unwrap();
    assert!(completed < ready, "newest first: {changes}");
}

#[tokio::test]
async fn a_lead_sends_a_section_back_with_a_comment_and_its_writer_is_told() {
    let app = spawn_app().await;
    let (writer, writer_user) = officer(&app, "NHS Thanet CCG").await;
    let lead = lead(&app).await;
    save(&writer, SECTION, "Draft alignment.").await;
    answer(&writer, SECTION, &[("completed", "yes")]).await;

    let refused = answer(
        &lead,
        SECTION,
        &[("completed", "no"), ("review_comment", "  ")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("Say what needs changing before you send the section back"));
    assert!(
        refused.contains("id=\"review-comment-error\""),
        "by its field"
    );
    assert_eq!(status_of(&app, "alignment").await, "ready_for_review");

    let sent_back = answer(
        &lead,
        SECTION,
        &[
            ("completed", "no"),
            (
                "review_comment",
                "Say how the BCF aligns with the CCG's 5-year plan.",
            ),
        ],
    )
    .await;
    assert_eq!(location(&sent_back), format!("{PLAN}?done=sent-back"));
    assert_eq!(status_of(&app, "alignment").await, "in_progress");
    let page = writer.get_html(SECTION).await;
    assert!(
        page.contains("Say how the BCF aligns with the CCG&#39;s 5-year plan.")
            || page.contains("Say how the BCF aligns with the CCG's 5-year plan."),
        "the comment is on the section: {page}"
    );
    let told: Vec<String> =
        sqlx::query_scalar("SELECT title FROM notices WHERE user_id = $1 AND kind = 'assignment'")
            .bind(writer_user.id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("back for changes"), "{told:?}");
    let history = writer.get_html(&format!("{SECTION}/history")).await;
    assert!(history.contains("Ready for review → In progress"));
    assert!(history.contains("Sent back: Say how the BCF aligns"));
    assert!(
        app.audit_actions()
            .await
            .contains(&"section.status_changed".to_owned())
    );
}

#[tokio::test]
async fn partners_are_counted_the_readers_own_first_and_the_lead_warned_of_those_missing() {
    let app = spawn_app().await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    let page = thanet.get_html(CASE).await;
    let count = &page[page.find("id=\"contribution-count\"").unwrap()..];
    let count = &count[..count.find("</p>").unwrap()];
    assert!(
        count.contains("3 of 8 partners have contributed"),
        "{count}"
    );
    let contributions = &page[page.find("class=\"app-contributions\"").unwrap()..];
    let first = contributions.find("<h3").unwrap();
    assert!(
        contributions[first..].starts_with("<h3 class=\"govuk-heading-s\"")
            && contributions[first..first + 200].contains("NHS Thanet CCG"),
        "the reader's organisation first: {}",
        &contributions[first..first + 200]
    );
    assert!(
        !page.contains("id=\"partners-missing\""),
        "officers are not warned"
    );
    let tasks = thanet.get_html(PLAN).await;
    assert!(tasks.contains("3 of 8 partners have contributed"));

    let lead = lead(&app).await;
    let page = lead.get_html(CASE).await;
    let warning = &page[page.find("id=\"partners-missing\"").unwrap()..];
    let warning = &warning[..warning.find("</div>\n").unwrap()];
    assert!(
        warning.contains("5 of 8 partners have not contributed: "),
        "{warning}"
    );
    assert!(warning.contains("NHS West Kent CCG"), "{warning}");
}

#[tokio::test]
async fn a_lead_completing_while_a_partner_saves_never_completes_a_contribution_unseen() {
    let app = spawn_app().await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    let lead = lead(&app).await;
    let thanet_id: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Thanet CCG'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let action = format!("{CASE}/contributions/{thanet_id}");
    let page = lead.get_html(CASE).await;
    let seen = seen_in(&page);
    let version = version_in(&thanet.get_html(CASE).await, &action);
    // Both at once: the partner's save and the lead's "yes" on the page they loaded before it.
    let save_fields = [
        ("contribution_text", "Late figures"),
        ("contribution_version", version.as_str()),
    ];
    let answer_fields = [("completed", "yes"), ("seen", seen.as_str())];
    let (saved, completed) = tokio::join!(
        thanet.post_form(&action, &save_fields),
        answer(&lead, CASE, &answer_fields),
    );
    let (saved, completed) = (saved.status(), completed.status());
    let status = status_of(&app, "case-for-change").await;
    match (saved.as_u16(), completed.as_u16()) {
        // The save came first: the lead is shown the section again, not completed.
        (303, 422) => assert_eq!(status, "in_progress"),
        // The completion came first: the save is refused, the text kept for the partner.
        (422, 303) => assert_eq!(status, "completed"),
        other => panic!("a save and a completion both went through, or neither: {other:?}"),
    }
    // Whatever the order, the recorded completion is of the content the lead saw.
    let recorded: Option<i32> = sqlx::query_scalar(
        "SELECT h.content_version FROM section_status_changes h
         JOIN plan_sections s ON s.id = h.plan_section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE ts.key = 'case-for-change' AND h.to_status = 'completed'",
    )
    .fetch_optional(&app.pool)
    .await
    .unwrap();
    if let Some(recorded) = recorded {
        assert_eq!(recorded.to_string(), seen);
    }
}

#[tokio::test]
async fn the_preview_shows_the_text_typed_as_it_will_look_and_saves_nothing() {
    let app = spawn_app().await;
    let (writer, _) = officer(&app, "NHS Thanet CCG").await;
    save(&writer, SECTION, "Saved words.").await;
    let page = writer.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let typed = "## Our aim\n\n- *joined* up care";
    let response = writer
        .post_form(
            &format!("{SECTION}/preview"),
            &[("text", typed), ("version", &version)],
        )
        .await;
    assert_eq!(response.status(), 200);
    let preview = response.text().await.unwrap();
    assert!(preview.contains("Preview of your text (not saved yet)"));
    let shown = &preview[preview.find("id=\"current-text\"").unwrap()..];
    let shown = &shown[..shown.find("History of changes").unwrap()];
    assert!(shown.contains(">Our aim</h"), "{shown}");
    assert!(shown.contains("<em>joined</em>"), "{shown}");
    assert!(
        !shown.contains("Saved words."),
        "the current text is not shown as well: {shown}"
    );
    assert!(
        preview.contains("## Our aim"),
        "the box keeps what was typed"
    );
    assert_eq!(
        version_in(&preview, SECTION),
        version,
        "the same base version"
    );
    let after = writer.get_html(SECTION).await;
    assert_eq!(version_in(&after, SECTION), version, "nothing saved");

    let inline = writer
        .post_form(
            &format!("{SECTION}/preview?inline=1"),
            &[("text", "**bold**"), ("version", &version)],
        )
        .await;
    assert_eq!(inline.status(), 200);
    let fragment = inline.text().await.unwrap();
    assert!(fragment.contains("<strong>bold</strong></p>"), "{fragment}");
    assert!(!fragment.contains("<html"), "a fragment, not a page");

    let too_long = "x".repeat(100_001);
    let refused = writer
        .post_form(
            &format!("{SECTION}/preview"),
            &[("text", &too_long), ("version", &version)],
        )
        .await;
    assert_eq!(refused.status(), 422);

    let (reader, _) = {
        let browser = app.another_browser();
        let user = app.create_user(Role::Assurer, None, "NHS England").await;
        browser.sign_in(&user).await;
        (browser, user)
    };
    let forbidden = reader
        .post_form(
            &format!("{SECTION}/preview"),
            &[("text", "x"), ("version", &version)],
        )
        .await;
    assert_eq!(forbidden.status(), 403);
}

#[tokio::test]
async fn comments_show_their_time_quote_a_passage_collapse_when_resolved_and_are_found_by_search() {
    let app = spawn_app().await;
    let (writer, _) = officer(&app, "NHS Thanet CCG").await;
    let added = writer
        .post_form(
            &format!("{SECTION}/comments"),
            &[
                ("body", "Is this figure from the 2013 JSNA?"),
                ("quote", "  4,000 fewer admissions  "),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let fragment = location(&added);
    let id = fragment.rsplit("#comment-").next().unwrap().to_owned();
    let page = writer.get_html(SECTION).await;
    let thread = &page[page.find(&format!("id=\"comment-{id}\"")).unwrap()..];
    assert!(thread.contains("<time datetime=\""), "{thread}");
    assert!(thread.contains("Quoting the section: </span>4,000 fewer admissions</p>"));

    let results = writer.get_html("/areas/kent/search?q=JSNA").await;
    assert!(
        results.contains(&format!("/sections/alignment#comment-{id}\"")),
        "{results}"
    );

    let too_long = "q".repeat(2_001);
    let refused = writer
        .post_form(
            &format!("{SECTION}/comments"),
            &[("body", "Kept comment"), ("quote", &too_long)],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("id=\"quote-error\""));
    assert!(refused.contains("Kept comment"), "what was typed is kept");

    writer
        .post_form(&format!("{SECTION}/comments/{id}/resolve"), &[])
        .await;
    let page = writer.get_html(SECTION).await;
    let details = &page[page
        .find(&format!(
            "<details class=\"govuk-details app-comment-resolved\" id=\"comment-{id}\""
        ))
        .expect("a resolved thread is collapsed")..];
    assert!(details.contains("Resolved: comment by"));
}

#[tokio::test]
async fn people_on_the_same_section_see_each_other_and_a_warning_when_someone_types() {
    let app = spawn_app().await;
    let (jo, _) = officer(&app, "NHS Thanet CCG").await;
    let (sam, _) = officer(&app, "Kent County Council").await;
    let page = jo.get_html(SECTION).await;
    assert!(!page.contains("Also on this page now"), "alone at first");
    let page = sam.get_html(SECTION).await;
    assert!(page.contains("Also on this page now"), "Jo has it open");
    assert!(page.contains("NHS Thanet CCG"));
    assert!(!page.contains("id=\"editing-warning\""));

    let typed = jo
        .post_form(&format!("{SECTION}/presence"), &[("editing", "1")])
        .await;
    assert_eq!(typed.status(), 200);
    let panel = sam
        .post_form(&format!("{SECTION}/presence"), &[("editing", "0")])
        .await
        .text()
        .await
        .unwrap();
    assert!(panel.contains("id=\"editing-warning\""), "{panel}");
    assert!(panel.contains("is typing on this page"));
    assert!(!panel.contains("<html"), "a fragment, not a page");

    // Reporting presence is not activity: the session's idle time is not started again.
    let last_seen = || async {
        sqlx::query_scalar::<_, time::OffsetDateTime>("SELECT max(last_seen_at) FROM sessions")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let token = jo.csrf_token().await;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - interval '10 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let before = last_seen().await;
    let reported = jo
        .post_raw(
            &format!("{SECTION}/presence"),
            &[("csrf_token", &token), ("editing", "0")],
        )
        .await;
    assert_eq!(reported.status(), 200);
    assert_eq!(last_seen().await, before);
    let kept = jo
        .post_raw("/session/keep-alive", &[("csrf_token", &token)])
        .await;
    assert_eq!(kept.status(), 204);
    assert!(
        last_seen().await > before,
        "staying signed in starts the idle time again"
    );
    let nobody = app.another_browser();
    assert_eq!(
        nobody.post_form("/session/keep-alive", &[]).await.status(),
        401
    );
}

#[tokio::test]
async fn two_leads_sending_back_at_once_record_one_status_change_and_keep_both_comments() {
    let app = spawn_app().await;
    let (writer, writer_user) = officer(&app, "NHS Thanet CCG").await;
    let first = lead(&app).await;
    let second = lead(&app).await;
    for round in 0..4 {
        let text = format!("Alignment, draft {round}.");
        assert_eq!(save(&writer, SECTION, &text).await.status(), 303);
        let sent = answer(&writer, SECTION, &[("completed", "yes")]).await;
        assert_eq!(location(&sent), format!("{PLAN}?done=sent-for-review"));
        // Both leads have the page open, waiting for review, and send it back at once.
        let (first_page, second_page) =
            tokio::join!(first.get_html(SECTION), second.get_html(SECTION));
        for page in [&first_page, &second_page] {
            assert!(page.contains("No, send it back for changes"));
        }
        let first_comment = format!("Round {round}: add the CCG's five-year plan.");
        let second_comment = format!("Round {round}: name the programme board.");
        let first_fields = [
            ("completed", "no"),
            ("review_comment", first_comment.as_str()),
        ];
        let second_fields = [
            ("completed", "no"),
            ("review_comment", second_comment.as_str()),
        ];
        let (a, b) = tokio::join!(
            answer(&first, SECTION, &first_fields),
            answer(&second, SECTION, &second_fields),
        );
        assert_eq!(
            (a.status().as_u16(), b.status().as_u16()),
            (303, 303),
            "round {round}: both answers are taken"
        );
        assert_eq!(status_of(&app, "alignment").await, "in_progress");
        // One move from "ready for review" to "in progress", whoever came second.
        let moves: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM section_status_changes h
             JOIN plan_sections s ON s.id = h.plan_section_id
             JOIN template_sections ts ON ts.id = s.template_section_id
             WHERE ts.key = 'alignment' AND h.from_status = 'ready_for_review'
               AND h.to_status = 'in_progress'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            moves,
            round + 1,
            "round {round}: one status change per send-back"
        );
        // Nothing either lead wrote is lost: both comments are on the section.
        let page = writer.get_html(SECTION).await;
        for comment in [&first_comment, &second_comment] {
            let shown = comment.replace('\'', "&#39;");
            assert!(
                page.contains(&shown) || page.contains(comment.as_str()),
                "round {round}: {comment}"
            );
        }
    }
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notices WHERE user_id = $1 AND kind = 'assignment'",
    )
    .bind(writer_user.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, 8, "the writer is told each comment");
}

#[tokio::test]
async fn a_save_button_pressed_with_what_needs_changing_written_saves_nothing_and_keeps_both() {
    let app = spawn_app().await;
    let (writer, _) = officer(&app, "NHS Thanet CCG").await;
    let lead = lead(&app).await;
    assert_eq!(save(&writer, SECTION, "For review.").await.status(), 303);
    answer(&writer, SECTION, &[("completed", "yes")]).await;
    let page = lead.get_html(SECTION).await;
    let version = version_in(&page, SECTION);
    let refused = lead
        .post_form(
            SECTION,
            &[
                ("text", "For review, tidied by the lead."),
                ("version", &version),
                ("review_comment", "Name the programme board."),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("id=\"review-comment-error\""),
        "by the comment box"
    );
    assert!(refused.contains("press Continue"), "{refused}");
    assert!(refused.contains("Name the programme board."));
    assert!(refused.contains("For review, tidied by the lead."));
    let page = lead.get_html(SECTION).await;
    assert!(!page.contains("tidied by the lead"), "nothing was saved");
    assert_eq!(status_of(&app, "alignment").await, "ready_for_review");
    // Without the comment, the save goes through.
    let saved = lead
        .post_form(
            SECTION,
            &[
                ("text", "For review, tidied by the lead."),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
}
