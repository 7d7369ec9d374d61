//! The plan's metrics (to be written).

pub mod routes;
pub mod store;
