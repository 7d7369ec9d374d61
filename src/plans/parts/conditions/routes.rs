//! The pages of the plan's conditions.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
