//! Issue 8 hardening of sign-in: parallel guesses each count, separate throttle scopes, one
//! email normalisation, nothing written for anonymous visitors, and hostile input.

use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use time::Duration;

use crate::helpers::{
    TestApp, TestUser, csrf_token_in, location, spawn_app, spawn_app_on, test_config,
};

/// How many security events of `kind` with `reason` there are.
async fn security_events(app: &TestApp, kind: &str, reason: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM security_events WHERE kind = $1 AND reason = $2")
        .bind(kind)
        .bind(reason)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn throttle_failures(app: &TestApp, scope: &str, key: &str) -> i32 {
    sqlx::query_scalar("SELECT failures FROM sign_in_throttle WHERE scope = $1 AND key = $2")
        .bind(scope)
        .bind(key)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
        .unwrap_or(0)
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// Posts `fields` to `path` `times` times at once from this browser (one CSRF token), and
/// returns the statuses.
async fn in_parallel(app: &TestApp, path: &str, fields: &[(&str, &str)], times: usize) -> Vec<u16> {
    let token = app.csrf_token().await;
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), token)];
    form.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let tasks: Vec<_> = (0..times)
        .map(|_| {
            let app = app.clone();
            let form = form.clone();
            let path = path.to_owned();
            tokio::spawn(async move {
                let fields: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.post_raw(&path, &fields).await.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

async fn sign_in_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post_form("/sign-in", &[("email", email), ("password", password)])
        .await
        .status()
        .as_u16()
}

/// Signs in with the password only, leaving the second factor to come.
async fn password_step(app: &TestApp, user: &TestUser) {
    let response = app
        .post_form(
            "/sign-in",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;
    assert_eq!(location(&response), "/sign-in/two-factor");
}

// --- 1. parallel guesses each count ----------------------------------------------------------

#[tokio::test]
async fn fifty_parallel_wrong_passwords_are_checked_at_most_five_times() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let statuses = in_parallel(
        &app,
        "/sign-in",
        &[("email", &officer.email), ("password", "wrong guess 2014")],
        50,
    )
    .await;
    assert!(statuses.iter().all(|status| *status == 422), "{statuses:?}");
    let checked = security_events(&app, "sign_in_failed", "wrong email or password").await;
    let refused = security_events(&app, "sign_in_failed", "paused after repeated failures").await;
    eprintln!("50 parallel wrong passwords: {checked} checked, {refused} refused unchecked");
    assert_eq!(checked, 5, "only the free failures are checked");
    assert_eq!(refused, 45);
    assert_eq!(throttle_failures(&app, "account", &officer.email).await, 5);
    assert_eq!(
        sign_in_status(&app, &officer.email, &officer.password).await,
        422,
        "the account is paused"
    );
}

#[tokio::test]
async fn fifty_parallel_wrong_two_factor_codes_are_checked_at_most_five_times() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    password_step(&app, &signatory).await;
    let statuses = in_parallel(&app, "/sign-in/two-factor", &[("code", "000000")], 50).await;
    assert!(statuses.iter().all(|status| *status == 422), "{statuses:?}");
    let checked = security_events(&app, "second_factor_failed", "wrong code").await;
    let refused = security_events(
        &app,
        "second_factor_failed",
        "paused after repeated failures",
    )
    .await;
    eprintln!("50 parallel wrong codes: {checked} checked, {refused} refused unchecked");
    assert_eq!(checked, 5);
    assert_eq!(refused, 45);
    assert_eq!(
        throttle_failures(&app, "second_factor", &signatory.id.to_string()).await,
        5
    );
    let code = app.totp_code(&signatory);
    let response = app
        .post_form("/sign-in/two-factor", &[("code", &code)])
        .await;
    assert_eq!(response.status(), 422, "even the right code waits");
}

#[tokio::test]
async fn fifty_parallel_wrong_current_passwords_are_checked_at_most_five_times() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    app.sign_in(&officer).await;
    let new_password = "velvet harbour kettle orbit sprinkle";
    let statuses = in_parallel(
        &app,
        "/account/password",
        &[
            ("current_password", "not my password 2014"),
            ("new_password", new_password),
            ("confirm_password", new_password),
        ],
        50,
    )
    .await;
    assert!(statuses.iter().all(|status| *status == 422), "{statuses:?}");
    let checked = security_events(&app, "current_password_failed", "wrong current password").await;
    assert_eq!(checked, 5, "only the free failures are checked");
    assert_eq!(
        throttle_failures(&app, "current_password", &officer.id.to_string()).await,
        5
    );
}

// --- 2. separate scopes ----------------------------------------------------------------------

#[tokio::test]
async fn sign_ins_typed_as_internal_keys_lock_nobodys_two_factor_step_or_password_change() {
    let app = spawn_app().await;
    let signatory = app
        .create_user(Role::Signatory, Some("kent"), "NHS West Kent CCG")
        .await;
    let stranger = app.another_browser();
    for typed in [
        format!("second-factor:{}", signatory.id),
        format!("change-password:{}", signatory.id),
    ] {
        for _ in 0..6 {
            assert_eq!(sign_in_status(&stranger, &typed, "guess").await, 422);
        }
    }
    // The owner's two-factor step and password change are untouched.
    app.sign_in(&signatory).await;
    assert!(app.is_signed_in().await);
    let html = app.get_html("/account/password").await;
    let token = csrf_token_in(&html).unwrap();
    let new_password = "velvet harbour kettle orbit sprinkle";
    let response = app
        .post_raw(
            "/account/password",
            &[
                ("csrf_token", &token),
                ("current_password", &signatory.password),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "the password change is not paused");
}

// --- 3. one normalisation --------------------------------------------------------------------

#[tokio::test]
async fn email_variants_share_one_counter_and_the_account_lock_holds_for_all_of_them() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    // `officer-…@test.example`: the same address in capitals, with a Turkish dotted capital I,
    // in full-width letters, and with spaces around it.
    let dotted = officer.email.replacen('i', "\u{130}", 1);
    let variants = [
        officer.email.to_uppercase(),
        dotted.clone(),
        officer.email.replacen(
            "officer",
            "\u{ff4f}\u{ff46}\u{ff46}\u{ff49}\u{ff43}\u{ff45}\u{ff52}",
            1,
        ),
        format!("  {}  ", officer.email),
        officer.email.replacen('o', "O", 1),
    ];
    for variant in &variants {
        assert_eq!(sign_in_status(&app, variant, "wrong guess").await, 422);
    }
    let account_rows = count(
        &app,
        "SELECT count(*) FROM sign_in_throttle WHERE scope = 'account'",
    )
    .await;
    assert_eq!(account_rows, 1, "one counter for every variant");
    assert_eq!(throttle_failures(&app, "account", &officer.email).await, 5);
    for attempt in [officer.email.clone(), dotted] {
        assert_eq!(
            sign_in_status(&app, &attempt, &officer.password).await,
            422,
            "{attempt} is paused too"
        );
    }
    app.clock.advance(Duration::minutes(1));
    app.sign_in(&officer).await;
}

// --- 8. nothing written for anonymous visitors -----------------------------------------------

#[tokio::test]
async fn showing_the_sign_in_page_without_a_cookie_writes_no_session() {
    let app = spawn_app().await;
    let before = count(&app, "SELECT count(*) FROM sessions").await;
    for _ in 0..5 {
        let browser = app.another_browser();
        let response = browser.get("/sign-in").await;
        assert_eq!(response.status(), 200);
        assert!(
            browser.cookie("itf_csrf").is_some(),
            "a signed CSRF cookie instead"
        );
        assert!(browser.cookie("itf_session").is_none());
    }
    assert_eq!(count(&app, "SELECT count(*) FROM sessions").await, before);
}

#[tokio::test]
async fn a_failed_sign_in_is_a_security_event_not_an_audit_row_and_no_password_is_kept() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let audit_before = count(&app, "SELECT count(*) FROM audit_log").await;
    assert_eq!(
        sign_in_status(&app, &officer.email, "typed password 1").await,
        422
    );
    // A password typed into the email box by mistake.
    assert_eq!(
        sign_in_status(&app, "my secret passphrase", "typed password 2").await,
        422
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_log").await,
        audit_before,
        "the permanent audit log is untouched"
    );
    let rows: Vec<(Option<UserId>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT user_id, email, client_address FROM security_events
         WHERE kind = 'sign_in_failed' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, Some(officer.id));
    assert_eq!(rows[0].1.as_deref(), Some(officer.email.as_str()));
    assert_eq!(rows[0].2.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        rows[1],
        (None, None, Some("127.0.0.1".to_owned())),
        "not an address: not kept"
    );
    let everything: String = sqlx::query_scalar(
        "SELECT string_agg(concat_ws(' ', kind, email, reason), ' ') FROM security_events",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!everything.contains("typed password"));
    assert!(!everything.contains("passphrase"));
}

#[tokio::test]
async fn old_security_events_and_forgotten_counters_are_pruned_by_the_sweeper() {
    let app = spawn_app().await;
    sqlx::query(
        "INSERT INTO security_events (at, kind, reason) VALUES
           ($1 - interval '91 days', 'sign_in_failed', 'old'),
           ($1 - interval '89 days', 'sign_in_failed', 'recent')",
    )
    .bind(app.clock.now())
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sign_in_throttle (scope, key, failures, first_failure_at, locked_until) VALUES
           ('account', 'forgotten@kent.example', 3, $1 - interval '2 hours', NULL),
           ('account', 'counting@kent.example', 3, $1 - interval '10 minutes', NULL),
           ('address', '192.0.2.1', 40, $1 - interval '2 hours', $1 + interval '5 minutes')",
    )
    .bind(app.clock.now())
    .execute(&app.pool)
    .await
    .unwrap();
    // The sweeper runs when a server starts, then every ten minutes.
    spawn_app_on(app.pool.clone(), test_config(), app.clock.clone()).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while count(
        &app,
        "SELECT (SELECT count(*) FROM security_events WHERE reason = 'old')
              + (SELECT count(*) FROM sign_in_throttle WHERE key = 'forgotten@kent.example')",
    )
    .await
        > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "old events and counters are pruned"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM security_events WHERE reason = 'recent'"
        )
        .await,
        1
    );
    let counters: Vec<String> = sqlx::query_scalar("SELECT key FROM sign_in_throttle ORDER BY key")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        counters,
        vec!["192.0.2.1".to_owned(), "counting@kent.example".to_owned()],
        "only counters that still matter are kept"
    );
}

#[tokio::test]
async fn the_sign_in_form_works_as_plain_html_and_anonymous_posts_need_the_signed_token() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let credentials = [
        ("email", officer.email.as_str()),
        ("password", officer.password.as_str()),
    ];
    let with_token = |token: &str| {
        let mut form = vec![("csrf_token", token.to_owned())];
        form.extend(credentials.iter().map(|(k, v)| (*k, (*v).to_owned())));
        form
    };
    let post = |browser: &TestApp, form: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        async move {
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .post_raw("/sign-in", &fields)
                .await
                .status()
                .as_u16()
        }
    };

    // No token, no cookie, a forged pair, another browser's token: all refused.
    let stranger = app.another_browser();
    assert_eq!(
        post(
            &stranger,
            credentials
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect()
        )
        .await,
        403
    );
    let html = stranger.get_html("/sign-in").await;
    let token = csrf_token_in(&html).unwrap();
    assert_eq!(
        post(
            &stranger,
            credentials
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect()
        )
        .await,
        403,
        "no token"
    );
    let cookieless = app.another_browser();
    assert_eq!(
        post(&cookieless, with_token(&token)).await,
        403,
        "token without its cookie"
    );
    let forger = app.another_browser();
    let made_up = "c2VsZi1tYWRl.c2lnbmF0dXJl";
    forger.jar.add_cookie_str(
        &format!("itf_csrf={made_up}"),
        &app.address.parse().unwrap(),
    );
    assert_eq!(
        post(&forger, with_token(made_up)).await,
        403,
        "a pair not signed by us"
    );
    let other = app.another_browser();
    other.get("/sign-in").await;
    assert_eq!(
        post(&other, with_token(&token)).await,
        403,
        "another browser's token"
    );
    assert!(!stranger.is_signed_in().await);

    // The form as a browser without JavaScript sends it: the hidden field and the cookie.
    assert!(html.contains("<form method=\"post\" action=\"/sign-in\""));
    let status = post(&stranger, with_token(&token)).await;
    assert_eq!(status, 303);
    assert!(stranger.is_signed_in().await);
}

// --- 11. hostile input -----------------------------------------------------------------------

#[tokio::test]
async fn control_characters_in_next_send_people_home_with_a_location() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let response = app
        .post_form(
            "/sign-in",
            &[
                ("email", &officer.email),
                ("password", &officer.password),
                ("next", "/areas/kent\u{1}x"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    for next in ["%00", "%2Fareas%01", "%2Fa%7F"] {
        let response = app.get(&format!("/sign-in?next={next}")).await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/", "next={next}");
    }
}

/// Every form refuses NUL characters before its handler runs (`web::extract::Form`): a clear 400
/// page showing back what was typed, without the NUL and never the password.
#[tokio::test]
async fn nul_bytes_in_the_sign_in_form_get_a_400_with_the_email_kept_and_no_password_shown() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    for (email, password, next) in [
        ("sam\u{0}@kent.example", "zebra\u{0}quokka", "/"),
        (officer.email.as_str(), "zebra\u{0}quokka", "/"),
        (
            officer.email.as_str(),
            officer.password.as_str(),
            "/areas/kent\u{0}x",
        ),
    ] {
        let response = app
            .post_form(
                "/sign-in",
                &[("email", email), ("password", password), ("next", next)],
            )
            .await;
        assert_eq!(response.status(), 400, "{email:?} {next:?}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains(&email.replace('\0', "")),
            "the email is shown back: {body}"
        );
        assert!(
            !body.contains("quokka") && !body.contains("battery staple"),
            "no password shown back"
        );
        assert!(!body.contains('\0'));
    }
    assert!(!app.is_signed_in().await);
}

/// The sign-in form's token is signed with the server key, which every replica shares: a form
/// shown by one server is accepted by another (behind one load balancer), and survives a restart.
#[tokio::test]
async fn a_sign_in_form_from_one_server_is_accepted_by_another_with_the_same_key() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let second_server = crate::helpers::spawn_app_on(
        app.app_pool.clone(),
        crate::helpers::test_config(),
        app.clock.clone(),
    )
    .await;
    let page = app.get_html("/sign-in").await;
    let token = crate::helpers::csrf_token_in(&page).expect("the form has a token");
    // Same host, another port: the browser sends the same cookies to both.
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("email", officer.email.as_str()),
        ("password", officer.password.as_str()),
    ])
    .unwrap();
    let response = app
        .client
        .post(format!("{second_server}/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "the other server accepts the form");
    assert_eq!(location(&response), "/");

    // A server with another key refuses it, even in the same process.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_key = format!("http://{}", listener.local_addr().unwrap());
    let state = itf_planner::AppState::new(
        app.app_pool.clone(),
        crate::helpers::test_config(),
        app.clock.clone(),
        itf_planner::keys::Keys::derive(&[9u8; 32]),
    );
    tokio::spawn(itf_planner::serve(listener, state, std::future::pending()));
    let stranger = app.another_browser();
    let page = stranger.get_html("/sign-in").await;
    let token = crate::helpers::csrf_token_in(&page).expect("the form has a token");
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("email", officer.email.as_str()),
        ("password", officer.password.as_str()),
    ])
    .unwrap();
    let response = stranger
        .client
        .post(format!("{other_key}/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "another key refuses the form");
}
