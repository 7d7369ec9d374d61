//! Templates, plans, sections, revisions, contributions and comments: drafting the plan together.

pub mod diff;
pub mod markdown;
