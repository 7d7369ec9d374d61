//! Forgotten passwords (issue 12, item 5): the same answer for known and unknown addresses, a
//! link that works once and for an hour, at most three an hour to an account, every session
//! ended by a reset, and the mail delivered over SMTP.

use std::time::Duration as StdDuration;

use itf_planner::auth::policy::Role;
use itf_planner::clock::Clock;
use time::Duration;

use crate::helpers::{TestApp, TestUser, location, spawn_app, spawn_app_with};
use crate::smtp::SmtpServer;

const NEW_PASSWORD: &str = "quartz lantern pebble orchard 42";

async fn kent_officer(app: &TestApp) -> TestUser {
    app.create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await
}

/// Asks for a link for `email` from a browser of its own; returns the page.
async fn ask_for_link(app: &TestApp, email: &str) -> (u16, String) {
    let browser = app.another_browser();
    let response = browser
        .post_form("/sign-in/forgot", &[("email", email)])
        .await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The reset mails queued for `email`, oldest first.
async fn reset_mails(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body FROM mail_outbox WHERE purpose = 'password_reset' AND to_address = $1
         ORDER BY id",
    )
    .bind(email)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The path of the link in a message body.
fn link_in(body: &str) -> String {
    let start = body.find("/password-reset/").expect("a reset link");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// The newest link sent to `email`.
async fn newest_link(app: &TestApp, email: &str) -> String {
    link_in(reset_mails(app, email).await.last().expect("a reset mail"))
}

/// A page without the CSRF tokens it carries (which differ between browsers).
fn without_tokens(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .enumerate()
        .map(|(n, part)| {
            if n == 0 {
                part
            } else {
                &part[part.find('"').unwrap_or(0)..]
            }
        })
        .collect()
}

fn new_password_form(password: &str) -> [(&'static str, &str); 2] {
    [("new_password", password), ("confirm_password", password)]
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer_and_only_accounts_get_mail() {
    let app = spawn_app().await;
    let known = kent_officer(&app).await;
    let disabled = kent_officer(&app).await;
    sqlx::query("UPDATE users SET disabled_at = now() WHERE id = $1")
        .bind(disabled.id)
        .execute(&app.pool)
        .await
        .unwrap();

    let sign_in = app.get_html("/sign-in").await;
    assert!(sign_in.contains("href=\"/sign-in/forgot\""), "{sign_in}");
    assert!(sign_in.contains("Forgotten your password?"));
    let form = app.get_html("/sign-in/forgot").await;
    assert!(form.contains("action=\"/sign-in/forgot\""));

    let (status, for_known) = ask_for_link(&app, &known.email).await;
    assert_eq!(status, 200);
    let (status, for_unknown) = ask_for_link(&app, "nobody-here@kent.example").await;
    assert_eq!(status, 200);
    let (status, for_disabled) = ask_for_link(&app, &disabled.email).await;
    assert_eq!(status, 200);
    assert!(for_known.contains("If there is an account for that address"));
    assert_eq!(without_tokens(&for_known), without_tokens(&for_unknown));
    assert_eq!(without_tokens(&for_known), without_tokens(&for_disabled));

    assert_eq!(reset_mails(&app, &known.email).await.len(), 1);
    assert!(
        reset_mails(&app, "nobody-here@kent.example")
            .await
            .is_empty()
    );
    assert!(
        reset_mails(&app, &disabled.email).await.is_empty(),
        "disabled: no mail"
    );
    // Any case and spacing of the address reaches the account.
    ask_for_link(&app, &format!("  {}", known.email.to_uppercase())).await;
    assert_eq!(reset_mails(&app, &known.email).await.len(), 2);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let link = newest_link(&app, &known.email).await;
    let token = link.trim_start_matches("/password-reset/");
    assert!(
        stored.iter().all(|hash| hash.len() == 32),
        "only SHA-256 stored"
    );
    assert!(
        stored
            .iter()
            .all(|hash| !String::from_utf8_lossy(hash).contains(token))
    );
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|action| *action == "password_reset.requested")
            .count(),
        2
    );
    let not_sent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM security_events WHERE kind = 'password_reset_not_sent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(not_sent, 2, "the unknown and the disabled address");
}

#[tokio::test]
async fn a_bad_address_is_refused_with_what_was_typed_kept() {
    let app = spawn_app().await;
    let browser = app.another_browser();
    let response = browser
        .post_form("/sign-in/forgot", &[("email", "sam at kent")])
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("There is a problem"));
    assert!(page.contains("value=\"sam at kent\""), "{page}");
    let response = browser.post_form("/sign-in/forgot", &[("email", "")]).await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn a_link_sets_a_new_password_once_ends_every_session_and_keeps_two_factor() {
    let app = spawn_app().await;
    let mut user = app
        .create_user(Role::Signatory, Some("kent"), "Kent County Council")
        .await;
    let elsewhere = app.another_browser();
    elsewhere.sign_in(&user).await;
    sqlx::query("UPDATE users SET must_change_password = true WHERE id = $1")
        .bind(user.id)
        .execute(&app.pool)
        .await
        .unwrap();
    ask_for_link(&app, &user.email).await;
    let link = newest_link(&app, &user.email).await;

    let browser = app.another_browser();
    let page = browser.get_html(&link).await;
    assert!(page.contains("Choose a new password"));
    assert!(page.contains(&user.email));
    // Bad input: 422, nothing used up.
    let response = browser
        .post_form(
            &link,
            &[
                ("new_password", NEW_PASSWORD),
                ("confirm_password", "something else"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = browser
        .post_form(&link, &new_password_form("password1234"))
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("harder to guess"), "{page}");

    let response = browser
        .post_form(&link, &new_password_form(NEW_PASSWORD))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?done=password-reset");
    let page = browser.get_html("/sign-in?done=password-reset").await;
    assert!(page.contains("Your password has been changed"));

    assert!(!elsewhere.is_signed_in().await, "every session ended");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    // The old password no longer works.
    let old = browser
        .post_form(
            "/sign-in",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;
    assert_eq!(old.status(), 422);
    // The link works once.
    let again = browser.get(&link).await;
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("Ask for a new link"));
    let again = browser
        .post_form(&link, &new_password_form("another fine password 2015"))
        .await;
    assert_eq!(again.status(), 410);

    // The new one does, still with two-factor, and no password change is required.
    user.password = NEW_PASSWORD.to_owned();
    app.clock.advance(Duration::seconds(31));
    let fresh = app.another_browser();
    let response = fresh
        .post_form(
            "/sign-in",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;
    assert_eq!(location(&response), "/sign-in/two-factor");
    let code = app.totp_code(&user);
    let response = fresh
        .post_form("/sign-in/two-factor", &[("code", &code)])
        .await;
    assert_eq!(location(&response), "/");
    assert!(fresh.is_signed_in().await);
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"password_reset.requested".to_owned()));
    assert!(actions.contains(&"user.password_reset".to_owned()));
}

#[tokio::test]
async fn a_link_expires_after_an_hour_and_unknown_links_are_refused() {
    let app = spawn_app().await;
    let user = kent_officer(&app).await;
    ask_for_link(&app, &user.email).await;
    let link = newest_link(&app, &user.email).await;
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.get(&link).await.status(), 200, "still good");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.get(&link).await.status(), 410);
    let response = app
        .another_browser()
        .post_form(&link, &new_password_form(NEW_PASSWORD))
        .await;
    assert_eq!(response.status(), 410);
    assert_eq!(app.get("/password-reset/not-a-token").await.status(), 410);
    app.sign_in(&user).await;
}

#[tokio::test]
async fn at_most_three_links_an_hour_go_to_one_account() {
    let app = spawn_app().await;
    let user = kent_officer(&app).await;
    let mut pages = Vec::new();
    for _ in 0..5 {
        let (status, page) = ask_for_link(&app, &user.email).await;
        assert_eq!(status, 200);
        pages.push(without_tokens(&page));
    }
    assert!(pages.windows(2).all(|pair| pair[0] == pair[1]), "same page");
    assert_eq!(reset_mails(&app, &user.email).await.len(), 3);
    app.clock.advance(Duration::minutes(61));
    ask_for_link(&app, &user.email).await;
    assert_eq!(reset_mails(&app, &user.email).await.len(), 4);
}

#[tokio::test]
async fn two_uses_of_one_link_at_once_let_exactly_one_through() {
    let app = spawn_app().await;
    let user = kent_officer(&app).await;
    ask_for_link(&app, &user.email).await;
    let link = newest_link(&app, &user.email).await;
    let (first, second) = (app.another_browser(), app.another_browser());
    // Both open the form first, so each has its CSRF cookie.
    first.get_html(&link).await;
    second.get_html(&link).await;
    let (one, other) = (
        new_password_form(NEW_PASSWORD),
        new_password_form("another fine password 2015"),
    );
    let (a, b) = tokio::join!(
        first.post_form(&link, &one),
        second.post_form(&link, &other),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 410]);
    let resets = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|action| action == "user.password_reset")
        .count();
    assert_eq!(resets, 1);
}

#[tokio::test]
async fn the_link_arrives_by_smtp() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(
        &[
            ("ITF_WORKER", "true".to_owned()),
            ("ITF_MAIL_POLL_MS", "40".to_owned()),
            ("ITF_SMTP_URL", smtp.url()),
        ],
        Clock::fixed(time::OffsetDateTime::now_utc()),
    )
    .await;
    let user = kent_officer(&app).await;
    ask_for_link(&app, &user.email).await;
    // Only the officer's messages: from 08:00 UK time the worker also mails the demo's daily
    // digests (the lead's, say), which have nothing to do with this.
    let to_officer = || {
        smtp.received()
            .into_iter()
            .filter(|message| message.to == vec![user.email.clone()])
            .collect::<Vec<_>>()
    };
    let mut received = Vec::new();
    for _ in 0..500 {
        received = to_officer();
        if !received.is_empty() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    assert_eq!(received.len(), 1, "one message");
    let message = &received[0];
    assert_eq!(message.subject(), "Reset your ITF planner password");
    // Undo quoted-printable's soft line breaks.
    let data = message.data.replace("=\r\n", "").replace("=3D", "=");
    assert!(
        data.contains(&newest_link(&app, &user.email).await),
        "{data}"
    );
}
