//! The start page: what the service is for and who uses it.

pub mod routes;
