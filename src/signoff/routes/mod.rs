//! Sign-off pages: the plan's sign-off overview and timeline, rounds, decisions, the board,
//! submission and assurance.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    [Vec::new(), super::document::routes()]
        .into_iter()
        .flatten()
        .collect()
}
