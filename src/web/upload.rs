//! A file sent with a multipart form (its field `file`), read with bounded memory: the body is
//! kept up to the file's limit plus room for the form around it, and a larger body is read on
//! (and dropped) up to four times the limit, so that a browser still sending gets our page
//! rather than a reset connection. Each import (the risk register's, the plan's workbook) says
//! what its problems mean to its users.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use futures_util::StreamExt;

/// The most a multipart form adds around its file.
const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

/// The uploaded file: its name and content.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why no file could be read from the request.
#[derive(Debug, PartialEq, Eq)]
pub enum UploadProblem {
    /// The form was sent without a file chosen (or it is not a multipart form).
    NoFile,
    /// The file is larger than the limit.
    TooLarge,
    /// The request could not be read as a multipart form.
    Unreadable(String),
}

/// The file of a multipart upload (field `file`), of at most `max_file_bytes`.
pub async fn read_upload(request: Request, max_file_bytes: usize) -> Result<Upload, UploadProblem> {
    let drained = max_file_bytes.saturating_mul(4);
    let boundary = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| multer::parse_boundary(value).ok())
        .ok_or(UploadProblem::NoFile)?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > drained) {
        return Err(UploadProblem::TooLarge);
    }
    let kept = max_file_bytes.saturating_add(FORM_OVERHEAD_BYTES);
    let body = read_body(request.into_body(), kept, drained).await?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let unreadable = |error: multer::Error| UploadProblem::Unreadable(error.to_string());
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_owned();
        let bytes = field.bytes().await.map_err(unreadable)?;
        if name.is_empty() && bytes.is_empty() {
            // The form sent without a file chosen.
            return Err(UploadProblem::NoFile);
        }
        if bytes.len() > max_file_bytes {
            return Err(UploadProblem::TooLarge);
        }
        return Ok(Upload {
            name,
            bytes: bytes.to_vec(),
        });
    }
    Err(UploadProblem::NoFile)
}

/// The request body, up to `kept` bytes; beyond that, read on (and dropped) up to `drained`.
async fn read_body(body: Body, kept: usize, drained: usize) -> Result<Bytes, UploadProblem> {
    let mut stream = body.into_data_stream();
    let mut body = Vec::new();
    let mut total = 0_usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| UploadProblem::Unreadable(error.to_string()))?;
        total = total.saturating_add(chunk.len());
        if total <= kept {
            body.extend_from_slice(&chunk);
        } else if total > drained {
            break;
        }
    }
    if total > kept {
        return Err(UploadProblem::TooLarge);
    }
    Ok(Bytes::from(body))
}
