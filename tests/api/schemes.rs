//! A plan's schemes (issue 10, item 3): the list with its filters, totals and pages (and a fixed
//! number of queries however many schemes there are), adding a scheme with mistakes and fixing
//! them, editing and removing it, every kind of bad input refused by its field, a stale save
//! answered 409 with nothing lost, two people saving one scheme at once, who may change
//! schemes, and the totals the checks read.

use itf_planner::auth::policy::Role;
use itf_planner::plans::parts::schemes::{SchemeContent, SchemeType, YearAmount, store};
use itf_planner::web::money::Pence;

use crate::helpers::{TestApp, form_fields_in, location, post_and_expect_422, spawn_app};
use crate::query_count::{self, queries};
use crate::risks::{browser, organisation_id, refs, set};

const KENT: &str = "/areas/kent/plans/2014-16/schemes";
const ROTHERHAM: &str = "/areas/rotherham/plans/2014-16/schemes";

/// A complete, valid scheme of a 2014-16 plan led by `lead`.
fn good_scheme(name: &str, lead: i64) -> Vec<(String, String)> {
    [
        ("name", name),
        ("scheme_type", "carers"),
        ("objective", "Breaks for carers"),
        ("provider", "Kent carers' organisations"),
        ("funding_source", "carers-breaks"),
        ("spend-2014-15", ""),
        ("benefit-2014-15", ""),
        ("spend-2015-16", "£1,234,567.50"),
        ("benefit-2015-16", "250000"),
        ("metrics", "patient-experience"),
        ("metrics", "delayed-transfers"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .chain([("lead_commissioner".to_owned(), lead.to_string())])
    .collect()
}

/// Adds a scheme to Kent's plan as `browser`; returns its number.
async fn add(browser: &TestApp, fields: &[(String, String)]) -> i32 {
    let response = browser
        .post_form(&format!("{KENT}/new"), &refs(fields))
        .await;
    assert_eq!(response.status(), 303, "adding a scheme");
    let to = location(&response);
    to.strip_prefix(&format!("{KENT}/"))
        .and_then(|rest| rest.strip_suffix("?done=added"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("redirected to the new scheme, not {to}"))
}

/// The version a scheme's edit form carries.
async fn version(browser: &TestApp, number: i32) -> String {
    let path = format!("{KENT}/{number}");
    let page = browser.get_html(&path).await;
    form_fields_in(&page, &path)
        .expect("an edit form")
        .into_iter()
        .find(|(name, _)| name == "version")
        .map(|(_, value)| value)
        .expect("a version")
}

async fn officer(app: &TestApp) -> TestApp {
    browser(app, Role::Officer, "kent", "Kent County Council").await
}

/// That `response` sends `browser` to `to`, which says `banner`.
async fn assert_done(browser: &TestApp, response: &reqwest::Response, to: &str, banner: &str) {
    assert_eq!(response.status(), 303);
    assert_eq!(location(response), to);
    assert!(browser.get_html(to).await.contains(banner), "{banner}");
}

/// The actions of the audit records of schemes, oldest first.
async fn scheme_actions(app: &TestApp) -> Vec<String> {
    scheme_events(app)
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect()
}

/// The audit records of schemes, oldest first: (action, details).
async fn scheme_events(app: &TestApp) -> Vec<(String, serde_json::Value)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, details FROM audit_log WHERE target_kind = 'scheme' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(action, details)| (action, serde_json::from_str(&details).unwrap()))
        .collect()
}

#[tokio::test]
async fn the_demo_schemes_are_listed_with_their_totals_for_everyone_in_the_area() {
    let app = spawn_app().await;
    for role in [
        Role::Officer,
        Role::AreaLead,
        Role::Signatory,
        Role::BoardSecretary,
    ] {
        let reader = browser(&app, role, "rotherham", "NHS Rotherham CCG").await;
        let page = reader.get_html(ROTHERHAM).await;
        assert!(page.contains("Care coordination centre"), "{role:?}");
        assert!(page.contains("6 schemes"), "{role:?}");
        // Totals of every scheme per year: 2014/15 and 2015/16.
        let totals = &page[page.find("id=\"total-all\"").expect("totals")..];
        let (first, second) = (
            totals.find("£6,500,000").expect("2014/15"),
            totals.find("£20,000,000").expect("2015/16"),
        );
        assert!(first < second, "{role:?}: in year order");
        let editor = matches!(role, Role::Officer | Role::AreaLead);
        assert_eq!(page.contains("Add a scheme"), editor, "{role:?}");
        assert!(
            page.contains("aria-current=\"page\">Schemes</a>"),
            "{role:?}"
        );
        let scheme = reader.get_html(&format!("{ROTHERHAM}/6")).await;
        assert!(scheme.contains("S6 Care coordination centre"));
        assert!(scheme.contains("£10,000,000"));
        assert_eq!(
            scheme.contains(&format!("action=\"{ROTHERHAM}/6\"")),
            editor,
            "{role:?}: the edit form only for editors"
        );
        let new = reader.get(&format!("{ROTHERHAM}/new")).await;
        assert_eq!(new.status(), if editor { 200 } else { 403 }, "{role:?}");
    }
    let assurer = app.another_browser();
    assurer
        .sign_in(&app.create_user(Role::Assurer, None, "NHS England").await)
        .await;
    assert!(
        assurer
            .get_html("/areas/rotherham/plans/2025-26/schemes")
            .await
            .contains("£39,817,000")
    );
    let kent_officer = officer(&app).await;
    assert_eq!(kent_officer.get(ROTHERHAM).await.status(), 404);
    assert_eq!(kent_officer.get(&format!("{KENT}/999")).await.status(), 404);
    assert_eq!(kent_officer.get(&format!("{KENT}/S1")).await.status(), 404);
}

#[tokio::test]
async fn the_checks_read_spend_per_year_and_source_and_the_count() {
    let app = spawn_app().await;
    let plan_id = |area: &'static str, plan: &'static str| {
        let pool = app.pool.clone();
        async move {
            let id: i64 = sqlx::query_scalar(
                "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id
                 JOIN templates t ON t.id = p.template_id WHERE a.slug = $1 AND t.key = $2",
            )
            .bind(area)
            .bind(plan)
            .fetch_one(&pool)
            .await
            .unwrap();
            itf_planner::plans::PlanId::new(id)
        }
    };
    let rotherham = plan_id("rotherham", "2014-16").await;
    assert_eq!(store::count(&app.pool, rotherham).await.unwrap(), 6);
    let totals = store::spend_totals(&app.pool, rotherham).await.unwrap();
    let of = |year: &str, stream: &str| {
        totals
            .iter()
            .find(|total| total.year_key == year && total.stream_key == stream)
            .map(|total| total.spend)
    };
    assert_eq!(
        of("2014-15", "nhs-transfer-to-social-care"),
        Some(Pence::pounds(5_500_000))
    );
    assert_eq!(
        of("2015-16", "additional-ccg-contribution"),
        Some(Pence::pounds(10_000_000))
    );
    let year = |key: &str| -> i64 {
        totals
            .iter()
            .filter(|total| total.year_key == key)
            .map(|total| total.spend.get())
            .sum()
    };
    assert_eq!(year("2014-15"), Pence::pounds(6_500_000).get());
    assert_eq!(year("2015-16"), Pence::pounds(20_000_000).get());
    let current = plan_id("rotherham", "2025-26").await;
    let totals = store::spend_totals(&app.pool, current).await.unwrap();
    assert_eq!(
        totals.iter().map(|total| total.spend.get()).sum::<i64>(),
        Pence::pounds(39_817_000).get()
    );
    let kent = plan_id("kent", "2014-16").await;
    assert_eq!(store::count(&app.pool, kent).await.unwrap(), 5);
}

#[tokio::test]
async fn an_officer_adds_a_scheme_with_mistakes_fixes_them_edits_it_and_removes_it() {
    let app = spawn_app().await;
    let officer = officer(&app).await;
    let council = organisation_id(&app, "Kent County Council").await;

    let mut fields = good_scheme("Carers' breaks at home", council);
    set(&mut fields, "name", "");
    set(&mut fields, "spend-2015-16", "£1.2m");
    let response = officer
        .post_form(&format!("{KENT}/new"), &refs(&fields))
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("There is a problem"));
    assert!(page.contains("<a href=\"#name\">Enter the scheme&#39;s name</a>"));
    assert!(page.contains("id=\"spend-2015-16-error\""));
    assert!(page.contains("Spend in 2015/16: write the amount in full"));
    // Everything typed is kept.
    assert!(page.contains("value=\"£1.2m\""));
    assert!(page.contains("value=\"250000\""));
    assert!(page.contains("Breaks for carers"));
    assert!(page.contains("value=\"patient-experience\" checked"));

    set(&mut fields, "name", "Carers' breaks at home");
    set(&mut fields, "spend-2015-16", "£1,234,567.50");
    // Linked to one of the register's open risks, as the form offers them.
    let form = officer.get_html(&format!("{KENT}/new")).await;
    let marker = "name=\"risks\" type=\"checkbox\" value=\"";
    let start = form.find(marker).expect("an open risk to link") + marker.len();
    let risk: i32 = form[start..start + form[start..].find('"').unwrap()]
        .parse()
        .unwrap();
    fields.push(("risks".to_owned(), risk.to_string()));
    let number = add(&officer, &fields).await;
    assert_eq!(number, 6, "after Kent's five demo schemes");
    let page = officer
        .get_html(&format!("{KENT}/{number}?done=added"))
        .await;
    assert!(page.contains(&format!("R-{risk:02} ")), "the linked risk");
    assert!(page.contains(&format!("value=\"{risk}\" checked")));
    assert!(page.contains("The scheme has been added"));
    assert!(page.contains("S6 Carers&#39; breaks at home"));
    assert!(page.contains("£1,234,567.50"));
    assert!(page.contains("Kent County Council"));

    // Edited: more spend, another funding source.
    let version = version(&officer, number).await;
    set(&mut fields, "spend-2015-16", "2000000");
    set(&mut fields, "funding_source", "nhs-transfer-to-social-care");
    set(&mut fields, "version", &version);
    let response = officer
        .post_form(&format!("{KENT}/{number}"), &refs(&fields))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{KENT}/{number}?done=saved"));
    let page = officer.get_html(&location(&response)).await;
    assert!(page.contains("Your changes to the scheme have been saved"));
    assert!(page.contains("£2,000,000"));
    assert!(page.contains("NHS transfer to social care"));
    let list = officer.get_html(KENT).await;
    assert!(list.contains("6 schemes"));
    assert!(list.contains("£42,000,000"), "40m of the demo and 2m");

    // Removed, after confirming.
    let remove = format!("{KENT}/{number}/remove");
    let confirm = officer.get_html(&remove).await;
    assert!(confirm.contains("Remove S6 Carers&#39; breaks at home?"));
    let hidden = form_fields_in(&confirm, &remove).expect("the confirmation form");
    let response = officer.post_form(&remove, &refs(&hidden)).await;
    let removed = format!("{KENT}?done=removed");
    assert_done(&officer, &response, &removed, "The scheme has been removed").await;
    assert_eq!(officer.get(&format!("{KENT}/{number}")).await.status(), 404);

    // A removed scheme's number is not given again.
    set(&mut fields, "version", "");
    assert_eq!(add(&officer, &fields).await, 7);

    let events = scheme_events(&app).await;
    let actions: Vec<&str> = events.iter().map(|(action, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "scheme.added",
            "scheme.changed",
            "scheme.removed",
            "scheme.added"
        ]
    );
    let changed = &events[1].1;
    assert_eq!(changed["scheme"], "S6");
    let changes = changed["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|change| change["field"] == "Spend in 2015/16"
                && change["before"] == "£1,234,567.50"
                && change["after"] == "£2,000,000")
    );
    assert!(
        changes
            .iter()
            .any(|change| change["field"] == "Funding source"
                && change["before"] == "Carers' breaks funding")
    );
    assert_eq!(events[2].1["fields"]["Name"], "Carers' breaks at home");
}

#[tokio::test]
async fn every_kind_of_bad_input_is_refused_by_its_field_with_what_was_typed_kept() {
    let app = spawn_app().await;
    let officer = officer(&app).await;
    let council = organisation_id(&app, "Kent County Council").await;
    let rotherham_icb = organisation_id(&app, "NHS South Yorkshire ICB").await;
    let new = format!("{KENT}/new");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "spend-2015-16",
            "-5".into(),
            "Spend in 2015/16: the amount cannot be negative",
        ),
        (
            "spend-2015-16",
            "abc".into(),
            "Spend in 2015/16: enter the amount as one number",
        ),
        (
            "benefit-2015-16",
            "1e9".into(),
            "Expected benefit in 2015/16: enter the amount as one number",
        ),
        (
            "spend-2014-15",
            "£1.234".into(),
            "Spend in 2014/15: the amount can have at most 2 decimal places",
        ),
        ("spend-2014-15", "10.999".into(), "at most 2 decimal places"),
        (
            "spend-2015-16",
            "£10,000,000,000.01".into(),
            "Spend in 2015/16: the amount must be £10,000,000,000 or less",
        ),
        (
            "name",
            "x".repeat(201),
            "The scheme&#39;s name must be 200 characters or fewer",
        ),
        ("objective", " ".into(), "Enter the scheme&#39;s objective"),
        ("provider", "".into(), "Enter the scheme&#39;s provider"),
        ("scheme_type", "surgery".into(), "Choose the type of scheme"),
        ("scheme_type", "".into(), "Choose the type of scheme"),
        (
            "funding_source",
            "nhs-minimum-contribution".into(),
            "Choose a funding source of this plan: &#34;nhs-minimum-contribution&#34; is not one of its funding streams",
        ),
        (
            "funding_source",
            "".into(),
            "Choose the scheme&#39;s funding source",
        ),
        // Another area's organisation cannot lead Kent's scheme.
        (
            "lead_commissioner",
            rotherham_icb.to_string(),
            "Choose the lead commissioner from the area&#39;s partners",
        ),
        (
            "lead_commissioner",
            "abc".into(),
            "Choose the lead commissioner",
        ),
        (
            "metrics",
            "discharge-delay-days".into(),
            "Choose metrics of this plan: &#34;discharge-delay-days&#34; is not one of them",
        ),
        (
            "risks",
            "999".into(),
            "Choose open risks of the area&#39;s register: &#34;999&#34;",
        ),
    ];
    for (field, typed, message) in &cases {
        let mut fields = good_scheme("A scheme with one mistake", council);
        if *field != "metrics" && *field != "risks" {
            fields.retain(|(name, _)| name != field);
        }
        fields.push(((*field).to_owned(), typed.clone()));
        let response = officer.post_form(&new, &refs(&fields)).await;
        assert_eq!(response.status(), 422, "{field} = {typed:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{field} = {typed:?}: {message}");
        assert!(
            page.contains(&format!("id=\"{field}-error\"")),
            "{field}: the message is by the field"
        );
        assert!(
            page.contains(&format!("<a href=\"#{field}\">")),
            "{field}: the summary links to the field"
        );
        let kept = if *field == "objective" {
            "value=\"Kent carers&#39; organisations\""
        } else {
            "Breaks for carers"
        };
        assert!(page.contains(kept), "{field}: the rest kept");
        if field.starts_with("spend") || field.starts_with("benefit") {
            assert!(
                page.contains(&format!("value=\"{typed}\"")),
                "{field}: {typed:?} kept"
            );
        }
    }
    // Nothing was added.
    assert!(scheme_events(&app).await.is_empty());
    let list = officer.get_html(KENT).await;
    assert!(list.contains("5 schemes"));
}

/// Kent County Council's id, an officer of it and one of NHS Ashford CCG, and the number of
/// a scheme the first added.
async fn two_officers_and_a_scheme(app: &TestApp) -> (i64, TestApp, TestApp, i32) {
    let council = organisation_id(app, "Kent County Council").await;
    let first = officer(app).await;
    let second = browser(app, Role::Officer, "kent", "NHS Ashford CCG").await;
    let number = add(&first, &good_scheme("Falls prevention", council)).await;
    (council, first, second, number)
}

#[tokio::test]
async fn a_save_based_on_an_old_version_is_refused_with_both_versions_shown_and_nothing_lost() {
    let app = spawn_app().await;
    let (council, first, second, number) = two_officers_and_a_scheme(&app).await;
    let opened = version(&first, number).await;
    assert_eq!(version(&second, number).await, opened);

    let mut theirs = good_scheme("Falls prevention", council);
    set(&mut theirs, "spend-2015-16", "£300,000");
    set(&mut theirs, "version", &opened);
    let response = first
        .post_form(&format!("{KENT}/{number}"), &refs(&theirs))
        .await;
    assert_eq!(response.status(), 303);

    let mut mine = good_scheme("Falls prevention and strength classes", council);
    set(&mut mine, "provider", "Kent leisure trusts");
    set(&mut mine, "version", &opened);
    let response = second
        .post_form(&format!("{KENT}/{number}"), &refs(&mine))
        .await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("Someone else changed S6 while you were editing"));
    assert!(page.contains("Falls prevention and strength classes"));
    assert!(page.contains("value=\"Kent leisure trusts\""));
    // What differs: their spend and name against mine.
    let differences = &page[page.find("id=\"differences\"").expect("differences")..];
    assert!(differences.contains("£300,000"));
    assert!(differences.contains("Kent leisure trusts"));
    // The form is now based on the current version: saving it again is deliberate, and works.
    let path = format!("{KENT}/{number}");
    let hidden = form_fields_in(&page, &path).expect("the form again");
    let current = hidden
        .iter()
        .find(|(name, _)| name == "version")
        .map(|(_, value)| value.clone())
        .expect("a version");
    assert_ne!(current, opened);
    set(&mut mine, "version", &current);
    let response = second.post_form(&path, &refs(&mine)).await;
    assert_eq!(response.status(), 303);
    assert!(
        second
            .get_html(&path)
            .await
            .contains("Falls prevention and strength classes")
    );

    // A removal confirmed on an old version is refused too, showing the scheme as it is now.
    let remove = format!("{path}/remove");
    let response = first
        .post_form(&remove, &[("version", opened.as_str())])
        .await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("has not been removed"));
    assert!(page.contains("Kent leisure trusts"));
    // And a form without its version is out of date: 422, nothing saved.
    let mut no_version = mine.clone();
    set(&mut no_version, "version", "");
    let response = second.post_form(&path, &refs(&no_version)).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This form was out of date")
    );
}

#[tokio::test]
async fn signatories_and_assurers_read_schemes_but_cannot_change_them() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let number = add(&lead, &good_scheme("Led by the lead", council)).await;
    let signatory = browser(&app, Role::Signatory, "kent", "NHS West Kent CCG").await;
    let assurer = app.another_browser();
    assurer
        .sign_in(&app.create_user(Role::Assurer, None, "NHS England").await)
        .await;
    let before = scheme_events(&app).await.len();
    for reader in [&signatory, &assurer] {
        let page = reader.get_html(&format!("{KENT}/{number}")).await;
        assert!(page.contains("Led by the lead"));
        assert!(!page.contains("Change the scheme"));
        assert!(!page.contains("Add a scheme"));
        let mut fields = good_scheme("Changed by a reader", council);
        let response = reader
            .post_form(&format!("{KENT}/new"), &refs(&fields))
            .await;
        assert_eq!(response.status(), 403);
        set(&mut fields, "version", "1");
        let response = reader
            .post_form(&format!("{KENT}/{number}"), &refs(&fields))
            .await;
        assert_eq!(response.status(), 403);
        let response = reader
            .post_form(&format!("{KENT}/{number}/remove"), &[("version", "1")])
            .await;
        assert_eq!(response.status(), 403);
        assert_eq!(
            reader
                .get(&format!("{KENT}/{number}/remove"))
                .await
                .status(),
            403
        );
    }
    assert_eq!(scheme_events(&app).await.len(), before, "nothing changed");
    assert!(
        lead.get_html(&format!("{KENT}/{number}"))
            .await
            .contains("Led by the lead")
    );
}

/// Two officers of different partners save the same version of one scheme at the same moment,
/// over and over: exactly one save wins each time, the other is told (409) with their input
/// kept, and the audit log records one change per round.
#[tokio::test]
async fn two_people_saving_one_scheme_at_once_one_wins_and_the_other_keeps_their_input() {
    const ROUNDS: usize = 8;
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let first = officer(&app).await;
    let second = browser(&app, Role::Officer, "kent", "NHS Thanet CCG").await;
    let number = add(&first, &good_scheme("Raced scheme", council)).await;
    let path = format!("{KENT}/{number}");
    for round in 0..ROUNDS {
        let opened = version(&first, number).await;
        let mut requests = Vec::new();
        for (who, browser) in [(0, first.clone()), (1, second.clone())] {
            let mut fields = good_scheme(&format!("Round {round}, person {who}"), council);
            set(&mut fields, "version", &opened);
            let token = browser.csrf_token().await;
            fields.push(("csrf_token".to_owned(), token));
            let path = path.clone();
            requests.push(tokio::spawn(async move {
                let response = browser.post_raw(&path, &refs(&fields)).await;
                let status = response.status().as_u16();
                (who, status, response.text().await.unwrap())
            }));
        }
        let mut statuses = Vec::new();
        for request in requests {
            let (who, status, body) = request.await.unwrap();
            if status == 409 {
                assert!(
                    body.contains(&format!("Round {round}, person {who}")),
                    "round {round}: the refused input is kept"
                );
            }
            statuses.push(status);
        }
        statuses.sort();
        assert_eq!(statuses, [303, 409], "round {round}");
    }
    let changes = scheme_events(&app)
        .await
        .iter()
        .filter(|(action, _)| action == "scheme.changed")
        .count();
    assert_eq!(changes, ROUNDS);

    // Parallel adds each get their own number.
    let mut adds = Vec::new();
    for n in 0..4 {
        let browser = if n % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let mut fields = good_scheme(&format!("Added in parallel {n}"), council);
        fields.push(("csrf_token".to_owned(), browser.csrf_token().await));
        adds.push(tokio::spawn(async move {
            let response = browser
                .post_raw(&format!("{KENT}/new"), &refs(&fields))
                .await;
            assert_eq!(response.status(), 303);
            location(&response)
        }));
    }
    let mut places = Vec::new();
    for add in adds {
        places.push(add.await.unwrap());
    }
    places.sort();
    places.dedup();
    assert_eq!(places.len(), 4, "four numbers: {places:?}");
}

#[tokio::test]
async fn a_list_of_over_a_hundred_schemes_pages_filters_sorts_and_totals_in_a_fixed_number_of_queries()
 {
    query_count::install();
    let app = spawn_app().await;
    let officer = officer(&app).await;
    let council = organisation_id(&app, "Kent County Council").await;
    let first_page = format!("{KENT}?sort=number");
    let before = queries(&officer, &first_page).await;
    assert!(before > 0);

    // 120 more schemes through the store, as an import would add them.
    let plan_id: i64 = sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id WHERE a.slug = 'kent' AND t.key = '2014-16'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let user: i64 = sqlx::query_scalar("SELECT id FROM users ORDER BY id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    for n in 1..=120_i64 {
        let content = SchemeContent {
            name: format!("Bulk scheme {n:03}"),
            scheme_type: if n % 4 == 0 {
                SchemeType::Reablement
            } else {
                SchemeType::HomeCare
            },
            objective: "Volume".to_owned(),
            lead_commissioner: itf_planner::areas::OrganisationId::new(council),
            provider: "Provider".to_owned(),
            funding_source: "ccg-minimum-contribution".to_owned(),
            amounts: vec![
                YearAmount {
                    year_key: "2014-15".to_owned(),
                    spend: Pence::ZERO,
                    benefit: Pence::ZERO,
                },
                YearAmount {
                    year_key: "2015-16".to_owned(),
                    spend: Pence::pounds(1_000 * n),
                    benefit: Pence::ZERO,
                },
            ],
            metrics: vec!["delayed-transfers".to_owned()],
            risks: Vec::new(),
        };
        store::create(
            &mut tx,
            itf_planner::plans::PlanId::new(plan_id),
            &content,
            app.clock.now(),
            itf_planner::auth::UserId::new(user),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    assert_eq!(
        queries(&officer, &first_page).await,
        before,
        "same queries with 125"
    );
    let filtered = format!("{KENT}?type=reablement&q=bulk&sort=spend&page=1");
    assert_eq!(queries(&officer, &filtered).await, before, "filtered too");

    let page = officer.get_html(&first_page).await;
    assert!(page.contains("Schemes 1 to 50 of 125"));
    assert!(page.contains("S1</a>") && page.contains("S50</a>") && !page.contains("S51</a>"));
    assert!(page.contains("aria-label=\"Page 3\""));
    assert!(page.contains("rel=\"next\""));
    // Every scheme's spend: the demo's £40m and 1,000 × (1 + … + 120) = £7,260,000.
    assert!(page.contains("£47,260,000"));
    let last = officer
        .get_html(&format!("{KENT}?sort=number&page=3"))
        .await;
    assert!(last.contains("Schemes 101 to 125 of 125"));
    assert!(last.contains("S125</a>") && !last.contains("S100</a>"));
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    // A page past the end shows the last one.
    assert!(
        officer
            .get_html(&format!("{KENT}?sort=number&page=99"))
            .await
            .contains("Schemes 101 to 125 of 125")
    );

    // Reablement among the bulk ones: every fourth, 30 of them, largest spend first.
    let page = officer.get_html(&filtered).await;
    assert!(page.contains("30 of 125 schemes match"));
    assert!(page.contains("Total of the 30 matching schemes"));
    let biggest = page.find("Bulk scheme 120").expect("the largest");
    let next = page.find("Bulk scheme 116").expect("the next");
    assert!(biggest < next, "sorted by spend");
    assert!(!page.contains("Bulk scheme 001"));
    // 1,000 × (4 + 8 + … + 120) = £1,860,000.
    assert!(page.contains("£1,860,000"));
    assert!(page.contains("£47,260,000"), "and the overall total");

    // By name, and by a funding source and lead commissioner.
    let page = officer.get_html(&format!("{KENT}?sort=name")).await;
    let bulk = page.find("Bulk scheme 001").expect("bulk first by name");
    let carers = page.find("Carers&#39; short breaks");
    assert!(carers.is_none() || bulk < carers.unwrap_or(0));
    let page = officer
        .get_html(&format!("{KENT}?source=carers-breaks&lead={council}"))
        .await;
    assert!(page.contains("1 of 125 schemes match"));
    assert!(page.contains("Carers&#39; short breaks"));
    // Wildcards in the search are taken literally.
    let page = officer.get_html(&format!("{KENT}?q=%25")).await;
    assert!(page.contains("No schemes match these filters"));
}

/// The id of Kent's demo plan.
async fn kent_plan(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_scheme_removed_while_someone_edits_it_keeps_their_input_and_a_second_removal_is_done() {
    let app = spawn_app().await;
    let (council, first, second, number) = two_officers_and_a_scheme(&app).await;
    let opened = version(&second, number).await;
    let path = format!("{KENT}/{number}");
    let remove = format!("{path}/remove");
    let confirm = first.get_html(&remove).await;
    let hidden = form_fields_in(&confirm, &remove).expect("the confirmation form");
    let response = first.post_form(&remove, &refs(&hidden)).await;
    assert_eq!(response.status(), 303);

    // The edit, sent after the removal: refused, with everything typed in the add form.
    let mut mine = good_scheme("Falls prevention and strength classes", council);
    set(&mut mine, "provider", "Kent leisure trusts");
    set(&mut mine, "version", &opened);
    let response = second.post_form(&path, &refs(&mine)).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!(
        "Someone removed S{number} while you were editing it"
    )));
    assert!(
        form_fields_in(&page, &format!("{KENT}/new")).is_some(),
        "the add form"
    );
    assert!(page.contains("value=\"Falls prevention and strength classes\""));
    assert!(page.contains("value=\"Kent leisure trusts\""));
    assert!(page.contains("value=\"£1,234,567.50\""));
    // Sending it from there adds it afresh.
    let number_again = add(&second, &mine).await;
    assert!(number_again > number);

    // A second removal of what is gone is done already, not an error.
    let response = first.post_form(&remove, &refs(&hidden)).await;
    let done = format!("{KENT}?done=already-removed");
    assert_done(
        &first,
        &response,
        &done,
        "The scheme had already been removed",
    )
    .await;
    let actions = scheme_actions(&app).await;
    assert_eq!(actions, ["scheme.added", "scheme.removed", "scheme.added"]);
    // A number never given is still not found.
    let response = second.post_form(&format!("{KENT}/x"), &refs(&mine)).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn saving_a_scheme_unchanged_writes_and_records_nothing() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = officer(&app).await;
    let mut fields = good_scheme("Carers' breaks at home", council);
    let number = add(&officer, &fields).await;
    let opened = version(&officer, number).await;
    set(&mut fields, "version", &opened);
    // As typed the first time, money written differently: the same scheme.
    set(&mut fields, "spend-2015-16", "1234567.50");
    let path = format!("{KENT}/{number}");
    let response = officer.post_form(&path, &refs(&fields)).await;
    let unchanged = format!("{path}?done=unchanged");
    assert_done(&officer, &response, &unchanged, "Nothing was changed").await;
    assert_eq!(version(&officer, number).await, opened, "no new version");
    let actions = scheme_actions(&app).await;
    assert_eq!(actions, ["scheme.added"], "nothing recorded");
}

#[tokio::test]
async fn a_plan_takes_schemes_up_to_the_cap_and_refuses_more_keeping_what_was_typed() {
    use itf_planner::plans::parts::schemes::MAX_SCHEMES;
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = officer(&app).await;
    let plan = kent_plan(&app).await;
    // Filled to the cap, past the numbers given so far, copying a demo scheme.
    let existing = store::count(&app.pool, itf_planner::plans::PlanId::new(plan))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO schemes (plan_id, number, name, scheme_type, objective,
                              lead_commissioner_id, provider, funding_source, version,
                              created_at, updated_at)
         SELECT s.plan_id, 100000 + g, 'Filler ' || g, s.scheme_type, s.objective,
                s.lead_commissioner_id, s.provider, s.funding_source, 1, s.created_at, s.updated_at
         FROM (SELECT * FROM schemes WHERE plan_id = $1 ORDER BY number LIMIT 1) s,
              generate_series(1, $2) g",
    )
    .bind(plan)
    .bind(MAX_SCHEMES - existing)
    .execute(&app.pool)
    .await
    .unwrap();

    let fields = good_scheme("One too many", council);
    let page = post_and_expect_422(&officer, &format!("{KENT}/new"), &refs(&fields)).await;
    assert!(page.contains("There is a problem"));
    assert!(page.contains("This plan already has 5000 schemes"));
    assert!(page.contains("value=\"One too many\""), "kept");
    assert!(page.contains("value=\"£1,234,567.50\""), "kept");
    let count = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            store::count(&pool, itf_planner::plans::PlanId::new(plan))
                .await
                .unwrap()
        }
    };
    assert_eq!(count(&app).await, MAX_SCHEMES, "nothing added");
    assert!(scheme_events(&app).await.is_empty(), "nothing recorded");

    // With room made, it is added, with the next number.
    sqlx::query("DELETE FROM schemes WHERE plan_id = $1 AND number = 100001")
        .bind(plan)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(add(&officer, &fields).await, 6);
    assert_eq!(count(&app).await, MAX_SCHEMES);
}
