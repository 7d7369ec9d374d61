//! An area's deadlines over HTTP with a fixed clock: red / amber / green at each boundary, a
//! national deadline met by a submitted round, the lead's own deadlines added, changed and
//! removed (422 and 409 keeping what was typed), "done" recorded once by two leads at once and
//! undone, who may do what, the banner on the area page and the task list, the page's query
//! count and the audit log.

use itf_planner::auth::policy::Role;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

use crate::helpers::{TestApp, TestUser, form_fields_in, location, spawn_app};
use crate::query_count;

const PAGE: &str = "/areas/kent/deadlines";
/// The tests' today: before every national deadline of Kent's 2014-16 plan (the first is
/// 14 February 2014), long before the demo's own deadlines (dated from the real today).
const TODAY: Date = date!(2013 - 10 - 01);

fn set_clock(app: &TestApp, to: OffsetDateTime) {
    app.clock.advance(to - app.clock.now());
}

async fn browser(app: &TestApp, role: Role, area: &str, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// The app on `TODAY` with Kent's area lead signed in.
async fn kent() -> (TestApp, TestApp) {
    let (app, lead, _) = kent_at(datetime!(2013-10-01 12:00 UTC)).await;
    (app, lead)
}

/// The app at `at` with Kent's area lead (returned too, to sign in again) signed in.
async fn kent_at(at: OffsetDateTime) -> (TestApp, TestApp, TestUser) {
    let app = spawn_app().await;
    set_clock(&app, at);
    let lead = app.another_browser();
    let user = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    lead.sign_in(&user).await;
    (app, lead, user)
}

fn local_fields(title: &str, due: Date) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("due_day", due.day().to_string()),
        ("due_month", u8::from(due.month()).to_string()),
        ("due_year", due.year().to_string()),
        ("met_by", "manual".to_owned()),
        ("plan", String::new()),
        ("notes", String::new()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

/// Adds a local deadline met by hand, due `days` from `TODAY`; returns its id.
async fn add(app: &TestApp, lead: &TestApp, title: &str, days: i64) -> i64 {
    let fields = local_fields(title, TODAY + Duration::days(days));
    let response = lead
        .post_form(&format!("{PAGE}/new"), &borrowed(&fields))
        .await;
    assert_eq!(response.status(), 303, "adding {title}");
    assert_eq!(location(&response), format!("{PAGE}?done=added"));
    sqlx::query_scalar("SELECT id FROM local_deadlines WHERE title = $1")
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The table row of the deadline titled `title`.
fn row<'a>(html: &'a str, title: &str) -> &'a str {
    html.split("<tr")
        .find(|row| row.contains(&format!(">{title}")))
        .unwrap_or_else(|| panic!("a row for {title}"))
}

#[tokio::test]
async fn each_boundary_shows_its_colour_and_its_words() {
    let (app, lead) = kent().await;
    for (title, days) in [
        ("Due today", 0),
        ("Due tomorrow", 1),
        ("Due in 14 days", 14),
        ("Due in 15 days", 15),
        ("Due yesterday", -1),
    ] {
        add(&app, &lead, &format!("Boundary {title}"), days).await;
    }
    let html = lead.get_html(PAGE).await;
    for (title, tag, words) in [
        ("Due today", "govuk-tag--yellow\">Amber", "Due today"),
        ("Due tomorrow", "govuk-tag--yellow\">Amber", "Due tomorrow"),
        (
            "Due in 14 days",
            "govuk-tag--yellow\">Amber",
            "Due in 14 days",
        ),
        (
            "Due in 15 days",
            "govuk-tag--green\">Green",
            "Due in 15 days",
        ),
        ("Due yesterday", "govuk-tag--red\">Red", "1 day overdue"),
    ] {
        let row = row(&html, &format!("Boundary {title}"));
        assert!(row.contains(tag), "{title}: {row}");
        assert!(row.contains(words), "{title}: {row}");
        assert!(row.contains("Local"), "{title}");
    }
    // Kent's national deadlines are in the same table, by due date.
    let national = row(&html, "Draft plans due");
    assert!(national.contains("National") && national.contains("14 February 2014"));
    let draft = html.find(">Draft plans due").unwrap();
    let final_plans = html.find(">Final plans due").unwrap();
    assert!(draft < final_plans && html.find(">Boundary Due yesterday").unwrap() < draft);
}

#[tokio::test]
async fn a_national_deadline_is_met_by_a_round_submitted_against_it() {
    let (app, lead, _) = kent_at(datetime!(2014-02-20 12:00 UTC)).await;
    let (plan_id, lead_id): (i64, i64) = sqlx::query_as(
        "SELECT p.id, (SELECT id FROM users WHERE email = 'kent.lead@itf.example')
         FROM plans p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let before = lead.get_html(PAGE).await;
    assert!(row(&before, "Draft plans due").contains("6 days overdue"));
    let round_id: i64 = sqlx::query_scalar(
        "INSERT INTO signoff_rounds (plan_id, number, name, deadline_key, state, opened_at,
                                     opened_by, snapshot, snapshot_hash, content_version)
         VALUES ($1, 1, 'Draft', 'draft-plans', 'submitted', '2014-02-10 09:00Z', $2, '{}',
                 sha256('x'), 0)
         RETURNING id",
    )
    .bind(plan_id)
    .bind(lead_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO submissions (round_id, submitted_at, recorded_by, recorded_at)
         VALUES ($1, '2014-02-13 10:00Z', $2, '2014-02-13 10:00Z')",
    )
    .bind(round_id)
    .bind(lead_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let html = lead.get_html(PAGE).await;
    let draft = row(&html, "Draft plans due");
    assert!(draft.contains("govuk-tag--green\">Green"), "{draft}");
    assert!(
        draft.contains(">Met<") || draft.contains("Met</span>"),
        "{draft}"
    );
    assert!(draft.contains("By sign-off, 13 February 2014"), "{draft}");
    // The final plans are not met by a round against the draft deadline.
    assert!(row(&html, "Final plans due").contains("Due in 43 days"));
}

#[tokio::test]
async fn the_lead_adds_changes_and_removes_a_deadline_with_errors_and_conflicts_kept() {
    let (app, lead) = kent().await;
    let new = format!("{PAGE}/new");
    // Everything wrong at once: no title, 31 February, a plan needed but not chosen.
    let mut fields = local_fields("", TODAY);
    fields[1].1 = "31".into();
    fields[2].1 = "2".into();
    fields[3].1 = "2026".into();
    fields[4].1 = "submitted".into();
    fields[6].1 = "Typed notes kept".into();
    let response = lead.post_form(&new, &borrowed(&fields)).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    for expected in [
        "Enter a title",
        "Enter a real date",
        "Choose the plan whose sign-off meets the deadline",
        "value=\"31\"",
        "value=\"2026\"",
        "Typed notes kept",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    // A plan of another area.
    let rotherham_plan: i64 = sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'rotherham'
         LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut fields = local_fields("Board papers", TODAY + Duration::days(20));
    fields[4].1 = "submitted".into();
    fields[5].1 = rotherham_plan.to_string();
    let response = lead.post_form(&new, &borrowed(&fields)).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Choose one of this area&#39;s plans") && html.contains("Board papers"));

    let id = add(&app, &lead, "Board papers", 20).await;
    assert!(
        lead.get_html(&format!("{PAGE}?done=added"))
            .await
            .contains("The deadline has been added")
    );
    let edit = format!("{PAGE}/local/{id}");
    let form = form_fields_in(&lead.get_html(&edit).await, &edit).expect("the edit form");
    assert!(form.contains(&("version".to_owned(), "1".to_owned())));
    let mut fields = local_fields("Board papers to the secretary", TODAY + Duration::days(21));
    fields.push(("version", "1".into()));
    let response = lead.post_form(&edit, &borrowed(&fields)).await;
    assert_eq!(location(&response), format!("{PAGE}?done=changed"));
    assert!(
        row(&lead.get_html(PAGE).await, "Board papers to the secretary")
            .contains("22 October 2013")
    );
    // The same form again, made from version 1: someone else's change is not overwritten.
    fields[0].1 = "My stale title".into();
    let response = lead.post_form(&edit, &borrowed(&fields)).await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("Someone else changed this deadline") && html.contains("My stale title"));
    assert!(html.contains("name=\"version\" value=\"2\""));
    // An edit with a problem.
    let mut bad = local_fields("  ", TODAY);
    bad.push(("version", "2".into()));
    let response = lead.post_form(&edit, &borrowed(&bad)).await;
    assert_eq!(response.status(), 422);
    // Removing with a stale version, then the current one.
    let remove = format!("{edit}/remove");
    let response = lead.post_form(&remove, &[("version", "1")]).await;
    assert_eq!(response.status(), 409);
    let response = lead.post_form(&remove, &[("version", "2")]).await;
    assert_eq!(location(&response), format!("{PAGE}?done=removed"));
    assert!(
        !lead
            .get_html(PAGE)
            .await
            .contains("Board papers to the secretary")
    );
    assert_eq!(lead.get(&edit).await.status(), 404);
    let actions = app.audit_actions().await;
    for action in [
        "deadline.local_added",
        "deadline.local_changed",
        "deadline.local_removed",
    ] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action}"
        );
    }
}

#[tokio::test]
async fn done_by_two_leads_at_once_is_recorded_once_and_can_be_undone() {
    let (app, lead) = kent().await;
    let other_lead = browser(&app, Role::AreaLead, "kent", "NHS Ashford CCG").await;
    let id = add(&app, &lead, "Section 75 signed", 5).await;
    let reference = format!("local:{id}");
    let form_page = lead
        .get_html(&format!("{PAGE}/done?deadline={reference}"))
        .await;
    assert!(
        form_page.contains("value=\"1\"") && form_page.contains("value=\"2013\""),
        "today"
    );
    let done = format!("{PAGE}/done");
    let fields = [
        ("deadline", reference.as_str()),
        ("done_on_day", "30"),
        ("done_on_month", "9"),
        ("done_on_year", "2013"),
        ("note", "Signed by both"),
    ];
    let (first, second) = tokio::join!(
        lead.post_form(&done, &fields),
        other_lead.post_form(&done, &fields)
    );
    let mut outcomes = vec![location(&first), location(&second)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            format!("{PAGE}?done=already-recorded"),
            format!("{PAGE}?done=recorded"),
        ]
    );
    let html = lead.get_html(PAGE).await;
    let met = row(&html, "Section 75 signed");
    assert!(met.contains("govuk-tag--green\">Green") && met.contains("Done on 30 September 2013"));
    assert!(met.contains("Signed by both"));
    // Tomorrow is refused, with the note kept.
    let tomorrow = [
        ("deadline", reference.as_str()),
        ("done_on_day", "2"),
        ("done_on_month", "10"),
        ("done_on_year", "2013"),
        ("note", "Too soon"),
    ];
    let response = lead.post_form(&done, &tomorrow).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("Too soon"));
    // Undone, then undone again: nothing to undo.
    let undo = format!("{PAGE}/undo");
    let response = lead.post_form(&undo, &[("deadline", &reference)]).await;
    assert_eq!(location(&response), format!("{PAGE}?done=undone"));
    assert!(row(&lead.get_html(PAGE).await, "Section 75 signed").contains("Not met"));
    let response = lead.post_form(&undo, &[("deadline", &reference)]).await;
    assert_eq!(location(&response), format!("{PAGE}?done=not-recorded"));
    // A national deadline, by hand; a local one met by sign-off cannot be.
    let plan_id: i64 = sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let national = format!("national:{plan_id}:section-75-pools-live");
    let response = lead
        .post_form(
            &done,
            &[
                ("deadline", &national),
                ("done_on_day", "1"),
                ("done_on_month", "10"),
                ("done_on_year", "2013"),
            ],
        )
        .await;
    assert_eq!(location(&response), format!("{PAGE}?done=recorded"));
    let response = lead
        .post_form(
            &done,
            &[
                ("deadline", "local:1"),
                ("done_on_day", "1"),
                ("done_on_month", "10"),
                ("done_on_year", "2013"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        404,
        "met by a round opening, not by hand"
    );
    let actions = app.audit_actions().await;
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(
        count("deadline.done_recorded"),
        2,
        "once for the local, once national"
    );
    assert_eq!(count("deadline.done_undone"), 1);
}

#[tokio::test]
async fn only_the_lead_changes_deadlines_and_another_area_sees_none() {
    let (app, lead) = kent().await;
    let id = add(&app, &lead, "Lead only", 3).await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let outsider = browser(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;
    let page = officer.get_html(PAGE).await;
    assert!(page.contains("Lead only") && !page.contains("Add a deadline"));
    let reference = format!("local:{id}");
    let gets = [
        format!("{PAGE}/new"),
        format!("{PAGE}/local/{id}"),
        format!("{PAGE}/done?deadline={reference}"),
    ];
    let posts = [
        format!("{PAGE}/new"),
        format!("{PAGE}/local/{id}"),
        format!("{PAGE}/local/{id}/remove"),
        format!("{PAGE}/done"),
        format!("{PAGE}/undo"),
    ];
    let fields = local_fields("Officer's", TODAY);
    let mut fields = borrowed(&fields);
    fields.extend([("version", "1"), ("deadline", reference.as_str())]);
    for (who, status) in [(&officer, 403), (&outsider, 404)] {
        for path in &gets {
            assert_eq!(who.get(path).await.status(), status, "GET {path}");
        }
        for path in &posts {
            assert_eq!(
                who.post_form(path, &fields).await.status(),
                status,
                "POST {path}"
            );
        }
    }
    assert_eq!(outsider.get(PAGE).await.status(), 404);
    let unchanged: (String, i32) =
        sqlx::query_as("SELECT title, version FROM local_deadlines WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(unchanged, ("Lead only".to_owned(), 1));
}

#[tokio::test]
async fn the_banner_shows_at_14_days_and_not_at_15_on_the_area_page_and_the_task_list() {
    let (app, lead, user) = kent_at(datetime!(2013-10-01 12:00 UTC)).await;
    let pages = ["/areas/kent", "/areas/kent/plans/2014-16"];
    for page in pages {
        assert!(
            !lead.get_html(page).await.contains("deadline-banner"),
            "{page}"
        );
    }
    let id = add(&app, &lead, "Papers to the board", 15).await;
    for page in pages {
        assert!(
            !lead.get_html(page).await.contains("deadline-banner"),
            "{page} at 15 days"
        );
    }
    app.clock.advance(Duration::days(1));
    lead.sign_in(&user).await;
    for page in pages {
        let html = lead.get_html(page).await;
        assert!(
            html.contains("1 deadline due within 14 days: Papers to the board."),
            "{page} at 14 days"
        );
        assert!(html.contains("href=\"/areas/kent/deadlines\""));
    }
    app.clock.advance(Duration::days(15));
    lead.sign_in(&user).await;
    let html = lead.get_html("/areas/kent").await;
    assert!(html.contains("1 deadline overdue: Papers to the board."));
    // Met: no banner.
    lead.post_form(
        &format!("{PAGE}/done"),
        &[
            ("deadline", &format!("local:{id}")),
            ("done_on_day", "1"),
            ("done_on_month", "10"),
            ("done_on_year", "2013"),
        ],
    )
    .await;
    assert!(
        !lead
            .get_html("/areas/kent")
            .await
            .contains("deadline-banner")
    );
    // The area page links to the deadlines.
    assert!(
        lead.get_html("/areas/kent")
            .await
            .contains("/areas/kent/deadlines\">Deadlines")
    );
}

#[tokio::test]
async fn the_page_runs_as_many_queries_for_many_deadlines_as_for_one() {
    query_count::install();
    let (app, lead) = kent().await;
    add(&app, &lead, "The first", 3).await;
    let one = query_count::queries(&lead, PAGE).await;
    for n in 0..12 {
        let id = add(&app, &lead, &format!("Another {n}"), n).await;
        if n % 3 == 0 {
            lead.post_form(
                &format!("{PAGE}/done"),
                &[
                    ("deadline", &format!("local:{id}")),
                    ("done_on_day", "1"),
                    ("done_on_month", "10"),
                    ("done_on_year", "2013"),
                ],
            )
            .await;
        }
    }
    let many = query_count::queries(&lead, PAGE).await;
    assert_eq!(one, many, "queries for 1 deadline and for 13");
}
