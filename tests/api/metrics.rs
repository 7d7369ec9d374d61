//! Metric goals: the list and a metric's page for each role, saving and revising (earlier goals
//! kept and shown), bad values by their fields, a goal for a period the metric does not have,
//! the stale form's 409, who may set goals, and two editors racing on one version.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, based_on_in, location, post_and_expect_422, spawn_app};
use crate::plans::{lead, officer};

const METRICS: &str = "/areas/kent/plans/2014-16/metrics";
const NON_ELECTIVE: &str = "/areas/kent/plans/2014-16/metrics/non-elective-admissions";
const RESIDENTIAL: &str = "/areas/kent/plans/2014-16/metrics/residential-admissions";

/// A browser signed in as a new user with `role` in `area`'s `organisation`.
pub(crate) async fn signed_in(
    app: &TestApp,
    role: Role,
    area: &str,
    organisation: &str,
) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// How many goal sets Kent's plan has for `metric`.
async fn versions(app: &TestApp, metric: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM metric_goal_sets s
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         WHERE a.slug = 'kent' AND t.key = '2014-16' AND s.metric_key = $1",
    )
    .bind(metric)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn goals(based_on: &str) -> Vec<(&'static str, String)> {
    vec![
        ("based_on", based_on.to_owned()),
        ("baseline_value", "7,420".to_owned()),
        ("baseline_period", "Q4 2013-14".to_owned()),
        ("goal-q4-2014-15", "7,300".to_owned()),
        ("goal-q1-2015-16", "7,250.5".to_owned()),
        ("goal-q2-2015-16", "".to_owned()),
        ("goal-q3-2015-16", "7,160".to_owned()),
        ("pay_for_performance", "£1,234,000".to_owned()),
        (
            "rationale",
            "A **3.5%** fall from rapid response.".to_owned(),
        ),
    ]
}

fn fields<'a>(list: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    list.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

fn with<'a>(
    list: &'a [(&'static str, String)],
    name: &'static str,
    value: &'a str,
) -> Vec<(&'static str, &'a str)> {
    list.iter()
        .map(|(field, typed)| {
            if *field == name {
                (*field, value)
            } else {
                (*field, typed.as_str())
            }
        })
        .collect()
}

#[tokio::test]
async fn the_metrics_page_shows_each_metric_its_direction_goals_and_change_for_every_role() {
    let app = spawn_app().await;
    for (role, organisation, may_edit) in [
        (Role::Officer, "NHS Thanet CCG", true),
        (Role::AreaLead, "Kent County Council", true),
        (Role::Signatory, "NHS West Kent CCG", false),
        (Role::BoardSecretary, "Kent County Council", false),
    ] {
        let browser = signed_in(&app, role, "kent", organisation).await;
        let page = browser.get_html(METRICS).await;
        assert!(
            page.contains("<h1 class=\"govuk-heading-l\">Metrics</h1>"),
            "{role:?}"
        );
        assert!(
            page.contains("/metrics\" aria-current=\"page\""),
            "parts navigation"
        );
        assert!(
            page.contains("Permanent admissions of older people"),
            "{page}"
        );
        assert!(page.contains("Lower is better") && page.contains("Higher is better"));
        // Kent's demo goals: 712.9 down to 695 in 2014/15.
        assert!(page.contains("712.9") && page.contains("2012-13 outturn"));
        assert!(page.contains("−17.9 (−2.5%), an improvement"), "{page}");
        assert!(
            page.contains("No goals yet"),
            "metrics without goals say so"
        );
        assert_eq!(page.contains("Set the goals"), may_edit, "{role:?}");
        // The metric's page: a form only for those who may set goals.
        let metric = browser.get_html(RESIDENTIAL).await;
        assert!(metric.contains("Current goals") && metric.contains("695"));
        assert_eq!(metric.contains("name=\"based_on\""), may_edit, "{role:?}");
    }
    // Assurers read every area's goals.
    let assurer = app.another_browser();
    let user = app.create_user(Role::Assurer, None, "NHS England").await;
    assurer.sign_in(&user).await;
    assert!(
        !assurer
            .get_html(RESIDENTIAL)
            .await
            .contains("name=\"based_on\"")
    );
    // Rotherham's pay-for-performance metric, revised once: its earlier goals are shown.
    let rotherham = signed_in(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;
    let page = rotherham
        .get_html("/areas/rotherham/plans/2014-16/metrics/non-elective-admissions")
        .await;
    assert!(
        page.contains("£1,234,000") && page.contains("£1,100,000"),
        "{page}"
    );
    assert!(page.contains("id=\"earlier-goals\""), "{page}");
    let list = rotherham
        .get_html("/areas/rotherham/plans/2025-26/metrics")
        .await;
    assert!(list.contains("Average length of discharge delay") && list.contains("Unverified"));
}

#[tokio::test]
async fn saving_goals_adds_a_version_and_a_revision_keeps_the_earlier_goals_shown() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Ashford CCG").await;
    let page = browser.get_html(NON_ELECTIVE).await;
    assert!(page.contains("No goals have been set for this metric yet"));
    assert!(
        page.contains("id=\"pay_for_performance\""),
        "the metric pays for performance"
    );
    assert!(
        page.contains("id=\"goal-q1-2015-16\""),
        "a field per period"
    );
    assert_eq!(based_on_in(&page), "");
    let first = goals("");
    let response = browser.post_form(NON_ELECTIVE, &fields(&first)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{NON_ELECTIVE}?done=saved"));
    let page = browser.get_html(&location(&response)).await;
    assert!(page.contains("The goals have been saved"));
    assert!(page.contains("7,250.5") && page.contains("£1,234,000"));
    assert!(
        page.contains("<strong>3.5%</strong>"),
        "the rationale as Markdown"
    );
    assert!(page.contains("−260 (−3.5%), an improvement"), "{page}");
    assert!(!page.contains("id=\"earlier-goals\""));
    assert_eq!(
        app.audit_actions().await.last().map(String::as_str),
        Some("metric.goals_set")
    );

    // Revised after submission: the first goals stay, shown as earlier goals.
    let revised = goals(&based_on_in(&page));
    let response = browser
        .post_form(NON_ELECTIVE, &with(&revised, "goal-q1-2015-16", "7,100"))
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.get_html(NON_ELECTIVE).await;
    let earlier = &page[page.find("id=\"earlier-goals\"").expect("earlier goals")..];
    assert!(earlier.contains("7,250.5"), "{earlier}");
    assert!(page[..page.find("id=\"earlier-goals\"").unwrap()].contains("7,100"));
    assert_eq!(versions(&app, "non-elective-admissions").await, 2);
    // Saving the same goals again on the current version changes nothing and records nothing.
    let events = app.audit_actions().await.len();
    let again = goals(&based_on_in(&page));
    let response = browser
        .post_form(NON_ELECTIVE, &with(&again, "goal-q1-2015-16", "7,100.00"))
        .await;
    assert_eq!(
        location(&response),
        format!("{NON_ELECTIVE}?done=unchanged")
    );
    let page = browser.get_html(&location(&response)).await;
    assert!(page.contains("Nothing was changed: the goals are as they were"));
    assert_eq!(versions(&app, "non-elective-admissions").await, 2);
    assert_eq!(app.audit_actions().await.len(), events);
    let list = browser.get_html(METRICS).await;
    assert!(
        list.contains("7,100") && !list.contains("7,250.5"),
        "the list shows current goals"
    );
}

#[tokio::test]
async fn bad_values_are_told_by_their_fields_and_everything_typed_is_kept() {
    let app = spawn_app().await;
    let browser = lead(&app).await;
    let typed = goals("");
    for (field, value, message) in [
        (
            "baseline_value",
            "abc",
            "Enter the baseline as a number, like 1,234.5 or 12.25",
        ),
        ("baseline_value", "1e9", "Enter the baseline as a number"),
        ("baseline_value", "-5", "The baseline cannot be negative"),
        (
            "baseline_value",
            "12.345",
            "The baseline can have at most 2 decimal places",
        ),
        (
            "baseline_value",
            "1,000,000,000",
            "The baseline must be 999,999,999.99 or less",
        ),
        (
            "baseline_period",
            "",
            "Enter the period the baseline is for",
        ),
        (
            "goal-q1-2015-16",
            "12%",
            "Enter the goal for Q1 2015/16 as a number",
        ),
        ("pay_for_performance", "-5", "The amount cannot be negative"),
        (
            "pay_for_performance",
            "abc",
            "Enter the amount as one number in pounds",
        ),
        ("pay_for_performance", "£1.234", "at most 2 decimal places"),
        ("pay_for_performance", "£1.2m", "Write the amount in full"),
        (
            "pay_for_performance",
            "£20,000,000,000",
            "The amount must be £1,000,000,000 or less",
        ),
    ] {
        let body = post_and_expect_422(&browser, NON_ELECTIVE, &with(&typed, field, value)).await;
        assert!(body.contains(message), "{field}={value}: {body}");
        assert!(
            body.contains(&format!("href=\"#{field}\"")),
            "{field}={value}: the summary links to the field"
        );
        assert!(
            body.contains(&format!("id=\"{field}-error\"")),
            "{field}={value}"
        );
        if !value.is_empty() {
            assert!(
                body.contains(&format!("value=\"{value}\"")),
                "{field}={value}: kept as typed"
            );
        }
        assert!(
            body.contains("value=\"7,300\""),
            "the other fields are kept"
        );
        assert!(body.contains("<title>Error: "));
    }
    assert_eq!(
        versions(&app, "non-elective-admissions").await,
        0,
        "nothing saved"
    );
}

#[tokio::test]
async fn a_goal_for_a_period_the_metric_does_not_have_is_refused() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    let page = browser.get_html(RESIDENTIAL).await;
    let based_on = based_on_in(&page);
    let body = post_and_expect_422(
        &browser,
        RESIDENTIAL,
        &[
            ("based_on", &based_on),
            ("baseline_value", "700"),
            ("baseline_period", "2012-13"),
            ("goal-2014-15", "690"),
            ("goal-q1-2025-26", "5"),
        ],
    )
    .await;
    assert!(
        body.contains("This metric has no period &#34;q1-2025-26&#34;"),
        "{body}"
    );
    assert!(body.contains("href=\"#goals\"") && body.contains("id=\"goals-error\""));
    assert!(body.contains("value=\"690\""), "typed values kept");
    assert_eq!(
        versions(&app, "residential-admissions").await,
        1,
        "nothing saved"
    );
    // A metric the plan's structure does not have is not there at all.
    let missing = browser
        .get(&format!("{METRICS}/emergency-admissions-65-plus"))
        .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn a_save_on_a_stale_form_is_refused_with_a_409_keeping_the_input() {
    let app = spawn_app().await;
    let (first, _) = officer(&app, "Kent County Council").await;
    let (second, _) = officer(&app, "NHS Thanet CCG").await;
    let based_on = based_on_in(&first.get_html(RESIDENTIAL).await);
    assert_eq!(based_on, based_on_in(&second.get_html(RESIDENTIAL).await));
    let saved = first
        .post_form(
            RESIDENTIAL,
            &[
                ("based_on", &based_on),
                ("baseline_value", "712.9"),
                ("baseline_period", "2012-13 outturn"),
                ("goal-2014-15", "690"),
                ("goal-2015-16", "680"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let stale = [
        ("based_on", based_on.as_str()),
        ("baseline_value", "712.9"),
        ("baseline_period", "2012-13 outturn"),
        ("goal-2014-15", "701.25"),
        ("goal-2015-16", "680"),
    ];
    let response = second.post_form(RESIDENTIAL, &stale).await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("Someone else changed the goals"), "{body}");
    assert!(body.contains("value=\"701.25\""), "the input is kept");
    let differences = &body[body.find("id=\"differences\"").unwrap()..];
    assert!(differences.contains("Goal for 2014/15") && differences.contains("690"));
    assert_eq!(versions(&app, "residential-admissions").await, 2);
    // Sent again from the 409 page (now based on the current goals), it saves.
    let current = based_on_in(&body);
    assert_ne!(current, based_on);
    let again: Vec<(&str, &str)> = stale
        .iter()
        .map(|(name, value)| {
            (
                *name,
                if *name == "based_on" {
                    current.as_str()
                } else {
                    value
                },
            )
        })
        .collect();
    assert_eq!(second.post_form(RESIDENTIAL, &again).await.status(), 303);
    assert!(second.get_html(RESIDENTIAL).await.contains("701.25"));
    // A based_on that is not a version at all is refused as out of date.
    let body = post_and_expect_422(&second, RESIDENTIAL, &[("based_on", "x")]).await;
    assert!(body.contains("This form was out of date"));
}

#[tokio::test]
async fn only_the_areas_editors_and_lead_set_goals() {
    let app = spawn_app().await;
    let form = goals("");
    for (role, area, organisation, status) in [
        (Role::Signatory, "kent", "NHS West Kent CCG", 403),
        (Role::BoardSecretary, "kent", "Kent County Council", 403),
        (Role::Officer, "rotherham", "NHS Rotherham CCG", 404),
    ] {
        let browser = signed_in(&app, role, area, organisation).await;
        let response = browser.post_form(NON_ELECTIVE, &fields(&form)).await;
        assert_eq!(response.status(), status, "{role:?} of {area}");
    }
    let admin = app.another_browser();
    admin
        .sign_in(&app.create_user(Role::Admin, None, "NHS England").await)
        .await;
    assert_eq!(
        admin.post_form(NON_ELECTIVE, &fields(&form)).await.status(),
        403
    );
    let visitor = app.another_browser();
    let response = visitor.get(METRICS).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
    assert_eq!(versions(&app, "non-elective-admissions").await, 0);
}

/// Pairs of editors open the same goals and save at once, round after round: each time exactly
/// one save lands and the other is told (409) with its values kept; none is lost or doubled.
#[tokio::test]
async fn two_editors_saving_on_one_version_at_once_one_lands_the_other_is_told() {
    const ROUNDS: usize = 12;
    let app = spawn_app().await;
    let (council, _) = officer(&app, "Kent County Council").await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    for round in 0..ROUNDS {
        let based_on = based_on_in(&council.get_html(RESIDENTIAL).await);
        let mut saves = Vec::new();
        for (index, browser) in [council.clone(), thanet.clone()].into_iter().enumerate() {
            let token = browser.csrf_token().await;
            let based_on = based_on.clone();
            let goal = format!("{}.{index}5", 600 + round);
            saves.push(tokio::spawn(async move {
                let response = browser
                    .post_raw(
                        RESIDENTIAL,
                        &[
                            ("csrf_token", &token),
                            ("based_on", &based_on),
                            ("baseline_value", "712.9"),
                            ("baseline_period", "2012-13 outturn"),
                            ("goal-2014-15", &goal),
                        ],
                    )
                    .await;
                let status = response.status().as_u16();
                (status, goal, response.text().await.unwrap())
            }));
        }
        let mut statuses = Vec::new();
        for save in saves {
            let (status, goal, body) = save.await.unwrap();
            if status == 409 {
                assert!(body.contains(&format!("value=\"{goal}\"")), "round {round}");
            }
            statuses.push(status);
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "round {round}");
    }
    assert_eq!(
        versions(&app, "residential-admissions").await,
        1 + ROUNDS as i64,
        "the demo's goals and one save per round"
    );
    let recorded = app
        .audit_actions()
        .await
        .iter()
        .filter(|action| *action == "metric.goals_set")
        .count();
    assert_eq!(recorded, ROUNDS, "one audit event per save that landed");
}

/// The demo's goals, answers and events: loading the demo again adds none of them twice, and
/// Rotherham's 2014-16 plan has every metric's goals, all but one with a baseline.
#[tokio::test]
async fn loading_the_demo_again_adds_no_goals_answers_or_events() {
    let app = spawn_app().await;
    let counts = || async {
        sqlx::query_as::<_, (i64, i64, i64, i64)>(
            "SELECT (SELECT count(*) FROM metric_goal_sets), (SELECT count(*) FROM metric_goals),
                    (SELECT count(*) FROM condition_answers),
                    (SELECT count(*) FROM engagement_entries)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let before = counts().await;
    // Rotherham 2014-16: 7 metrics (one revised), 3 in 2025-26, Kent's 2; 4 + 4 answers; 4 events.
    assert_eq!((before.0, before.2, before.3), (7 + 1 + 3 + 2, 8, 4));
    itf_planner::demo::seed_drafting(&app.pool).await.unwrap();
    assert_eq!(counts().await, before);
    let without_baseline: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT ON (s.metric_key) s.metric_key FROM metric_goal_sets s
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         WHERE a.slug = 'rotherham' AND t.key = '2014-16' AND s.baseline_value IS NULL
         ORDER BY s.metric_key, s.id DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(without_baseline, ["patient-experience"]);
}

#[tokio::test]
async fn answering_a_condition_as_it_already_stands_adds_no_version() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Ashford CCG").await;
    let path = "/areas/kent/plans/2014-16/conditions/data-sharing";
    let answer = |based_on: String| {
        vec![
            ("based_on", based_on),
            ("status", "in-progress".to_owned()),
            (
                "how",
                "The NHS number is on 80% of social care records.".to_owned(),
            ),
        ]
    };
    let page = browser.get_html(path).await;
    let first = answer(based_on_in(&page));
    let response = browser.post_form(path, &fields(&first)).await;
    assert_eq!(location(&response), format!("{path}?done=saved"));
    let events = app.audit_actions().await.len();
    let page = browser.get_html(path).await;
    let again = answer(based_on_in(&page));
    let response = browser.post_form(path, &fields(&again)).await;
    assert_eq!(location(&response), format!("{path}?done=unchanged"));
    assert!(
        browser
            .get_html(&location(&response))
            .await
            .contains("Nothing was changed: the answer is as it was")
    );
    assert_eq!(app.audit_actions().await.len(), events, "nothing recorded");
    let answers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM condition_answers WHERE condition_key = 'data-sharing'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let rotherham: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM condition_answers c JOIN plans p ON p.id = c.plan_id
         JOIN areas a ON a.id = p.area_id
         WHERE c.condition_key = 'data-sharing' AND a.slug <> 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(answers - rotherham, 1, "one answer for Kent");
}
