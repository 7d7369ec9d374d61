//! Runs before every handler: loads the session (one query), ends it if it has timed out, and
//! checks the CSRF token of every POST before any handler sees it.

use std::net::SocketAddr;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::session::{self, Session};
use super::store;
use crate::AppState;
use crate::config::Config;
use crate::web::error::ErrorPage;
use crate::web::form::Typed;
use crate::web::{AppError, Layout, health};

/// The session of the current request, if any (put there by `load_session`).
#[derive(Clone, Debug, Default)]
pub struct CurrentSession(pub Option<Session>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CurrentSession>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The largest form we accept: a plan section of 100,000 characters, several bytes each, with
/// room to spare.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The middleware itself.
pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Health checks come often, from load balancers that may well send a cookie: they need no
    // session, so they cost no query.
    if health::is_health_check(request.uri().path()) {
        return next.run(request).await;
    }
    let activity = session::is_activity(request.uri().path());
    let session = match current_session(&state, request.headers(), activity).await {
        Ok(session) => session,
        // The database is down, say: a form being sent is shown back, so nothing is lost.
        Err(error) => return error.keeping(typed_in(request).await).into_response(),
    };
    if request.method() == Method::POST {
        request = match check_csrf(request, session.as_ref(), &state).await {
            Ok(request) => request,
            Err(rejection) => return rejection,
        };
    }
    let signed_in = session.clone().filter(|s| s.signed_in_user().is_some());
    request.extensions_mut().insert(CurrentSession(session));
    let response = next.run(request).await;
    // Error pages are made without knowing who asked: give signed-in people their navigation.
    match (response.extensions().get::<ErrorPage>(), signed_in) {
        (Some(page), Some(session)) => page.render(Layout::for_session(Some(&session))),
        _ => response,
    }
}

/// The request's session, if it has one that has not ended; its idle time starts again if the
/// request is the person's own `activity` (not a page's script reporting presence).
async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
    activity: bool,
) -> Result<Option<Session>, AppError> {
    let Some(token) = session::read_cookie(headers, session::cookie_name(&state.config)) else {
        return Ok(None);
    };
    let token_hash = session::token_hash(token);
    let Some(session) = store::find_session(&state.pool, &token_hash).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    if session.has_expired(now) {
        store::delete_session(&state.pool, &token_hash).await?;
        return Ok(None);
    }
    if activity && session.needs_touch(now) {
        store::touch_session(&state.pool, &token_hash, now).await?;
    }
    Ok(Some(session))
}

/// Why a POST was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CsrfProblem {
    /// No session: it timed out, or the browser refuses cookies.
    NoSession,
    /// Missing or wrong token: an old copy of the form, or a forgery.
    BadToken,
    /// Sent from another site.
    CrossSite,
    /// Not a form we can read.
    NotAForm,
}

#[derive(Template)]
#[template(path = "errors/csrf.html")]
struct CsrfPage {
    layout: Layout,
    session_ended: bool,
    cross_site: bool,
    /// What the person typed, so nothing is lost even though the form was refused.
    typed: Vec<(String, String)>,
}

async fn check_csrf(
    request: Request,
    session: Option<&Session>,
    state: &AppState,
) -> Result<Request, Response> {
    let config = &state.config;
    let (parts, body) = request.into_parts();
    if is_cross_site(&parts.headers, config) {
        return Err(csrf_rejection(CsrfProblem::CrossSite, Vec::new()));
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if is_file_upload(&parts.headers) {
        // A file upload's body is the handler's to read (with its own limit), so its token
        // travels in the form's address (`?csrf_token=`), checked here all the same.
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).unwrap_or_default();
        return match token_problem(&parts.headers, session, state, &fields) {
            Some(problem) => Err(csrf_rejection(problem, Vec::new())),
            None => Ok(Request::from_parts(parts, body)),
        };
    }
    if !is_form {
        return Err(csrf_rejection(CsrfProblem::NotAForm, Vec::new()));
    }
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                "This form is too large to save. Copy your text somewhere safe and split it into smaller parts.",
            )
                .into_response());
        }
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    if let Some(problem) = token_problem(&parts.headers, session, state, &fields) {
        return Err(csrf_rejection(problem, typed_fields(fields)));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A `multipart/form-data` POST: a form sending a file.
fn is_file_upload(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"))
}

/// Whether the `csrf_token` among `fields` is missing or not the session's.
fn token_problem(
    headers: &HeaderMap,
    session: Option<&Session>,
    state: &AppState,
    fields: &[(String, String)],
) -> Option<CsrfProblem> {
    let sent_token = fields
        .iter()
        .find(|(name, _)| name == "csrf_token")
        .map(|(_, value)| value.as_str());
    match (session, sent_token) {
        (None, sent) => anonymous_csrf_problem(headers, state, sent),
        (Some(_), None) => Some(CsrfProblem::BadToken),
        (Some(session), Some(sent)) => {
            let matches: bool = sent.as_bytes().ct_eq(session.csrf_token.as_bytes()).into();
            (!matches).then_some(CsrfProblem::BadToken)
        }
    }
}

/// What a form being sent holds, to show back when the request cannot be handled at all.
async fn typed_in(request: Request) -> Typed {
    if request.method() != Method::POST {
        return Typed::default();
    }
    match axum::body::to_bytes(request.into_body(), MAX_FORM_BYTES).await {
        Ok(bytes) => Typed::from_fields(serde_urlencoded::from_bytes(&bytes).unwrap_or_default()),
        Err(_) => Typed::default(),
    }
}

/// Without a session (the sign-in form), the token sent must equal the signed one in the
/// anonymous CSRF cookie (double submit), so nothing is stored before sign-in.
fn anonymous_csrf_problem(
    headers: &HeaderMap,
    state: &AppState,
    sent: Option<&str>,
) -> Option<CsrfProblem> {
    let cookie_name = session::anonymous_csrf_cookie_name(&state.config);
    let Some(cookie) = session::read_cookie(headers, cookie_name) else {
        return Some(CsrfProblem::NoSession);
    };
    let matches = sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(cookie.as_bytes())));
    if matches && session::is_signed_anonymous_csrf_token(state.keys.csrf_cookie.as_bytes(), cookie)
    {
        None
    } else {
        Some(CsrfProblem::BadToken)
    }
}

/// `Sec-Fetch-Site: cross-site`, or an `Origin` that is not ours.
fn is_cross_site(headers: &HeaderMap, config: &Config) -> bool {
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|value: &axum::http::HeaderValue| value.to_str().ok())
    };
    if header_text("sec-fetch-site").is_some_and(|site| site == "cross-site" || site == "same-site")
    {
        return true;
    }
    let Some(origin) = header_text("origin") else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let own_origin = match &config.public_url {
        Some(url) => url.origin().ascii_serialization(),
        None => match header_text("host") {
            Some(host) => format!("http://{host}"),
            None => return true,
        },
    };
    // Without a configured public URL we cannot know the scheme the browser used.
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    let own_host = own_origin.split_once("://").map(|(_, host)| host);
    if config.public_url.is_some() {
        origin != own_origin
    } else {
        origin_host != own_host
    }
}

/// The fields worth showing back, as every form shows them (`Typed::from_fields`).
fn typed_fields(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    Typed::from_fields(fields).iter().cloned().collect()
}

fn csrf_rejection(problem: CsrfProblem, typed: Vec<(String, String)>) -> Response {
    let page = CsrfPage {
        layout: Layout::anonymous(),
        session_ended: problem == CsrfProblem::NoSession,
        cross_site: problem == CsrfProblem::CrossSite,
        typed,
    };
    match page.render() {
        Ok(html) => (StatusCode::FORBIDDEN, Html(html)).into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}

/// The client's address: the connection's peer, or with `ITF_BEHIND_PROXY` the address the
/// proxy reports (the last entry of `X-Forwarded-For`, the one our own proxy added).
pub fn client_address(parts: &Parts, config: &Config) -> Option<String> {
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next());
    if let (true, Some(forwarded)) = (config.behind_proxy, forwarded) {
        return Some(forwarded.trim().to_owned());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
}

/// The client's address as an extractor (see `client_address`).
pub struct ClientAddress(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts, &state.config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn config() -> Config {
        Config::from_lookup(|_| None).unwrap()
    }

    #[test]
    fn same_origin_posts_pass_and_cross_site_ones_do_not() {
        let mut headers = HeaderMap::new();
        assert!(
            !is_cross_site(&headers, &config()),
            "no headers: an older browser or a test"
        );
        headers.insert("host", HeaderValue::from_static("127.0.0.1:3000"));
        headers.insert("origin", HeaderValue::from_static("http://127.0.0.1:3000"));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(!is_cross_site(&headers, &config()));
        headers.insert("origin", HeaderValue::from_static("https://evil.example"));
        assert!(is_cross_site(&headers, &config()));
        headers.insert("origin", HeaderValue::from_static("http://127.0.0.1:3000"));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(is_cross_site(&headers, &config()));
    }

    #[test]
    fn with_a_public_url_the_origin_must_match_it_exactly() {
        let config = Config::from_lookup(|name| {
            (name == "ITF_PUBLIC_URL").then(|| "https://itf.example.org".to_owned())
        })
        .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "origin",
            HeaderValue::from_static("https://itf.example.org"),
        );
        assert!(!is_cross_site(&headers, &config));
        headers.insert("origin", HeaderValue::from_static("http://itf.example.org"));
        assert!(is_cross_site(&headers, &config));
    }

    #[test]
    fn secrets_are_never_shown_back() {
        let typed = typed_fields(vec![
            ("csrf_token".into(), "t".into()),
            ("password".into(), "secret".into()),
            ("new_password".into(), "secret".into()),
            ("code".into(), "123456".into()),
            ("text".into(), "My section\0 draft".into()),
            ("based_on".into(), "0123abcd".into()),
            ("empty".into(), " ".into()),
        ]);
        assert_eq!(
            typed,
            vec![("text".to_owned(), "My section draft".to_owned())]
        );
    }
}
