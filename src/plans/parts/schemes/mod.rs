//! The plan's schemes (to be written).

pub mod routes;
pub mod store;
