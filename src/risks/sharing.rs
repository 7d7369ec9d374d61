//! The risk-sharing arrangement: what share of a risk's cost each partner bears, adding up to
//! 100%.
//!
//! Shares are kept in basis points (hundredths of a percent, 10,000 in all), not whole percent:
//! pooled-budget agreements often share risk in proportion to each partner's contribution, which
//! is rarely a whole percent (62.5%, or a third as 33.33%), and a register that forced such a
//! split to whole numbers would record something the partners did not agree. Two decimal places
//! is as fine as such agreements go; more is refused rather than rounded, so the total people
//! see is the one they typed.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::areas::OrganisationId;
use crate::web::money::Pence;

/// One partner's share, in basis points (0 to 10,000).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "u16", into = "u16")]
pub struct Share(u16);

impl TryFrom<u16> for Share {
    type Error = ShareProblem;

    /// Basis points read back from storage, held to the same limit as a share typed.
    fn try_from(points: u16) -> Result<Share, ShareProblem> {
        if points <= WHOLE {
            Ok(Share(points))
        } else {
            Err(ShareProblem::OverAll)
        }
    }
}

impl From<Share> for u16 {
    fn from(share: Share) -> u16 {
        share.0
    }
}

/// All of it: 100% in basis points.
const WHOLE: u16 = 10_000;

impl Share {
    pub const ALL: Share = Share(WHOLE);

    /// Parses what somebody typed ("50", "62.5%", "33.33 %").
    pub fn parse(raw: &str) -> Result<Share, ShareProblem> {
        let typed = raw.trim();
        let number = typed.strip_suffix('%').unwrap_or(typed).trim_end();
        if number.is_empty() {
            return Err(ShareProblem::Missing);
        }
        if number.starts_with('-') {
            return Err(ShareProblem::Negative);
        }
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
            return Err(ShareProblem::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(ShareProblem::TooPrecise);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 3 {
            return Err(ShareProblem::OverAll);
        }
        let value = |part: &str| {
            part.bytes()
                .fold(0_u32, |total, digit| total * 10 + u32::from(digit - b'0'))
        };
        let hundredths = format!("{fraction:0<2}");
        let points = value(whole) * 100 + value(&hundredths);
        u16::try_from(points)
            .ok()
            .filter(|&points| points <= WHOLE)
            .map(Share)
            .ok_or(ShareProblem::OverAll)
    }

    pub const fn basis_points(self) -> u16 {
        self.0
    }
}

/// "50%", "62.5%", "33.33%".
impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        percent(f, u32::from(self.0))
    }
}

fn percent(f: &mut fmt::Formatter<'_>, points: u32) -> fmt::Result {
    let (whole, hundredths) = (points / 100, points % 100);
    match hundredths {
        0 => write!(f, "{whole}%"),
        _ if hundredths % 10 == 0 => write!(f, "{whole}.{}%", hundredths / 10),
        _ => write!(f, "{whole}.{hundredths:02}%"),
    }
}

/// A percentage of any size, for messages about totals ("110%").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percent(pub u32);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        percent(f, self.0)
    }
}

/// Why one partner's share is refused; the `Display` is the message by its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShareProblem {
    #[error("Enter a share in percent, like 50 (0 if this partner bears none)")]
    Missing,
    #[error("Enter the share as a number of percent, like 50 or 62.5")]
    NotANumber,
    #[error("A share cannot be negative")]
    Negative,
    #[error("A share can have at most 2 decimal places")]
    TooPrecise,
    #[error("A share cannot be more than 100%")]
    OverAll,
    #[error("This partner already has a share")]
    Duplicate,
}

/// Why the shares together are refused; the `Display` is the message above them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TotalProblem {
    #[error("Give at least one partner a share")]
    NoPartners,
    /// Only from stored data: a form reports the entry instead ([`ShareProblem::Duplicate`]).
    #[error("A partner has more than one share")]
    DuplicatePartner,
    #[error("The shares add up to {total}: {missing} is not yet shared")]
    Under { total: Percent, missing: Percent },
    #[error("The shares add up to {total}: {excess} too much")]
    Over { total: Percent, excess: Percent },
}

/// Everything wrong with a set of shares: each entry's problem (by its position in the input,
/// with its partner) and, when every entry is a number, the total's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharesProblem {
    pub entries: Vec<(usize, OrganisationId, ShareProblem)>,
    pub total: Option<TotalProblem>,
}

/// Each partner's share, in the order given, adding up to exactly 100%. Serialises as
/// `[[partner id, basis points], ...]` and is checked again when read back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "Vec<(OrganisationId, Share)>",
    into = "Vec<(OrganisationId, Share)>"
)]
pub struct Shares(Vec<(OrganisationId, Share)>);

impl TryFrom<Vec<(OrganisationId, Share)>> for Shares {
    type Error = TotalProblem;

    fn try_from(shares: Vec<(OrganisationId, Share)>) -> Result<Shares, TotalProblem> {
        let partners: BTreeSet<OrganisationId> =
            shares.iter().map(|(partner, _)| *partner).collect();
        if partners.len() != shares.len() {
            return Err(TotalProblem::DuplicatePartner);
        }
        match total_problem(&shares) {
            Some(problem) => Err(problem),
            None => Ok(Shares(shares)),
        }
    }
}

impl From<Shares> for Vec<(OrganisationId, Share)> {
    fn from(shares: Shares) -> Vec<(OrganisationId, Share)> {
        shares.0
    }
}

impl Shares {
    /// Parses each partner's typed share and checks they add up to 100%. Every problem is
    /// reported at once, so the form can show them all.
    pub fn parse(entries: &[(OrganisationId, &str)]) -> Result<Shares, SharesProblem> {
        let mut problems = Vec::new();
        let mut shares = Vec::with_capacity(entries.len());
        let mut seen = BTreeSet::new();
        for (index, &(partner, typed)) in entries.iter().enumerate() {
            if !seen.insert(partner) {
                problems.push((index, partner, ShareProblem::Duplicate));
                continue;
            }
            match Share::parse(typed) {
                Ok(share) => shares.push((partner, share)),
                Err(problem) => problems.push((index, partner, problem)),
            }
        }
        // A total is only worth stating when every part of it is a number.
        let total = if problems.is_empty() {
            total_problem(&shares)
        } else {
            None
        };
        if problems.is_empty() && total.is_none() {
            Ok(Shares(shares))
        } else {
            Err(SharesProblem {
                entries: problems,
                total,
            })
        }
    }

    /// Each partner and its share, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (OrganisationId, Share)> + '_ {
        self.0.iter().copied()
    }

    /// This partner's share, if it has one.
    pub fn of(&self, partner: OrganisationId) -> Option<Share> {
        self.iter()
            .find(|&(candidate, _)| candidate == partner)
            .map(|(_, share)| share)
    }

    /// What each partner would bear of `amount`, in whole pence adding up to exactly `amount`:
    /// each gets its share rounded down, and the pennies left go one each to the partners with
    /// the largest remainders (the first given among equals).
    pub fn split(&self, amount: Pence) -> Vec<(OrganisationId, Pence)> {
        let total = i128::from(amount.get());
        let whole = i128::from(WHOLE);
        let mut parts: Vec<(OrganisationId, i128, i128)> = self
            .iter()
            .map(|(partner, share)| {
                let exact = total * i128::from(share.0);
                (partner, exact.div_euclid(whole), exact.rem_euclid(whole))
            })
            .collect();
        let given: i128 = parts.iter().map(|(_, part, _)| part).sum();
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by_key(|&index| std::cmp::Reverse(parts[index].2));
        let left = usize::try_from(total - given).unwrap_or(0);
        for &index in order.iter().take(left) {
            parts[index].1 += 1;
        }
        parts
            .into_iter()
            .map(|(partner, part, _)| (partner, Pence::new(i64::try_from(part).unwrap_or(0))))
            .collect()
    }
}

fn total_problem(shares: &[(OrganisationId, Share)]) -> Option<TotalProblem> {
    if shares.is_empty() {
        return Some(TotalProblem::NoPartners);
    }
    let total: u32 = shares.iter().map(|(_, share)| u32::from(share.0)).sum();
    let whole = u32::from(WHOLE);
    match total.cmp(&whole) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => Some(TotalProblem::Under {
            total: Percent(total),
            missing: Percent(whole - total),
        }),
        std::cmp::Ordering::Greater => Some(TotalProblem::Over {
            total: Percent(total),
            excess: Percent(total - whole),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNCIL: OrganisationId = OrganisationId::new(1);
    const CCG_A: OrganisationId = OrganisationId::new(2);
    const CCG_B: OrganisationId = OrganisationId::new(3);

    #[test]
    fn shares_as_people_type_them() {
        for (typed, points) in [
            ("50", 5_000),
            ("50%", 5_000),
            (" 62.5 % ", 6_250),
            ("33.33", 3_333),
            ("0", 0),
            ("100", 10_000),
            ("100.00", 10_000),
            ("007", 700),
            (".5", 50),
        ] {
            assert_eq!(Share::parse(typed), Ok(Share(points)), "{typed:?}");
        }
    }

    #[test]
    fn bad_shares_say_why() {
        for (typed, problem) in [
            ("", ShareProblem::Missing),
            ("%", ShareProblem::Missing),
            ("half", ShareProblem::NotANumber),
            ("1.2.3", ShareProblem::NotANumber),
            (".", ShareProblem::NotANumber),
            ("5 0", ShareProblem::NotANumber),
            ("-5", ShareProblem::Negative),
            ("33.333", ShareProblem::TooPrecise),
            ("100.01", ShareProblem::OverAll),
            ("150", ShareProblem::OverAll),
            ("99999999999999999999", ShareProblem::OverAll),
        ] {
            assert_eq!(Share::parse(typed), Err(problem), "{typed:?}");
        }
    }

    #[test]
    fn shares_show_as_percent() {
        for (points, shown) in [
            (10_000, "100%"),
            (6_250, "62.5%"),
            (3_333, "33.33%"),
            (5, "0.05%"),
        ] {
            assert_eq!(Share(points).to_string(), shown);
        }
    }

    #[test]
    fn shares_adding_up_to_100_are_kept_in_order() {
        let shares = Shares::parse(&[(COUNCIL, "50"), (CCG_A, "33.33"), (CCG_B, "16.67%")])
            .expect("adds up");
        assert_eq!(
            shares.iter().collect::<Vec<_>>(),
            [
                (COUNCIL, Share(5_000)),
                (CCG_A, Share(3_333)),
                (CCG_B, Share(1_667))
            ]
        );
        assert_eq!(shares.of(CCG_A), Some(Share(3_333)));
        assert_eq!(shares.of(OrganisationId::new(99)), None);
        let single = Shares::parse(&[(COUNCIL, "100%")]).expect("all of it");
        assert_eq!(single.of(COUNCIL), Some(Share::ALL));
    }

    #[test]
    fn shares_adding_up_wrong_say_by_how_much() {
        let under = Shares::parse(&[(COUNCIL, "50"), (CCG_A, "40")]).expect_err("90%");
        assert!(under.entries.is_empty());
        assert_eq!(
            under.total.map(|total| total.to_string()).as_deref(),
            Some("The shares add up to 90%: 10% is not yet shared")
        );
        let over = Shares::parse(&[(COUNCIL, "60"), (CCG_A, "50")]).expect_err("110%");
        assert_eq!(
            over.total.map(|total| total.to_string()).as_deref(),
            Some("The shares add up to 110%: 10% too much")
        );
        let fractional = Shares::parse(&[(COUNCIL, "33.33"), (CCG_A, "33.33"), (CCG_B, "33.33")])
            .expect_err("99.99%");
        assert_eq!(
            fractional.total.map(|total| total.to_string()).as_deref(),
            Some("The shares add up to 99.99%: 0.01% is not yet shared")
        );
        let none = Shares::parse(&[]).expect_err("no partners");
        assert_eq!(none.total, Some(TotalProblem::NoPartners));
    }

    #[test]
    fn each_bad_entry_is_named_and_the_total_left_alone() {
        let problem = Shares::parse(&[
            (COUNCIL, "fifty"),
            (CCG_A, "-5"),
            (CCG_B, "120"),
            (CCG_B, "10"),
        ])
        .expect_err("bad entries");
        assert_eq!(
            problem.entries,
            [
                (0, COUNCIL, ShareProblem::NotANumber),
                (1, CCG_A, ShareProblem::Negative),
                (2, CCG_B, ShareProblem::OverAll),
                (3, CCG_B, ShareProblem::Duplicate),
            ]
        );
        // A total of numbers some of which are not numbers would only mislead.
        assert_eq!(problem.total, None);
    }

    #[test]
    fn an_amount_splits_into_pence_that_add_up() {
        let shares = Shares::parse(&[(COUNCIL, "33.33"), (CCG_A, "33.33"), (CCG_B, "33.34")])
            .expect("adds up");
        let split = shares.split(Pence::new(100));
        assert_eq!(
            split,
            [
                (COUNCIL, Pence::new(33)),
                (CCG_A, Pence::new(33)),
                (CCG_B, Pence::new(34))
            ]
        );
        let halves = Shares::parse(&[(COUNCIL, "50"), (CCG_A, "50")]).expect("adds up");
        // An odd penny goes to the first of equals.
        assert_eq!(
            halves.split(Pence::new(101)),
            [(COUNCIL, Pence::new(51)), (CCG_A, Pence::new(50))]
        );
        let json = serde_json::to_string(&shares).expect("serialises");
        assert_eq!(json, "[[1,3333],[2,3333],[3,3334]]");
        assert_eq!(
            serde_json::from_str::<Shares>(&json).expect("reads back"),
            shares
        );
        assert!(serde_json::from_str::<Shares>("[[1,3333],[2,3333]]").is_err());
        assert!(serde_json::from_str::<Shares>("[[1,5000],[1,5000]]").is_err());
        assert!(serde_json::from_str::<Shares>("[[1,10001]]").is_err());
        let big = Pence::pounds(10_000_000_000);
        let total: i64 = shares.split(big).iter().map(|(_, part)| part.get()).sum();
        assert_eq!(total, big.get());
    }
}
