//! Static files (CSS, JavaScript, images) under `/static`.
//!
//! They are read into memory when the app starts, with `frontend/build.sh`'s gzip and brotli
//! copies: a browser that accepts either gets the precompressed bytes (like nginx's
//! `gzip_static`), so no request compresses or reads a file. A deployment changes them, and
//! restarts. Pages link the stylesheet and script with a `?v=` of their content's hash
//! ([`stylesheet`], [`script`]); such a URL names those exact bytes, so browsers keep it for a
//! year without asking again. Other URLs are kept for an hour, then revalidated by ETag.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// For a URL that names a version of the file: it never changes.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// For a URL that does not: a deployment may change it.
const AN_HOUR: &str = "public, max-age=3600";
/// Files larger than this are not served (nothing we build comes near it).
const LARGEST_FILE: u64 = 8 * 1024 * 1024;
/// At most this many files are loaded.
const MOST_FILES: usize = 1000;

/// One file, as sent for each encoding.
struct Asset {
    content_type: HeaderValue,
    etag: HeaderValue,
    last_modified: Option<HeaderValue>,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

/// Serves the files of `dir` from memory, precompressed where a `.br` or `.gz` copy is there.
pub fn service(dir: &Path) -> Router {
    let mut files = HashMap::new();
    load(dir, dir, &mut files);
    let files = Arc::new(files);
    Router::new().fallback(move |request: Request| {
        let files = Arc::clone(&files);
        async move { serve(&files, &request) }
    })
}

/// Reads every file under `dir` (recursively) into `files`, keyed by its path from `root`.
/// A file that cannot be read is left out and logged: the page using it degrades, the app runs.
fn load(root: &Path, dir: &Path, files: &mut HashMap<String, Asset>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            tracing::error!(dir = %dir.display(), %error, "static files not readable");
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            load(root, &path, files);
            continue;
        }
        let name = path.to_string_lossy();
        if name.ends_with(".gz") || name.ends_with(".br") || files.len() >= MOST_FILES {
            continue;
        }
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if metadata.len() > LARGEST_FILE {
            tracing::warn!(file = %name, "static file too large to serve");
            continue;
        }
        let Ok(identity) = std::fs::read(&path) else {
            tracing::error!(file = %name, "static file not readable");
            continue;
        };
        let sibling = |suffix: &str| {
            let mut compressed = path.clone().into_os_string();
            compressed.push(suffix);
            std::fs::read(compressed).ok().map(Bytes::from)
        };
        let Some(key) = path
            .strip_prefix(root)
            .ok()
            .and_then(|relative| relative.to_str())
            .map(|relative| format!("/{}", relative.replace('\\', "/")))
        else {
            continue;
        };
        let content_type = mime_guess::from_path(&path).first_or_octet_stream();
        let last_modified = metadata
            .modified()
            .ok()
            .map(OffsetDateTime::from)
            .and_then(|at| at.format(&Rfc2822).ok())
            .map(|text| text.replace("+0000", "GMT"))
            .and_then(|text| HeaderValue::from_str(&text).ok());
        let asset = Asset {
            content_type: HeaderValue::from_str(content_type.as_ref())
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            etag: etag(&identity),
            last_modified,
            gzip: sibling(".gz"),
            brotli: sibling(".br"),
            identity: Bytes::from(identity),
        };
        files.insert(key, asset);
    }
}

/// A strong ETag from the content: the same bytes in any encoding are the same resource.
fn etag(content: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(content);
    let hex: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// The encodings a browser accepts, as said in its Accept-Encoding.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Accepted {
    pub(super) brotli: bool,
    pub(super) gzip: bool,
}

pub(super) fn accepted(headers: &HeaderMap) -> Accepted {
    let mut accepted = Accepted::default();
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            // "q=0" refuses the coding.
            let refused = parts.any(|parameter| {
                parameter
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match coding.as_str() {
                "br" => accepted.brotli = true,
                "gzip" | "x-gzip" => accepted.gzip = true,
                "*" => {
                    accepted.brotli = true;
                    accepted.gzip = true;
                }
                _ => {}
            }
        }
    }
    accepted
}

fn serve(files: &HashMap<String, Asset>, request: &Request) -> Response {
    let Some(asset) = files.get(request.uri().path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let versioned = names_a_version(request.uri().query());
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, asset.content_type.clone());
    headers.insert(header::ETAG, asset.etag.clone());
    if let Some(last_modified) = &asset.last_modified {
        headers.insert(header::LAST_MODIFIED, last_modified.clone());
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if versioned { FOREVER } else { AN_HOUR }),
    );
    // The same URL answers differently by Accept-Encoding: caches must keep them apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.as_bytes() == asset.etag.as_bytes());
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let accepted = accepted(request.headers());
    let (encoding, body) = match (&asset.brotli, &asset.gzip) {
        (Some(brotli), _) if accepted.brotli => (Some("br"), brotli.clone()),
        (_, Some(gzip)) if accepted.gzip => (Some("gzip"), gzip.clone()),
        _ => (None, asset.identity.clone()),
    };
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    (headers, Body::from(body)).into_response()
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

    fn accept(value: &str) -> Accepted {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepted(&headers)
    }

    #[test]
    fn accept_encoding_is_read_as_browsers_send_it() {
        let both = Accepted {
            brotli: true,
            gzip: true,
        };
        assert_eq!(accept("gzip, deflate, br, zstd"), both);
        assert_eq!(accept("GZIP;q=0.8, Br;q=1.0"), both);
        assert_eq!(accept("*"), both);
        assert_eq!(
            accept("gzip, br;q=0"),
            Accepted {
                brotli: false,
                gzip: true
            }
        );
        assert_eq!(accept("identity"), Accepted::default());
        assert_eq!(accepted(&HeaderMap::new()), Accepted::default());
    }

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
