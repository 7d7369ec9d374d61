//! Template administration: only administrators get in; copying a template for a new cycle,
//! adding, changing, reordering and removing its sections, plans of the template keeping every
//! section, and every change audited.

use itf_planner::auth::policy::Role;

use crate::helpers::{
    TestApp, based_on_in, location, post_and_expect_422, post_and_expect_redirect, signed_in_admin,
    spawn_app,
};

const TEMPLATE: &str = "/admin/templates/2014-16";
const COPY: &str = "/admin/templates/2015-16";

/// A second browser with a Kent area lead signed in.
async fn kent_lead(app: &TestApp) -> TestApp {
    let lead = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    let browser = app.another_browser();
    browser.sign_in(&lead).await;
    browser
}

/// Copies the 2014-16 template to 2015-16.
async fn copy_to_2015_16(app: &TestApp) {
    post_and_expect_redirect(
        app,
        "/admin/templates/2014-16/copy",
        &[("key", "2015-16"), ("name", "ITF/BCF plan 2015/16")],
        "/admin/templates/2015-16?done=template-copied",
    )
    .await;
}

/// The template's sections, in order: (key, position, title, guidance, kind, per organisation).
async fn sections(
    app: &TestApp,
    template: &str,
) -> Vec<(String, i32, String, String, String, bool)> {
    sqlx::query_as(
        "SELECT s.key, s.position, s.title, s.guidance, s.kind::text, s.per_organisation
         FROM template_sections s JOIN templates t ON t.id = s.template_id
         WHERE t.key = $1 ORDER BY s.position",
    )
    .bind(template)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn section_keys(app: &TestApp, template: &str) -> Vec<String> {
    sections(app, template)
        .await
        .into_iter()
        .map(|section| section.0)
        .collect()
}

/// The section titles of a task list page, in the order "All sections" shows them.
fn task_titles(html: &str) -> Vec<String> {
    let list = &html[html.find("govuk-task-list\"").expect("a task list")..];
    let marker = "govuk-task-list__link\"";
    list.match_indices(marker)
        .map(|(at, _)| {
            let rest = &list[at..];
            let start = rest.find('>').unwrap() + 1;
            let end = rest[start..].find('<').unwrap();
            rest[start..start + end].to_owned()
        })
        .collect()
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

#[tokio::test]
async fn non_admins_get_403_on_every_template_page_and_action() {
    let app = spawn_app().await;
    let lead = kent_lead(&app).await;
    let before = app.audit_actions().await;
    let routes: Vec<_> = itf_planner::routes()
        .into_iter()
        .filter(|route| route.path.starts_with("/admin/templates"))
        .collect();
    assert_eq!(routes.len(), 16, "every template route is walked");
    for route in routes {
        let path = route
            .path
            .replace("{key}", "2014-16")
            .replace("{section}", "vision")
            .replace("{part}", "streams")
            .replace("{item}", "disabled-facilities-grant");
        let response = if route.method == "GET" {
            lead.get(&path).await
        } else {
            lead.post_form(
                &path,
                &[
                    ("key", "taken-over"),
                    ("name", "Taken over"),
                    ("title", "Taken over"),
                    ("kind", "narrative"),
                    ("per_organisation", "no"),
                    ("direction", "up"),
                ],
            )
            .await
        };
        assert_eq!(response.status(), 403, "{} {path}", route.method);
    }
    assert_eq!(app.audit_actions().await, before, "nothing changed");
    assert_eq!(section_keys(&app, "2014-16").await.len(), 13);

    let visitor = app.another_browser();
    let response = visitor.get("/admin/templates").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
}

#[tokio::test]
async fn admin_copies_a_template_with_all_its_sections_in_order() {
    let (app, _admin) = signed_in_admin().await;
    let index = app.get_html("/admin").await;
    assert!(
        index.contains("href=\"/admin/templates\""),
        "index links to templates"
    );
    assert!(index.contains("Plan templates"));
    let list = app.get_html("/admin/templates").await;
    assert!(list.contains("ITF/BCF plan 2014/15–2015/16"));
    assert!(list.contains("action=\"/admin/templates/2014-16/copy\""));

    copy_to_2015_16(&app).await;
    let original = sections(&app, "2014-16").await;
    let copy = sections(&app, "2015-16").await;
    assert_eq!(copy.len(), 13);
    assert_eq!(copy, original, "same keys, order, titles, guidance, kinds");
    assert!(
        copy.iter().all(|section| !section.3.is_empty()),
        "guidance copied"
    );
    let copied_from: Option<String> = sqlx::query_scalar(
        "SELECT f.key FROM templates t JOIN templates f ON f.id = t.copied_from_id WHERE t.key = '2015-16'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(copied_from.as_deref(), Some("2014-16"));

    let page = app
        .get_html("/admin/templates/2015-16?done=template-copied")
        .await;
    assert!(page.contains("Template copied"), "success banner");
    assert!(page.contains("ITF/BCF plan 2015/16"));
    assert!(page.contains("Copied from"));
    assert!(page.contains("No: no plan uses this template yet"));
    assert!(page.contains("Case for change"));
    assert!(
        page.contains(">Remove<"),
        "an unused template's sections can be removed"
    );
    let list = app.get_html("/admin/templates").await;
    assert!(list.contains("href=\"/admin/templates/2015-16\""));

    // The same short name again: the form comes back with a message and what was typed.
    let body = post_and_expect_422(
        &app,
        "/admin/templates/2014-16/copy",
        &[("key", "2015-16"), ("name", "Another 2015/16")],
    )
    .await;
    assert!(body.contains("A template with this short name already exists"));
    assert!(body.contains("value=\"2015-16\""), "key kept");
    assert!(body.contains("value=\"Another 2015/16\""), "name kept");
    assert!(
        body.contains("href=\"#copy-2014-16-key\""),
        "summary links to the field"
    );

    // A malformed key and no name.
    let body = post_and_expect_422(
        &app,
        "/admin/templates/2014-16/copy",
        &[("key", "2016/17"), ("name", "  ")],
    )
    .await;
    assert!(body.contains("lower-case letters, numbers and single hyphens"));
    assert!(body.contains("Enter a name for the template"));
    assert!(body.contains("value=\"2016/17\""), "key kept");
    // An empty form, as a browser with nothing typed sends it.
    post_and_expect_422(&app, "/admin/templates/2014-16/copy", &[]).await;

    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "template.copied"), 1);
    let templates: i64 = sqlx::query_scalar("SELECT count(*) FROM templates")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        templates, 3,
        "only the good copy was made (beside the two built in)"
    );
}

#[tokio::test]
async fn admin_changes_a_sections_title_and_guidance() {
    let (app, _admin) = signed_in_admin().await;
    copy_to_2015_16(&app).await;
    let path = "/admin/templates/2015-16/sections/vision";
    let form = app.get_html(path).await;
    assert!(form.contains("value=\"Vision for health and care services\""));
    assert!(form.contains("Describe the vision for health and social care services"));
    assert!(form.contains("value=\"narrative\" selected"));
    assert!(form.contains("value=\"no\" checked"));
    let based_on = based_on_in(&form);

    post_and_expect_redirect(
        &app,
        path,
        &[
            ("based_on", &based_on),
            ("title", "Vision for 2015/16"),
            ("kind", "narrative"),
            ("per_organisation", "yes"),
            (
                "guidance",
                "Describe the vision.\r\n\r\n- What will change?",
            ),
        ],
        "/admin/templates/2015-16?done=section-updated",
    )
    .await;
    let vision = sections(&app, "2015-16").await.remove(2);
    assert_eq!(vision.0, "vision");
    assert_eq!(vision.2, "Vision for 2015/16");
    assert_eq!(vision.3, "Describe the vision.\n\n- What will change?");
    assert!(vision.5, "each partner now writes its own part");
    let page = app
        .get_html("/admin/templates/2015-16?done=section-updated")
        .await;
    assert!(page.contains("Section updated"));
    assert!(page.contains("Vision for 2015/16"));
    // The original template is untouched.
    assert_eq!(
        sections(&app, "2014-16").await[2].2,
        "Vision for health and care services"
    );

    // No title, an unknown kind, no answer and too much guidance: all typed text comes back.
    let long = "a".repeat(20_001);
    let body = post_and_expect_422(
        &app,
        path,
        &[("title", ""), ("kind", "poetry"), ("guidance", &long)],
    )
    .await;
    assert!(
        body.contains("Enter the section&#39;s title")
            || body.contains("Enter the section's title")
    );
    assert!(body.contains("Choose what kind of section this is"));
    assert!(body.contains("Choose whether each partner organisation writes its own part"));
    assert!(
        body.contains("The guidance must be 20,000 characters or fewer; it is 20,001 characters")
    );
    assert!(body.contains(&long), "the guidance typed is kept");
    assert_eq!(sections(&app, "2015-16").await[2].2, "Vision for 2015/16");

    // Saving without changes records nothing.
    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "template_section.updated"), 1);
    let based_on = based_on_in(&app.get_html(path).await);
    post_and_expect_redirect(
        &app,
        path,
        &[
            ("based_on", &based_on),
            ("title", "Vision for 2015/16"),
            ("kind", "narrative"),
            ("per_organisation", "yes"),
            ("guidance", "Describe the vision.\n\n- What will change?"),
        ],
        "/admin/templates/2015-16?done=section-updated",
    )
    .await;
    assert_eq!(app.audit_actions().await, actions);
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details::jsonb FROM audit_log WHERE action = 'template_section.updated'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        details["before"]["title"],
        "Vision for health and care services"
    );
    assert_eq!(details["after"]["title"], "Vision for 2015/16");
    assert_eq!(details["after"]["per_organisation"], true);
    assert!(details["after"].get("kind").is_none(), "only what changed");
}

#[tokio::test]
async fn moving_sections_changes_the_order_of_plans_made_from_the_template() {
    let (app, _admin) = signed_in_admin().await;
    copy_to_2015_16(&app).await;
    let base = "/admin/templates/2015-16/sections";
    let moved = "/admin/templates/2015-16?done=section-moved";
    post_and_expect_redirect(
        &app,
        &format!("{base}/vision/move"),
        &[("direction", "up")],
        moved,
    )
    .await;
    post_and_expect_redirect(
        &app,
        &format!("{base}/vision/move"),
        &[("direction", "up")],
        moved,
    )
    .await;
    post_and_expect_redirect(
        &app,
        &format!("{base}/engagement/move"),
        &[("direction", "up")],
        moved,
    )
    .await;
    post_and_expect_redirect(
        &app,
        &format!("{base}/authorisation-and-sign-off/move"),
        &[("direction", "down")],
        moved,
    )
    .await;
    let keys = section_keys(&app, "2015-16").await;
    assert_eq!(
        keys[..4],
        [
            "vision",
            "plan-details",
            "case-for-change",
            "authorisation-and-sign-off"
        ]
    );
    assert_eq!(keys[11..], ["engagement", "acute-sector-impact"]);
    let positions: Vec<i32> = sections(&app, "2015-16")
        .await
        .iter()
        .map(|s| s.1)
        .collect();
    assert_eq!(
        positions,
        (1..=13).collect::<Vec<_>>(),
        "positions stay 1 to 13"
    );
    assert_eq!(
        section_keys(&app, "2014-16").await[..3],
        ["plan-details", "authorisation-and-sign-off", "vision"],
        "the original keeps its order"
    );

    // Nothing before the first or after the last; no direction at all.
    let body =
        post_and_expect_422(&app, &format!("{base}/vision/move"), &[("direction", "up")]).await;
    assert!(body.contains("This section is already first"));
    let body = post_and_expect_422(
        &app,
        &format!("{base}/acute-sector-impact/move"),
        &[("direction", "down")],
    )
    .await;
    assert!(body.contains("This section is already last"));
    let body = post_and_expect_422(
        &app,
        &format!("{base}/vision/move"),
        &[("direction", "left")],
    )
    .await;
    assert!(body.contains("Choose whether to move the section up or down"));
    assert_eq!(section_keys(&app, "2015-16").await, keys, "nothing moved");

    // The admin page shows the new order, without "Move up" on the first section.
    let page = app.get_html("/admin/templates/2015-16").await;
    let vision = page.find("Vision for health and care services").unwrap();
    let details = page.find("Plan details").unwrap();
    assert!(vision < details);
    assert_eq!(page.matches(">Move up<").count(), 12);
    assert_eq!(page.matches(">Move down<").count(), 12);

    // A plan made from the copy lists its sections in the new order.
    let lead = kent_lead(&app).await;
    let response = lead
        .post_form("/areas/kent/plans", &[("template", "2015-16")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/areas/kent/plans/2015-16");
    let titles = task_titles(&lead.get_html("/areas/kent/plans/2015-16").await);
    assert_eq!(titles.len(), 13);
    assert_eq!(
        titles[..4],
        [
            "Vision for health and care services",
            "Plan details",
            "Case for change",
            "Authorisation and sign-off"
        ]
    );
    assert_eq!(
        titles[11..],
        [
            "Engagement",
            "National condition: impact on the acute sector"
        ]
    );
    // Reordering a used template reorders its plans' task lists too.
    post_and_expect_redirect(
        &app,
        &format!("{base}/plan-details/move"),
        &[("direction", "up")],
        moved,
    )
    .await;
    let titles = task_titles(&lead.get_html("/areas/kent/plans/2015-16").await);
    assert_eq!(
        titles[..2],
        ["Plan details", "Vision for health and care services"]
    );

    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "template_section.moved"), 5);
}

#[tokio::test]
async fn admin_adds_a_section_to_an_unused_template() {
    let (app, _admin) = signed_in_admin().await;
    copy_to_2015_16(&app).await;
    let add = "/admin/templates/2015-16/sections";

    // Nothing typed: every field has a message.
    let body = post_and_expect_422(&app, add, &[]).await;
    for message in [
        "Enter a short name for the section",
        "Enter the section&#39;s title",
        "Choose what kind of section this is",
        "Choose whether each partner organisation writes its own part",
    ] {
        let message_plain = message.replace("&#39;", "'");
        assert!(
            body.contains(message) || body.contains(&message_plain),
            "{message}"
        );
    }
    // A key taken by another section of the template: the form keeps what was typed.
    let body = post_and_expect_422(
        &app,
        add,
        &[
            ("key", "vision"),
            ("title", "Another vision"),
            ("kind", "metrics"),
            ("per_organisation", "yes"),
            ("guidance", "Keep this guidance"),
        ],
    )
    .await;
    assert!(body.contains("This template already has a section with this short name"));
    assert!(body.contains("value=\"vision\""));
    assert!(body.contains("value=\"Another vision\""));
    assert!(body.contains("value=\"metrics\" selected"));
    assert!(body.contains("value=\"yes\" checked"));
    assert!(body.contains("Keep this guidance"));
    assert_eq!(section_keys(&app, "2015-16").await.len(), 13);

    post_and_expect_redirect(
        &app,
        add,
        &[
            ("key", "better-care-metrics"),
            ("title", "Better care metrics"),
            ("kind", "metrics"),
            ("per_organisation", "no"),
            ("guidance", "Baseline and plan for each national metric."),
        ],
        "/admin/templates/2015-16?done=section-added",
    )
    .await;
    let last = sections(&app, "2015-16").await.pop().unwrap();
    assert_eq!(
        last,
        (
            "better-care-metrics".to_owned(),
            14,
            "Better care metrics".to_owned(),
            "Baseline and plan for each national metric.".to_owned(),
            "metrics".to_owned(),
            false
        )
    );
    let page = app
        .get_html("/admin/templates/2015-16?done=section-added")
        .await;
    assert!(page.contains("Section added"));
    assert!(page.contains("Better care metrics"));
    assert_eq!(
        section_keys(&app, "2014-16").await.len(),
        13,
        "original untouched"
    );
    assert_eq!(
        count(&app.audit_actions().await, "template_section.added"),
        1
    );
}

#[tokio::test]
async fn a_section_added_to_a_used_template_is_added_to_its_plans() {
    let (app, _admin) = signed_in_admin().await;
    // Kent's and Rotherham's demo plans use the 2014-16 template.
    let page = app.get_html(TEMPLATE).await;
    assert!(
        page.contains("Yes: 2 plans use this template"),
        "Kent's and Rotherham's"
    );
    post_and_expect_redirect(
        &app,
        "/admin/templates/2014-16/sections",
        &[
            ("key", "local-metric"),
            ("title", "Local metric"),
            ("kind", "metrics"),
            ("per_organisation", "yes"),
            ("guidance", ""),
        ],
        "/admin/templates/2014-16?done=section-added",
    )
    .await;
    let lead = kent_lead(&app).await;
    let titles = task_titles(&lead.get_html("/areas/kent/plans/2014-16").await);
    assert_eq!(titles.len(), 14);
    assert_eq!(titles.last().map(String::as_str), Some("Local metric"));
    let section = lead
        .get_html("/areas/kent/plans/2014-16/sections/local-metric")
        .await;
    assert!(section.contains("Local metric"));
    let missing: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM plans p JOIN template_sections ts ON ts.template_id = p.template_id
         WHERE NOT EXISTS (SELECT 1 FROM plan_sections s
                           WHERE s.plan_id = p.id AND s.template_section_id = ts.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(missing, 0, "every plan has every section of its template");
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details::jsonb FROM audit_log WHERE action = 'template_section.added'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(details["added_to_plans"], 2, "Kent's and Rotherham's");
    assert_eq!(details["after"]["key"], "local-metric");
}

#[tokio::test]
async fn sections_are_removed_only_from_templates_no_plan_uses() {
    let (app, _admin) = signed_in_admin().await;
    copy_to_2015_16(&app).await;
    post_and_expect_redirect(
        &app,
        "/admin/templates/2015-16/sections/alignment/remove",
        &[],
        "/admin/templates/2015-16?done=section-removed",
    )
    .await;
    let remaining = sections(&app, "2015-16").await;
    assert_eq!(remaining.len(), 12);
    assert!(remaining.iter().all(|section| section.0 != "alignment"));
    let positions: Vec<i32> = remaining.iter().map(|s| s.1).collect();
    assert_eq!(positions, (1..=12).collect::<Vec<_>>(), "no gap left");
    assert!(
        app.get_html("/admin/templates/2015-16?done=section-removed")
            .await
            .contains("Section removed")
    );
    assert_eq!(
        app.get("/admin/templates/2015-16/sections/alignment")
            .await
            .status(),
        404
    );

    // Kent's and Rotherham's plans use 2014-16: no Remove buttons, and removing anyway is refused.
    let page = app.get_html(TEMPLATE).await;
    assert!(
        !page.contains(">Remove<"),
        "no Remove button on a used template"
    );
    let body = post_and_expect_422(
        &app,
        "/admin/templates/2014-16/sections/alignment/remove",
        &[],
    )
    .await;
    assert!(body.contains("You cannot remove"));
    assert!(body.contains("2 plans use this template"));
    assert_eq!(section_keys(&app, "2014-16").await.len(), 13);

    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "template_section.removed"), 1);
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details::jsonb FROM audit_log WHERE action = 'template_section.removed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(details["before"]["key"], "alignment");
    assert!(
        details["before"]["guidance"]
            .as_str()
            .unwrap()
            .starts_with("Explain how the plan fits"),
        "the removed guidance is kept in the audit log"
    );
}

#[tokio::test]
async fn unknown_templates_and_sections_are_not_found() {
    let (app, _admin) = signed_in_admin().await;
    for path in [
        "/admin/templates/2099-00",
        "/admin/templates/NOT-A-KEY",
        "/admin/templates/2014-16/sections/nothing",
        "/admin/templates/2014-16/sections/Vision",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "GET {path}");
    }
    for path in [
        "/admin/templates/2099-00/copy",
        "/admin/templates/2099-00/sections",
        "/admin/templates/2014-16/sections/nothing",
        "/admin/templates/2014-16/sections/nothing/move",
        "/admin/templates/2014-16/sections/nothing/remove",
    ] {
        let response = app
            .post_form(path, &[("direction", "up"), ("key", "x"), ("name", "x")])
            .await;
        assert_eq!(response.status(), 404, "POST {path}");
    }
}

#[tokio::test]
async fn names_and_titles_with_markup_are_shown_escaped() {
    let (app, _admin) = signed_in_admin().await;
    let evil = "<script>alert(1)</script> plan";
    post_and_expect_redirect(
        &app,
        "/admin/templates/2014-16/copy",
        &[("key", "evil"), ("name", evil)],
        "/admin/templates/evil?done=template-copied",
    )
    .await;
    post_and_expect_redirect(
        &app,
        "/admin/templates/evil/sections",
        &[
            ("key", "evil-section"),
            ("title", evil),
            ("kind", "narrative"),
            ("per_organisation", "no"),
            ("guidance", evil),
        ],
        "/admin/templates/evil?done=section-added",
    )
    .await;
    let refused = post_and_expect_422(
        &app,
        "/admin/templates/evil/copy",
        &[("key", "evil"), ("name", evil)],
    )
    .await;
    for page in [
        refused,
        app.get_html("/admin/templates").await,
        app.get_html("/admin/templates/evil").await,
        app.get_html("/admin/templates/evil/sections/evil-section")
            .await,
    ] {
        assert!(!page.contains("<script>alert(1)"), "markup is escaped");
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "the text is shown, escaped"
        );
    }
}

#[tokio::test]
async fn template_pages_contain_no_inline_script_or_style() {
    let (app, _admin) = signed_in_admin().await;
    for path in [
        "/admin/templates",
        TEMPLATE,
        "/admin/templates/2014-16/sections/case-for-change",
    ] {
        let body = app.get_html(path).await;
        for forbidden in ["<script>", "style=\"", "<style", " onclick=", " onload="] {
            assert!(!body.contains(forbidden), "{path} contains {forbidden}");
        }
        assert!(body.contains("csrf_token"), "{path} has forms");
    }
    copy_to_2015_16(&app).await;
    assert!(app.get_html(COPY).await.contains("Copied from"));
}

#[tokio::test]
async fn two_admins_editing_one_section_do_not_overwrite_each_other() {
    let (app, _admin) = signed_in_admin().await;
    copy_to_2015_16(&app).await;
    let other_admin = app
        .create_user(Role::Admin, None, "ITF planner support")
        .await;
    let other = app.another_browser();
    app.clock.advance(time::Duration::seconds(31));
    other.sign_in(&other_admin).await;
    let path = "/admin/templates/2015-16/sections/engagement";
    let mine = based_on_in(&app.get_html(path).await);
    let theirs = based_on_in(&other.get_html(path).await);
    assert_eq!(mine, theirs);

    let fields = |based_on: &str, guidance: &str| {
        vec![
            ("based_on".to_owned(), based_on.to_owned()),
            ("title".to_owned(), "Engagement".to_owned()),
            ("kind".to_owned(), "engagement".to_owned()),
            ("per_organisation".to_owned(), "no".to_owned()),
            ("guidance".to_owned(), guidance.to_owned()),
        ]
    };
    let post = |browser: &crate::helpers::TestApp, fields: Vec<(String, String)>| {
        let browser = browser.clone();
        async move {
            let borrowed: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            browser.post_form(path, &borrowed).await
        }
    };
    let response = post(&other, fields(&theirs, "Their guidance")).await;
    assert_eq!(response.status(), 303);
    let response = post(&app, fields(&mine, "My guidance")).await;
    assert_eq!(
        response.status(),
        409,
        "the second save is refused, not silently applied"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("Someone else changed this section"));
    assert!(page.contains("My guidance"), "what was typed is kept");
    assert_eq!(
        sections(&app, "2015-16").await.remove(12).3,
        "Their guidance"
    );

    let response = post(&app, fields(&based_on_in(&page), "My guidance")).await;
    assert_eq!(response.status(), 303, "saving again, knowingly, works");
    assert_eq!(sections(&app, "2015-16").await.remove(12).3, "My guidance");
}
