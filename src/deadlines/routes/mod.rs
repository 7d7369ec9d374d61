//! Deadline pages: an area's deadlines (`area`), the programme dashboard (`dashboard`) and the
//! iCalendar feeds (`calendar`).

pub mod area;
pub mod calendar;
pub mod dashboard;

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    [area::routes(), dashboard::routes(), calendar::routes()]
        .into_iter()
        .flatten()
        .collect()
}
