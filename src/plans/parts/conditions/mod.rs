//! The plan's conditions (to be written).

pub mod routes;
pub mod store;
