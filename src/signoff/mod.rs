//! Sign-off (issue 11): an area lead opens a named round, which freezes the plan and takes a
//! snapshot of it (canonical JSON, SHA-256: `plans::parts::document`); each required signer
//! records a decision on that snapshot, the Health and Wellbeing Board's decision is recorded,
//! the plan is submitted and assured. The route each plan walks is template data
//! (`plans::templates::route`); the state machine is `state`, pure; who must sign is `signers`;
//! the SQL is `store`; the pages are `routes` (the workflow) and `document` (snapshots as
//! documents, and comparisons).

pub mod document;
pub mod forms;
pub mod history;
pub mod routes;
pub mod signers;
pub mod state;
pub mod store;
