//! Routes as data: each feature lists its routes, the app builds its router from the lists, and
//! the access tests walk the very same lists, so a new route cannot escape them.

use axum::extract::FromRequestParts;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::from_extractor;
use axum::response::IntoResponse;
use axum::routing::{self, MethodRouter};

use crate::AppState;

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

fn route(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Route {
    Route {
        method,
        path,
        handler,
    }
}

pub fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Route {
    route(Method::GET, path, routing::get(handler))
}

pub fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H) -> Route {
    route(Method::POST, path, routing::post(handler))
}

/// `routes`, each answered only once the extractor `Guard` accepts the request (and with its
/// rejection otherwise): a whole group of pages guarded once, so that a handler added to the
/// group cannot forget the check. Handlers may still take `Guard` for what it carries.
pub fn guarded<Guard>(routes: Vec<Route>) -> Vec<Route>
where
    Guard: FromRequestParts<()> + Send + 'static,
    Guard::Rejection: IntoResponse,
{
    routes
        .into_iter()
        .map(|route| Route {
            handler: route.handler.route_layer(from_extractor::<Guard>()),
            ..route
        })
        .collect()
}
