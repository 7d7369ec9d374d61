//! `/healthz` (the process answers) and `/readyz` (and can reach its database), for load
//! balancers and orchestrators.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;
use crate::db::store;
use crate::web::routes::{Route, get};

const HEALTHZ: &str = "/healthz";
const READYZ: &str = "/readyz";

pub fn routes() -> Vec<Route> {
    vec![get(HEALTHZ, healthz), get(READYZ, readyz)]
}

/// Whether `path` is a health check, which needs no session.
pub fn is_health_check(path: &str) -> bool {
    path == HEALTHZ || path == READYZ
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if store::is_reachable(&state.pool, Duration::from_secs(2)).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
