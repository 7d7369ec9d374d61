//! The programme dashboard (`/programme`) for fixed data on a fixed day (25 March 2014): the
//! demo's Kent and Rotherham with their 2014-16 plans, and areas added here with local deadlines
//! only. Rows and cells, the filters (region, plan state, colour), the two orders, who sees
//! which areas, a fixed number of queries however many areas there are, and an area's region
//! set on its administration page.

use itf_planner::auth::policy::Role;
use time::macros::datetime;

use itf_planner::clock::Clock;

use crate::helpers::{
    TestApp, based_on_in, location, post_and_expect_422, post_and_expect_redirect, signed_in_admin,
    spawn_app, spawn_app_with,
};
use crate::metrics::signed_in;
use crate::query_count::{self, queries};

const CYCLE: &str = "/programme?cycle=2014-16";

/// Sets the app's clock to 25 March 2014, noon: the 2014-16 draft plans (14 February) are 39
/// days overdue, the final plans (4 April) due in 10 days.
fn on_the_day(app: &TestApp) {
    app.clock
        .advance(datetime!(2014-03-25 12:00 UTC) - app.clock.now());
}

async fn assurer(app: &TestApp) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(Role::Assurer, None, "NHS England").await;
    browser.sign_in(&user).await;
    browser
}

async fn user_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM users ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Adds an area with its own board, in `region`; returns its id.
pub(crate) async fn add_area(app: &TestApp, slug: &str, name: &str, region: &str) -> i64 {
    sqlx::query_scalar(
        "WITH board AS (
             INSERT INTO organisations (name, kind) VALUES ($2 || ' Health and Wellbeing Board', 'hwb')
             RETURNING id
         )
         INSERT INTO areas (slug, name, board_id, region) SELECT $1, $2, id, $3 FROM board
         RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(region)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Adds a local deadline met by hand, due `due` (YYYY-MM-DD), to the area.
async fn add_local(app: &TestApp, area_id: i64, title: &str, due: &str) {
    let by = user_id(app).await;
    sqlx::query(
        "INSERT INTO local_deadlines (area_id, title, due_on, met_by, created_by, created_at)
         VALUES ($1, $2, $3::date, 'manual', $4, now())",
    )
    .bind(area_id)
    .bind(title)
    .bind(due)
    .bind(by)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Records Kent's 2014-16 draft plans deadline done by hand on 13 February 2014.
async fn kent_draft_done(app: &TestApp) {
    let by = user_id(app).await;
    sqlx::query(
        "INSERT INTO deadline_done (area_id, deadline_ref, done_on, recorded_by, recorded_at)
         SELECT a.id, 'national:' || p.id || ':draft-plans', '2014-02-13', $1, now()
         FROM plans p JOIN areas a ON a.id = p.area_id JOIN templates t ON t.id = p.template_id
         WHERE a.slug = 'kent' AND t.key = '2014-16'",
    )
    .bind(by)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// The fixed data: Rotherham red (draft plans 39 days overdue), Kent amber (draft plans met,
/// final plans due in 10 days), Essex red (a local deadline 2 days overdue), Surrey green (a
/// local deadline in 30 days), Dorset with nothing at all.
async fn fixed_data(app: &TestApp) {
    on_the_day(app);
    kent_draft_done(app).await;
    let essex = add_area(app, "essex", "Essex", "East of England").await;
    add_local(app, essex, "Risk register to the board", "2014-03-23").await;
    let surrey = add_area(app, "surrey", "Surrey", "South East").await;
    add_local(app, surrey, "Board meeting", "2014-04-24").await;
    add_area(app, "dorset", "Dorset", "South West").await;
}

/// The areas' short names, in the order of the table's rows.
fn row_order(html: &str) -> Vec<String> {
    html.split("data-area=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

/// The table row of the area `slug`.
fn row<'a>(html: &'a str, slug: &str) -> &'a str {
    let start = html
        .find(&format!("data-area=\"{slug}\""))
        .unwrap_or_else(|| panic!("no row for {slug}"));
    let end = start + html[start..].find("</tr>").expect("the row ends");
    &html[start..end]
}

#[tokio::test]
async fn each_area_has_a_row_with_each_deadline_its_colour_in_words_and_its_worst() {
    let app = spawn_app().await;
    fixed_data(&app).await;
    let browser = assurer(&app).await;
    let html = browser.get_html(CYCLE).await;

    assert!(html.contains("<h1 class=\"govuk-heading-l\">Programme</h1>"));
    assert!(html.contains("<caption class=\"govuk-table__caption"));
    assert!(html.contains("<th scope=\"col\" class=\"govuk-table__header\">Draft plans due"));
    assert!(html.contains("Final plans due"));
    assert!(html.contains("class=\"app-table-scroll\""));
    assert!(html.contains("Showing 5 of 5 areas"), "{html}");
    assert!(
        html.contains("href=\"/programme\" aria-current=\"page\"><strong class=\"govuk-service-navigation__active-fallback\">Programme</strong></a>"),
        "in the service navigation"
    );

    let rotherham = row(&html, "rotherham");
    assert!(rotherham.contains("data-rag=\"red\""));
    assert!(rotherham.contains("<th scope=\"row\""));
    assert!(rotherham.contains("govuk-tag--red\">Red</strong>"));
    assert!(rotherham.contains("39 days overdue"));
    assert!(rotherham.contains("Due in 10 days"));
    assert!(rotherham.contains("Drafting"));
    assert!(rotherham.contains("North East and Yorkshire"));

    let kent = row(&html, "kent");
    assert!(kent.contains("data-rag=\"amber\""), "{kent}");
    assert!(kent.contains("govuk-tag--green\">Green</strong>"));
    assert!(kent.contains(">Met</span>"), "done a day early: {kent}");
    assert!(kent.contains("govuk-tag--yellow\">Amber</strong>"));
    assert!(kent.contains("South East"));
    assert!(kent.contains("href=\"/areas/kent/plans/2014-16\">Drafting</a>"));

    let essex = row(&html, "essex");
    assert!(essex.contains("data-rag=\"red\""));
    assert!(essex.contains("No plan"));
    assert!(essex.contains("Risk register to the board"));
    assert!(essex.contains("2 days overdue"));

    let surrey = row(&html, "surrey");
    assert!(surrey.contains("data-rag=\"green\""));
    assert!(surrey.contains("Due in 30 days"));

    let dorset = row(&html, "dorset");
    assert!(dorset.contains("data-rag=\"none\""));
    assert!(dorset.contains("No deadlines"));
    assert!(dorset.contains("None outstanding"));
}

#[tokio::test]
async fn overdue_first_by_default_or_by_name() {
    let app = spawn_app().await;
    fixed_data(&app).await;
    let browser = assurer(&app).await;
    let html = browser.get_html(CYCLE).await;
    assert_eq!(
        row_order(&html),
        ["rotherham", "essex", "kent", "surrey", "dorset"]
    );
    let html = browser.get_html(&format!("{CYCLE}&sort=name")).await;
    assert_eq!(
        row_order(&html),
        ["dorset", "essex", "kent", "rotherham", "surrey"]
    );
}

#[tokio::test]
async fn the_filters_narrow_by_region_plan_state_and_colour() {
    let app = spawn_app().await;
    fixed_data(&app).await;
    let browser = assurer(&app).await;
    let rows = |query: &'static str| {
        let browser = browser.clone();
        async move {
            let html = browser.get_html(&format!("{CYCLE}&{query}")).await;
            (row_order(&html), html)
        }
    };

    let (order, html) = rows("region=South+East").await;
    assert_eq!(order, ["kent", "surrey"]);
    assert!(html.contains("Showing 2 of 5 areas"));
    assert!(html.contains("<option value=\"South East\" selected>"));

    let (order, _) = rows("state=no-plan").await;
    assert_eq!(order, ["essex", "surrey", "dorset"]);
    let (order, _) = rows("state=drafting").await;
    assert_eq!(order, ["rotherham", "kent"]);

    let (order, html) = rows("rag=red").await;
    assert_eq!(order, ["rotherham", "essex"]);
    assert!(html.contains("<option value=\"red\" selected>"));
    assert_eq!(rows("rag=amber").await.0, ["kent"]);
    assert_eq!(rows("rag=green").await.0, ["surrey"]);

    let (order, html) = rows("region=South+East&rag=red").await;
    assert!(order.is_empty());
    assert!(html.contains("Showing 0 of 5 areas"));
    assert!(html.contains("No areas match."));

    // A value the page does not offer filters nothing.
    assert_eq!(rows("region=Atlantis&rag=purple").await.0.len(), 5);
}

#[tokio::test]
async fn the_default_cycle_is_the_newest_with_deadlines_and_an_area_without_its_plan_says_so() {
    let app = spawn_app().await;
    fixed_data(&app).await;
    let browser = assurer(&app).await;
    let html = browser.get_html("/programme").await;
    assert!(
        html.contains("<option value=\"2025-26\" selected>"),
        "{html}"
    );
    assert!(html.contains("National submission deadline"));
    assert!(row(&html, "kent").contains("No plan"));
    assert!(
        row(&html, "rotherham").contains("href=\"/areas/rotherham/plans/2025-26\">Drafting</a>")
    );
    // In March 2014 the 2025-26 deadlines are years away.
    assert!(row(&html, "rotherham").contains("data-rag=\"green\""));
}

#[tokio::test]
async fn an_officer_sees_only_their_area_and_a_visitor_is_sent_to_sign_in() {
    let app = spawn_app().await;
    fixed_data(&app).await;
    let officer = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let html = officer.get_html(CYCLE).await;
    assert_eq!(row_order(&html), ["kent"]);
    assert!(html.contains("Showing 1 of 1 area"));
    assert!(html.contains("href=\"/programme\" aria-current=\"page\"><strong class=\"govuk-service-navigation__active-fallback\">Programme</strong></a>"));

    let response = app.get("/programme").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
}

#[tokio::test]
async fn the_dashboard_makes_a_fixed_number_of_queries_however_many_areas() {
    query_count::install();
    let app = spawn_app().await;
    on_the_day(&app);
    let browser = assurer(&app).await;
    let with_two = queries(&browser, CYCLE).await;
    assert!(with_two > 0);
    for n in 0..38 {
        let id = add_area(&app, &format!("area-{n}"), &format!("Area {n}"), "London").await;
        add_local(&app, id, "Board meeting", "2014-04-01").await;
    }
    let html = browser.get_html(CYCLE).await;
    assert!(html.contains("Showing 40 of 40 areas"));
    assert_eq!(queries(&browser, CYCLE).await, with_two);
}

#[tokio::test]
async fn an_administrator_sets_an_area_s_region_and_the_dashboard_filters_by_it() {
    let (app, _admin) = signed_in_admin().await;
    let page = app.get_html("/admin/areas/kent").await;
    assert!(page.contains("South East"), "the demo's region is shown");
    let based_on = based_on_in(&page);
    let board: i64 = sqlx::query_scalar("SELECT board_id FROM areas WHERE slug = 'kent'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let board = board.to_string();
    let fields = |region: &'static str| {
        [
            ("based_on", based_on.clone()),
            ("name", "Kent".to_owned()),
            ("board", board.clone()),
            ("region", region.to_owned()),
        ]
    };
    let too_long = "x".repeat(101).leak();
    let form = fields(too_long);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = post_and_expect_422(&app, "/admin/areas/kent", &form).await;
    assert!(body.contains("Region must be 100 characters or fewer"));

    let form = fields("  London ");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_and_expect_redirect(
        &app,
        "/admin/areas/kent",
        &form,
        "/admin/areas/kent?done=area-updated",
    )
    .await;
    let html = app.get_html("/programme?region=London").await;
    assert_eq!(row_order(&html), ["kent"]);
    assert!(row(&html, "kent").contains(">London</td>"));
    let audit: String = sqlx::query_scalar(
        "SELECT details::text FROM audit_log WHERE action = 'area.updated' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let audit: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(audit["before"]["region"], "South East");
    assert_eq!(audit["after"]["region"], "London");
}

/// With tables kept (as on a server: `ITF_NATIONAL_CACHE_SECONDS`), a later view is answered
/// without the whole-country reads; people who see other areas get their own table; a change
/// made through the app shows at once, and so does a new day's colours.
#[tokio::test]
async fn kept_tables_are_shared_by_those_who_see_the_same_and_a_change_shows_at_once() {
    query_count::install();
    let app = spawn_app_with(
        &[("ITF_NATIONAL_CACHE_SECONDS", "3600".to_owned())],
        Clock::fixed(datetime!(2014-03-25 12:00 UTC)),
    )
    .await;
    kent_draft_done(&app).await;
    let browser = assurer(&app).await;
    let (read, kept) = query_count::read_then_kept(&browser, CYCLE).await;
    // Kept, the page reads its session alone: the areas and cycles are kept with the table.
    assert!(
        kept == 1 && kept + 4 <= read,
        "kept: {kept} statements, read: {read}"
    );
    let html = browser.get_html(CYCLE).await;
    assert_eq!(row_order(&html), ["rotherham", "kent"]);
    assert!(row(&html, "kent").contains("data-rag=\"amber\""));
    // Accepting gzip, the same page: the kept table's compressed bytes joined with the rest.
    let (encoding, gzipped) = browser.get_html_accepting_gzip(CYCLE).await;
    assert_eq!((encoding.as_str(), &gzipped), ("gzip", &html));

    let officer = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let own = officer.get_html(CYCLE).await;
    assert_eq!(row_order(&own), ["kent"], "not the assurer's table");
    assert!(own.contains("Showing 1 of 1 area"));

    // Kent moved to London by an administrator through the app: shown at once.
    let admin = app.another_browser();
    let user = app.create_user(Role::Admin, None, "NHS England").await;
    admin.sign_in(&user).await;
    let page = admin.get_html("/admin/areas/kent").await;
    let board: i64 = sqlx::query_scalar("SELECT board_id FROM areas WHERE slug = 'kent'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let form = [
        ("based_on", based_on_in(&page)),
        ("name", "Kent".to_owned()),
        ("board", board.to_string()),
        ("region", "London".to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin.post_form("/admin/areas/kent", &form).await.status(),
        303
    );
    let html = browser.get_html(CYCLE).await;
    assert!(
        row(&html, "kent").contains(">London</td>"),
        "the change shows"
    );
    let london = browser.get_html(&format!("{CYCLE}&region=London")).await;
    assert_eq!(row_order(&london), ["kent"]);

    // Eleven days on, Kent's final plans (4 April) are overdue: a new day, a new table.
    app.clock.advance(time::Duration::days(11));
    let browser = assurer(&app).await;
    let html = browser.get_html(CYCLE).await;
    assert!(
        row(&html, "kent").contains("data-rag=\"red\""),
        "{}",
        row(&html, "kent")
    );
}
