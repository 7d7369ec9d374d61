//! The template administration pages, for administrators only: the whole group sits behind the
//! `Admin` guard. `list` has the list of templates with a copy form for each; `sections` a
//! template's sections with their order, and a section's details. Every change is made with
//! `audit::Change`, with the template row locked, then redirects (303) to the template page with
//! a fixed success message (`Done`). Bad input re-renders the page (422) with everything typed
//! kept.

use super::{list, route_pages, sections, structure_pages};
use crate::auth::guard::Admin;
use crate::web::routes::{Route, get, guarded, post};

pub fn routes() -> Vec<Route> {
    guarded::<Admin>(vec![
        get("/admin/templates", list::list_templates),
        get("/admin/templates/{key}", sections::show_template),
        post("/admin/templates/{key}/copy", list::copy_template),
        post("/admin/templates/{key}/sections", sections::add_section),
        get(
            "/admin/templates/{key}/sections/{section}",
            sections::edit_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}",
            sections::update_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}/move",
            sections::move_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}/remove",
            sections::remove_section,
        ),
        get(
            "/admin/templates/{key}/structure",
            structure_pages::show_structure,
        ),
        get(
            "/admin/templates/{key}/structure/years",
            structure_pages::edit_years,
        ),
        post(
            "/admin/templates/{key}/structure/years",
            structure_pages::save_years,
        ),
        get(
            "/admin/templates/{key}/structure/sign-off",
            route_pages::edit_route,
        ),
        post(
            "/admin/templates/{key}/structure/sign-off",
            route_pages::save_route,
        ),
        get(
            "/admin/templates/{key}/structure/{part}/{item}",
            structure_pages::edit_item,
        ),
        post(
            "/admin/templates/{key}/structure/{part}/{item}",
            structure_pages::save_item,
        ),
        post(
            "/admin/templates/{key}/structure/{part}/{item}/remove",
            structure_pages::remove_structure_item,
        ),
    ])
}
