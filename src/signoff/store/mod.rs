//! SQL for sign-off's tables: rounds, decisions, board decisions, submissions and assurance
//! (`rounds`), and reading snapshots for documents and comparisons (`snapshots`).

pub mod rounds;
pub mod snapshots;
