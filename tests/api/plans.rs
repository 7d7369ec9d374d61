//! Drafting the plan: the task list, sections, contributions, revisions, conflicts, comments,
//! search, and who may do what.

use itf_planner::auth::policy::Role;

use itf_planner::clock::Clock;

use crate::helpers::{
    TestApp, TestUser, form_fields_in, location, second_server, spawn_app, spawn_app_with,
};
use crate::query_count::{self, queries};
use crate::risks::organisation_id;

const KENT_PLAN: &str = "/areas/kent/plans/2014-16";
pub(crate) const VISION: &str = "/areas/kent/plans/2014-16/sections/vision";
pub(crate) const CASE: &str = "/areas/kent/plans/2014-16/sections/case-for-change";

/// The `version` hidden field of the form posting to `action` on `page`.
pub(crate) fn version_in(page: &str, action: &str) -> String {
    let fields =
        form_fields_in(page, action).unwrap_or_else(|| panic!("a form posting to {action}"));
    // A contribution's button posts the section's form, whose `version` is the shared text's.
    let name = if action.contains("/contributions/") {
        "contribution_version"
    } else {
        "version"
    };
    fields
        .into_iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("a {name} field in the form posting to {action}"))
}

pub(crate) async fn officer(app: &TestApp, organisation: &str) -> (TestApp, TestUser) {
    let browser = app.another_browser();
    let user = app
        .create_user(Role::Officer, Some("kent"), organisation)
        .await;
    browser.sign_in(&user).await;
    (browser, user)
}

pub(crate) async fn lead(app: &TestApp) -> TestApp {
    let browser = app.another_browser();
    let user = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    browser.sign_in(&user).await;
    browser
}

pub(crate) async fn save(browser: &TestApp, section: &str, text: &str) -> reqwest::Response {
    let page = browser.get_html(section).await;
    let version = version_in(&page, section);
    browser
        .post_form(section, &[("text", text), ("version", &version)])
        .await
}

#[tokio::test]
async fn a_lead_starts_a_plan_and_its_task_list_shows_every_template_section() {
    let app = spawn_app().await;
    let browser = app.another_browser();
    let lead = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    browser.sign_in(&lead).await;
    // Kent's demo plan is from 2014-16; the current cycle's template is offered.
    let plans = browser.get_html("/areas/kent/plans").await;
    assert!(plans.contains("/areas/kent/plans/2014-16"));
    assert!(plans.contains("value=\"2025-26\""), "{plans}");
    let response = browser
        .post_form("/areas/kent/plans", &[("template", "2025-26")])
        .await;
    assert_eq!(location(&response), "/areas/kent/plans/2025-26");
    let tasks = browser.get_html("/areas/kent/plans/2025-26").await;
    assert!(tasks.contains("0 of 8 sections completed"));
    // The list of plans counts each plan's sections too.
    let plans = browser.get_html("/areas/kent/plans").await;
    assert!(
        plans.contains("</a> – 0 of 8 sections completed"),
        "{plans}"
    );
    assert_eq!(plans.matches("sections completed").count(), 2, "{plans}");
    for title in [
        "Overview of the BCF plan",
        "Metric goals and their rationale",
        "Equalities and health inequalities",
    ] {
        assert!(tasks.contains(title), "{title}");
    }
    assert_eq!(
        tasks.matches("<li class=\"govuk-task-list__item").count(),
        8
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"plan.created".to_owned())
    );

    let (officer_browser, _) = officer(&app, "NHS Thanet CCG").await;
    let response = officer_browser
        .post_form("/areas/kent/plans", &[("template", "2025-26")])
        .await;
    assert_eq!(response.status(), 403, "officers do not start plans");
}

#[tokio::test]
async fn the_demo_kent_plan_is_in_progress_with_contributions_from_several_ccgs() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let tasks = browser.get_html(KENT_PLAN).await;
    assert!(tasks.contains("Ready for review"));
    assert!(tasks.contains("3 of 8 partners have contributed"));
    assert!(tasks.contains("1 open comment"));
    // Thanet has written its case for change; its parts of the plan of action and alignment wait.
    let first =
        &tasks[tasks.find("What needs you first").unwrap()..tasks.find("All sections").unwrap()];
    assert!(
        first.contains("Plan of action") && first.contains("Alignment"),
        "{first}"
    );
    assert!(!first.contains("Case for change"), "{first}");
    let lead = lead(&app).await;
    let tasks = lead.get_html(KENT_PLAN).await;
    let first =
        &tasks[tasks.find("What needs you first").unwrap()..tasks.find("All sections").unwrap()];
    assert!(
        first.contains("Vision for health and care services"),
        "the lead reviews: {first}"
    );
    let case = browser.get_html(CASE).await;
    for partner in ["Kent County Council", "NHS Ashford CCG", "NHS Thanet CCG"] {
        assert!(case.contains(partner), "{partner}");
    }
    assert!(case.contains("Not yet contributed"));
    assert!(
        case.contains("NHS West Kent CCG"),
        "a partner still to contribute"
    );
}

#[tokio::test]
async fn an_officer_saves_a_section_and_every_save_is_kept_as_a_revision() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let section = "/areas/kent/plans/2014-16/sections/alignment";
    let response = save(
        &browser,
        "/areas/kent/plans/2014-16/sections/plan-details",
        "Kent County Council and seven CCGs.",
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/areas/kent/plans/2014-16/sections/plan-details?done=saved"
    );
    let page = browser
        .get_html("/areas/kent/plans/2014-16/sections/plan-details?done=saved")
        .await;
    assert!(page.contains("Your changes have been saved"));
    assert!(page.contains("Kent County Council and seven CCGs."));
    let tasks = browser.get_html(KENT_PLAN).await;
    let row = &tasks[tasks.find("Plan details").unwrap()..];
    assert!(
        row[..row.find("</li>").unwrap()].contains("In progress"),
        "saving starts the section"
    );

    // Alignment is per organisation: the shared text is the introduction.
    save(&browser, section, "First").await;
    save(&browser, section, "Second").await;
    let history = browser.get_html(&format!("{section}/history")).await;
    assert!(history.contains("Saved versions"));
    assert_eq!(history.matches("characters</td>").count(), 2);
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "section.saved").count(), 3);
}

#[tokio::test]
async fn two_officers_editing_the_same_section_do_not_overwrite_each_other() {
    let app = spawn_app().await;
    let (alice, _) = officer(&app, "NHS Thanet CCG").await;
    let (bob, _) = officer(&app, "NHS Ashford CCG").await;
    let section = "/areas/kent/plans/2014-16/sections/seven-day-services";
    let alice_page = alice.get_html(section).await;
    let bob_page = bob.get_html(section).await;
    let version = version_in(&alice_page, section);
    assert_eq!(version, version_in(&bob_page, section));

    let response = alice
        .post_form(
            section,
            &[
                ("text", "Weekend discharge teams in every hospital."),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);

    let bobs_text = "Social workers on call on Saturdays and Sundays.";
    let response = bob
        .post_form(section, &[("text", bobs_text), ("version", &version)])
        .await;
    assert_eq!(response.status(), 409);
    let conflict = response.text().await.unwrap();
    assert!(conflict.contains("Someone else changed this section while you were editing"));
    assert!(
        conflict.contains(bobs_text),
        "Bob's text is kept, ready to merge"
    );
    assert!(
        conflict.contains("Weekend discharge teams in every hospital."),
        "the current text is shown"
    );
    assert!(
        conflict.contains("<ins>") && conflict.contains("<del>"),
        "and the difference"
    );
    assert!(
        conflict.contains("start of added text"),
        "readable without colour"
    );

    let merged = "Weekend discharge teams in every hospital. Social workers on call on Saturdays and Sundays.";
    let new_version = version_in(&conflict, section);
    let response = bob
        .post_form(section, &[("text", merged), ("version", &new_version)])
        .await;
    assert_eq!(response.status(), 303);
    assert!(alice.get_html(section).await.contains(merged));
    let history = alice.get_html(&format!("{section}/history")).await;
    assert_eq!(
        history.matches("characters</td>").count(),
        2,
        "both saves kept, nothing lost"
    );
}

#[tokio::test]
async fn two_people_saving_one_contribution_get_a_conflict_too() {
    let app = spawn_app().await;
    let (alice, _) = officer(&app, "NHS Thanet CCG").await;
    let (bob, _) = officer(&app, "NHS Thanet CCG").await;
    let thanet: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Thanet CCG'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let action = format!("{CASE}/contributions/{thanet}");
    let page = alice.get_html(CASE).await;
    let version = version_in(&page, &action);
    assert_eq!(version, "1", "the demo's first Thanet contribution");
    let response = alice
        .post_form(
            &action,
            &[
                ("contribution_text", "Alice's figures"),
                ("contribution_version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = bob
        .post_form(
            &action,
            &[
                ("contribution_text", "Bob's figures"),
                ("contribution_version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let conflict = response.text().await.unwrap();
    assert!(
        conflict.contains("NHS Thanet CCG&#39;s contribution")
            || conflict.contains("NHS Thanet CCG's contribution")
    );
    assert!(conflict.contains("Bob&#39;s figures") || conflict.contains("Bob's figures"));
    let retry = version_in(&conflict, &action);
    let response = bob
        .post_form(
            &action,
            &[
                ("contribution_text", "Alice's and Bob's figures"),
                ("contribution_version", &retry),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn history_shows_word_differences_and_restore_brings_back_old_text_without_losing_any() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let section = "/areas/kent/plans/2014-16/sections/data-sharing";
    save(&browser, section, "We will use the NHS number.").await;
    save(&browser, section, "We will use the NHS number everywhere.").await;
    save(&browser, section, "Open APIs by 2015.").await;
    let diff = browser
        .get_html(&format!("{section}/history?from=1&to=2"))
        .await;
    assert!(diff.contains("Changes from version 1 to version 2"));
    assert!(diff.contains("<ins><span class=\"govuk-visually-hidden\">start of added text</span>"));
    assert!(diff.contains("everywhere"));

    let history = browser.get_html(&format!("{section}/history")).await;
    let version = version_in(&history, &format!("{section}/restore"));
    let response = browser
        .post_form(
            &format!("{section}/restore"),
            &[("number", "1"), ("version", &version)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.get_html(section).await;
    assert!(page.contains("We will use the NHS number."));
    let history = browser.get_html(&format!("{section}/history")).await;
    assert_eq!(
        history.matches("characters</td>").count(),
        4,
        "restoring adds a version"
    );
    assert!(history.contains("(restored from 1)"));
    let bad = browser
        .get(&format!("{section}/history?from=1&to=99"))
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn officers_edit_only_their_own_organisations_contribution_and_assigned_sections() {
    let app = spawn_app().await;
    let (thanet_officer, _) = officer(&app, "NHS Thanet CCG").await;
    let ashford: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Ashford CCG'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let response = thanet_officer
        .post_form(
            &format!("{CASE}/contributions/{ashford}"),
            &[
                ("contribution_text", "Not mine"),
                ("contribution_version", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 403);

    // The demo assigns the plan of action to Kent County Council.
    let action = "/areas/kent/plans/2014-16/sections/plan-of-action";
    let page = thanet_officer.get_html(action).await;
    assert!(
        !page.contains(&format!("action=\"{action}\"")),
        "no edit box for the shared text of another organisation's section"
    );
    let response = thanet_officer
        .post_form(action, &[("text", "x"), ("version", "0")])
        .await;
    assert_eq!(response.status(), 403);
    let (council_officer, _) = officer(&app, "Kent County Council").await;
    let response = save(&council_officer, action, "Our schemes").await;
    assert_eq!(response.status(), 303);

    // A lead assigns a section; then only that organisation's officers edit it.
    let lead = lead(&app).await;
    let thanet: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Thanet CCG'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let engagement = "/areas/kent/plans/2014-16/sections/engagement";
    let response = lead
        .post_form(
            &format!("{engagement}/assign"),
            &[("organisation", &thanet.to_string())],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = council_officer
        .post_form(engagement, &[("text", "x"), ("version", "0")])
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        save(&thanet_officer, engagement, "Patients' panel")
            .await
            .status(),
        303
    );
    let response = thanet_officer
        .post_form(&format!("{engagement}/assign"), &[("organisation", "")])
        .await;
    assert_eq!(response.status(), 403, "only leads assign");
}

#[tokio::test]
async fn people_of_another_area_get_not_found_for_every_plan_page() {
    let app = spawn_app().await;
    let browser = app.another_browser();
    let outsider = app
        .create_user(Role::Officer, Some("rotherham"), "NHS Rotherham CCG")
        .await;
    browser.sign_in(&outsider).await;
    for path in [
        "/areas/kent/plans",
        KENT_PLAN,
        VISION,
        &format!("{VISION}/history"),
        "/areas/kent/search?q=care",
    ] {
        assert_eq!(browser.get(path).await.status(), 404, "GET {path}");
    }
    for path in [
        VISION.to_owned(),
        format!("{VISION}/status"),
        format!("{VISION}/comments"),
        format!("{CASE}/contributions/3"),
        "/areas/kent/plans".to_owned(),
    ] {
        let response = browser
            .post_form(&path, &[("text", "x"), ("version", "1")])
            .await;
        assert_eq!(response.status(), 404, "POST {path}");
    }
}

#[tokio::test]
async fn script_and_event_handler_payloads_are_rendered_inert() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    let payload = "<script>alert('x')</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) <a href=\"javascript:alert(2)\">link</a>";
    save(
        &browser,
        "/areas/kent/plans/2014-16/sections/joint-assessment",
        payload,
    )
    .await;
    let page = browser.get_html(CASE).await;
    let action = format!("{CASE}/contributions/3");
    let version = version_in(&page, &action);
    browser
        .post_form(
            &action,
            &[
                ("contribution_text", payload),
                ("contribution_version", &version),
            ],
        )
        .await;
    browser
        .post_form(&format!("{CASE}/comments"), &[("body", payload)])
        .await;

    for path in ["/areas/kent/plans/2014-16/sections/joint-assessment", CASE] {
        let page = browser.get_html(path).await;
        assert!(!page.contains("<script>alert"), "{path}");
        assert!(!page.contains("<img src=x"), "{path}");
        assert!(!page.contains("<a href=\"javascript:"), "{path}");
        assert!(
            !page.contains(">click</a>"),
            "{path}: no javascript: link is made"
        );
        assert!(
            page.contains("&lt;script&gt;"),
            "{path}: the text is shown, escaped, not lost"
        );
    }
}

#[tokio::test]
async fn text_over_the_limit_comes_back_with_a_message_and_nothing_lost() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let section = "/areas/kent/plans/2014-16/sections/protecting-social-care";
    let long = format!("{} END-OF-MY-TEXT", "word ".repeat(20_001));
    let response = save(&browser, section, &long).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("100,000 characters or fewer"));
    assert!(
        page.contains("END-OF-MY-TEXT"),
        "the text is kept in the box"
    );
    assert!(page.contains("govuk-error-summary"));

    let response = browser
        .post_form(section, &[("text", "kept"), ("version", "not-a-number")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("kept"));
}

#[tokio::test]
async fn officers_ask_for_review_leads_complete_and_reopen() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let section = "/areas/kent/plans/2014-16/sections/acute-sector-impact";
    save(&browser, section, "Agreed with the acute trusts.").await;
    let response = browser
        .post_form(&format!("{section}/status"), &[("completed", "yes")])
        .await;
    assert_eq!(
        location(&response),
        format!("{KENT_PLAN}?done=sent-for-review")
    );
    let tasks = browser.get_html(KENT_PLAN).await;
    let row = &tasks[tasks
        .find("National condition: impact on the acute sector")
        .unwrap()..];
    assert!(row[..row.find("</li>").unwrap()].contains("Ready for review"));

    let response = browser.post_form(&format!("{section}/status"), &[]).await;
    assert_eq!(response.status(), 422, "an answer is needed");

    let lead = lead(&app).await;
    lead.post_form(&format!("{section}/status"), &[("completed", "yes")])
        .await;
    let tasks = lead.get_html(KENT_PLAN).await;
    let row = &tasks[tasks
        .find("National condition: impact on the acute sector")
        .unwrap()..];
    assert!(row[..row.find("</li>").unwrap()].contains("Completed"));

    let response = browser
        .post_form(section, &[("text", "A late change"), ("version", "2")])
        .await;
    assert_eq!(response.status(), 422, "a completed section is closed");
    assert!(
        response.text().await.unwrap().contains("A late change"),
        "what was typed is kept"
    );
    assert_eq!(
        browser
            .post_form(&format!("{section}/reopen"), &[])
            .await
            .status(),
        403
    );
    assert_eq!(
        lead.post_form(&format!("{section}/reopen"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(save(&browser, section, "A late change").await.status(), 303);
}

#[tokio::test]
async fn comments_can_be_added_answered_resolved_and_reopened() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let comments = format!("{VISION}/comments");
    let response = browser
        .post_form(&comments, &[("body", "Should we mention carers?")])
        .await;
    assert_eq!(response.status(), 303);
    let thread: i64 = sqlx::query_scalar("SELECT max(id) FROM comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let thread_id = thread.to_string();
    browser
        .post_form(
            &comments,
            &[
                ("body", "Yes, the carers' breaks money."),
                ("thread", &thread_id),
            ],
        )
        .await;
    let page = browser.get_html(VISION).await;
    assert!(page.contains("Should we mention carers?"));
    assert!(page.contains("carers&#39; breaks money") || page.contains("carers' breaks money"));
    assert!(page.contains("Comments (1 open)"));

    let response = browser
        .post_form(&format!("{comments}/{thread}/resolve"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.get_html(VISION).await;
    assert!(page.contains("Resolved"));
    assert!(!page.contains("Comments (1 open)"));
    browser
        .post_form(&format!("{comments}/{thread}/reopen"), &[])
        .await;
    assert!(browser.get_html(VISION).await.contains("Comments (1 open)"));

    let response = browser.post_form(&comments, &[("body", "   ")]).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Enter your comment")
    );
    let actions = app.audit_actions().await;
    for action in ["comment.added", "comment.resolved", "comment.reopened"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

#[tokio::test]
async fn search_finds_words_in_text_contributions_and_comments_of_the_area_only() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let results = browser.get_html("/areas/kent/search?q=deprived").await;
    assert!(results.contains("1 result"));
    assert!(results.contains("Case for change"));
    assert!(results.contains("<mark>deprived</mark>"));
    let results = browser
        .get_html("/areas/kent/search?q=figures+admissions")
        .await;
    assert!(results.contains("Comment"));
    let results = browser.get_html("/areas/kent/search?q=zzzunfindable").await;
    assert!(results.contains("0 results"));

    let outsider = app.another_browser();
    let rotherham_lead = app
        .create_user(Role::AreaLead, Some("rotherham"), "NHS Rotherham CCG")
        .await;
    outsider.sign_in(&rotherham_lead).await;
    outsider
        .post_form("/areas/rotherham/plans", &[("template", "2014-16")])
        .await;
    let results = outsider
        .get_html("/areas/rotherham/search?q=deprived")
        .await;
    assert!(
        results.contains("0 results"),
        "Kent's text is not Rotherham's"
    );
}

#[tokio::test]
async fn the_task_list_and_section_page_make_a_fixed_number_of_queries_however_much_there_is() {
    query_count::install();
    // The task list read afresh on every view: what it reads when the area has changed.
    let app = spawn_app_with(
        &[("ITF_AREA_CACHE_SECONDS", "0".to_owned())],
        Clock::fixed(time::OffsetDateTime::now_utc()),
    )
    .await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    let before = (
        queries(&browser, KENT_PLAN).await,
        queries(&browser, CASE).await,
    );
    assert!(
        before.0 > 0 && before.1 > 0,
        "queries are counted: {before:?}"
    );

    // Much more of everything: revisions, contributions, comments and replies.
    let (other, _) = officer(&app, "NHS Swale CCG").await;
    for round in 0..5 {
        save(&browser, VISION, &format!("Vision draft {round}")).await;
        let page = browser.get_html(CASE).await;
        let action = format!("{CASE}/contributions/3");
        let version = version_in(&page, &action);
        browser
            .post_form(
                &action,
                &[
                    ("contribution_text", &format!("Council part {round}")),
                    ("contribution_version", &version),
                ],
            )
            .await;
        browser
            .post_form(
                &format!("{CASE}/comments"),
                &[("body", &format!("Question {round}"))],
            )
            .await;
        other
            .post_form(
                &format!("{CASE}/comments"),
                &[("body", &format!("Another {round}")), ("thread", "1")],
            )
            .await;
    }
    let swale: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Swale CCG'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = other.get_html(CASE).await;
    let action = format!("{CASE}/contributions/{swale}");
    let version = version_in(&page, &action);
    other
        .post_form(
            &action,
            &[
                ("contribution_text", "Swale's part"),
                ("contribution_version", &version),
            ],
        )
        .await;

    let after = (
        queries(&browser, KENT_PLAN).await,
        queries(&browser, CASE).await,
    );
    assert_eq!(
        before, after,
        "(task list, section page) queries before and after"
    );
    // The task list runs the checks (the plan's structure and one read per part), reads the
    // plan's sign-off state and the area's deadlines (five queries, for its banner); every plan
    // page reads its area, plan and the area's change stamp in one statement, and whether an
    // approved snapshot differs; the section page notes the viewer's presence and reads who
    // else is there in one, and reads the area's risks, their links and matrix (kept, none of
    // these: see below).
    assert!(after.0 <= 19 && after.1 <= 13, "few queries: {after:?}");
}

/// The task list keeps what it read until its area changes (`plans::task_facts`): kept, it
/// reads the session, then the area, the plan and the area's change stamp in one statement. A
/// change made here or through another server shows at once; each organisation sees its own
/// contributions.
#[tokio::test]
async fn the_kept_task_list_shows_a_change_at_once_through_any_server() {
    query_count::install();
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, _) = officer(&app, "Kent County Council").await;
    let (read, kept) = query_count::read_then_kept(&council, KENT_PLAN).await;
    assert!(kept <= 2 && kept + 10 <= read, "kept: {kept}, read: {read}");
    // The section page keeps what every reader sees and the area's risks likewise: kept, it
    // reads the session, then the area with its plan, stamp and the reader's drafts in one
    // statement; who else is there is read again only when the reader's presence needs noting
    // again (`plans::presence::KeptPresence`).
    let (read, kept) = query_count::read_then_kept(&council, CASE).await;
    assert!(kept <= 2 && kept + 9 <= read, "kept: {kept}, read: {read}");

    let vision_status = |html: &str| {
        let start = html
            .find("id=\"vision-status\"")
            .expect("the vision row's status");
        html[start..start + 200].to_owned()
    };
    let before = council.get_html(KENT_PLAN).await;
    assert!(
        !vision_status(&before).contains("Completed"),
        "{}",
        vision_status(&before)
    );
    let completed_count = |html: &str| {
        let end = html.find(" sections completed.").expect("the count");
        html[..end].rsplit('>').next().unwrap().trim().to_owned()
    };
    let counted_before = completed_count(&before);

    // A lead marks the vision completed through a second server on the same database.
    let second = second_server(&app, &keep).await;
    let lead_user = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    second.sign_in(&lead_user).await;
    assert_eq!(second.get(KENT_PLAN).await.status(), 200);
    let response = second
        .post_form(&format!("{VISION}/status"), &[("completed", "yes")])
        .await;
    assert_eq!(response.status(), 303);
    let after = council.get_html(KENT_PLAN).await;
    assert!(
        vision_status(&after).contains("Completed"),
        "{}",
        vision_status(&after)
    );
    // The count above the list is the list's own.
    let (done, of) = counted_before.split_once(" of ").unwrap();
    let done: usize = done.parse().unwrap();
    assert_eq!(completed_count(&after), format!("{} of {of}", done + 1));

    // Saved words here show at once too, with who saved them.
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    assert_eq!(thanet.get(KENT_PLAN).await.status(), 200);
    assert_eq!(save(&thanet, CASE, "Thanet's case").await.status(), 303);
    let after = council.get_html(KENT_PLAN).await;
    let case_hint = &after[after.find("id=\"case-for-change-hint\"").unwrap()..][..400];
    assert!(
        case_hint.contains("Last changed by Test Officer"),
        "{case_hint}"
    );

    // Who has contributed is the viewer's organisation's own: Thanet's part is written (the
    // demo), so the case for change is not waiting for Thanet; the council's may be.
    let for_thanet = thanet.get_html(KENT_PLAN).await;
    let for_council = council.get_html(KENT_PLAN).await;
    let needs_you = |html: &str| {
        html.split("What needs you first")
            .nth(1)
            .is_some_and(|rest| {
                rest.split("</ul>")
                    .next()
                    .unwrap()
                    .contains("Case for change")
            })
    };
    let contributed: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM contributions c JOIN organisations o ON o.id = c.organisation_id
                        WHERE o.name = 'Kent County Council')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(needs_you(&for_council), !contributed);
    assert!(!needs_you(&for_thanet));
}

/// `count` browsers, each signed in as `user`.
async fn browsers_of(app: &TestApp, user: &TestUser, count: usize) -> Vec<TestApp> {
    futures_util::future::join_all((0..count).map(|_| async {
        let browser = app.another_browser();
        browser.sign_in(user).await;
        browser
    }))
    .await
}

/// Saves made at once by two partners while the same organisation's people keep opening the
/// task list: whatever order the reads and saves finish in, the kept task list ends as the
/// one read afresh (a slower read from before a save never replaces a newer one).
#[tokio::test]
async fn a_task_list_kept_while_partners_save_at_once_ends_as_read_afresh() {
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, council_user) = officer(&app, "Kent County Council").await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    let readers = browsers_of(&app, &council_user, 4).await;
    let sections = |html: &str| {
        let start = html
            .find("<ul class=\"govuk-task-list\">")
            .expect("the task list");
        html[start..start + html[start..].find("</ul>").unwrap()].to_owned()
    };
    for round in 0..4 {
        let council_text = format!("The council's vision, draft {round}");
        let thanet_text = format!("Thanet's case, draft {round}");
        let saves = async {
            tokio::join!(
                save(&council, VISION, &council_text),
                save(&thanet, CASE, &thanet_text)
            )
        };
        let reads = futures_util::future::join_all(
            readers
                .iter()
                .map(|reader| async move { reader.get(KENT_PLAN).await.status() }),
        );
        let ((vision, case), statuses) = tokio::join!(saves, reads);
        assert_eq!(
            (vision.status().as_u16(), case.status().as_u16()),
            (303, 303),
            "round {round}"
        );
        assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    }
    let afresh = second_server(&app, &[("ITF_AREA_CACHE_SECONDS", "0".to_owned())]).await;
    afresh.sign_in(&council_user).await;
    let expected = sections(&afresh.get_html(KENT_PLAN).await);
    assert!(
        expected.contains("Last changed by Test Officer"),
        "{expected}"
    );
    for reader in &readers {
        assert_eq!(sections(&reader.get_html(KENT_PLAN).await), expected);
    }
}

/// Saves `text` as `organisation`'s contribution to the case for change, on the version shown.
async fn save_contribution(browser: &TestApp, organisation: i64, text: &str) -> reqwest::Response {
    let page = browser.get_html(CASE).await;
    let action = format!("{CASE}/contributions/{organisation}");
    let version = version_in(&page, &action);
    browser
        .post_form(
            &action,
            &[
                ("contribution_text", text),
                ("contribution_version", &version),
            ],
        )
        .await
}

/// The section page keeps what every reader sees (`plans::routes::section_parts`): a
/// contribution and a comment made through another server show at once, and a person's draft
/// is shown to nobody else however the page was kept.
#[tokio::test]
async fn the_kept_section_page_shows_a_change_at_once_and_drafts_only_to_their_writer() {
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, _) = officer(&app, "Kent County Council").await;
    let (colleague, _) = officer(&app, "Kent County Council").await;
    let council_id = organisation_id(&app, "Kent County Council").await;
    let thanet_id = organisation_id(&app, "NHS Thanet CCG").await;
    // Kept for both: the second view of each is the kept page.
    for browser in [&council, &colleague] {
        browser.get_html(CASE).await;
        browser.get_html(CASE).await;
    }

    // A draft of the council's contribution, typed by one officer, is theirs alone.
    let page = council.get_html(CASE).await;
    let version = version_in(&page, &format!("{CASE}/contributions/{council_id}"));
    let kept = council
        .post_form(
            &format!("{CASE}/contributions/{council_id}/draft"),
            &[("text", "Words not yet saved"), ("version", &version)],
        )
        .await;
    assert_eq!(kept.status(), 204);
    assert!(
        council
            .get_html(CASE)
            .await
            .contains("You have unsaved changes to this contribution from")
    );
    let restored = council
        .get_html(&format!("{CASE}?draft=restore-contribution"))
        .await;
    assert!(restored.contains("Words not yet saved"), "restored");
    for _ in 0..2 {
        let seen = colleague.get_html(CASE).await;
        assert!(!seen.contains("unsaved changes") && !seen.contains("Words not yet saved"));
        let seen = colleague
            .get_html(&format!("{CASE}?draft=restore-contribution"))
            .await;
        assert!(!seen.contains("Words not yet saved"));
    }

    // Through a second server on the same database: Thanet's contribution and a comment show
    // at once on this server's kept page.
    let second = second_server(&app, &keep).await;
    let thanet_user = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    second.sign_in(&thanet_user).await;
    let saved = save_contribution(&second, thanet_id, "A part for Thanet, saved elsewhere").await;
    assert_eq!(saved.status(), 303);
    let page = council.get_html(CASE).await;
    assert!(
        page.contains("A part for Thanet, saved elsewhere"),
        "the contribution"
    );
    let commented = second
        .post_form(
            &format!("{CASE}/comments"),
            &[("body", "A comment from elsewhere"), ("thread", "")],
        )
        .await;
    assert_eq!(commented.status(), 303);
    assert!(
        council
            .get_html(CASE)
            .await
            .contains("A comment from elsewhere")
    );
    // The council's draft is still offered to its writer, on the page the writer's view kept
    // anew; the colleague, shown that same kept page, still sees nothing of it.
    assert!(
        council
            .get_html(CASE)
            .await
            .contains("You have unsaved changes to this contribution from")
    );
    for path in [
        CASE.to_owned(),
        format!("{CASE}?draft=restore-contribution"),
    ] {
        let seen = colleague.get_html(&path).await;
        assert!(seen.contains("A comment from elsewhere"), "the kept page");
        assert!(!seen.contains("unsaved changes") && !seen.contains("Words not yet saved"));
    }
}

/// A section whose parts are too long to keep (`HEAVIEST_SECTION_KEPT`) is read for every view,
/// so the kept sections' memory stays bounded.
#[tokio::test]
async fn a_section_too_long_to_keep_is_read_for_every_view() {
    query_count::install();
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, _) = officer(&app, "Kent County Council").await;
    let (_, kept_short) = query_count::read_then_kept(&council, VISION).await;
    let long = "word ".repeat(14_000);
    assert!(long.len() > itf_planner::plans::routes::HEAVIEST_SECTION_KEPT);
    assert_eq!(save(&council, VISION, &long).await.status(), 303);
    let (_, kept_long) = query_count::read_then_kept(&council, VISION).await;
    // The section, whether editing is closed, contributions, comments and the approval banner.
    assert!(
        kept_long >= kept_short + 4,
        "short: {kept_short}, long: {kept_long}"
    );
}

/// Search results are kept per area and words (`plans::routes::search`) until the area
/// changes: a save through another server shows in the next search at once.
#[tokio::test]
async fn a_kept_search_shows_a_change_at_once_through_any_server() {
    query_count::install();
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, council_user) = officer(&app, "Kent County Council").await;
    const SEARCH: &str = "/areas/kent/search?q=zebra+crossings";
    assert!(council.get_html(SEARCH).await.contains("0 results"));
    let (read, kept) = query_count::read_then_kept(&council, "/areas/kent/search?q=care").await;
    assert!(kept < read && kept <= 2, "kept: {kept}, read: {read}");

    let second = second_server(&app, &keep).await;
    second.sign_in(&council_user).await;
    let saved = save(&second, VISION, "Our vision has zebra crossings in it").await;
    assert_eq!(saved.status(), 303);
    let results = council.get_html(SEARCH).await;
    assert!(results.contains("1 result"), "{results}");
    assert!(
        results.contains("<mark>zebra</mark> <mark>crossings</mark>"),
        "{results}"
    );
    // Another area's search is its own, kept or not.
    let rotherham = app.another_browser();
    let rotherham_lead = app
        .create_user(Role::AreaLead, Some("rotherham"), "NHS Rotherham CCG")
        .await;
    rotherham.sign_in(&rotherham_lead).await;
    let results = rotherham
        .get_html("/areas/rotherham/search?q=zebra+crossings")
        .await;
    assert!(results.contains("0 results"), "{results}");
}

/// A section's history is kept until the area changes (`plans::routes::history`): a save
/// through another server shows in it at once, as does a partner's in their contribution's.
#[tokio::test]
async fn a_kept_history_shows_a_save_at_once_through_any_server() {
    query_count::install();
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, council_user) = officer(&app, "Kent County Council").await;
    let history = format!("{VISION}/history");
    let (read, kept) = query_count::read_then_kept(&council, &history).await;
    // Kept: the session, then the area, the plan and the area's stamp in one statement.
    assert!(kept <= 2 && kept + 2 <= read, "kept: {kept}, read: {read}");
    let versions = |html: &str| html.matches("<option value=").count();
    let before = versions(&council.get_html(&history).await);

    let second = second_server(&app, &keep).await;
    second.sign_in(&council_user).await;
    let saved = save(&second, VISION, "A vision saved through another server").await;
    assert_eq!(saved.status(), 303);
    let after = council.get_html(&history).await;
    // Each version is offered in both "from" and "to".
    assert_eq!(versions(&after), before + 2, "{after}");
    // A restore through the second server adds a version, shown at once here too.
    let restore = format!("{VISION}/restore");
    let fields =
        form_fields_in(&second.get_html(&history).await, &restore).expect("a restore form");
    let field = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let restored = second
        .post_form(
            &restore,
            &[
                ("organisation", ""),
                ("number", "1"),
                ("version", &field("version")),
            ],
        )
        .await;
    assert_eq!(restored.status(), 303);
    assert_eq!(versions(&council.get_html(&history).await), before + 4);

    let thanet_id = organisation_id(&app, "NHS Thanet CCG").await;
    let theirs = format!("{CASE}/history?organisation={thanet_id}");
    let before = versions(&council.get_html(&theirs).await);
    let thanet_user = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    second.sign_in(&thanet_user).await;
    let saved = save_contribution(&second, thanet_id, "Thanet's part, once more").await;
    assert_eq!(saved.status(), 303);
    assert_eq!(versions(&council.get_html(&theirs).await), before + 2);
}

/// Partners saving their contributions at once while people keep opening the section page:
/// whatever order reads and saves finish in, the kept page ends as the one read afresh.
#[tokio::test]
async fn a_section_page_kept_while_partners_save_at_once_ends_as_read_afresh() {
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let (council, council_user) = officer(&app, "Kent County Council").await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    let council_id = organisation_id(&app, "Kent County Council").await;
    let thanet_id = organisation_id(&app, "NHS Thanet CCG").await;
    let readers = browsers_of(&app, &council_user, 4).await;
    // The partners' parts as shown: from the first contribution's heading to the comments.
    let contributions = |html: &str| {
        let start = html
            .find("id=\"contributions\"")
            .expect("the contributions");
        let end = start + html[start..].find("id=\"comments\"").expect("the comments");
        // Each session's own CSRF token aside.
        html[start..end]
            .lines()
            .filter(|line| !line.contains("csrf_token"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for round in 0..4 {
        let council_text = format!("The part for the council, draft {round}");
        let thanet_text = format!("The part for Thanet, draft {round}");
        let saves = async {
            tokio::join!(
                save_contribution(&council, council_id, &council_text),
                save_contribution(&thanet, thanet_id, &thanet_text)
            )
        };
        let reads = futures_util::future::join_all(
            readers
                .iter()
                .map(|reader| async move { reader.get(CASE).await.status() }),
        );
        let ((ours, theirs), statuses) = tokio::join!(saves, reads);
        assert_eq!(
            (ours.status().as_u16(), theirs.status().as_u16()),
            (303, 303),
            "round {round}"
        );
        assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    }
    let afresh = second_server(&app, &[("ITF_AREA_CACHE_SECONDS", "0".to_owned())]).await;
    afresh.sign_in(&council_user).await;
    let expected = contributions(&afresh.get_html(CASE).await);
    assert!(expected.contains("draft 3"), "{expected}");
    for reader in &readers {
        assert_eq!(contributions(&reader.get_html(CASE).await), expected);
    }
}

#[tokio::test]
async fn malformed_addresses_and_unreadable_forms_get_pages_not_plain_errors() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let response = browser
        .post_form(
            &format!("{CASE}/contributions/not-a-number"),
            &[("text", "x")],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));

    let response = browser
        .post_form(
            VISION,
            &[("text", "first"), ("text", "second"), ("version", "1")],
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This request could not be read")
    );
}

#[tokio::test]
async fn bad_choices_and_overlong_searches_come_back_with_messages() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let response = lead
        .post_form("/areas/kent/plans", &[("template", "1999-2000")])
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    // Kent already has a plan from the only template, so none is offered; the message still shows.
    assert!(body.contains("Choose the template for the plan"));

    let response = lead
        .post_form(&format!("{VISION}/assign"), &[("organisation", "999999")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose one of the area&#39;s organisations, or nobody")
    );

    let long = "care ".repeat(50);
    let response = lead
        .get(&format!("/areas/kent/search?q={}", long.replace(' ', "+")))
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Search for 200 characters or fewer"));
    assert!(
        body.contains("care care care"),
        "the search typed is kept in the box"
    );
}

/// The search's excerpt is cut around the first word whose stem the search matches, found with
/// a stemmer of our own: it must stem as PostgreSQL's `english` configuration does, here every
/// word of the demo's texts, contributions, comments and the templates' guidance.
#[tokio::test]
async fn the_excerpt_window_stems_every_word_of_the_demo_and_guidance_as_postgresql_does() {
    let app = spawn_app().await;
    let words: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT word, tsvector_to_array(to_tsvector('english', word))
         FROM (SELECT DISTINCT lower(m[1]) AS word
               FROM (SELECT body AS text FROM plan_sections
                     UNION ALL SELECT body FROM contributions
                     UNION ALL SELECT body FROM comments
                     UNION ALL SELECT title || ' ' || guidance FROM template_sections) texts,
                    regexp_matches(texts.text, '([[:alpha:]]+)', 'g') AS m) words
         ORDER BY word",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(words.len() > 300, "the demo has words: {}", words.len());
    // Stop words (no lexeme) included: the excerpt must not mark what PostgreSQL leaves out.
    assert!(
        words.iter().any(|(_, lexemes)| lexemes.is_empty()),
        "stop words"
    );
    let differing: Vec<String> = words
        .iter()
        .filter(|(_, lexemes)| lexemes.len() <= 1)
        .filter(|(word, lexemes)| {
            itf_planner::plans::excerpt::lexeme(word) != lexemes.first().cloned()
        })
        .map(|(word, lexemes)| {
            format!(
                "{word}: {:?} / {:?}",
                itf_planner::plans::excerpt::lexeme(word),
                lexemes.first()
            )
        })
        .collect();
    assert!(differing.is_empty(), "{differing:#?}");
}

/// Excerpts are highlighted by the server's stemmer; a match PostgreSQL's parser makes that it
/// does not (an email address is one word to PostgreSQL) is highlighted by PostgreSQL instead.
#[tokio::test]
async fn an_excerpt_the_stemmer_cannot_highlight_is_left_to_postgresql() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    sqlx::query(
        "UPDATE plan_sections SET body = 'Write to plans@kent.gov.uk for the caring figures.'
         WHERE id = (SELECT s.id FROM plan_sections s
                     JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
                     JOIN template_sections ts ON ts.id = s.template_section_id
                     WHERE a.slug = 'kent' AND ts.key = 'vision')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let results = browser
        .get_html("/areas/kent/search?q=plans%40kent.gov.uk")
        .await;
    assert!(results.contains("1 result"), "{results}");
    assert!(
        results.contains("Write to <mark>plans@kent.gov.uk</mark> for the caring figures"),
        "{results}"
    );
    let results = browser.get_html("/areas/kent/search?q=cared+FIGURE").await;
    assert!(
        results.contains(
            "Write to plans@kent.gov.uk for the <mark>caring</mark> <mark>figures</mark>"
        ),
        "{results}"
    );
}

/// A long text's excerpt comes from the part around its match (what `ts_headline` is given),
/// highlighted.
#[tokio::test]
async fn a_long_text_s_excerpt_is_the_part_around_the_match() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let opening = "Opening words of a long section. ".repeat(60);
    let body = format!(
        "{opening}\n\nHere the Zebrafinches are discussed at length.\n\n{}",
        "Closing words of a long section. ".repeat(60)
    );
    sqlx::query(
        "UPDATE plan_sections SET body = $1
         WHERE id = (SELECT s.id FROM plan_sections s
                     JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
                     JOIN template_sections ts ON ts.id = s.template_section_id
                     WHERE a.slug = 'kent' AND ts.key = 'vision')",
    )
    .bind(&body)
    .execute(&app.pool)
    .await
    .unwrap();
    let results = browser.get_html("/areas/kent/search?q=zebrafinch").await;
    assert!(results.contains("1 result"), "{results}");
    assert!(
        results.contains("Here the <mark>Zebrafinches</mark> are discussed"),
        "{results}"
    );
}
