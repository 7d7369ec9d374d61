//! The plan's funding over HTTP: the pooled fund per year with its totals and notified minimum,
//! each organisation's amounts typed as people type money, the minimum's history, who may change
//! what, and saves that meet someone else's (one after the other, and at the same moment).

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, form_fields_in, location, spawn_app};
use crate::query_count::{self, queries};

const KENT: &str = "/areas/kent/plans/2014-16/funding";
const ROTHERHAM: &str = "/areas/rotherham/plans/2014-16/funding";

async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|error| panic!("organisation {name}: {error}"))
}

/// A browser signed in as a new user with `role` in `area`, of `organisation`.
async fn person(app: &TestApp, role: Role, area: Option<&str>, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, area, organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// The stored amount of a line in pence (`None`: no line, or emptied).
async fn stored(app: &TestApp, organisation: &str, year: &str, stream: &str) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT l.amount FROM funding_lines l
         JOIN plans p ON p.id = l.plan_id
         JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         JOIN organisations o ON o.id = l.organisation_id
         WHERE a.slug = 'kent' AND t.key = '2014-16'
           AND o.name = $1 AND l.year_key = $2 AND l.stream_key = $3",
    )
    .bind(organisation)
    .bind(year)
    .bind(stream)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
    .flatten()
}

/// Kent County Council's stored 2015/16 amount from `stream`.
async fn council_line(app: &TestApp, stream: &str) -> Option<i64> {
    stored(app, "Kent County Council", "2015-16", stream).await
}

async fn count_actions(app: &TestApp, action: &str) -> usize {
    app.audit_actions()
        .await
        .iter()
        .filter(|recorded| *recorded == action)
        .count()
}

/// The form on `page` (as `browser` sees it) posting to itself: its hidden fields, plus `typed`.
async fn form_with(browser: &TestApp, page: &str, typed: &[(&str, &str)]) -> Vec<(String, String)> {
    let html = browser.get_html(page).await;
    let mut fields = form_fields_in(&html, page)
        .unwrap_or_else(|| panic!("{page} has a form posting to itself"));
    for (name, value) in typed {
        fields.retain(|(field, _)| field != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields
}

/// A save that changed nothing: back to the funding page saying so, nothing recorded.
async fn expect_nothing_changed(
    app: &TestApp,
    response: &reqwest::Response,
    changes_before: usize,
) {
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(response),
        format!("{KENT}?done=unchanged#year-2015-16")
    );
    assert_eq!(count_actions(app, "funding.changed").await, changes_before);
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// The value attribute of the input with `id`.
fn input_value(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("an input {id}"));
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let value = tag.find("value=\"").expect("a value") + "value=\"".len();
    tag[value..value + tag[value..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn every_role_sees_each_years_pool_with_its_totals_and_the_minimum() {
    let app = spawn_app().await;
    for (role, area) in [
        (Role::Officer, Some("rotherham")),
        (Role::AreaLead, Some("rotherham")),
        (Role::Signatory, Some("rotherham")),
        (Role::BoardSecretary, Some("rotherham")),
        (Role::Assurer, None),
        (Role::Admin, None),
    ] {
        let browser = person(&app, role, area, "NHS Rotherham CCG").await;
        let page = browser.get_html(ROTHERHAM).await;
        // 2015/16: £20m pooled, £10m of it from mandated streams, £100,000 short of the
        // revised minimum.
        assert!(
            page.contains("<h1 class=\"govuk-heading-l\">Funding</h1>"),
            "{role:?}"
        );
        assert!(
            page.contains("aria-current=\"page\""),
            "{role:?}: the parts navigation"
        );
        assert!(
            page.contains("id=\"pool-2015-16\"><strong>£20,000,000</strong>"),
            "{role:?}"
        );
        assert!(
            page.contains("id=\"pool-2014-15\"><strong>£6,600,000</strong>"),
            "{role:?}"
        );
        assert!(page.contains("£10,000,000"), "{role:?}");
        assert!(page.contains("£20,100,000"), "{role:?}");
        assert!(page.contains("£100,000 short of the minimum"), "{role:?}");
        // The CCG's 2015/16 total, and the council's.
        assert!(page.contains("<strong>£18,300,000</strong>"), "{role:?}");
        assert!(page.contains("<strong>£1,700,000</strong>"), "{role:?}");
        assert!(page.contains("app-table-scroll"), "{role:?}");
        let ccg = organisation_id(&app, "NHS Rotherham CCG").await;
        let council = organisation_id(&app, "Rotherham Metropolitan Borough Council").await;
        let edits_ccg = page.contains(&format!("href=\"{ROTHERHAM}/{ccg}/2015-16\""));
        let edits_council = page.contains(&format!("href=\"{ROTHERHAM}/{council}/2015-16\""));
        let sets_minimum =
            page.contains("Change<span class=\"govuk-visually-hidden\"> the notified minimum");
        match role {
            Role::Officer => assert!(edits_ccg && !edits_council && !sets_minimum),
            Role::AreaLead => assert!(edits_ccg && edits_council && sets_minimum),
            _ => assert!(!edits_ccg && !edits_council && !sets_minimum, "{role:?}"),
        }
    }
    // Kent: eight partners, 2015/16 on the scale of its section 75 agreement.
    let kent = person(&app, Role::Signatory, Some("kent"), "NHS West Kent CCG").await;
    let page = kent.get_html(KENT).await;
    assert!(page.contains("id=\"pool-2015-16\"><strong>£101,400,000</strong>"));
    assert!(page.contains("£13,400,000 above the minimum"));
    // BCF 2025-26: exactly at its minimum.
    let rotherham = person(
        &app,
        Role::Officer,
        Some("rotherham"),
        "NHS South Yorkshire ICB",
    )
    .await;
    let page = rotherham
        .get_html("/areas/rotherham/plans/2025-26/funding")
        .await;
    assert!(page.contains("id=\"pool-2025-26\"><strong>£39,817,000</strong>"));
    assert!(page.contains("Exactly the minimum"));
    // Another area's plan is not there for them.
    assert_eq!(rotherham.get(KENT).await.status(), 404);
}

#[tokio::test]
async fn amounts_typed_as_people_type_money_are_saved_and_the_totals_follow() {
    let app = spawn_app().await;
    let officer = person(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let council = organisation_id(&app, "Kent County Council").await;
    let page = format!("{KENT}/{council}/2015-16");
    let html = officer.get_html(&page).await;
    assert!(html.contains("Kent County Council: funding in 2015/16"));
    assert_eq!(
        input_value(&html, "amount-disabled-facilities-grant"),
        "6,600,000"
    );
    assert_eq!(input_value(&html, "amount-carers-breaks"), "");
    let fields = form_with(
        &officer,
        &page,
        &[
            ("amount-disabled-facilities-grant", "£7,000,000"),
            ("amount-carers-breaks", "1234567.50"),
            ("amount-social-care-capital-grant", ""),
        ],
    )
    .await;
    let response = officer.post_form(&page, &as_pairs(&fields)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("{KENT}?done=saved#year-2015-16")
    );
    let overview = officer.get_html(&format!("{KENT}?done=saved")).await;
    assert!(overview.contains("The amounts have been saved"));
    // The council: £7,000,000 + £1,234,567.50; the pool: £101.4m + £0.4m − £4m + £1,234,567.50.
    assert!(overview.contains("<strong>£8,234,567.50</strong>"));
    assert!(overview.contains("id=\"pool-2015-16\"><strong>£99,034,567.50</strong>"));
    assert_eq!(council_line(&app, "carers-breaks").await, Some(123_456_750));
    assert_eq!(
        council_line(&app, "social-care-capital-grant").await,
        None,
        "emptied: nothing from that stream"
    );
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details::jsonb FROM audit_log WHERE action = 'funding.changed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let changes = details["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 3, "{details}");
    assert!(
        changes
            .iter()
            .any(|change| change["stream"] == "disabled-facilities-grant"
                && change["before"] == 660_000_000
                && change["after"] == 700_000_000)
    );
    assert!(
        changes
            .iter()
            .any(|change| change["stream"] == "social-care-capital-grant"
                && change["after"].is_null())
    );

    // The same amounts again change nothing and record nothing.
    let before = count_actions(&app, "funding.changed").await;
    let fields = form_with(&officer, &page, &[]).await;
    let html = officer.get_html(&page).await;
    let mut again = fields.clone();
    for stream in ["disabled-facilities-grant", "carers-breaks"] {
        let id = format!("amount-{stream}");
        again.push((id.clone(), input_value(&html, &id)));
    }
    let response = officer.post_form(&page, &as_pairs(&again)).await;
    expect_nothing_changed(&app, &response, before).await;
}

#[tokio::test]
async fn bad_money_is_refused_by_its_field_with_what_was_typed_kept() {
    let app = spawn_app().await;
    let officer = person(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let council = organisation_id(&app, "Kent County Council").await;
    let page = format!("{KENT}/{council}/2015-16");
    for (typed, message) in [
        ("-5", "The amount cannot be negative"),
        ("abc", "Enter the amount as one number in pounds"),
        ("1e9", "Enter the amount as one number in pounds"),
        ("£1.234", "at most 2 decimal places"),
        ("1234.567", "at most 2 decimal places"),
        (
            "£10,000,000,001",
            "The amount must be £10,000,000,000 or less",
        ),
        ("£2.5m", "Write the amount in full"),
    ] {
        let fields = form_with(
            &officer,
            &page,
            &[
                ("amount-carers-breaks", typed),
                ("amount-disabled-facilities-grant", "6,700,000"),
            ],
        )
        .await;
        let response = officer.post_form(&page, &as_pairs(&fields)).await;
        assert_eq!(response.status(), 422, "{typed}");
        let html = response.text().await.unwrap();
        assert!(html.contains("There is a problem"), "{typed}");
        assert!(
            html.contains("<a href=\"#amount-carers-breaks\">Carers&#39; breaks"),
            "{typed}: the summary links to the field"
        );
        assert!(
            html.contains("id=\"amount-carers-breaks-error\""),
            "{typed}"
        );
        assert!(html.contains(message), "{typed}: {message}");
        assert_eq!(
            input_value(&html, "amount-carers-breaks"),
            typed,
            "{typed}: kept"
        );
        assert_eq!(
            input_value(&html, "amount-disabled-facilities-grant"),
            "6,700,000",
            "{typed}: the other boxes kept"
        );
        assert!(html.contains("<title>Error: "), "{typed}");
    }
    assert_eq!(count_actions(&app, "funding.changed").await, 0);
    assert_eq!(
        council_line(&app, "disabled-facilities-grant").await,
        Some(660_000_000),
        "nothing saved"
    );
}

#[tokio::test]
async fn an_officer_edits_only_their_organisations_lines_and_the_lead_edits_any() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let ashford = organisation_id(&app, "NHS Ashford CCG").await;
    let officer = person(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let signatory = person(&app, Role::Signatory, Some("kent"), "Kent County Council").await;
    let ashford_page = format!("{KENT}/{ashford}/2015-16");
    let council_page = format!("{KENT}/{council}/2015-16");
    let body = [
        ("amount-ccg-minimum-contribution", "8,000,000"),
        ("version-ccg-minimum-contribution", "1"),
    ];

    // Another organisation's lines: read, not changed.
    let html = officer.get_html(&ashford_page).await;
    assert!(
        form_fields_in(&html, &ashford_page).is_none(),
        "no form for another organisation"
    );
    assert!(html.contains("£7,600,000"));
    assert_eq!(officer.post_form(&ashford_page, &body).await.status(), 403);
    // A signatory reads their own organisation's, and changes nothing.
    let html = signatory.get_html(&council_page).await;
    assert!(form_fields_in(&html, &council_page).is_none());
    let own = [
        ("amount-carers-breaks", "5"),
        ("version-carers-breaks", "0"),
    ];
    assert_eq!(signatory.post_form(&council_page, &own).await.status(), 403);
    // Only the lead sets the minimum.
    let minimum = format!("{KENT}/minimum/2015-16");
    let html = officer.get_html(&minimum).await;
    assert!(!html.contains("id=\"minimum\""));
    assert_eq!(
        officer
            .post_form(&minimum, &[("minimum", "90000000"), ("reason", "Revised")])
            .await
            .status(),
        403
    );
    assert_eq!(count_actions(&app, "funding.changed").await, 0);
    assert_eq!(count_actions(&app, "funding.minimum_set").await, 0);

    // The lead changes Ashford's line.
    let fields = form_with(
        &lead,
        &ashford_page,
        &[("amount-ccg-minimum-contribution", "8,000,000")],
    )
    .await;
    let response = lead.post_form(&ashford_page, &as_pairs(&fields)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        stored(
            &app,
            "NHS Ashford CCG",
            "2015-16",
            "ccg-minimum-contribution"
        )
        .await,
        Some(800_000_000)
    );
    // The officer changes their own.
    let fields = form_with(
        &officer,
        &council_page,
        &[("amount-carers-breaks", "250,000")],
    )
    .await;
    assert_eq!(
        officer
            .post_form(&council_page, &as_pairs(&fields))
            .await
            .status(),
        303
    );

    // Not a member of Kent, not a year of the plan, not a stream of it: not there.
    let rotherham_ccg = organisation_id(&app, "NHS Rotherham CCG").await;
    for path in [
        format!("{KENT}/{rotherham_ccg}/2015-16"),
        format!("{KENT}/{council}/2016-17"),
        format!("{KENT}/minimum/2016-17"),
        format!("{KENT}/abc/2015-16"),
    ] {
        assert_eq!(lead.get(&path).await.status(), 404, "GET {path}");
        assert_eq!(
            lead.post_form(&path, &own).await.status(),
            404,
            "POST {path}"
        );
    }
    // A stream the plan does not have is no part of the form: nothing changes.
    let before = count_actions(&app, "funding.changed").await;
    let response = lead
        .post_form(
            &council_page,
            &[
                ("amount-no-such-stream", "5"),
                ("version-no-such-stream", "0"),
            ],
        )
        .await;
    expect_nothing_changed(&app, &response, before).await;
}

#[tokio::test]
async fn the_notified_minimum_changes_with_a_reason_and_every_figure_is_kept() {
    let app = spawn_app().await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let page = format!("{KENT}/minimum/2015-16");
    let html = lead.get_html(&page).await;
    assert_eq!(input_value(&html, "minimum"), "88,000,000");
    let opened = form_fields_in(&html, &page).expect("the minimum form");

    // A change needs a reason; bad money is refused by its field.
    let mut without_reason = opened.clone();
    without_reason.push(("minimum".into(), "£89,500,000".into()));
    without_reason.push(("reason".into(), "  ".into()));
    let response = lead.post_form(&page, &as_pairs(&without_reason)).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("<a href=\"#reason\">Enter the reason for the change"));
    assert_eq!(input_value(&html, "minimum"), "£89,500,000");
    for bad in ["-5", "abc", "1e9", "£1.234", "£20,000,000,000"] {
        let mut fields = opened.clone();
        fields.push(("minimum".into(), bad.into()));
        fields.push(("reason".into(), "Revised".into()));
        let response = lead.post_form(&page, &as_pairs(&fields)).await;
        assert_eq!(response.status(), 422, "{bad}");
        let html = response.text().await.unwrap();
        assert!(html.contains("id=\"minimum-error\""), "{bad}");
        assert_eq!(input_value(&html, "minimum"), bad, "{bad}");
        assert!(
            html.contains(">\nRevised</textarea>"),
            "{bad}: the reason kept"
        );
    }

    let mut fields = opened.clone();
    fields.push(("minimum".into(), "£89,500,000".into()));
    fields.push((
        "reason".into(),
        "Allocation revised in the final guidance".into(),
    ));
    let response = lead.post_form(&page, &as_pairs(&fields)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("{KENT}?done=minimum#year-2015-16")
    );
    let overview = lead.get_html(KENT).await;
    assert!(overview.contains("£89,500,000"));
    assert!(overview.contains("£11,900,000 above the minimum"));
    let history = lead.get_html(&page).await;
    let newest = history.find("£89,500,000").expect("the new minimum");
    let first = history
        .rfind("£88,000,000")
        .expect("the first minimum, kept");
    assert!(newest < first, "newest first");
    assert!(history.contains("Allocation revised in the final guidance"));
    assert!(history.contains("First notified minimum"));
    assert_eq!(count_actions(&app, "funding.minimum_set").await, 1);

    // Sent again from the page opened before that change: someone else's minimum is shown
    // beside this one, and nothing is saved.
    let mut stale = opened.clone();
    stale.push(("minimum".into(), "90,000,000".into()));
    stale.push(("reason".into(), "Another revision".into()));
    let response = lead.post_form(&page, &as_pairs(&stale)).await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("Someone else changed the notified minimum"));
    assert!(html.contains("£89,500,000"));
    assert_eq!(input_value(&html, "minimum"), "90,000,000");
    assert!(html.contains(">\nAnother revision</textarea>"));
    assert_eq!(count_actions(&app, "funding.minimum_set").await, 1);
    // Sent from the 409 page, it is saved.
    let mut fields: Vec<(String, String)> = form_fields_in(&html, &page).unwrap();
    assert_ne!(fields, opened, "based on the current minimum now");
    fields.push(("minimum".into(), "90,000,000".into()));
    fields.push(("reason".into(), "Another revision".into()));
    assert_eq!(
        lead.post_form(&page, &as_pairs(&fields)).await.status(),
        303
    );

    // A first minimum needs no reason.
    let first_page = format!("{KENT}/minimum/2014-15");
    let fields = form_with(
        &lead,
        &first_page,
        &[("minimum", "70,000,000"), ("reason", "")],
    )
    .await;
    assert_eq!(
        lead.post_form(&first_page, &as_pairs(&fields))
            .await
            .status(),
        303
    );
    assert!(lead.get_html(KENT).await.contains("£70,000,000"));
}

#[tokio::test]
async fn a_line_changed_meanwhile_is_shown_beside_yours_and_yours_is_kept() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let page = format!("{KENT}/{council}/2015-16");
    let first = person(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let second = person(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let first_form = form_with(
        &first,
        &page,
        &[("amount-disabled-facilities-grant", "7,000,000")],
    )
    .await;
    // The second changes the same line and another; they left the capital grant as it was.
    let second_form = form_with(
        &second,
        &page,
        &[
            ("amount-disabled-facilities-grant", "8,000,000"),
            ("amount-carers-breaks", "300,000"),
        ],
    )
    .await;
    assert_eq!(
        first
            .post_form(&page, &as_pairs(&first_form))
            .await
            .status(),
        303
    );
    let response = second.post_form(&page, &as_pairs(&second_form)).await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("Someone else changed Kent County Council's funding"));
    let conflicts = &html[html.find("id=\"conflicts\"").expect("the conflict table")..];
    let conflicts = &conflicts[..conflicts.find("</table>").unwrap()];
    assert!(conflicts.contains("Disabled Facilities Grant"));
    assert!(conflicts.contains("£7,000,000"), "theirs");
    assert!(conflicts.contains("£8,000,000"), "yours");
    assert!(
        !conflicts.contains("Carers"),
        "a line only they changed is no conflict"
    );
    assert_eq!(
        input_value(&html, "amount-disabled-facilities-grant"),
        "8,000,000"
    );
    assert_eq!(input_value(&html, "amount-carers-breaks"), "300,000");
    assert_eq!(
        council_line(&app, "disabled-facilities-grant").await,
        Some(700_000_000),
        "nothing of the second save landed"
    );
    assert_eq!(council_line(&app, "carers-breaks").await, None);

    // Saving the 409 page's form is deliberate, and lands.
    let mut fields = form_fields_in(&html, &page).expect("the form again");
    fields.push((
        "amount-disabled-facilities-grant".into(),
        "8,000,000".into(),
    ));
    fields.push(("amount-carers-breaks".into(), "300,000".into()));
    fields.push((
        "amount-social-care-capital-grant".into(),
        "4,000,000".into(),
    ));
    assert_eq!(
        second.post_form(&page, &as_pairs(&fields)).await.status(),
        303
    );
    assert_eq!(
        council_line(&app, "disabled-facilities-grant").await,
        Some(800_000_000)
    );

    // A box left alone does not undo a change made meanwhile to its line.
    let untouched = form_with(&first, &page, &[("amount-carers-breaks", "350,000")]).await;
    let changed = form_with(
        &second,
        &page,
        &[("amount-disabled-facilities-grant", "9,000,000")],
    )
    .await;
    assert_eq!(
        second.post_form(&page, &as_pairs(&changed)).await.status(),
        303
    );
    let mut untouched = untouched;
    // The first person's form still holds 8,000,000 for the grant, as they opened it.
    untouched.push((
        "amount-disabled-facilities-grant".into(),
        "8,000,000".into(),
    ));
    assert_eq!(
        first.post_form(&page, &as_pairs(&untouched)).await.status(),
        303
    );
    assert_eq!(
        council_line(&app, "disabled-facilities-grant").await,
        Some(900_000_000)
    );
    assert_eq!(council_line(&app, "carers-breaks").await, Some(35_000_000));
}

/// Two officers of one organisation save the same line at the same moment, over and over: each
/// time exactly one wins, the other is told (409) with their figure kept, and the line holds the
/// winner's figure, with one audit record per save that landed. Half the rounds race to add a
/// line that does not exist yet.
#[tokio::test]
async fn two_officers_saving_the_same_line_at_once_one_wins_and_the_other_is_told() {
    const ROUNDS: usize = 12;
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let page = format!("{KENT}/{council}/2015-16");
    let officers = [
        person(&app, Role::Officer, Some("kent"), "Kent County Council").await,
        person(&app, Role::Officer, Some("kent"), "Kent County Council").await,
    ];
    // Streams the council has no line from yet: one for each round racing to add one.
    let new_lines = [
        "ccg-minimum-contribution",
        "nhs-transfer-to-social-care",
        "carers-breaks",
        "ccg-reablement",
        "additional-council-contribution",
        "additional-ccg-contribution",
    ];
    for round in 0..ROUNDS {
        let stream = if round % 2 == 0 {
            "disabled-facilities-grant"
        } else {
            new_lines[round / 2]
        };
        let field = format!("amount-{stream}");
        let before = count_actions(&app, "funding.changed").await;
        let mut requests = Vec::new();
        for (index, officer) in officers.iter().enumerate() {
            let figure = format!("{},{:03},000", round + 1, index + 1);
            let fields = form_with(officer, &page, &[(field.as_str(), figure.as_str())]).await;
            let token = officer.csrf_token().await;
            requests.push((officer.clone(), fields, token, figure));
        }
        let mut handles = Vec::new();
        for (officer, mut fields, token, figure) in requests {
            let page = page.clone();
            fields.push(("csrf_token".into(), token));
            handles.push(tokio::spawn(async move {
                let response = officer.post_raw(&page, &as_pairs(&fields)).await;
                let status = response.status().as_u16();
                (status, figure, response.text().await.unwrap())
            }));
        }
        let mut winners = Vec::new();
        for handle in handles {
            let (status, figure, html) = handle.await.unwrap();
            match status {
                303 => winners.push(figure),
                409 => {
                    assert_eq!(input_value(&html, &field), figure, "round {round}: kept");
                    assert!(html.contains("Someone else changed"), "round {round}");
                }
                other => panic!("round {round}: answered {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one wins");
        let pounds: i64 = winners[0].replace(',', "").parse().unwrap();
        assert_eq!(
            stored(&app, "Kent County Council", "2015-16", stream).await,
            Some(pounds * 100),
            "round {round}: the winner's figure"
        );
        assert_eq!(
            count_actions(&app, "funding.changed").await,
            before + 1,
            "round {round}: one save recorded"
        );
    }
}

#[tokio::test]
async fn the_funding_pages_make_a_fixed_number_of_queries_however_many_lines_there_are() {
    query_count::install();
    let app = spawn_app().await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let council = organisation_id(&app, "Kent County Council").await;
    let pages = [
        KENT.to_owned(),
        format!("{KENT}/{council}/2015-16"),
        format!("{KENT}/minimum/2015-16"),
    ];
    let mut before = Vec::new();
    for page in &pages {
        before.push(queries(&lead, page).await);
    }
    assert!(before.iter().all(|count| *count > 0), "counted: {before:?}");
    // Every partner × every stream × both years, and many changes of the minimum.
    sqlx::query(
        "INSERT INTO funding_lines (plan_id, organisation_id, year_key, stream_key, amount, version, updated_at)
         SELECT p.id, m.organisation_id, y.key, s.key, 100000, 1, now()
         FROM plans p
         JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         JOIN area_members m ON m.area_id = a.id
         CROSS JOIN (VALUES ('2014-15'), ('2015-16')) AS y (key)
         CROSS JOIN (VALUES ('ccg-minimum-contribution'), ('nhs-transfer-to-social-care'),
                            ('carers-breaks'), ('ccg-reablement'), ('disabled-facilities-grant'),
                            ('social-care-capital-grant'), ('additional-council-contribution'),
                            ('additional-ccg-contribution')) AS s (key)
         WHERE a.slug = 'kent' AND t.key = '2014-16'
         ON CONFLICT DO NOTHING",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    for round in 0..5 {
        let page = &pages[2];
        let fields = form_with(
            &lead,
            page,
            &[
                ("minimum", &format!("{}", 90_000_000 + round)),
                ("reason", "Revised again"),
            ],
        )
        .await;
        assert_eq!(lead.post_form(page, &as_pairs(&fields)).await.status(), 303);
    }
    for (page, before) in pages.iter().zip(before) {
        assert_eq!(queries(&lead, page).await, before, "{page}");
    }
}

#[tokio::test]
async fn two_leads_revising_the_minimum_at_once_one_lands_the_other_is_told() {
    const ROUNDS: usize = 6;
    let app = spawn_app().await;
    let first = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let second = person(&app, Role::AreaLead, Some("kent"), "NHS Ashford CCG").await;
    let page = format!("{KENT}/minimum/2015-16");
    for round in 0..ROUNDS {
        let opened = form_fields_in(&first.get_html(&page).await, &page).expect("the form");
        let mut posts = Vec::new();
        for (index, lead) in [first.clone(), second.clone()].into_iter().enumerate() {
            let token = lead.csrf_token().await;
            let mut fields: Vec<(String, String)> = opened
                .iter()
                .filter(|(name, _)| name != "csrf_token")
                .cloned()
                .collect();
            let minimum = format!("£{},000,000", 90 + round * 2 + index);
            fields.push(("minimum".into(), minimum.clone()));
            fields.push(("reason".into(), format!("Round {round}, lead {index}")));
            fields.push(("csrf_token".into(), token));
            let page = page.clone();
            posts.push(tokio::spawn(async move {
                let response = lead.post_raw(&page, &as_pairs(&fields)).await;
                let status = response.status().as_u16();
                (status, minimum, response.text().await.unwrap())
            }));
        }
        let mut statuses = Vec::new();
        for post in posts {
            let (status, minimum, body) = post.await.unwrap();
            if status == 409 {
                assert_eq!(
                    input_value(&body, "minimum"),
                    minimum,
                    "round {round}: kept"
                );
            }
            statuses.push(status);
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "round {round}");
    }
    assert_eq!(
        count_actions(&app, "funding.minimum_set").await,
        ROUNDS,
        "one revision recorded per round"
    );
}
