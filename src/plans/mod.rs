//! Templates, plans, sections, revisions, contributions and comments: drafting the plan together.

pub mod access;
pub mod approval;
pub mod diff;
pub mod drafts;
pub mod excerpt;
pub mod markdown;
pub mod parts;
pub mod presence;
pub mod routes;
pub mod rules;
pub mod section;
pub mod store;
pub mod task_facts;
pub mod templates;

use crate::db::id::row_id;

row_id! {
    /// A plan's row id (one area's plan from one template).
    pub struct PlanId;
}

row_id! {
    /// A plan section's row id: one section of one plan, as opposed to the template section
    /// it was made from (`templates::TemplateSectionId`).
    pub struct PlanSectionId;
}

row_id! {
    /// A comment's row id. A thread is named by its first comment's id.
    pub struct CommentId;
}
