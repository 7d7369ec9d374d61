//! A page made of a large part kept as rendered — the same for everyone who asks, such as the
//! national view's table of every area (about 500 KB of HTML) — between the parts rendered for
//! each request (the layout with the person's name and form tokens, the filters).
//!
//! Compressing the whole page for every response was a third of the national view's CPU. So a
//! kept part is compressed once, when it is kept, as a piece of a deflate stream that ends on a
//! byte boundary and is not the stream's last block (a sync flush), and with no references
//! outside itself (its own compressor). A response to a browser that accepts gzip is then one
//! gzip member: the page's start compressed now and sync-flushed, the kept part's bytes as
//! they are, the page's end compressed now and finished, and the CRC-32 of the three combined.
//! A deflate stream may be cut into blocks this way: it is how parallel gzip compressors (pigz)
//! join their pieces. A browser that does not accept gzip gets the page as text, which the
//! compression layer then treats as any other page.

use std::cell::RefCell;

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use flate2::{Compress, CompressError, Compression, Crc, FlushCompress, Status};

use super::AppError;
use super::assets::accepted;

/// What a page's template shows where the kept part goes. Askama escapes `<` in anything a
/// person typed, so this cannot come from their text.
pub const MARKER: &str = "<!--itf-kept-part-->";

/// The level the kept part is compressed at: once per part kept, so a thorough one.
const KEPT_LEVEL: u32 = 6;
/// The level of the parts compressed for each response (a few kilobytes).
const RESPONSE_LEVEL: u32 = 1;

/// HTML kept as rendered, with its deflate blocks.
#[derive(Debug)]
pub struct KeptPart {
    html: String,
    deflated: Vec<u8>,
    crc: Crc,
}

impl KeptPart {
    /// Keeps `html`, compressing it now.
    pub fn new(html: String) -> Result<KeptPart, AppError> {
        let mut compress = Compress::new(Compression::new(KEPT_LEVEL), false);
        let mut deflated = Vec::with_capacity(html.len() / 4 + 128);
        deflate_into(
            &mut compress,
            html.as_bytes(),
            FlushCompress::Sync,
            &mut deflated,
        )
        .map_err(|error| AppError::Internal(error.into()))?;
        let mut crc = Crc::new();
        crc.update(html.as_bytes());
        Ok(KeptPart {
            html,
            deflated,
            crc,
        })
    }

    pub fn html(&self) -> &str {
        &self.html
    }

    /// The memory it holds, about: its text and its compressed bytes.
    pub fn bytes(&self) -> usize {
        self.html.len() + self.deflated.len()
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
    // RFC 1952: magic, deflate, no flags, no time, no extra flags, unknown system.
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut body = Vec::with_capacity(HEADER.len() + part.deflated.len() + 4096);
    body.extend_from_slice(&HEADER);
    RESPONSE_COMPRESSOR.with_borrow_mut(|compress| {
        deflate_into(compress, start, FlushCompress::Sync, &mut body)?;
        body.extend_from_slice(&part.deflated);
        deflate_into(compress, end, FlushCompress::Finish, &mut body)
    })?;
    let mut crc = Crc::new();
    crc.update(start);
    crc.combine(&part.crc);
    let mut end_crc = Crc::new();
    end_crc.update(end);
    crc.combine(&end_crc);
    body.extend_from_slice(&crc.sum().to_le_bytes());
    // The length modulo 2^32, as the format has it.
    let length = start.len() + part.html.len() + end.len();
    body.extend_from_slice(&(length as u32).to_le_bytes());
    Ok(body)
}

thread_local! {
    /// The compressor of the parts compressed for each response, one per thread and reset for
    /// each piece: its tables (about 300 KB) are allocated once, not twice a response.
    static RESPONSE_COMPRESSOR: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::new(RESPONSE_LEVEL), false));
}

/// Appends `input` to `out` as raw deflate blocks, `compress` reset first so that they refer to
/// nothing before them; ended by `flush`: `Sync` leaves the stream open on a byte boundary for
/// more blocks to follow, `Finish` ends it.
fn deflate_into(
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

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip member");
        text
    }

    #[test]
    fn the_pieces_make_one_gzip_member_of_the_whole_page() {
        let table: String = (0..5_000)
            .map(|n| format!("<tr><td>Area {n}</td><td>£{}</td></tr>\n", n * 37))
            .collect();
        let part = KeptPart::new(table.clone()).unwrap();
        assert!(part.deflated.len() < table.len() / 4, "compressed");
        let start = "<html><body><p>Signed in as Ann</p><table>";
        let end = "</table><footer>The end</footer></body></html>";
        let body = gzip_around(start.as_bytes(), &part, end.as_bytes()).unwrap();
        assert_eq!(gunzip(&body), format!("{start}{table}{end}"));
    }

    #[test]
    fn empty_and_tiny_pieces_still_join() {
        for (start, html, end) in [("", "", ""), ("a", "", "b"), ("", "<td>x</td>", "")] {
            let part = KeptPart::new(html.to_owned()).unwrap();
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
        let part = KeptPart::new(noise.clone()).unwrap();
        let body = gzip_around(noise.as_bytes(), &part, noise.as_bytes()).unwrap();
        assert_eq!(gunzip(&body), noise.repeat(3));
    }
}
