//! Where a risk stands: open, closed (always with the reason, which the board reads), or
//! reopened after being closed. The rules for moving between them live here, so that every
//! route and import applies the same ones.

use serde::{Deserialize, Serialize};

use crate::keyed::keyed_enum;

keyed_enum! {
    /// A risk's status. The key is what forms, URLs and the database carry.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RiskStatus {
        Open = ("open", "Open"),
        Closed = ("closed", "Closed"),
        /// Open again after being closed: counted as open, shown apart so that a board sees a
        /// risk come back.
        Reopened = ("reopened", "Reopened"),
    }
}

/// The longest reason for closing a risk, in characters.
pub const MAX_REASON_CHARS: usize = 2_000;

/// Why a risk was closed: trimmed, 1 to 2,000 characters (also when read back).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClosureReason(String);

impl TryFrom<String> for ClosureReason {
    type Error = StatusProblem;

    fn try_from(raw: String) -> Result<ClosureReason, StatusProblem> {
        ClosureReason::parse(&raw)
    }
}

impl From<ClosureReason> for String {
    fn from(reason: ClosureReason) -> String {
        reason.0
    }
}

impl ClosureReason {
    pub fn parse(raw: &str) -> Result<ClosureReason, StatusProblem> {
        let reason = raw.trim();
        if reason.is_empty() {
            Err(StatusProblem::ReasonMissing)
        } else if reason.chars().count() > MAX_REASON_CHARS {
            Err(StatusProblem::ReasonTooLong)
        } else {
            Ok(ClosureReason(reason.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a status change is refused; the `Display` is the message shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatusProblem {
    #[error("Enter why the risk is being closed")]
    ReasonMissing,
    #[error("The reason must be 2,000 characters or fewer")]
    ReasonTooLong,
    #[error("This risk is already closed")]
    AlreadyClosed,
    #[error("Only a closed risk can be reopened")]
    NotClosed,
}

impl RiskStatus {
    /// Whether the risk still counts: open or reopened.
    pub fn is_open(self) -> bool {
        self != RiskStatus::Closed
    }

    /// The tag colour it is shown in (a GOV.UK tag modifier).
    pub fn colour(self) -> &'static str {
        match self {
            RiskStatus::Open => "blue",
            RiskStatus::Closed => "grey",
            RiskStatus::Reopened => "purple",
        }
    }

    /// Closes an open or reopened risk, for the reason typed; returns the reason to keep with it.
    /// The reason is checked first, so a form that closes a closed risk without a reason says
    /// what the person can fix.
    pub fn close(self, reason: &str) -> Result<ClosureReason, StatusProblem> {
        let reason = ClosureReason::parse(reason)?;
        if self.is_open() {
            Ok(reason)
        } else {
            Err(StatusProblem::AlreadyClosed)
        }
    }

    /// Reopens a closed risk. Its closure reason stays in its history; the risk no longer has
    /// a current one.
    pub fn reopen(self) -> Result<RiskStatus, StatusProblem> {
        match self {
            RiskStatus::Closed => Ok(RiskStatus::Reopened),
            RiskStatus::Open | RiskStatus::Reopened => Err(StatusProblem::NotClosed),
        }
    }

    /// Whether a status and a closure reason belong together: a closed risk has a reason and
    /// an open one has none. For rows read back or imported, which arrive as both at once.
    pub fn check(self, reason: Option<&ClosureReason>) -> Result<(), StatusProblem> {
        match (self, reason) {
            (RiskStatus::Closed, None) => Err(StatusProblem::ReasonMissing),
            (RiskStatus::Open | RiskStatus::Reopened, Some(_)) => Err(StatusProblem::NotClosed),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_labels() {
        assert_eq!(
            RiskStatus::ALL.map(RiskStatus::key),
            ["open", "closed", "reopened"]
        );
        assert_eq!(RiskStatus::parse("reopened"), Some(RiskStatus::Reopened));
        assert_eq!(RiskStatus::parse("Closed"), None);
        assert_eq!(RiskStatus::Closed.to_string(), "Closed");
        assert_eq!(
            serde_json::to_string(&RiskStatus::Reopened).expect("serialises"),
            "\"reopened\""
        );
        for status in RiskStatus::ALL {
            let json = serde_json::to_string(&status).expect("serialises");
            assert_eq!(json, format!("\"{}\"", status.key()));
        }
    }

    #[test]
    fn open_and_reopened_risks_close_with_a_reason() {
        for status in [RiskStatus::Open, RiskStatus::Reopened] {
            let reason = status
                .close("  Activity fell as planned; no exposure left  ")
                .expect("closes");
            assert_eq!(
                reason.as_str(),
                "Activity fell as planned; no exposure left"
            );
        }
        assert!(RiskStatus::Open.is_open());
        assert!(RiskStatus::Reopened.is_open());
        assert!(!RiskStatus::Closed.is_open());
    }

    #[test]
    fn closing_without_a_reason_is_refused() {
        for reason in ["", "   \n "] {
            let problem = RiskStatus::Open.close(reason).expect_err("no reason");
            assert_eq!(problem, StatusProblem::ReasonMissing);
            assert_eq!(problem.to_string(), "Enter why the risk is being closed");
        }
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(
            RiskStatus::Open.close(&long),
            Err(StatusProblem::ReasonTooLong)
        );
        assert!(
            RiskStatus::Open
                .close(&"x".repeat(MAX_REASON_CHARS))
                .is_ok()
        );
    }

    #[test]
    fn a_closed_risk_cannot_be_closed_again() {
        assert_eq!(
            RiskStatus::Closed.close("Still closed"),
            Err(StatusProblem::AlreadyClosed)
        );
    }

    #[test]
    fn only_a_closed_risk_reopens() {
        assert_eq!(RiskStatus::Closed.reopen(), Ok(RiskStatus::Reopened));
        for status in [RiskStatus::Open, RiskStatus::Reopened] {
            let problem = status.reopen().expect_err("not closed");
            assert_eq!(problem.to_string(), "Only a closed risk can be reopened");
        }
        // And a reopened risk can be closed again, and reopened again.
        let reopened = RiskStatus::Closed.reopen().expect("reopens");
        assert!(reopened.close("Resolved for good").is_ok());
    }

    #[test]
    fn status_and_reason_must_agree() {
        let reason = ClosureReason::parse("Resolved").expect("a reason");
        assert_eq!(RiskStatus::Closed.check(Some(&reason)), Ok(()));
        assert_eq!(
            RiskStatus::Closed.check(None),
            Err(StatusProblem::ReasonMissing)
        );
        assert_eq!(RiskStatus::Open.check(None), Ok(()));
        assert_eq!(
            serde_json::to_string(&reason).expect("serialises"),
            "\"Resolved\""
        );
        assert!(serde_json::from_str::<ClosureReason>("\"  \"").is_err());
        assert_eq!(RiskStatus::Reopened.check(None), Ok(()));
        assert_eq!(
            RiskStatus::Open.check(Some(&reason)),
            Err(StatusProblem::NotClosed)
        );
    }
}
