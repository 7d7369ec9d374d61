//! axum's `Form`, `Path` and `Query` extractors, with their failures answered by our own pages:
//! a path that does not parse is a page that does not exist (404), and a form body or query we
//! cannot read gets a 400 page in the layout rather than axum's plain-text message.
//!
//! NUL characters (`%00`) are refused here, for every handler: no PostgreSQL text column can
//! hold one, so letting one through would fail the query and lose what was typed. A form or
//! query holding one gets a 400 page showing the text typed with it removed; a path, a 400.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppError;
use super::form::Typed;

/// The most a form body may be: the same bound the session middleware reads forms with.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// A form body (`application/x-www-form-urlencoded`) parsed into `T`.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| AppError::BadRequest)?;
        refuse_nul(&bytes)?;
        let request = Request::from_parts(parts, Body::from(bytes));
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(_) => Err(AppError::BadRequest),
        }
    }
}

/// A query string parsed into `T`.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        refuse_nul(parts.uri.query().unwrap_or("").as_bytes())?;
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(_) => Err(AppError::BadRequest),
        }
    }
}

/// A URL-encoded form or query holding a NUL character: refused, with what was typed.
fn refuse_nul(encoded: &[u8]) -> Result<(), AppError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(encoded).unwrap_or_default();
    if fields
        .iter()
        .any(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        return Err(AppError::Unstorable(Typed::from_fields(fields)));
    }
    Ok(())
}

/// Path parameters parsed into `T`; a value that does not parse (`/users/abc`) is not found.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Decoded, a `%00` would reach the database as a NUL and fail the query.
        if parts.uri.path().contains("%00") {
            return Err(AppError::BadRequest);
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(AppError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_refused_with_the_text_kept() {
        assert!(refuse_nul(b"text=hello+world&version=3").is_ok());
        match refuse_nul(b"text=our%00plan&version=3") {
            Err(AppError::Unstorable(typed)) => {
                let kept: Vec<_> = typed.iter().cloned().collect();
                assert_eq!(kept, [("text".to_owned(), "ourplan".to_owned())]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
