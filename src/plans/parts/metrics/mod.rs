//! The plan's metric goals: for each metric of the plan's structure, a baseline (value and the
//! period it is for), a goal per period of the metric, pay-for-performance money where the
//! metric has it, and the rationale. Goal sets are versions: every save adds one, the newest is
//! current, and the earlier ones stay to be shown, so goals revised after submission keep the
//! ones first submitted.
//!
//! Values are decimals as people type them ("1,234.5", "12.25") kept exactly as whole
//! hundredths ([`MetricValue`]), so the figure shown is always the figure typed.

pub mod routes;
pub mod store;

use std::collections::BTreeMap;
use std::fmt;

use crate::areas::AreaId;
use crate::auth::policy::Principal;
use crate::db::id::row_id;
use crate::plans::parts::editing::{Difference, differ, may_edit_shared_parts};
use crate::plans::templates::structure::{Direction, Metric};
use crate::web::form::{FormErrors, shown};
use crate::web::money::Pence;
use crate::web::text::long_text;

row_id! {
    /// One saved goal set (a version of one metric's goals in one plan).
    pub struct GoalSetId;
}

/// The largest value a baseline or goal may have: far above any rate or count a metric uses,
/// and far below where arithmetic on hundredths could overflow.
pub const MAX_VALUE: MetricValue = MetricValue(99_999_999_999);
/// The most pay-for-performance money one metric may carry.
pub const MAX_PAY_FOR_PERFORMANCE: Pence = Pence::pounds(1_000_000_000);
/// The longest baseline period ("2023-24 outturn"), in characters.
pub const MAX_PERIOD_CHARS: usize = 200;
/// The longest rationale, in characters.
pub const MAX_RATIONALE_CHARS: usize = 10_000;

/// Who sets a plan's metric goals: see [`may_edit_shared_parts`].
pub fn may_set_goals(principal: &Principal<'_>, area_id: AreaId) -> bool {
    may_edit_shared_parts(principal, area_id)
}

/// A metric's value (a baseline or a goal) in whole hundredths: 12.25 is 1225.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricValue(i64);

impl MetricValue {
    pub const fn from_hundredths(hundredths: i64) -> MetricValue {
        MetricValue(hundredths)
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Parses a value as people type it: digits, thousands commas in groups of three if any,
    /// and at most two decimal places; not negative, at most [`MAX_VALUE`].
    pub fn parse(raw: &str) -> Result<MetricValue, ValueProblem> {
        let typed = raw.trim();
        if typed.is_empty() {
            return Err(ValueProblem::Missing);
        }
        if typed.starts_with('-') || typed.starts_with('−') {
            return Err(ValueProblem::Negative);
        }
        let (whole, fraction) = typed.split_once('.').unwrap_or((typed, ""));
        if !whole.bytes().all(|b| b.is_ascii_digit() || b == b',')
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || (whole.is_empty() && fraction.is_empty())
            || !commas_group_thousands(whole)
        {
            return Err(ValueProblem::NotANumber);
        }
        if fraction.len() > 2 {
            return Err(ValueProblem::TooPrecise);
        }
        let digits = whole.bytes().filter(u8::is_ascii_digit);
        let decimals = fraction.bytes().chain(std::iter::repeat(b'0')).take(2);
        let hundredths = digits.chain(decimals).try_fold(0_i64, |total, digit| {
            total.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
        });
        match hundredths {
            Some(value) if value <= MAX_VALUE.0 => Ok(MetricValue(value)),
            _ => Err(ValueProblem::TooLarge),
        }
    }
}

/// Commas, if any, separate thousands: "1,234,567", not "1,23" or ",123".
fn commas_group_thousands(whole: &str) -> bool {
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    !whole.contains(',') || (!first.is_empty() && first.len() <= 3 && groups.all(|g| g.len() == 3))
}

/// Hundredths as people write the number: "1,234.5", "12.25", "1,200".
fn decimal(hundredths: i64) -> String {
    let magnitude = hundredths.unsigned_abs();
    let whole = (magnitude / 100).to_string();
    let mut text = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    if hundredths < 0 {
        text.push('-');
    }
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    match magnitude % 100 {
        0 => {}
        rest if rest.is_multiple_of(10) => text.push_str(&format!(".{}", rest / 10)),
        rest => text.push_str(&format!(".{rest:02}")),
    }
    text
}

impl fmt::Display for MetricValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&decimal(self.0))
    }
}

/// Why typed text is not a metric value; [`ValueProblem::message`] says it about one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueProblem {
    Missing,
    NotANumber,
    Negative,
    TooPrecise,
    TooLarge,
}

impl ValueProblem {
    /// The message by the field, naming `what` ("the baseline", "the goal for Q1 2025/26").
    pub fn message(self, what: &str) -> String {
        match self {
            ValueProblem::Missing => format!("Enter {what}"),
            ValueProblem::NotANumber => {
                format!("Enter {what} as a number, like 1,234.5 or 12.25")
            }
            ValueProblem::Negative => format!("{} cannot be negative", capitalised(what)),
            ValueProblem::TooPrecise => {
                format!("{} can have at most 2 decimal places", capitalised(what))
            }
            ValueProblem::TooLarge => {
                format!("{} must be {MAX_VALUE} or less", capitalised(what))
            }
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A metric's starting point: its value and the period it is for ("2023-24 outturn").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    pub value: MetricValue,
    pub period: String,
}

/// One version of a metric's goals, as saved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoalSet {
    pub baseline: Option<Baseline>,
    /// Goals by period key; periods left empty have none.
    pub goals: BTreeMap<String, MetricValue>,
    pub pay_for_performance: Option<Pence>,
    /// Markdown.
    pub rationale: String,
}

/// A metric's current goals, as the checks read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricGoals {
    pub metric_key: String,
    pub baseline: Option<Baseline>,
    /// Goals by period key; periods without a goal are absent.
    pub goals: BTreeMap<String, MetricValue>,
    pub pay_for_performance: Option<Pence>,
}

/// The id of the goal field for a period: `goal-q1-2025-26`.
pub fn goal_field(period_key: &str) -> String {
    format!("{GOAL_PREFIX}{period_key}")
}

const GOAL_PREFIX: &str = "goal-";

/// The fields of a goals form as typed, by name (a name sent twice keeps its last value).
#[derive(Clone, Debug, Default)]
pub struct GoalForm(pub BTreeMap<String, String>);

impl GoalForm {
    pub fn new(fields: impl IntoIterator<Item = (String, String)>) -> GoalForm {
        GoalForm(fields.into_iter().collect())
    }

    /// What was typed in `name` ("" for nothing).
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// The form filled in with `set`, as the edit page opens it.
    pub fn from_set(set: &GoalSet) -> GoalForm {
        let mut fields = BTreeMap::new();
        if let Some(baseline) = &set.baseline {
            fields.insert("baseline_value".to_owned(), baseline.value.to_string());
            fields.insert("baseline_period".to_owned(), baseline.period.clone());
        }
        for (period, goal) in &set.goals {
            fields.insert(goal_field(period), goal.to_string());
        }
        if let Some(money) = set.pay_for_performance {
            fields.insert("pay_for_performance".to_owned(), money.to_string());
        }
        fields.insert("rationale".to_owned(), set.rationale.clone());
        GoalForm(fields)
    }

    /// Parses the form for `metric`: every value checked, a goal only for a period the metric
    /// has, money only for a metric with pay for performance (the field is not offered
    /// otherwise, and anything sent in it is ignored). A message per field otherwise.
    pub fn parse(&self, metric: &Metric) -> Result<GoalSet, FormErrors> {
        let mut errors = FormErrors::new();
        for name in self.0.keys() {
            if let Some(period) = name.strip_prefix(GOAL_PREFIX)
                && !metric.periods.iter().any(|p| p.key == period)
            {
                let shown_key: String = shown(period).chars().take(60).collect();
                errors.add(
                    "goals",
                    format!(
                        "This metric has no period \"{shown_key}\": give goals only for the periods shown"
                    ),
                );
            }
        }
        let value_typed = self.get("baseline_value").trim();
        let period = shown(self.get("baseline_period")).trim().to_owned();
        let value = match value_typed {
            "" => None,
            typed => match MetricValue::parse(typed) {
                Ok(value) => Some(value),
                Err(problem) => {
                    errors.add("baseline_value", problem.message("the baseline"));
                    None
                }
            },
        };
        if period.chars().count() > MAX_PERIOD_CHARS {
            errors.add(
                "baseline_period",
                format!("The baseline period must be {MAX_PERIOD_CHARS} characters or fewer"),
            );
        }
        if value_typed.is_empty() && !period.is_empty() {
            errors.add("baseline_value", "Enter the baseline, or clear its period");
        }
        if !value_typed.is_empty() && period.is_empty() {
            errors.add(
                "baseline_period",
                "Enter the period the baseline is for, like 2023-24 outturn",
            );
        }
        let mut goals = BTreeMap::new();
        for metric_period in &metric.periods {
            let field = goal_field(&metric_period.key);
            let typed = self.get(&field).trim();
            if typed.is_empty() {
                continue;
            }
            match MetricValue::parse(typed) {
                Ok(goal) => {
                    goals.insert(metric_period.key.clone(), goal);
                }
                Err(problem) => errors.add(
                    field,
                    problem.message(&format!("the goal for {}", metric_period.label)),
                ),
            }
        }
        let pay_for_performance = match self.get("pay_for_performance").trim() {
            "" => None,
            _ if !metric.pay_for_performance => None,
            typed => match Pence::parse(typed, MAX_PAY_FOR_PERFORMANCE) {
                Ok(money) => Some(money),
                Err(problem) => {
                    errors.add("pay_for_performance", problem.to_string());
                    None
                }
            },
        };
        let rationale = match long_text(&shown(self.get("rationale")), MAX_RATIONALE_CHARS) {
            Ok(text) => text.trim_end().to_owned(),
            Err(length) => {
                errors.add(
                    "rationale",
                    format!(
                        "The rationale must be {MAX_RATIONALE_CHARS} characters or fewer (it has {length})"
                    ),
                );
                String::new()
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(GoalSet {
            baseline: value.map(|value| Baseline { value, period }),
            goals,
            pay_for_performance,
            rationale,
        })
    }
}

/// Whether a planned change moves the metric the better way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Worse,
    Same,
}

/// A goal's planned change from the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedChange {
    /// Goal minus baseline, in hundredths.
    pub difference: i64,
    /// The difference as a percentage of the baseline, in tenths of a percent (rounded half
    /// away from zero); none for a baseline of zero.
    pub percent_tenths: Option<i64>,
    pub verdict: Verdict,
}

impl PlannedChange {
    pub fn of(baseline: MetricValue, goal: MetricValue, better: Direction) -> PlannedChange {
        let difference = goal.0 - baseline.0;
        let percent_tenths = (baseline.0 != 0).then(|| {
            let scaled = i128::from(difference) * 1000;
            let base = i128::from(baseline.0);
            let rounded = (scaled + scaled.signum() * base / 2) / base;
            i64::try_from(rounded).unwrap_or(i64::MAX)
        });
        let verdict = match (difference.signum(), better) {
            (0, _) => Verdict::Same,
            (-1, Direction::Lower) | (1, Direction::Higher) => Verdict::Better,
            _ => Verdict::Worse,
        };
        PlannedChange {
            difference,
            percent_tenths,
            verdict,
        }
    }

    /// "−52.5 (−3.5%), better", "+4 (+0.8%), worse", "no change".
    pub fn describe(self) -> String {
        if self.verdict == Verdict::Same {
            return "No change".to_owned();
        }
        let signed = |magnitude: String, negative: bool| {
            format!("{}{magnitude}", if negative { "−" } else { "+" })
        };
        let amount = signed(decimal(self.difference.abs()), self.difference < 0);
        let percent = self.percent_tenths.map(|tenths| {
            let magnitude = tenths.unsigned_abs();
            let text = if magnitude.is_multiple_of(10) {
                format!("{}%", magnitude / 10)
            } else {
                format!("{}.{}%", magnitude / 10, magnitude % 10)
            };
            format!(" ({})", signed(text, tenths < 0))
        });
        let verdict = match self.verdict {
            Verdict::Better => "an improvement",
            _ => "a worsening",
        };
        format!("{amount}{}, {verdict}", percent.unwrap_or_default())
    }
}

/// Where the current goals and the person's differ, field by field, in the form's order.
pub fn differences(metric: &Metric, current: &GoalSet, yours: &GoalSet) -> Vec<Difference> {
    let mut list = Vec::new();
    let value = |set: &GoalSet| {
        set.baseline
            .as_ref()
            .map(|b| b.value.to_string())
            .unwrap_or_default()
    };
    let period = |set: &GoalSet| {
        set.baseline
            .as_ref()
            .map(|b| b.period.clone())
            .unwrap_or_default()
    };
    differ(&mut list, "Baseline", value(current), value(yours));
    differ(&mut list, "Baseline period", period(current), period(yours));
    for metric_period in &metric.periods {
        let goal = |set: &GoalSet| {
            set.goals
                .get(&metric_period.key)
                .map(ToString::to_string)
                .unwrap_or_default()
        };
        differ(
            &mut list,
            format!("Goal for {}", metric_period.label),
            goal(current),
            goal(yours),
        );
    }
    let money = |set: &GoalSet| {
        set.pay_for_performance
            .map(|money| money.to_string())
            .unwrap_or_default()
    };
    differ(
        &mut list,
        "Pay for performance",
        money(current),
        money(yours),
    );
    differ(
        &mut list,
        "Rationale",
        current.rationale.clone(),
        yours.rationale.clone(),
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::templates::structure::Period;
    use time::macros::date;

    #[test]
    fn officers_and_the_lead_change_the_shared_parts_others_read_them() {
        use crate::auth::policy::{Grant, Role};
        let area = AreaId::new(1);
        for (role, allowed) in [
            (Role::Officer, true),
            (Role::AreaLead, true),
            (Role::Signatory, false),
            (Role::BoardSecretary, false),
            (Role::Assurer, false),
            (Role::Admin, false),
        ] {
            let grants = [Grant {
                role,
                area_id: (!role.is_global()).then_some(area.get()),
            }];
            let principal = Principal {
                organisation_id: 10,
                grants: &grants,
            };
            assert_eq!(may_set_goals(&principal, area), allowed, "{role:?}");
            assert_eq!(
                super::super::conditions::may_answer(&principal, area),
                allowed
            );
            assert_eq!(super::super::engagement::may_log(&principal, area), allowed);
            assert!(!may_set_goals(&principal, AreaId::new(2)), "{role:?}");
        }
    }

    #[test]
    fn values_as_people_type_them() {
        for (typed, hundredths) in [
            ("0", 0),
            ("12.25", 1225),
            ("1,234.5", 123_450),
            ("1234.5", 123_450),
            (" 1,234,567 ", 123_456_700),
            (".5", 50),
            ("7.", 700),
            ("007.10", 710),
            ("999,999,999.99", 99_999_999_999),
        ] {
            assert_eq!(
                MetricValue::parse(typed),
                Ok(MetricValue(hundredths)),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn what_is_not_a_value_says_why() {
        for (typed, problem) in [
            ("", ValueProblem::Missing),
            ("  ", ValueProblem::Missing),
            ("abc", ValueProblem::NotANumber),
            ("1e9", ValueProblem::NotANumber),
            ("12%", ValueProblem::NotANumber),
            ("1.2.3", ValueProblem::NotANumber),
            ("1,23", ValueProblem::NotANumber),
            (",123", ValueProblem::NotANumber),
            ("1234,567", ValueProblem::NotANumber),
            (".", ValueProblem::NotANumber),
            ("-5", ValueProblem::Negative),
            ("−5", ValueProblem::Negative),
            ("1.234", ValueProblem::TooPrecise),
            ("1,000,000,000", ValueProblem::TooLarge),
            ("99999999999999999999999", ValueProblem::TooLarge),
        ] {
            assert_eq!(MetricValue::parse(typed), Err(problem), "{typed:?}");
        }
        assert_eq!(
            ValueProblem::NotANumber.message("the baseline"),
            "Enter the baseline as a number, like 1,234.5 or 12.25"
        );
        assert_eq!(
            ValueProblem::TooLarge.message("the goal for Q1"),
            "The goal for Q1 must be 999,999,999.99 or less"
        );
    }

    #[test]
    fn values_read_as_typed_and_read_back_the_same() {
        for (hundredths, shown) in [
            (0, "0"),
            (5, "0.05"),
            (50, "0.5"),
            (1225, "12.25"),
            (123_450, "1,234.5"),
            (120_000, "1,200"),
            (99_999_999_999, "999,999,999.99"),
        ] {
            assert_eq!(MetricValue(hundredths).to_string(), shown);
            assert_eq!(MetricValue::parse(shown), Ok(MetricValue(hundredths)));
        }
    }

    #[test]
    fn planned_changes_say_which_way_is_better() {
        let lower = |baseline, goal| {
            PlannedChange::of(MetricValue(baseline), MetricValue(goal), Direction::Lower)
        };
        let higher = |baseline, goal| {
            PlannedChange::of(MetricValue(baseline), MetricValue(goal), Direction::Higher)
        };
        assert_eq!(
            lower(150_000, 144_750).describe(),
            "−52.5 (−3.5%), an improvement"
        );
        assert_eq!(
            higher(8000, 8250).describe(),
            "+2.5 (+3.1%), an improvement"
        );
        assert_eq!(lower(8000, 8400).describe(), "+4 (+5%), a worsening");
        assert_eq!(higher(100, 100).describe(), "No change");
        assert_eq!(lower(0, 250).describe(), "+2.5, a worsening");
        // Rounded half away from zero, to a tenth of a percent.
        assert_eq!(lower(300, 299).percent_tenths, Some(-3));
        assert_eq!(lower(2000, 2001).percent_tenths, Some(1));
    }

    fn metric(pay_for_performance: bool) -> Metric {
        let period = |key: &str, label: &str| Period {
            key: key.into(),
            label: label.into(),
            starts: date!(2025 - 04 - 01),
            ends: date!(2025 - 06 - 30),
        };
        Metric {
            key: "emergency-admissions".into(),
            name: "Emergency admissions".into(),
            definition: "Per 100,000".into(),
            unit: "per 100,000".into(),
            better: Direction::Lower,
            periods: vec![period("q1", "Q1"), period("q2", "Q2")],
            pay_for_performance,
            unverified: None,
        }
    }

    fn form(fields: &[(&str, &str)]) -> GoalForm {
        GoalForm::new(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        )
    }

    #[test]
    fn a_goals_form_parses_into_a_goal_set_and_back() {
        let set = form(&[
            ("baseline_value", "1,500"),
            ("baseline_period", " 2023-24 outturn "),
            ("goal-q1", "1,450.5"),
            ("goal-q2", ""),
            ("pay_for_performance", "£1,234,000"),
            ("rationale", "Falls service.\r\n"),
        ])
        .parse(&metric(true))
        .expect("valid");
        assert_eq!(
            set.baseline,
            Some(Baseline {
                value: MetricValue(150_000),
                period: "2023-24 outturn".into()
            })
        );
        assert_eq!(
            set.goals.into_iter().collect::<Vec<_>>(),
            [("q1".to_owned(), MetricValue(145_050))]
        );
        assert_eq!(set.pay_for_performance, Some(Pence::pounds(1_234_000)));
        assert_eq!(set.rationale, "Falls service.");
        let parsed = form(&[("goal-q2", "3")]).parse(&metric(false)).unwrap();
        assert_eq!(
            GoalForm::from_set(&parsed).parse(&metric(false)).unwrap(),
            parsed
        );
    }

    #[test]
    fn money_is_kept_only_for_a_metric_with_pay_for_performance() {
        let fields = [("pay_for_performance", "£5")];
        assert_eq!(
            form(&fields)
                .parse(&metric(false))
                .unwrap()
                .pay_for_performance,
            None
        );
        let errors = form(&[("pay_for_performance", "-5")])
            .parse(&metric(true))
            .unwrap_err();
        assert_eq!(
            errors.message("pay_for_performance"),
            "The amount cannot be negative"
        );
    }

    #[test]
    fn every_problem_is_told_by_its_field() {
        let errors = form(&[
            ("baseline_value", "12.345"),
            ("goal-q1", "abc"),
            ("goal-q9", "5"),
            ("rationale", &"x".repeat(MAX_RATIONALE_CHARS + 1)),
        ])
        .parse(&metric(false))
        .unwrap_err();
        assert_eq!(
            errors.message("goals"),
            "This metric has no period \"q9\": give goals only for the periods shown"
        );
        assert_eq!(
            errors.message("baseline_value"),
            "The baseline can have at most 2 decimal places"
        );
        assert_eq!(
            errors.message("baseline_period"),
            "Enter the period the baseline is for, like 2023-24 outturn"
        );
        assert_eq!(
            errors.message("goal-q1"),
            "Enter the goal for Q1 as a number, like 1,234.5 or 12.25"
        );
        assert!(errors.message("rationale").contains("10000 characters"));
        let errors = form(&[("baseline_period", "2023-24")])
            .parse(&metric(false))
            .unwrap_err();
        assert_eq!(
            errors.message("baseline_value"),
            "Enter the baseline, or clear its period"
        );
    }

    #[test]
    fn differences_name_each_changed_field() {
        let current = form(&[
            ("baseline_value", "10"),
            ("baseline_period", "2023-24"),
            ("goal-q1", "9"),
        ])
        .parse(&metric(false))
        .unwrap();
        let yours = form(&[
            ("baseline_value", "10"),
            ("baseline_period", "2023-24"),
            ("goal-q1", "8.5"),
            ("goal-q2", "8"),
        ])
        .parse(&metric(false))
        .unwrap();
        assert_eq!(
            differences(&metric(false), &current, &yours),
            [
                Difference {
                    label: "Goal for Q1".into(),
                    current: "9".into(),
                    yours: "8.5".into()
                },
                Difference {
                    label: "Goal for Q2".into(),
                    current: String::new(),
                    yours: "8".into()
                }
            ]
        );
    }
}
