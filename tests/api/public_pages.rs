//! The public pages (help, accessibility statement, privacy notice, cookies), the navigation
//! marking the current page, and the small things of issue 13 item 13: a deep link kept through
//! failed sign-ins, search excerpts as plain text, the 405 page for visitors.

use itf_planner::auth::policy::Role;

use crate::helpers::{form_fields_in, location, spawn_app, spawn_app_with};
use crate::plans::{VISION, save};

const PUBLIC_PAGES: [(&str, &str); 4] = [
    ("/help", "Help with ITF planner"),
    ("/accessibility", "Accessibility statement for ITF planner"),
    ("/privacy", "Privacy notice"),
    ("/cookies", "Cookies"),
];

/// The `<footer>` of a page.
fn footer(html: &str) -> &str {
    let start = html.find("<footer").expect("a footer");
    &html[start..]
}

#[tokio::test]
async fn the_public_pages_open_without_signing_in_and_every_footer_links_to_them() {
    let app = spawn_app().await;
    for (path, heading) in PUBLIC_PAGES {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "GET {path} as a visitor");
        let body = response.text().await.unwrap();
        assert!(
            body.contains(&format!("<h1 class=\"govuk-heading-l\">{heading}</h1>")),
            "{path}: {heading}"
        );
        assert!(!body.contains("Sign out"), "{path}: a visitor's layout");
        // The footer marks the page being shown, and only that one.
        let footer = footer(&body);
        assert!(
            footer.contains(&format!("href=\"{path}\" aria-current=\"page\"")),
            "{path}: the footer marks it: {footer}"
        );
        assert_eq!(footer.matches("aria-current").count(), 1, "{path}");
    }

    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let signed_in = app.another_browser();
    signed_in.sign_in(&officer).await;
    for (browser, path) in [
        (&app, "/"),
        (&app, "/sign-in"),
        (&app, "/sign-in/forgot"),
        (&app, "/no-such-page"),
        (&signed_in, "/"),
        (&signed_in, "/areas/kent"),
        (&signed_in, "/account"),
        (&signed_in, VISION),
    ] {
        let body = browser.get(path).await.text().await.unwrap();
        let footer = footer(&body);
        for (href, _) in PUBLIC_PAGES {
            assert!(
                footer.contains(&format!("class=\"govuk-footer__link\" href=\"{href}\"")),
                "{path}: the footer links to {href}"
            );
        }
    }
    // Signed in, the same pages keep the person's navigation.
    for (path, _) in PUBLIC_PAGES {
        let body = signed_in.get_html(path).await;
        assert!(body.contains("Sign out"), "{path}: the signed-in layout");
    }
}

#[tokio::test]
async fn the_cookies_page_lists_every_cookie_the_service_sets() {
    let app = spawn_app().await;
    // A visitor's form cookie, then a signed-in session and a trusted browser.
    app.get("/sign-in").await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    let cookies = app.cookies();
    let names: Vec<&str> = cookies
        .split("; ")
        .filter_map(|pair| pair.split_once('=').map(|(name, _)| name))
        .collect();
    assert!(
        names.contains(&"itf_session") && names.contains(&"itf_device"),
        "{names:?}"
    );

    let page = app.get_html("/cookies").await;
    for name in names.iter().chain(&["itf_csrf"]) {
        assert!(
            page.contains(&format!("<code>{name}</code>")),
            "the cookies page lists {name}"
        );
    }
    assert!(page.contains("30 days"), "the trusted browser's lifetime");
    assert!(page.contains("30 minutes"), "the session's idle timeout");
    assert!(page.contains("no analytics"));
}

#[tokio::test]
async fn the_pages_give_the_contact_address_when_the_deployment_sets_one() {
    let app = spawn_app().await;
    for path in ["/help", "/accessibility", "/privacy"] {
        let body = app.get_html(path).await;
        assert!(
            body.contains("contact the organisation running this service"),
            "{path}"
        );
        assert!(!body.contains("mailto:"), "{path}");
    }

    let app = spawn_app_with(
        &[("ITF_CONTACT_EMAIL", "itf-support@example.org".to_owned())],
        itf_planner::clock::Clock::System,
    )
    .await;
    for path in ["/help", "/accessibility", "/privacy", "/cookies"] {
        let body = app.get_html(path).await;
        assert!(
            body.contains("href=\"mailto:itf-support@example.org\""),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_privacy_notice_and_the_statement_state_what_the_product_does() {
    let app = spawn_app().await;
    let privacy = app.get_html("/privacy").await;
    // Refused sign-ins, a session at most, a trusted browser, the audit log.
    for fact in ["90 days", "12 hours", "30 days", "Permanently"] {
        assert!(privacy.contains(fact), "privacy notice: {fact}");
    }
    assert!(privacy.contains("the organisation running this service"));
    let statement = app.get_html("/accessibility").await;
    for part in [
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website",
        "Compliance status",
        "Non-accessible content",
        "What we tested and how",
        "Preparation of this accessibility statement",
        "WCAG 2.2",
    ] {
        assert!(statement.contains(part), "accessibility statement: {part}");
    }
}

#[tokio::test]
async fn the_navigation_marks_the_current_page() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;

    let page = app.get_html("/notifications").await;
    assert!(
        page.contains(
            "<li class=\"govuk-service-navigation__item govuk-service-navigation__item--active\"><a class=\"govuk-service-navigation__link\" href=\"/notifications\" aria-current=\"page\">"
        ),
        "{page}"
    );
    assert_eq!(page.matches("aria-current").count(), 1);

    // Below a part of the service: its link is active, not the current page.
    let page = app.get_html("/account/notifications").await;
    assert!(page.contains("href=\"/account\" aria-current=\"true\""));
    assert!(!page.contains("aria-current=\"page\""));

    // The home page, and an area's pages under "Your areas".
    let page = app.get_html("/").await;
    assert!(page.contains("href=\"/\" aria-current=\"page\""));
    let page = app.get_html("/areas/kent").await;
    assert!(page.contains("href=\"/\" aria-current=\"true\""));

    // Error pages too, in the person's own layout.
    let page = app.get("/account/nothing-here").await.text().await.unwrap();
    assert!(page.contains("href=\"/account\" aria-current=\"true\""));
}

#[tokio::test]
async fn a_deep_link_survives_failed_sign_ins() {
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    let deep_link = "/areas/kent/plans/2014-16/sections/vision?tab=comments";

    let response = app.get(deep_link).await;
    assert_eq!(response.status(), 303);
    let sign_in = location(&response);
    assert!(sign_in.starts_with("/sign-in?next="), "{sign_in}");
    let mut page = app.get_html(&sign_in).await;

    // Twice wrong, then right, as a browser would: each time sending the form's hidden fields
    // as the page (the sign-in page, then the page refusing the attempt) carries them.
    let send = |page: String, password: String| {
        let app = app.clone();
        let email = officer.email.clone();
        async move {
            let hidden = form_fields_in(&page, "/sign-in").expect("the sign-in form");
            assert!(
                hidden
                    .iter()
                    .any(|(name, value)| name == "next" && value == deep_link),
                "the form still carries the deep link: {hidden:?}"
            );
            let mut fields: Vec<(&str, &str)> = hidden
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            fields.extend([("email", email.as_str()), ("password", password.as_str())]);
            app.post_form("/sign-in", &fields).await
        }
    };
    for attempt in ["not the password", ""] {
        let response = send(page, attempt.to_owned()).await;
        assert_eq!(response.status(), 422, "attempt {attempt:?}");
        page = response.text().await.unwrap();
    }
    let response = send(page, officer.password.clone()).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), deep_link);
}

#[tokio::test]
async fn the_sign_in_page_points_to_the_forgotten_password_page_and_not_to_area_leads() {
    let app = spawn_app().await;
    let page = app.get_html("/sign-in").await;
    assert!(page.contains("href=\"/sign-in/forgot\">Forgotten your password?</a>"));
    assert!(!page.contains("area lead"), "leads cannot reset passwords");
}

#[tokio::test]
async fn search_excerpts_show_the_text_as_readers_see_it_not_its_markdown() {
    let app = spawn_app().await;
    let (browser, _) = crate::plans::officer(&app, "Kent County Council").await;
    let response = save(
        &browser,
        VISION,
        "## Our zebrafinch vision\n\nWe will **reduce** [zebrafinch admissions](https://example.org/a) by *5%*.\n\n| Year | Zebrafinch spend |\n| --- | --- |\n| 2014/15 | £3m |",
    )
    .await;
    assert_eq!(response.status(), 303);

    let results = browser.get_html("/areas/kent/search?q=zebrafinch").await;
    assert!(results.contains("1 result"), "{results}");
    let excerpt_start = results.find("<mark>").expect("a highlighted match");
    let paragraph_start = results[..excerpt_start].rfind("<p").unwrap();
    let paragraph_end = excerpt_start + results[excerpt_start..].find("</p>").unwrap();
    let excerpt = &results[paragraph_start..paragraph_end];
    assert!(
        excerpt.contains("<mark>zebrafinch</mark> vision"),
        "{excerpt}"
    );
    assert!(excerpt.contains("We will reduce"), "{excerpt}");
    for markdown in ["##", "**", "](", "https://example.org", "|", "---"] {
        assert!(!excerpt.contains(markdown), "{markdown} in {excerpt}");
    }
}

#[tokio::test]
async fn a_visitor_opening_an_address_forms_post_to_gets_a_page_with_a_way_back() {
    let app = spawn_app().await;
    for path in ["/sign-out", "/notifications/read-all"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 405, "GET {path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("This page cannot be opened directly"),
            "{path}"
        );
        assert!(
            body.contains("<a href=\"/\" class=\"govuk-link\">"),
            "{path}: a way back"
        );
        assert!(body.contains("/static/app.css"), "{path}: in the layout");
    }
}
