//! Templates, plans, sections, revisions, contributions and comments: drafting the plan together.

pub mod diff;
pub mod markdown;
pub mod routes;
pub mod rules;
pub mod section;
pub mod store;
pub mod templates;
