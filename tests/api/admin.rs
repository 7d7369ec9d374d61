//! The administration pages: only administrators get in; organisations, areas, members, users,
//! grants and the audit log, each change audited.

use itf_planner::areas::{AreaId, OrganisationId};
use itf_planner::audit::{self, Actor, Event};
use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;

use crate::helpers::{
    TestApp, TestUser, based_on_in, location, post_and_expect_422, post_and_expect_redirect,
    signed_in_admin, spawn_app,
};

async fn organisation_id(app: &TestApp, name: &str) -> OrganisationId {
    itf_planner::areas::store::find_organisation_id(&app.pool, name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("organisation {name} exists"))
}

async fn area_id(app: &TestApp, slug: &str) -> AreaId {
    itf_planner::areas::store::find_area_by_slug(&app.pool, slug)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("area {slug} exists"))
        .id
}

/// The one-time password on an "account created" or "password reset" page.
fn one_time_password_in(html: &str) -> String {
    let marker = "id=\"one-time-password\">";
    let start = html.find(marker).expect("one-time password shown") + marker.len();
    let end = html[start..].find('<').unwrap();
    html[start..start + end].trim().to_owned()
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

#[tokio::test]
async fn non_admins_get_403_on_every_admin_page_and_action() {
    let app = spawn_app().await;
    let lead = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&lead).await;
    let organisation = organisation_id(&app, "Kent County Council")
        .await
        .to_string();
    let user = lead.id.to_string();
    let before = app.audit_actions().await;
    let admin_routes: Vec<_> = itf_planner::routes()
        .into_iter()
        .filter(|route| route.path.starts_with("/admin"))
        .collect();
    assert!(admin_routes.len() >= 20, "every admin route is walked");
    for route in admin_routes {
        let path = route
            .path
            .replace("{slug}", "kent")
            .replace("{organisation_id}", &organisation)
            .replace("{grant_id}", "1")
            .replace(
                "{id}",
                if route.path.starts_with("/admin/users") {
                    &user
                } else {
                    &organisation
                },
            );
        let response = if route.method == "GET" {
            app.get(&path).await
        } else {
            app.post_form(&path, &[("name", "Taken over"), ("role", "admin")])
                .await
        };
        assert_eq!(response.status(), 403, "{} {path}", route.method);
    }
    assert_eq!(app.audit_actions().await, before, "nothing changed");

    // Someone not signed in is sent to sign in first.
    let visitor = app.another_browser();
    let response = visitor.get("/admin/users").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
}

#[tokio::test]
async fn admin_adds_and_edits_an_organisation_and_bad_input_comes_back_with_messages() {
    let (app, _admin) = signed_in_admin().await;
    let index = app.get_html("/admin").await;
    for section in [
        "/admin/organisations",
        "/admin/areas",
        "/admin/users",
        "/admin/audit",
    ] {
        assert!(index.contains(section), "index links to {section}");
    }
    assert!(
        app.get_html("/admin/organisations/new")
            .await
            .contains("Add an organisation")
    );

    // A bad ODS code: the form comes back with a message and everything typed.
    let body = post_and_expect_422(
        &app,
        "/admin/organisations/new",
        &[
            ("name", "Medway Council"),
            ("kind", "council"),
            ("ods_code", "0-9"),
        ],
    )
    .await;
    assert!(body.contains("ODS code must only contain letters and numbers"));
    assert!(body.contains("value=\"Medway Council\""), "name kept");
    assert!(body.contains("value=\"0-9\""), "code kept");
    assert!(body.contains("value=\"council\" checked"), "kind kept");

    // Missing name and kind.
    let body = post_and_expect_422(&app, "/admin/organisations/new", &[]).await;
    assert!(
        body.contains("Enter the organisation&#39;s name")
            || body.contains("Enter the organisation's name")
    );
    assert!(body.contains("Choose what kind of organisation this is"));

    // Clashes with existing organisations are messages, not 500s.
    let body = post_and_expect_422(
        &app,
        "/admin/organisations/new",
        &[("name", "NHS Swale CCG"), ("kind", "ccg"), ("ods_code", "")],
    )
    .await;
    assert!(body.contains("An organisation with this name already exists"));
    let body = post_and_expect_422(
        &app,
        "/admin/organisations/new",
        &[
            ("name", "NHS Medway CCG"),
            ("kind", "ccg"),
            ("ods_code", "09c"),
        ],
    )
    .await;
    assert!(body.contains("Another organisation already has this ODS code"));

    post_and_expect_redirect(
        &app,
        "/admin/organisations/new",
        &[
            ("name", "  NHS Medway CCG "),
            ("kind", "ccg"),
            ("ods_code", "09w"),
        ],
        "/admin/organisations?done=organisation-added",
    )
    .await;
    let list = app
        .get_html("/admin/organisations?done=organisation-added")
        .await;
    assert!(list.contains("Organisation added"), "success banner");
    assert!(list.contains("NHS Medway CCG"));
    assert!(list.contains("09W"), "ODS code upper-cased");

    let id = organisation_id(&app, "NHS Medway CCG").await;
    let path = format!("/admin/organisations/{id}");
    let form = app.get_html(&path).await;
    assert!(form.contains("value=\"NHS Medway CCG\""));
    assert!(form.contains("value=\"ccg\" checked"));
    let based_on = based_on_in(&form);
    let body = post_and_expect_422(
        &app,
        &path,
        &[
            ("based_on", &based_on),
            ("name", "NHS Thanet CCG"),
            ("kind", "ccg"),
            ("ods_code", "09W"),
        ],
    )
    .await;
    assert!(body.contains("An organisation with this name already exists"));
    post_and_expect_redirect(
        &app,
        &path,
        &[
            ("based_on", &based_on),
            ("name", "NHS Medway Clinical Commissioning Group"),
            ("kind", "ccg"),
            ("ods_code", ""),
        ],
        "/admin/organisations?done=organisation-updated",
    )
    .await;
    let (name, ods_code): (String, Option<String>) =
        sqlx::query_as("SELECT name, ods_code FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "NHS Medway Clinical Commissioning Group");
    assert_eq!(ods_code, None);

    // A board must stay a board.
    let board = organisation_id(&app, "Kent Health and Wellbeing Board").await;
    let board_path = format!("/admin/organisations/{board}");
    let based_on = based_on_in(&app.get_html(&board_path).await);
    let body = post_and_expect_422(
        &app,
        &board_path,
        &[
            ("based_on", &based_on),
            ("name", "Kent Health and Wellbeing Board"),
            ("kind", "council"),
            ("ods_code", ""),
        ],
    )
    .await;
    assert!(body.contains("must stay a Health and Wellbeing Board"));

    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "organisation.created"), 1);
    assert_eq!(count(&actions, "organisation.updated"), 1);
    let details: String =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'organisation.updated'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(details.contains("\"before\"") && details.contains("NHS Medway CCG"));
    assert!(details.contains("NHS Medway Clinical Commissioning Group"));
}

#[tokio::test]
async fn admin_creates_an_area_and_adds_and_removes_a_member() {
    let (app, _admin) = signed_in_admin().await;
    post_and_expect_redirect(
        &app,
        "/admin/organisations/new",
        &[
            ("name", "Medway Health and Wellbeing Board"),
            ("kind", "hwb"),
        ],
        "/admin/organisations?done=organisation-added",
    )
    .await;
    let board = organisation_id(&app, "Medway Health and Wellbeing Board")
        .await
        .to_string();
    let kent_board = organisation_id(&app, "Kent Health and Wellbeing Board")
        .await
        .to_string();
    let form = app.get_html("/admin/areas/new").await;
    assert!(form.contains("Medway Health and Wellbeing Board"));
    assert!(
        !form.contains(&format!("value=\"{kent_board}\"")),
        "Kent's board is taken"
    );

    let body = post_and_expect_422(
        &app,
        "/admin/areas/new",
        &[("slug", "Medway!"), ("name", "Medway"), ("board", &board)],
    )
    .await;
    assert!(body.contains("lower-case letters"));
    assert!(body.contains("value=\"Medway!\""), "slug kept");
    assert!(
        body.contains(&format!("value=\"{board}\" selected")),
        "board kept"
    );
    let body = post_and_expect_422(
        &app,
        "/admin/areas/new",
        &[("slug", "kent"), ("name", "Medway"), ("board", &board)],
    )
    .await;
    assert!(body.contains("An area with this short name already exists"));
    let body = post_and_expect_422(
        &app,
        "/admin/areas/new",
        &[
            ("slug", "medway"),
            ("name", "Medway"),
            ("board", &kent_board),
        ],
    )
    .await;
    assert!(body.contains("Choose the Health and Wellbeing Board"));

    post_and_expect_redirect(
        &app,
        "/admin/areas/new",
        &[("slug", "medway"), ("name", "Medway"), ("board", &board)],
        "/admin/areas/medway?done=area-added",
    )
    .await;
    let page = app.get_html("/admin/areas/medway?done=area-added").await;
    assert!(page.contains("Area added"));
    assert!(page.contains("Medway Health and Wellbeing Board"));
    assert!(
        app.get_html("/admin/areas")
            .await
            .contains("/admin/areas/medway")
    );
    let medway = area_id(&app, "medway").await;

    // Add a member, then remove it.
    let council = organisation_id(&app, "Kent County Council")
        .await
        .to_string();
    let body = post_and_expect_422(
        &app,
        "/admin/areas/medway/members",
        &[("organisation", &council)],
    )
    .await;
    assert!(body.contains("Choose whether this organisation signs the plan"));
    assert!(
        !body.contains("not already a member"),
        "only the missing answer"
    );
    assert!(
        body.contains(&format!("value=\"{council}\" selected")),
        "choice kept"
    );
    post_and_expect_redirect(
        &app,
        "/admin/areas/medway/members",
        &[("organisation", &council), ("signs_plan", "yes")],
        "/admin/areas/medway?done=member-added",
    )
    .await;
    let page = app.get_html("/admin/areas/medway?done=member-added").await;
    assert!(page.contains("Organisation added to the area"));
    assert!(page.contains(&format!("/admin/areas/medway/members/{council}/remove")));
    let body = post_and_expect_422(
        &app,
        "/admin/areas/medway/members",
        &[("organisation", &council), ("signs_plan", "no")],
    )
    .await;
    assert!(body.contains("not already a member"));
    post_and_expect_redirect(
        &app,
        &format!("/admin/areas/medway/members/{council}/remove"),
        &[],
        "/admin/areas/medway?done=member-removed",
    )
    .await;
    let page = app.get_html("/admin/areas/medway").await;
    assert!(!page.contains(&format!("/admin/areas/medway/members/{council}/remove")));
    let response = app
        .post_form(
            &format!("/admin/areas/medway/members/{council}/remove"),
            &[],
        )
        .await;
    assert_eq!(response.status(), 404, "not a member any more");

    // Rename it.
    let based_on = based_on_in(&page);
    let body = post_and_expect_422(
        &app,
        "/admin/areas/medway",
        &[("based_on", &based_on), ("name", " "), ("board", &board)],
    )
    .await;
    assert!(body.contains("Enter the area"));
    post_and_expect_redirect(
        &app,
        "/admin/areas/medway",
        &[
            ("based_on", &based_on),
            ("name", "Medway Towns"),
            ("board", &board),
        ],
        "/admin/areas/medway?done=area-updated",
    )
    .await;
    assert!(
        app.get_html("/admin/areas/medway")
            .await
            .contains("Medway Towns")
    );

    let area_actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE area_id = $1 ORDER BY id")
            .bind(medway)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        area_actions,
        [
            "area.created",
            "area_member.added",
            "area_member.removed",
            "area.updated"
        ]
    );
}

#[tokio::test]
async fn admin_creates_a_user_whose_one_time_password_must_be_changed_at_sign_in() {
    let (app, _admin) = signed_in_admin().await;
    let council = organisation_id(&app, "Kent County Council")
        .await
        .to_string();
    let form = app.get_html("/admin/users/new").await;
    assert!(form.contains("Kent County Council"));

    let body = post_and_expect_422(
        &app,
        "/admin/users/new",
        &[
            ("email", "sam@kent"),
            ("name", "Sam Smith"),
            ("organisation", ""),
        ],
    )
    .await;
    assert!(body.contains("Enter an email address in the correct format"));
    assert!(body.contains("Choose the organisation they work for"));
    assert!(body.contains("value=\"sam@kent\"") && body.contains("value=\"Sam Smith\""));
    let body = post_and_expect_422(
        &app,
        "/admin/users/new",
        &[
            ("email", "KENT.LEAD@itf.example"),
            ("name", "Sam Smith"),
            ("organisation", &council),
        ],
    )
    .await;
    assert!(body.contains("An account with this email address already exists"));

    let response = app
        .post_form(
            "/admin/users/new",
            &[
                ("email", "sam.smith@kent.gov.uk"),
                ("name", "Sam Smith"),
                ("organisation", &council),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "shown once, not redirected");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.text().await.unwrap();
    assert!(body.contains("must change it at first sign-in"));
    let password = one_time_password_in(&body);
    assert!(password.len() >= 20, "{password}");
    assert!(
        app.get_html("/admin/users")
            .await
            .contains("sam.smith@kent.gov.uk")
    );

    let sam = TestUser {
        id: UserId::new(0),
        email: "sam.smith@kent.gov.uk".into(),
        password,
        totp_secret: None,
    };
    let browser = app.another_browser();
    browser.sign_in(&sam).await;
    let response = browser.get("/areas/kent").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account/password");
    assert_eq!(count(&app.audit_actions().await, "user.created"), 1);
}

#[tokio::test]
async fn admin_adds_an_area_grant_that_opens_the_area_and_removing_it_closes_it() {
    let (app, _admin) = signed_in_admin().await;
    let officer = app
        .create_user(
            Role::Officer,
            Some("rotherham"),
            "Rotherham Metropolitan Borough Council",
        )
        .await;
    let browser = app.another_browser();
    browser.sign_in(&officer).await;
    assert_eq!(browser.get("/areas/kent").await.status(), 404);

    let path = format!("/admin/users/{}/grants", officer.id);
    let kent = area_id(&app, "kent").await.to_string();
    let body = post_and_expect_422(&app, &path, &[("role", "officer"), ("area", "")]).await;
    assert!(body.contains("Choose the area in which they are an officer"));
    let body = post_and_expect_422(&app, &path, &[("role", "assurer"), ("area", &kent)]).await;
    assert!(body.contains("assurers work across every area"));
    assert!(
        body.contains("value=\"assurer\" selected")
            && body.contains(&format!("value=\"{kent}\" selected"))
    );
    let body = post_and_expect_422(&app, &path, &[("role", "overlord"), ("area", &kent)]).await;
    assert!(body.contains("Choose a role"));

    let user_page = format!("/admin/users/{}", officer.id);
    // Rotherham's council is not a partner in Kent: the role is given once that is confirmed.
    post_and_expect_redirect(
        &app,
        &path,
        &[("role", "officer"), ("area", &kent), ("not_partner", "yes")],
        &format!("{user_page}?done=grant-added"),
    )
    .await;
    assert!(
        app.get_html(&format!("{user_page}?done=grant-added"))
            .await
            .contains("Role added")
    );
    let body = post_and_expect_422(
        &app,
        &path,
        &[("role", "officer"), ("area", &kent), ("not_partner", "yes")],
    )
    .await;
    assert!(body.contains("They already have this role in this area"));
    assert_eq!(
        browser.get("/areas/kent").await.status(),
        200,
        "the grant works at once"
    );

    let grant_id: i64 =
        sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1 AND area_id = $2")
            .bind(officer.id)
            .bind(area_id(&app, "kent").await)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    post_and_expect_redirect(
        &app,
        &format!("{user_page}/grants/{grant_id}/remove"),
        &[],
        &format!("{user_page}?done=grant-removed"),
    )
    .await;
    assert_eq!(
        browser.get("/areas/kent").await.status(),
        404,
        "removed at once"
    );
    assert_eq!(browser.get("/areas/rotherham").await.status(), 200);

    let response = app
        .post_form(&format!("{user_page}/grants/{grant_id}/remove"), &[])
        .await;
    assert_eq!(response.status(), 404, "already removed");
    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "grant.added"), 1);
    assert_eq!(count(&actions, "grant.removed"), 1);
}

#[tokio::test]
async fn admin_cannot_disable_themselves_or_remove_their_own_admin_role() {
    let (app, admin) = signed_in_admin().await;
    let page = format!("/admin/users/{}", admin.id);
    let body = post_and_expect_422(&app, &format!("{page}/disable"), &[]).await;
    assert!(body.contains("You cannot disable your own account"));
    let grant_id: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(admin.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let body = post_and_expect_422(&app, &format!("{page}/grants/{grant_id}/remove"), &[]).await;
    assert!(body.contains("You cannot remove your own administrator role"));
    assert!(app.is_signed_in().await);
    assert_eq!(
        app.get("/admin").await.status(),
        200,
        "still an administrator"
    );
}

#[tokio::test]
async fn admin_can_disable_a_user_and_their_sessions_end() {
    let (app, _admin) = signed_in_admin().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let browser = app.another_browser();
    browser.sign_in(&officer).await;
    assert!(browser.is_signed_in().await);

    let page = format!("/admin/users/{}", officer.id);
    post_and_expect_redirect(
        &app,
        &format!("{page}/disable"),
        &[],
        &format!("{page}?done=user-disabled"),
    )
    .await;
    let body = app.get_html(&format!("{page}?done=user-disabled")).await;
    assert!(body.contains("Account disabled"));
    assert!(body.contains("Disabled"));
    assert!(!browser.is_signed_in().await, "their session has ended");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(officer.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    let response = browser
        .post_form(
            "/sign-in",
            &[("email", &officer.email), ("password", &officer.password)],
        )
        .await;
    assert_eq!(response.status(), 422, "a disabled account cannot sign in");

    post_and_expect_redirect(
        &app,
        &format!("{page}/enable"),
        &[],
        &format!("{page}?done=user-enabled"),
    )
    .await;
    browser.sign_in(&officer).await;
    assert!(browser.is_signed_in().await);

    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "user.disabled"), 1);
    assert_eq!(count(&actions, "user.enabled"), 1);
}

#[tokio::test]
async fn admin_resets_a_password_and_the_new_one_must_be_changed() {
    let (app, _admin) = signed_in_admin().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let browser = app.another_browser();
    browser.sign_in(&officer).await;

    let response = app
        .post_form(&format!("/admin/users/{}/reset-password", officer.id), &[])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let password = one_time_password_in(&response.text().await.unwrap());
    assert!(!browser.is_signed_in().await, "signed out everywhere");

    let old = browser
        .post_form(
            "/sign-in",
            &[("email", &officer.email), ("password", &officer.password)],
        )
        .await;
    assert_eq!(old.status(), 422, "the old password no longer works");
    browser
        .sign_in(&TestUser {
            password,
            ..officer.clone()
        })
        .await;
    let response = browser.get("/areas/kent").await;
    assert_eq!(location(&response), "/account/password");
    assert_eq!(count(&app.audit_actions().await, "user.password_reset"), 1);
}

#[tokio::test]
async fn admin_resets_two_factor_for_a_lost_phone() {
    let (app, _admin) = signed_in_admin().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "Kent County Council")
        .await;
    let page = format!("/admin/users/{}", signatory.id);
    assert!(
        app.get_html(&page)
            .await
            .contains("Reset two-factor authentication")
    );
    post_and_expect_redirect(
        &app,
        &format!("{page}/reset-two-factor"),
        &[],
        &format!("{page}?done=two-factor-reset"),
    )
    .await;
    let enabled: bool =
        sqlx::query_scalar("SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1")
            .bind(signatory.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!enabled);
    // They sign in with their password alone and must set up two-factor again.
    let browser = app.another_browser();
    browser
        .sign_in(&TestUser {
            totp_secret: None,
            ..signatory.clone()
        })
        .await;
    assert_eq!(
        location(&browser.get("/areas/kent").await),
        "/account/two-factor"
    );
    assert_eq!(
        count(&app.audit_actions().await, "user.two_factor_reset"),
        1
    );
}

#[tokio::test]
async fn unknown_or_malformed_ids_and_slugs_are_not_found() {
    let (app, admin) = signed_in_admin().await;
    for path in [
        "/admin/organisations/999999",
        "/admin/organisations/abc",
        "/admin/organisations/-1",
        "/admin/areas/nowhere",
        "/admin/users/999999",
        "/admin/users/1x",
        "/admin/users/-1",
        "/admin/users/99999999999999999999",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "GET {path}");
    }
    let kent_council = organisation_id(&app, "Kent County Council").await;
    for path in [
        "/admin/users/999999/disable".to_owned(),
        "/admin/users/abc/reset-password".to_owned(),
        format!("/admin/users/{}/grants/abc/remove", admin.id),
        format!("/admin/users/{}/grants/999999/remove", admin.id),
        "/admin/areas/nowhere/members".to_owned(),
        format!("/admin/areas/rotherham/members/{kent_council}/remove"),
        "/admin/areas/kent/members/abc/remove".to_owned(),
    ] {
        assert_eq!(app.post_form(&path, &[]).await.status(), 404, "POST {path}");
    }
}

#[tokio::test]
async fn names_with_markup_are_shown_escaped() {
    let (app, _admin) = signed_in_admin().await;
    let evil = "<script>alert(1)</script> Trust";
    post_and_expect_redirect(
        &app,
        "/admin/organisations/new",
        &[("name", evil), ("kind", "other")],
        "/admin/organisations?done=organisation-added",
    )
    .await;
    let id = organisation_id(&app, evil).await.to_string();
    let response = app
        .post_form(
            "/admin/users/new",
            &[
                ("email", "evil@example.org"),
                ("name", evil),
                ("organisation", &id),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    for page in [
        response.text().await.unwrap(),
        app.get_html("/admin/organisations").await,
        app.get_html("/admin/users").await,
        app.get_html("/admin/users?q=%3Cscript%3E").await,
        app.get_html("/admin/audit").await,
    ] {
        assert!(!page.contains("<script>alert(1)"), "markup is escaped");
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "the name is shown, escaped"
        );
    }
    // A bad form keeps the text, escaped.
    let body = post_and_expect_422(
        &app,
        "/admin/organisations/new",
        &[("name", evil), ("kind", "other")],
    )
    .await;
    assert!(!body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn users_page_lists_roles_and_status_and_filters_by_name_or_email() {
    let (app, _admin) = signed_in_admin().await;
    let page = app.get_html("/admin/users").await;
    assert!(page.contains("kent.lead@itf.example"));
    assert!(page.contains("Area lead (Kent)"));
    assert!(page.contains("Active"));
    let filtered = app.get_html("/admin/users?q=ROTHERHAM").await;
    assert!(filtered.contains("Rotherham"));
    assert!(!filtered.contains("kent.lead@itf.example"));
    assert!(filtered.contains("value=\"ROTHERHAM\""), "search kept");
    let none = app.get_html("/admin/users?q=%25").await;
    assert!(none.contains("No user"), "wildcards are literal");
}

#[tokio::test]
async fn audit_page_lists_admin_actions_and_filters_them() {
    let (app, admin) = signed_in_admin().await;
    post_and_expect_redirect(
        &app,
        "/admin/organisations/new",
        &[("name", "Rotherham Hospice"), ("kind", "other")],
        "/admin/organisations?done=organisation-added",
    )
    .await;
    let hospice = organisation_id(&app, "Rotherham Hospice").await.to_string();
    post_and_expect_redirect(
        &app,
        "/admin/areas/rotherham/members",
        &[("organisation", &hospice), ("signs_plan", "no")],
        "/admin/areas/rotherham?done=member-added",
    )
    .await;

    let all = app.get_html("/admin/audit").await;
    assert!(all.contains("organisation.created") && all.contains("area_member.added"));
    assert!(all.contains(&admin.email));
    assert!(all.contains("<code>"), "details shown as code");

    let rotherham = app.get_html("/admin/audit?area=rotherham").await;
    assert!(rotherham.contains("area_member.added"));
    assert!(
        !rotherham.contains("organisation.created"),
        "only Rotherham's entries"
    );
    assert!(
        rotherham.contains("value=\"rotherham\" selected"),
        "filter kept"
    );
    let kent = app.get_html("/admin/audit?area=kent").await;
    assert!(!kent.contains("area_member.added"));

    let by_admin = app
        .get_html(&format!("/admin/audit?user={}", admin.email))
        .await;
    assert!(by_admin.contains("organisation.created"));
    let today = app.clock.now().date();
    let dated = app
        .get_html(&format!("/admin/audit?from={today}&to={today}"))
        .await;
    assert!(dated.contains("organisation.created"));
    let yesterday = today.previous_day().unwrap();
    let earlier = app.get_html(&format!("/admin/audit?to={yesterday}")).await;
    assert!(!earlier.contains("organisation.created"));

    let response = app
        .get("/admin/audit?area=rotherham&from=2014-02-30&to=soon&user=nobody%40example.org")
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Enter a real date in the format YYYY-MM-DD"));
    assert!(body.contains("No account has this email address"));
    assert!(body.contains("value=\"2014-02-30\"") && body.contains("value=\"soon\""));
    assert!(body.contains("value=\"rotherham\" selected"));
}

#[tokio::test]
async fn audit_page_shows_50_entries_at_a_time_newest_first() {
    let (app, _admin) = signed_in_admin().await;
    let mut tx = app.pool.begin().await.unwrap();
    for n in 1..=60 {
        audit::store::append(
            &mut tx,
            app.clock.now(),
            &Event::new(Actor::System, "test.numbered", "test").target(format!("n{n}")),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let first = app.get_html("/admin/audit").await;
    assert!(first.contains("Test n60<") && first.contains("Test n11<"));
    assert!(!first.contains("Test n10<"), "only 50 on a page");
    assert!(
        first.find("Test n60<").unwrap() < first.find("Test n59<").unwrap(),
        "newest first"
    );
    let marker = "href=\"/admin/audit?before=";
    let start = first.find(marker).expect("older entries link") + "href=\"".len();
    let end = first[start..].find('"').unwrap();
    let older = app
        .get_html(&first[start..start + end].replace("&amp;", "&"))
        .await;
    assert!(older.contains("Test n10<") && older.contains("Test n1<"));
    assert!(!older.contains("Test n11<"));
    assert!(older.contains("Newest entries"));
}

#[tokio::test]
async fn admin_pages_contain_no_inline_script_or_style() {
    let (app, admin) = signed_in_admin().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let grant: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(admin.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let pages = [
        "/admin".to_owned(),
        "/admin/organisations".to_owned(),
        "/admin/organisations/new".to_owned(),
        format!("/admin/organisations/{council}"),
        "/admin/areas".to_owned(),
        "/admin/areas/new".to_owned(),
        "/admin/areas/kent".to_owned(),
        "/admin/users".to_owned(),
        "/admin/users/new".to_owned(),
        format!("/admin/users/{}", admin.id),
        "/admin/audit".to_owned(),
        // The confirmations before destructive actions.
        format!("/admin/areas/kent/members/{council}/remove"),
        format!("/admin/users/{}/grants/{grant}/remove", admin.id),
        format!("/admin/users/{}/disable", officer.id),
    ];
    for path in pages {
        let body = app.get_html(&path).await;
        for forbidden in ["<script>", "style=\"", "<style", " onclick=", " onload="] {
            assert!(!body.contains(forbidden), "{path} contains {forbidden}");
        }
        assert!(body.contains("Administration"), "{path} is in the layout");
    }
}

#[tokio::test]
async fn two_admins_editing_one_organisation_do_not_overwrite_each_other() {
    let app = spawn_app().await;
    let first = app
        .create_user(Role::Admin, None, "ITF planner support")
        .await;
    app.sign_in(&first).await;
    let second_admin = app
        .create_user(Role::Admin, None, "ITF planner support")
        .await;
    let second = app.another_browser();
    app.clock.advance(time::Duration::seconds(31));
    second.sign_in(&second_admin).await;
    let id = organisation_id(&app, "NHS Swale CCG").await;
    let path = format!("/admin/organisations/{id}");
    let mine = based_on_in(&app.get_html(&path).await);
    let theirs = based_on_in(&second.get_html(&path).await);

    let response = second
        .post_form(
            &path,
            &[
                ("based_on", &theirs),
                ("name", "NHS Swale CCG (Sittingbourne)"),
                ("kind", "ccg"),
                ("ods_code", "10D"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = app
        .post_form(
            &path,
            &[
                ("based_on", &mine),
                ("name", "NHS Swale Clinical Commissioning Group"),
                ("kind", "ccg"),
                ("ods_code", "10D"),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("Someone else changed this organisation"));
    assert!(
        page.contains("NHS Swale Clinical Commissioning Group"),
        "what was typed is kept"
    );
    let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        name, "NHS Swale CCG (Sittingbourne)",
        "the first save stands"
    );
}

#[tokio::test]
async fn an_area_changed_since_its_form_was_opened_is_not_overwritten() {
    let app = spawn_app().await;
    let admin = app
        .create_user(Role::Admin, None, "ITF planner support")
        .await;
    app.sign_in(&admin).await;
    let page = app.get_html("/admin/areas/rotherham").await;
    let based_on = based_on_in(&page);
    sqlx::query("UPDATE areas SET name = 'Rotherham (renamed elsewhere)' WHERE slug = 'rotherham'")
        .execute(&app.pool)
        .await
        .unwrap();
    let board = sqlx::query_scalar::<_, i64>("SELECT board_id FROM areas WHERE slug = 'rotherham'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .to_string();
    let response = app
        .post_form(
            "/admin/areas/rotherham",
            &[
                ("based_on", &based_on),
                ("name", "Rotherham Borough"),
                ("board", &board),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("Someone else changed this area"));
    assert!(body.contains("Rotherham Borough"), "what was typed is kept");
    let name: String = sqlx::query_scalar("SELECT name FROM areas WHERE slug = 'rotherham'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Rotherham (renamed elsewhere)");
}

#[tokio::test]
async fn the_admin_guard_refuses_non_admins_before_their_form_is_read() {
    // A form repeating its fields cannot be read (400) — but a non-administrator must get 403
    // from every administration action first, whatever they send.
    let app = spawn_app().await;
    let lead = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&lead).await;
    let unreadable: Vec<(&str, &str)> = [
        "name",
        "role",
        "key",
        "title",
        "direction",
        "organisation",
        "slug",
        "email",
    ]
    .into_iter()
    .flat_map(|field| [(field, "one"), (field, "two")])
    .collect();
    let before = app.audit_actions().await;
    let mut walked = 0;
    for route in itf_planner::routes() {
        if route.method != "POST" || !route.path.starts_with("/admin") {
            continue;
        }
        let path = route
            .path
            .replace("{slug}", "kent")
            .replace("{organisation_id}", "3")
            .replace("{grant_id}", "1")
            .replace("{id}", &lead.id.to_string())
            .replace("{key}", "2014-16")
            .replace("{section}", "case-for-change");
        let response = app.post_form(&path, &unreadable).await;
        assert_eq!(response.status(), 403, "POST {path}");
        walked += 1;
    }
    assert!(walked >= 18, "walked {walked} admin actions");
    assert_eq!(app.audit_actions().await, before, "nothing changed");

    // The same form from an administrator is read, and refused as unreadable.
    let (admin_app, _) = signed_in_admin().await;
    let response = admin_app
        .post_form("/admin/organisations/new", &unreadable)
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn command_line_user_add_creates_organisation_account_and_role_together_or_not_at_all() {
    use itf_planner::areas::{OrganisationKind, store as areas};
    use itf_planner::audit::Change;
    use itf_planner::auth::{accounts, store as auth_store};

    let app = spawn_app().await;
    let before = app.audit_actions().await.len();
    let mut change = Change::begin(&app.pool, app.clock.now()).await.unwrap();
    let organisation =
        areas::ensure_organisation(change.db(), "New Trust", OrganisationKind::Other, None)
            .await
            .unwrap();
    let password = accounts::create_user_from_cli(
        change,
        "first.admin@new.example",
        "First Admin",
        organisation.get(),
        Some(Role::Admin),
    )
    .await
    .unwrap();
    assert!(password.len() >= 12, "a one-time password: {password:?}");
    assert_eq!(organisation_id(&app, "New Trust").await, organisation);
    let user = auth_store::find_user_id_by_email(&app.pool, "first.admin@new.example")
        .await
        .unwrap()
        .expect("the account exists");
    let grants = auth_store::list_grants(&app.pool, user).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].role, Role::Admin);
    assert_eq!(grants[0].area_id, None);
    assert_eq!(
        app.audit_actions().await[before..],
        ["user.created".to_owned(), "grant.added".to_owned()],
        "both recorded, in order"
    );

    // A bad email address: the organisation found or added for it is not kept either.
    let mut change = Change::begin(&app.pool, app.clock.now()).await.unwrap();
    let organisation =
        areas::ensure_organisation(change.db(), "Another Trust", OrganisationKind::Other, None)
            .await
            .unwrap();
    let refused =
        accounts::create_user_from_cli(change, "not-an-email", "Someone", organisation.get(), None)
            .await;
    assert!(refused.is_err());
    assert_eq!(
        areas::find_organisation_id(&app.pool, "Another Trust")
            .await
            .unwrap(),
        None
    );
    assert_eq!(app.audit_actions().await.len(), before + 2);
}

/// Searches and filters reach the database: a NUL in one is a clear 400, never a 500.
#[tokio::test]
async fn nul_characters_in_admin_searches_and_filters_are_refused_clearly() {
    let (app, _admin) = signed_in_admin().await;
    for path in [
        "/admin/users?q=sam%00",
        "/admin/audit?user=a%00b",
        "/admin/audit?area=kent%00",
        "/admin/organisations?done=a%00",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 400, "GET {path}");
        let body = response.text().await.unwrap();
        assert!(!body.contains('\0'), "GET {path}");
    }
    assert_eq!(app.get("/admin/users?q=sam").await.status(), 200);
}

// --- confirmations before destructive actions ---------------------------------------------------

/// The details recorded for the newest audit row with `action`.
async fn last_details(app: &TestApp, action: &str) -> serde_json::Value {
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    serde_json::from_str(&details).unwrap()
}

#[tokio::test]
async fn removing_a_partner_asks_first_and_says_what_becomes_of_its_contributions() {
    let (app, _admin) = signed_in_admin().await;
    let thanet = organisation_id(&app, "NHS Thanet CCG").await;
    let kent = area_id(&app, "kent").await;
    let contributions = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM contributions WHERE organisation_id = $1 AND body <> ''",
        )
        .bind(thanet)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let written = contributions().await;
    assert!(
        written >= 1,
        "the demo's Thanet CCG wrote its case for change"
    );
    const SECTION: &str = "/areas/kent/plans/2014-16/sections/case-for-change";
    let lead_browser = app.another_browser();
    let lead = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    lead_browser.sign_in(&lead).await;
    assert!(
        lead_browser
            .get_html(SECTION)
            .await
            .contains("NHS Thanet CCG")
    );

    // The area page links to the question; it does not remove anything itself.
    let area_page = app.get_html("/admin/areas/kent").await;
    let confirm = format!("/admin/areas/kent/members/{thanet}/remove");
    assert!(area_page.contains(&format!("href=\"{confirm}\"")));
    assert!(!area_page.contains(&format!("action=\"{confirm}\"")));

    let page = app.get_html(&confirm).await;
    assert!(page.contains("Are you sure you want to remove NHS Thanet CCG from Kent?"));
    assert!(page.contains(&format!(
        "Its <strong>{written} written contribution{}</strong>",
        if written == 1 { "" } else { "s" }
    )));
    assert!(page.contains("are kept, with their history, and are not deleted"));
    assert!(page.contains("no one can change them"));
    assert!(page.contains("it will no longer be among the signatures a sign-off round needs"));
    assert!(
        page.contains("Thanet CCG officer</a> (Officer)"),
        "its people's roles in Kent, which they keep"
    );
    assert!(
        page.contains(&format!("action=\"{confirm}\"")),
        "the form that does it"
    );
    assert!(page.contains("name=\"csrf_token\""));
    assert!(page.contains("href=\"/admin/areas/kent\">Cancel</a>"));
    assert_eq!(
        app.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "area_member.removed")
            .count(),
        0,
        "asking changes nothing"
    );

    post_and_expect_redirect(&app, &confirm, &[], "/admin/areas/kent?done=member-removed").await;
    assert_eq!(contributions().await, written, "its contributions are kept");
    let details = last_details(&app, "area_member.removed").await;
    assert_eq!(details["before"]["organisation"], "NHS Thanet CCG");
    let row_area: Option<i64> = sqlx::query_scalar(
        "SELECT area_id FROM audit_log WHERE action = 'area_member.removed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(row_area, Some(kent.get()));
    // No longer a member: there is nothing to ask about.
    assert_eq!(app.get(&confirm).await.status(), 404);
    // The plan's section no longer shows its part (the text is still in the database).
    let section = lead_browser.get_html(SECTION).await;
    assert!(!section.contains("NHS Thanet CCG"));
}

#[tokio::test]
async fn removing_a_role_asks_first_and_says_what_they_lose() {
    let (app, admin) = signed_in_admin().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let grant_id: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(officer.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let user_page = format!("/admin/users/{}", officer.id);
    let confirm = format!("{user_page}/grants/{grant_id}/remove");
    let page = app.get_html(&user_page).await;
    assert!(page.contains(&format!("href=\"{confirm}\"")));
    assert!(!page.contains(&format!("action=\"{confirm}\"")));

    let page = app.get_html(&confirm).await;
    assert!(
        page.contains("Are you sure you want to remove Test Officer's role as officer in Kent?")
    );
    assert!(page.contains("They will no longer be able to edit their organisation&#39;s sections"));
    assert!(page.contains("It is their only role in Kent: they will no longer see Kent at all."));
    assert!(page.contains(&format!("action=\"{confirm}\"")));
    assert!(page.contains(&format!("href=\"{user_page}\">Cancel</a>")));

    // With another role in Kent, the page says they keep it.
    let kent = area_id(&app, "kent").await.to_string();
    post_and_expect_redirect(
        &app,
        &format!("{user_page}/grants"),
        &[("role", "signatory"), ("area", &kent)],
        &format!("{user_page}?done=grant-added"),
    )
    .await;
    let page = app.get_html(&confirm).await;
    assert!(page.contains("They keep their other role in Kent: Signatory."));

    post_and_expect_redirect(
        &app,
        &confirm,
        &[],
        &format!("{user_page}?done=grant-removed"),
    )
    .await;
    let details = last_details(&app, "grant.removed").await;
    assert_eq!(details["before"]["role"], "officer");
    assert_eq!(app.get(&confirm).await.status(), 404, "already removed");

    // Their own administrator role: the page explains, and offers no button.
    let own: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(admin.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = app
        .get_html(&format!("/admin/users/{}/grants/{own}/remove", admin.id))
        .await;
    assert!(page.contains("You cannot remove your own administrator role"));
    assert!(!page.contains("Remove the role</button>"));
}

#[tokio::test]
async fn disabling_an_account_asks_first_and_says_they_are_signed_out_at_once() {
    let (app, admin) = signed_in_admin().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let browser = app.another_browser();
    browser.sign_in(&officer).await;
    let user_page = format!("/admin/users/{}", officer.id);
    let confirm = format!("{user_page}/disable");
    let page = app.get_html(&user_page).await;
    assert!(
        page.contains(&format!("href=\"{confirm}\"")),
        "a link to the question"
    );
    assert!(!page.contains(&format!("action=\"{confirm}\"")));

    let page = app.get_html(&confirm).await;
    assert!(page.contains("Are you sure you want to disable Test Officer"));
    assert!(page.contains("is signed out at once, in every browser they are signed in on"));
    assert!(page.contains("They cannot sign in"));
    assert!(page.contains(&format!("action=\"{confirm}\"")));
    assert!(page.contains(&format!("href=\"{user_page}\">Cancel</a>")));
    assert!(browser.is_signed_in().await, "asking changes nothing");

    post_and_expect_redirect(
        &app,
        &confirm,
        &[],
        &format!("{user_page}?done=user-disabled"),
    )
    .await;
    assert!(!browser.is_signed_in().await);
    let details = last_details(&app, "user.disabled").await;
    assert_eq!(details["after"]["disabled"], true);
    assert!(
        app.get_html(&confirm)
            .await
            .contains("This account is already disabled")
    );
    let own = app
        .get_html(&format!("/admin/users/{}/disable", admin.id))
        .await;
    assert!(own.contains("You cannot disable your own account"));
    assert!(!own.contains("Disable the account</button>"));
}

#[tokio::test]
async fn a_role_where_their_organisation_is_not_a_partner_is_given_only_when_confirmed() {
    let (app, _admin) = signed_in_admin().await;
    let officer = app
        .create_user(
            Role::Officer,
            Some("rotherham"),
            "Rotherham Metropolitan Borough Council",
        )
        .await;
    let user_page = format!("/admin/users/{}", officer.id);
    let page = app.get_html(&user_page).await;
    assert!(page.contains("Rotherham Metropolitan Borough Council is a partner in: Rotherham."));

    let kent = area_id(&app, "kent").await.to_string();
    let path = format!("{user_page}/grants");
    let body = post_and_expect_422(&app, &path, &[("role", "area_lead"), ("area", &kent)]).await;
    assert!(body.contains("govuk-warning-text"));
    assert!(body.contains("Rotherham Metropolitan Borough Council is not a partner in Kent."));
    assert!(body.contains(
        "<p id=\"not_partner-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> Confirm that you mean to give this role to someone whose organisation is not a partner in Kent</p>"
    ));
    assert!(body.contains("<a href=\"#not_partner\">"));
    assert!(body.contains("value=\"area_lead\" selected"));
    assert!(body.contains(&format!("value=\"{kent}\" selected")));
    let grants = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM grants WHERE user_id = $1")
            .bind(officer.id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    assert_eq!(grants().await, 1, "refused");

    post_and_expect_redirect(
        &app,
        &path,
        &[
            ("role", "area_lead"),
            ("area", &kent),
            ("not_partner", "yes"),
        ],
        &format!("{user_page}?done=grant-added"),
    )
    .await;
    assert_eq!(grants().await, 2);
    let details = last_details(&app, "grant.added").await;
    assert_eq!(details["after"]["area"], "kent");
    assert_eq!(
        details["organisation_not_a_partner"],
        "Rotherham Metropolitan Borough Council"
    );

    // In an area their organisation is a partner in, no question is asked.
    let rotherham = area_id(&app, "rotherham").await.to_string();
    post_and_expect_redirect(
        &app,
        &path,
        &[("role", "signatory"), ("area", &rotherham)],
        &format!("{user_page}?done=grant-added"),
    )
    .await;
    assert!(
        last_details(&app, "grant.added")
            .await
            .get("organisation_not_a_partner")
            .is_none()
    );
}
