//! Notifications over HTTP and SMTP: mail delivered to a real SMTP server on loopback, each
//! message once with two servers sharing the outbox; a refusing server means retries with
//! back-off, then "failed" for an administrator to send again, never a loss; daily digests at
//! the hour each person chose, once a day, with everything waiting; immediate mail only for
//! what may be immediate; mentions in comments; the notifications page and its unread count;
//! the email settings form (422, 409); the outbox without SMTP, hiding links into accounts;
//! overdue deadlines told once; sign-off telling whoever acts next; many told in one batch.

use std::time::Duration as StdDuration;

use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use itf_planner::clock::Clock;
use itf_planner::notifications::outbox::{OutgoingMail, Purpose};
use itf_planner::notifications::{NewNotice, NoticeKind, notify_all, send_mail};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::helpers::{TestApp, TestUser, location, second_server, spawn_app, spawn_app_with};
use crate::signoff::{make_checks_pass, open_round, person};
use crate::smtp::SmtpServer;

/// 07:00 in London on a winter Friday: before the default digest hour.
const WINTER_MORNING: OffsetDateTime = datetime!(2014-02-14 07:00 UTC);
const VISION: &str = "/areas/kent/plans/2014-16/sections/vision";

fn worker_settings(smtp: Option<&SmtpServer>) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("ITF_WORKER", "true".to_owned()),
        ("ITF_MAIL_POLL_MS", "40".to_owned()),
    ];
    if let Some(smtp) = smtp {
        settings.push(("ITF_SMTP_URL", smtp.url()));
    }
    settings
}

/// An app running its background jobs, at `at`, sending to `smtp`.
async fn mail_app(smtp: Option<&SmtpServer>, at: OffsetDateTime) -> TestApp {
    spawn_app_with(&worker_settings(smtp), Clock::fixed(at)).await
}

/// Waits up to ten seconds for `condition`, checking every 20 ms.
async fn eventually<F, Fut>(what: &str, condition: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if condition().await {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Long enough for several worker rounds (40 ms apart) to have run.
async fn a_few_rounds() {
    tokio::time::sleep(StdDuration::from_millis(400)).await;
}

async fn queue(app: &TestApp, to: &str, subject: &str, purpose: Purpose) -> i64 {
    let mut conn = app.pool.acquire().await.unwrap();
    send_mail(
        &mut conn,
        &OutgoingMail {
            user_id: None,
            to_address: to.to_owned(),
            purpose,
            subject: subject.to_owned(),
            body: format!("The body of {subject}.\nSecret: https://x.example/reset/s3cr3t"),
        },
        app.clock.now(),
    )
    .await
    .unwrap()
}

async fn tell(app: &TestApp, user: UserId, kind: NoticeKind, title: &str) {
    let mut conn = app.pool.acquire().await.unwrap();
    notify_all(
        &mut conn,
        &[NewNotice {
            user_id: user,
            kind,
            area_id: None,
            title: title.to_owned(),
            body: String::new(),
            link: "/areas/kent".to_owned(),
            once_key: None,
        }],
        app.clock.now(),
        "http://itf.test",
    )
    .await
    .unwrap();
}

/// (waiting, sent, failed) in the outbox.
async fn outbox(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
                count(*) FILTER (WHERE sent_at IS NOT NULL),
                count(*) FILTER (WHERE failed_at IS NOT NULL)
         FROM mail_outbox",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Whether the message was (sent, given up).
async fn fate(app: &TestApp, id: i64) -> (bool, bool) {
    sqlx::query_as(
        "SELECT sent_at IS NOT NULL, failed_at IS NOT NULL FROM mail_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn to(smtp: &SmtpServer, user: &TestUser) -> Vec<String> {
    smtp.received()
        .into_iter()
        .filter(|message| message.to.contains(&user.email))
        .map(|message| message.data)
        .collect()
}

/// (kind, title, link) of each of the person's notices, oldest first.
async fn notices(app: &TestApp, user: UserId) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT kind, title, link FROM notices WHERE user_id = $1 ORDER BY id")
        .bind(user)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn kinds_and_titles(app: &TestApp, user: UserId) -> Vec<(String, String)> {
    notices(app, user)
        .await
        .into_iter()
        .map(|(kind, title, _)| (kind, title))
        .collect()
}

async fn overdue_titles(app: &TestApp, user: UserId) -> Vec<String> {
    notices(app, user)
        .await
        .into_iter()
        .filter(|(kind, _, _)| kind == "overdue")
        .map(|(_, title, _)| title)
        .collect()
}

async fn signed_in(
    app: &TestApp,
    role: Role,
    area: &str,
    organisation: &str,
) -> (TestApp, TestUser) {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    (browser, user)
}

#[tokio::test]
async fn two_servers_sharing_the_outbox_send_each_message_exactly_once() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(&smtp), WINTER_MORNING).await;
    let _second = second_server(&app, &worker_settings(Some(&smtp))).await;
    let total = 40;
    for n in 0..total {
        queue(
            &app,
            "jo@kent.example",
            &format!("Message {n}"),
            Purpose::Notice,
        )
        .await;
    }
    eventually("every message is sent", || async {
        outbox(&app).await == (0, total, 0)
    })
    .await;
    a_few_rounds().await;
    let mut subjects: Vec<String> = smtp.received().iter().map(|m| m.subject()).collect();
    assert_eq!(subjects.len(), total as usize, "no message sent twice");
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), total as usize, "each message sent");
    let received = smtp.received();
    let first = received
        .iter()
        .find(|m| m.subject() == "Message 0")
        .unwrap();
    assert_eq!(first.to, vec!["jo@kent.example"]);
    assert!(
        first
            .data
            .contains("From: \"ITF planner\" <no-reply@itf-planner.invalid>")
            || first
                .data
                .contains("From: ITF planner <no-reply@itf-planner.invalid>"),
        "{}",
        first.data
    );
    assert!(first.data.contains("The body of Message 0."));
}

#[tokio::test]
async fn a_refusing_server_means_retries_with_back_off_then_failed_and_sent_again_never_lost() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(&smtp), WINTER_MORNING).await;
    smtp.refuse_next(1);
    let id = queue(&app, "jo@kent.example", "Try again", Purpose::Notice).await;
    let attempts = || async {
        sqlx::query_as::<_, (i32, Option<String>, OffsetDateTime)>(
            "SELECT attempts, last_error, next_attempt_at FROM mail_outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    eventually("the first attempt fails", || async {
        attempts().await.0 == 1
    })
    .await;
    let (_, error, next) = attempts().await;
    assert!(error.unwrap().contains("try again later"));
    assert_eq!(
        next,
        WINTER_MORNING + Duration::minutes(1),
        "tried again in a minute"
    );
    a_few_rounds().await;
    assert!(smtp.received().is_empty());
    assert_eq!(attempts().await.0, 1, "not before its time");
    app.clock.advance(Duration::seconds(61));
    eventually("the second attempt is sent", || async {
        fate(&app, id).await == (true, false)
    })
    .await;
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(attempts().await.0, 2);

    // A relay that refuses everything: fourteen attempts, then failed, seen by administrators.
    smtp.refuse_next(usize::MAX);
    let stuck = queue(&app, "jo@kent.example", "Never accepted", Purpose::Notice).await;
    for attempt in 1..=itf_planner::notifications::outbox::MAX_ATTEMPTS {
        eventually("the next attempt fails", || async {
            sqlx::query_scalar::<_, i32>("SELECT attempts FROM mail_outbox WHERE id = $1")
                .bind(stuck)
                .fetch_one(&app.pool)
                .await
                .unwrap()
                == attempt
        })
        .await;
        app.clock.advance(Duration::hours(5));
    }
    // (Fifty hours on, the overdue 2014 deadlines make digests for the demo's leads: only
    // these two messages are looked at.)
    assert_eq!(fate(&app, id).await, (true, false));
    assert_eq!(fate(&app, stuck).await, (false, true), "given up, not lost");
    // The worker records giving up just after the outbox row, in its own transaction.
    eventually("giving up is in the audit log", || async {
        app.audit_actions()
            .await
            .contains(&"mail.given_up".to_owned())
    })
    .await;
    let admin = app.another_browser();
    admin
        .sign_in(&app.create_user(Role::Admin, None, "NHS England").await)
        .await;
    let failed = admin.get_html("/admin/outbox?show=failed").await;
    assert!(failed.contains("Never accepted"), "{failed}");
    assert!(failed.contains("Failed (1)"));
    let message = admin.get_html(&format!("/admin/outbox/{stuck}")).await;
    assert!(
        message.contains("try again later"),
        "the last error is shown"
    );
    assert!(message.contains("Send it again"));
    smtp.refuse_next(0);
    let response = admin
        .post_form(&format!("/admin/outbox/{stuck}/send-again"), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("/admin/outbox/{stuck}?done=queued")
    );
    eventually("sent again", || async {
        fate(&app, stuck).await == (true, false)
    })
    .await;
    let subjects: Vec<String> = smtp.received().iter().map(|m| m.subject()).collect();
    assert_eq!(
        subjects.iter().filter(|s| *s == "Never accepted").count(),
        1
    );
    assert_eq!(subjects.iter().filter(|s| *s == "Try again").count(), 1);
    assert!(
        app.audit_actions()
            .await
            .contains(&"mail.sent_again".to_owned())
    );
}

#[tokio::test]
async fn digests_come_once_a_day_at_the_hour_chosen_with_everything_waiting_from_two_servers() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(&smtp), WINTER_MORNING).await;
    let _second = second_server(&app, &worker_settings(Some(&smtp))).await;
    let (_, jo) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let (early_browser, early) =
        signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    // The early riser wants the digest at 07:00, which it is.
    let response = early_browser
        .post_form(
            "/account/notifications",
            &[("mail", "digest"), ("digest_hour", "7"), ("version", "0")],
        )
        .await;
    assert_eq!(response.status(), 303);
    tell(
        &app,
        jo.id,
        NoticeKind::News,
        "Kent's plan went to sign-off",
    )
    .await;
    tell(
        &app,
        jo.id,
        NoticeKind::Assignment,
        "Your decision is needed",
    )
    .await;
    tell(&app, jo.id, NoticeKind::Mention, "Sam mentioned you").await;
    tell(&app, early.id, NoticeKind::News, "Early news").await;
    eventually("the early riser's digest", || async {
        to(&smtp, &early).len() == 1
    })
    .await;
    a_few_rounds().await;
    assert!(to(&smtp, &jo).is_empty(), "Jo's digest waits for 08:00");

    app.clock.advance(Duration::hours(1));
    eventually("Jo's digest", || async { to(&smtp, &jo).len() == 1 }).await;
    let digest = &to(&smtp, &jo)[0];
    assert!(
        digest.contains("Subject: ITF planner: 3 updates for 14 February 2014"),
        "{digest}"
    );
    let to_do = digest.find("Your decision is needed").unwrap();
    let mention = digest.find("Sam mentioned you").unwrap();
    let news = digest.find("Kent's plan went to sign-off").unwrap();
    assert!(
        to_do < mention && mention < news,
        "things to do first: {digest}"
    );

    // Something new after today's digest waits for tomorrow's.
    tell(&app, jo.id, NoticeKind::News, "Later news").await;
    a_few_rounds().await;
    assert_eq!(
        to(&smtp, &jo).len(),
        1,
        "one digest a day, from two servers"
    );
    assert_eq!(to(&smtp, &early).len(), 1);
    app.clock.advance(Duration::days(1));
    eventually("the next day's digest", || async {
        to(&smtp, &jo).len() == 2
    })
    .await;
    assert!(to(&smtp, &jo)[1].contains("1 update for 15 February 2014"));
    a_few_rounds().await;
    assert_eq!(to(&smtp, &early).len(), 1, "no digest without news");
}

#[tokio::test]
async fn mentions_reach_area_members_at_once_when_they_chose_it_and_news_waits_for_the_digest() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(&smtp), WINTER_MORNING).await;
    let (author_browser, author) =
        signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let (keen_browser, keen) = signed_in(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let (_, calm) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let (_, elsewhere) = signed_in(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;
    let response = keen_browser
        .post_form(
            "/account/notifications",
            &[
                ("mail", "immediate"),
                ("digest_hour", "8"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let name = |user: &TestUser| user.email.split('@').next().unwrap().to_owned();
    let body = format!(
        "@{} and @{}: please check. Not @{}, nor @{} myself, nor {}.",
        name(&keen),
        name(&calm),
        name(&elsewhere),
        name(&author),
        calm.email
    );
    let response = author_browser
        .post_form(
            &format!("{VISION}/comments"),
            &[("body", &body), ("thread", "")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let keen_notices = notices(&app, keen.id).await;
    assert_eq!(keen_notices.len(), 1);
    let (kind, title, link) = &keen_notices[0];
    assert_eq!(kind, "mention");
    assert_eq!(
        title,
        "Test Officer mentioned you on Vision for health and care services (Kent)"
    );
    assert!(link.starts_with(&format!("{VISION}#comment-")), "{link}");
    // The mention waits on the home page until read.
    let home = keen_browser.get_html("/").await;
    assert!(home.contains("Mentions you have not read"), "{home}");
    assert!(home.contains(&format!("href=\"{link}\"")));
    assert_eq!(
        notices(&app, calm.id).await.len(),
        1,
        "the calm one is told in the product"
    );
    assert!(
        notices(&app, elsewhere.id).await.is_empty(),
        "not a member of Kent"
    );
    assert!(
        notices(&app, author.id).await.is_empty(),
        "not told of their own comment"
    );

    eventually("the keen lead's mail", || async {
        to(&smtp, &keen).len() == 1
    })
    .await;
    assert!(
        to(&smtp, &keen)[0]
            .contains("Subject: Test Officer mentioned you on Vision for health and care")
    );
    // News is never immediate; the calm officer waits for the 08:00 digest.
    tell(&app, keen.id, NoticeKind::News, "Some news").await;
    a_few_rounds().await;
    assert_eq!(to(&smtp, &keen).len(), 1);
    assert!(to(&smtp, &calm).is_empty());
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"comment.added".to_owned()));
}

#[tokio::test]
async fn the_notifications_page_counts_unread_opens_each_in_its_place_and_marks_all_read() {
    let app = spawn_app().await;
    let (browser, user) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let (other_browser, other) =
        signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let home = browser.get_html("/").await;
    assert!(!home.contains("app-unread"), "nothing unread yet");
    tell(&app, user.id, NoticeKind::Assignment, "First thing").await;
    tell(&app, user.id, NoticeKind::Mention, "Second thing").await;
    tell(&app, other.id, NoticeKind::News, "Someone else's").await;
    let home = browser.get_html("/").await;
    assert!(
        home.contains(">2<span class=\"govuk-visually-hidden\"> unread</span>"),
        "{home}"
    );
    let page = browser.get_html("/notifications").await;
    assert!(page.contains("First thing") && page.contains("Second thing"));
    assert!(!page.contains("Someone else's"));
    assert!(
        page.find("Second thing").unwrap() < page.find("First thing").unwrap(),
        "newest first"
    );
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM notices WHERE user_id = $1 ORDER BY id")
        .bind(user.id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let others: i64 = sqlx::query_scalar("SELECT id FROM notices WHERE user_id = $1")
        .bind(other.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let response = browser
        .post_form(&format!("/notifications/{}/open", ids[0]), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/areas/kent");
    let home = browser.get_html("/").await;
    assert!(home.contains(">1<span class=\"govuk-visually-hidden\"> unread</span>"));
    // Someone else's notice is not found, and stays unread.
    for verb in ["open", "read"] {
        let response = browser
            .post_form(&format!("/notifications/{others}/{verb}"), &[])
            .await;
        assert_eq!(response.status(), 404);
    }
    assert!(other_browser.get_html("/").await.contains(">1<span"));

    let page = browser.get_html("/notifications").await;
    let fields = crate::helpers::form_fields_in(&page, "/notifications/read-all").unwrap();
    // A notice arriving after the page was shown is not marked by it.
    tell(&app, user.id, NoticeKind::News, "Arrived later").await;
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let response = browser.post_form("/notifications/read-all", &fields).await;
    assert_eq!(location(&response), "/notifications?done=all-read");
    let page = browser.get_html("/notifications?done=all-read").await;
    assert!(page.contains("All notifications marked as read"));
    let unread: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notices WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(unread, 1, "only the one that arrived later");
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"notice.read".to_owned()));
    assert!(audit.contains(&"notice.all_read".to_owned()));
}

#[tokio::test]
async fn email_settings_refuse_nonsense_keeping_choices_and_a_stale_form_conflicts() {
    let app = spawn_app().await;
    let (browser, user) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let page = browser.get_html("/account/notifications").await;
    assert!(page.contains("A daily digest at a time I choose"));
    assert!(page.contains("value=\"8\" selected"), "08:00 by default");
    let response = browser
        .post_form(
            "/account/notifications",
            &[
                ("mail", "carrier-pigeon"),
                ("digest_hour", "17"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Select how you want to get email"));
    assert!(
        html.contains("value=\"17\" selected"),
        "the hour typed is kept"
    );
    let response = browser
        .post_form(
            "/account/notifications",
            &[
                ("mail", "immediate"),
                ("digest_hour", "17"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account/notifications?done=saved");
    // The same form again, from another tab still showing version 0.
    let response = browser
        .post_form(
            "/account/notifications",
            &[("mail", "none"), ("digest_hour", "6"), ("version", "0")],
        )
        .await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.unwrap();
    assert!(html.contains("changed in another window"));
    assert!(
        html.contains("value=\"none\" checked"),
        "this form's choice kept"
    );
    let saved: (String, i16) =
        sqlx::query_as("SELECT mail, digest_hour FROM notice_settings WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(saved, ("immediate".to_owned(), 17));
    assert!(
        app.audit_actions()
            .await
            .contains(&"notice_settings.changed".to_owned())
    );
}

#[tokio::test]
async fn without_smtp_mail_waits_in_the_outbox_for_administrators_but_links_into_accounts_are_hidden()
 {
    let app = spawn_app().await;
    let notice = queue(&app, "jo@kent.example", "A notice", Purpose::Notice).await;
    let reset = queue(
        &app,
        "jo@kent.example",
        "Reset your password",
        Purpose::PasswordReset,
    )
    .await;
    let admin = app.another_browser();
    admin
        .sign_in(&app.create_user(Role::Admin, None, "NHS England").await)
        .await;
    let list = admin.get_html("/admin/outbox").await;
    assert!(list.contains("No SMTP server is set up"));
    assert!(list.contains("A notice") && list.contains("Reset your password"));
    assert!(list.contains("Waiting (2)"));
    let shown = admin.get_html(&format!("/admin/outbox/{notice}")).await;
    assert!(shown.contains("The body of A notice."));
    let hidden = admin.get_html(&format!("/admin/outbox/{reset}")).await;
    assert!(
        !hidden.contains("s3cr3t"),
        "a reset link is not shown to administrators"
    );
    assert!(hidden.contains("is not shown here"));
    let (officer, _) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    assert_eq!(officer.get("/admin/outbox").await.status(), 403);
    assert_eq!(
        officer
            .get(&format!("/admin/outbox/{notice}"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn leads_are_told_of_an_overdue_deadline_once_however_many_servers_look() {
    let app = mail_app(None, datetime!(2013-10-01 12:00 UTC)).await;
    let _second = second_server(&app, &worker_settings(None)).await;
    let (lead_browser, lead) = signed_in(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let (_, officer) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
    let response = lead_browser
        .post_form(
            "/areas/kent/deadlines/new",
            &[
                ("title", "Risk register to the October board"),
                ("due_day", "5"),
                ("due_month", "10"),
                ("due_year", "2013"),
                ("met_by", "manual"),
                ("plan", ""),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    a_few_rounds().await;
    assert!(
        overdue_titles(&app, lead.id).await.is_empty(),
        "not overdue yet"
    );
    app.clock.advance(Duration::days(5));
    eventually("the lead is told", || async {
        !overdue_titles(&app, lead.id).await.is_empty()
    })
    .await;
    a_few_rounds().await;
    assert_eq!(
        overdue_titles(&app, lead.id).await,
        vec!["Overdue in Kent: Risk register to the October board".to_owned()],
        "once, from two servers"
    );
    assert!(
        overdue_titles(&app, officer.id).await.is_empty(),
        "leads are told"
    );
}

#[tokio::test]
async fn opening_a_round_gives_signatories_a_decision_to_make_and_the_rest_of_the_area_news() {
    let app = spawn_app().await;
    app.clock
        .advance(datetime!(2014-04-10 07:00 UTC) - app.clock.now());
    make_checks_pass(&app, "kent", "2014-16").await;
    let lead = person(&app, Role::AreaLead, Some("kent"), "Kent County Council").await;
    let signatory = person(&app, Role::Signatory, Some("kent"), "Kent County Council").await;
    let officer = person(&app, Role::Officer, Some("kent"), "Kent County Council").await;
    let outsider = person(&app, Role::Officer, Some("rotherham"), "NHS Rotherham CCG").await;
    open_round(
        &lead,
        "/areas/kent/plans/2014-16",
        "Draft submission",
        "draft-plans",
    )
    .await;
    let told = kinds_and_titles(&app, signatory.user.id).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, "assignment");
    assert!(
        told[0].1.starts_with("Your decision is needed: Kent's"),
        "{:?}",
        told[0]
    );
    let told = kinds_and_titles(&app, officer.user.id).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, "news");
    assert!(
        kinds_and_titles(&app, lead.user.id).await.is_empty(),
        "not told of what they did"
    );
    assert!(kinds_and_titles(&app, outsider.user.id).await.is_empty());
    let page = signatory.browser.get_html("/notifications").await;
    assert!(page.contains("Your decision is needed"));
}

#[tokio::test]
async fn telling_many_at_once_makes_each_notice_once_and_mails_only_who_chose_immediate_mail() {
    // No worker: what notify_all itself does is what is seen.
    let app = spawn_app().await;
    let mut people = Vec::new();
    for choice in ["immediate", "none", "digest"] {
        let (browser, user) = signed_in(&app, Role::Officer, "kent", "Kent County Council").await;
        let response = browser
            .post_form(
                "/account/notifications",
                &[("mail", choice), ("digest_hour", "8"), ("version", "0")],
            )
            .await;
        assert_eq!(response.status(), 303, "{choice}");
        people.push(user);
    }
    let notice = |user: &TestUser, kind: NoticeKind, once: Option<&str>| NewNotice {
        user_id: user.id,
        kind,
        area_id: None,
        title: format!("{} for {}", kind.label(), user.email),
        body: String::new(),
        link: "/areas/kent".to_owned(),
        once_key: once.map(str::to_owned),
    };
    let batch = [
        notice(&people[0], NoticeKind::Overdue, Some("overdue:1")),
        // The same once-key twice in one batch: made once.
        notice(&people[0], NoticeKind::Overdue, Some("overdue:1")),
        notice(&people[0], NoticeKind::News, None),
        notice(&people[1], NoticeKind::Mention, None),
        notice(&people[2], NoticeKind::Assignment, None),
    ];
    let mut conn = app.pool.acquire().await.unwrap();
    let made = notify_all(&mut conn, &batch, app.clock.now(), "http://itf.test")
        .await
        .unwrap();
    assert_eq!(made, 4);
    // Told again: only what has no once-key is new.
    let again = notify_all(&mut conn, &batch[..2], app.clock.now(), "http://itf.test")
        .await
        .unwrap();
    assert_eq!(again, 0);

    let outbox: Vec<(String, String)> =
        sqlx::query_as("SELECT to_address, subject FROM mail_outbox ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        outbox.len(),
        1,
        "only the overdue item is mailed at once: {outbox:?}"
    );
    assert_eq!(outbox[0].0, people[0].email);
    let unmailed = |user: &TestUser| {
        let pool = app.pool.clone();
        let id = user.id;
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT kind FROM notices WHERE user_id = $1 AND mailed_at IS NULL ORDER BY id",
            )
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        unmailed(&people[0]).await,
        ["news"],
        "news waits for the digest"
    );
    assert!(
        unmailed(&people[1]).await.is_empty(),
        "no mail: never waits"
    );
    assert_eq!(
        unmailed(&people[2]).await,
        ["assignment"],
        "the digest takes it"
    );
}
