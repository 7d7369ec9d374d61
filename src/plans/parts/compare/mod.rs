//! A plan compared with the area's plan of another cycle (issue 10, item 9): the funding per
//! stream, the scheme spend and the metric goals side by side, with the change from the earlier
//! plan to the later one.
//!
//! Cycles name their streams and metrics differently (the 2014-16 "CCG minimum contribution"
//! is not the 2025-26 "NHS minimum contribution"), so items are matched by key, and failing
//! that by name or another name (`CycleStructure::stream_named`); what matches nothing is shown
//! as only in one cycle rather than guessed at. Money is compared between the earlier plan's
//! last year and the later plan's first year: the two budgets that follow one another.
//!
//! Here: which plan to compare with, the matching, the changes and how they read. All pure; SQL
//! in `store`, the page in `routes`.

pub mod routes;
pub mod store;

use std::collections::BTreeMap;

use crate::plans::PlanId;
use crate::plans::parts::funding::FundingLine;
use crate::plans::parts::metrics::{Baseline, MetricGoals, MetricValue, PlannedChange};
use crate::plans::parts::schemes::SchemeType;
use crate::plans::templates::structure::{CycleStructure, FinancialYear, FundingStream, Metric};
use crate::web::money::Pence;

/// Another plan of the area, with the structure it was made from.
#[derive(Clone, Debug)]
pub struct OtherPlan {
    pub id: PlanId,
    pub key: String,
    pub name: String,
    pub structure: CycleStructure,
}

/// Where a structure's years sort: its first and last year keys ("2014-15", "2015-16"). Year
/// keys are written `YYYY-YY`, so they sort as the years do.
fn span(structure: &CycleStructure) -> (&str, &str) {
    let years = structure.years();
    let first = years.first().map_or("", |year| year.key.as_str());
    let last = years.last().map_or("", |year| year.key.as_str());
    (first, last)
}

/// Whether the plan on `a` covers years before the plan on `b`.
pub fn is_earlier(a: &CycleStructure, b: &CycleStructure) -> bool {
    span(a) < span(b)
}

/// The plan to compare with by default: the newest of `others` whose years start before this
/// plan's (the last cycle), if any.
pub fn previous_plan<'a>(this: &CycleStructure, others: &'a [OtherPlan]) -> Option<&'a OtherPlan> {
    others
        .iter()
        .filter(|other| span(&other.structure).0 < span(this).0)
        .max_by(|a, b| span(&a.structure).cmp(&span(&b.structure)))
}

// --- changes -------------------------------------------------------------------------------------

/// The change from one figure to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// After minus before, in the figures' own unit (pence, hundredths).
    pub difference: i64,
    /// The difference as a share of `before`, in tenths of a percent, rounded half away from
    /// zero; none when `before` is zero (no share of nothing).
    pub percent_tenths: Option<i64>,
}

impl Change {
    pub fn between(before: i64, after: i64) -> Change {
        let difference = after.saturating_sub(before);
        let percent_tenths = (before != 0).then(|| {
            let scaled = i128::from(difference) * 1000;
            let base = i128::from(before).abs();
            let rounded = (scaled + scaled.signum() * base / 2) / base;
            i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
        });
        Change {
            difference,
            percent_tenths,
        }
    }

    /// Between two amounts of money.
    pub fn of_money(before: Pence, after: Pence) -> Change {
        Change::between(before.get(), after.get())
    }

    /// "5.0%" (the size of the percentage, without its sign).
    fn percent(self) -> Option<String> {
        self.percent_tenths.map(|tenths| {
            let magnitude = tenths.unsigned_abs();
            format!("{}.{}%", magnitude / 10, magnitude % 10)
        })
    }

    /// As read: "+£1,000 (+5.0%)", "−£1,000 (−5.0%)", "+£1,000" (from nothing), "No change".
    pub fn shown(self) -> String {
        let sign = match self.difference.signum() {
            0 => return "No change".to_owned(),
            1 => "+",
            _ => "−",
        };
        let amount = Pence::new(self.difference.saturating_abs());
        match self.percent() {
            Some(percent) => format!("{sign}{amount} ({sign}{percent})"),
            None => format!("{sign}{amount}"),
        }
    }

    /// As a screen reader should say it, signs being read inconsistently: "an increase of
    /// £1,000 (5.0%)", "a decrease of £1,000 (5.0%)", "no change".
    pub fn spoken(self) -> String {
        let direction = match self.difference.signum() {
            0 => return "no change".to_owned(),
            1 => "an increase",
            _ => "a decrease",
        };
        let amount = Pence::new(self.difference.saturating_abs());
        match self.percent() {
            Some(percent) => format!("{direction} of {amount} ({percent})"),
            None => format!("{direction} of {amount}"),
        }
    }
}

// --- funding -------------------------------------------------------------------------------------

/// A stream of either cycle and its match in the other, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPair<'a> {
    pub earlier: Option<&'a FundingStream>,
    pub later: Option<&'a FundingStream>,
}

/// Whether `stream` goes by `other`'s name or one of its other names in `structure`.
fn named_alike(structure: &CycleStructure, stream: &FundingStream, other: &FundingStream) -> bool {
    std::iter::once(&other.name)
        .chain(&other.aliases)
        .any(|name| {
            structure
                .stream_named(name)
                .is_some_and(|found| found.key == stream.key)
        })
}

/// The streams of both cycles paired: each later stream with the earlier one of the same key,
/// else of the same name or another name (either way round); each earlier stream used once.
/// Later streams first, in their order, then the earlier ones no longer in the cycle.
pub fn match_streams<'a>(
    earlier: &'a CycleStructure,
    later: &'a CycleStructure,
) -> Vec<StreamPair<'a>> {
    let mut used = vec![false; earlier.streams().len()];
    let mut pairs = Vec::new();
    for stream in later.streams() {
        let same_key = earlier.streams().iter().position(|e| e.key == stream.key);
        let found = same_key.filter(|&at| !used[at]).or_else(|| {
            earlier
                .streams()
                .iter()
                .enumerate()
                .position(|(at, candidate)| {
                    !used[at]
                        && (named_alike(earlier, candidate, stream)
                            || named_alike(later, stream, candidate))
                })
        });
        if let Some(at) = found {
            used[at] = true;
        }
        pairs.push(StreamPair {
            earlier: found.map(|at| &earlier.streams()[at]),
            later: Some(stream),
        });
    }
    for (stream, used) in earlier.streams().iter().zip(used) {
        if !used {
            pairs.push(StreamPair {
                earlier: Some(stream),
                later: None,
            });
        }
    }
    pairs
}

/// One stream's money in the two compared years.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRow {
    /// The later cycle's name for it (the earlier one's for a stream no longer in the cycle).
    pub name: String,
    /// The earlier cycle's name, when it differs.
    pub earlier_name: Option<String>,
    /// `None`: the stream is not in that cycle.
    pub earlier: Option<Pence>,
    pub later: Option<Pence>,
    /// When the stream is in both.
    pub change: Option<Change>,
}

/// The funding of the two compared years, stream by stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundingComparison {
    pub rows: Vec<StreamRow>,
    pub earlier_total: Pence,
    pub later_total: Pence,
    pub change: Change,
}

fn total(amounts: impl IntoIterator<Item = Pence>) -> Pence {
    Pence::new(
        amounts
            .into_iter()
            .map(Pence::get)
            .fold(0, i64::saturating_add),
    )
}

fn stream_amount(lines: &[FundingLine], year_key: &str, stream_key: &str) -> Pence {
    total(
        lines
            .iter()
            .filter(|line| line.year_key == year_key && line.stream_key == stream_key)
            .map(|line| line.amount),
    )
}

/// The compared years: the earlier plan's last and the later plan's first.
pub fn compared_years<'a>(
    earlier: &'a CycleStructure,
    later: &'a CycleStructure,
) -> (Option<&'a FinancialYear>, Option<&'a FinancialYear>) {
    (earlier.years().last(), later.years().first())
}

/// Funding per stream: the earlier plan's `earlier_lines` in its last year against the later
/// plan's `later_lines` in its first. Totals are each year's whole pool.
pub fn compare_funding(
    earlier: &CycleStructure,
    earlier_lines: &[FundingLine],
    later: &CycleStructure,
    later_lines: &[FundingLine],
) -> FundingComparison {
    let (earlier_year, later_year) = compared_years(earlier, later);
    let earlier_year = earlier_year.map_or("", |year| year.key.as_str());
    let later_year = later_year.map_or("", |year| year.key.as_str());
    let rows = match_streams(earlier, later)
        .into_iter()
        .map(|pair| {
            let before = pair
                .earlier
                .map(|stream| stream_amount(earlier_lines, earlier_year, &stream.key));
            let after = pair
                .later
                .map(|stream| stream_amount(later_lines, later_year, &stream.key));
            let name = pair
                .later
                .or(pair.earlier)
                .map(|stream| stream.name.clone())
                .unwrap_or_default();
            StreamRow {
                earlier_name: pair
                    .earlier
                    .filter(|stream| stream.name != name)
                    .map(|stream| stream.name.clone()),
                change: before.zip(after).map(|(b, a)| Change::of_money(b, a)),
                name,
                earlier: before,
                later: after,
            }
        })
        .collect();
    let year_pool = |lines: &[FundingLine], year: &str| {
        total(
            lines
                .iter()
                .filter(|line| line.year_key == year)
                .map(|line| line.amount),
        )
    };
    let earlier_total = year_pool(earlier_lines, earlier_year);
    let later_total = year_pool(later_lines, later_year);
    FundingComparison {
        rows,
        earlier_total,
        later_total,
        change: Change::of_money(earlier_total, later_total),
    }
}

// --- scheme spend --------------------------------------------------------------------------------

/// A plan's scheme spend in one year on one type of scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeSpend {
    pub year_key: String,
    pub scheme_type: SchemeType,
    pub spend: Pence,
}

/// One type of scheme's spend in the two compared years.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRow {
    pub scheme_type: SchemeType,
    pub earlier: Pence,
    pub later: Pence,
    pub change: Change,
}

/// A year of either plan and its total scheme spend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearSpend {
    pub year: FinancialYear,
    pub later_plan: bool,
    pub total: Pence,
    /// One of the two years the types are compared in.
    pub compared: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpendComparison {
    /// Every year of the earlier plan, then every year of the later.
    pub years: Vec<YearSpend>,
    /// The types with spend in either compared year, in the national list's order.
    pub by_type: Vec<TypeRow>,
    pub earlier_total: Pence,
    pub later_total: Pence,
    pub change: Change,
}

fn year_spend(spend: &[TypeSpend], year_key: &str) -> BTreeMap<&'static str, Pence> {
    let mut by_type = BTreeMap::new();
    for item in spend.iter().filter(|item| item.year_key == year_key) {
        let sum = by_type.entry(item.scheme_type.key()).or_insert(Pence::ZERO);
        *sum = total([*sum, item.spend]);
    }
    by_type
}

/// Scheme spend: each year's total in both plans, and by type in the compared years.
pub fn compare_spend(
    earlier: &CycleStructure,
    earlier_spend: &[TypeSpend],
    later: &CycleStructure,
    later_spend: &[TypeSpend],
) -> SpendComparison {
    let (earlier_year, later_year) = compared_years(earlier, later);
    let earlier_key = earlier_year.map_or("", |year| year.key.as_str());
    let later_key = later_year.map_or("", |year| year.key.as_str());
    let years_of =
        |structure: &CycleStructure, spend: &[TypeSpend], later_plan: bool, compared: &str| {
            structure
                .years()
                .iter()
                .map(|year| YearSpend {
                    total: total(year_spend(spend, &year.key).into_values()),
                    compared: year.key == compared,
                    year: year.clone(),
                    later_plan,
                })
                .collect::<Vec<_>>()
        };
    let mut years = years_of(earlier, earlier_spend, false, earlier_key);
    years.extend(years_of(later, later_spend, true, later_key));
    let before = year_spend(earlier_spend, earlier_key);
    let after = year_spend(later_spend, later_key);
    let by_type = SchemeType::ALL
        .into_iter()
        .filter(|kind| before.contains_key(kind.key()) || after.contains_key(kind.key()))
        .map(|kind| {
            let earlier = before.get(kind.key()).copied().unwrap_or(Pence::ZERO);
            let later = after.get(kind.key()).copied().unwrap_or(Pence::ZERO);
            TypeRow {
                scheme_type: kind,
                earlier,
                later,
                change: Change::of_money(earlier, later),
            }
        })
        .collect();
    let earlier_total = total(before.into_values());
    let later_total = total(after.into_values());
    SpendComparison {
        years,
        by_type,
        earlier_total,
        later_total,
        change: Change::of_money(earlier_total, later_total),
    }
}

// --- metric goals --------------------------------------------------------------------------------

/// A name as compared with others: case and runs of spaces ignored.
fn folded(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One plan's figures for a metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricSide {
    pub unit: String,
    pub baseline: Option<Baseline>,
    /// The metric's final period's label, and the goal set for it, if any.
    pub final_period: Option<String>,
    pub final_goal: Option<MetricValue>,
}

/// A metric of both cycles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricRow {
    /// The later cycle's name, and the earlier one's when it differs.
    pub name: String,
    pub earlier_name: Option<String>,
    pub earlier: MetricSide,
    pub later: MetricSide,
    /// From the earlier final goal to the later one, judged by the later cycle's direction.
    pub change: Option<PlannedChange>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricComparison {
    pub matched: Vec<MetricRow>,
    /// Names of the metrics in one cycle only.
    pub only_earlier: Vec<String>,
    pub only_later: Vec<String>,
}

fn side(metric: &Metric, goals: &[MetricGoals]) -> MetricSide {
    let current = goals.iter().find(|goals| goals.metric_key == metric.key);
    let last = metric.periods.last();
    MetricSide {
        unit: metric.unit.clone(),
        baseline: current.and_then(|goals| goals.baseline.clone()),
        final_period: last.map(|period| period.label.clone()),
        final_goal: last
            .zip(current)
            .and_then(|(period, goals)| goals.goals.get(&period.key).copied()),
    }
}

/// Metric goals: metrics matched by key, else by name; for each, the baseline and the final
/// period's goal in each plan and the change between the goals.
pub fn compare_metrics(
    earlier: &CycleStructure,
    earlier_goals: &[MetricGoals],
    later: &CycleStructure,
    later_goals: &[MetricGoals],
) -> MetricComparison {
    let mut used = vec![false; earlier.metrics().len()];
    let mut matched = Vec::new();
    let mut only_later = Vec::new();
    for metric in later.metrics() {
        let found = earlier
            .metrics()
            .iter()
            .position(|e| e.key == metric.key)
            .filter(|&at| !used[at])
            .or_else(|| {
                earlier
                    .metrics()
                    .iter()
                    .enumerate()
                    .position(|(at, e)| !used[at] && folded(&e.name) == folded(&metric.name))
            });
        let Some(at) = found else {
            only_later.push(metric.name.clone());
            continue;
        };
        used[at] = true;
        let previous = &earlier.metrics()[at];
        let before = side(previous, earlier_goals);
        let after = side(metric, later_goals);
        matched.push(MetricRow {
            name: metric.name.clone(),
            earlier_name: (previous.name != metric.name).then(|| previous.name.clone()),
            change: before
                .final_goal
                .zip(after.final_goal)
                .map(|(b, a)| PlannedChange::of(b, a, metric.better)),
            earlier: before,
            later: after,
        });
    }
    let only_earlier = earlier
        .metrics()
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(metric, _)| metric.name.clone())
        .collect();
    MetricComparison {
        matched,
        only_earlier,
        only_later,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::OrganisationId;
    use crate::plans::templates::structure::{Direction, Period, Spending, StructureParts};
    use time::OffsetDateTime;
    use time::macros::date;

    fn year(key: &str) -> FinancialYear {
        FinancialYear {
            key: key.to_owned(),
            label: key.replace('-', "/"),
        }
    }

    fn stream(key: &str, name: &str, aliases: &[&str]) -> FundingStream {
        FundingStream {
            key: key.to_owned(),
            name: name.to_owned(),
            aliases: aliases.iter().map(|alias| (*alias).to_owned()).collect(),
            mandated: true,
            spending: Spending::Revenue,
            unverified: None,
        }
    }

    fn metric(key: &str, name: &str, periods: &[&str]) -> Metric {
        Metric {
            key: key.to_owned(),
            name: name.to_owned(),
            definition: "A definition".to_owned(),
            unit: "per 100,000".to_owned(),
            better: Direction::Lower,
            periods: periods
                .iter()
                .map(|key| Period {
                    key: (*key).to_owned(),
                    label: key.to_uppercase(),
                    starts: date!(2025 - 04 - 01),
                    ends: date!(2025 - 06 - 30),
                })
                .collect(),
            pay_for_performance: false,
            unverified: None,
        }
    }

    fn structure(
        years: &[&str],
        streams: Vec<FundingStream>,
        metrics: Vec<Metric>,
    ) -> CycleStructure {
        CycleStructure::new(StructureParts {
            years: years.iter().map(|key| year(key)).collect(),
            streams,
            metrics,
            conditions: Vec::new(),
            dates: Vec::new(),
            sign_off: Default::default(),
        })
        .expect("a valid structure")
    }

    /// The 2014-16 cycle, as far as these tests need it.
    fn cycle_2014() -> CycleStructure {
        structure(
            &["2014-15", "2015-16"],
            vec![
                stream("ccg-minimum-contribution", "CCG minimum contribution", &[]),
                stream(
                    "disabled-facilities-grant",
                    "Disabled Facilities Grant",
                    &["DFG"],
                ),
                stream("social-care-grant", "Social care grant", &[]),
                stream("better-care-fund", "Better Care Fund", &[]),
            ],
            vec![
                metric(
                    "residential-admissions",
                    "Residential admissions",
                    &["2014-15", "2015-16"],
                ),
                metric(
                    "delayed-transfers",
                    "Delayed Transfers",
                    &["2014-15", "2015-16"],
                ),
                metric("local", "Local metric", &["2015-16"]),
            ],
        )
    }

    /// The 2025-26 cycle: DFG by key, the grant under another name (the earlier name is its
    /// alias), the NHS contribution new.
    fn cycle_2025() -> CycleStructure {
        structure(
            &["2025-26"],
            vec![
                stream("nhs-minimum-contribution", "NHS minimum contribution", &[]),
                stream(
                    "disabled-facilities-grant",
                    "Disabled Facilities Grant",
                    &["DFG"],
                ),
                stream(
                    "la-better-care-grant",
                    "Local Authority Better Care Grant",
                    &["Better Care Fund"],
                ),
            ],
            vec![
                metric(
                    "residential-admissions",
                    "Care home admissions",
                    &["q1", "q4"],
                ),
                metric("discharge-delay", "delayed   transfers", &["q1", "q4"]),
                metric("emergency-admissions", "Emergency admissions", &["q1"]),
            ],
        )
    }

    fn other(key: &str, structure: CycleStructure) -> OtherPlan {
        OtherPlan {
            id: PlanId::new(1),
            key: key.to_owned(),
            name: key.to_owned(),
            structure,
        }
    }

    fn line(year: &str, stream: &str, pounds: i64) -> FundingLine {
        FundingLine {
            organisation_id: OrganisationId::new(1),
            organisation_name: "Council".to_owned(),
            year_key: year.to_owned(),
            stream_key: stream.to_owned(),
            amount: Pence::pounds(pounds),
            version: 1,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            updated_by: None,
        }
    }

    #[test]
    fn changes_read_with_their_sign_percentage_and_words_and_never_divide_by_zero() {
        let up = Change::of_money(Pence::pounds(20_000), Pence::pounds(21_000));
        assert_eq!(up.shown(), "+£1,000 (+5.0%)");
        assert_eq!(up.spoken(), "an increase of £1,000 (5.0%)");
        let down = Change::of_money(Pence::pounds(20_000), Pence::pounds(19_000));
        assert_eq!(down.shown(), "−£1,000 (−5.0%)");
        assert_eq!(down.spoken(), "a decrease of £1,000 (5.0%)");
        let from_nothing = Change::of_money(Pence::ZERO, Pence::pounds(500));
        assert_eq!(from_nothing.percent_tenths, None);
        assert_eq!(from_nothing.shown(), "+£500");
        assert_eq!(from_nothing.spoken(), "an increase of £500");
        let same = Change::of_money(Pence::ZERO, Pence::ZERO);
        assert_eq!(same.shown(), "No change");
        assert_eq!(same.spoken(), "no change");
        // Rounded half away from zero, to a tenth of a percent.
        assert_eq!(Change::between(3, 4).percent_tenths, Some(333));
        assert_eq!(Change::between(2000, 2001).percent_tenths, Some(1)); // 0.05% → 0.1%
        assert_eq!(Change::between(2000, 1999).percent_tenths, Some(-1));
        assert_eq!(Change::between(1, 0).shown(), "−£0.01 (−100.0%)");
        // Nothing overflows at the extremes.
        assert_eq!(Change::between(i64::MIN, i64::MAX).difference, i64::MAX);
        assert_eq!(Change::between(1, i64::MAX).percent_tenths, Some(i64::MAX));
    }

    #[test]
    fn the_default_comparison_is_the_newest_plan_of_an_earlier_cycle() {
        let current = cycle_2025();
        let later = structure(&["2026-27"], Vec::new(), Vec::new());
        let older = structure(&["2010-11", "2011-12"], Vec::new(), Vec::new());
        let others = [
            other("2010-12", older.clone()),
            other("2026-27", later.clone()),
            other("2014-16", cycle_2014()),
        ];
        assert_eq!(
            previous_plan(&current, &others).map(|p| p.key.as_str()),
            Some("2014-16")
        );
        assert_eq!(
            previous_plan(&cycle_2014(), &others).map(|p| p.key.as_str()),
            Some("2010-12")
        );
        assert!(previous_plan(&older, &others).is_none());
        assert!(previous_plan(&current, &[]).is_none());
        assert!(is_earlier(&cycle_2014(), &current));
        assert!(!is_earlier(&current, &cycle_2014()));
        assert!(!is_earlier(&current, &current));
        assert!(is_earlier(&current, &later));
    }

    #[test]
    fn streams_match_by_key_then_by_name_or_other_name_and_the_rest_stand_alone() {
        let earlier = cycle_2014();
        let later = cycle_2025();
        let pairs: Vec<(Option<&str>, Option<&str>)> = match_streams(&earlier, &later)
            .iter()
            .map(|pair| {
                (
                    pair.earlier.map(|s| s.key.as_str()),
                    pair.later.map(|s| s.key.as_str()),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                (None, Some("nhs-minimum-contribution")),
                (
                    Some("disabled-facilities-grant"),
                    Some("disabled-facilities-grant")
                ),
                (Some("better-care-fund"), Some("la-better-care-grant")),
                (Some("ccg-minimum-contribution"), None),
                (Some("social-care-grant"), None),
            ]
        );
        // The other way round: a later name that is an earlier stream's other name.
        let renamed = structure(&["2026-27"], vec![stream("dfg", "DFG", &[])], Vec::new());
        let pairs = match_streams(&later, &renamed);
        assert_eq!(
            pairs[0].earlier.map(|s| s.key.as_str()),
            Some("disabled-facilities-grant")
        );
        assert_eq!(pairs[0].later.map(|s| s.key.as_str()), Some("dfg"));
        assert_eq!(pairs.len(), 3, "the two unmatched earlier streams follow");
    }

    #[test]
    fn funding_compares_the_earlier_last_year_with_the_later_first_year() {
        let earlier_lines = [
            line("2014-15", "disabled-facilities-grant", 1_000_000),
            line("2015-16", "disabled-facilities-grant", 1_000_000),
            line("2015-16", "disabled-facilities-grant", 50_000),
            line("2015-16", "ccg-minimum-contribution", 8_000_000),
            line("2015-16", "better-care-fund", 0),
        ];
        let later_lines = [
            line("2025-26", "disabled-facilities-grant", 3_512_000),
            line("2025-26", "nhs-minimum-contribution", 26_431_000),
            line("2025-26", "la-better-care-grant", 500),
        ];
        let comparison =
            compare_funding(&cycle_2014(), &earlier_lines, &cycle_2025(), &later_lines);
        let dfg = &comparison.rows[1];
        assert_eq!(dfg.name, "Disabled Facilities Grant");
        assert_eq!(dfg.earlier_name, None);
        assert_eq!(
            dfg.earlier,
            Some(Pence::pounds(1_050_000)),
            "2015/16 only, both partners"
        );
        assert_eq!(dfg.later, Some(Pence::pounds(3_512_000)));
        assert_eq!(
            dfg.change.map(Change::shown).as_deref(),
            Some("+£2,462,000 (+234.5%)")
        );
        let new = &comparison.rows[0];
        assert_eq!(
            (new.earlier, new.later, new.change),
            (None, Some(Pence::pounds(26_431_000)), None)
        );
        let renamed = &comparison.rows[2];
        assert_eq!(renamed.earlier_name.as_deref(), Some("Better Care Fund"));
        assert_eq!(
            renamed.change.map(Change::shown).as_deref(),
            Some("+£500"),
            "from £0: no percentage"
        );
        let gone = &comparison.rows[3];
        assert_eq!(gone.name, "CCG minimum contribution");
        assert_eq!(
            (gone.earlier, gone.later),
            (Some(Pence::pounds(8_000_000)), None)
        );
        let empty = &comparison.rows[4];
        assert_eq!(
            empty.earlier,
            Some(Pence::ZERO),
            "in the cycle, with no money"
        );
        assert_eq!(comparison.earlier_total, Pence::pounds(9_050_000));
        assert_eq!(comparison.later_total, Pence::pounds(29_943_500));
        assert_eq!(
            comparison.change,
            Change::of_money(Pence::pounds(9_050_000), Pence::pounds(29_943_500))
        );
        let nothing = compare_funding(&cycle_2014(), &[], &cycle_2025(), &[]);
        assert_eq!(nothing.change.shown(), "No change");
        assert!(
            nothing
                .rows
                .iter()
                .all(|row| row.change.is_none_or(|c| c.difference == 0))
        );
    }

    fn spend(year: &str, kind: SchemeType, pounds: i64) -> TypeSpend {
        TypeSpend {
            year_key: year.to_owned(),
            scheme_type: kind,
            spend: Pence::pounds(pounds),
        }
    }

    #[test]
    fn scheme_spend_totals_every_year_and_compares_types_in_the_compared_years() {
        let earlier = [
            spend("2014-15", SchemeType::Reablement, 100),
            spend("2015-16", SchemeType::Reablement, 200),
            spend("2015-16", SchemeType::Carers, 50),
        ];
        let later = [
            spend("2025-26", SchemeType::Reablement, 300),
            spend("2025-26", SchemeType::HomeCare, 10),
        ];
        let comparison = compare_spend(&cycle_2014(), &earlier, &cycle_2025(), &later);
        let years: Vec<(&str, bool, i64, bool)> = comparison
            .years
            .iter()
            .map(|y| {
                (
                    y.year.key.as_str(),
                    y.later_plan,
                    y.total.get() / 100,
                    y.compared,
                )
            })
            .collect();
        assert_eq!(
            years,
            vec![
                ("2014-15", false, 100, false),
                ("2015-16", false, 250, true),
                ("2025-26", true, 310, true)
            ]
        );
        let types: Vec<(SchemeType, i64, i64)> = comparison
            .by_type
            .iter()
            .map(|row| {
                (
                    row.scheme_type,
                    row.earlier.get() / 100,
                    row.later.get() / 100,
                )
            })
            .collect();
        assert_eq!(
            types,
            vec![
                (SchemeType::HomeCare, 0, 10),
                (SchemeType::Reablement, 200, 300),
                (SchemeType::Carers, 50, 0),
            ],
            "in the national list's order, types with no spend in either year left out"
        );
        assert_eq!(comparison.by_type[1].change.shown(), "+£100 (+50.0%)");
        assert_eq!(comparison.by_type[2].change.shown(), "−£50 (−100.0%)");
        assert_eq!(comparison.change.shown(), "+£60 (+24.0%)");
    }

    fn goals(key: &str, baseline: Option<i64>, goals: &[(&str, i64)]) -> MetricGoals {
        MetricGoals {
            metric_key: key.to_owned(),
            baseline: baseline.map(|value| Baseline {
                value: MetricValue::from_hundredths(value),
                period: "2012-13".to_owned(),
            }),
            goals: goals
                .iter()
                .map(|(period, value)| ((*period).to_owned(), MetricValue::from_hundredths(*value)))
                .collect(),
            pay_for_performance: None,
        }
    }

    #[test]
    fn metrics_match_by_key_then_name_and_compare_the_final_goals() {
        let earlier = [
            goals(
                "residential-admissions",
                Some(78_050),
                &[("2014-15", 76_000), ("2015-16", 74_000)],
            ),
            goals("delayed-transfers", Some(1_000), &[("2014-15", 900)]),
        ];
        let later = [goals(
            "residential-admissions",
            Some(14_550),
            &[("q1", 14_200), ("q4", 13_800)],
        )];
        let comparison = compare_metrics(&cycle_2014(), &earlier, &cycle_2025(), &later);
        assert_eq!(comparison.matched.len(), 2);
        let by_key = &comparison.matched[0];
        assert_eq!(by_key.name, "Care home admissions");
        assert_eq!(
            by_key.earlier_name.as_deref(),
            Some("Residential admissions")
        );
        assert_eq!(by_key.earlier.final_period.as_deref(), Some("2015-16"));
        assert_eq!(
            by_key.earlier.final_goal,
            Some(MetricValue::from_hundredths(74_000))
        );
        assert_eq!(by_key.later.final_period.as_deref(), Some("Q4"));
        assert_eq!(
            by_key.later.final_goal,
            Some(MetricValue::from_hundredths(13_800))
        );
        assert_eq!(
            by_key.later.baseline.as_ref().map(|b| b.value),
            Some(MetricValue::from_hundredths(14_550))
        );
        let change = by_key.change.expect("both have a final goal");
        assert_eq!(change.difference, 13_800 - 74_000);
        // By name, ignoring case and spacing; no final goal on either side, so no change.
        let by_name = &comparison.matched[1];
        assert_eq!(by_name.name, "delayed   transfers");
        assert_eq!(
            by_name.earlier.final_goal, None,
            "no goal for the final period"
        );
        assert_eq!(by_name.later.baseline, None);
        assert_eq!(by_name.change, None);
        assert_eq!(comparison.only_earlier, vec!["Local metric".to_owned()]);
        assert_eq!(
            comparison.only_later,
            vec!["Emergency admissions".to_owned()]
        );
    }
}
