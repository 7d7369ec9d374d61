//! Calendar feeds: an area's and a person's deadlines as iCalendar at a secret URL, read back
//! with a parser; rotating kills the old address; no cookie needed; nothing for a wrong secret.

use std::collections::BTreeSet;

use icalendar::{Component, DatePerhapsTime};
use itf_planner::auth::policy::Role;
use itf_planner::deadlines::model::MetBy;
use itf_planner::deadlines::store::{LocalDeadline, insert_local};
use sha2::{Digest, Sha256};
use time::macros::date;

use crate::helpers::{TestApp, TestUser, spawn_app};
use crate::query_count::{self, queries};

/// A browser signed in as a new `role` of `area`.
async fn signed_in(
    app: &TestApp,
    role: Role,
    area: Option<&str>,
    org: &str,
) -> (TestApp, TestUser) {
    let browser = app.another_browser();
    let user = app.create_user(role, area, org).await;
    browser.sign_in(&user).await;
    (browser, user)
}

/// Makes (or rotates) the feed at `page` and returns its address, shown this once.
async fn make_feed(browser: &TestApp, page: &str) -> String {
    let response = browser.post_form(page, &[]).await;
    assert_eq!(response.status(), 200, "POST {page}");
    let html = response.text().await.unwrap();
    let marker = "id=\"feed-url\" name=\"feed-url\" type=\"text\" value=\"";
    let start = html.find(marker).expect("the new address is shown") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// The path of a feed address.
fn path_of(url: &str) -> String {
    let at = url.find("/calendar/").expect("a feed address");
    url[at..].to_owned()
}

/// Fetches a feed with a client that has no cookies at all, as a calendar app does.
async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&path_of(url)))
        .send()
        .await
        .unwrap()
}

struct Event {
    uid: String,
    summary: String,
    description: String,
    start: DatePerhapsTime,
    end: DatePerhapsTime,
}

/// The feed, parsed: its name and events.
async fn read_feed(app: &TestApp, url: &str) -> (String, Vec<Event>) {
    let response = fetch(app, url).await;
    assert_eq!(response.status(), 200, "GET {url}");
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "private, max-age=300");
    let text = response.text().await.unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let calendar: icalendar::Calendar = icalendar::parser::read_calendar(&unfolded)
        .expect("the feed parses")
        .into();
    let events = calendar
        .components
        .iter()
        .filter_map(|component| component.as_event())
        .map(|event| Event {
            uid: event.get_uid().unwrap().to_owned(),
            summary: event.get_summary().unwrap().to_owned(),
            description: event.get_description().unwrap_or_default().to_owned(),
            start: event.get_start().unwrap(),
            end: event.get_end().unwrap(),
        })
        .collect();
    (calendar.get_name().unwrap_or_default().to_owned(), events)
}

async fn area_id(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM areas WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The UIDs the area's deadlines should have.
async fn expected_uids(app: &TestApp, slug: &str) -> BTreeSet<String> {
    let id = area_id(app, slug).await;
    let deadlines = itf_planner::deadlines::of_areas(
        &app.pool,
        &itf_planner::plans::templates::kept::KeptStructures::new(),
        &[id],
    )
    .await
    .unwrap();
    deadlines
        .get(&id)
        .map(|list| {
            list.iter()
                .map(|deadline| format!("{}-{slug}@itf-planner", deadline.reference.text()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_area_feed_holds_the_area_deadlines_and_needs_no_cookie() {
    let app = spawn_app().await;
    let (lead, lead_user) =
        signed_in(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let page = lead.get_html("/areas/kent/calendar").await;
    assert!(page.contains("Create the feed address"), "{page}");
    // Looking at the page makes nothing.
    let feeds: i64 = sqlx::query_scalar("SELECT count(*) FROM calendar_feeds")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(feeds, 0);

    // A local deadline of the area's own, met by hand.
    let kent = area_id(&app, "kent").await;
    let mut connection = app.pool.acquire().await.unwrap();
    insert_local(
        &mut connection,
        kent,
        &LocalDeadline {
            title: "Risk register to the December board",
            due: date!(2025 - 12 - 02),
            met_by: MetBy::Manual,
            plan_id: None,
            notes: "",
        },
        lead_user.id,
        app.clock.now(),
    )
    .await
    .unwrap();
    drop(connection);

    let url = make_feed(&lead, "/areas/kent/calendar").await;
    assert!(url.starts_with("http://"), "{url}");
    assert!(url.ends_with(".ics"), "{url}");
    let (name, events) = read_feed(&app, &url).await;
    assert_eq!(name, "ITF planner: Kent");
    let uids: BTreeSet<String> = events.iter().map(|event| event.uid.clone()).collect();
    let expected = expected_uids(&app, "kent").await;
    assert!(
        expected.len() >= 2,
        "Kent has national deadlines and its own"
    );
    assert_eq!(uids, expected);
    assert_eq!(events.len(), expected.len(), "one event each");

    let local = events
        .iter()
        .find(|event| event.summary.contains("Risk register"))
        .expect("the local deadline is in the feed");
    assert_eq!(
        local.summary,
        "Kent: Risk register to the December board (local)"
    );
    assert!(matches!(local.start, DatePerhapsTime::Date(_)), "all day");
    assert!(matches!(local.end, DatePerhapsTime::Date(_)), "all day");
    assert_eq!(local.start.date_naive().to_string(), "2025-12-02");
    assert_eq!(local.end.date_naive().to_string(), "2025-12-03");
    assert!(
        local
            .description
            .contains(&format!("{}/areas/kent/deadlines", app.address)),
        "{}",
        local.description
    );
    let national = events
        .iter()
        .find(|event| event.uid.starts_with("national:"))
        .unwrap();
    assert!(
        national.summary.starts_with("Kent: "),
        "{}",
        national.summary
    );
    assert!(
        national.summary.ends_with(" (national)"),
        "{}",
        national.summary
    );

    // Only the secret's hash is kept.
    let secret = path_of(&url)
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_owned();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM calendar_feeds")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, Sha256::digest(secret.as_bytes()).to_vec());
    assert!(
        app.audit_actions()
            .await
            .contains(&"calendar.area_feed_created".to_owned())
    );

    // The page no longer shows the address, but says there is one.
    let page = lead.get_html("/areas/kent/calendar").await;
    assert!(!page.contains(&secret));
    assert!(page.contains("Make a new feed address"), "{page}");
}

#[tokio::test]
async fn rotating_kills_the_old_address_and_the_new_one_works() {
    let app = spawn_app().await;
    let (lead, _) = signed_in(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let old = make_feed(&lead, "/areas/kent/calendar").await;
    assert_eq!(fetch(&app, &old).await.status(), 200);
    let new = make_feed(&lead, "/areas/kent/calendar").await;
    assert_ne!(old, new);
    assert_eq!(
        fetch(&app, &old).await.status(),
        404,
        "the old address is dead"
    );
    let (name, _) = read_feed(&app, &new).await;
    assert_eq!(name, "ITF planner: Kent");
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"calendar.area_feed_rotated".to_owned()),
        "{actions:?}"
    );
    let current: i64 =
        sqlx::query_scalar("SELECT count(*) FROM calendar_feeds WHERE revoked_at IS NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(current, 1);
}

#[tokio::test]
async fn only_the_lead_makes_the_area_feed_and_another_area_is_not_found() {
    let app = spawn_app().await;
    let (officer, _) = signed_in(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let page = officer.get_html("/areas/kent/calendar").await;
    assert!(!page.contains("Create the feed address"), "{page}");
    assert!(page.contains("ask your area lead"), "{page}");
    assert_eq!(
        officer
            .post_form("/areas/kent/calendar", &[])
            .await
            .status(),
        403
    );

    let (assurer, _) = signed_in(&app, Role::Assurer, None, "NHS England").await;
    assert_eq!(assurer.get("/areas/kent/calendar").await.status(), 200);
    assert_eq!(
        assurer
            .post_form("/areas/kent/calendar", &[])
            .await
            .status(),
        403
    );

    let (outsider, _) =
        signed_in(&app, Role::AreaLead, Some("rotherham"), "NHS Rotherham CCG").await;
    assert_eq!(outsider.get("/areas/kent/calendar").await.status(), 404);
    assert_eq!(
        outsider
            .post_form("/areas/kent/calendar", &[])
            .await
            .status(),
        404
    );

    let feeds: i64 = sqlx::query_scalar("SELECT count(*) FROM calendar_feeds")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(feeds, 0, "nothing was made");
    // Without a session the pages send you to sign in.
    let visitor = app.another_browser();
    let response = visitor.get("/areas/kent/calendar").await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn a_person_feed_covers_only_their_areas_and_dies_with_their_account() {
    let app = spawn_app().await;
    let (kent_officer, kent_user) =
        signed_in(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let (rotherham_officer, _) =
        signed_in(&app, Role::Officer, Some("rotherham"), "NHS Rotherham CCG").await;
    let page = kent_officer.get_html("/account/calendar").await;
    assert!(page.contains("Create the feed address"), "{page}");

    let kent_url = make_feed(&kent_officer, "/account/calendar").await;
    let rotherham_url = make_feed(&rotherham_officer, "/account/calendar").await;
    let (name, events) = read_feed(&app, &kent_url).await;
    assert_eq!(name, "ITF planner: Test Officer");
    let uids: BTreeSet<String> = events.iter().map(|event| event.uid.clone()).collect();
    assert_eq!(uids, expected_uids(&app, "kent").await);
    let (_, events) = read_feed(&app, &rotherham_url).await;
    let uids: BTreeSet<String> = events.iter().map(|event| event.uid.clone()).collect();
    assert!(!uids.is_empty());
    assert_eq!(uids, expected_uids(&app, "rotherham").await);
    assert!(
        app.audit_actions()
            .await
            .contains(&"calendar.person_feed_created".to_owned())
    );

    // Rotating your own.
    let new_url = make_feed(&kent_officer, "/account/calendar").await;
    assert_eq!(fetch(&app, &kent_url).await.status(), 404);
    assert_eq!(fetch(&app, &new_url).await.status(), 200);
    assert!(
        app.audit_actions()
            .await
            .contains(&"calendar.person_feed_rotated".to_owned())
    );

    // A disabled account's feed answers as if it never existed.
    sqlx::query("UPDATE users SET disabled_at = now() WHERE id = $1")
        .bind(kent_user.id.get())
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(fetch(&app, &new_url).await.status(), 404);
    assert_eq!(fetch(&app, &rotherham_url).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_secret_is_not_found() {
    let app = spawn_app().await;
    let (lead, _) = signed_in(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let url = make_feed(&lead, "/areas/kent/calendar").await;
    let path = path_of(&url);
    let secret = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics");
    let mut wrong = secret.to_owned();
    let last = if wrong.ends_with('A') { "B" } else { "A" };
    wrong.replace_range(wrong.len() - 1.., last);
    let unknown_page = app.get("/no-such-page").await.text().await.unwrap();
    for path in [
        format!("/calendar/{wrong}.ics"),
        format!("/calendar/{secret}"),
        format!("/calendar/{secret}.ical"),
        "/calendar/kent.ics".to_owned(),
        "/calendar/.ics".to_owned(),
    ] {
        let response = reqwest::Client::new()
            .get(app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.text().await.unwrap(),
            unknown_page,
            "{path}: as any unknown page"
        );
    }
}

#[tokio::test]
async fn a_feed_makes_a_fixed_number_of_queries_however_many_areas_it_covers() {
    query_count::install();
    let app = spawn_app().await;
    let (officer, user) = signed_in(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let url = make_feed(&officer, "/account/calendar").await;
    let calendar_app = app.another_browser();
    let one_area = queries(&calendar_app, &path_of(&url)).await;
    assert!(one_area > 0);
    // A role in Rotherham too, and a dozen local deadlines in each area.
    let rotherham = area_id(&app, "rotherham").await;
    sqlx::query("INSERT INTO grants (user_id, role, area_id) VALUES ($1, 'officer', $2)")
        .bind(user.id.get())
        .bind(rotherham)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO local_deadlines (area_id, title, due_on, met_by, created_by, created_at)
         SELECT a.id, 'Board meeting ' || n, DATE '2025-10-01' + n, 'manual', $1, now()
         FROM areas a CROSS JOIN generate_series(1, 12) AS n
         WHERE a.slug IN ('kent', 'rotherham')",
    )
    .bind(user.id.get())
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, events) = read_feed(&app, &url).await;
    let expected: BTreeSet<String> = expected_uids(&app, "kent")
        .await
        .into_iter()
        .chain(expected_uids(&app, "rotherham").await)
        .collect();
    assert_eq!(
        events
            .iter()
            .map(|event| event.uid.clone())
            .collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(queries(&calendar_app, &path_of(&url)).await, one_area);
}
