//! The start page: what the service is for and who uses it; for a signed-in person, their home
//! page: what needs them (`needs`, pure, fed by `facts`) and their areas.

mod facts;
pub mod needs;
pub mod routes;
