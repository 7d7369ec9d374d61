use askama::Template;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::AppState;
use crate::web::{AppError, page};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(start))
}

#[derive(Template)]
#[template(path = "home/start.html")]
struct StartPage;

async fn start() -> Result<Html<String>, AppError> {
    page::render(&StartPage)
}
