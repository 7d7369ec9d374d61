//! Invitations and an area's people page (issue 12, item 5): leads invite to their own area
//! (administrators to any, and only they make leads); the link works once, for 7 days, and
//! makes an account with the role, or adds the role to an account that exists; revoking;
//! removing a role after a confirmation page.

use itf_planner::auth::policy::Role;
use time::Duration;

use crate::helpers::{TestApp, TestUser, location, spawn_app};

const PASSWORD: &str = "quartz lantern pebble orchard 42";

async fn organisation_id(app: &TestApp, name: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    id.to_string()
}

async fn signed_in(
    app: &TestApp,
    role: Role,
    area: Option<&str>,
    org: &str,
) -> (TestApp, TestUser) {
    let browser = app.another_browser();
    let user = app.create_user(role, area, org).await;
    browser.sign_in(&user).await;
    (browser, user)
}

async fn kent_lead(app: &TestApp) -> (TestApp, TestUser) {
    signed_in(app, Role::AreaLead, Some("kent"), "Kent County Council").await
}

/// Invites `email` to Kent as `role` for Kent County Council; returns the response.
async fn invite(browser: &TestApp, email: &str, role: &str) -> reqwest::Response {
    let council = organisation_id(browser, "Kent County Council").await;
    browser
        .post_form(
            "/areas/kent/people/invitations",
            &[
                ("email", email),
                ("name", "Jo Invited"),
                ("organisation", &council),
                ("role", role),
            ],
        )
        .await
}

/// The newest invitation link mailed to `email`.
async fn link_for(app: &TestApp, email: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body FROM mail_outbox WHERE purpose = 'invitation' AND to_address = $1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let start = body.find("/invitations/").expect("a link");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

fn account_form(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("new_password", PASSWORD.to_owned()),
        ("confirm_password", PASSWORD.to_owned()),
    ]
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

async fn count(app: &TestApp, sql: &'static str, email: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lead_invites_an_officer_who_makes_an_account_and_signs_in() {
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    let area = lead.get_html("/areas/kent").await;
    assert!(
        area.contains("href=\"/areas/kent/people\""),
        "linked for the lead"
    );
    let page = lead.get_html("/areas/kent/people").await;
    assert!(page.contains("Invite someone"));
    assert!(
        !page.contains("value=\"area_lead\""),
        "leads do not make leads"
    );

    let email = "jo.invited@kent.example";
    let response = invite(&lead, email, "officer").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/areas/kent/people?done=invited");
    let page = lead.get_html("/areas/kent/people?done=invited").await;
    assert!(page.contains("Invitation sent"));
    assert!(page.contains(email), "listed as pending");
    let link = link_for(&app, email).await;

    let invitee = app.another_browser();
    let form = invitee.get_html(&link).await;
    assert!(form.contains("Accept your invitation"));
    assert!(form.contains("value=\"Jo Invited\""), "the name as invited");
    // Bad input: 422, the name as typed kept, nothing used up.
    let response = invitee
        .post_form(
            &link,
            &[
                ("name", "Jo Typed"),
                ("new_password", PASSWORD),
                ("confirm_password", "not the same"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"Jo Typed\""), "{page}");
    assert!(page.contains("Enter the same password twice"));
    let response = invitee.post_form(&link, &pairs(&account_form(""))).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("Enter your name"));

    let response = invitee
        .post_form(&link, &pairs(&account_form("Jo Accepted")))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?done=account-ready");
    assert!(
        invitee
            .get_html("/sign-in?done=account-ready")
            .await
            .contains("Your account is ready")
    );
    // Once only.
    assert_eq!(invitee.get(&link).await.status(), 410);
    let again = invitee
        .post_form(&link, &pairs(&account_form("Jo Again")))
        .await;
    assert_eq!(again.status(), 410);

    let (name, must_change): (String, bool) =
        sqlx::query_as("SELECT display_name, must_change_password FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Jo Accepted");
    assert!(!must_change);
    let user_id: i64 = count(&app, "SELECT id FROM users WHERE email = $1", email).await;
    let user = TestUser {
        id: itf_planner::auth::UserId::new(user_id),
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        totp_secret: None,
    };
    let browser = app.another_browser();
    browser.sign_in(&user).await;
    assert_eq!(
        browser.get("/areas/kent").await.status(),
        200,
        "an officer of Kent"
    );
    assert_eq!(browser.get("/areas/kent/people").await.status(), 403);

    let page = lead.get_html("/areas/kent/people").await;
    assert!(page.contains("Jo Accepted"));
    assert!(page.contains("There are no invitations waiting"));
    let actions = app.audit_actions().await;
    for action in [
        "invitation.created",
        "user.created",
        "grant.added",
        "invitation.accepted",
    ] {
        assert!(actions.contains(&action.to_owned()), "{action} audited");
    }
}

#[tokio::test]
async fn an_existing_account_gets_the_role_added_without_a_new_account() {
    let app = spawn_app().await;
    let (admin, _) = signed_in(&app, Role::Admin, None, "NHS England").await;
    let existing = app
        .create_user(Role::Officer, Some("rotherham"), "NHS Rotherham CCG")
        .await;
    let response = invite(&admin, &existing.email.to_uppercase(), "area_lead").await;
    assert_eq!(response.status(), 303, "administrators make leads");
    let link = link_for(&app, &existing.email.to_uppercase()).await;
    let invitee = app.another_browser();
    let page = invitee.get_html(&link).await;
    assert!(page.contains("You already have an account"), "{page}");
    let response = invitee.post_form(&link, &[]).await;
    assert_eq!(location(&response), "/sign-in?done=role-added");
    let users = count(
        &app,
        "SELECT count(*) FROM users WHERE email_key(email) = email_key($1)",
        &existing.email,
    )
    .await;
    assert_eq!(users, 1);
    let browser = app.another_browser();
    browser.sign_in(&existing).await;
    assert_eq!(
        browser.get("/areas/kent/people").await.status(),
        200,
        "now Kent's lead"
    );
}

#[tokio::test]
async fn inviting_to_a_role_already_held_or_offered_is_refused_by_the_field() {
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;

    // The role is held already (the address typed in another case): refused, typing kept.
    let response = invite(&lead, &officer.email.to_uppercase(), "officer").await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"email-error\""), "{page}");
    assert!(
        page.contains("already holds the role of officer in Kent"),
        "{page}"
    );
    assert!(
        page.contains(&officer.email.to_uppercase()),
        "the typing is kept"
    );

    // Another role for the same person is fine; inviting to it twice is not.
    let response = invite(&lead, &officer.email, "signatory").await;
    assert_eq!(response.status(), 303);
    let response = invite(&lead, &officer.email, "signatory").await;
    assert_eq!(response.status(), 422, "an invitation to it is waiting");
    let invitations = count(
        &app,
        "SELECT count(*) FROM invitations WHERE email_key(email) = email_key($1)",
        &officer.email,
    )
    .await;
    assert_eq!(invitations, 1);

    // Once revoked, it may be sent again.
    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = $1")
        .bind(&officer.email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = lead
        .post_form(&format!("/areas/kent/people/invitations/{id}/revoke"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let response = invite(&lead, &officer.email, "signatory").await;
    assert_eq!(
        response.status(),
        303,
        "a revoked invitation does not block a new one"
    );
}

#[tokio::test]
async fn links_expire_after_seven_days_and_revoked_ones_stop_working() {
    let app = spawn_app().await;
    let (lead, me) = kent_lead(&app).await;
    invite(&lead, "late@kent.example", "officer").await;
    let late = link_for(&app, "late@kent.example").await;
    invite(&lead, "revoked@kent.example", "signatory").await;
    let revoked = link_for(&app, "revoked@kent.example").await;

    let page = lead.get_html("/areas/kent/people").await;
    let action = page
        .split("action=\"")
        .filter_map(|part| part.split('"').next())
        .filter(|action| action.ends_with("/revoke"))
        .nth(1)
        .expect("a revoke form for the second invitation")
        .to_owned();
    let response = lead.post_form(&action, &[]).await;
    assert_eq!(location(&response), "/areas/kent/people?done=revoked");
    assert_eq!(app.get(&revoked).await.status(), 410);
    assert_eq!(lead.post_form(&action, &[]).await.status(), 404, "once");
    assert!(
        app.audit_actions()
            .await
            .contains(&"invitation.revoked".to_owned())
    );

    app.clock.advance(Duration::days(7) - Duration::minutes(1));
    assert_eq!(app.get(&late).await.status(), 200);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.get(&late).await.status(), 410);
    let response = app
        .another_browser()
        .post_form(&late, &pairs(&account_form("Too Late")))
        .await;
    assert_eq!(response.status(), 410);
    // A week on, the lead's session has long ended.
    lead.sign_in(&me).await;
    assert!(
        lead.get_html("/areas/kent/people")
            .await
            .contains("Expired")
    );
    assert_eq!(app.get("/invitations/not-a-token").await.status(), 410);
}

#[tokio::test]
async fn only_leads_of_the_area_and_administrators_invite_and_only_administrators_make_leads() {
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    // Another area: it does not exist for Kent's lead.
    let ccg = organisation_id(&app, "NHS Rotherham CCG").await;
    let response = lead
        .post_form(
            "/areas/rotherham/people/invitations",
            &[
                ("email", "x@rotherham.example"),
                ("name", "X"),
                ("organisation", &ccg),
                ("role", "officer"),
            ],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(lead.get("/areas/rotherham/people").await.status(), 404);
    // A lead does not make leads.
    let response = invite(&lead, "new.lead@kent.example", "area_lead").await;
    assert_eq!(response.status(), 403);
    // An organisation outside the area, and bad input: 422 with everything typed kept.
    let response = lead
        .post_form(
            "/areas/kent/people/invitations",
            &[
                ("email", "not an email"),
                ("name", "Kept Name"),
                ("organisation", &ccg),
                ("role", "officer"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"not an email\""));
    assert!(page.contains("value=\"Kept Name\""));
    assert!(
        page.contains("Choose one of the area&#39;s organisations")
            || page.contains("Choose one of the area's organisations")
    );

    let (officer, _) = signed_in(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    assert_eq!(officer.get("/areas/kent/people").await.status(), 403);
    assert_eq!(
        invite(&officer, "y@kent.example", "officer").await.status(),
        403
    );
    assert!(
        !officer
            .get_html("/areas/kent")
            .await
            .contains("/areas/kent/people")
    );
    let (other, _) = signed_in(&app, Role::Officer, Some("rotherham"), "NHS Rotherham CCG").await;
    assert_eq!(other.get("/areas/kent/people").await.status(), 404);
    let (assurer, _) = signed_in(&app, Role::Assurer, None, "NHS England").await;
    assert_eq!(assurer.get("/areas/kent/people").await.status(), 403);
    let invitations: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(invitations, 0, "nothing was invited");
}

#[tokio::test]
async fn a_lead_removes_a_role_after_confirming_but_not_their_own_lead_role() {
    let app = spawn_app().await;
    let (lead, me) = kent_lead(&app).await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let grant_of = |user: itf_planner::auth::UserId, role: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT g.id FROM grants g JOIN areas a ON a.id = g.area_id
                 WHERE g.user_id = $1 AND g.role::text = $2 AND a.slug = 'kent'",
            )
            .bind(user)
            .bind(role)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    let grant = grant_of(officer.id, "officer").await.unwrap();
    let path = format!("/areas/kent/people/roles/{grant}/remove");
    let page = lead.get_html(&path).await;
    assert!(
        page.contains("will no longer act as officer in Kent"),
        "{page}"
    );
    let response = lead.post_form(&path, &[]).await;
    assert_eq!(location(&response), "/areas/kent/people?done=role-removed");
    assert_eq!(grant_of(officer.id, "officer").await, None);
    assert_eq!(lead.post_form(&path, &[]).await.status(), 404, "gone");
    let browser = app.another_browser();
    browser.sign_in(&officer).await;
    assert_eq!(browser.get("/areas/kent").await.status(), 404);

    let own = grant_of(me.id, "area_lead").await.unwrap();
    let own_path = format!("/areas/kent/people/roles/{own}/remove");
    let page = lead.get_html(&own_path).await;
    assert!(page.contains("You cannot remove your own area lead role"));
    assert!(!page.contains(&format!("action=\"{own_path}\"")));
    assert_eq!(lead.post_form(&own_path, &[]).await.status(), 409);
    assert!(grant_of(me.id, "area_lead").await.is_some());
    // Another area's role is not found from Kent's page.
    let rotherham = app
        .create_user(Role::Officer, Some("rotherham"), "NHS Rotherham CCG")
        .await;
    let other: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(rotherham.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = lead
        .post_form(&format!("/areas/kent/people/roles/{other}/remove"), &[])
        .await;
    assert_eq!(response.status(), 404);
    assert!(
        app.audit_actions()
            .await
            .contains(&"grant.removed".to_owned())
    );
}

#[tokio::test]
async fn two_acceptances_at_once_make_one_account() {
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    let email = "twice@kent.example";
    invite(&lead, email, "officer").await;
    let link = link_for(&app, email).await;
    let (first, second) = (app.another_browser(), app.another_browser());
    first.get_html(&link).await;
    second.get_html(&link).await;
    let (one, other) = (account_form("First"), account_form("Second"));
    let (one, other) = (pairs(&one), pairs(&other));
    let (a, b) = tokio::join!(
        first.post_form(&link, &one),
        second.post_form(&link, &other)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 410]);
    assert_eq!(
        count(&app, "SELECT count(*) FROM users WHERE email = $1", email).await,
        1
    );
}

#[tokio::test]
async fn the_people_page_runs_as_many_queries_for_many_people_as_for_few() {
    crate::query_count::install();
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    invite(&lead, "first@kent.example", "officer").await;
    let few = crate::query_count::queries(&lead, "/areas/kent/people").await;
    for n in 0..8 {
        invite(&lead, &format!("more-{n}@kent.example"), "signatory").await;
        app.create_user(Role::Officer, Some("kent"), "NHS Ashford CCG")
            .await;
    }
    let many = crate::query_count::queries(&lead, "/areas/kent/people").await;
    assert_eq!(
        few, many,
        "queries for few people and invitations and for many"
    );
    assert!(many <= 6, "{many} queries");
}
