//! "Your account": changing the password, setting up two-factor and recovery codes, the sessions
//! list and signing out everywhere.

use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use itf_planner::auth::totp::{self, TotpSecret};
use itf_planner::demo::accounts::DEMO_PASSWORD;
use time::Duration;

use crate::helpers::{TestApp, TestUser, csrf_token_in, location, spawn_app};

const NEW_PASSWORD: &str = "velvet harbour kettle orbit sprinkle";

/// Posts a form as the browser would from `page`: with the CSRF token that page carries (so it
/// works for people who are sent from every other page to this one).
async fn post_from(
    app: &TestApp,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let html = app.get_html(page).await;
    let token = csrf_token_in(&html).unwrap_or_else(|| panic!("{page} has a form"));
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    app.post_raw(action, &form).await
}

async fn change_password(
    app: &TestApp,
    current: &str,
    new: &str,
    confirm: &str,
) -> reqwest::Response {
    post_from(
        app,
        "/account/password",
        "/account/password",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
    .await
}

/// Whether the browser may open a page that needs a fully set-up account.
async fn reaches_kent(app: &TestApp) -> bool {
    app.get("/areas/kent").await.status() == 200
}

/// The demo signatory: two-factor required by the role but not set up yet.
async fn demo_signatory(app: &TestApp) -> TestUser {
    let email = "kent.signatory@itf.example";
    let id: UserId = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    TestUser {
        id,
        email: email.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        totp_secret: None,
    }
}

async fn stored_totp_secret(app: &TestApp, user_id: UserId) -> Vec<u8> {
    sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn code_now(app: &TestApp, secret: &[u8]) -> String {
    totp::code_at(
        &TotpSecret::from_bytes(secret.to_vec()),
        app.clock.now().unix_timestamp(),
    )
}

/// The recovery codes listed on a page.
fn recovery_codes_in(html: &str) -> Vec<String> {
    let list = html
        .split_once("id=\"recovery-codes\"")
        .and_then(|(_, rest)| rest.split_once("</ol>"))
        .map(|(list, _)| list)
        .expect("a list of recovery codes");
    list.split("<strong class=\"govuk-!-font-weight-bold\">")
        .skip(1)
        .filter_map(|item| item.split_once('<').map(|(code, _)| code.to_owned()))
        .collect()
}

/// Signs in with the password and then `code`; returns the second step's response.
async fn sign_in_with_code(app: &TestApp, user: &TestUser, code: &str) -> reqwest::Response {
    let response = app
        .post_form(
            "/sign-in",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;
    assert_eq!(location(&response), "/sign-in/two-factor");
    app.post_form("/sign-in/two-factor", &[("code", code)])
        .await
}

async fn count_sessions(app: &TestApp, user_id: UserId) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

// --- changing the password ---------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_current_password_is_refused_by_the_field_and_nothing_typed_is_shown_back() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    let response =
        change_password(&app, "not my password at all", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("There is a problem"), "error summary");
    assert!(body.contains("href=\"#current_password\""));
    assert!(body.contains("id=\"current_password-error\""));
    assert!(body.contains("Your current password is not right"));
    assert!(!body.contains("not my password at all"));
    assert!(!body.contains(NEW_PASSWORD));
    assert!(body.contains("<title>Error: "));
    // Still the old password.
    let again = app.another_browser();
    again.sign_in(&officer).await;
    // Kept a while as a security event, not in the permanent audit log.
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM security_events WHERE kind = 'current_password_failed' AND user_id = $1",
    )
    .bind(officer.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(failures, 1);
}

#[tokio::test]
async fn a_new_password_that_is_easy_to_guess_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    for weak in ["password1234", "short", "Kent County Council 2014"] {
        let response = change_password(&app, &officer.password, weak, weak).await;
        assert_eq!(response.status(), 422, "{weak}");
        let body = response.text().await.unwrap();
        assert!(body.contains("id=\"new_password-error\""), "{weak}");
        assert!(
            body.contains("harder to guess") || body.contains("12 characters or more"),
            "{weak}"
        );
        assert!(!body.contains("Your current password is not right"));
    }
    let response = change_password(
        &app,
        &officer.password,
        &officer.password,
        &officer.password,
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("must be different from your current password")
    );
}

#[tokio::test]
async fn the_new_password_must_be_typed_the_same_twice() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    let response = change_password(
        &app,
        &officer.password,
        NEW_PASSWORD,
        "velvet harbour kettle orbit sprinkles",
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Enter the same password twice"));
    assert!(body.contains("id=\"confirm_password-error\""));

    let response = change_password(&app, "", "", "").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Enter your current password"));
    assert!(body.contains("Enter a new password"));
}

#[tokio::test]
async fn after_a_password_change_only_the_new_one_signs_in_and_other_browsers_are_signed_out() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    let other = app.another_browser();
    other.sign_in(&officer).await;
    let before = app.cookie("itf_session").unwrap();

    let response = change_password(&app, &officer.password, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert_ne!(
        app.cookie("itf_session").unwrap(),
        before,
        "a new session id"
    );
    assert!(app.is_signed_in().await, "this browser stays signed in");
    assert!(
        !other.is_signed_in().await,
        "the other browser is signed out"
    );
    assert_eq!(count_sessions(&app, officer.id).await, 1);

    let stranger = app.another_browser();
    let response = stranger
        .post_form(
            "/sign-in",
            &[("email", &officer.email), ("password", &officer.password)],
        )
        .await;
    assert_eq!(response.status(), 422, "the old password no longer works");
    let with_new = TestUser {
        password: NEW_PASSWORD.to_owned(),
        ..officer.clone()
    };
    stranger.sign_in(&with_new).await;
    assert!(stranger.is_signed_in().await);
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.password_changed".to_owned())
    );
}

#[tokio::test]
async fn someone_given_a_one_time_password_must_change_it_before_going_anywhere_else() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    sqlx::query("UPDATE users SET must_change_password = true WHERE id = $1")
        .bind(officer.id)
        .execute(&app.pool)
        .await
        .unwrap();
    app.sign_in(&officer).await;
    let response = app.get("/areas/kent").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account/password");
    let page = app.get_html("/account/password").await;
    assert!(page.contains("You must choose a new password before you continue"));
    assert!(app.get_html("/account").await.contains("Must be changed"));

    // The one-time password is still needed, so a session left open cannot be taken over.
    let response =
        change_password(&app, "wrong one-time password", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 422);
    let response = change_password(&app, &officer.password, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert!(reaches_kent(&app).await);
    assert!(app.get_html("/").await.contains("Signed in as"));
}

#[tokio::test]
async fn after_changing_a_one_time_password_someone_without_two_factor_is_sent_to_set_it_up() {
    let app = spawn_app().await;
    let signatory = demo_signatory(&app).await;
    sqlx::query("UPDATE users SET must_change_password = true WHERE id = $1")
        .bind(signatory.id)
        .execute(&app.pool)
        .await
        .unwrap();
    app.sign_in(&signatory).await;
    assert_eq!(
        location(&app.get("/areas/kent").await),
        "/account/password",
        "the password first"
    );
    let response = change_password(&app, DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account/two-factor");
    assert_eq!(
        location(&app.get("/areas/kent").await),
        "/account/two-factor"
    );
}

// --- two-factor --------------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_signatory_sets_up_two_factor_at_first_sign_in_and_signs_in_with_it_later() {
    let app = spawn_app().await;
    let signatory = demo_signatory(&app).await;
    app.sign_in(&signatory).await;
    let response = app.get("/areas/kent").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account/two-factor");

    let start = app.get_html("/account/two-factor").await;
    assert!(start.contains("action=\"/account/two-factor/start\""));
    assert!(start.contains("signatories, board secretaries, assurers and administrators"));
    assert!(
        stored_totp_secret_is_null(&app, signatory.id).await,
        "showing the page changes nothing"
    );

    let response = post_from(
        &app,
        "/account/two-factor",
        "/account/two-factor/start",
        &[],
    )
    .await;
    assert_eq!(response.status(), 200);
    let setup = response.text().await.unwrap();
    assert!(setup.contains("<img src=\"data:image/svg+xml;base64,"));
    assert!(setup.contains("alt=\"QR code"));
    let secret = stored_totp_secret(&app, signatory.id).await;
    let manual_key = TotpSecret::from_bytes(secret.clone()).manual_key();
    assert!(setup.contains(&manual_key), "the key to type by hand");
    assert!(setup.contains("action=\"/account/two-factor/confirm\""));
    let token = csrf_token_in(&setup).unwrap();

    let response = app
        .post_raw(
            "/account/two-factor/confirm",
            &[("csrf_token", &token), ("code", "123")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Enter the 6-digit code shown in your authenticator app"));
    assert!(body.contains(&manual_key), "the same secret is shown again");
    assert!(!reaches_kent(&app).await, "still not set up");

    let code = code_now(&app, &secret);
    let response = app
        .post_raw(
            "/account/two-factor/confirm",
            &[("csrf_token", &token), ("code", &code)],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let codes = recovery_codes_in(&body);
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert!(body.contains("href=\"/\""), "continue");
    assert!(reaches_kent(&app).await);
    assert!(
        app.get_html("/account")
            .await
            .contains("10 unused recovery codes")
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.two_factor_enabled".to_owned())
    );

    // Next time, the password is not enough.
    app.post_form("/sign-out", &[]).await;
    app.clock.advance(Duration::seconds(31));
    let enrolled = TestUser {
        totp_secret: Some(secret),
        ..signatory
    };
    let response = sign_in_with_code(&app, &enrolled, &app.totp_code(&enrolled)).await;
    assert_eq!(response.status(), 303);
    assert!(reaches_kent(&app).await);
}

async fn stored_totp_secret_is_null(app: &TestApp, user_id: UserId) -> bool {
    let secret: Option<Vec<u8>> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    secret.is_none()
}

#[tokio::test]
async fn an_authenticator_code_signs_in_only_once() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    let code = app.totp_code(&signatory);
    let response = sign_in_with_code(&app, &signatory, &code).await;
    assert_eq!(response.status(), 303);

    // Someone who saw the code types it in elsewhere within the same 30 seconds.
    let other = app.another_browser();
    let response = sign_in_with_code(&other, &signatory, &code).await;
    assert_eq!(response.status(), 422);
    assert!(!reaches_kent(&other).await);

    // The next code works.
    app.clock.advance(Duration::seconds(31));
    let response = sign_in_with_code(&other, &signatory, &app.totp_code(&signatory)).await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones_and_each_signs_in_once() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    app.sign_in(&signatory).await;
    let page = app.get_html("/account/two-factor").await;
    assert!(page.contains("action=\"/account/two-factor/recovery-codes\""));

    let response = post_from(
        &app,
        "/account/two-factor",
        "/account/two-factor/recovery-codes",
        &[("password", &signatory.password)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let first = recovery_codes_in(&response.text().await.unwrap());
    assert_eq!(first.len(), 10);
    let response = post_from(
        &app,
        "/account/two-factor",
        "/account/two-factor/recovery-codes",
        &[("password", &signatory.password)],
    )
    .await;
    let second = recovery_codes_in(&response.text().await.unwrap());
    assert_eq!(second.len(), 10);
    assert!(first.iter().all(|code| !second.contains(code)));

    let phone_lost = app.another_browser();
    let response = sign_in_with_code(&phone_lost, &signatory, &first[0]).await;
    assert_eq!(response.status(), 422, "replaced codes no longer work");
    let response = sign_in_with_code(&phone_lost, &signatory, &second[0]).await;
    assert_eq!(response.status(), 303);
    assert!(reaches_kent(&phone_lost).await);

    let again = app.another_browser();
    let response = sign_in_with_code(&again, &signatory, &second[0]).await;
    assert_eq!(response.status(), 422, "a recovery code works once");
    assert!(
        app.get_html("/account")
            .await
            .contains("9 unused recovery codes")
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.recovery_codes_regenerated".to_owned())
    );
}

#[tokio::test]
async fn two_factor_that_is_on_cannot_be_started_again_and_no_codes_are_given_without_it() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    app.sign_in(&signatory).await;
    let secret_before = stored_totp_secret(&app, signatory.id).await;
    let response = post_from(&app, "/account", "/account/two-factor/start", &[]).await;
    assert_eq!(location(&response), "/account/two-factor");
    assert_eq!(stored_totp_secret(&app, signatory.id).await, secret_before);

    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    let browser = app.another_browser();
    browser.sign_in(&officer).await;
    let response = post_from(
        &browser,
        "/account",
        "/account/two-factor/recovery-codes",
        &[],
    )
    .await;
    assert_eq!(location(&response), "/account/two-factor");
    let response = post_from(
        &browser,
        "/account",
        "/account/two-factor/confirm",
        &[("code", "123456")],
    )
    .await;
    assert_eq!(
        location(&response),
        "/account/two-factor",
        "nothing was started"
    );
    let page = browser.get_html("/account/two-factor").await;
    assert!(page.contains("optional, but recommended"));
}

// --- the summary and sessions ------------------------------------------------------------------

#[tokio::test]
async fn the_account_page_shows_who_you_are_and_lists_each_browser_signed_in() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    let other = app.another_browser();
    other.sign_in(&officer).await;

    let page = app.get_html("/account").await;
    assert!(page.contains(&officer.email));
    assert!(page.contains("Kent County Council"));
    assert!(page.contains("Officer – Kent"), "role with its area");
    assert!(page.contains("href=\"/account/password\""));
    assert!(page.contains("govuk-tag--grey\">Off"));
    // The sessions table (the trusted browsers' table follows it).
    let sessions = page
        .split("<tbody")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    let rows = sessions.matches("<tr class=\"govuk-table__row\">").count();
    assert_eq!(rows, 2, "two sessions");
    assert_eq!(sessions.matches("This browser").count(), 1);
    assert!(page.contains("action=\"/account/sign-out-everywhere\""));
    for forbidden in ["<script>", "style=\"", "<style"] {
        assert!(!page.contains(forbidden), "{forbidden}");
    }
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    let other = app.another_browser();
    other.sign_in(&officer).await;

    let response = post_from(&app, "/account", "/account/sign-out-everywhere", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?done=signed-out");
    assert!(app.cookie("itf_session").is_none(), "the cookie is cleared");
    assert!(!app.is_signed_in().await);
    assert!(!other.is_signed_in().await);
    assert_eq!(count_sessions(&app, officer.id).await, 0);
    assert!(
        app.audit_actions()
            .await
            .contains(&"session.signed_out_everywhere".to_owned())
    );
}

#[tokio::test]
async fn account_pages_need_a_signed_in_user() {
    let app = spawn_app().await;
    for path in ["/account", "/account/password", "/account/two-factor"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(location(&response).starts_with("/sign-in"), "{path}");
    }
}
