//! itf-planner: Health and Wellbeing Board partners jointly draft their Integration Transformation
//! Fund / Better Care Fund plan, keep a shared risk register and take the plan through sign-off,
//! while a programme team tracks every area against its deadlines.
//!
//! This crate builds the web application from one router per capability (see `app`), and `serve`
//! runs it on a listener the caller binds (tests bind `127.0.0.1:0`).

pub mod account;
pub mod admin;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod home;
pub mod keyed;
pub mod keys;
pub mod membership;
pub mod national;
pub mod notifications;
pub mod pages;
pub mod password_reset;
pub mod plans;
pub mod risks;
pub mod signoff;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use clock::Clock;
use config::Config;
use keys::Keys;

/// What every handler may need, passed by `State`.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
    /// Keys derived from the server key (signing cookies, and so on).
    pub keys: Arc<Keys>,
    /// The national view's facts, kept per cycle (`national::cache`).
    pub national: Arc<national::cache::FactsCache>,
    /// The programme dashboard's tables, kept a few seconds (`deadlines::kept`).
    pub dashboard: Arc<deadlines::kept::KeptTables>,
    /// Cycle structures, kept by id once read (`plans::templates::kept`).
    pub structures: Arc<plans::templates::kept::KeptStructures>,
    /// Task lists, kept until their area changes (`plans::task_facts`, `areas::kept`).
    pub task_lists: Arc<plans::task_facts::KeptTaskLists>,
    /// Risk registers as they stand, kept until their area changes (`areas::kept`).
    pub registers: Arc<risks::routes::KeptRegisters>,
    /// Each area's risks and their links to sections, for the section pages' risk panels, kept
    /// until the area changes (`areas::kept`).
    pub area_risks: Arc<plans::routes::KeptAreaRisks>,
    /// What a section page shows every reader (the section, contributions, comments), kept
    /// until the area changes (`areas::kept`).
    pub section_parts: Arc<plans::routes::KeptSectionParts>,
    /// An area's results for a search, kept until the area changes (`areas::kept`).
    pub searches: Arc<plans::routes::KeptSearches>,
    /// A section's text's or contribution's history, kept until the area changes.
    pub histories: Arc<plans::routes::KeptHistories>,
    /// Who is on each section's page, as last read here (`plans::presence`).
    pub presence: Arc<plans::presence::KeptPresence>,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config, clock: Clock, keys: Keys) -> AppState {
        AppState {
            presence: Arc::new(plans::presence::KeptPresence::new(
                !config.area_cache.is_zero(),
            )),
            national: Arc::new(national::cache::FactsCache::new(config.national_cache)),
            dashboard: Arc::new(deadlines::kept::KeptTables::new(config.national_cache)),
            structures: Arc::new(plans::templates::kept::KeptStructures::new()),
            task_lists: Arc::new(plans::task_facts::KeptTaskLists::new(
                config.area_cache,
                plans::task_facts::MOST_KEPT,
            )),
            registers: Arc::new(risks::routes::KeptRegisters::new(
                config.area_cache,
                risks::routes::MOST_REGISTERS_KEPT,
            )),
            area_risks: Arc::new(plans::routes::KeptAreaRisks::new(
                config.area_cache,
                plans::routes::MOST_AREA_RISKS_KEPT,
            )),
            section_parts: Arc::new(
                plans::routes::KeptSectionParts::new(
                    config.area_cache,
                    plans::routes::MOST_SECTIONS_KEPT,
                )
                .keeping_none_over(
                    plans::routes::HEAVIEST_SECTION_KEPT,
                    plans::routes::SectionParts::weight,
                ),
            ),
            searches: Arc::new(plans::routes::KeptSearches::new(
                config.area_cache,
                plans::routes::MOST_SEARCHES_KEPT,
            )),
            histories: Arc::new(
                plans::routes::KeptHistories::new(
                    config.area_cache,
                    plans::routes::MOST_HISTORIES_KEPT,
                )
                .keeping_none_over(
                    plans::routes::HEAVIEST_HISTORY_KEPT,
                    plans::routes::TextHistory::weight,
                ),
            ),
            pool,
            config: Arc::new(config),
            clock,
            keys: Arc::new(keys),
        }
    }
}

/// A request taking longer than this is logged at INFO even when it succeeded.
const SLOW_REQUEST: Duration = Duration::from_secs(1);
/// How often `serve` checks the audit log's head and logs it when it has moved.
const AUDIT_HEAD_EVERY: Duration = Duration::from_secs(600);

/// A request that takes longer than this is answered 408 rather than holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every route of the application, from every feature. The router is built from this list and
/// the access tests walk it, so no route escapes them.
pub fn routes() -> Vec<web::routes::Route> {
    [
        home::routes::routes(),
        web::health::routes(),
        auth::routes::routes(),
        areas::routes::routes(),
        plans::routes::routes(),
        plans::parts::routes(),
        risks::routes::routes(),
        signoff::routes::routes(),
        deadlines::routes::routes(),
        national::routes::routes(),
        notifications::routes::routes(),
        plans::templates::routes::routes(),
        admin::routes::routes(),
        account::routes::routes(),
        password_reset::routes::routes(),
        membership::routes::routes(),
        pages::routes::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The whole application: every feature's routes, the 404 fallback, and the middleware that
/// every response passes through.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for route in routes() {
        router = router.route(route.path, route.handler);
    }
    let mut router = router
        .fallback(web::error::not_found)
        .method_not_allowed_fallback(web::error::method_not_allowed)
        // The task list shows the plan's sign-off state, which only sign-off (above plans)
        // can read.
        .layer(axum::Extension(signoff::routes::plan_status_source()))
        // The area page and the task list show a banner of the area's deadlines, which only
        // deadlines (above areas and plans) can read.
        .layer(axum::Extension(deadlines::routes::area::notice_source()))
        // Sessions and CSRF for the application's own routes; static files need neither.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::middleware::load_session,
        ))
        .nest_service("/static", web::assets::service(&state.config.static_dir))
        .layer(
            ServiceBuilder::new()
                // What is compressed afresh on every response is compressed at the fastest
                // level: at the codecs' default levels that was a fifth of the server's CPU
                // under load (bench/RESULTS.md). Pages come gzipped already (below) for
                // browsers that accept gzip, and static files precompressed at the best level:
                // both pass through untouched (already encoded).
                .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(CatchPanicLayer::custom(|_panic| {
                    tracing::error!("a request handler panicked");
                    web::error::server_error_response()
                }))
                // Rendered pages are gzipped by one compressor per thread, set up once, for a
                // browser that accepts gzip; the layer above then passes them on as encoded.
                .layer(axum::middleware::from_fn(web::gzip::compress_pages)),
        )
        // Pages may show people's plans: nothing is cached unless a route says otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state.clone());
    for (name, value) in web::security::security_headers(state.config.sends_hsts()) {
        router = router.layer(SetResponseHeaderLayer::overriding(name, value));
    }
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(axum::middleware::from_fn(log_request))
            // Every page's layout, error pages included, knows which page it is.
            .layer(axum::middleware::from_fn(web::layout::remember_path))
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

/// One log line per request: at DEBUG normally, so that a busy server at the default INFO
/// spends nothing on them, and at INFO (WARN for server errors) when a request failed on our
/// side or was slow, which is what an operator needs to see.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    // Events inside a request (SQL statements at DEBUG, say) carry its id. A DEBUG span costs
    // nothing when DEBUG is off.
    let span = tracing::debug_span!(
        "request",
        method = %method,
        path = %path,
        request_id = %request_id
    );
    let response = next.run(request).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let millis = elapsed.as_millis();
    if response.status().is_server_error() {
        tracing::warn!(%method, path, status, millis, request_id, "request failed");
    } else if elapsed >= SLOW_REQUEST {
        tracing::info!(%method, path, status, millis, request_id, "slow request");
    } else {
        tracing::debug!(%method, path, status, millis, request_id, "request");
    }
    response
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then finishes the requests in
/// flight before returning.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(sweep_expired_sessions(state.clone()));
    let head_logger = tokio::spawn(log_audit_head(state.pool.clone()));
    // Mail and digests, and overdue deadlines told once each, from every server at once.
    let mut jobs = Vec::new();
    if state.config.worker {
        match notifications::mail::Mailer::from_config(&state.config) {
            Ok(mailer) => jobs.push(tokio::spawn(notifications::worker::run(
                state.clone(),
                mailer,
            ))),
            Err(problem) => {
                tracing::error!(%problem, "mail is not sent: the mail settings cannot be used");
            }
        }
        jobs.push(tokio::spawn(deadlines::overdue::run(state.clone())));
    }
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    head_logger.abort();
    for job in jobs {
        job.abort();
    }
    served
}

/// How long failed sign-ins and similar security events are kept.
pub const SECURITY_EVENTS_KEPT: time::Duration = time::Duration::days(90);
/// Logs the audit log's head at start and whenever it has moved, every ten minutes, so that the
/// log collector holds a copy outside the database for `audit verify --expect-head`.
async fn log_audit_head(pool: PgPool) {
    let mut every = tokio::time::interval(AUDIT_HEAD_EVERY);
    let mut last_logged = None;
    loop {
        every.tick().await;
        match audit::store::head(&pool).await {
            Ok(head) => {
                let (id, hash) = head.unwrap_or((0, audit::GENESIS_HASH.to_vec()));
                if last_logged != Some(id) {
                    tracing::info!(audit_head_id = id, audit_head = %hex::encode(&hash), "audit log head");
                    last_logged = Some(id);
                }
            }
            Err(error) => tracing::warn!(%error, "could not read the audit log head"),
        }
    }
}

/// Deletes timed-out sessions every ten minutes. They are refused anyway; this only keeps the
/// table small. Safe to run on every server at once: deleting twice changes nothing.
async fn sweep_expired_sessions(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        let now = state.clock.now();
        let idle_cutoff = now - auth::session::IDLE_TIMEOUT;
        if let Err(error) =
            auth::store::delete_expired_sessions(&state.pool, now, idle_cutoff).await
        {
            tracing::warn!(%error, "could not delete expired sessions");
        }
        // Failed sign-ins are kept 90 days; expired trusted browsers and forgotten sign-in
        // counters not at all.
        if let Err(error) =
            auth::store::delete_old_security_events(&state.pool, now - SECURITY_EVENTS_KEPT).await
        {
            tracing::warn!(%error, "could not delete old security events");
        }
        if let Err(error) = auth::store::delete_expired_trusted_devices(&state.pool, now).await {
            tracing::warn!(%error, "could not delete expired trusted browsers");
        }
        let forgotten = now - auth::throttle::MEMORY;
        if let Err(error) = auth::store::delete_stale_throttles(&state.pool, now, forgotten).await {
            tracing::warn!(%error, "could not delete old sign-in counters");
        }
    }
}
