//! Money as people type it and read it: "£1,234,567", "1234567.50" in, whole pence (`i64`) kept,
//! "£1,234,567" or "£1,234,567.50" out. Shared by every feature that takes amounts (a risk's
//! financial exposure, funding lines), each of which states only its own upper limit.
//!
//! Accepted: an optional "£", digits with or without thousands commas (when commas are used they
//! must group in threes, so "1,23,4" is refused rather than guessed at), and at most two decimal
//! places. Refused with a message of its own: abbreviations ("£1.2m", "£250k"), because the
//! figure kept is the exact one a board paper and the exports cite, and "1.2m" is a rounding
//! somebody already did; negative amounts; anything that is not one number ("£1.2.3").

use std::fmt;

/// An amount of money in whole pence.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Pence(i64);

impl Pence {
    pub const ZERO: Pence = Pence(0);

    pub const fn new(pence: i64) -> Pence {
        Pence(pence)
    }

    /// Whole pounds, for limits written in code (`Pence::pounds(10_000_000_000)`). Saturates
    /// rather than overflowing, which no real limit comes near.
    pub const fn pounds(pounds: i64) -> Pence {
        Pence(pounds.saturating_mul(100))
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// Parses what somebody typed into a non-negative amount of at most `max`.
    pub fn parse(raw: &str, max: Pence) -> Result<Pence, MoneyProblem> {
        let typed = raw.trim();
        if typed.is_empty() {
            return Err(MoneyProblem::Missing);
        }
        let number = typed.strip_prefix('£').unwrap_or(typed).trim_start();
        if number.starts_with('-') || typed.starts_with('-') {
            return Err(MoneyProblem::Negative);
        }
        let lower = number.to_ascii_lowercase();
        if ["k", "m", "bn", "b", "million", "billion"]
            .iter()
            .any(|suffix| lower.ends_with(suffix) && lower.len() > suffix.len())
            && lower.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(MoneyProblem::Abbreviated);
        }
        let (whole, fraction) = match number.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (number, None),
        };
        let whole_digits = thousands(whole).ok_or(MoneyProblem::NotANumber)?;
        let fraction = fraction.unwrap_or("");
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyProblem::NotANumber);
        }
        if whole_digits.is_empty() && fraction.is_empty() {
            return Err(MoneyProblem::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(MoneyProblem::TooPrecise);
        }
        let too_large = MoneyProblem::TooLarge { max };
        let pounds = whole_digits.bytes().try_fold(0_i64, |total, digit| {
            total.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
        });
        let pennies = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(2)
            .fold(0_i64, |total, digit| total * 10 + i64::from(digit - b'0'));
        let pence = pounds
            .and_then(|pounds| pounds.checked_mul(100))
            .and_then(|pence| pence.checked_add(pennies))
            .ok_or(too_large)?;
        if pence > max.0 {
            return Err(MoneyProblem::TooLarge { max });
        }
        Ok(Pence(pence))
    }
}

/// The digits of a whole-pounds part, without its commas: empty is allowed (".50"), commas only
/// as thousands separators ("1,234,567"). `None` when it is not that.
fn thousands(whole: &str) -> Option<String> {
    if !whole.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    if whole.contains(',') {
        let mut groups = whole.split(',');
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 {
            return None;
        }
        if !groups.all(|group| group.len() == 3) {
            return None;
        }
    }
    Some(whole.replace(',', ""))
}

/// "£1,234,567" for whole pounds, "£1,234,567.50" otherwise; "-£5" below zero (a difference).
impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let pounds = (magnitude / 100).to_string();
        let pennies = magnitude % 100;
        let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
        for (index, digit) in pounds.chars().enumerate() {
            if index > 0 && (pounds.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        if pennies == 0 {
            write!(f, "{sign}£{grouped}")
        } else {
            write!(f, "{sign}£{grouped}.{pennies:02}")
        }
    }
}

/// Why typed text is not an amount of money; the `Display` is the message shown by the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyProblem {
    #[error("Enter an amount in pounds, like £250,000")]
    Missing,
    #[error("Enter the amount as one number in pounds, like £1,234,567 or 1234567.50")]
    NotANumber,
    #[error("Write the amount in full, like £1,200,000 rather than £1.2m")]
    Abbreviated,
    #[error("The amount cannot be negative")]
    Negative,
    #[error("The amount can have at most 2 decimal places (pence)")]
    TooPrecise,
    #[error("The amount must be {max} or less")]
    TooLarge { max: Pence },
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Pence = Pence::pounds(10_000_000_000);

    #[test]
    fn amounts_as_people_type_them() {
        for (typed, pence) in [
            ("£1,234,567", 123_456_700),
            ("1234567.50", 123_456_750),
            ("£1,234,567.5", 123_456_750),
            ("  £ 250,000  ", 25_000_000),
            ("0", 0),
            ("£0.01", 1),
            (".5", 50),
            ("5.", 500),
            ("999", 99_900),
            ("£10,000,000,000", 1_000_000_000_000),
            ("10000000000.00", 1_000_000_000_000),
        ] {
            assert_eq!(Pence::parse(typed, MAX), Ok(Pence(pence)), "{typed:?}");
        }
    }

    #[test]
    fn what_is_not_money_says_why() {
        for (typed, problem) in [
            ("", MoneyProblem::Missing),
            ("   ", MoneyProblem::Missing),
            ("£", MoneyProblem::NotANumber),
            ("£1.2.3", MoneyProblem::NotANumber),
            ("1,23,4", MoneyProblem::NotANumber),
            (",123", MoneyProblem::NotANumber),
            ("1234,567", MoneyProblem::NotANumber),
            ("twelve", MoneyProblem::NotANumber),
            ("1 234", MoneyProblem::NotANumber),
            ("$5", MoneyProblem::NotANumber),
            ("1e6", MoneyProblem::NotANumber),
            ("-5", MoneyProblem::Negative),
            ("£-5", MoneyProblem::Negative),
            ("-£5", MoneyProblem::Negative),
            ("£1.2m", MoneyProblem::Abbreviated),
            ("250k", MoneyProblem::Abbreviated),
            ("£3bn", MoneyProblem::Abbreviated),
            ("1.234", MoneyProblem::TooPrecise),
            ("£10,000,000,000.01", MoneyProblem::TooLarge { max: MAX }),
            ("£20,000,000,000", MoneyProblem::TooLarge { max: MAX }),
            (
                "99999999999999999999999999",
                MoneyProblem::TooLarge { max: MAX },
            ),
        ] {
            assert_eq!(Pence::parse(typed, MAX), Err(problem), "{typed:?}");
        }
        assert_eq!(
            MoneyProblem::TooLarge { max: MAX }.to_string(),
            "The amount must be £10,000,000,000 or less"
        );
    }

    #[test]
    fn pence_read_as_pounds() {
        for (pence, shown) in [
            (0, "£0"),
            (1, "£0.01"),
            (50, "£0.50"),
            (100, "£1"),
            (99_900, "£999"),
            (100_000, "£1,000"),
            (123_456_700, "£1,234,567"),
            (123_456_750, "£1,234,567.50"),
            (1_000_000_000_000, "£10,000,000,000"),
            (-500, "-£5"),
            (i64::MIN, "-£92,233,720,368,547,758.08"),
        ] {
            assert_eq!(Pence(pence).to_string(), shown);
        }
    }

    #[test]
    fn what_is_shown_reads_back_as_the_same_amount() {
        for pence in [0, 1, 99, 100, 123_456_750, 1_000_000_000_000] {
            assert_eq!(
                Pence::parse(&Pence(pence).to_string(), MAX),
                Ok(Pence(pence))
            );
        }
    }
}
