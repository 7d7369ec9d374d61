//! The national view (`/national`), its CSV and Excel exports and the read-only JSON API
//! (`/api/v1/…`) with its bearer tokens, on the demo data of the test database (Kent's 2014-16
//! plan, Rotherham's 2014-16 plan and its submitted BCF 2025-26 plan) plus areas added here.
//! Totals are checked against sums the test makes in SQL of its own.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use itf_planner::auth::policy::Role;
use itf_planner::clock::Clock;
use serde_json::Value;

use crate::dashboard::add_area;
use crate::helpers::{TestApp, form_fields_in, location, spawn_app, spawn_app_with};
use crate::query_count::{self, queries};

const VIEW: &str = "/national?template=2014-16";

async fn signed_in(app: &TestApp, role: Role, area: Option<&str>) -> TestApp {
    let browser = app.another_browser();
    let organisation = if area.is_some() {
        "Kent County Council"
    } else {
        "NHS England"
    };
    let user = app.create_user(role, area, organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// Records the area's plan of `template` submitted at `at` (RFC 3339), in a round measured
/// against the deadline `deadline_key`: the fixed sign-off data of these tests.
async fn submitted(app: &TestApp, slug: &str, template: &str, deadline_key: &str, at: &str) {
    let user: i64 = sqlx::query_scalar("SELECT id FROM users ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "WITH round AS (
             INSERT INTO signoff_rounds (plan_id, number, name, deadline_key, state, opened_at,
                                         opened_by, snapshot, snapshot_hash, content_version)
             SELECT p.id, 1, 'Final submission', $3, 'submitted', $4::timestamptz - interval '10 days',
                    $5, '{}', sha256('{}'), 1
             FROM plans p JOIN areas a ON a.id = p.area_id JOIN templates t ON t.id = p.template_id
             WHERE a.slug = $1 AND t.key = $2
             RETURNING id
         )
         INSERT INTO submissions (round_id, submitted_at, reference, recorded_by, recorded_at)
         SELECT id, $4::timestamptz, 'Submitted', $5, $4::timestamptz FROM round",
    )
    .bind(slug)
    .bind(template)
    .bind(deadline_key)
    .bind(at)
    .bind(user)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Kent's 2014-16 plan submitted on the day of the final plans deadline (4 April 2014), and
/// Rotherham's BCF 2025-26 plan two days after its deadline (31 March 2025).
async fn fixed_submissions(app: &TestApp) {
    submitted(
        app,
        "kent",
        "2014-16",
        "final-plans",
        "2014-04-04T15:00:00Z",
    )
    .await;
    submitted(
        app,
        "rotherham",
        "2025-26",
        "submission-deadline",
        "2025-04-02T10:00:00Z",
    )
    .await;
}

/// The pooled fund of each year of the 2014-16 plans, summed over every area, in pence, by
/// year: the test's own sum of the funding lines.
async fn pooled_by_year(app: &TestApp, area: Option<&str>) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT l.year_key, sum(l.amount)::bigint
         FROM funding_lines l JOIN plans p ON p.id = l.plan_id
         JOIN templates t ON t.id = p.template_id JOIN areas a ON a.id = p.area_id
         WHERE t.key = '2014-16' AND l.amount IS NOT NULL AND ($1::text IS NULL OR a.slug = $1)
         GROUP BY l.year_key ORDER BY l.year_key",
    )
    .bind(area)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn spend_by_year(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT a.year_key, sum(a.spend)::bigint
         FROM scheme_amounts a JOIN schemes s ON s.id = a.scheme_id JOIN plans p ON p.id = s.plan_id
         JOIN templates t ON t.id = p.template_id
         WHERE t.key = '2014-16'
         GROUP BY a.year_key ORDER BY a.year_key",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Pence as the page shows money: £1,234,567 (and pence only when there are some).
fn shown(pence: i64) -> String {
    itf_planner::web::money::Pence::new(pence).to_string()
}

/// The table row of the area `slug`.
fn row<'a>(html: &'a str, slug: &str) -> &'a str {
    let start = html
        .find(&format!("data-area=\"{slug}\""))
        .unwrap_or_else(|| panic!("no row for {slug}"));
    let end = start + html[start..].find("</tr>").expect("the row ends");
    &html[start..end]
}

fn totals_row(html: &str) -> &str {
    let start = html.find("id=\"national-totals\"").expect("a totals row");
    let end = start + html[start..].find("</tr>").expect("the row ends");
    &html[start..end]
}

/// The texts of the cells of `row` marked `data-column="{column}"`.
fn cells<'a>(row: &'a str, column: &str) -> Vec<&'a str> {
    row.split(&format!("data-column=\"{column}\">"))
        .skip(1)
        .map(|rest| &rest[..rest.find("</td>").unwrap()])
        .collect()
}

#[tokio::test]
async fn every_area_has_a_row_and_the_totals_sum_the_money_of_the_rows() {
    let app = spawn_app().await;
    fixed_submissions(&app).await;
    let browser = signed_in(&app, Role::Assurer, None).await;
    let html = browser.get_html(VIEW).await;
    assert!(html.contains("<h1 class=\"govuk-heading-l\">National view</h1>"));
    assert!(
        html.contains("class=\"app-table-scroll\""),
        "scrolls on a phone"
    );
    assert!(
        html.contains("href=\"/national\" aria-current=\"page\"><strong class=\"govuk-service-navigation__active-fallback\">National view</strong></a>"),
        "in the service navigation"
    );
    assert!(html.contains("Showing 2 of 2 areas"), "{html}");

    let pooled = pooled_by_year(&app, None).await;
    assert!(!pooled.is_empty(), "the demo has funding");
    let kent_pooled = pooled_by_year(&app, Some("kent")).await;
    let kent = row(&html, "kent");
    assert!(kent.contains("South East"));
    assert!(kent.contains("href=\"/areas/kent/plans/2014-16\">Submitted</a>"));
    assert!(kent.contains("4 April 2014"));
    assert!(kent.contains("govuk-tag--green\">On time"), "{kent}");
    let rotherham = row(&html, "rotherham");
    assert!(rotherham.contains(">Drafting</a>"));
    assert!(
        rotherham.contains("govuk-tag--grey\">Not submitted"),
        "{rotherham}"
    );
    // The years of the cycle, 2014/15 and 2015/16, each shown as £1,234,567.
    let years = ["2014-15", "2015-16"];
    let sum_of = |list: &[(String, i64)], year: &str| {
        list.iter()
            .find(|(key, _)| key == year)
            .map_or(0, |(_, amount)| *amount)
    };
    for (index, year) in years.iter().enumerate() {
        let amount = sum_of(&kent_pooled, year);
        if amount > 0 {
            assert_eq!(cells(kent, "pooled")[index], shown(amount), "{year}");
        }
    }
    let totals = totals_row(&html);
    assert!(totals.contains("Total (2 areas)"));
    let spend = spend_by_year(&app).await;
    for (index, year) in years.iter().enumerate() {
        assert_eq!(cells(totals, "pooled")[index], shown(sum_of(&pooled, year)));
        assert_eq!(cells(totals, "spend")[index], shown(sum_of(&spend, year)));
    }
    // Each metric of the cycle has a column; Kent's goals show their baseline and change.
    assert!(html.contains("Baseline: "), "{kent}");
}

#[tokio::test]
async fn the_filters_narrow_the_rows_and_the_totals_follow() {
    let app = spawn_app().await;
    fixed_submissions(&app).await;
    let browser = signed_in(&app, Role::Admin, None).await;
    let html = browser
        .get_html("/national?template=2014-16&region=South+East")
        .await;
    assert!(html.contains("Showing 1 of 2 areas"));
    assert!(html.contains("data-area=\"kent\""));
    assert!(!html.contains("data-area=\"rotherham\""));
    let kent_pooled = pooled_by_year(&app, Some("kent")).await;
    let totals = totals_row(&html);
    assert!(totals.contains("Total (1 area)"));
    for (index, year) in ["2014-15", "2015-16"].iter().enumerate() {
        let amount = kent_pooled
            .iter()
            .find(|(key, _)| key == year)
            .map_or(0, |(_, amount)| *amount);
        assert_eq!(cells(totals, "pooled")[index], shown(amount), "{year}");
    }
    let only = |html: &str, slug: &str| {
        html.contains(&format!("data-area=\"{slug}\"")) && html.contains("Showing 1 of 2 areas")
    };
    let html = browser
        .get_html("/national?template=2014-16&state=submitted")
        .await;
    assert!(only(&html, "kent"));
    let html = browser
        .get_html("/national?template=2014-16&timeliness=on-time")
        .await;
    assert!(only(&html, "kent"));

    // BCF 2025-26: Rotherham's plan was submitted two days late; Kent has none.
    let html = browser.get_html("/national?template=2025-26").await;
    let rotherham = row(&html, "rotherham");
    assert!(rotherham.contains("2 April 2025"), "{rotherham}");
    assert!(
        rotherham.contains("govuk-tag--red\">2 days late"),
        "{rotherham}"
    );
    let html = browser
        .get_html("/national?template=2025-26&timeliness=late")
        .await;
    assert!(only(&html, "rotherham"));
    let html = browser
        .get_html("/national?template=2025-26&state=no-plan&timeliness=not-submitted")
        .await;
    assert!(only(&html, "kent"));
    assert!(row(&html, "kent").contains("No plan"));
    let html = browser
        .get_html("/national?template=2025-26&timeliness=on-time")
        .await;
    assert!(html.contains("Showing 0 of 2 areas"));
    assert!(html.contains("No areas match."));
}

#[tokio::test]
async fn the_exports_hold_the_same_rows_and_totals_with_numbers_as_numbers() {
    let app = spawn_app().await;
    let browser = signed_in(&app, Role::Assurer, None).await;
    let pooled = pooled_by_year(&app, None).await;

    let response = browser.get("/national.csv?template=2014-16&region=").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("national-2014-16-")
    );
    let bytes = response.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes)
        .unwrap()
        .trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Area");
    assert_eq!(&headers[3], "Pooled fund 2014/15 (£)");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3, "two areas and the totals");
    assert_eq!(&records[0][0], "Kent");
    assert_eq!(&records[1][0], "Rotherham");
    assert_eq!(&records[2][0], "Total (2 areas)");
    let pounds = |pence: i64| format!("{}.{:02}", pence / 100, pence % 100);
    assert_eq!(&records[2][3], pounds(pooled[0].1));
    assert_eq!(&records[2][4], pounds(pooled[1].1));

    // Filtered the same way as the page.
    let response = browser
        .get("/national.csv?template=2014-16&region=South+East")
        .await;
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.records().count(), 2, "Kent and the totals");

    let response = browser.get("/national.xlsx?template=2014-16").await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = workbook.worksheet_range("National view").unwrap();
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("Area".into())));
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("Kent".into())));
    assert_eq!(
        sheet.get((3, 0)),
        Some(&Data::String("Total (2 areas)".into()))
    );
    assert_eq!(
        sheet.get((3, 3)),
        Some(&Data::Float(pooled[0].1 as f64 / 100.0)),
        "money as a number"
    );
    assert_eq!(
        sheet.get((3, 4)),
        Some(&Data::Float(pooled[1].1 as f64 / 100.0))
    );
}

/// Makes a token named `name` on the tokens page as `browser`; returns it (shown once).
async fn make_token(browser: &TestApp, name: &str) -> String {
    let response = browser
        .post_form("/account/api-tokens", &[("name", name)])
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let start = html.find("id=\"new-token\"").expect("the new token, shown");
    let value = &html[start..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    value[..value.find('"').unwrap()].to_owned()
}

async fn api(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn the_api_answers_a_live_token_and_refuses_none_an_unknown_and_a_revoked_one() {
    let app = spawn_app().await;
    fixed_submissions(&app).await;
    let assurer = signed_in(&app, Role::Assurer, None).await;

    let (status, body) = api(&app, "/api/v1/plans", None).await;
    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
    let unknown = format!("itf_{}", "A".repeat(43));
    assert_eq!(api(&app, "/api/v1/plans", Some(&unknown)).await.0, 401);
    assert_eq!(api(&app, "/api/v1/areas", Some("nonsense")).await.0, 401);

    let token = make_token(&assurer, "Power BI").await;
    assert!(token.starts_with("itf_"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM api_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32, "only the SHA-256 is kept");
    let page = assurer.get_html("/account/api-tokens").await;
    assert!(page.contains("Power BI"));
    assert!(!page.contains(&token), "shown once only");

    let (status, body) = api(&app, "/api/v1/areas", Some(&token)).await;
    assert_eq!(status, 200);
    let slugs: Vec<&str> = body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|area| area["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["kent", "rotherham"]);

    let (status, body) = api(&app, "/api/v1/plans?template=2014-16", Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["template"]["key"], "2014-16");
    let plans = body["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[0]["area"]["slug"], "kent");
    let pooled = pooled_by_year(&app, None).await;
    for (year, amount) in &pooled {
        assert_eq!(body["totals"]["pooled_fund_pence"][year], *amount, "{year}");
    }
    let kent_pooled = pooled_by_year(&app, Some("kent")).await;
    assert_eq!(
        plans[0]["pooled_fund_pence"][&kent_pooled[0].0],
        kent_pooled[0].1
    );
    let (status, body) = api(
        &app,
        "/api/v1/plans?template=2025-26&timeliness=not-submitted",
        Some(&token),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["plans"].as_array().unwrap().len(), 1);
    assert_eq!(body["plans"][0]["state"], "no-plan");
    let (_, body) = api(
        &app,
        "/api/v1/plans?template=2025-26&timeliness=late",
        Some(&token),
    )
    .await;
    let submission = &body["plans"][0]["submission"];
    assert_eq!(body["plans"][0]["area"]["slug"], "rotherham");
    assert_eq!(submission["submitted_on"], "2025-04-02");
    assert_eq!(submission["deadline"], "2025-03-31");
    assert_eq!(submission["timeliness"], "late");
    assert_eq!(submission["days_late"], 2);
    assert_eq!(
        api(&app, "/api/v1/plans?template=nope", Some(&token))
            .await
            .0,
        404
    );
    assert_eq!(
        api(&app, "/api/v1/plans?state=nope", Some(&token)).await.0,
        400
    );

    // Revoked: refused at once.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = assurer
        .post_form(&format!("/account/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account/api-tokens?done=revoked");
    let page = assurer.get_html("/account/api-tokens?done=revoked").await;
    assert!(page.contains("The token was revoked"), "{page}");
    assert_eq!(api(&app, "/api/v1/plans", Some(&token)).await.0, 401);
    let again = assurer
        .post_form(&format!("/account/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(again.status(), 404, "revoked once");
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"api_token.created".to_owned()));
    assert!(actions.contains(&"api_token.revoked".to_owned()));
}

#[tokio::test]
async fn a_token_is_worth_its_maker_s_roles_and_a_name_is_required() {
    let app = spawn_app().await;
    let admin = signed_in(&app, Role::Admin, None).await;
    let response = admin
        .post_form("/account/api-tokens", &[("name", "  ")])
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Enter a name for the token"));
    assert!(html.contains("govuk-error-summary"));

    let token = make_token(&admin, "Reporting").await;
    assert_eq!(api(&app, "/api/v1/areas", Some(&token)).await.0, 200);
    // The administrator stops being one: the token no longer reads anything.
    sqlx::query(
        "DELETE FROM grants WHERE role = 'admin' AND user_id = (SELECT created_by FROM api_tokens)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(api(&app, "/api/v1/areas", Some(&token)).await.0, 403);
    // And once disabled, the token is unknown.
    sqlx::query(
        "UPDATE users SET disabled_at = now() WHERE id = (SELECT created_by FROM api_tokens)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(api(&app, "/api/v1/areas", Some(&token)).await.0, 401);
}

#[tokio::test]
async fn an_area_lead_may_not_see_the_national_view_or_make_tokens() {
    let app = spawn_app().await;
    let lead = signed_in(&app, Role::AreaLead, Some("kent")).await;
    for path in [
        "/national",
        "/national.csv",
        "/national.xlsx",
        "/account/api-tokens",
    ] {
        assert_eq!(lead.get(path).await.status(), 403, "{path}");
    }
    let html = lead.get_html("/programme").await;
    assert!(!html.contains("href=\"/national\""), "no link for a lead");
    let response = lead
        .post_form("/account/api-tokens", &[("name", "Mine")])
        .await;
    assert_eq!(response.status(), 403);
    let visitor = app.another_browser();
    let response = visitor.get("/national").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
}

#[tokio::test]
async fn the_national_view_makes_a_fixed_number_of_queries_however_many_areas() {
    query_count::install();
    let app = spawn_app().await;
    let browser = signed_in(&app, Role::Assurer, None).await;
    let with_two = queries(&browser, VIEW).await;
    assert!(with_two > 0);
    for n in 0..38 {
        add_area(&app, &format!("area-{n}"), &format!("Area {n}"), "London").await;
    }
    let html = browser.get_html(VIEW).await;
    assert!(html.contains("Showing 40 of 40 areas"));
    assert_eq!(queries(&browser, VIEW).await, with_two);
    assert_eq!(
        queries(&browser, "/national.csv?template=2014-16").await,
        with_two
    );
}

/// With its facts kept, as a server keeps them by default, the view reads them once and
/// answers from them; a change made through the app shows at once all the same.
#[tokio::test]
async fn kept_facts_are_shared_and_a_change_made_here_shows_at_once() {
    query_count::install();
    let app = spawn_app_with(
        &[("ITF_NATIONAL_CACHE_SECONDS", "3600".to_owned())],
        Clock::fixed(time::OffsetDateTime::now_utc()),
    )
    .await;
    let assurer = signed_in(&app, Role::Assurer, None).await;
    let (read, kept) = query_count::read_then_kept(&assurer, VIEW).await;
    assert!(kept + 6 <= read, "kept: {kept} statements, read: {read}");

    let kent_2015 = |html: &str| cells(row(html, "kent"), "pooled")[1].to_owned();
    let before = kent_2015(&assurer.get_html(VIEW).await);
    let officer = app.another_browser();
    let user = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    officer.sign_in(&user).await;
    let council: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Kent County Council'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let page = format!("/areas/kent/plans/2014-16/funding/{council}/2015-16");
    let html = officer.get_html(&page).await;
    let mut fields = form_fields_in(&html, &page).expect("the funding form");
    fields.retain(|(name, _)| name != "amount-disabled-facilities-grant");
    fields.push((
        "amount-disabled-facilities-grant".to_owned(),
        "£7,000,000".to_owned(),
    ));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    assert_eq!(officer.post_form(&page, &pairs).await.status(), 303);

    let after = kent_2015(&assurer.get_html(VIEW).await);
    let expected = pooled_by_year(&app, Some("kent"))
        .await
        .into_iter()
        .find(|(year, _)| year == "2015-16")
        .map(|(_, amount)| shown(amount))
        .expect("Kent has a pooled fund in 2015/16");
    assert_ne!(after, before, "the change shows");
    assert_eq!(after, expected);

    // A browser accepting gzip gets the same page, the kept table's compressed bytes joined
    // with the rest: compressed by the first such request, then as kept.
    for _ in 0..2 {
        let (encoding, html) = assurer.get_html_accepting_gzip(VIEW).await;
        assert_eq!(encoding, "gzip");
        assert_eq!(html, assurer.get_html(VIEW).await);
        assert_eq!(kent_2015(&html), expected);
    }

    // Each set of filters has its own kept table, and another cycle its own: none shows
    // another's rows.
    for _ in 0..2 {
        let south_east = assurer.get_html(&format!("{VIEW}&region=South+East")).await;
        assert!(south_east.contains("Showing 1 of 2 areas"));
        assert!(south_east.contains("data-area=\"kent\""));
        assert!(!south_east.contains("data-area=\"rotherham\""));
        assert!(totals_row(&south_east).contains("Total (1 area)"));
        let all = assurer.get_html(VIEW).await;
        assert!(all.contains("Showing 2 of 2 areas"));
        assert!(all.contains("data-area=\"kent\"") && all.contains("data-area=\"rotherham\""));
        assert_eq!(kent_2015(&all), expected, "the table kept after the change");
        let other_cycle = assurer.get_html("/national?template=2025-26").await;
        assert!(other_cycle.contains("Every area's plan of BCF plan 2025-26"));
        assert!(!other_cycle.contains("2014/15–2015/16</caption>"));
    }
}
