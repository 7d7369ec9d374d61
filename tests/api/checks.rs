//! The checks page over HTTP, on the demo plans: which checks pass and fail and why, each failure
//! linking to its field; a funding change turning a check from passing to failing and back; the
//! task list's count; and who may read it.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, form_fields_in, spawn_app};

const ROTHERHAM_2014: &str = "/areas/rotherham/plans/2014-16";
const ROTHERHAM_2025: &str = "/areas/rotherham/plans/2025-26";

async fn person(app: &TestApp, role: Role, area: &str, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// The check's section of the page (from its heading to the next check).
fn check<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"check-{key}\""))
        .unwrap_or_else(|| panic!("check {key} on the page"));
    let rest = &html[start..];
    let end = rest.find("</section>").expect("the check's end");
    &rest[..end]
}

fn passes(html: &str, key: &str) -> bool {
    let section = check(html, key);
    assert!(
        section.contains(">Passes<") != section.contains(">Fails<"),
        "{key}: {section}"
    );
    section.contains(">Passes<")
}

#[tokio::test]
async fn the_demo_plans_show_what_passes_and_what_fails_each_failure_linking_to_its_field() {
    let app = spawn_app().await;
    let officer = person(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;

    let html = officer.get_html(&format!("{ROTHERHAM_2014}/checks")).await;
    assert!(html.contains("<h1 class=\"govuk-heading-l\">Checks</h1>"));
    // 2014/15's schemes spend £100,000 less than is pooled, on the NHS transfer.
    let spend = check(&html, "sources-equal-spend");
    assert!(
        spend.contains("2014/15: funding sources total £6,600,000 but schemes spend £6,500,000 (£100,000 not allocated to a scheme)"),
        "{spend}"
    );
    assert!(spend.contains(&format!(
        "href=\"{ROTHERHAM_2014}/schemes?source=nhs-transfer-to-social-care\""
    )));
    assert!(!spend.contains("2015/16"), "2015/16 balances: {spend}");
    // The minimum was revised up to £20.1m after the pool was agreed at £20m.
    let minimum = check(&html, "pool-at-least-minimum");
    assert!(minimum.contains(
        "2015/16: the pooled fund of £20,000,000 is £100,000 short of the notified minimum of £20,100,000"
    ));
    let metrics = check(&html, "metrics");
    assert!(metrics.contains("has no baseline"), "{metrics}");
    assert!(metrics.contains(&format!(
        "href=\"{ROTHERHAM_2014}/metrics/patient-experience#baseline_value\""
    )));
    let conditions = check(&html, "conditions");
    assert_eq!(
        conditions.matches("is not answered").count(),
        2,
        "{conditions}"
    );
    assert!(!passes(&html, "sections"), "nothing is completed yet");

    // BCF 2025-26: the money, the metrics and the conditions are all in order.
    let html = officer.get_html(&format!("{ROTHERHAM_2025}/checks")).await;
    for key in [
        "sources-equal-spend",
        "pool-at-least-minimum",
        "mandated-streams",
        "metrics",
        "conditions",
    ] {
        assert!(passes(&html, key), "{key} passes");
    }
    assert!(!passes(&html, "sections"));
    let tasks = officer.get_html(ROTHERHAM_2025).await;
    let failing = html.matches(">Fails<").count();
    assert!(
        tasks.contains(&format!("{failing} of 7 fail")) || tasks.contains("1 of 7 fails"),
        "the task list counts the failing checks: {failing}"
    );
    assert!(tasks.contains(&format!("href=\"{ROTHERHAM_2025}/checks\"")));
}

#[tokio::test]
async fn a_funding_change_fails_the_checks_and_putting_it_right_passes_them_again() {
    let app = spawn_app().await;
    let officer = person(&app, Role::Officer, "rotherham", "NHS South Yorkshire ICB").await;
    let icb: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS South Yorkshire ICB'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let lines = format!("{ROTHERHAM_2025}/funding/{icb}/2025-26");
    let save = |amount: &'static str| {
        let officer = &officer;
        let lines = &lines;
        async move {
            let html = officer.get_html(lines).await;
            let mut fields = form_fields_in(&html, lines).expect("the ICB's form");
            fields.push(("amount-nhs-minimum-contribution".into(), amount.into()));
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let response = officer.post_form(lines, &pairs).await;
            assert_eq!(response.status(), 303, "saved {amount}");
        }
    };

    save("£26,331,000").await;
    let html = officer.get_html(&format!("{ROTHERHAM_2025}/checks")).await;
    assert!(!passes(&html, "sources-equal-spend"));
    assert!(check(&html, "sources-equal-spend").contains(
        "2025/26, NHS minimum contribution: £26,331,000 pooled, £26,431,000 spent by schemes"
    ));
    assert!(check(&html, "pool-at-least-minimum").contains(
        "2025/26: the pooled fund of £39,717,000 is £100,000 short of the notified minimum of £39,817,000"
    ));

    save("26431000").await;
    let html = officer.get_html(&format!("{ROTHERHAM_2025}/checks")).await;
    assert!(passes(&html, "sources-equal-spend"));
    assert!(passes(&html, "pool-at-least-minimum"));
}

#[tokio::test]
async fn everyone_with_a_part_in_the_area_reads_the_checks_and_nobody_else() {
    let app = spawn_app().await;
    for (role, area, organisation) in [
        (Role::Signatory, "rotherham", "NHS Rotherham CCG"),
        (
            Role::BoardSecretary,
            "rotherham",
            "Rotherham Health and Wellbeing Board",
        ),
    ] {
        let browser = person(&app, role, area, organisation).await;
        let response = browser.get(&format!("{ROTHERHAM_2014}/checks")).await;
        assert_eq!(response.status(), 200, "{role:?}");
    }
    let kent = person(&app, Role::Officer, "kent", "Kent County Council").await;
    let response = kent.get(&format!("{ROTHERHAM_2014}/checks")).await;
    assert_eq!(response.status(), 404, "another area's plan is not found");
    let response = kent.get("/areas/kent/plans/2025-26/checks").await;
    assert_eq!(response.status(), 404, "Kent has no 2025-26 plan");
}

/// The ids used more than once in `html`.
fn repeated_ids(html: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut repeated = Vec::new();
    for piece in html.split(" id=\"").skip(1) {
        let id = piece.split('"').next().unwrap_or_default().to_owned();
        if !seen.insert(id.clone()) {
            repeated.push(id);
        }
    }
    repeated
}

#[tokio::test]
async fn every_part_page_and_form_uses_each_id_once() {
    let app = spawn_app().await;
    let lead = person(&app, Role::AreaLead, "rotherham", "NHS Rotherham CCG").await;
    let ccg: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'NHS Rotherham CCG'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let pages = [
        String::new(),
        "/checks".into(),
        "/funding".into(),
        format!("/funding/{ccg}/2015-16"),
        "/funding/minimum/2015-16".into(),
        "/schemes".into(),
        "/schemes/new".into(),
        "/schemes/1".into(),
        "/schemes/1/remove".into(),
        "/metrics".into(),
        "/metrics/non-elective-admissions".into(),
        "/conditions".into(),
        "/conditions/jointly-agreed".into(),
        "/engagement".into(),
        "/engagement/new".into(),
        "/sections/plan-of-action".into(),
    ];
    for page in pages {
        let path = format!("{ROTHERHAM_2014}{page}");
        let response = lead.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        let html = response.text().await.unwrap();
        assert_eq!(repeated_ids(&html), Vec::<String>::new(), "{path}");
    }
}
