//! The shared risk register of an area (issue 9): the domain of the register, pure and without
//! I/O. Here so far: the risk matrix and scoring ([`matrix`]), the risk-sharing arrangement
//! between partners ([`sharing`]), financial exposure ([`exposure`]) and a risk's status and its
//! rules ([`status`]). Storage (migrations, `store.rs`) and the pages (`routes.rs`,
//! `templates/risks/`) come next and build on these types.

pub mod exposure;
pub mod matrix;
pub mod sharing;
pub mod status;

pub use exposure::Exposure;
pub use matrix::{
    Axis, Band, BandColour, Matrix, MatrixProblem, RatingProblem, RatingProblems, Score,
};
pub use sharing::{Share, Shares, SharesProblem};
pub use status::{ClosureReason, RiskStatus, StatusProblem};
