//! A round's snapshot as a document (HTML for board papers, and Word), and comparisons: two
//! snapshots, or the approved snapshot and the live plan.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    Vec::new()
}
