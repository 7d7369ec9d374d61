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
    assert!(body.contains("<script type=\"module\" src=\"/static/app.js?v="));
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
async fn pages_link_versioned_assets_that_browsers_keep_for_a_year() {
    let app = spawn_app().await;
    let page = app.get("/sign-in").await.text().await.unwrap();
    for name in ["app.css", "app.js"] {
        let start = page
            .find(&format!("/static/{name}?v="))
            .unwrap_or_else(|| panic!("{name} is linked with its version: {page}"));
        let url = &page[start..start + page[start..].find('"').unwrap()];
        let response = app.get(url).await;
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let served = response.bytes().await.unwrap();
        let on_disk = std::fs::read(format!("static/{name}")).unwrap();
        assert_eq!(served.as_ref(), on_disk.as_slice(), "{url} is the file");
    }
}

/// Sends `accept_encoding` for `path`; returns the Content-Encoding (if any) and the raw body.
async fn fetch_encoded(
    app: &crate::helpers::TestApp,
    path: &str,
    accept_encoding: &str,
) -> (Option<String>, Vec<u8>) {
    // The tests' reqwest decodes nothing (no compression features): bodies come as sent.
    let client = reqwest::Client::new();
    let response = client
        .get(app.url(path))
        .header("accept-encoding", accept_encoding)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["vary"], "accept-encoding", "{path}");
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|value| value.to_str().unwrap().to_owned());
    (encoding, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn static_files_are_served_precompressed_not_compressed_per_request() {
    let app = spawn_app().await;
    for path in [
        "/static/app.css",
        "/static/app.js",
        "/static/vendor/govuk-frontend/govuk-frontend.min.js",
    ] {
        let file = format!("static{}", path.trim_start_matches("/static"));
        let (encoding, body) = fetch_encoded(&app, path, "gzip, deflate, br, zstd").await;
        assert_eq!(encoding.as_deref(), Some("br"), "{path}");
        assert_eq!(
            body,
            std::fs::read(format!("{file}.br")).unwrap(),
            "{path}: the .br copy as it is"
        );
        let (encoding, body) = fetch_encoded(&app, path, "gzip").await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        assert_eq!(
            body,
            std::fs::read(format!("{file}.gz")).unwrap(),
            "{path}: the .gz copy as it is"
        );
        let (encoding, body) = fetch_encoded(&app, path, "identity").await;
        assert_eq!(encoding, None, "{path}");
        assert_eq!(body, std::fs::read(&file).unwrap(), "{path}");
    }
}

#[tokio::test]
async fn a_browser_holding_the_file_is_told_it_is_unchanged() {
    let app = spawn_app().await;
    let first = app.get("/static/app.css").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/static/app.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let changed = app
        .client
        .get(app.url("/static/app.css"))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(app.get("/static/nothing-here.css").await.status(), 404);
}

#[test]
fn the_precompressed_copies_are_of_the_files_as_they_are() {
    use std::io::Read;
    for file in [
        "static/app.css",
        "static/app.js",
        "static/favicon.svg",
        "static/vendor/govuk-frontend/govuk-frontend.min.js",
    ] {
        let source = std::fs::read(file).unwrap();
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(format!("{file}.gz")).unwrap())
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert!(
            gunzipped == source,
            "{file}.gz is stale: run bash frontend/build.sh"
        );
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(std::fs::File::open(format!("{file}.br")).unwrap(), 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap();
        assert!(
            unbrotlied == source,
            "{file}.br is stale: run bash frontend/build.sh"
        );
    }
}

/// Pages are gzipped by the server's own compressor for a browser that accepts gzip, whatever
/// else it accepts (`web::gzip`); one that accepts only brotli gets brotli from the compression
/// layer; one that accepts neither gets the page as it is.
#[tokio::test]
async fn pages_are_compressed_when_the_browser_accepts_it() {
    use std::io::Read;
    let app = spawn_app().await;
    let (encoding, plain) = fetch_encoded(&app, "/sign-in", "identity").await;
    assert_eq!(encoding, None);
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.contains("Sign in"), "the sign-in page");
    for accept in ["gzip", "gzip, deflate, br, zstd"] {
        let (encoding, body) = fetch_encoded(&app, "/sign-in", accept).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{accept}");
        let mut page = String::new();
        flate2::read::GzDecoder::new(body.as_slice())
            .read_to_string(&mut page)
            .unwrap();
        // The form's token differs between the two visits, and nothing else.
        let without_token = |page: &str| {
            let start = page
                .find("name=\"csrf_token\" value=\"")
                .expect("the form's token");
            let end = start + page[start..].find("\">").unwrap();
            format!("{}{}", &page[..start], &page[end..])
        };
        assert_eq!(without_token(&page), without_token(&plain), "{accept}");
    }
    let (encoding, _) = fetch_encoded(&app, "/sign-in", "br").await;
    assert_eq!(encoding.as_deref(), Some("br"));
}

#[tokio::test]
async fn a_health_check_with_a_session_cookie_runs_no_query() {
    use itf_planner::auth::policy::Role;
    crate::query_count::install();
    let app = spawn_app().await;
    let officer = app
        .create_user(Role::Officer, Some("kent"), "NHS Thanet CCG")
        .await;
    app.sign_in(&officer).await;
    assert!(
        crate::query_count::queries(&app, "/").await > 0,
        "a page loads the session"
    );
    assert_eq!(crate::query_count::queries(&app, "/healthz").await, 0);
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
