//! A page made of a large part kept as rendered — the same for everyone who asks, such as the
//! national view's table of every area (about 500 KB of HTML) — between the parts rendered for
//! each request (the layout with the person's name and form tokens, the filters).
//!
//! Compressing the whole page for every response was a third of the national view's CPU. So a
//! kept part is compressed once, by the first response that needs it, as a piece of a deflate
//! stream that ends on a byte boundary and is not the stream's last block (a sync flush), and
//! with no references outside itself (its own compressor). A response to a browser that
//! accepts gzip is then one gzip member: the page's start compressed now and sync-flushed, the
//! kept part's bytes as they are, the page's end compressed now and finished, and the CRC-32 of
//! the three combined.
//! A deflate stream may be cut into blocks this way: it is how parallel gzip compressors (pigz)
//! join their pieces. A browser that does not accept gzip gets the page as text, which the
//! compression layer then treats as any other page.

use std::sync::OnceLock;

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use flate2::{Compress, CompressError, Compression, Crc, FlushCompress};

use super::AppError;
use super::assets::accepted;
use super::gzip::{GZIP_HEADER, deflate_into, with_response_compressor};

/// What a page's template shows where the kept part goes. Askama escapes `<` in anything a
/// person typed, so this cannot come from their text.
pub const MARKER: &str = "<!--itf-kept-part-->";

/// The level a kept part is compressed at: once per part kept, so a thorough one.
const KEPT_LEVEL: u32 = 6;

/// HTML kept as rendered, with its deflate blocks once a browser accepting gzip asks for it.
#[derive(Debug)]
pub struct KeptPart {
    html: String,
    deflated: OnceLock<Deflated>,
}

/// A kept part's deflate blocks and the CRC-32 of its text.
#[derive(Debug)]
struct Deflated {
    bytes: Vec<u8>,
    crc: Crc,
}

impl KeptPart {
    pub fn new(html: String) -> KeptPart {
        KeptPart {
            html,
            deflated: OnceLock::new(),
        }
    }

    pub fn html(&self) -> &str {
        &self.html
    }

    /// The memory it holds, about: its text, and its compressed bytes once made.
    pub fn bytes(&self) -> usize {
        self.html.len()
            + self
                .deflated
                .get()
                .map_or(0, |deflated| deflated.bytes.len())
    }

    /// Its deflate blocks, made by the first response that needs them (two at once may both
    /// make them; one is kept).
    fn deflated(&self) -> Result<&Deflated, CompressError> {
        if let Some(deflated) = self.deflated.get() {
            return Ok(deflated);
        }
        let mut compress = Compress::new(Compression::new(KEPT_LEVEL), false);
        let mut bytes = Vec::with_capacity(self.html.len() / 4 + 128);
        deflate_into(
            &mut compress,
            self.html.as_bytes(),
            FlushCompress::Sync,
            &mut bytes,
        )?;
        let mut crc = Crc::new();
        crc.update(self.html.as_bytes());
        Ok(self.deflated.get_or_init(|| Deflated { bytes, crc }))
    }
}

/// `page` (whose template shows [`MARKER`] once, where `part` goes) with `part` in place,
/// answered 200: gzip-compressed when the request's headers accept gzip, as text otherwise.
pub fn ok_with(
    page: &impl Template,
    part: &KeptPart,
    request: &HeaderMap,
) -> Result<Response, AppError> {
    let rendered = page.render()?;
    let Some((start, end)) = rendered.split_once(MARKER) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the page's template does not show the kept part's marker"
        )));
    };
    if !accepted(request).gzip {
        return Ok(Html([start, part.html(), end].concat()).into_response());
    }
    let body = gzip_around(start.as_bytes(), part, end.as_bytes())
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response())
}

/// One gzip member of `start`, the kept part and `end`.
fn gzip_around(start: &[u8], part: &KeptPart, end: &[u8]) -> Result<Vec<u8>, CompressError> {
    let deflated = part.deflated()?;
    let mut body = Vec::with_capacity(GZIP_HEADER.len() + deflated.bytes.len() + 4096);
    body.extend_from_slice(&GZIP_HEADER);
    with_response_compressor(|compress| {
        deflate_into(compress, start, FlushCompress::Sync, &mut body)?;
        body.extend_from_slice(&deflated.bytes);
        deflate_into(compress, end, FlushCompress::Finish, &mut body)
    })?;
    let mut crc = Crc::new();
    crc.update(start);
    crc.combine(&deflated.crc);
    let mut end_crc = Crc::new();
    end_crc.update(end);
    crc.combine(&end_crc);
    body.extend_from_slice(&crc.sum().to_le_bytes());
    // The length modulo 2^32, as the format has it.
    let length = start.len() + part.html.len() + end.len();
    body.extend_from_slice(&(length as u32).to_le_bytes());
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::super::gzip::gunzip;
    use super::*;

    #[test]
    fn the_pieces_make_one_gzip_member_of_the_whole_page() {
        let table: String = (0..5_000)
            .map(|n| format!("<tr><td>Area {n}</td><td>£{}</td></tr>\n", n * 37))
            .collect();
        let part = KeptPart::new(table.clone());
        assert_eq!(part.bytes(), table.len(), "not compressed until asked for");
        let body = gzip_around(b"", &part, b"").unwrap();
        assert!(body.len() < table.len() / 4, "compressed");
        assert!(part.bytes() > table.len(), "compressed once, and kept");
        let start = "<html><body><p>Signed in as Ann</p><table>";
        let end = "</table><footer>The end</footer></body></html>";
        let body = gzip_around(start.as_bytes(), &part, end.as_bytes()).unwrap();
        assert_eq!(gunzip(&body), format!("{start}{table}{end}"));
    }

    #[derive(Template)]
    #[template(source = "<main>{{ part|safe }}</main>", ext = "html")]
    struct Page {
        part: &'static str,
    }

    /// The Content-Encoding and body of the page around `part` for a request that says
    /// `accept` (none when empty).
    async fn answer(part: &KeptPart, accept: &str) -> (String, Vec<u8>) {
        let mut headers = HeaderMap::new();
        if !accept.is_empty() {
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(accept).unwrap(),
            );
        }
        let response = ok_with(&Page { part: MARKER }, part, &headers).unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let encoding = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (encoding, body.to_vec())
    }

    #[tokio::test]
    async fn gzip_only_for_a_request_that_accepts_it() {
        let part = KeptPart::new("<table>rows</table>".to_owned());
        let page = "<main><table>rows</table></main>";
        for accept in ["gzip, deflate, br, zstd", "GZIP;q=0.5", "*"] {
            let (encoding, body) = answer(&part, accept).await;
            assert_eq!(encoding, "gzip", "{accept}");
            assert_eq!(gunzip(&body), page, "{accept}");
        }
        for accept in ["", "br", "gzip;q=0, br", "identity"] {
            let (encoding, body) = answer(&part, accept).await;
            assert_eq!(encoding, "", "{accept}: as text, for the compression layer");
            assert_eq!(String::from_utf8(body).unwrap(), page, "{accept}");
        }
    }

    #[test]
    fn empty_and_tiny_pieces_still_join() {
        for (start, html, end) in [("", "", ""), ("a", "", "b"), ("", "<td>x</td>", "")] {
            let part = KeptPart::new(html.to_owned());
            let body = gzip_around(start.as_bytes(), &part, end.as_bytes()).unwrap();
            assert_eq!(gunzip(&body), format!("{start}{html}{end}"));
        }
    }

    #[test]
    fn a_piece_larger_than_its_first_buffer_is_compressed_whole() {
        // Random-looking bytes barely compress: the output outgrows half the input.
        let mut state = 12_345_u64;
        let noise: String = (0..200_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                char::from(b'!' + ((state >> 33) % 90) as u8)
            })
            .collect();
        let part = KeptPart::new(noise.clone());
        let body = gzip_around(noise.as_bytes(), &part, noise.as_bytes()).unwrap();
        assert_eq!(gunzip(&body), noise.repeat(3));
    }
}
