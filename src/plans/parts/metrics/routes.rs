//! The pages of the plan's metrics.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
