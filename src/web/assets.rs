//! Static files (CSS, JavaScript, images) under `/static`.

use std::path::Path;

use axum::http::{HeaderValue, header};
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Serves the files of `dir`. They change only with a deployment, so browsers may keep them for
/// an hour and then revalidate against `Last-Modified`.
pub fn service(dir: &Path) -> tower_http::set_header::SetResponseHeader<ServeDir, HeaderValue> {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ))
        .service(ServeDir::new(dir))
}
