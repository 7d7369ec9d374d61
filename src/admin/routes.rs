//! The administration routes, all behind the `Admin` guard (administrators only; anyone else
//! signed in gets 403, visitors are sent to sign in), and the administration index page. Each
//! sub-feature's handlers live in its own module.

use askama::Template;
use axum::response::Response;

use super::{areas, audit_log, grants, organisations, users};
use crate::auth::guard::Admin;
use crate::web::page::ok;
use crate::web::routes::{Route, get, guarded, post};
use crate::web::{AppError, Layout};

pub fn routes() -> Vec<Route> {
    guarded::<Admin>(vec![
        get("/admin", index),
        get("/admin/organisations", organisations::list),
        get("/admin/organisations/new", organisations::new),
        post("/admin/organisations/new", organisations::add),
        get("/admin/organisations/{id}", organisations::edit),
        post("/admin/organisations/{id}", organisations::update),
        get("/admin/areas", areas::list),
        get("/admin/areas/new", areas::new),
        post("/admin/areas/new", areas::add),
        get("/admin/areas/{slug}", areas::show),
        post("/admin/areas/{slug}", areas::update),
        post("/admin/areas/{slug}/members", areas::add_member),
        get(
            "/admin/areas/{slug}/members/{organisation_id}/remove",
            areas::confirm_remove_member,
        ),
        post(
            "/admin/areas/{slug}/members/{organisation_id}/remove",
            areas::remove_member,
        ),
        get("/admin/users", users::list),
        get("/admin/users/new", users::new),
        post("/admin/users/new", users::add),
        get("/admin/users/{id}", users::show),
        post("/admin/users/{id}/grants", grants::add),
        get(
            "/admin/users/{id}/grants/{grant_id}/remove",
            grants::confirm_remove,
        ),
        post("/admin/users/{id}/grants/{grant_id}/remove", grants::remove),
        get("/admin/users/{id}/disable", users::confirm_disable),
        post("/admin/users/{id}/disable", users::disable),
        post("/admin/users/{id}/enable", users::enable),
        post("/admin/users/{id}/reset-password", users::reset_password),
        post(
            "/admin/users/{id}/reset-two-factor",
            users::reset_two_factor,
        ),
        get("/admin/audit", audit_log::browse),
    ])
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    layout: Layout,
}

async fn index(admin: Admin) -> Result<Response, AppError> {
    ok(&IndexPage {
        layout: admin.layout(),
    })
}
