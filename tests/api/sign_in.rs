//! Signing in and out: sessions, fixation, timeouts, throttling, second factor, redirects.

use std::time::Instant;

use itf_planner::auth::policy::Role;
use itf_planner::auth::routes::SIGN_IN_FAILED;
use time::Duration;

use crate::helpers::{TestApp, location, spawn_app};

/// Whether a request carrying exactly `cookie` is treated as signed in.
async fn cookie_is_signed_in(app: &TestApp, cookie: &str) -> bool {
    let body = reqwest::Client::new()
        .get(app.url("/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.contains("Signed in as")
}

async fn failed_sign_in_message(app: &TestApp, email: &str, password: &str) -> (u16, String) {
    let response = app
        .post_form("/sign-in", &[("email", email), ("password", password)])
        .await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn an_officer_signs_in_and_sees_their_area_then_signs_out() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    let home = app.get_html("/").await;
    assert!(home.contains("Signed in as"));
    assert!(home.contains("href=\"/areas/kent\""));
    assert!(
        !home.contains("href=\"/areas/rotherham\""),
        "only areas they hold a role in"
    );

    let response = app.post_form("/sign-out", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?done=signed-out");
    assert!(!app.is_signed_in().await);
    // The banner comes from the fixed list of outcomes (`web::banner`), never from the link.
    assert!(
        app.get_html("/sign-in?done=signed-out")
            .await
            .contains("You have signed out")
    );
    assert!(
        !app.get_html("/sign-in?done=bogus")
            .await
            .contains("You have signed out")
    );
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"session.signed_in".to_owned()));
    assert!(actions.contains(&"session.signed_out".to_owned()));
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_so_a_planted_one_is_useless() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    app.get("/sign-in").await;
    assert!(
        app.cookie("itf_session").is_none(),
        "no session before sign-in"
    );
    let response = app
        .post_form(
            "/sign-in",
            &[
                ("email", &signatory.email),
                ("password", &signatory.password),
            ],
        )
        .await;
    assert_eq!(location(&response), "/sign-in/two-factor");
    let before = app
        .cookie("itf_session")
        .expect("a session waiting for the second factor");
    let code = app.totp_code(&signatory);
    app.post_form("/sign-in/two-factor", &[("code", &code)])
        .await;
    let after = app.cookie("itf_session").expect("a session after sign-in");
    assert_ne!(before, after);
    assert!(!cookie_is_signed_in(&app, &format!("itf_session={before}")).await);
    assert!(cookie_is_signed_in(&app, &format!("itf_session={after}")).await);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    let cookie = format!("itf_session={}", app.cookie("itf_session").unwrap());
    assert!(cookie_is_signed_in(&app, &cookie).await);
    app.post_form("/sign-out", &[]).await;
    assert!(
        !cookie_is_signed_in(&app, &cookie).await,
        "a copy of the old cookie no longer works"
    );
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let response = app.get("/sign-in").await;
    let csrf_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csrf_cookie.starts_with("itf_csrf="), "{csrf_cookie}");
    let response = app
        .post_form(
            "/sign-in",
            &[("email", &officer.email), ("password", &officer.password)],
        )
        .await;
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("itf_session="))
        .expect("a session cookie");
    for cookie in [&csrf_cookie, &set_cookie] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
    }
}

#[tokio::test]
async fn a_disabled_users_session_stops_working_and_they_cannot_sign_in() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    sqlx::query("UPDATE users SET disabled_at = now() WHERE id = $1")
        .bind(officer.id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(!app.is_signed_in().await);
    let (status, body) = failed_sign_in_message(&app, &officer.email, &officer.password).await;
    assert_eq!(status, 422);
    assert!(body.contains(SIGN_IN_FAILED));
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    app.clock.advance(Duration::minutes(29));
    assert!(
        app.is_signed_in().await,
        "29 minutes idle is still signed in"
    );
    app.clock.advance(Duration::minutes(29));
    assert!(app.is_signed_in().await, "activity resets the idle timer");
    app.clock.advance(Duration::minutes(30));
    assert!(
        !app.is_signed_in().await,
        "30 minutes idle ends the session"
    );
}

#[tokio::test]
async fn sessions_end_twelve_hours_after_sign_in_however_active() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    for _ in 0..47 {
        app.clock.advance(Duration::minutes(15));
        assert!(app.is_signed_in().await);
    }
    app.clock.advance(Duration::minutes(15));
    assert!(!app.is_signed_in().await, "12 hours after sign-in");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_look_the_same() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;

    let started = Instant::now();
    let (known_status, known_body) =
        failed_sign_in_message(&app, &officer.email, "not the password at all").await;
    let known_time = started.elapsed();
    let started = Instant::now();
    let (unknown_status, unknown_body) =
        failed_sign_in_message(&app, "nobody@nowhere.example", "not the password at all").await;
    let unknown_time = started.elapsed();

    assert_eq!(known_status, 422);
    assert_eq!(unknown_status, 422);
    assert!(known_body.contains(SIGN_IN_FAILED));
    assert!(unknown_body.contains(SIGN_IN_FAILED));
    let strip = |body: &str, email: &str| {
        body.replace(email, "EMAIL")
            .lines()
            .filter(|line| !line.contains("csrf_token"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&known_body, &officer.email),
        strip(&unknown_body, "nobody@nowhere.example"),
        "the pages differ only in the email typed"
    );
    // Both run a full password hash check, so neither is much quicker than the other.
    let (fast, slow) = if known_time < unknown_time {
        (known_time, unknown_time)
    } else {
        (unknown_time, known_time)
    };
    assert!(
        fast * 3 > slow,
        "timings differ too much: known {known_time:?}, unknown {unknown_time:?}"
    );
}

#[tokio::test]
async fn empty_fields_get_messages_by_the_field_and_the_email_is_kept() {
    let app = spawn_app().await;
    let response = app
        .post_form(
            "/sign-in",
            &[("email", "sam@kent.example"), ("password", "")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("Enter your password"));
    assert!(body.contains("value=\"sam@kent.example\""));
    assert!(body.contains("govuk-error-summary"));
}

#[tokio::test]
async fn repeated_failures_pause_sign_in_for_the_account_and_the_pause_lifts() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    for _ in 0..5 {
        let (status, _) = failed_sign_in_message(&app, &officer.email, "wrong password").await;
        assert_eq!(status, 422);
    }
    let (status, body) = failed_sign_in_message(&app, &officer.email, &officer.password).await;
    assert_eq!(status, 422, "the right password is refused while paused");
    assert!(
        body.contains(SIGN_IN_FAILED),
        "with the same message as any failure"
    );

    app.clock.advance(Duration::minutes(1));
    app.sign_in(&officer).await;
    assert!(app.is_signed_in().await);
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_of_their_usual_browser() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    assert!(
        app.cookie("itf_device").is_some(),
        "the browser is now trusted"
    );
    app.post_form("/sign-out", &[]).await;

    let stranger = app.another_browser();
    for _ in 0..8 {
        failed_sign_in_message(&stranger, &officer.email, "guess").await;
    }
    let (status, _) = failed_sign_in_message(&stranger, &officer.email, &officer.password).await;
    assert_eq!(status, 422, "the stranger's browser is locked out");

    app.sign_in(&officer).await;
    assert!(app.is_signed_in().await, "the owner's usual browser is not");
}

#[tokio::test]
async fn many_failures_from_one_address_pause_it_for_every_account() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    for attempt in 0..30 {
        let email = format!("guess{attempt}@kent.example");
        failed_sign_in_message(&app, &email, "password123").await;
    }
    let (status, _) = failed_sign_in_message(&app, &officer.email, &officer.password).await;
    assert_eq!(status, 422);
    app.clock.advance(Duration::minutes(1));
    app.sign_in(&officer).await;
}

#[tokio::test]
async fn two_factor_users_need_a_current_code_and_a_wrong_one_is_refused() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    let response = app
        .post_form(
            "/sign-in",
            &[
                ("email", &signatory.email),
                ("password", &signatory.password),
            ],
        )
        .await;
    assert_eq!(location(&response), "/sign-in/two-factor");
    assert!(
        !app.is_signed_in().await,
        "not signed in before the second factor"
    );
    let home = app.get("/areas/kent").await;
    assert_eq!(location(&home), "/sign-in/two-factor");

    let response = app
        .post_form("/sign-in/two-factor", &[("code", "000000")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("authenticator app"));

    let code = app.totp_code(&signatory);
    let response = app
        .post_form("/sign-in/two-factor", &[("code", &code)])
        .await;
    assert_eq!(response.status(), 303);
    assert!(app.is_signed_in().await);
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"session.password_accepted".to_owned()));
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM security_events WHERE kind = 'second_factor_failed' AND user_id = $1",
    )
    .bind(signatory.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(failures, 1, "the wrong code is kept as a security event");
}

#[tokio::test]
async fn after_sign_in_people_return_only_to_our_own_pages() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;

    let response = app.get("/areas/kent").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?next=%2Fareas%2Fkent");
    let sign_in_page = app.get_html("/sign-in?next=%2Fareas%2Fkent").await;
    assert!(sign_in_page.contains("name=\"next\" value=\"/areas/kent\""));

    let response = app
        .post_form(
            "/sign-in",
            &[
                ("email", &officer.email),
                ("password", &officer.password),
                ("next", "/areas/kent"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/areas/kent");

    app.post_form("/sign-out", &[]).await;
    let response = app
        .post_form(
            "/sign-in",
            &[
                ("email", &officer.email),
                ("password", &officer.password),
                ("next", "https://evil.example/phish"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn a_post_without_a_session_or_token_is_refused_and_what_was_typed_is_shown() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    let response = app
        .post_raw(
            "/sign-out",
            &[("csrf_token", "forged"), ("text", "My long draft")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let body = response.text().await.unwrap();
    assert!(body.contains("This form could not be sent"));
    assert!(body.contains("My long draft"), "what was typed is kept");
    assert!(app.is_signed_in().await, "the forged sign-out did nothing");

    let stranger = app.another_browser();
    let response = stranger
        .post_raw(
            "/sign-in",
            &[("email", &officer.email), ("password", &officer.password)],
        )
        .await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your session has ended")
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused_even_with_a_token() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    let token = app.csrf_token().await;
    let response = app
        .client
        .post(app.url("/sign-out"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(app.is_signed_in().await);
}
