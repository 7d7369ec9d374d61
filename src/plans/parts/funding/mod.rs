//! The plan's funding (to be written).

pub mod routes;
pub mod store;
