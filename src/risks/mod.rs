//! The shared risk register of an area (issue 9). The pure domain: the risk matrix and scoring
//! ([`matrix`]), the risk-sharing arrangement between partners ([`sharing`]), financial
//! exposure ([`exposure`]), a risk's status and its rules ([`status`]), a risk's whole content,
//! its form and the difference between two versions ([`content`]), the register in brief
//! ([`summary`]) and who may do what ([`rules`]). Storage is in [`store`], the pages in
//! [`routes`] and `templates/risks/`.

pub mod content;
pub mod exposure;
pub mod matrix;
pub mod matrix_form;
pub mod routes;
pub mod rules;
pub mod sharing;
pub mod status;
pub mod store;
pub mod summary;
pub mod transfer;

pub use exposure::Exposure;
pub use matrix::{
    Axis, Band, BandColour, Matrix, MatrixProblem, RatingProblem, RatingProblems, Score,
};
pub use sharing::{Share, Shares, SharesProblem};
pub use status::{ClosureReason, RiskStatus, StatusProblem};

use crate::db::id::row_id;

row_id! {
    /// A risk's row id (not its number in the area's register, which people see as R-07).
    pub struct RiskId;
}

row_id! {
    /// A stored risk matrix's row id.
    pub struct MatrixId;
}

/// The reference people use for a risk: R-07.
pub fn reference(number: i32) -> String {
    format!("R-{number:02}")
}
