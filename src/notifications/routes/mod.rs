//! Notification pages: your list (`list`), how you get mail (`settings`), and the outbox for
//! administrators (`outbox`).

mod list;
mod outbox;
mod settings;

use crate::auth::guard::Admin;
use crate::web::routes::{Route, get, guarded, post};

pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        get("/notifications", list::show),
        post("/notifications/read-all", list::read_all),
        post("/notifications/{id}/open", list::open),
        post("/notifications/{id}/read", list::read),
        get("/account/notifications", settings::show),
        post("/account/notifications", settings::save),
    ];
    routes.extend(guarded::<Admin>(vec![
        get("/admin/outbox", outbox::list),
        get("/admin/outbox/{id}", outbox::show),
        post("/admin/outbox/{id}/send-again", outbox::send_again),
    ]));
    routes
}
