//! The plan's engagement (to be written).

pub mod routes;
pub mod store;
