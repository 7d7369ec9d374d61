//! The membership pages: an area's people with its invitations (`people`), and accepting an
//! invitation (`accept`).

mod accept;
mod people;

use crate::web::routes::{Route, get, post};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/people", people::show),
        post("/areas/{slug}/people/invitations", people::invite),
        post(
            "/areas/{slug}/people/invitations/{id}/revoke",
            people::revoke,
        ),
        get(
            "/areas/{slug}/people/roles/{grant_id}/remove",
            people::confirm_removal,
        ),
        post(
            "/areas/{slug}/people/roles/{grant_id}/remove",
            people::remove,
        ),
        get("/invitations/{token}", accept::show),
        post("/invitations/{token}", accept::accept),
    ]
}
