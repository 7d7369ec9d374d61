//! Comparing a plan with the last cycle: Rotherham's BCF 2025-26 beside its 2014-16 plan
//! (streams matched by key or name, new ones and those no longer in the cycle, the scheme spend,
//! the metric goals matched by key or name), the page of a plan with nothing earlier, `?with=`
//! naming a plan the area does not have, who may read it, and a fixed number of queries.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, location, spawn_app};
use crate::metrics::signed_in;
use crate::query_count::{self, queries};

const ROTHERHAM_2025: &str = "/areas/rotherham/plans/2025-26/compare";
const ROTHERHAM_2014: &str = "/areas/rotherham/plans/2014-16/compare";
const KENT: &str = "/areas/kent/plans/2014-16/compare";

/// The table row (`<tr>…</tr>`) of `html` holding `needle`.
fn row<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page"));
    let start = html[..at].rfind("<tr").expect("in a table row");
    let end = at + html[at..].find("</tr>").expect("the row ends");
    &html[start..end]
}

/// The text of a table's element with id `id`, up to its end.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} on the page"));
    let end = start + html[start..].find("</table>").expect("the table ends");
    &html[start..end]
}

async fn rotherham_officer(app: &TestApp) -> TestApp {
    signed_in(
        app,
        Role::Officer,
        "rotherham",
        "Rotherham Metropolitan Borough Council",
    )
    .await
}

#[tokio::test]
async fn rotherham_2025_26_beside_its_2014_16_plan_matches_streams_and_shows_the_changes() {
    let app = spawn_app().await;
    let officer = rotherham_officer(&app).await;
    let response = officer.get(ROTHERHAM_2025).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1 class=\"govuk-heading-l\">Compare with another cycle</h1>"));
    assert!(
        html.contains("aria-label=\"Parts of the plan\""),
        "the parts navigation"
    );
    assert!(html.contains("govuk-breadcrumbs"));
    // Which years: the earlier plan's last, the later plan's first.
    assert!(
        html.contains(
            "ITF/BCF plan 2014/15–2015/16 (2015/16, its last year) beside BCF plan 2025-26 (2025/26, its first year)"
        ),
        "{html}"
    );

    let funding = table(&html, "compare-funding");
    assert!(funding.contains("<caption"));
    assert!(funding.contains("<th scope=\"col\""));
    // Matched by key: both partners' 2015/16 lines against 2025/26.
    let dfg = row(funding, "Disabled Facilities Grant");
    assert!(dfg.contains("£1,050,000"), "{dfg}");
    assert!(dfg.contains("£3,512,000"), "{dfg}");
    assert!(dfg.contains("+£2,462,000 (+234.5%)"), "{dfg}");
    assert!(
        dfg.contains("an increase of £2,462,000 (234.5%)"),
        "words: {dfg}"
    );
    assert!(dfg.contains("govuk-table__cell--numeric"));
    assert!(!dfg.contains("govuk-tag"), "in both cycles: {dfg}");
    // Only in 2025-26: new, "—" for 2015/16.
    let nhs = row(funding, "NHS minimum contribution");
    assert!(nhs.contains(">new</strong>"), "{nhs}");
    assert!(
        nhs.contains("—</span><span class=\"govuk-visually-hidden\">Not in this cycle"),
        "{nhs}"
    );
    assert!(nhs.contains("£26,431,000"), "{nhs}");
    // Only in 2014-16: no longer.
    let additional = row(funding, "Additional CCG contribution");
    assert!(additional.contains(">no longer</strong>"), "{additional}");
    assert!(additional.contains("£10,000,000"), "{additional}");
    // The pooled funds: £20,000,000 in 2015/16, £39,817,000 in 2025/26.
    let pool = row(funding, "Pooled fund</th>");
    assert!(pool.contains("£20,000,000"), "{pool}");
    assert!(pool.contains("£39,817,000"), "{pool}");
    assert!(pool.contains("+£19,817,000 (+99.1%)"), "{pool}");

    // Scheme spend: every year of both plans, then by type in the compared years.
    let years = table(&html, "compare-spend-years");
    assert!(row(years, ">2014/15</th>").contains("£6,500,000"));
    assert!(row(years, ">2015/16 <span").contains("£20,000,000"));
    assert!(row(years, ">2025/26 <span").contains("£39,817,000"));
    let types = table(&html, "compare-spend-types");
    let reablement = row(types, "Reablement");
    assert!(reablement.contains("£1,600,000") && reablement.contains("£9,874,000"));
    assert!(reablement.contains("+£8,274,000 (+517.1%)"), "{reablement}");
    let planning = row(types, "Integrated care planning");
    assert!(planning.contains("−£10,000,000 (−100.0%)"), "{planning}");
    assert!(planning.contains("a decrease of £10,000,000 (100.0%)"));
    let home_care = row(types, "Home care");
    assert!(
        home_care.contains("+£11,431,000<"),
        "from nothing, no percentage: {home_care}"
    );
    assert!(row(types, "All schemes").contains("+£19,817,000 (+99.1%)"));

    // The demo cycles share no metric key or name: each listed as in one cycle only.
    assert!(html.contains("No metric is in both cycles."));
    let earlier_only = &html[html.find("id=\"metrics-only-earlier\"").expect("listed")..];
    assert!(earlier_only.contains("Delayed transfers of care"));
    let later_only = &html[html.find("id=\"metrics-only-later\"").expect("listed")..];
    assert!(later_only.contains("Average length of discharge delay"));
}

#[tokio::test]
async fn metrics_are_matched_by_name_across_cycles_with_their_baselines_and_final_goals() {
    let app = spawn_app().await;
    // The 2025-26 care home metric, renamed as the 2014-16 one is called (the goals stay on
    // its key).
    sqlx::query(
        "UPDATE template_structures
         SET structure = jsonb_set(
             structure,
             ARRAY['metrics',
                   (SELECT (e.position - 1)::text
                    FROM jsonb_array_elements(structure -> 'metrics')
                         WITH ORDINALITY AS e (metric, position)
                    WHERE e.metric ->> 'key' = 'care-home-admissions-65-plus'),
                   'name'],
             to_jsonb('Permanent admissions of older people (65+) to residential and nursing care homes'::text))
         WHERE template_id = (SELECT id FROM templates WHERE key = '2025-26')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let officer = rotherham_officer(&app).await;
    let html = officer.get_html(ROTHERHAM_2025).await;
    let metrics = table(&html, "compare-metrics");
    assert!(metrics.contains("<caption"));
    let care_homes = row(metrics, "Permanent admissions of older people");
    // 2014-16: baseline 780.5 (2012-13 outturn), goal 740 for 2015/16; 2025-26: baseline
    // 145.5, goal 138 for Q4.
    for shown in [
        "780.5",
        "2012-13 outturn",
        "740",
        "2015/16",
        "145.5",
        "138",
        "Q4 2025/26",
    ] {
        assert!(care_homes.contains(shown), "{shown}: {care_homes}");
    }
    assert!(
        care_homes.contains("−602 (−81.4%), an improvement"),
        "{care_homes}"
    );
    // No longer listed as in one cycle only; the others still are.
    let later_only = &html[html.find("id=\"metrics-only-later\"").expect("listed")..];
    let later_only = &later_only[..later_only.find("</ul>").unwrap()];
    assert!(!later_only.contains("Permanent admissions"));
    assert!(later_only.contains("Emergency admissions (65+)"));
}

#[tokio::test]
async fn a_plan_with_nothing_earlier_says_so_and_with_names_the_plan_to_compare_with() {
    let app = spawn_app().await;
    let kent = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let html = kent.get_html(KENT).await;
    assert!(
        html.contains("Kent has no plan from another cycle to compare this plan with."),
        "{html}"
    );
    assert!(!html.contains("compare-funding"));

    let officer = rotherham_officer(&app).await;
    // 2014-16 is Rotherham's earliest: nothing earlier, but a link to the later plan.
    let html = officer.get_html(ROTHERHAM_2014).await;
    assert!(html.contains("Rotherham has no plan from an earlier cycle than this one."));
    assert!(html.contains(&format!("href=\"{ROTHERHAM_2014}?with=2025-26\"")));
    // Compared with the later plan, the earlier still comes first and the changes run forward.
    let html = officer
        .get_html(&format!("{ROTHERHAM_2014}?with=2025-26"))
        .await;
    assert!(html.contains(", the later of the two."));
    assert!(row(&html, "Disabled Facilities Grant").contains("+£2,462,000 (+234.5%)"));
    // Naming the default plan gives the default page.
    let named = officer
        .get_html(&format!("{ROTHERHAM_2025}?with=2014-16"))
        .await;
    assert!(row(&named, "Pooled fund</th>").contains("+£19,817,000 (+99.1%)"));

    // A plan the area does not have, or the plan itself: not found.
    for with in ["2030-31", "2025-26", "", "%3Cscript%3E"] {
        let response = officer.get(&format!("{ROTHERHAM_2025}?with={with}")).await;
        assert_eq!(response.status(), 404, "with={with}");
    }
    assert_eq!(
        kent.get(&format!("{KENT}?with=2025-26")).await.status(),
        404
    );
}

#[tokio::test]
async fn everyone_who_can_see_the_area_reads_the_comparison_and_nobody_else() {
    let app = spawn_app().await;
    for role in [
        Role::Officer,
        Role::AreaLead,
        Role::Signatory,
        Role::BoardSecretary,
    ] {
        let browser = signed_in(&app, role, "rotherham", "NHS Rotherham CCG").await;
        let response = browser.get(ROTHERHAM_2025).await;
        assert_eq!(response.status(), 200, "{role:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("compare-funding"), "{role:?}");
    }
    for role in [Role::Assurer, Role::Admin] {
        let browser = app.another_browser();
        browser
            .sign_in(&app.create_user(role, None, "NHS England").await)
            .await;
        assert_eq!(browser.get(ROTHERHAM_2025).await.status(), 200, "{role:?}");
    }
    // Another area's officer: as if the plan did not exist.
    let kent = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    assert_eq!(kent.get(ROTHERHAM_2025).await.status(), 404);
    // Signed out: to the sign-in page.
    let visitor = app.another_browser();
    let response = visitor.get(ROTHERHAM_2025).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
}

#[tokio::test]
async fn every_part_of_the_plan_links_to_the_comparison() {
    let app = spawn_app().await;
    let officer = rotherham_officer(&app).await;
    for part in ["funding", "schemes", "metrics", "checks"] {
        let html = officer
            .get_html(&format!("/areas/rotherham/plans/2025-26/{part}"))
            .await;
        assert!(
            html.contains(&format!(
                "href=\"{ROTHERHAM_2025}\">Compare with the last cycle</a>"
            )),
            "{part}"
        );
    }
    let html = officer.get_html("/areas/rotherham/plans/2025-26").await;
    assert!(html.contains(&format!(
        "href=\"{ROTHERHAM_2025}\">Compare with the last cycle</a>"
    )));
}

#[tokio::test]
async fn the_comparison_makes_a_fixed_number_of_queries_however_much_each_plan_holds() {
    query_count::install();
    let app = spawn_app().await;
    let officer = rotherham_officer(&app).await;
    let before = queries(&officer, ROTHERHAM_2025).await;
    assert!(before > 0);
    // Two hundred more schemes in each plan, each with spend in every year.
    sqlx::query(
        "WITH plan AS (
             SELECT p.id, t.key FROM plans p
             JOIN areas a ON a.id = p.area_id JOIN templates t ON t.id = p.template_id
             WHERE a.slug = 'rotherham'
         ), added AS (
             INSERT INTO schemes (plan_id, number, name, scheme_type, objective,
                                  lead_commissioner_id, provider, funding_source, version,
                                  created_at, updated_at)
             SELECT plan.id, 1000 + n, 'Scheme ' || n,
                    (ARRAY['home-care', 'reablement', 'carers', 'other'])[1 + n % 4],
                    'An objective', s.lead_commissioner_id, 'A provider', s.funding_source, 1,
                    now(), now()
             FROM plan
             CROSS JOIN generate_series(1, 200) AS n
             JOIN LATERAL (SELECT lead_commissioner_id, funding_source FROM schemes
                           WHERE plan_id = plan.id LIMIT 1) s ON true
             RETURNING id, plan_id
         )
         INSERT INTO scheme_amounts (scheme_id, year_key, spend, benefit)
         SELECT added.id, y.key, 100000, 0
         FROM added JOIN plan ON plan.id = added.plan_id
         CROSS JOIN (VALUES ('2014-15'), ('2015-16'), ('2025-26')) AS y (key)
         WHERE (plan.key = '2025-26') = (y.key = '2025-26')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(queries(&officer, ROTHERHAM_2025).await, before);
    let html = officer.get_html(ROTHERHAM_2025).await;
    let other = row(&html, "Other</th>");
    assert!(
        other.contains("£50,000</td>"),
        "50 × £1,000 in each year: {other}"
    );
}
