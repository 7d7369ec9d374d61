//! A risk's financial exposure: what it would cost the partners if it happened, in whole pence.
//! Typed and shown as money everywhere is ([`crate::web::money`]); this adds the register's own
//! ceiling of £10bn, far above any area's pooled fund, so that a slip of the keyboard
//! ("£1,000,000,000,000") is caught rather than charted.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::web::money::{MoneyProblem, Pence};

/// A financial exposure: £0 to £10bn, in whole pence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Pence", into = "Pence")]
pub struct Exposure(Pence);

impl Exposure {
    /// The most a single risk may expose the partners to.
    pub const MAX: Pence = Pence::pounds(10_000_000_000);

    /// Parses what somebody typed ("£1,234,567", "1234567.50").
    pub fn parse(raw: &str) -> Result<Exposure, MoneyProblem> {
        Pence::parse(raw, Exposure::MAX).map(Exposure)
    }

    pub fn pence(self) -> Pence {
        self.0
    }
}

impl TryFrom<Pence> for Exposure {
    type Error = MoneyProblem;

    /// An amount read back from storage, held to the same limits as one typed.
    fn try_from(pence: Pence) -> Result<Exposure, MoneyProblem> {
        if pence < Pence::ZERO {
            Err(MoneyProblem::Negative)
        } else if pence > Exposure::MAX {
            Err(MoneyProblem::TooLarge { max: Exposure::MAX })
        } else {
            Ok(Exposure(pence))
        }
    }
}

impl From<Exposure> for Pence {
    fn from(exposure: Exposure) -> Pence {
        exposure.0
    }
}

/// "£1,234,567", or "£1,234,567.50" when there are pence.
impl fmt::Display for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposures_as_people_type_them() {
        for (typed, pence, shown) in [
            ("£1,234,567", 123_456_700, "£1,234,567"),
            ("1234567.50", 123_456_750, "£1,234,567.50"),
            ("£0", 0, "£0"),
            ("£10,000,000,000", 1_000_000_000_000, "£10,000,000,000"),
        ] {
            let exposure = Exposure::parse(typed).expect(typed);
            assert_eq!(exposure.pence(), Pence::new(pence));
            assert_eq!(exposure.to_string(), shown);
        }
    }

    #[test]
    fn the_bad_money_of_issue_9_is_refused_in_words() {
        for (typed, message) in [
            (
                "£1.2.3",
                "Enter the amount as one number in pounds, like £1,234,567 or 1234567.50",
            ),
            ("-5", "The amount cannot be negative"),
            (
                "£10,000,000,000.01",
                "The amount must be £10,000,000,000 or less",
            ),
            (
                "£25,000,000,000",
                "The amount must be £10,000,000,000 or less",
            ),
            (
                "1.234",
                "The amount can have at most 2 decimal places (pence)",
            ),
            (
                "£1.2m",
                "Write the amount in full, like £1,200,000 rather than £1.2m",
            ),
            ("", "Enter an amount in pounds, like £250,000"),
        ] {
            let problem = Exposure::parse(typed).expect_err(typed);
            assert_eq!(problem.to_string(), message, "{typed:?}");
        }
    }

    #[test]
    fn stored_exposures_are_held_to_the_same_limits() {
        let exposure = Exposure::parse("£250,000").expect("money");
        let json = serde_json::to_string(&exposure).expect("serialises");
        assert_eq!(json, "25000000");
        assert_eq!(
            serde_json::from_str::<Exposure>(&json).expect("reads"),
            exposure
        );
        assert!(serde_json::from_str::<Exposure>("-1").is_err());
        assert!(serde_json::from_str::<Exposure>("1000000000001").is_err());
    }
}
