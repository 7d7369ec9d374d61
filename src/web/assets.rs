//! Static files (CSS, JavaScript, images) under `/static`.
//!
//! They are served as `frontend/build.sh` wrote them, including its gzip and brotli copies: a
//! browser that accepts either gets the precompressed bytes (like nginx's `gzip_static`), so no
//! request compresses anything. Pages link the stylesheet and script with a `?v=` of their
//! content's hash ([`stylesheet`], [`script`]); such a URL names those exact bytes, so browsers
//! keep it for a year without asking again. Other URLs are kept for an hour.

use std::path::Path;
use std::sync::LazyLock;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;

/// For a URL that names a version of the file: it never changes.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// For a URL that does not: a deployment may change it.
const AN_HOUR: &str = "public, max-age=3600";

/// Serves the files of `dir`, precompressed where a `.br` or `.gz` copy is there.
pub fn service(dir: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let versioned = names_a_version(request.uri().query());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if versioned { FOREVER } else { AN_HOUR }),
    );
    // The same URL answers differently by Accept-Encoding: caches must keep them apart.
    headers
        .entry(header::VARY)
        .or_insert(HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether a query string carries a `v=` (a content hash, from [`versioned`]).
fn names_a_version(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.strip_prefix("v=").is_some_and(|v| !v.is_empty()))
    })
}

/// `path` with `?v=` and the first 12 hex digits of the SHA-256 of `content`.
fn versioned(path: &str, content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{path}?v={hex}")
}

// The files as built with this binary: the hash names the bytes a page expects.
static STYLESHEET: LazyLock<String> = LazyLock::new(|| {
    versioned(
        "/static/app.css",
        include_bytes!("../../static/app.css").as_slice(),
    )
});
static SCRIPT: LazyLock<String> = LazyLock::new(|| {
    versioned(
        "/static/app.js",
        include_bytes!("../../static/app.js").as_slice(),
    )
});

/// The stylesheet's versioned URL, for the layout.
pub fn stylesheet() -> &'static str {
    &STYLESHEET
}

/// The script's versioned URL, for the layout.
pub fn script() -> &'static str {
    &SCRIPT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_a_version_only_with_a_non_empty_v() {
        assert!(names_a_version(Some("v=abc")));
        assert!(names_a_version(Some("x=1&v=abc")));
        assert!(!names_a_version(Some("v=")));
        assert!(!names_a_version(Some("vv=abc")));
        assert!(!names_a_version(None));
    }

    #[test]
    fn versions_follow_the_content() {
        let one = versioned("/static/app.css", b"body{}");
        assert_eq!(one, versioned("/static/app.css", b"body{}"));
        assert_ne!(one, versioned("/static/app.css", b"body{ }"));
        assert!(one.starts_with("/static/app.css?v="));
        assert_eq!(one.len(), "/static/app.css?v=".len() + 12);
        assert!(stylesheet().starts_with("/static/app.css?v="));
        assert!(script().starts_with("/static/app.js?v="));
    }
}
