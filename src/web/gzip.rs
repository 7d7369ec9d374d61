//! Pages compressed by the server's own gzip compressor, one per thread and reset for each
//! response, rather than by the compression layer's, which sets up a compressor (and its
//! tables, some hundreds of kilobytes) for every response: under load that was, with the
//! brotli it chose for browsers that accept it, a sixth of the section page's CPU
//! (bench/RESULTS.md, lever 20). A page is rendered whole before it is sent, so nothing is
//! lost by compressing it whole.
//!
//! A response is compressed here when it is HTML, whole (a rendered page, not a stream), not
//! encoded already and the browser accepts gzip; anything else passes on to the compression
//! layer as before.

use std::cell::RefCell;

use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flate2::{Compress, CompressError, Compression, Crc, FlushCompress, Status};

use super::assets::accepted;

/// RFC 1952: magic, deflate, no flags, no time, no extra flags, unknown system.
pub(super) const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// The level of what is compressed for each response: the fastest.
const RESPONSE_LEVEL: u32 = 1;

thread_local! {
    /// The compressor of what is compressed for each response, one per thread and reset for
    /// each piece: its tables (about 300 KB) are allocated once, not for every response.
    static RESPONSE_COMPRESSOR: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::new(RESPONSE_LEVEL), false));
}

/// Runs `compress` with this thread's response compressor (never across an await).
pub(super) fn with_response_compressor<R>(compress: impl FnOnce(&mut Compress) -> R) -> R {
    RESPONSE_COMPRESSOR.with_borrow_mut(compress)
}

/// `text` as one gzip member.
pub fn gzip(text: &[u8]) -> Result<Vec<u8>, CompressError> {
    let mut body = Vec::with_capacity(GZIP_HEADER.len() + text.len() / 3 + 64);
    body.extend_from_slice(&GZIP_HEADER);
    with_response_compressor(|compress| {
        deflate_into(compress, text, FlushCompress::Finish, &mut body)
    })?;
    let mut crc = Crc::new();
    crc.update(text);
    body.extend_from_slice(&crc.sum().to_le_bytes());
    // The length modulo 2^32, as the format has it.
    body.extend_from_slice(&(text.len() as u32).to_le_bytes());
    Ok(body)
}

/// Appends `input` to `out` as raw deflate blocks, `compress` reset first so that they refer to
/// nothing before them; ended by `flush`: `Sync` leaves the stream open on a byte boundary for
/// more blocks to follow, `Finish` ends it.
pub(super) fn deflate_into(
    compress: &mut Compress,
    input: &[u8],
    flush: FlushCompress,
    out: &mut Vec<u8>,
) -> Result<(), CompressError> {
    compress.reset();
    loop {
        if out.len() == out.capacity() {
            out.reserve(input.len() / 2 + 128);
        }
        let read = usize::try_from(compress.total_in())
            .unwrap_or(usize::MAX)
            .min(input.len());
        let status = compress.compress_vec(&input[read..], out, flush)?;
        let all_read = usize::try_from(compress.total_in()).is_ok_and(|read| read == input.len());
        // A flush is complete when the compressor stops short of filling the space it had.
        let finished = match status {
            Status::StreamEnd => true,
            Status::Ok | Status::BufError => {
                matches!(flush, FlushCompress::Sync) && all_read && out.len() < out.capacity()
            }
        };
        if finished {
            return Ok(());
        }
    }
}

/// Below this many bytes a page is sent as it is (as the compression layer does): gzip's own
/// header and trailer would outweigh what it saves.
const SMALLEST_COMPRESSED: u64 = 32;

/// The middleware: gzips a whole HTML response for a browser that accepts gzip (not for a HEAD
/// request, whose body is never sent).
pub async fn compress_pages(request: Request, next: Next) -> Response {
    let gzip_accepted = accepted(request.headers()).gzip && request.method() != Method::HEAD;
    let response = next.run(request).await;
    if !gzip_accepted || !is_whole_page(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Whole, so reading it waits for nothing.
    let text = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(text) => text,
        Err(error) => {
            tracing::error!(%error, "a rendered page could not be read for compressing");
            return super::error::server_error_response();
        }
    };
    let compressed = match gzip(&text) {
        Ok(compressed) => compressed,
        Err(error) => {
            tracing::error!(%error, "a page could not be compressed");
            return Response::from_parts(parts, Body::from(text));
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    (parts, Body::from(compressed)).into_response()
}

/// HTML, rendered whole, not encoded already, and not tiny.
fn is_whole_page(response: &Response) -> bool {
    let headers = response.headers();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    html && !headers.contains_key(header::CONTENT_ENCODING)
        && response
            .body()
            .size_hint()
            .exact()
            .is_some_and(|length| length >= SMALLEST_COMPRESSED)
}

/// `bytes`, one gzip member, as text (for the tests of what is gzipped here and in
/// `kept_part`).
#[cfg(test)]
pub(super) fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a valid gzip member");
    text
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::HeaderMap;
    use axum::response::Html;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn a_text_is_one_gzip_member_of_itself() {
        let page: String = (0..2_000)
            .map(|n| format!("<li>Section {n}</li>\n"))
            .collect();
        for text in ["", "a", page.as_str()] {
            let body = gzip(text.as_bytes()).unwrap();
            assert_eq!(gunzip(&body), text);
        }
        assert!(gzip(page.as_bytes()).unwrap().len() < page.len() / 4);
    }

    const PAGE: &str = "<main><h1>Task list</h1><p>Twelve sections to write</p></main>";

    /// The Content-Encoding, Vary and body of `path` asked for with `accept`.
    async fn answer(path: &str, accept: &str) -> (String, String, Vec<u8>) {
        let app = Router::new()
            .route("/page", get(|| async { Html(PAGE) }))
            .route("/text", get(|| async { PAGE }))
            .route("/tiny", get(|| async { Html("<p>Nobody</p>") }))
            .route(
                "/encoded",
                get(|| async {
                    let headers = [
                        (header::CONTENT_TYPE, "text/html"),
                        (header::CONTENT_ENCODING, "br"),
                    ];
                    (headers, "already").into_response()
                }),
            )
            .layer(axum::middleware::from_fn(compress_pages));
        let mut request = Request::get(path).body(Body::empty()).unwrap();
        if !accept.is_empty() {
            request.headers_mut().insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(accept).unwrap(),
            );
        }
        let response = app.oneshot(request).await.unwrap();
        let headers: &HeaderMap = response.headers();
        let named = |name| {
            headers
                .get(name)
                .map(|value: &HeaderValue| value.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let (encoding, vary) = (named(header::CONTENT_ENCODING), named(header::VARY));
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (encoding, vary, body.to_vec())
    }

    #[tokio::test]
    async fn a_page_is_gzipped_for_a_browser_that_accepts_gzip() {
        for accept in ["gzip, deflate, br, zstd", "GZIP;q=0.5", "*"] {
            let (encoding, vary, body) = answer("/page", accept).await;
            assert_eq!(
                (encoding.as_str(), vary.as_str()),
                ("gzip", "accept-encoding")
            );
            assert_eq!(gunzip(&body), PAGE, "{accept}");
        }
    }

    #[tokio::test]
    async fn anything_else_passes_on_untouched() {
        for accept in ["", "br", "gzip;q=0, br", "identity"] {
            let (encoding, _, body) = answer("/page", accept).await;
            assert_eq!(encoding, "", "{accept}: as text, for the compression layer");
            assert_eq!(String::from_utf8(body).unwrap(), PAGE);
        }
        let (encoding, _, body) = answer("/text", "gzip").await;
        assert_eq!(
            (encoding.as_str(), body.as_slice()),
            ("", PAGE.as_bytes()),
            "not HTML"
        );
        let (encoding, _, body) = answer("/tiny", "gzip").await;
        assert_eq!(
            (encoding.as_str(), body.as_slice()),
            ("", &b"<p>Nobody</p>"[..]),
            "tiny"
        );
        let (encoding, _, body) = answer("/encoded", "gzip").await;
        assert_eq!(
            (encoding.as_str(), body.as_slice()),
            ("br", &b"already"[..]),
            "encoded"
        );
    }
}
