//! SQL for sign-off's tables: rounds, decisions, board decisions, submissions and assurance
//! (`rounds`), and reading snapshots for documents and comparisons (`snapshots`).

pub mod assurance;
pub mod board;
pub mod decisions;
pub mod rounds;
pub mod snapshots;
pub mod submissions;
