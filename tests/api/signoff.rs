//! Sign-off over HTTP: Kent's 2014-16 plan along the 2014/15 route (seven CCGs and the county
//! council, one CCG declining, a second round, the board deferring then approving, a late
//! submission, assurance with a condition met later); Rotherham's 2025-26 plan along today's
//! route (chief executives who cannot delegate, a section 151 officer who must be someone else,
//! partners submitting at different times, the board approving afterwards by chair's action);
//! and the refusals: a stale snapshot, a double post, a wrong code, the wrong people, another
//! area, failing checks, a frozen plan.

use itf_planner::auth::policy::Role;
use time::Duration;

use crate::helpers::{TestApp, TestUser, csrf_token_in, location, spawn_app};
use crate::query_count::queries;

const KENT: &str = "/areas/kent/plans/2014-16";
pub(crate) const ROTHERHAM_2025: &str = "/areas/rotherham/plans/2025-26";
pub(crate) const ROTHERHAM_COUNCIL: &str = "Rotherham Metropolitan Borough Council";
pub(crate) const SOUTH_YORKSHIRE_ICB: &str = "NHS South Yorkshire ICB";

const KENT_CCGS: [&str; 7] = [
    "NHS Ashford CCG",
    "NHS Canterbury and Coastal CCG",
    "NHS Dartford, Gravesham and Swanley CCG",
    "NHS South Kent Coast CCG",
    "NHS Swale CCG",
    "NHS Thanet CCG",
    "NHS West Kent CCG",
];

/// Someone signed in in their own browser.
pub(crate) struct Person {
    pub(crate) browser: TestApp,
    pub(crate) user: TestUser,
}

pub(crate) async fn person(
    app: &TestApp,
    role: Role,
    area: Option<&str>,
    organisation: &str,
) -> Person {
    let browser = app.another_browser();
    let user = app.create_user(role, area, organisation).await;
    browser.sign_in(&user).await;
    Person { browser, user }
}

/// Puts the plan in a state where every check passes, straight in the database: every section
/// completed, every open risk reviewed in the future, no money pooled or spent (so the sources
/// equal the spend) against a notified minimum of nothing, and a copy of the cycle's structure
/// with no metrics, no national conditions and no mandated streams for the plan to follow (its
/// sign-off route unchanged). Making a demo plan pass through every part's forms would make
/// this file about the other parts.
pub(crate) async fn make_checks_pass(app: &TestApp, slug: &str, plan_key: &str) {
    let plan_id: i64 = sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id JOIN templates t ON t.id = p.template_id
         WHERE a.slug = $1 AND t.key = $2",
    )
    .bind(slug)
    .bind(plan_key)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let statements = [
        "INSERT INTO template_structures (template_id, structure)
         SELECT s.template_id,
                s.structure || jsonb_build_object(
                    'metrics', '[]'::jsonb, 'conditions', '[]'::jsonb,
                    'streams', (SELECT jsonb_agg(stream || '{\"mandated\": false}'::jsonb)
                                FROM jsonb_array_elements(s.structure->'streams') AS stream))
         FROM plans p JOIN template_structures s ON s.template_id = p.template_id
         WHERE p.id = $1 ORDER BY s.id DESC LIMIT 1",
        "UPDATE plans SET structure_id = (SELECT max(s.id) FROM template_structures s
                                          JOIN plans p ON p.template_id = s.template_id WHERE p.id = $1)
         WHERE id = $1",
        "UPDATE plan_sections SET status = 'completed' WHERE plan_id = $1",
        "DELETE FROM scheme_amounts WHERE scheme_id IN (SELECT id FROM schemes WHERE plan_id = $1)",
        "DELETE FROM funding_lines WHERE plan_id = $1",
        "DELETE FROM notified_minimums WHERE plan_id = $1",
        "INSERT INTO notified_minimums (plan_id, year_key, amount, set_at)
         SELECT $1, year->>'key', 0, now()
         FROM plans p JOIN template_structures s ON s.id = p.structure_id,
              jsonb_array_elements(s.structure->'years') AS year
         WHERE p.id = $1",
        "UPDATE risk_versions v
         SET content = jsonb_set(v.content, '{review}',
             CASE jsonb_typeof(v.content->'review') WHEN 'string' THEN '\"2099-12-31\"'::jsonb
                  ELSE '[2099, 365]'::jsonb END)
         FROM risks r, plans p
         WHERE r.id = v.risk_id AND p.id = $1 AND r.area_id = p.area_id",
    ];
    for statement in statements {
        sqlx::query(statement)
            .bind(plan_id)
            .execute(&app.pool)
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
}

/// The value of the hidden field `name` on the page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a {name} field"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The plan's sign-off state as its page shows it.
async fn state_of(browser: &TestApp, plan: &str) -> String {
    let html = browser.get_html(&format!("{plan}/sign-off")).await;
    let marker = "id=\"sign-off-state\">";
    let start = html.find(marker).expect("the state") + marker.len();
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}

/// The next code of the person's authenticator: the clock moves on a step first, since the
/// code of the step they signed in with (or last signed with) is used.
pub(crate) fn fresh_code(app: &TestApp, person: &Person) -> String {
    app.clock.advance(Duration::seconds(31));
    app.totp_code(&person.user)
}

/// Opens a round and expects it to open.
pub(crate) async fn open_round(lead: &Person, plan: &str, name: &str, deadline: &str) {
    let response = lead
        .browser
        .post_form(
            &format!("{plan}/sign-off/rounds"),
            &[("name", name), ("deadline", deadline)],
        )
        .await;
    assert_eq!(response.status(), 303, "round {name} opened");
    assert_eq!(location(&response), format!("{plan}/sign-off?done=opened"));
}

/// Posts a decision from the form as the signer sees it (its hash), with a fresh code and
/// `fields`.
async fn decide(
    app: &TestApp,
    signer: &Person,
    plan: &str,
    round: i32,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("{plan}/sign-off/rounds/{round}/decision");
    let html = signer.browser.get_html(&path).await;
    let hash = hidden(&html, "snapshot_hash");
    let code = fresh_code(app, signer);
    let mut form: Vec<(&str, &str)> = vec![
        ("snapshot_hash", &hash),
        ("signer_name", "Test Signatory"),
        ("code", &code),
    ];
    form.extend_from_slice(fields);
    signer.browser.post_form(&path, &form).await
}

async fn approve(app: &TestApp, signer: &Person, plan: &str, round: i32, extra: &[(&str, &str)]) {
    let mut fields = vec![
        ("decision", "approve"),
        ("signer_position", "Accountable officer"),
    ];
    fields.extend_from_slice(extra);
    let response = decide(app, signer, plan, round, &fields).await;
    assert_eq!(response.status(), 303, "{} approves", signer.user.email);
    assert_eq!(location(&response), format!("{plan}/sign-off?done=decided"));
}

/// Posts the step's form (`step` of round `round`) with the hash it shows and `fields`.
async fn post_step(
    person: &Person,
    plan: &str,
    round: i32,
    step: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("{plan}/sign-off/rounds/{round}/{step}");
    let html = person.browser.get_html(&path).await;
    let hash = hidden(&html, "snapshot_hash");
    let mut form = vec![("snapshot_hash", hash.as_str())];
    form.extend_from_slice(fields);
    person.browser.post_form(&path, &form).await
}

/// Records a submission at the time the form offers (now, to the minute), by `organisation`
/// where each partner submits; returns the response and the form as it was offered.
async fn submit_now(
    lead: &Person,
    plan: &str,
    round: i32,
    organisation: Option<i64>,
    reference: &str,
) -> (reqwest::Response, String) {
    let path = format!("{plan}/sign-off/rounds/{round}/submission");
    let form = lead.browser.get_html(&path).await;
    let offered = |name: &str| {
        let marker = format!("name=\"{name}\" type=\"text\" value=\"");
        let start = form.find(&marker).expect(name) + marker.len();
        form[start..start + form[start..].find('"').unwrap()].to_owned()
    };
    let mut fields = vec![
        ("snapshot_hash".to_owned(), hidden(&form, "snapshot_hash")),
        ("reference".to_owned(), reference.to_owned()),
    ];
    for name in [
        "submitted_on_day",
        "submitted_on_month",
        "submitted_on_year",
        "submitted_time",
    ] {
        fields.push((name.to_owned(), offered(name)));
    }
    if let Some(organisation) = organisation {
        fields.push(("organisation".to_owned(), organisation.to_string()));
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    (lead.browser.post_form(&path, &fields).await, form)
}

/// The ids used more than once in `html`.
fn repeated_ids(html: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    html.split(" id=\"")
        .skip(1)
        .filter_map(|piece| piece.split('"').next())
        .filter(|id| !seen.insert(id.to_owned()))
        .map(str::to_owned)
        .collect()
}

pub(crate) async fn decisions_recorded(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM signoff_decisions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn kents_plan_walks_the_2014_route_with_a_decline_a_second_round_a_deferral_a_late_submission_and_conditions()
 {
    crate::query_count::install();
    let app = spawn_app().await;
    // The morning of 10 April 2014, six days after the deadline for final plans, before anyone
    // signs in (their codes follow the clock).
    app.clock
        .advance(time::macros::datetime!(2014-04-10 07:00 UTC) - app.clock.now());
    make_checks_pass(&app, "kent", "2014-16").await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let mut signers = Vec::new();
    for organisation in KENT_CCGS.iter().chain(["Kent County Council"].iter()) {
        signers.push(person(&app, Role::Signatory, Some("kent"), organisation).await);
    }
    assert_eq!(state_of(&lead.browser, KENT).await, "Drafting");
    let tasks = lead.browser.get_html(KENT).await;
    assert!(tasks.contains(&format!("href=\"{KENT}/sign-off\">Sign-off</a>: Drafting")));

    // Round 1: three CCGs approve, the fourth declines and the plan goes back to drafting.
    open_round(&lead, KENT, "Draft submission", "draft-plans").await;
    assert_eq!(
        state_of(&lead.browser, KENT).await,
        "Partner sign-off (0 of 8 signed)"
    );
    // The page reads the same number of queries however much has been recorded.
    let officer = person(&app, Role::Officer, Some("kent"), "NHS Thanet CCG").await;
    let sign_off = format!("{KENT}/sign-off");
    let queries_at_first = queries(&officer.browser, &sign_off).await;
    for signer in &signers[..3] {
        approve(&app, signer, KENT, 1, &[]).await;
    }
    assert_eq!(
        state_of(&lead.browser, KENT).await,
        "Partner sign-off (3 of 8 signed)"
    );
    let response = decide(
        &app,
        &signers[3],
        KENT,
        1,
        &[
            ("decision", "decline"),
            ("signer_position", "Chief officer"),
            ("reason", "The reablement schemes are not costed"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(state_of(&lead.browser, KENT).await, "Drafting");
    let frozen: Option<i64> = sqlx::query_scalar("SELECT frozen_plan_id FROM area_content a JOIN areas r ON r.id = a.area_id WHERE r.slug = 'kent'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(frozen, None, "a decline thaws the plan");

    // Round 2: everyone approves, one with comments; the board defers, then approves.
    open_round(&lead, KENT, "Final submission", "final-plans").await;
    for (index, signer) in signers.iter().enumerate() {
        let extra: &[(&str, &str)] = if index == 4 {
            &[
                ("decision", "approve_with_comments"),
                ("comments", "Review the carers' breaks spend in the autumn"),
            ]
        } else {
            &[]
        };
        if extra.is_empty() {
            approve(&app, signer, KENT, 2, &[]).await;
        } else {
            let mut fields = extra.to_vec();
            fields.push(("signer_position", "Accountable officer"));
            let response = decide(&app, signer, KENT, 2, &fields).await;
            assert_eq!(response.status(), 303);
        }
    }
    assert_eq!(state_of(&lead.browser, KENT).await, "Board approval");

    let secretary = person(
        &app,
        Role::BoardSecretary,
        Some("kent"),
        "Kent Health and Wellbeing Board",
    )
    .await;
    let form = secretary
        .browser
        .get_html(&format!("{KENT}/sign-off/rounds/2/board"))
        .await;
    assert!(
        form.contains("value=\"Kent Health and Wellbeing Board\""),
        "the body is prefilled"
    );
    assert!(
        !form.contains("name=\"how\""),
        "2014/15 has no chair's action"
    );
    let board = |day: &'static str, reference: &'static str, outcome: &'static str| {
        [
            ("body", "Kent Health and Wellbeing Board"),
            ("decided_on_day", day),
            ("decided_on_month", "3"),
            ("decided_on_year", "2014"),
            ("agenda_item", "6"),
            ("reference", reference),
            ("resolution", "The board agrees the plan."),
            ("outcome", outcome),
        ]
    };
    let response = post_step(
        &secretary,
        KENT,
        2,
        "board",
        &board("12", "HWB/14/09", "deferred"),
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(state_of(&lead.browser, KENT).await, "Board approval");
    let path = format!("{KENT}/sign-off/rounds/2/board");
    let hash = hidden(&secretary.browser.get_html(&path).await, "snapshot_hash");
    let mut approval = vec![("snapshot_hash", hash.as_str())];
    approval.extend_from_slice(&board("26", "HWB/14/12", "approved"));
    let response = secretary.browser.post_form(&path, &approval).await;
    assert_eq!(response.status(), 303);
    assert_eq!(state_of(&lead.browser, KENT).await, "Ready to submit");
    // The same approval sent again (a resubmitted form) is recorded once.
    let response = secretary.browser.post_form(&path, &approval).await;
    assert_eq!(
        location(&response),
        format!("{KENT}/sign-off?done=already-recorded")
    );
    let board_decisions: i64 = sqlx::query_scalar("SELECT count(*) FROM board_decisions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(board_decisions, 2);
    let approved: Option<i32> = sqlx::query_scalar(
        "SELECT p.approved_round_number FROM plans p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(approved, Some(2));

    // Submitted now, six days after the 4 April deadline: the form offers now (to the minute,
    // so a little after the board's decision).
    app.clock.advance(Duration::minutes(2));
    let (response, form) = submit_now(&lead, KENT, 2, None, "ITF-KENT-2014").await;
    assert!(form.contains("The deadline is 4 April 2014"));
    assert!(form.contains("Submitted now, it would be: <strong>6 days late</strong>"));
    assert!(form.contains("name=\"submitted_on_day\" type=\"text\" value=\"10\""));
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, KENT).await,
        "Submitted (6 days late)"
    );

    // Assured subject to a condition, met later.
    let assurer = person(&app, Role::Assurer, None, "NHS England").await;
    let response = post_step(
        &assurer,
        KENT,
        2,
        "assurance",
        &[
            ("outcome", "approved-subject-to-conditions"),
            ("summary", "A sound plan."),
        ],
    )
    .await;
    assert_eq!(response.status(), 422, "a condition is needed");
    let page = response.text().await.unwrap();
    assert!(page.contains("Enter at least one condition"));
    assert!(page.contains("A sound plan."), "the summary is kept");
    let response = post_step(
        &assurer,
        KENT,
        2,
        "assurance",
        &[
            ("outcome", "approved-subject-to-conditions"),
            ("summary", "A sound plan."),
            ("condition_1", "Agree the section 75 pooled budget"),
            ("due_1", "9/1/2015"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, KENT).await,
        "Assured: Approved subject to conditions"
    );
    app.clock.advance(Duration::minutes(10));
    let met = format!("{KENT}/sign-off/rounds/2/conditions/1/met");
    let page = assurer.browser.get_html(&format!("{KENT}/sign-off")).await;
    assert!(page.contains(&format!("action=\"{met}\"")));
    let response = assurer
        .browser
        .post_form(&met, &[("note", "Signed on 5 January")])
        .await;
    assert_eq!(
        location(&response),
        format!("{KENT}/sign-off?done=condition-met")
    );
    let response = assurer.browser.post_form(&met, &[("note", "again")]).await;
    assert_eq!(
        location(&response),
        format!("{KENT}/sign-off?done=already-recorded"),
        "met once"
    );

    // The timeline has it all, in order; round 1's decisions are shown but its decline ended it.
    let page = lead.browser.get_html(&format!("{KENT}/sign-off")).await;
    let timeline = &page[page.find("id=\"timeline\"").unwrap()..];
    let expected = [
        "Round 1 \u{201c}Draft submission\u{201d} opened by",
        "NHS Ashford CCG (Chief or accountable officer): Approve, by Test Signatory (Accountable officer)",
        "NHS South Kent Coast CCG (Chief or accountable officer): Decline",
        "Round 1 declined: back to drafting",
        "Round 2 \u{201c}Final submission\u{201d} opened by",
        "NHS Swale CCG (Chief or accountable officer): Approve with comments",
        "Board decision: Deferred",
        "Board decision: Approved",
        "Submitted (6 days late)",
        "Assurance: Approved subject to conditions",
        "Condition 1 met",
    ];
    let mut from = 0;
    for text in expected {
        let at = timeline[from..]
            .find(text)
            .unwrap_or_else(|| panic!("{text} in the timeline after position {from}"));
        from += at + text.len();
    }
    assert_eq!(repeated_ids(&page), Vec::<String>::new());
    assert!(timeline.contains("The reablement schemes are not costed"));
    assert!(timeline.contains("HWB/14/12"));
    assert!(page.contains("Earlier rounds"));

    let actions = app.audit_actions().await;
    for action in [
        "signoff.round_opened",
        "signoff.decision_recorded",
        "signoff.board_decision_recorded",
        "signoff.submission_recorded",
        "signoff.assurance_recorded",
        "signoff.condition_met",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "signoff.decision_recorded")
            .count(),
        12
    );
    let tasks = lead.browser.get_html(KENT).await;
    assert!(tasks.contains("Sign-off</a>: Assured: Approved subject to conditions"));
    app.clock.advance(Duration::minutes(1));
    officer.browser.sign_in(&officer.user).await;
    // Once a snapshot is approved, every page of the plan also reads whether the live plan still
    // matches it: one query more, however much has been recorded.
    assert_eq!(
        queries(&officer.browser, &sign_off).await,
        queries_at_first + 1
    );
}

#[tokio::test]
async fn rotherhams_2025_plan_is_signed_by_people_who_cannot_delegate_submitted_by_each_partner_and_approved_by_chairs_action()
 {
    let app = spawn_app().await;
    // Half past eleven on the evening of the 31 March deadline (BST), before anyone signs in.
    app.clock
        .advance(time::macros::datetime!(2025-03-31 22:30 UTC) - app.clock.now());
    make_checks_pass(&app, "rotherham", "2025-26").await;
    let lead = person(&app, Role::AreaLead, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    let icb = person(
        &app,
        Role::Signatory,
        Some("rotherham"),
        SOUTH_YORKSHIRE_ICB,
    )
    .await;
    let chief_executive = person(&app, Role::Signatory, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    let section_151 = person(&app, Role::Signatory, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    // NHS Rotherham CCG is still a member of the area but signs no 2025-26 plan.
    let ccg = person(
        &app,
        Role::Signatory,
        Some("rotherham"),
        "NHS Rotherham CCG",
    )
    .await;

    open_round(
        &lead,
        ROTHERHAM_2025,
        "BCF plan 2025-26",
        "submission-deadline",
    )
    .await;
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Partner sign-off (0 of 3 signed)"
    );
    let response = ccg
        .browser
        .get(&format!("{ROTHERHAM_2025}/sign-off/rounds/1/decision"))
        .await;
    assert_eq!(response.status(), 403, "the CCG has nothing to sign");

    // The ICB's chief executive signs in person.
    let fields = [
        ("decision", "approve"),
        ("signer_position", "Chief executive"),
    ];
    let response = decide(&app, &icb, ROTHERHAM_2025, 1, &fields).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Confirm that you are the chief executive and have not delegated this")
    );
    let mut confirmed = fields.to_vec();
    confirmed.push(("not_delegated", "yes"));
    let response = decide(&app, &icb, ROTHERHAM_2025, 1, &confirmed).await;
    assert_eq!(response.status(), 303);

    // The council's chief executive, then the same person trying the section 151 signature.
    let form = chief_executive
        .browser
        .get_html(&format!("{ROTHERHAM_2025}/sign-off/rounds/1/decision"))
        .await;
    assert!(form.contains("value=\"council-chief-executive\""));
    assert_eq!(repeated_ids(&form), Vec::<String>::new());
    assert!(form.contains("value=\"council-section-151-officer\""));
    let mut fields = confirmed.clone();
    fields.push(("signature", "council-chief-executive"));
    let response = decide(&app, &chief_executive, ROTHERHAM_2025, 1, &fields).await;
    assert_eq!(response.status(), 303);
    let fields = [
        ("decision", "approve"),
        ("signer_position", "Section 151 officer"),
        ("signature", "council-section-151-officer"),
    ];
    let response = decide(&app, &chief_executive, ROTHERHAM_2025, 1, &fields).await;
    assert_eq!(response.status(), 422, "one person gives one signature");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("You have already signed this round")
    );
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Partner sign-off (2 of 3 signed)"
    );
    let response = decide(&app, &section_151, ROTHERHAM_2025, 1, &fields).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Ready to submit"
    );

    // Each partner submits at its own time: the council before midnight, the ICB after it.
    let council_id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(ROTHERHAM_COUNCIL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let icb_id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(SOUTH_YORKSHIRE_ICB)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (response, form) = submit_now(&lead, ROTHERHAM_2025, 1, Some(council_id), "").await;
    assert!(
        form.contains("Submitted now, it would be: <strong>On time</strong>"),
        "before midnight on the deadline day"
    );
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Ready to submit"
    );
    app.clock.advance(Duration::minutes(28));
    let form = lead
        .browser
        .get_html(&format!("{ROTHERHAM_2025}/sign-off/rounds/1/submission"))
        .await;
    assert!(
        !form.contains(&format!("<option value=\"{council_id}\"")),
        "the council has submitted"
    );
    assert!(form.contains(&format!("<option value=\"{icb_id}\"")));
    let (response, _) = submit_now(&lead, ROTHERHAM_2025, 1, Some(icb_id), "SY-BCF-1").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Submitted (1 day late)"
    );

    // No assurance before the board has approved.
    let assurer = person(&app, Role::Assurer, None, "NHS England").await;
    let page = assurer
        .browser
        .get_html(&format!("{ROTHERHAM_2025}/sign-off/rounds/1/assurance"))
        .await;
    assert!(page.contains("once the Health and Wellbeing Board has approved"));

    // The board approves after submission, by chair's action.
    let secretary = person(
        &app,
        Role::BoardSecretary,
        Some("rotherham"),
        "Rotherham Health and Wellbeing Board",
    )
    .await;
    let form = secretary
        .browser
        .get_html(&format!("{ROTHERHAM_2025}/sign-off/rounds/1/board"))
        .await;
    assert!(form.contains("value=\"chair_action\""));
    let response = post_step(
        &secretary,
        ROTHERHAM_2025,
        1,
        "board",
        &[
            ("how", "chair_action"),
            ("body", "Chair of the Rotherham Health and Wellbeing Board"),
            ("decided_on_day", "1"),
            ("decided_on_month", "4"),
            ("decided_on_year", "2025"),
            ("reference", "CA/2025/03"),
            ("outcome", "approved"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Submitted (1 day late)"
    );
    let response = post_step(
        &assurer,
        ROTHERHAM_2025,
        1,
        "assurance",
        &[("outcome", "approved")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        state_of(&lead.browser, ROTHERHAM_2025).await,
        "Assured: Approved"
    );

    let page = lead
        .browser
        .get_html(&format!("{ROTHERHAM_2025}/sign-off"))
        .await;
    let timeline = &page[page.find("id=\"timeline\"").unwrap()..];
    assert!(timeline.contains("Submitted by Rotherham Metropolitan Borough Council (on time)"));
    assert!(timeline.contains("Submitted by NHS South Yorkshire ICB (1 day late)"));
    assert!(timeline.contains("Board decision: Approved (by chair"));
    assert!(timeline.contains("CA/2025/03"));
    assert!(
        timeline
            .find("Submitted by NHS South Yorkshire ICB")
            .unwrap()
            < timeline.find("Board decision: Approved").unwrap(),
        "the board approved after submission"
    );
}

#[tokio::test]
async fn a_decision_on_a_withdrawn_snapshot_is_refused_and_a_double_post_is_recorded_once() {
    let app = spawn_app().await;
    make_checks_pass(&app, "rotherham", "2025-26").await;
    let lead = person(&app, Role::AreaLead, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    let icb = person(
        &app,
        Role::Signatory,
        Some("rotherham"),
        SOUTH_YORKSHIRE_ICB,
    )
    .await;
    open_round(&lead, ROTHERHAM_2025, "Draft", "").await;
    let frozen: Option<i64> = sqlx::query_scalar("SELECT frozen_plan_id FROM area_content a JOIN areas r ON r.id = a.area_id WHERE r.slug = 'rotherham'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(frozen.is_some(), "the round freezes the plan");

    // The ICB opens the form; meanwhile the lead withdraws the round (a reason is needed).
    let path = format!("{ROTHERHAM_2025}/sign-off/rounds/1/decision");
    let html = icb.browser.get_html(&path).await;
    let hash = hidden(&html, "snapshot_hash");
    assert!(
        html.contains(&format!("id=\"snapshot-hash\">{hash}<")),
        "the full hash is shown"
    );
    let withdraw = format!("{ROTHERHAM_2025}/sign-off/rounds/1/withdraw");
    let response = lead.browser.post_form(&withdraw, &[("reason", "  ")]).await;
    assert_eq!(response.status(), 422);
    let response = lead
        .browser
        .post_form(&withdraw, &[("reason", "The ICB's figures changed")])
        .await;
    assert_eq!(
        location(&response),
        format!("{ROTHERHAM_2025}/sign-off?done=withdrawn")
    );
    let code = fresh_code(&app, &icb);
    let response = icb
        .browser
        .post_form(
            &path,
            &[
                ("snapshot_hash", &hash),
                ("decision", "approve"),
                ("signer_name", "A Person"),
                ("signer_position", "Chief executive"),
                ("not_delegated", "yes"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("Round 1 was withdrawn"), "{page}");
    assert!(page.contains("nothing was recorded"));
    assert_eq!(decisions_recorded(&app).await, 0);
    let frozen: Option<i64> = sqlx::query_scalar("SELECT frozen_plan_id FROM area_content a JOIN areas r ON r.id = a.area_id WHERE r.slug = 'rotherham'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(frozen, None, "withdrawing thaws the plan");

    // Round 2: a wrong code keeps what was typed; then the same decision posted twice at once.
    open_round(&lead, ROTHERHAM_2025, "Final", "submission-deadline").await;
    let path = format!("{ROTHERHAM_2025}/sign-off/rounds/2/decision");
    let html = icb.browser.get_html(&path).await;
    let hash = hidden(&html, "snapshot_hash");
    let fields = |code: &str| {
        vec![
            ("snapshot_hash".to_owned(), hash.clone()),
            ("decision".to_owned(), "approve_with_comments".to_owned()),
            (
                "comments".to_owned(),
                "Our typed comments on the plan".to_owned(),
            ),
            ("signer_name".to_owned(), "A Person".to_owned()),
            ("signer_position".to_owned(), "Chief executive".to_owned()),
            ("not_delegated".to_owned(), "yes".to_owned()),
            ("code".to_owned(), code.to_owned()),
        ]
    };
    let pairs = |fields: &[(String, String)]| -> Vec<(String, String)> { fields.to_vec() };
    let wrong = pairs(&fields("000000"));
    let wrong: Vec<(&str, &str)> = wrong
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let response = icb.browser.post_form(&path, &wrong).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("The code is not right"));
    assert!(
        page.contains("Our typed comments on the plan"),
        "the comments are kept"
    );
    assert_eq!(decisions_recorded(&app).await, 0);

    let code = fresh_code(&app, &icb);
    let token = icb.browser.csrf_token().await;
    let mut right = fields(&code);
    right.push(("csrf_token".to_owned(), token));
    let right: Vec<(&str, &str)> = right
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let (first, second) = tokio::join!(
        icb.browser.post_raw(&path, &right),
        icb.browser.post_raw(&path, &right)
    );
    let mut outcomes = [location(&first), location(&second)];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            format!("{ROTHERHAM_2025}/sign-off?done=already-recorded"),
            format!("{ROTHERHAM_2025}/sign-off?done=decided"),
        ]
    );
    assert_eq!(decisions_recorded(&app).await, 1);
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'signoff.decision_recorded'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(recorded, 1, "audited once");
}

#[tokio::test]
async fn only_the_right_people_act_and_a_round_opens_only_on_a_plan_that_passes_its_checks() {
    let app = spawn_app().await;
    // Rotherham's 2014-16 plan fails its checks: the round is refused, naming them.
    let lead = person(&app, Role::AreaLead, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    let response = lead
        .browser
        .post_form(
            "/areas/rotherham/plans/2014-16/sign-off/rounds",
            &[("name", "Typed round name"), ("deadline", "")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("The round cannot open while"));
    assert!(page.contains("id=\"failing-checks\""));
    assert!(page.contains("Every section is completed"));
    assert!(
        page.contains("value=\"Typed round name\""),
        "the name is kept"
    );
    let response = lead
        .browser
        .post_form(
            "/areas/rotherham/plans/2014-16/sign-off/rounds",
            &[("name", ""), ("deadline", "")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM signoff_rounds")
            .fetch_one(&app.pool)
            .await
            .unwrap(),
        0
    );

    make_checks_pass(&app, "rotherham", "2025-26").await;
    open_round(&lead, ROTHERHAM_2025, "Final", "submission-deadline").await;
    // A second plan of the area cannot open a round while this one holds the area frozen.
    let response = lead
        .browser
        .post_form(
            &format!("{ROTHERHAM_2025}/sign-off/rounds"),
            &[("name", "Another"), ("deadline", "")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already in sign-off")
    );

    let step = |name: &str| format!("{ROTHERHAM_2025}/sign-off/rounds/1/{name}");
    // An officer of the ICB, and a signatory of another organisation.
    let officer = person(&app, Role::Officer, Some("rotherham"), SOUTH_YORKSHIRE_ICB).await;
    assert_eq!(officer.browser.get(&step("decision")).await.status(), 403);
    let response = officer
        .browser
        .post_form(&step("decision"), &[("decision", "approve")])
        .await;
    assert_eq!(response.status(), 403);
    let icb = person(
        &app,
        Role::Signatory,
        Some("rotherham"),
        SOUTH_YORKSHIRE_ICB,
    )
    .await;
    let response = decide(
        &app,
        &icb,
        ROTHERHAM_2025,
        1,
        &[
            ("signature", "council-section-151-officer"),
            ("decision", "approve"),
            ("signer_position", "Section 151 officer"),
        ],
    )
    .await;
    assert_eq!(
        response.status(),
        422,
        "the ICB cannot sign for the council"
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose which signature you are giving")
    );
    assert_eq!(decisions_recorded(&app).await, 0);

    // Only the board secretary records the board, only an assurer assurance.
    assert_eq!(lead.browser.get(&step("board")).await.status(), 403);
    let response = icb
        .browser
        .post_form(&step("board"), &[("outcome", "approved")])
        .await;
    assert_eq!(response.status(), 403);
    let secretary = person(
        &app,
        Role::BoardSecretary,
        Some("rotherham"),
        "Rotherham Health and Wellbeing Board",
    )
    .await;
    assert_eq!(
        secretary.browser.get(&step("assurance")).await.status(),
        403
    );
    assert_eq!(lead.browser.get(&step("assurance")).await.status(), 403);
    assert_eq!(
        secretary.browser.get(&step("submission")).await.status(),
        403
    );
    let response = secretary
        .browser
        .post_form(&step("withdraw"), &[("reason", "No")])
        .await;
    assert_eq!(response.status(), 403);

    // Another area's people are told it does not exist.
    let kent_lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let kent_signatory = person(&app, Role::Signatory, Some("kent"), "Kent County Council").await;
    assert_eq!(
        kent_lead
            .browser
            .get(&format!("{ROTHERHAM_2025}/sign-off"))
            .await
            .status(),
        404
    );
    let response = kent_signatory
        .browser
        .post_form(&step("decision"), &[("decision", "approve")])
        .await;
    assert_eq!(response.status(), 404);
    let response = kent_lead
        .browser
        .post_form(&step("withdraw"), &[("reason", "Not ours")])
        .await;
    assert_eq!(response.status(), 404);
    // A round that does not exist.
    assert_eq!(
        icb.browser
            .get(&format!("{ROTHERHAM_2025}/sign-off/rounds/9/decision"))
            .await
            .status(),
        404
    );
    // Everyone in the area reads the sign-off page.
    let page = officer
        .browser
        .get_html(&format!("{ROTHERHAM_2025}/sign-off"))
        .await;
    assert!(page.contains("Partner sign-off (0 of 3 signed)"));
    assert!(!page.contains("Open a round"));
    assert!(csrf_token_in(&page).is_some());
}

#[tokio::test]
async fn a_plan_change_sent_during_a_round_is_refused() {
    let app = spawn_app().await;
    make_checks_pass(&app, "kent", "2014-16").await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let council: i64 =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Kent County Council'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    // The funding form as the lead had it open when the round was opened.
    let lines = format!("{KENT}/funding/{council}/2015-16");
    let html = lead.browser.get_html(&lines).await;
    let mut fields = crate::helpers::form_fields_in(&html, &lines).expect("the funding form");
    fields.retain(|(name, _)| name != "amount-carers-breaks");
    fields.push(("amount-carers-breaks".to_owned(), "1357911".to_owned()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    open_round(&lead, KENT, "Final", "final-plans").await;
    let response = lead.browser.post_form(&lines, &fields).await;
    assert_eq!(response.status(), 409, "refused while the round is open");
    let page = response.text().await.unwrap();
    assert!(page.contains("This plan is in sign-off"));
    assert!(page.contains("1357911"), "what was typed is kept");
    let lines_saved: i64 =
        sqlx::query_scalar("SELECT count(*) FROM funding_lines WHERE amount = 135791100")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(lines_saved, 0, "nothing saved");
}
