//! A template's structure (issue 10): the financial years, funding streams, metrics, national
//! conditions and key dates both built-in templates ship with; administrators changing them one item at a
//! time, with bad input refused by the field and concurrent changes refused rather than lost;
//! copies carrying the structure to the next cycle; and plans keeping the version they were made
//! from.

use itf_planner::auth::policy::Role;

use crate::helpers::{
    TestApp, form_fields_in, post_and_expect_422, post_and_expect_redirect, signed_in_admin,
};

const STRUCTURE_2014: &str = "/admin/templates/2014-16/structure";
const STRUCTURE_2025: &str = "/admin/templates/2025-26/structure";

/// What a browser would send from the form on `page` that posts to `action` (its hidden fields,
/// text inputs, checked radios and textareas, all but the CSRF token), with `changes` made.
async fn form_with(
    app: &TestApp,
    page: &str,
    action: &str,
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let html = app.get_html(page).await;
    let mut fields = form_fields_in(&html, action).unwrap_or_else(|| panic!("a form on {page}"));
    let form = html
        .split("<form")
        .find(|form| form.contains(&format!("action=\"{action}\"")))
        .unwrap();
    let form = &form[..form.find("</form>").unwrap()];
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap()];
        let kind = attribute(tag, "type").unwrap_or_default();
        if kind == "text" || (kind == "radio" && tag.contains(" checked")) {
            fields.push((
                attribute(tag, "name").unwrap(),
                attribute(tag, "value").unwrap(),
            ));
        }
    }
    for textarea in form.split("<textarea").skip(1) {
        let (tag, rest) = textarea.split_once('>').unwrap();
        let text = &rest[..rest.find("</textarea>").unwrap()];
        // As browsers do: the newline just after the opening tag is not part of the value.
        fields.push((
            attribute(tag, "name").unwrap(),
            unescape(text.strip_prefix('\n').unwrap_or(text)),
        ));
    }
    for (name, value) in changes {
        fields.retain(|(field, _)| field != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// The stored structure's JSON for a template.
async fn stored(app: &TestApp, template: &str) -> serde_json::Value {
    let json: String = sqlx::query_scalar(
        "SELECT s.structure::text FROM template_structures s JOIN templates t ON t.id = s.template_id
         WHERE t.key = $1 ORDER BY s.id DESC LIMIT 1",
    )
    .bind(template)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    serde_json::from_str(&json).unwrap()
}

fn keys(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["key"].as_str().unwrap())
        .collect()
}

/// How many items a stored structure's `part` holds.
fn count(structure: &serde_json::Value, part: &str) -> usize {
    structure[part].as_array().unwrap().len()
}

/// Sends an item form of 2025-26's structure and expects to be back on the structure page.
async fn save_2025(app: &TestApp, action: &str, fields: &[(String, String)]) {
    post_and_expect_redirect(
        app,
        action,
        &borrowed(fields),
        &format!("{STRUCTURE_2025}?done=structure-saved"),
    )
    .await;
}

/// Opens the item form of 2025-26's structure at `item`, makes `changes` and saves it; the
/// structure as stored then.
async fn change_2025(app: &TestApp, item: &str, changes: &[(&str, &str)]) -> serde_json::Value {
    let fields = form_with(app, item, item, changes).await;
    save_2025(app, item, &fields).await;
    stored(app, "2025-26").await
}

/// The details of every audited change to a structure, oldest first.
async fn structure_changes(app: &TestApp) -> Vec<serde_json::Value> {
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT details::text FROM audit_log WHERE action = 'template_structure.changed'
         ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    details
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect()
}

/// Removes the item of 2025-26's structure at `item` with the page's own form; the item is gone.
async fn remove_2025(app: &TestApp, item: &str) {
    let remove = format!("{item}/remove");
    let fields = form_with(app, item, &remove, &[]).await;
    post_and_expect_redirect(
        app,
        &remove,
        &borrowed(&fields),
        &format!("{STRUCTURE_2025}?done=structure-item-removed"),
    )
    .await;
    assert_eq!(app.get(item).await.status(), 404);
}

#[tokio::test]
async fn both_built_in_templates_come_with_their_years_streams_metrics_conditions_and_dates() {
    let (app, _) = signed_in_admin().await;

    let old = stored(&app, "2014-16").await;
    assert_eq!(keys(&old["years"]), vec!["2014-15", "2015-16"]);
    assert_eq!(count(&old, "streams"), 8);
    assert_eq!(
        keys(&old["metrics"]),
        vec![
            "residential-admissions",
            "reablement-91-days",
            "delayed-transfers",
            "emergency-admissions",
            "patient-experience",
            "local",
            "non-elective-admissions"
        ]
    );
    assert_eq!(count(&old, "conditions"), 6);
    // The key dates the reference gives, added by a later migration as a new version.
    assert_eq!(
        keys(&old["dates"]),
        vec![
            "planning-guidance",
            "draft-plans",
            "final-plans",
            "revised-guidance",
            "workbook-amended",
            "resubmission",
            "plans-approved",
            "approval-conditions-met",
            "section-75-pools-live"
        ]
    );
    let page = app.get_html(STRUCTURE_2014).await;
    for text in [
        "Key dates",
        "4 April 2014",
        "Final plans due",
        "19 September 2014",
        "Pooled budgets live under section 75 agreements",
        "2014/15, 2015/16",
        "Disabled Facilities Grant",
        "Social care capital grant",
        "Total emergency (non-elective) admissions",
        "Yes: money is paid against the goals",
        "Seven-day services to support discharge and prevent admissions",
    ] {
        assert!(page.contains(text), "2014-16 structure shows {text:?}");
    }

    let current = stored(&app, "2025-26").await;
    assert_eq!(keys(&current["years"]), vec!["2025-26"]);
    assert_eq!(
        keys(&current["metrics"]),
        vec![
            "emergency-admissions-65-plus",
            "discharge-delay-days",
            "care-home-admissions-65-plus"
        ]
    );
    assert_eq!(
        keys(&current["conditions"]),
        vec!["nc1", "nc2", "nc3", "nc4"]
    );
    let mandated: Vec<&str> = current["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|stream| stream["mandated"] == true)
        .map(|stream| stream["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        mandated,
        vec![
            "nhs-minimum-contribution",
            "la-better-care-grant",
            "disabled-facilities-grant"
        ]
    );
    let dates: Vec<(&str, &str, &str, bool)> = current["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|date| {
            (
                date["key"].as_str().unwrap(),
                date["date"].as_str().unwrap(),
                date["kind"].as_str().unwrap(),
                date["unverified"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        dates,
        vec![
            ("policy-framework", "2025-01-30", "milestone", false),
            ("submission-guidance", "2025-01-31", "milestone", false),
            ("submission-deadline", "2025-03-31", "deadline", false),
            ("labcg-determination", "2025-05-14", "milestone", false),
            ("section-75-agreements", "2025-09-30", "deadline", true),
        ]
    );
    let page = app.get_html(STRUCTURE_2025).await;
    let section_75 = page
        .split("id=\"date-section-75-agreements\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the section 75 row");
    for text in [
        "30 September 2025",
        "Section 75 agreements in place",
        "Unverified",
        "Not found in the 2025-26 documents; 30 September follows the 2024-25 pattern",
        "Deadline",
    ] {
        assert!(
            section_75.contains(text),
            "the section 75 date shows {text:?}"
        );
    }
    for text in [
        "31 March 2025",
        "National submission deadline",
        "Local Authority Better Care Grant",
        "iBCF",
        "Average length of discharge delay",
        "NC4: Complying with oversight and support processes",
        "Unverified",
        "Q1 2025/26 (1 April 2025 to 30 June 2025)",
    ] {
        assert!(page.contains(text), "2025-26 structure shows {text:?}");
    }
    // Its narrative sections, the risks one among them.
    let template = app.get_html("/admin/templates/2025-26").await;
    for title in [
        "Overview of the BCF plan",
        "Objective 1: the shift from sickness to prevention",
        "Objective 2: the shift from hospital to home",
        "Metric goals and their rationale",
        "Risks and mitigation",
    ] {
        assert!(
            template.contains(title),
            "2025-26 has the section {title:?}"
        );
    }
    assert!(template.contains("/admin/templates/2025-26/structure"));
}

#[tokio::test]
async fn an_administrator_adds_a_key_date_with_a_mistake_fixes_changes_and_removes_it() {
    let (app, _) = signed_in_admin().await;
    let new = "/admin/templates/2025-26/structure/dates/new";
    let fields = form_with(
        &app,
        new,
        new,
        &[
            ("key", "hwb-approval"),
            ("title", "Health and Wellbeing Board approval"),
            ("date", "31/2/2025"),
            ("kind", "deadline"),
            ("unverified", "Local practice, not a national date"),
        ],
    )
    .await;
    let page = post_and_expect_422(&app, new, &borrowed(&fields)).await;
    assert!(page.contains("id=\"date-error\""), "{page}");
    assert!(page.contains("Enter the date as a real date, like 31/3/2025"));
    assert!(
        page.contains("value=\"31/2/2025\""),
        "the typed date is kept"
    );
    assert!(page.contains("Health and Wellbeing Board approval"));
    assert!(page.contains("Local practice, not a national date"));
    assert_eq!(count(&stored(&app, "2025-26").await, "dates"), 5);

    // Fixed, everything else as the error page kept it.
    let fixed: Vec<(String, String)> = fields
        .into_iter()
        .map(|(name, value)| match name.as_str() {
            "date" => (name, "28/2/2025".to_owned()),
            _ => (name, value),
        })
        .collect();
    save_2025(&app, new, &fixed).await;
    let current = stored(&app, "2025-26").await;
    assert_eq!(current["dates"][5]["key"], "hwb-approval");
    assert_eq!(current["dates"][5]["date"], "2025-02-28");
    assert_eq!(current["dates"][5]["kind"], "deadline");
    assert!(
        app.get_html(STRUCTURE_2025)
            .await
            .contains("28 February 2025")
    );

    // Changed: an ISO date, a milestone, and no longer unverified.
    let date = "/admin/templates/2025-26/structure/dates/hwb-approval";
    let page = app.get_html(date).await;
    assert!(page.contains("value=\"28/2/2025\""), "{page}");
    let current = change_2025(
        &app,
        date,
        &[
            ("date", "2025-05-16"),
            ("kind", "milestone"),
            ("unverified", ""),
        ],
    )
    .await;
    assert_eq!(current["dates"][5]["date"], "2025-05-16");
    assert_eq!(current["dates"][5]["kind"], "milestone");
    assert_eq!(current["dates"][5]["unverified"], serde_json::Value::Null);

    // A form opened before that change is refused with what was typed kept.
    let stale: Vec<(String, String)> = fixed
        .iter()
        .filter(|(name, _)| name != "key")
        .cloned()
        .map(|(name, value)| {
            if name == "title" {
                (name, "Board approval, typed on a stale page".to_owned())
            } else {
                (name, value)
            }
        })
        .collect();
    let response = app.post_form(date, &borrowed(&stale)).await;
    assert_eq!(response.status().as_u16(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("Someone else changed this template"));
    assert!(page.contains("Board approval, typed on a stale page"));

    // Removed.
    remove_2025(&app, date).await;
    assert_eq!(count(&stored(&app, "2025-26").await, "dates"), 5);

    let changes: Vec<(String, String, Option<String>, Option<String>)> = structure_changes(&app)
        .await
        .iter()
        .map(|change| {
            let date = |when: &str| change[when]["date"].as_str().map(str::to_owned);
            (
                change["part"].as_str().unwrap().to_owned(),
                change["item"].as_str().unwrap().to_owned(),
                date("before"),
                date("after"),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                "dates".into(),
                "hwb-approval".into(),
                None,
                Some("2025-02-28".into())
            ),
            (
                "dates".into(),
                "hwb-approval".into(),
                Some("2025-02-28".into()),
                Some("2025-05-16".into())
            ),
            (
                "dates".into(),
                "hwb-approval".into(),
                Some("2025-05-16".into()),
                None
            ),
        ]
    );
}

#[tokio::test]
async fn an_administrator_changes_adds_and_removes_items_and_each_change_is_audited() {
    let (app, _) = signed_in_admin().await;
    let stream = "/admin/templates/2025-26/structure/streams/la-better-care-grant";
    let current = change_2025(
        &app,
        stream,
        &[(
            "aliases",
            "LABCG\niBCF\nImproved Better Care Fund\nLA BCF grant",
        )],
    )
    .await;
    assert_eq!(
        current["streams"][1]["aliases"],
        serde_json::json!(["LABCG", "iBCF", "Improved Better Care Fund", "LA BCF grant"])
    );

    // A new metric, its periods one per line.
    let new = "/admin/templates/2025-26/structure/metrics/new";
    let current = change_2025(
        &app,
        new,
        &[
            ("key", "falls-65-plus"),
            ("name", "Falls (65+)"),
            (
                "definition",
                "Emergency admissions due to falls in people aged 65 and over.",
            ),
            ("unit", "per 100,000 population 65+"),
            ("better", "lower"),
            ("pay_for_performance", "no"),
            ("periods", "2025/26: 1/4/2025 to 31/3/2026"),
        ],
    )
    .await;
    assert_eq!(current["metrics"][3]["key"], "falls-65-plus");
    assert_eq!(current["metrics"][3]["periods"][0]["key"], "2025-26");
    assert_eq!(current["metrics"][3]["periods"][0]["ends"], "2026-03-31");

    // And removed again.
    let metric = "/admin/templates/2025-26/structure/metrics/falls-65-plus";
    remove_2025(&app, metric).await;
    assert_eq!(count(&stored(&app, "2025-26").await, "metrics"), 3);

    let changes: Vec<(String, String, String)> = structure_changes(&app)
        .await
        .iter()
        .map(|change| {
            (
                change["part"].as_str().unwrap().to_owned(),
                change["item"].as_str().unwrap().to_owned(),
                change["after"]["key"]
                    .as_str()
                    .unwrap_or("removed")
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                "streams".into(),
                "la-better-care-grant".into(),
                "la-better-care-grant".into()
            ),
            (
                "metrics".into(),
                "falls-65-plus".into(),
                "falls-65-plus".into()
            ),
            ("metrics".into(), "falls-65-plus".into(), "removed".into()),
        ]
    );
}

#[tokio::test]
async fn bad_input_is_refused_by_the_field_with_everything_typed_kept() {
    let (app, _) = signed_in_admin().await;
    let before = stored(&app, "2025-26").await;

    // A period that ends before it starts.
    let metric = "/admin/templates/2025-26/structure/metrics/discharge-delay-days";
    let fields = form_with(
        &app,
        metric,
        metric,
        &[
            ("name", "Discharge delay, as I typed it"),
            (
                "periods",
                "Q1 2025/26: 1/4/2025 to 30/6/2025\nQ2 2025/26: 30/9/2025 to 1/7/2025",
            ),
        ],
    )
    .await;
    let page = post_and_expect_422(&app, metric, &borrowed(&fields)).await;
    assert!(
        page.contains(
            "Line 2, &#34;Q2 2025/26: 30/9/2025 to 1/7/2025&#34;: the period ends before it starts"
        ),
        "{page}"
    );
    assert!(page.contains("id=\"periods-error\""));
    assert!(page.contains("Discharge delay, as I typed it"));

    // Another stream's name as an alias.
    let stream = "/admin/templates/2025-26/structure/streams/additional-la-contribution";
    let fields = form_with(&app, stream, stream, &[("aliases", "DFG")]).await;
    let page = post_and_expect_422(&app, stream, &borrowed(&fields)).await;
    assert!(
        page.contains("The name &#34;DFG&#34; is used by another stream"),
        "{page}"
    );
    assert!(page.contains("id=\"aliases-error\""));

    // A new condition whose short name is taken, and one with no title.
    let new = "/admin/templates/2025-26/structure/conditions/new";
    let fields = form_with(
        &app,
        new,
        new,
        &[("key", "nc1"), ("title", "Again"), ("text", "Text")],
    )
    .await;
    let page = post_and_expect_422(&app, new, &borrowed(&fields)).await;
    assert!(page.contains("already has a national condition with this short name"));
    let fields = form_with(
        &app,
        new,
        new,
        &[("key", "nc5"), ("title", " "), ("text", "Typed text")],
    )
    .await;
    let page = post_and_expect_422(&app, new, &borrowed(&fields)).await;
    assert!(page.contains("Enter its title"));
    assert!(page.contains("Typed text"));

    // Years that are not financial years.
    let years = "/admin/templates/2025-26/structure/years";
    let fields = form_with(&app, years, years, &[("years", "2025/26\n2025/27")]).await;
    let page = post_and_expect_422(&app, years, &borrowed(&fields)).await;
    assert!(page.contains("&#34;2025/27&#34; is not a financial year"));
    assert!(page.contains("2025/26\n2025/27"));

    assert_eq!(stored(&app, "2025-26").await, before, "nothing was saved");
}

#[tokio::test]
async fn two_administrators_saving_at_once_one_wins_and_the_other_is_told_with_their_text_kept() {
    let (app, _) = signed_in_admin().await;
    let other_admin = app
        .create_user(Role::Admin, None, "ITF planner support")
        .await;
    let second = app.another_browser();
    second.sign_in(&other_admin).await;
    let condition = "/admin/templates/2025-26/structure/conditions/nc3";
    let first_form = form_with(
        &app,
        condition,
        condition,
        &[("title", "NC3: first admin's title")],
    )
    .await;
    let second_form = form_with(
        &second,
        condition,
        condition,
        &[("title", "NC3: second admin's title")],
    )
    .await;
    let (first_fields, second_fields) = (borrowed(&first_form), borrowed(&second_form));
    let (one, two) = tokio::join!(
        app.post_form(condition, &first_fields),
        second.post_form(condition, &second_fields),
    );
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    let bodies = [one.text().await.unwrap(), two.text().await.unwrap()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "exactly one save wins");
    let loser = bodies
        .iter()
        .find(|body| body.contains("Someone else changed this template"))
        .expect("the loser is told");
    let title = stored(&app, "2025-26").await["conditions"][2]["title"]
        .as_str()
        .unwrap()
        .to_owned();
    let losing_title = if title.contains("first") {
        "NC3: second admin&#39;s title"
    } else {
        "NC3: first admin&#39;s title"
    };
    assert!(loser.contains(losing_title), "the loser's text is kept");
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM template_structures s JOIN templates t ON t.id = s.template_id
         WHERE t.key = '2025-26'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        versions, 4,
        "the built-in versions (the first, with its key dates, with its sign-off route) and the winner's"
    );
}

#[tokio::test]
async fn a_copy_for_the_next_cycle_carries_the_structure_and_plans_keep_the_version_they_were_made_from()
 {
    let (app, _) = signed_in_admin().await;
    post_and_expect_redirect(
        &app,
        "/admin/templates/2025-26/copy",
        &[("key", "2026-27"), ("name", "BCF plan 2026-27")],
        "/admin/templates/2026-27?done=template-copied",
    )
    .await;
    assert_eq!(stored(&app, "2026-27").await, stored(&app, "2025-26").await);

    // Rotherham starts a 2026-27 plan, then the administrator moves the cycle on a year.
    post_and_expect_redirect(
        &app,
        "/areas/rotherham/plans",
        &[("template", "2026-27")],
        "/areas/rotherham/plans/2026-27",
    )
    .await;
    let years = "/admin/templates/2026-27/structure/years";
    let fields = form_with(&app, years, years, &[("years", "2026/27")]).await;
    post_and_expect_redirect(
        &app,
        years,
        &borrowed(&fields),
        "/admin/templates/2026-27/structure?done=structure-saved",
    )
    .await;
    assert_eq!(
        keys(&stored(&app, "2026-27").await["years"]),
        vec!["2026-27"]
    );
    assert_eq!(
        keys(&stored(&app, "2025-26").await["years"]),
        vec!["2025-26"],
        "the source is untouched"
    );

    let plan_years: String = sqlx::query_scalar(
        "SELECT s.structure->'years'->0->>'key' FROM plans p
         JOIN template_structures s ON s.id = p.structure_id
         JOIN templates t ON t.id = p.template_id WHERE t.key = '2026-27'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        plan_years, "2025-26",
        "the plan keeps the version it was made from"
    );
    let page = app.get_html("/admin/templates/2026-27/structure").await;
    assert!(
        page.contains("1 plan was made from an earlier version of this structure and keeps it")
    );
}

/// The sign-off route form of 2025-26 as a browser sends it after `changes` (checkboxes sent
/// only when ticked, as browsers do).
fn route_fields(changes: &[(&str, &str)], based_on: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("based_on", based_on),
        ("signature_0_key", "icb-chief-executive"),
        ("signature_0_capacity", "Chief executive"),
        ("signature_0_organisations", "each_icb"),
        ("signature_1_key", "council-chief-executive"),
        ("signature_1_capacity", "Chief executive"),
        ("signature_1_organisations", "each_council"),
        ("signature_2_key", "council-section-151-officer"),
        ("signature_2_capacity", "Section 151 officer"),
        ("signature_2_organisations", "each_council"),
        ("signature_2_delegable", "yes"),
        ("board", "after_signatures"),
        ("chair_action_allowed", "yes"),
        ("submission_per_partner", "yes"),
        ("outcome_0_key", "approved"),
        ("outcome_0_label", "Approved"),
        ("outcome_0_approves", "yes"),
        ("outcome_1_key", "approved-with-conditions"),
        ("outcome_1_label", "Approved with conditions"),
        ("outcome_1_approves", "yes"),
        ("outcome_1_conditions", "yes"),
        ("outcome_2_key", "not-approved"),
        ("outcome_2_label", "Not approved"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect();
    for (name, value) in changes {
        fields.retain(|(field, _)| field != name);
        if !value.is_empty() {
            fields.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    fields
}

#[tokio::test]
async fn each_cycle_carries_its_sign_off_route_and_administrators_change_it_as_data() {
    let (app, _admin) = signed_in_admin().await;

    // Both built-in routes, as the structure pages show them.
    let page_2014 = app.get_html(STRUCTURE_2014).await;
    assert!(page_2014.contains("Chief or accountable officer: Each CCG"));
    assert!(page_2014.contains("Approved with support"));
    assert!(page_2014.contains("The area submits once"));
    let page_2025 = app.get_html(STRUCTURE_2025).await;
    assert!(page_2025.contains("Chief executive: Each council (cannot be delegated)"));
    assert!(page_2025.contains("Section 151 officer: Each council</li>"));
    assert!(page_2025.contains("Each partner submits at its own time"));
    assert!(page_2025.contains("a chair&#39;s action or delegated decision may stand in"));
    let stored_2025 = stored(&app, "2025-26").await;
    assert_eq!(stored_2025["sign_off"]["board"], "after_signatures");

    // The form shows what is stored and saving it unchanged stores nothing new.
    let route_page = format!("{STRUCTURE_2025}/sign-off");
    let html = app.get_html(&route_page).await;
    let based_on = form_fields_in(&html, &route_page)
        .unwrap()
        .into_iter()
        .find(|(name, _)| name == "based_on")
        .unwrap()
        .1;
    assert!(html.contains("value=\"Section 151 officer\""));
    let versions_before: i64 = sqlx::query_scalar("SELECT count(*) FROM template_structures")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    save_2025(&app, &route_page, &route_fields(&[], &based_on)).await;
    let versions_after: i64 = sqlx::query_scalar("SELECT count(*) FROM template_structures")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        versions_before, versions_after,
        "an unchanged route stores nothing"
    );

    // A route nobody could finish is refused by the field, with what was typed kept.
    let html = post_and_expect_422(
        &app,
        &route_page,
        &borrowed(&route_fields(
            &[
                ("outcome_2_label", ""),
                ("signature_3_capacity", "Director of adult social services"),
                ("signature_3_organisations", "each_council"),
            ],
            &based_on,
        )),
    )
    .await;
    assert!(html.contains("Enter at least one assurance outcome that does not approve the plan"));
    assert!(html.contains("value=\"Director of adult social services\""));

    // A change is a new version, audited; the new row gets a key from what was typed.
    save_2025(
        &app,
        &route_page,
        &route_fields(
            &[
                ("signature_3_capacity", "Director of adult social services"),
                ("signature_3_organisations", "each_council"),
                ("chair_action_allowed", ""),
            ],
            &based_on,
        ),
    )
    .await;
    let stored_2025 = stored(&app, "2025-26").await;
    let route = &stored_2025["sign_off"];
    assert_eq!(
        keys(&route["signatures"]),
        [
            "icb-chief-executive",
            "council-chief-executive",
            "council-section-151-officer",
            "each-council-director-of-adult-social-services"
        ]
    );
    assert_eq!(route["chair_action_allowed"], false);
    assert_eq!(
        structure_changes(&app).await.last().unwrap()["part"],
        "sign_off"
    );

    // A form opened on the earlier version is refused, keeping what was typed.
    let html = post_and_expect_conflict(
        &app,
        &route_page,
        &route_fields(
            &[("signature_0_capacity", "Accountable officer")],
            &based_on,
        ),
    )
    .await;
    assert!(html.contains("value=\"Accountable officer\""));
}

async fn post_and_expect_conflict(
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
) -> String {
    let response = app.post_form(path, &borrowed(fields)).await;
    assert_eq!(response.status(), 409);
    response.text().await.unwrap()
}
