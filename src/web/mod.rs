//! Shared web plumbing: the error type and its pages, page rendering, security headers and the
//! middleware stack every response passes through, static assets and health checks.

pub mod assets;
pub mod error;
pub mod health;
pub mod page;
pub mod security;

pub use error::AppError;
