use crate::helpers::spawn_app;

#[tokio::test]
async fn start_page_explains_the_service() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Plan your area&#39;s Better Care Fund together")
            || body.contains("Plan your area's Better Care Fund together")
    );
    assert!(body.contains("<html lang=\"en\""));
    assert!(body.contains("/static/app.css"));
    assert!(body.contains("<script type=\"module\" src=\"/static/app.js\""));
}

#[tokio::test]
async fn unknown_path_gets_the_not_found_page_in_the_layout() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(body.contains("Page not found"));
    assert!(body.contains("/static/app.css"), "404 page uses the layout");
}

#[tokio::test]
async fn a_get_on_an_address_forms_post_to_gets_a_page_with_a_way_back() {
    use itf_planner::auth::policy::Role;
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    // The address the "open a round" form posts to; nothing answers a GET there.
    let response = app.get("/areas/kent/plans/2014-16/sign-off/rounds").await;
    assert_eq!(response.status(), 405);
    let body = response.text().await.unwrap();
    assert!(body.contains("This page cannot be opened directly"));
    assert!(body.contains("href=\"/\""), "a way back");
    assert!(
        body.contains("Your account"),
        "in the signed-in person's layout"
    );
}

#[tokio::test]
async fn pages_contain_no_inline_script_or_style() {
    let app = spawn_app().await;
    for path in ["/", "/no-such-page"] {
        let body = app.get(path).await.text().await.unwrap();
        for forbidden in [
            "<script>",
            "<script type=\"text/javascript\">",
            "style=\"",
            "<style",
            " onload=",
            " onclick=",
        ] {
            assert!(!body.contains(forbidden), "{path} contains {forbidden}");
        }
    }
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let method_not_allowed = app.client.post(app.url("/healthz")).send().await.unwrap();
    let responses = vec![
        ("page", app.get("/").await),
        ("not found", app.get("/nothing-here").await),
        ("static file", app.get("/static/app.css").await),
        ("missing static file", app.get("/static/nothing.css").await),
        ("health check", app.get("/healthz").await),
        ("readiness", app.get("/readyz").await),
        ("method not allowed", method_not_allowed),
    ];
    for (kind, response) in responses {
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{kind}: no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{kind}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{kind}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{kind}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{kind}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{kind}");
        assert_eq!(headers["x-frame-options"], "DENY", "{kind}");
        assert!(
            headers.contains_key("x-request-id"),
            "{kind}: no request id"
        );
        assert!(
            !headers.contains_key("strict-transport-security"),
            "{kind}: HSTS without TLS configured"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_configured_for_tls() {
    use crate::helpers::{browser_client, fresh_database, spawn_app_on};
    let database = fresh_database().await;
    let pool = database.pool.clone();
    let config = itf_planner::config::Config::from_lookup(|name| {
        (name == "ITF_PUBLIC_URL").then(|| "https://itf.example.org".to_owned())
    })
    .unwrap();
    let address = spawn_app_on(pool, config, itf_planner::clock::Clock::System).await;
    let response = browser_client()
        .get(format!("{address}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn static_files_are_cacheable_and_pages_are_not() {
    let app = spawn_app().await;
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
    assert!(css.headers().contains_key("last-modified"));
    let page = app.get("/").await;
    assert_eq!(page.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn responses_are_compressed_when_the_browser_accepts_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/static/app.css"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn error_pages_keep_the_signed_in_persons_navigation() {
    use itf_planner::auth::policy::Role;
    let app = spawn_app().await;
    let anonymous = app.get("/no-such-page").await.text().await.unwrap();
    assert!(!anonymous.contains("Sign out"));

    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    let response = app.get("/areas/rotherham").await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(body.contains("Page not found"));
    assert!(
        body.contains("Sign out") && body.contains("Your account"),
        "navigation kept"
    );
    let response = app.get("/admin").await;
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("Your account"));
}
