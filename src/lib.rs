//! itf-planner: Health and Wellbeing Board partners jointly draft their Integration Transformation
//! Fund / Better Care Fund plan, keep a shared risk register and take the plan through sign-off,
//! while a programme team tracks every area against its deadlines.
//!
//! This crate builds the web application from one router per capability (see `app`), and `serve`
//! runs it on a listener the caller binds (tests bind `127.0.0.1:0`).

pub mod areas;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod home;
pub mod web;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Request, StatusCode, header};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use clock::Clock;
use config::Config;

/// What every handler may need, passed by `State`.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
}

/// A request that takes longer than this is answered 408 rather than holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: every feature's routes, the 404 fallback, and the middleware that
/// every response passes through.
pub fn app(state: AppState) -> Router {
    let mut security_headers = Vec::new();
    for (name, value) in web::security::security_headers(state.config.sends_hsts()) {
        security_headers.push(SetResponseHeaderLayer::overriding(name, value));
    }

    let mut router = Router::new()
        .merge(home::routes::router())
        .merge(web::health::router())
        .nest_service("/static", web::assets::service(&state.config.static_dir))
        .fallback(web::error::not_found)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(CompressionLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(CatchPanicLayer::custom(|_panic| {
                    tracing::error!("a request handler panicked");
                    web::error::server_error_response()
                })),
        )
        // Pages may show people's plans: nothing is cached unless a route says otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    for layer in security_headers {
        router = router.layer(layer);
    }
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                    .make_span_with(|request: &Request<_>| {
                        let request_id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!(
                            "request",
                            method = %request.method(),
                            path = %request.uri().path(),
                            request_id,
                        )
                    }),
            )
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes the requests in
/// flight before returning.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
