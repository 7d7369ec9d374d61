//! Each person's home page (`/`, issue 12 item 3) for fixed data on a fixed day (25 March 2014:
//! the 2014-16 draft plans, due 14 February, are overdue; the final plans, due 4 April, amber):
//! the sections of their organisation not completed and, for a lead, every one; the sign-off
//! decisions awaiting a signatory, a board secretary and an assurer; risks and actions due for
//! review, theirs first; deadlines within 30 days or overdue, with their colour; each linking to
//! the place, overdue first then by date; the empty state; another area's items never shown;
//! and a fixed number of queries however many areas and items.

use itf_planner::auth::policy::Role;
use time::macros::datetime;

use crate::helpers::{TestApp, spawn_app};
use crate::plans::version_in;
use crate::query_count::{self, queries};
use crate::risks::{add, good_risk, organisation_id, set};
use crate::signoff::{make_checks_pass, open_round, person};

const CASE: &str = "/areas/kent/plans/2014-16/sections/case-for-change";

/// Sets the app's clock to 25 March 2014, noon.
fn on_the_day(app: &TestApp) {
    app.clock
        .advance(datetime!(2014-03-25 12:00 UTC) - app.clock.now());
}

async fn signed_in(app: &TestApp, role: Role, area: Option<&str>, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, area, organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// The part of the home page under "What needs you" (before "Areas you work in").
fn needs(html: &str) -> &str {
    let start = html.find("id=\"what-needs-you\"").expect("What needs you");
    let end = html.find("id=\"areas\"").expect("the areas");
    &html[start..end]
}

/// Where `text` is in `html`; panics if it is not there.
fn at(html: &str, text: &str) -> usize {
    html.find(text)
        .unwrap_or_else(|| panic!("{text:?} in:\n{html}"))
}

async fn plan_id(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id WHERE a.slug = $1 AND t.key = '2014-16'",
    )
    .bind(slug)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Adds a local deadline met by hand to the area, due on `due` (YYYY-MM-DD); returns its id.
async fn add_local(app: &TestApp, slug: &str, title: &str, due: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO local_deadlines (area_id, title, due_on, met_by, created_by, created_at)
         SELECT a.id, $2, $3::date, 'manual', (SELECT min(id) FROM users), now()
         FROM areas a WHERE a.slug = $1
         RETURNING id",
    )
    .bind(slug)
    .bind(title)
    .bind(due)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_officer_sees_their_organisations_sections_until_written_and_a_lead_every_open_one() {
    let app = spawn_app().await;
    on_the_day(&app);
    let swale = signed_in(&app, Role::Officer, Some("kent"), "NHS Swale CCG").await;
    let council = signed_in(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let lead = signed_in(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let rotherham = signed_in(
        &app,
        Role::AreaLead,
        Some("rotherham"),
        "Rotherham Metropolitan Borough Council",
    )
    .await;

    // The vision is assigned to the council (not Swale); each partner writes its part of the
    // case for change, which the council has done and Swale has not.
    sqlx::query(
        "UPDATE plan_sections s SET assigned_organisation_id = o.id
         FROM organisations o, template_sections ts, plans p, areas a
         WHERE o.name = 'Kent County Council' AND ts.id = s.template_section_id
           AND ts.key = 'vision' AND p.id = s.plan_id AND a.id = p.area_id AND a.slug = 'kent'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let vision = "href=\"/areas/kent/plans/2014-16/sections/vision\"";
    let html = swale.get_html("/").await;
    let needs_swale = needs(&html);
    assert!(needs_swale.contains("id=\"needs-sections\""));
    assert!(needs_swale.contains(&format!("href=\"{CASE}#contributions\"")));
    assert!(needs_swale.contains("contribution is still to write"));
    assert!(!needs_swale.contains(vision));
    assert!(!needs_swale.contains("/areas/rotherham/"));
    let html = council.get_html("/").await;
    let needs_council = needs(&html);
    assert!(needs_council.contains(vision));
    assert!(needs_council.contains("Assigned to your organisation: Ready for review"));
    assert!(!needs_council.contains(CASE));

    // The lead sees every section not completed: those assigned to nobody too.
    let html = lead.get_html("/").await;
    let needs_lead = needs(&html);
    assert!(
        needs_lead
            .contains("href=\"/areas/kent/plans/2014-16/sections/authorisation-and-sign-off\"")
    );
    assert!(needs_lead.contains("Not completed: Not started"));
    assert!(needs_lead.contains(vision));
    assert!(!needs_lead.contains("/areas/rotherham/"));
    // Rotherham's lead sees Rotherham's sections and none of Kent's.
    let html = rotherham.get_html("/").await;
    assert!(needs(&html).contains("/areas/rotherham/plans/2014-16/sections/"));
    assert!(!needs(&html).contains("/areas/kent/"));

    // Once Swale writes its part, the case for change no longer needs it.
    let swale_id = organisation_id(&app, "NHS Swale CCG").await;
    let action = format!("{CASE}/contributions/{swale_id}");
    let version = version_in(&swale.get_html(CASE).await, &action);
    let response = swale
        .post_form(
            &action,
            &[
                ("contribution_text", "Swale's figures"),
                ("contribution_version", &version),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(!needs(&swale.get_html("/").await).contains(CASE));
}

#[tokio::test]
async fn risks_actions_and_deadlines_come_theirs_first_then_overdue_then_by_date_with_links() {
    let app = spawn_app().await;
    on_the_day(&app);
    let lead = signed_in(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let swale = signed_in(&app, Role::Officer, Some("kent"), "NHS Swale CCG").await;
    let swale_id = organisation_id(&app, "NHS Swale CCG").await;
    let council_id = organisation_id(&app, "Kent County Council").await;

    let risk = |title: &str, owner: i64, review: &str, action_due: &str| {
        let mut fields = good_risk(title, owner);
        set(&mut fields, "review", review);
        set(&mut fields, "action_1_due", action_due);
        set(
            &mut fields,
            "action_1_description",
            &format!("Act on {title}"),
        );
        fields
    };
    // Swale's own, due in 20 days; the council's, overdue by 10; the council's, due in 5; one
    // reviewed in 40 days with its action done later still (neither shows).
    let ours = add(
        &lead,
        &risk("Swale wards", swale_id, "14/4/2014", "1/6/2014"),
    )
    .await;
    let overdue = add(
        &lead,
        &risk("Overdue review", council_id, "15/3/2014", "1/6/2014"),
    )
    .await;
    let soon = add(
        &lead,
        &risk("Soon review", council_id, "30/3/2014", "27/3/2014"),
    )
    .await;
    let later = add(
        &lead,
        &risk("Later review", council_id, "4/5/2014", "1/6/2014"),
    )
    .await;

    // Deadlines: Kent's national ones (draft plans overdue, final plans in 10 days), a local one
    // in 16 days and one in 31 days; Rotherham's own one in 3 days.
    let kent_plan = plan_id(&app, "kent").await;
    let board = add_local(
        &app,
        "kent",
        "Risk register to the April board",
        "2014-04-10",
    )
    .await;
    add_local(&app, "kent", "Too far ahead", "2014-04-25").await;
    add_local(&app, "rotherham", "Rotherham board papers", "2014-03-28").await;

    let html = swale.get_html("/").await;
    let page = needs(&html);
    assert!(page.contains("Today is 25 March 2014") || html.contains("Today is 25 March 2014"));
    // Risks: Swale's first, then the overdue one, then by date (the action due in 2 days before
    // the review due in 5).
    let risks = &page[at(page, "id=\"needs-risks\"")..at(page, "id=\"needs-deadlines\"")];
    let positions = [
        at(risks, &format!("href=\"/areas/kent/risks/{ours}\"")),
        at(risks, "Overdue review"),
        at(risks, "Act on Soon review"),
        at(risks, &format!("R-{soon:02} Soon review")),
    ];
    assert!(positions.is_sorted(), "{positions:?} in\n{risks}");
    assert!(risks.contains("10 days overdue"));
    assert!(risks.contains(&format!("href=\"/areas/kent/risks/{overdue}\"")));
    assert!(!risks.contains("Later review"), "review in 40 days");
    assert!(!risks.contains("Act on Swale wards"), "action due in June");
    assert!(!risks.contains(&format!("/risks/{later}\"")));

    // Deadlines: overdue first, then by date, each with its colour and link.
    let deadlines = &page[at(page, "id=\"needs-deadlines\"")..];
    let draft = at(
        deadlines,
        &format!("href=\"/areas/kent/deadlines#deadline-national:{kent_plan}:draft-plans\""),
    );
    let final_plans = at(
        deadlines,
        &format!("href=\"/areas/kent/deadlines#deadline-national:{kent_plan}:final-plans\""),
    );
    let local = at(
        deadlines,
        &format!("href=\"/areas/kent/deadlines#deadline-local:{board}\""),
    );
    assert!(draft < final_plans && final_plans < local, "{deadlines}");
    assert!(deadlines[draft..final_plans].contains("govuk-tag--red"));
    assert!(deadlines[final_plans..local].contains("govuk-tag--yellow"));
    assert!(deadlines[final_plans..local].contains("Due in 10 days"));
    assert!(deadlines[local..].contains("govuk-tag--green"));
    assert!(!deadlines.contains("Too far ahead"));
    assert!(!page.contains("Rotherham board papers"));
    assert!(!page.contains("/areas/rotherham/"));
    // The deadline's row is where the link goes.
    let area_page = swale.get_html("/areas/kent/deadlines").await;
    assert!(area_page.contains(&format!("id=\"deadline-local:{board}\"")));
}

#[tokio::test]
async fn sign_off_decisions_await_the_signatory_the_board_secretary_and_the_assurer_in_turn() {
    let app = spawn_app().await;
    on_the_day(&app);
    make_checks_pass(&app, "kent", "2014-16").await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    open_round(
        &lead,
        "/areas/kent/plans/2014-16",
        "Final submission",
        "final-plans",
    )
    .await;
    let round = "/areas/kent/plans/2014-16/sign-off/rounds/1";
    let west_kent = signed_in(&app, Role::Signatory, Some("kent"), "NHS West Kent CCG").await;
    let secretary = signed_in(
        &app,
        Role::BoardSecretary,
        Some("kent"),
        "Kent Health and Wellbeing Board",
    )
    .await;
    let assurer = signed_in(&app, Role::Assurer, None, "NHS England").await;
    let rotherham = signed_in(
        &app,
        Role::Signatory,
        Some("rotherham"),
        "NHS Rotherham CCG",
    )
    .await;

    let decision = format!("href=\"{round}/decision\"");
    let html = west_kent.get_html("/").await;
    let page = needs(&html);
    assert!(page.contains("id=\"needs-decisions\""));
    assert!(page.contains(&decision), "{page}");
    assert!(page.contains("Final submission"));
    assert!(page.contains("Due in 10 days"), "the round's deadline");
    for browser in [&secretary, &assurer, &rotherham] {
        let html = browser.get_html("/").await;
        assert!(!needs(&html).contains("/sign-off/"), "{html}");
    }

    // Every partner has signed: the board's decision awaits the secretary.
    sqlx::query("UPDATE signoff_rounds SET state = 'board_approval'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(!needs(&west_kent.get_html("/").await).contains("/sign-off/"));
    let html = secretary.get_html("/").await;
    assert!(needs(&html).contains(&format!("href=\"{round}/board\"")));
    assert!(!needs(&assurer.get_html("/").await).contains("/sign-off/"));

    // Approved by the board and submitted: assurance awaits the assurer.
    sqlx::query(
        "INSERT INTO board_decisions (round_id, how, body, decided_on, agenda_item, reference,
                                      resolution, outcome, snapshot_hash, recorded_by, recorded_at)
         SELECT id, 'meeting', 'Kent Health and Wellbeing Board', '2014-03-20', '5', 'HWB/14/5',
                'Approved', 'approved', snapshot_hash, opened_by, now()
         FROM signoff_rounds",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE signoff_rounds SET state = 'submitted'")
        .execute(&app.pool)
        .await
        .unwrap();
    let html = assurer.get_html("/").await;
    assert!(needs(&html).contains(&format!("href=\"{round}/assurance\"")));
    assert!(!needs(&secretary.get_html("/").await).contains("/sign-off/"));
}

#[tokio::test]
async fn nothing_needs_someone_with_nothing_to_do_and_they_still_see_their_areas() {
    let app = spawn_app().await;
    on_the_day(&app);
    // An area with no plan, no risks and no deadlines.
    sqlx::query(
        "WITH board AS (
             INSERT INTO organisations (name, kind) VALUES ('Quiet Health and Wellbeing Board', 'hwb')
             RETURNING id
         )
         INSERT INTO areas (slug, name, board_id) SELECT 'quiet', 'Quiet', id FROM board",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let quiet = signed_in(
        &app,
        Role::Officer,
        Some("quiet"),
        "Quiet Health and Wellbeing Board",
    )
    .await;
    let html = quiet.get_html("/").await;
    assert!(html.contains("id=\"nothing-needs-you\""));
    assert!(html.contains("Nothing needs you today"));
    assert!(html.contains("href=\"/areas/quiet\""));
    assert!(!html.contains("/areas/kent"));
    // An assurer with no plan awaiting assurance: nothing, and every area.
    let assurer = signed_in(&app, Role::Assurer, None, "NHS England").await;
    let html = assurer.get_html("/").await;
    assert!(html.contains("Nothing needs you today"));
    assert!(html.contains("You can see every area."));
    assert!(html.contains("href=\"/areas/kent\"") && html.contains("href=\"/areas/rotherham\""));
}

#[tokio::test]
async fn the_page_runs_as_many_queries_for_many_areas_and_items_as_for_few() {
    query_count::install();
    let app = spawn_app().await;
    on_the_day(&app);
    let lead = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    let browser = app.another_browser();
    browser.sign_in(&lead).await;
    let few = queries(&browser, "/").await;

    // Lead of Rotherham too, with more risks and deadlines in both areas.
    let rotherham_id: i64 = sqlx::query_scalar("SELECT id FROM areas WHERE slug = 'rotherham'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    itf_planner::auth::store::insert_grant(&app.pool, lead.id, Role::AreaLead, Some(rotherham_id))
        .await
        .unwrap();
    let fresh = app.another_browser();
    fresh.sign_in(&lead).await;
    let council_id = organisation_id(&app, "Kent County Council").await;
    for n in 0..5 {
        add(&fresh, &good_risk(&format!("Risk {n}"), council_id)).await;
        add_local(&app, "kent", &format!("Kent {n}"), "2014-04-01").await;
        add_local(&app, "rotherham", &format!("Rotherham {n}"), "2014-04-01").await;
    }
    let html = fresh.get_html("/").await;
    assert!(html.contains("Rotherham 4") && html.contains("Kent 4"));
    let many = queries(&fresh, "/").await;
    assert_eq!(
        few, many,
        "queries for one area and few items, and for two and many"
    );
    assert!(many <= 20, "{many} queries");
}
