//! (to be built)

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
