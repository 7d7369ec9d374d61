//! The pages of the plan's engagement.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
