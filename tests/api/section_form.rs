//! The section's one form (issue 13, item 1, for sections where each partner writes its part):
//! the reader's own contribution box belongs to the section's form, so "Continue", "Save the
//! text" and "Save the contribution" each save what was typed in both boxes, in one transaction;
//! a refusal keeps both (on the page and as drafts); a conflict on either saves neither; and
//! contributions have drafts kept on the server like the shared text's.

use crate::helpers::{TestApp, TestUser, form_fields_in, location, spawn_app};
use crate::plans::{CASE, officer, version_in};

const PLAN: &str = "/areas/kent/plans/2014-16";

async fn thanet_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Thanet CCG'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The case for change's shared text, its version and status.
async fn shared(app: &TestApp) -> (String, i32, String) {
    sqlx::query_as(
        "SELECT s.body, s.version, s.status::text FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kent' AND ts.key = 'case-for-change'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Thanet's contribution to the case for change and its version.
async fn thanet_part(app: &TestApp) -> (String, i32) {
    sqlx::query_as(
        "SELECT c.body, c.version FROM contributions c
         JOIN organisations o ON o.id = c.organisation_id
         JOIN plan_sections s ON s.id = c.plan_section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kent' AND ts.key = 'case-for-change' AND o.name = 'NHS Thanet CCG'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// `user`'s drafts of the case for change: (the shared text's, Thanet's contribution's).
async fn drafts_of(app: &TestApp, user: &TestUser) -> (Option<String>, Option<(String, i32)>) {
    let text = sqlx::query_scalar(
        "SELECT d.body FROM section_drafts d
         JOIN plan_sections s ON s.id = d.plan_section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE d.user_id = $1 AND ts.key = 'case-for-change'",
    )
    .bind(user.id)
    .fetch_optional(&app.pool)
    .await
    .unwrap();
    let contribution = sqlx::query_as(
        "SELECT d.body, d.based_on_version FROM contribution_drafts d
         JOIN plan_sections s ON s.id = d.plan_section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE d.user_id = $1 AND ts.key = 'case-for-change'",
    )
    .bind(user.id)
    .fetch_optional(&app.pool)
    .await
    .unwrap();
    (text, contribution)
}

/// The section form's fields as the page gives them to the button posting to `action`, with
/// the two boxes as typed.
fn form(page: &str, action: &str, text: &str, contribution: &str) -> Vec<(String, String)> {
    let mut fields = form_fields_in(page, action).expect("the section form");
    fields.push(("text".to_owned(), text.to_owned()));
    fields.push(("contribution_text".to_owned(), contribution.to_owned()));
    fields
}

async fn post(browser: &TestApp, action: &str, fields: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    browser.post_form(action, &fields).await
}

#[tokio::test]
async fn the_own_contribution_box_belongs_to_the_section_form_and_each_button_saves_both() {
    let app = spawn_app().await;
    let (thanet, user) = officer(&app, "NHS Thanet CCG").await;
    let thanet_org = thanet_id(&app).await;
    let contribution_action = format!("{CASE}/contributions/{thanet_org}");
    let page = thanet.get_html(CASE).await;
    let box_tag = {
        let at = page
            .find(&format!("id=\"contribution-{thanet_org}\""))
            .expect("Thanet's box");
        let start = page[..at].rfind('<').unwrap();
        &page[start..start + page[start..].find('>').unwrap()]
    };
    assert!(
        box_tag.contains("form=\"section-text\"") && box_tag.contains("name=\"contribution_text\""),
        "the contribution box is part of the section form: {box_tag}"
    );
    assert!(
        page.contains(&format!(
            "form=\"section-text\" formaction=\"{contribution_action}\">Save the contribution</button>"
        )),
        "its button sends the section form"
    );
    assert!(
        !page.contains(&format!("method=\"post\" action=\"{contribution_action}\"")),
        "no form of its own"
    );
    assert!(page.contains("Anything you typed above is saved too."));

    // 1. Typed in the contribution box only, "Yes" and Continue: the contribution is saved
    // with the answer, the shared text left alone.
    let (text_before, text_version, _) = shared(&app).await;
    let (_, part_version) = thanet_part(&app).await;
    let mut fields = form(
        &page,
        &format!("{CASE}/status"),
        &text_before,
        "Thanet's falls figures.",
    );
    fields.push(("completed".to_owned(), "yes".to_owned()));
    let response = post(&thanet, &format!("{CASE}/status"), &fields).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("{PLAN}?done=saved-sent-for-review")
    );
    assert_eq!(
        thanet_part(&app).await,
        ("Thanet's falls figures.".to_owned(), part_version + 1)
    );
    let (text_after, version_after, status) = shared(&app).await;
    assert_eq!(
        (text_after, version_after),
        (text_before.clone(), text_version),
        "no new revision of the text"
    );
    assert_eq!(status, "ready_for_review");
    let actions = app.audit_actions().await;
    assert_eq!(
        actions[actions.len() - 2..],
        ["contribution.saved", "section.status_changed"]
    );

    // 2. Both boxes typed, "Save the text": both saved, one banner saying so.
    let page = thanet.get_html(CASE).await;
    let fields = form(
        &page,
        CASE,
        "A shared opening.",
        "Thanet's falls figures, revised.",
    );
    let response = post(&thanet, CASE, &fields).await;
    assert_eq!(location(&response), format!("{CASE}?done=saved-both"));
    assert_eq!(shared(&app).await.0, "A shared opening.");
    assert_eq!(
        thanet_part(&app).await.0,
        "Thanet's falls figures, revised."
    );
    let actions = app.audit_actions().await;
    assert_eq!(
        actions[actions.len() - 2..],
        ["section.saved", "contribution.saved"]
    );
    let shown = thanet.get_html(&location(&response)).await;
    assert!(
        shown.contains(
            "Your changes to the text and your organisation&#39;s contribution have been saved"
        ) || shown.contains(
            "Your changes to the text and your organisation's contribution have been saved"
        )
    );

    // 3. Both typed, "Save the contribution": both saved too.
    let page = thanet.get_html(CASE).await;
    let fields = form(
        &page,
        &contribution_action,
        "A shared opening, longer.",
        "Thanet, third go.",
    );
    let response = post(&thanet, &contribution_action, &fields).await;
    assert_eq!(location(&response), format!("{CASE}?done=saved-both"));
    assert_eq!(shared(&app).await.0, "A shared opening, longer.");
    assert_eq!(thanet_part(&app).await.0, "Thanet, third go.");

    // 4. Only the contribution changed, "Save the contribution": the text is not saved again.
    let page = thanet.get_html(CASE).await;
    let version = shared(&app).await.1;
    let fields = form(
        &page,
        &contribution_action,
        "A shared opening, longer.",
        "Thanet, fourth.",
    );
    let response = post(&thanet, &contribution_action, &fields).await;
    assert_eq!(
        location(&response),
        format!("{CASE}?done=contribution#contribution-{thanet_org}")
    );
    assert_eq!(
        shared(&app).await.1,
        version,
        "the unchanged text made no revision"
    );
    assert_eq!(
        drafts_of(&app, &user).await,
        (None, None),
        "saves leave no drafts"
    );
}

#[tokio::test]
async fn a_refusal_keeps_both_texts_and_a_conflict_on_either_saves_neither() {
    let app = spawn_app().await;
    let (thanet, user) = officer(&app, "NHS Thanet CCG").await;
    let (colleague, _) = officer(&app, "NHS Thanet CCG").await;
    let thanet_org = thanet_id(&app).await;
    let contribution_action = format!("{CASE}/contributions/{thanet_org}");
    let (text_before, text_version, _) = shared(&app).await;
    let part_before = thanet_part(&app).await;

    // Too long a contribution with Continue: 422 by the contribution box, both texts kept on
    // the page and as drafts, nothing saved, no answer recorded.
    let page = thanet.get_html(CASE).await;
    let long = "x".repeat(100_001);
    let mut fields = form(
        &page,
        &format!("{CASE}/status"),
        "Typed in the shared box.",
        &long,
    );
    fields.push(("completed".to_owned(), "yes".to_owned()));
    let response = post(&thanet, &format!("{CASE}/status"), &fields).await;
    assert_eq!(response.status(), 422);
    let refused = response.text().await.unwrap();
    assert!(
        refused.contains(&format!("id=\"contribution-{thanet_org}-error\"")),
        "the error is by the box"
    );
    assert!(
        refused.contains("Typed in the shared box."),
        "the shared text typed is kept"
    );
    assert!(refused.contains(&long), "the contribution typed is kept");
    let (text_now, version_now, status_now) = shared(&app).await;
    assert_eq!((text_now, version_now), (text_before.clone(), text_version));
    assert_ne!(status_now, "ready_for_review", "no answer recorded");
    assert_eq!(thanet_part(&app).await, part_before);
    let (text_draft, _) = drafts_of(&app, &user).await;
    assert_eq!(text_draft.as_deref(), Some("Typed in the shared box."));

    // Someone else saves Thanet's part; this person's "Save the text" with both boxes typed
    // conflicts on the contribution: neither is saved, the conflict page shows their
    // contribution, and both texts are kept as drafts.
    let page = thanet.get_html(CASE).await;
    let other_page = colleague.get_html(CASE).await;
    let other = form(
        &other_page,
        &contribution_action,
        &text_before,
        "The colleague's part.",
    );
    assert_eq!(
        post(&colleague, &contribution_action, &other)
            .await
            .status(),
        303
    );
    let fields = form(&page, CASE, "My opening.", "My part of Thanet's.");
    let response = post(&thanet, CASE, &fields).await;
    assert_eq!(response.status(), 409);
    let conflict = response.text().await.unwrap();
    assert!(conflict.contains("My part of Thanet"), "{conflict}");
    assert!(
        conflict.contains("name=\"contribution_text\""),
        "its form saves the contribution"
    );
    assert_eq!(
        shared(&app).await.0,
        text_before,
        "the text was not saved either"
    );
    assert_eq!(thanet_part(&app).await.0, "The colleague's part.");
    let (text_draft, part_draft) = drafts_of(&app, &user).await;
    assert_eq!(text_draft.as_deref(), Some("My opening."));
    assert_eq!(
        part_draft.map(|(body, _)| body).as_deref(),
        Some("My part of Thanet's.")
    );

    // Saving from the conflict page saves the merged contribution.
    let retry = version_in(&conflict, &contribution_action);
    let response = thanet
        .post_form(
            &contribution_action,
            &[
                ("contribution_text", "Merged part."),
                ("contribution_version", &retry),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(thanet_part(&app).await.0, "Merged part.");
    // The shared text typed is still offered back.
    let page = thanet.get_html(CASE).await;
    assert!(page.contains("You have unsaved changes from"), "{page}");
}

#[tokio::test]
async fn contribution_drafts_are_kept_offered_in_another_browser_restored_and_discarded() {
    let app = spawn_app().await;
    let (thanet, user) = officer(&app, "NHS Thanet CCG").await;
    let thanet_org = thanet_id(&app).await;
    let draft_url = format!("{CASE}/contributions/{thanet_org}/draft");
    let page = thanet.get_html(CASE).await;
    let version = version_in(&page, &format!("{CASE}/contributions/{thanet_org}"));
    assert!(
        page.contains(&format!("data-draft-url=\"{draft_url}\"")),
        "the script knows where"
    );

    let kept = thanet
        .post_form(
            &draft_url,
            &[("text", "Half a thought on falls"), ("version", &version)],
        )
        .await;
    assert_eq!(kept.status(), 204);
    assert_eq!(
        drafts_of(&app, &user).await.1,
        Some((
            "Half a thought on falls".to_owned(),
            version.parse().unwrap()
        ))
    );
    let too_long = thanet
        .post_form(
            &draft_url,
            &[("text", &"x".repeat(100_001)), ("version", &version)],
        )
        .await;
    assert_eq!(too_long.status(), 422);

    // The same person in another browser is offered it, by their organisation's box.
    let other = app.another_browser();
    other.sign_in(&user).await;
    let page = other.get_html(CASE).await;
    assert!(
        page.contains("You have unsaved changes to this contribution from"),
        "{page}"
    );
    assert!(page.contains(&format!(
        "?draft=restore-contribution#contribution-{thanet_org}"
    )));
    let restored = other
        .get_html(&format!("{CASE}?draft=restore-contribution"))
        .await;
    assert!(restored.contains("Your unsaved changes from"));
    let box_start = restored
        .find(&format!("id=\"contribution-{thanet_org}\""))
        .unwrap();
    assert!(
        restored[box_start..].contains("Half a thought on falls"),
        "the draft is in the box"
    );

    // Another partner sees nothing of it; nor may they keep a draft of Thanet's part.
    let (ashford, _) = officer(&app, "NHS Ashford CCG").await;
    assert!(!ashford.get_html(CASE).await.contains("Half a thought"));
    let refused = ashford
        .post_form(&draft_url, &[("text", "Not ours"), ("version", &version)])
        .await;
    assert_eq!(refused.status(), 403);

    // Discarded: gone, and back to the box.
    let discarded = other.post_form(&format!("{draft_url}/discard"), &[]).await;
    assert_eq!(
        location(&discarded),
        format!("{CASE}?done=draft-discarded#contribution-{thanet_org}")
    );
    assert_eq!(drafts_of(&app, &user).await.1, None);
    assert!(
        !other
            .get_html(CASE)
            .await
            .contains("unsaved changes to this contribution")
    );

    // Keeping the saved text itself deletes the draft rather than keeping a copy.
    thanet
        .post_form(&draft_url, &[("text", "Something"), ("version", &version)])
        .await;
    let saved = thanet_part(&app).await.0;
    thanet
        .post_form(&draft_url, &[("text", &saved), ("version", &version)])
        .await;
    assert_eq!(drafts_of(&app, &user).await.1, None);
}

#[tokio::test]
async fn a_partner_saving_both_boxes_and_a_colleague_saving_the_contribution_at_once_never_half_save()
 {
    let app = spawn_app().await;
    let (first, _) = officer(&app, "NHS Thanet CCG").await;
    let (second, _) = officer(&app, "NHS Thanet CCG").await;
    let thanet_org = thanet_id(&app).await;
    let contribution_action = format!("{CASE}/contributions/{thanet_org}");
    for round in 0..6 {
        let (text_before, text_version, _) = shared(&app).await;
        let (_, part_version) = thanet_part(&app).await;
        let first_page = first.get_html(CASE).await;
        let second_page = second.get_html(CASE).await;
        let both = form(
            &first_page,
            CASE,
            &format!("Opening, round {round}."),
            &format!("First's part, round {round}."),
        );
        let part = form(
            &second_page,
            &contribution_action,
            &text_before,
            &format!("Second's part, round {round}."),
        );
        let (a, b) = tokio::join!(
            post(&first, CASE, &both),
            post(&second, &contribution_action, &part)
        );
        let (a, b) = (a.status().as_u16(), b.status().as_u16());
        let (text, version, _) = shared(&app).await;
        let (body, version_after) = thanet_part(&app).await;
        match (a, b) {
            (303, 409) => {
                assert_eq!(text, format!("Opening, round {round}."));
                assert_eq!(version, text_version + 1);
                assert_eq!(body, format!("First's part, round {round}."));
            }
            (409, 303) => {
                assert_eq!(
                    (text, version),
                    (text_before, text_version),
                    "round {round}: no half save"
                );
                assert_eq!(body, format!("Second's part, round {round}."));
            }
            other => panic!("round {round}: exactly one contribution save goes through: {other:?}"),
        }
        assert_eq!(
            version_after,
            part_version + 1,
            "round {round}: one contribution save"
        );
    }
    // Revisions and audit rows agree: every save counted once.
    let revisions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM revisions r JOIN organisations o ON o.id = r.organisation_id
         WHERE o.name = 'NHS Thanet CCG'
           AND r.plan_section_id = (SELECT s.id FROM plan_sections s
                JOIN template_sections ts ON ts.id = s.template_section_id
                JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
                WHERE a.slug = 'kent' AND ts.key = 'case-for-change')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(i64::from(thanet_part(&app).await.1), revisions);
}

#[tokio::test]
async fn an_untouched_box_never_overwrites_a_draft_and_a_completed_section_shows_both_texts() {
    let app = spawn_app().await;
    let (thanet, user) = officer(&app, "NHS Thanet CCG").await;
    let thanet_org = thanet_id(&app).await;
    let contribution_action = format!("{CASE}/contributions/{thanet_org}");
    let (text_before, text_version, _) = shared(&app).await;

    // A draft of the shared text from another browser, offered here but not restored.
    let kept = thanet
        .post_form(
            &format!("{CASE}/draft"),
            &[
                ("text", "An opening typed elsewhere."),
                ("version", &text_version.to_string()),
            ],
        )
        .await;
    assert_eq!(kept.status(), 204);
    let page = thanet.get_html(CASE).await;
    assert!(page.contains("You have unsaved changes from"));
    // A refusal from the contribution box (no answer chosen), the text box untouched: the
    // draft stays as it was.
    let fields = form(
        &page,
        &format!("{CASE}/status"),
        &text_before,
        "A new Thanet part.",
    );
    let refused = post(&thanet, &format!("{CASE}/status"), &fields).await;
    assert_eq!(refused.status(), 422);
    let (text_draft, part_draft) = drafts_of(&app, &user).await;
    assert_eq!(text_draft.as_deref(), Some("An opening typed elsewhere."));
    assert_eq!(
        part_draft.map(|(body, _)| body).as_deref(),
        Some("A new Thanet part.")
    );
    // Preview of the untouched text box leaves the contribution draft alone too.
    let page = thanet.get_html(CASE).await;
    // Preview is a button of the text form itself.
    let mut fields = form_fields_in(&page, CASE).expect("the section form");
    fields.push(("text".to_owned(), text_before.clone()));
    fields.push(("contribution_text".to_owned(), thanet_part(&app).await.0));
    assert_eq!(
        post(&thanet, &format!("{CASE}/preview"), &fields)
            .await
            .status(),
        200
    );
    let (text_draft, part_draft) = drafts_of(&app, &user).await;
    assert_eq!(text_draft.as_deref(), Some("An opening typed elsewhere."));
    assert_eq!(
        part_draft.map(|(body, _)| body).as_deref(),
        Some("A new Thanet part.")
    );

    // Completed by the lead while both boxes were being typed in: the page shows both texts,
    // read-only, to copy.
    let page = thanet.get_html(CASE).await;
    let lead = crate::plans::lead(&app).await;
    let completed = lead
        .post_form(&format!("{CASE}/status"), &[("completed", "yes")])
        .await;
    assert_eq!(completed.status(), 303);
    let fields = form(
        &page,
        &contribution_action,
        "Late opening.",
        "Late Thanet part.",
    );
    let refused = post(&thanet, &contribution_action, &fields).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("This section is completed"), "{refused}");
    assert!(refused.contains("Your text (not saved)") && refused.contains("Late opening."));
    assert!(refused.contains("(not saved)</label>") && refused.contains("Late Thanet part."));
}

#[tokio::test]
async fn a_conflict_page_says_the_other_box_was_kept_and_an_untouched_text_box_needs_no_rights() {
    let app = spawn_app().await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    let (colleague, _) = officer(&app, "NHS Thanet CCG").await;
    let thanet_org = thanet_id(&app).await;
    let contribution_action = format!("{CASE}/contributions/{thanet_org}");
    let text_before = shared(&app).await.0;

    let page = thanet.get_html(CASE).await;
    let other = form(
        &colleague.get_html(CASE).await,
        &contribution_action,
        &text_before,
        "Theirs.",
    );
    assert_eq!(
        post(&colleague, &contribution_action, &other)
            .await
            .status(),
        303
    );
    let fields = form(&page, &contribution_action, "My opening.", "Mine.");
    let conflict = post(&thanet, &contribution_action, &fields).await;
    assert_eq!(conflict.status(), 409);
    let conflict = conflict.text().await.unwrap();
    assert!(
        conflict.contains("Your changes to the section&#39;s text were not saved either")
            || conflict.contains("Your changes to the section's text were not saved either"),
        "{conflict}"
    );

    // The lead assigns the shared text to Kent County Council while Thanet's officer has the
    // page open: saving their contribution still works with the text box untouched, and is
    // refused (403) only if they typed in a box that is no longer theirs.
    let page = thanet.get_html(CASE).await;
    let lead = crate::plans::lead(&app).await;
    let council: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Kent County Council'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let assigned = lead
        .post_form(
            &format!("{CASE}/assign"),
            &[("organisation", &council.to_string())],
        )
        .await;
    assert_eq!(assigned.status(), 303);
    let text_now = shared(&app).await.0;
    let fields = form(
        &page,
        &contribution_action,
        &text_now,
        "After the assignment.",
    );
    assert_eq!(
        post(&thanet, &contribution_action, &fields).await.status(),
        303
    );
    assert_eq!(thanet_part(&app).await.0, "After the assignment.");
    let page = thanet.get_html(CASE).await;
    let mut fields = form_fields_in(&page, &contribution_action).expect("the section form");
    fields.push(("text".to_owned(), "Not mine to write now.".to_owned()));
    fields.push(("contribution_text".to_owned(), "Again.".to_owned()));
    assert_eq!(
        post(&thanet, &contribution_action, &fields).await.status(),
        403
    );
}
