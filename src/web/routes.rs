//! Routes as data: each feature lists its routes, the app builds its router from the lists, and
//! the access tests walk the very same lists, so a new route cannot escape them.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};

use crate::AppState;

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

pub fn get<H, T>(path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Route {
        method: Method::GET,
        path,
        handler: routing::get(handler),
    }
}

pub fn post<H, T>(path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Route {
        method: Method::POST,
        path,
        handler: routing::post(handler),
    }
}
