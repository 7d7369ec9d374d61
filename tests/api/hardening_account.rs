//! Issue 8 hardening of "Your account": trusted browsers with a lifetime, listed, revocable and
//! revoked at a password change; new recovery codes only with the password.

use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use time::Duration;

use crate::helpers::{TestApp, TestUser, csrf_token_in, location, spawn_app};

const NEW_PASSWORD: &str = "velvet harbour kettle orbit sprinkle";

async fn trusted_browsers(app: &TestApp, user_id: UserId) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM trusted_devices WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn sign_in_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post_form("/sign-in", &[("email", email), ("password", password)])
        .await
        .status()
        .as_u16()
}

/// A stranger's five wrong guesses, which pause the account for every browser it does not trust.
async fn lock_account(app: &TestApp, user: &TestUser) {
    let stranger = app.another_browser();
    for _ in 0..5 {
        assert_eq!(sign_in_status(&stranger, &user.email, "guess").await, 422);
    }
    assert_eq!(
        sign_in_status(&stranger, &user.email, &user.password).await,
        422
    );
}

/// The ids in the revoke buttons of the account page.
fn revoke_ids(html: &str) -> Vec<String> {
    html.split("action=\"/account/trusted-browsers/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/revoke\"").map(|(id, _)| id.to_owned()))
        .collect()
}

#[tokio::test]
async fn a_trusted_browser_is_trusted_for_thirty_days_only() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    app.post_form("/sign-out", &[]).await;

    app.clock.advance(Duration::days(29));
    lock_account(&app, &officer).await;
    assert_eq!(
        sign_in_status(&app, &officer.email, &officer.password).await,
        303,
        "after 29 days the browser is still trusted"
    );
    app.post_form("/sign-out", &[]).await;

    app.clock.advance(Duration::days(2));
    lock_account(&app, &officer).await;
    assert_eq!(
        sign_in_status(&app, &officer.email, &officer.password).await,
        422,
        "31 days after it was trusted, the lock applies to it too"
    );
}

#[tokio::test]
async fn signing_in_again_with_two_factor_keeps_the_browsers_token() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    app.sign_in(&signatory).await;
    let first = app.cookie("itf_device").expect("trusted after two-factor");
    app.post_form("/sign-out", &[]).await;
    app.clock.advance(Duration::minutes(5));
    app.sign_in(&signatory).await;
    assert_eq!(app.cookie("itf_device").unwrap(), first, "no new token");
    assert_eq!(trusted_browsers(&app, signatory.id).await, 1);
}

#[tokio::test]
async fn trusted_browsers_are_listed_and_one_can_be_stopped() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let laptop = app.another_browser();
    app.sign_in(&officer).await;
    laptop.sign_in(&officer).await;
    assert_eq!(trusted_browsers(&app, officer.id).await, 2);

    let html = app.get_html("/account").await;
    assert!(html.contains("Browsers you have signed in from"));
    let ids = revoke_ids(&html);
    assert_eq!(ids.len(), 2, "{html}");
    let laptop_id: i64 = sqlx::query_scalar(
        "SELECT id FROM trusted_devices WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(officer.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let action = format!("/account/trusted-browsers/{laptop_id}/revoke");

    // Not without the form's CSRF token, and not someone else's.
    assert_eq!(app.post_raw(&action, &[]).await.status(), 403);
    let other = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let other_browser = app.another_browser();
    other_browser.sign_in(&other).await;
    let token = csrf_token_in(&other_browser.get_html("/account").await).unwrap();
    other_browser
        .post_raw(&action, &[("csrf_token", &token)])
        .await;
    assert_eq!(trusted_browsers(&app, officer.id).await, 2);

    let token = csrf_token_in(&html).unwrap();
    let response = app.post_raw(&action, &[("csrf_token", &token)]).await;
    assert_eq!(location(&response), "/account");
    assert_eq!(trusted_browsers(&app, officer.id).await, 1);
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.trusted_browser_revoked".to_owned())
    );
    let html = app.get_html("/account").await;
    let remaining: Vec<String> = ids
        .into_iter()
        .filter(|id| *id != laptop_id.to_string())
        .collect();
    assert_eq!(revoke_ids(&html), remaining, "only this browser is left");

    // The laptop is no longer exempt from a lock.
    laptop.post_form("/sign-out", &[]).await;
    lock_account(&app, &officer).await;
    assert_eq!(
        sign_in_status(&laptop, &officer.email, &officer.password).await,
        422
    );
}

#[tokio::test]
async fn changing_the_password_stops_trusting_every_browser() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let laptop = app.another_browser();
    laptop.sign_in(&officer).await;
    app.sign_in(&officer).await;
    assert_eq!(trusted_browsers(&app, officer.id).await, 2);
    let token = csrf_token_in(&app.get_html("/account/password").await).unwrap();
    let response = app
        .post_raw(
            "/account/password",
            &[
                ("csrf_token", &token),
                ("current_password", &officer.password),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(trusted_browsers(&app, officer.id).await, 0);
}

#[tokio::test]
async fn new_recovery_codes_need_the_password_entered_again() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    app.sign_in(&signatory).await;
    let html = app.get_html("/account/two-factor").await;
    assert!(html.contains("name=\"password\""));
    let token = csrf_token_in(&html).unwrap();
    for (typed, message) in [
        ("", "Enter your password to get new recovery codes"),
        ("not my password 2014", "Your password is not right"),
    ] {
        let response = app
            .post_raw(
                "/account/two-factor/recovery-codes",
                &[("csrf_token", &token), ("password", typed)],
            )
            .await;
        assert_eq!(response.status(), 422);
        let body = response.text().await.unwrap();
        assert!(body.contains(message), "{message}");
        assert!(body.contains("id=\"password-error\""));
        assert!(!body.contains("Your recovery codes"), "no codes shown");
    }
    assert!(
        !app.audit_actions()
            .await
            .contains(&"user.recovery_codes_regenerated".to_owned())
    );
    let response = app
        .post_raw(
            "/account/two-factor/recovery-codes",
            &[("csrf_token", &token), ("password", &signatory.password)],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.recovery_codes_regenerated".to_owned())
    );
}
