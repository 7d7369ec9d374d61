//! The pages of the plan's schemes.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
