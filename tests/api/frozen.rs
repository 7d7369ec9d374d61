//! A plan in sign-off (issue 11): while a round is open, every change to the plan's content
//! (sections, contributions, status, assignment, risk links, funding, schemes, metrics,
//! conditions, the engagement log, workbook imports) and to the area's risk register is refused
//! with a page saying which round, who opened it and who can withdraw it, with what was typed
//! shown back, and nothing written or audited; once the round ends the same form goes through.
//! The round is opened here directly with the guard's own `freeze_content`, as sign-off does.

use itf_planner::areas::AreaId;
use itf_planner::areas::store::{self as areas, Freeze};
use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use itf_planner::clock::Clock;
use time::macros::datetime;

use crate::access::{add_risk, engagement_fields, risk_fields, scheme_fields, workbook_file};
use crate::helpers::{TestApp, form_fields_in, location, spawn_app, spawn_app_with};

const KENT_PLAN: &str = "/areas/kent/plans/2014-16";
const OPENED: &str =
    "Round \u{201c}Final submission\u{201d} was opened on 3 March 2014 by Kent area lead.";
const PLAN_BANNER: &str =
    "This plan is in sign-off (round \u{201c}Final submission\u{201d}) \u{2014} editing is closed";
const REGISTER_BANNER: &str = "A plan of this area is in sign-off (round \u{201c}Final submission\u{201d}) \u{2014} the risk register is closed";

/// Every table a content change writes, and the audit log: none may change while refusing.
const CONTENT_TABLES: [&str; 24] = [
    "plan_sections",
    "contributions",
    "revisions",
    "risk_section_links",
    "funding_lines",
    "notified_minimums",
    "scheme_numbers",
    "schemes",
    "scheme_amounts",
    "scheme_metrics",
    "scheme_risks",
    "metric_goal_sets",
    "metric_goals",
    "condition_answers",
    "engagement_entries",
    "workbook_imports",
    "risks",
    "risk_versions",
    "risk_matrices",
    "risk_imports",
    "area_content",
    "plans",
    "comments",
    "audit_log",
];

fn section(key: &str) -> String {
    format!("{KENT_PLAN}/sections/{key}")
}

/// One content change, as a browser sends it.
struct Post {
    what: &'static str,
    path: String,
    fields: Vec<(String, String)>,
    /// Something typed that a refusal must show back.
    typed: Option<String>,
    /// A change to the register rather than to the plan.
    register: bool,
}

impl Post {
    fn plan(what: &'static str, path: String, fields: Vec<(String, String)>) -> Post {
        Post {
            what,
            path,
            fields,
            typed: None,
            register: false,
        }
    }

    fn register(what: &'static str, path: String, fields: Vec<(String, String)>) -> Post {
        Post {
            register: true,
            ..Post::plan(what, path, fields)
        }
    }

    /// Typed `text`, which a refusal shows back.
    fn typed(mut self, text: &str) -> Post {
        self.typed = Some(text.to_owned());
        self
    }

    async fn send(&self, browser: &TestApp) -> reqwest::Response {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        browser.post_form(&self.path, &fields).await
    }
}

/// The hidden fields of the form on `page` posting to `action`, as `browser` sees it.
async fn scraped(browser: &TestApp, page: &str, action: &str) -> Vec<(String, String)> {
    let html = browser.get_html(page).await;
    form_fields_in(&html, action).unwrap_or_else(|| panic!("{page} has a form posting to {action}"))
}

fn with(mut fields: Vec<(String, String)>, more: &[(&str, &str)]) -> Vec<(String, String)> {
    for (name, value) in more {
        fields.retain(|(field, _)| field != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    with(Vec::new(), fields)
}

async fn expect_303(browser: &TestApp, path: &str, fields: &[(String, String)]) -> String {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let response = browser.post_form(path, &fields).await;
    assert_eq!(response.status(), 303, "setting up: POST {path} {fields:?}");
    location(&response)
}

async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn area_id(app: &TestApp, slug: &str) -> AreaId {
    areas::find_area_by_slug(&app.pool, slug)
        .await
        .unwrap()
        .expect("the area")
        .id
}

async fn plan_id(app: &TestApp, slug: &str, template_key: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         WHERE a.slug = $1 AND t.key = $2",
    )
    .bind(slug)
    .bind(template_key)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Opens round "Final submission" of the area's plan on 3 March 2014, as its demo area lead
/// would; returns the content version it froze.
async fn freeze(app: &TestApp, slug: &str, template_key: &str) -> i64 {
    let by: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(format!("{slug}.lead@itf.example"))
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let plan_id = plan_id(app, slug, template_key).await;
    let mut db = app.pool.acquire().await.unwrap();
    let freeze = Freeze {
        plan_id,
        round: "Final submission",
        at: datetime!(2014-03-03 10:00 UTC),
        by: UserId::new(by),
    };
    areas::freeze_content(&mut db, area_id(app, slug).await, freeze)
        .await
        .unwrap()
        .expect("no plan of the area was frozen")
}

async fn thaw(app: &TestApp, slug: &str, template_key: &str) {
    let plan_id = plan_id(app, slug, template_key).await;
    let mut db = app.pool.acquire().await.unwrap();
    areas::thaw_content(&mut db, area_id(app, slug).await, plan_id)
        .await
        .unwrap();
}

async fn content_version(app: &TestApp, slug: &str) -> i64 {
    areas::content_version(&app.pool, area_id(app, slug).await)
        .await
        .unwrap()
}

/// A digest of every row of every content table (and the audit log).
async fn fingerprint(app: &TestApp) -> Vec<(&'static str, String)> {
    let mut digests = Vec::new();
    for table in CONTENT_TABLES {
        // The table names are the constant list above.
        let digest: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        )))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        digests.push((table, digest));
    }
    digests
}

async fn signed_in(app: &TestApp, role: Role, area: &str, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// Kent's register exported as CSV, its rows replaced by one new Kent County Council risk.
async fn risk_import_file(lead: &TestApp) -> Vec<u8> {
    let export = lead.get("/areas/kent/risks/export.csv").await;
    let text = export.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let council = rows
        .iter()
        .find(|row| row.get(6) == Some("Kent County Council"))
        .expect("the council's risk");
    let mut new: Vec<String> = council.iter().map(str::to_owned).collect();
    new[0] = String::new();
    new[1] = "Risk imported while frozen".to_owned();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&rows[0]).unwrap();
    writer.write_record(&new).unwrap();
    writer.into_inner().unwrap()
}

/// A real, currently valid form for every content POST route of plans, their parts and the
/// register, made by Kent's area lead (who may make each of them) before the round opens:
/// imports uploaded, things to restore, reopen, unlink and remove made first.
async fn content_posts(app: &TestApp, lead: &TestApp) -> Vec<Post> {
    let council = organisation_id(app, "Kent County Council").await;
    let council_key = council.to_string();
    let mut posts = Vec::new();

    // The imports first (uploading keeps a file for its preview, no change to the plan), so
    // that the changes after the round do not move what their previews were based on.
    let upload = lead
        .post_file(
            &format!("{KENT_PLAN}/import"),
            "frozen.xlsx",
            workbook_file(1),
        )
        .await;
    assert_eq!(upload.status(), 303, "workbook uploaded");
    posts.push(Post::plan(
        "applying a workbook import",
        location(&upload),
        Vec::new(),
    ));
    let upload = lead
        .post_file(
            "/areas/kent/risks/import",
            "frozen.csv",
            risk_import_file(lead).await,
        )
        .await;
    assert_eq!(upload.status(), 303, "risks uploaded");
    posts.push(Post::register(
        "applying a risk import",
        location(&upload),
        Vec::new(),
    ));

    // The section pages.
    let vision = section("vision");
    let text = "Vision typed while the plan is in sign-off";
    posts.push(
        Post::plan(
            "saving a section's text",
            vision.clone(),
            with(scraped(lead, &vision, &vision).await, &[("text", text)]),
        )
        .typed(text),
    );
    let case = section("case-for-change");
    let contribution = format!("{case}/contributions/{council}");
    let text = "Contribution typed while the plan is in sign-off";
    posts.push(
        Post::plan(
            "saving a contribution",
            contribution.clone(),
            with(
                scraped(lead, &case, &contribution).await,
                &[("contribution_text", text)],
            ),
        )
        .typed(text),
    );
    let action_plan = section("plan-of-action");
    for text in ["A first plan of action", "A second plan of action"] {
        let fields = with(
            scraped(lead, &action_plan, &action_plan).await,
            &[("text", text)],
        );
        expect_303(lead, &action_plan, &fields).await;
    }
    let restore = format!("{action_plan}/restore");
    posts.push(Post::plan(
        "restoring an earlier version",
        restore.clone(),
        scraped(lead, &format!("{action_plan}/history"), &restore).await,
    ));
    posts.push(
        Post::plan(
            "answering whether the section is completed",
            format!("{vision}/status"),
            // The demo's vision waits for review: the lead's "no" sends it back, with a comment.
            owned(&[
                ("completed", "no"),
                ("review_comment", "Add the figures, please."),
            ]),
        )
        .typed("Have you completed this section?"),
    );
    let seven_day = section("seven-day-services");
    expect_303(
        lead,
        &format!("{seven_day}/status"),
        &owned(&[("completed", "yes")]),
    )
    .await;
    posts.push(Post::plan(
        "reopening a completed section",
        format!("{seven_day}/reopen"),
        Vec::new(),
    ));
    posts.push(
        Post::plan(
            "assigning a section",
            format!("{}/assign", section("engagement")),
            owned(&[("organisation", &council_key)]),
        )
        .typed("Kent County Council"),
    );
    let risks_section = section("risks-and-contingency");
    let to_link = add_risk(lead, council, "A risk to link while frozen").await;
    posts.push(
        Post::plan(
            "linking a risk to a section",
            format!("{risks_section}/risks"),
            owned(&[("risk", &to_link.to_string())]),
        )
        .typed("A risk to link while frozen"),
    );
    let to_unlink = add_risk(lead, council, "A risk to unlink while frozen").await;
    expect_303(
        lead,
        &format!("{risks_section}/risks"),
        &owned(&[("risk", &to_unlink.to_string())]),
    )
    .await;
    posts.push(Post::plan(
        "unlinking a risk from a section",
        format!("{risks_section}/risks/{to_unlink}/unlink"),
        Vec::new(),
    ));

    // The plan's parts.
    let lines = format!("{KENT_PLAN}/funding/{council}/2015-16");
    posts.push(
        Post::plan(
            "changing an organisation's funding",
            lines.clone(),
            with(
                scraped(lead, &lines, &lines).await,
                &[("amount-carers-breaks", "1357911")],
            ),
        )
        .typed("1357911"),
    );
    let minimum = format!("{KENT_PLAN}/funding/minimum/2015-16");
    let reason = "Minimum revised while the plan is in sign-off";
    posts.push(
        Post::plan(
            "setting the notified minimum",
            minimum.clone(),
            with(
                scraped(lead, &minimum, &minimum).await,
                &[("minimum", "88000000"), ("reason", reason)],
            ),
        )
        .typed(reason),
    );
    let name = "Scheme added while frozen";
    posts.push(
        Post::plan(
            "adding a scheme",
            format!("{KENT_PLAN}/schemes/new"),
            scheme_fields(council, name),
        )
        .typed(name),
    );
    let scheme = format!("{KENT_PLAN}/schemes/1");
    let name = "Scheme renamed while frozen";
    let mut fields = scraped(lead, &scheme, &scheme).await;
    fields.extend(scheme_fields(council, name));
    posts.push(Post::plan("changing a scheme", scheme, fields).typed(name));
    let added = expect_303(
        lead,
        &format!("{KENT_PLAN}/schemes/new"),
        &scheme_fields(council, "Scheme to remove while frozen"),
    )
    .await;
    let remove = format!("{}/remove", added.split('?').next().unwrap_or_default());
    posts.push(Post::plan(
        "removing a scheme",
        remove.clone(),
        scraped(lead, &remove, &remove).await,
    ));
    let metric = format!("{KENT_PLAN}/metrics/residential-admissions");
    let period = "Baseline period typed while frozen";
    posts.push(
        Post::plan(
            "setting a metric's goals",
            metric.clone(),
            with(
                scraped(lead, &metric, &metric).await,
                &[
                    ("baseline_value", "712.9"),
                    ("baseline_period", period),
                    ("goal-2014-15", "600"),
                ],
            ),
        )
        .typed(period),
    );
    let condition = format!("{KENT_PLAN}/conditions/jointly-agreed");
    let how = "Condition answered while the plan is in sign-off";
    posts.push(
        Post::plan(
            "answering a national condition",
            condition.clone(),
            with(
                scraped(lead, &condition, &condition).await,
                &[("status", "met"), ("how", how)],
            ),
        )
        .typed(how),
    );
    let what_done = "Engagement logged while the plan is in sign-off";
    posts.push(
        Post::plan(
            "adding an engagement entry",
            format!("{KENT_PLAN}/engagement/new"),
            owned(&engagement_fields(what_done)),
        )
        .typed(what_done),
    );
    let entry = format!("{KENT_PLAN}/engagement/1");
    let what_done = "Engagement changed while the plan is in sign-off";
    posts.push(
        Post::plan(
            "changing an engagement entry",
            entry.clone(),
            with(
                scraped(lead, &entry, &entry).await,
                &engagement_fields(what_done),
            ),
        )
        .typed(what_done),
    );
    expect_303(
        lead,
        &format!("{KENT_PLAN}/engagement/new"),
        &owned(&engagement_fields("An entry to remove while frozen")),
    )
    .await;
    let removed: i64 = sqlx::query_scalar("SELECT max(id) FROM engagement_entries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    posts.push(Post::plan(
        "removing an engagement entry",
        format!("{KENT_PLAN}/engagement/{removed}/remove"),
        owned(&[("version", "1"), ("confirm", "yes")]),
    ));

    // The register: the matrix last, so that the risks' forms are based on the matrix in use.
    let title = "Risk added while frozen";
    posts.push(
        Post::register(
            "adding a risk",
            "/areas/kent/risks/new".to_owned(),
            risk_fields(council, title),
        )
        .typed(title),
    );
    let risk = add_risk(lead, council, "A risk to change while frozen").await;
    let risk = format!("/areas/kent/risks/{risk}");
    let title = "Risk changed while frozen";
    let mut fields = scraped(lead, &risk, &risk).await;
    fields.extend(risk_fields(council, title));
    posts.push(Post::register("changing a risk", risk, fields).typed(title));
    let matrix = "/areas/kent/risks/matrix";
    let rare = "Rare while frozen";
    let mut fields = with(
        scraped(lead, matrix, matrix).await,
        &[
            ("likelihood_1", rare),
            ("likelihood_2", "Unlikely"),
            ("likelihood_3", "Possible"),
            ("likelihood_4", "Likely"),
            ("likelihood_5", "Almost certain"),
            ("impact_1", "Insignificant"),
            ("impact_2", "Minor"),
            ("impact_3", "Moderate"),
            ("impact_4", "Major"),
            ("impact_5", "Catastrophic"),
        ],
    );
    for (row, (name, colour, from)) in (1..).zip([
        ("Low", "green", "1"),
        ("Moderate", "yellow", "4"),
        ("High", "orange", "8"),
        ("Extreme", "red", "15"),
    ]) {
        fields = with(
            fields,
            &[
                (&format!("band_{row}_name"), name),
                (&format!("band_{row}_colour"), colour),
                (&format!("band_{row}_from"), from),
            ],
        );
    }
    posts.push(Post::register("changing the risk matrix", matrix.to_owned(), fields).typed(rare));
    posts
}

#[tokio::test]
async fn every_content_change_is_refused_while_the_plan_is_in_sign_off_and_goes_through_after() {
    let app = spawn_app().await;
    let lead = signed_in(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let posts = content_posts(&app, &lead).await;
    assert_eq!(posts.len(), 23, "every content route");

    let frozen_version = freeze(&app, "kent", "2014-16").await;
    let before = fingerprint(&app).await;
    for post in &posts {
        let response = post.send(&lead).await;
        let context = format!("{}: POST {}", post.what, post.path);
        assert_eq!(response.status(), 409, "{context}");
        let page = response.text().await.unwrap();
        let heading = if post.register {
            "The risk register is in sign-off"
        } else {
            "This plan is in sign-off"
        };
        assert!(page.contains(heading), "{context}: {page}");
        assert!(page.contains(OPENED), "{context}: {page}");
        assert!(
            page.contains(
                "The area leads (Kent area lead and Test Area lead) can withdraw the round."
            ),
            "{context}: {page}"
        );
        assert!(page.contains("Nothing was saved."), "{context}");
        assert!(page.contains("Go back to the page"), "{context}");
        if let Some(typed) = &post.typed {
            assert!(
                page.contains("What you typed") && page.contains(typed.as_str()),
                "{context}: what was typed is shown back: {page}"
            );
        }
    }
    assert_eq!(
        fingerprint(&app).await,
        before,
        "nothing written, nothing audited"
    );
    assert_eq!(content_version(&app, "kent").await, frozen_version);

    // Discussion goes on during sign-off.
    let comment = lead
        .post_form(
            &format!("{}/comments", section("vision")),
            &[("body", "Asked during sign-off"), ("thread", "")],
        )
        .await;
    assert_eq!(comment.status(), 303, "comments are not content");

    thaw(&app, "kent", "2014-16").await;
    for post in &posts {
        let response = post.send(&lead).await;
        assert_eq!(
            response.status(),
            303,
            "{} after the round: POST {}",
            post.what,
            post.path
        );
    }
    assert!(content_version(&app, "kent").await >= frozen_version + posts.len() as i64);
}

/// The forms on `html` that post, other than signing out and commenting.
fn edit_forms(html: &str) -> Vec<String> {
    html.split("<form")
        .skip(1)
        .map(|form| &form[..form.find('>').unwrap_or(form.len())])
        .filter(|tag| tag.contains("method=\"post\""))
        .filter_map(|tag| {
            let start = tag.find("action=\"")? + "action=\"".len();
            Some(tag[start..start + tag[start..].find('"')?].to_owned())
        })
        .filter(|action| action != "/sign-out" && !action.contains("/comments"))
        .collect()
}

#[tokio::test]
async fn pages_of_a_plan_in_sign_off_say_so_and_offer_no_edit_forms() {
    // `freeze` changes the area behind the app's back (no audit row, as a sign-off round
    // writes): the pages that keep what they read until the area changes read afresh.
    let app = spawn_app_with(
        &[("ITF_AREA_CACHE_SECONDS", "0".to_owned())],
        Clock::fixed(time::OffsetDateTime::now_utc()),
    )
    .await;
    let lead = signed_in(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let council = organisation_id(&app, "Kent County Council").await;
    let plan_pages = [
        KENT_PLAN.to_owned(),
        section("vision"),
        section("case-for-change"),
        section("risks-and-contingency"),
        format!("{KENT_PLAN}/funding"),
        format!("{KENT_PLAN}/funding/{council}/2015-16"),
        format!("{KENT_PLAN}/schemes"),
        format!("{KENT_PLAN}/schemes/1"),
        format!("{KENT_PLAN}/metrics"),
        format!("{KENT_PLAN}/metrics/residential-admissions"),
        format!("{KENT_PLAN}/conditions"),
        format!("{KENT_PLAN}/conditions/jointly-agreed"),
        format!("{KENT_PLAN}/engagement"),
        format!("{KENT_PLAN}/engagement/1"),
        format!("{KENT_PLAN}/import"),
    ];
    let register_pages = [
        "/areas/kent/risks",
        "/areas/kent/risks/1",
        "/areas/kent/risks/matrix",
    ];
    // Open, the lead is offered the forms that the round then takes away.
    for page in plan_pages.iter().map(String::as_str).chain(register_pages) {
        let html = lead.get_html(page).await;
        assert!(!html.contains("in sign-off"), "{page}");
    }
    for page in [
        section("vision"),
        format!("{KENT_PLAN}/funding/{council}/2015-16"),
        format!("{KENT_PLAN}/schemes/1"),
        format!("{KENT_PLAN}/metrics/residential-admissions"),
        format!("{KENT_PLAN}/conditions/jointly-agreed"),
        format!("{KENT_PLAN}/engagement/1"),
        format!("{KENT_PLAN}/import"),
        "/areas/kent/risks/1".to_owned(),
        "/areas/kent/risks/matrix".to_owned(),
    ] {
        let html = lead.get_html(&page).await;
        assert!(
            !edit_forms(&html).is_empty(),
            "{page} offers editing while open"
        );
    }
    for page in [
        format!("{KENT_PLAN}/funding"),
        format!("{KENT_PLAN}/schemes"),
        format!("{KENT_PLAN}/engagement"),
        "/areas/kent/risks".to_owned(),
    ] {
        let html = lead.get_html(&page).await;
        let links_to_forms = html
            .contains(&format!("href=\"{KENT_PLAN}/funding/{council}/2015-16\""))
            || html.contains("/new\"");
        assert!(links_to_forms, "{page} links to its forms while open");
    }

    freeze(&app, "kent", "2014-16").await;
    for (pages, banner) in [
        (
            plan_pages.iter().map(String::as_str).collect::<Vec<_>>(),
            PLAN_BANNER,
        ),
        (register_pages.to_vec(), REGISTER_BANNER),
    ] {
        for page in pages {
            let html = lead.get_html(page).await;
            assert!(html.contains(banner), "{page} says the plan is in sign-off");
            assert_eq!(edit_forms(&html), Vec::<String>::new(), "{page}");
            assert!(
                !html.contains(&format!("href=\"{KENT_PLAN}/funding/{council}/2015-16\"")),
                "{page} links to no edit form"
            );
            assert!(!html.contains("/new\""), "{page} offers nothing to add");
        }
    }
    // The section page still takes comments.
    let html = lead.get_html(&section("vision")).await;
    assert!(html.contains(&format!("action=\"{}/comments\"", section("vision"))));
    // Pages that are only a form send back to the page that says why.
    for (page, to) in [
        (
            format!("{KENT_PLAN}/schemes/new"),
            format!("{KENT_PLAN}/schemes"),
        ),
        (
            format!("{KENT_PLAN}/schemes/1/remove"),
            format!("{KENT_PLAN}/schemes/1"),
        ),
        (
            format!("{KENT_PLAN}/engagement/new"),
            format!("{KENT_PLAN}/engagement"),
        ),
        (
            format!("{KENT_PLAN}/funding/minimum/2015-16"),
            format!("{KENT_PLAN}/funding#year-2015-16"),
        ),
        (
            "/areas/kent/risks/new".to_owned(),
            "/areas/kent/risks".to_owned(),
        ),
        (
            "/areas/kent/risks/import".to_owned(),
            "/areas/kent/risks".to_owned(),
        ),
    ] {
        let response = lead.get(&page).await;
        assert_eq!(response.status(), 303, "{page}");
        assert_eq!(location(&response), to, "{page}");
    }
}

#[tokio::test]
async fn a_round_on_one_plan_leaves_the_areas_other_plan_open_but_closes_the_register() {
    let app = spawn_app().await;
    let lead = signed_in(&app, Role::AreaLead, "rotherham", "NHS Rotherham CCG").await;
    let council = organisation_id(&app, "NHS Rotherham CCG").await;
    let other_plan = "/areas/rotherham/plans/2014-16";
    let vision = format!("{other_plan}/sections/vision");
    let frozen_plan = "/areas/rotherham/plans/2025-26";
    let frozen_key: String = sqlx::query_scalar(
        "SELECT ts.key FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE s.plan_id = $1 AND NOT ts.per_organisation AND s.status <> 'completed'
           AND s.assigned_organisation_id IS NULL
         ORDER BY ts.position LIMIT 1",
    )
    .bind(plan_id(&app, "rotherham", "2025-26").await)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let frozen_section = format!("{frozen_plan}/sections/{frozen_key}");
    let vision_form = scraped(&lead, &vision, &vision).await;
    let frozen_form = scraped(&lead, &frozen_section, &frozen_section).await;

    freeze(&app, "rotherham", "2025-26").await;
    let typed = "Written in the other plan during the round";
    expect_303(&lead, &vision, &with(vision_form, &[("text", typed)])).await;
    assert!(lead.get_html(&vision).await.contains(typed));
    assert!(!lead.get_html(other_plan).await.contains("in sign-off"));

    let refused = lead
        .post_form(
            &frozen_section,
            &[("text", "Not now"), ("version", &version(&frozen_form))],
        )
        .await;
    assert_eq!(refused.status(), 409, "the frozen plan's own sections");
    let title = "A Rotherham risk added during the round";
    let fields = risk_fields(council, title);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let response = lead.post_form("/areas/rotherham/risks/new", &fields).await;
    assert_eq!(response.status(), 409, "the register every plan includes");
    let page = response.text().await.unwrap();
    assert!(page.contains("The risk register is in sign-off"), "{page}");
    assert!(page.contains("by Rotherham area lead"), "{page}");
    assert!(page.contains(title), "{page}");
    assert!(
        lead.get_html("/areas/rotherham/risks")
            .await
            .contains(REGISTER_BANNER)
    );
    let risks: i64 = sqlx::query_scalar("SELECT count(*) FROM risks WHERE title = $1")
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .unwrap_or(0);
    assert_eq!(risks, 0);

    thaw(&app, "rotherham", "2025-26").await;
    expect_303(
        &lead,
        "/areas/rotherham/risks/new",
        &risk_fields(council, title),
    )
    .await;
}

fn version(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .find(|(name, _)| name == "version")
        .map(|(_, value)| value.clone())
        .expect("a version field")
}

/// A section saved just as a round opens, over real parallel requests, many times: either the
/// save lands first, and its text is in the content the round froze (the freeze's content
/// version counts it), or it is refused; it never lands after the freeze.
#[tokio::test]
async fn a_save_racing_a_round_opening_lands_before_the_freeze_or_not_at_all() {
    const RACES: usize = 12;
    let app = spawn_app().await;
    let lead = signed_in(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let vision = section("vision");
    let (mut landed, mut refused) = (0, 0);
    for race in 0..RACES {
        let text = format!("Saved in race {race}");
        // Ready to send at once, as a browser with the page open is.
        let token = lead.csrf_token().await;
        let fields = with(
            scraped(&lead, &vision, &vision).await,
            &[("text", &text), ("csrf_token", &token)],
        );
        let before = content_version(&app, "kent").await;
        let save = {
            let lead = lead.clone();
            let vision = vision.clone();
            tokio::spawn(async move {
                let fields: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                lead.post_raw(&vision, &fields).await.status().as_u16()
            })
        };
        let opening = {
            let app = app.clone();
            tokio::spawn(async move { freeze(&app, "kent", "2014-16").await })
        };
        let (status, frozen_version) = (save.await.unwrap(), opening.await.unwrap());
        let body: String = sqlx::query_scalar(
            "SELECT s.body FROM plan_sections s
             JOIN template_sections ts ON ts.id = s.template_section_id
             WHERE s.plan_id = $1 AND ts.key = 'vision'",
        )
        .bind(plan_id(&app, "kent", "2014-16").await)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        match status {
            303 => {
                landed += 1;
                assert_eq!(body, text, "race {race}: saved");
                assert_eq!(
                    frozen_version,
                    before + 1,
                    "race {race}: in the frozen content"
                );
            }
            409 => {
                refused += 1;
                assert_ne!(body, text, "race {race}: refused, not saved");
                assert_eq!(frozen_version, before, "race {race}: nothing changed");
            }
            other => panic!("race {race}: the save answered {other}"),
        }
        assert_eq!(
            content_version(&app, "kent").await,
            frozen_version,
            "race {race}: nothing changed after the freeze"
        );
        thaw(&app, "kent", "2014-16").await;
    }
    assert_eq!(landed + refused, RACES);
}
