//! Sign-off (issue 11): an area lead opens a named round, which freezes the plan and takes a
//! snapshot of it (canonical JSON, SHA-256); each required signer records a decision on that
//! snapshot, the Health and Wellbeing Board's decision is recorded, the plan is submitted and
//! assured. The route each plan walks is template data (`plans::templates::route`); the state
//! machine is `state`, pure; the SQL is `store`.

pub mod signers;
pub mod state;
