//! The pages of the plan's funding.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
