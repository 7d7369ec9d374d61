//! Shared web plumbing: the error type and its pages, page rendering and layout, form errors,
//! routes as data, security headers, static assets and health checks.

pub mod assets;
pub mod banner;
pub mod choice;
pub mod error;
pub mod extract;
pub mod form;
pub mod format;
pub mod gzip;
pub mod health;
pub mod kept_part;
pub mod layout;
pub mod money;
pub mod page;
pub mod routes;
pub mod security;
pub mod text;
pub mod upload;

pub use error::AppError;
pub use form::FormErrors;
pub use layout::Layout;
