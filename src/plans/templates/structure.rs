//! The structured parts a planning cycle defines, beside its narrative sections: the financial
//! years a plan covers, the funding streams money is pooled from (mandated ones marked, with the
//! other names people use for them), the metrics a plan sets goals for, the national
//! conditions it must answer, and the cycle's key dates. All of it is data an administrator edits, never code: the facts
//! move between cycles and sometimes within one (the reference marks several as unverified, and
//! such items carry a note saying so).
//!
//! A structure serialises as JSON and is checked again when read back (`try_from`), so stored
//! JSON cannot hold a structure that [`CycleStructure::new`] would refuse.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use super::route::SignOffRoute;
use crate::keyed::keyed_enum;

/// Whether `key` names a financial year as `parse_years` makes them: "2025-26".
fn is_financial_year_key(key: &str) -> bool {
    let Some((first, second)) = key.split_once('-') else {
        return false;
    };
    let (Ok(first), Ok(second)) = (first.parse::<u16>(), second.parse::<u16>()) else {
        return false;
    };
    key.len() == 7 && (first + 1) % 100 == second
}

/// The most items any one list of a structure may hold.
pub const MAX_ITEMS: usize = 50;
/// The most characters of a name, label or unit.
pub const MAX_NAME_CHARS: usize = 200;
/// The most characters of a definition, a condition's text or a note.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The longest an item's key may be.
pub const MAX_KEY_LEN: usize = 60;

keyed_enum! {
    /// Which way a metric should move.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Direction {
        Lower = ("lower", "Lower is better"),
        Higher = ("higher", "Higher is better"),
    }
}

keyed_enum! {
    /// Whether a funding stream is day-to-day (revenue) or capital money.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Spending {
        Revenue = ("revenue", "Revenue"),
        Capital = ("capital", "Capital"),
    }
}

keyed_enum! {
    /// What a key date is. A deadline is one every area must meet (the national submission
    /// deadline, section 75 agreements in place): what each area's progress is tracked against
    /// (issue 12). A milestone is something that happens nationally (the policy framework
    /// published), for reference.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DateKind {
        Milestone = ("milestone", "Milestone"),
        Deadline = ("deadline", "Deadline"),
    }
}

/// A financial year a plan covers, e.g. key `2014-15`, label `2014/15`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinancialYear {
    pub key: String,
    pub label: String,
}

/// A stream the pooled fund is drawn from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingStream {
    pub key: String,
    pub name: String,
    /// Other names people use for it (e.g. "iBCF" for the Local Authority Better Care Grant),
    /// so that imports and searches find it under any of them.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Must appear in every plan of the cycle.
    pub mandated: bool,
    pub spending: Spending,
    /// Why the fact is doubtful, where the reference marks it unverified.
    #[serde(default)]
    pub unverified: Option<String>,
}

/// A period a metric's baseline or goal is given for, with its first and last days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub key: String,
    pub label: String,
    #[serde(with = "iso_date")]
    pub starts: Date,
    #[serde(with = "iso_date")]
    pub ends: Date,
}

/// Dates in stored structures as people and migrations write them: `2025-04-01`.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::{Date, Month};

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        let invalid = || D::Error::custom(format!("\"{text}\" is not a date like 2025-04-01"));
        let mut parts = text.splitn(3, '-').map(str::parse::<u16>);
        let (Some(Ok(year)), Some(Ok(month)), Some(Ok(day))) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let month = u8::try_from(month)
            .ok()
            .and_then(|month| Month::try_from(month).ok())
            .ok_or_else(invalid)?;
        let day = u8::try_from(day).map_err(|_| invalid())?;
        Date::from_calendar_date(i32::from(year), month, day).map_err(|_| invalid())
    }
}

/// A metric plans set goals for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metric {
    pub key: String,
    pub name: String,
    pub definition: String,
    pub unit: String,
    pub better: Direction,
    /// The periods goals are set for, in order.
    pub periods: Vec<Period>,
    /// Whether money is paid against the goals (the 2015/16 pay for performance).
    #[serde(default)]
    pub pay_for_performance: bool,
    #[serde(default)]
    pub unverified: Option<String>,
}

/// A national condition each plan must say how it meets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub key: String,
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub unverified: Option<String>,
}

/// A key date of the cycle, e.g. "National submission deadline" on 31 March 2025.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDate {
    pub key: String,
    pub title: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub kind: DateKind,
    #[serde(default)]
    pub unverified: Option<String>,
}

/// The checked structure of a cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StructureParts", into = "StructureParts")]
pub struct CycleStructure {
    years: Vec<FinancialYear>,
    streams: Vec<FundingStream>,
    metrics: Vec<Metric>,
    conditions: Vec<Condition>,
    dates: Vec<KeyDate>,
    sign_off: SignOffRoute,
}

/// A structure as stored, before its checks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StructureParts {
    pub years: Vec<FinancialYear>,
    pub streams: Vec<FundingStream>,
    pub metrics: Vec<Metric>,
    pub conditions: Vec<Condition>,
    /// Structures stored before key dates existed have none.
    #[serde(default)]
    pub dates: Vec<KeyDate>,
    /// Structures stored before sign-off routes existed walk the 2014/15 route.
    #[serde(default)]
    pub sign_off: SignOffRoute,
}

/// What is wrong with a structure: the part and item it is in, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructureProblem {
    /// Where: `years`, `streams`, `metrics`, `conditions` or `dates`, and the item's key if it
    /// has one.
    pub part: &'static str,
    pub item: Option<String>,
    /// The form field it is about: `key`, `name`, `aliases`, `label`, `definition`, `unit`,
    /// `periods`, `title`, `text`, `date` or `unverified`.
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for StructureProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{} {item}: {}", self.part, self.message),
            None => write!(f, "{}: {}", self.part, self.message),
        }
    }
}

impl TryFrom<StructureParts> for CycleStructure {
    type Error = String;

    fn try_from(parts: StructureParts) -> Result<Self, Self::Error> {
        CycleStructure::new(parts).map_err(|problems| {
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

impl From<CycleStructure> for StructureParts {
    fn from(structure: CycleStructure) -> Self {
        StructureParts {
            years: structure.years,
            streams: structure.streams,
            metrics: structure.metrics,
            conditions: structure.conditions,
            dates: structure.dates,
            sign_off: structure.sign_off,
        }
    }
}

/// Collects the problems of one part of a structure.
struct Checker {
    part: &'static str,
    problems: Vec<StructureProblem>,
}

impl Checker {
    fn problem(&mut self, item: Option<&str>, field: &'static str, message: impl Into<String>) {
        self.problems.push(StructureProblem {
            part: self.part,
            item: item.map(str::to_owned),
            field,
            message: message.into(),
        });
    }

    /// At most [`MAX_ITEMS`] items, each with a well-formed key used once.
    fn keys<'a>(&mut self, keys: impl ExactSizeIterator<Item = &'a str>) {
        if keys.len() > MAX_ITEMS {
            self.problem(None, "key", format!("there can be at most {MAX_ITEMS}"));
        }
        let mut seen = BTreeSet::new();
        for key in keys {
            if !is_key(key) {
                self.problem(
                    Some(key),
                    "key",
                    "the short name can only contain lower-case letters, numbers and single hyphens between them",
                );
            }
            if !seen.insert(key) {
                self.problem(Some(key), "key", "the short name is used twice");
            }
        }
    }

    /// Required text of at most `max` characters.
    fn text(&mut self, key: &str, field: &'static str, what: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.problem(Some(key), field, format!("enter its {what}"));
        } else if value.chars().count() > max {
            self.problem(
                Some(key),
                field,
                format!("its {what} must be {max} characters or fewer"),
            );
        }
    }

    fn note(&mut self, key: &str, note: Option<&str>) {
        if let Some(note) = note {
            self.text(
                key,
                "unverified",
                "note on what is unverified",
                note,
                MAX_TEXT_CHARS,
            );
        }
    }
}

/// A name as compared with others: case and runs of spaces ignored.
fn fold(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_key(key: &str) -> bool {
    key.len() <= MAX_KEY_LEN
        && !key.is_empty()
        && key.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

impl CycleStructure {
    /// Checks every part: keys well formed and unique within their list, names present and not
    /// too long, aliases naming one stream each, periods ending on or after they start. Returns
    /// every problem, not just the first.
    pub fn new(parts: StructureParts) -> Result<CycleStructure, Vec<StructureProblem>> {
        let mut problems = Vec::new();

        let mut years = Checker {
            part: "years",
            problems: Vec::new(),
        };
        if parts.years.is_empty() {
            years.problem(None, "label", "a cycle covers at least one financial year");
        }
        years.keys(parts.years.iter().map(|year| year.key.as_str()));
        for year in &parts.years {
            years.text(&year.key, "label", "label", &year.label, MAX_NAME_CHARS);
            // Keys like 2025-26 sort as the years run, which comparing cycles relies on.
            if !is_financial_year_key(&year.key) {
                years.problem(
                    Some(&year.key),
                    "label",
                    "a financial year's key is its first year and the next one's last two digits, like 2025-26",
                );
            }
        }
        problems.append(&mut years.problems);

        let mut streams = Checker {
            part: "streams",
            problems: Vec::new(),
        };
        streams.keys(parts.streams.iter().map(|stream| stream.key.as_str()));
        // Each name (folded) and the stream that has it: a clash is reported on both streams,
        // so whichever of them is being changed shows it by its field.
        let mut names = std::collections::BTreeMap::new();
        for stream in &parts.streams {
            streams.text(&stream.key, "name", "name", &stream.name, MAX_NAME_CHARS);
            streams.note(&stream.key, stream.unverified.as_deref());
            for name in std::iter::once(&stream.name).chain(&stream.aliases) {
                if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
                    streams.problem(
                        Some(&stream.key),
                        "aliases",
                        format!("each other name must be 1 to {MAX_NAME_CHARS} characters"),
                    );
                } else if let Some(owner) = names.insert(fold(name), stream.key.as_str()) {
                    let message = format!("the name \"{}\" is used by another stream", name.trim());
                    streams.problem(Some(&stream.key), "aliases", message.clone());
                    if owner != stream.key {
                        streams.problem(Some(owner), "aliases", message);
                    }
                }
            }
        }
        problems.append(&mut streams.problems);

        let mut metrics = Checker {
            part: "metrics",
            problems: Vec::new(),
        };
        metrics.keys(parts.metrics.iter().map(|metric| metric.key.as_str()));
        for metric in &parts.metrics {
            metrics.text(&metric.key, "name", "name", &metric.name, MAX_NAME_CHARS);
            metrics.text(
                &metric.key,
                "definition",
                "definition",
                &metric.definition,
                MAX_TEXT_CHARS,
            );
            metrics.text(&metric.key, "unit", "unit", &metric.unit, MAX_NAME_CHARS);
            metrics.note(&metric.key, metric.unverified.as_deref());
            if metric.periods.is_empty() {
                metrics.problem(
                    Some(&metric.key),
                    "periods",
                    "give at least one period to set goals for",
                );
            }
            let mut period_keys = BTreeSet::new();
            for period in &metric.periods {
                if !is_key(&period.key) || !period_keys.insert(period.key.as_str()) {
                    metrics.problem(
                        Some(&metric.key),
                        "periods",
                        format!("period \"{}\" needs a short name of its own", period.key),
                    );
                }
                if period.label.trim().is_empty() {
                    metrics.problem(Some(&metric.key), "periods", "every period needs a label");
                }
                if period.ends < period.starts {
                    metrics.problem(
                        Some(&metric.key),
                        "periods",
                        format!("period \"{}\" ends before it starts", period.label),
                    );
                }
            }
        }
        problems.append(&mut metrics.problems);

        let mut conditions = Checker {
            part: "conditions",
            problems: Vec::new(),
        };
        conditions.keys(
            parts
                .conditions
                .iter()
                .map(|condition| condition.key.as_str()),
        );
        for condition in &parts.conditions {
            conditions.text(
                &condition.key,
                "title",
                "title",
                &condition.title,
                MAX_NAME_CHARS,
            );
            conditions.text(
                &condition.key,
                "text",
                "text",
                &condition.text,
                MAX_TEXT_CHARS,
            );
            conditions.note(&condition.key, condition.unverified.as_deref());
        }
        problems.append(&mut conditions.problems);

        let mut dates = Checker {
            part: "dates",
            problems: Vec::new(),
        };
        dates.keys(parts.dates.iter().map(|date| date.key.as_str()));
        for date in &parts.dates {
            dates.text(&date.key, "title", "title", &date.title, MAX_NAME_CHARS);
            dates.note(&date.key, date.unverified.as_deref());
        }
        problems.append(&mut dates.problems);

        for (field, message) in parts.sign_off.problems() {
            problems.push(StructureProblem {
                part: "sign_off",
                item: None,
                field,
                message,
            });
        }

        if problems.is_empty() {
            Ok(CycleStructure {
                years: parts.years,
                streams: parts.streams,
                metrics: parts.metrics,
                conditions: parts.conditions,
                dates: parts.dates,
                sign_off: parts.sign_off,
            })
        } else {
            Err(problems)
        }
    }

    pub fn years(&self) -> &[FinancialYear] {
        &self.years
    }

    pub fn streams(&self) -> &[FundingStream] {
        &self.streams
    }

    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The cycle's key dates, in the order the administrator keeps them.
    pub fn dates(&self) -> &[KeyDate] {
        &self.dates
    }

    /// Who signs, when the board approves, how the plan is submitted and what assurance may say.
    pub fn sign_off(&self) -> &SignOffRoute {
        &self.sign_off
    }

    /// The stream called `name`, by its name, any of its other names or its key, ignoring case
    /// and spacing: "iBCF" finds the Local Authority Better Care Grant.
    pub fn stream_named(&self, name: &str) -> Option<&FundingStream> {
        let wanted = fold(name);
        self.streams.iter().find(|stream| {
            stream.key == name.trim()
                || std::iter::once(&stream.name)
                    .chain(&stream.aliases)
                    .any(|candidate| fold(candidate) == wanted)
        })
    }

    /// How the year with `key` reads ("2014/15"); a key the structure does not have, as it is.
    pub fn year_label(&self, key: &str) -> String {
        self.years
            .iter()
            .find(|year| year.key == key)
            .map_or_else(|| key.to_owned(), |year| year.label.clone())
    }

    /// The name of the stream with `key`; a key the structure does not have, as it is.
    pub fn stream_name(&self, key: &str) -> String {
        self.streams
            .iter()
            .find(|stream| stream.key == key)
            .map_or_else(|| key.to_owned(), |stream| stream.name.clone())
    }

    /// The name of the metric with `key`; a key the structure does not have, as it is.
    pub fn metric_name(&self, key: &str) -> String {
        self.metrics
            .iter()
            .find(|metric| metric.key == key)
            .map_or_else(|| key.to_owned(), |metric| metric.name.clone())
    }

    /// The parts, to change and check again.
    pub fn into_parts(self) -> StructureParts {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn parts() -> StructureParts {
        StructureParts {
            years: vec![FinancialYear {
                key: "2025-26".into(),
                label: "2025/26".into(),
            }],
            streams: vec![
                FundingStream {
                    key: "nhs-minimum".into(),
                    name: "NHS minimum contribution".into(),
                    aliases: vec![],
                    mandated: true,
                    spending: Spending::Revenue,
                    unverified: None,
                },
                FundingStream {
                    key: "labcg".into(),
                    name: "Local Authority Better Care Grant".into(),
                    aliases: vec!["iBCF".into(), "Improved Better Care Fund".into()],
                    mandated: true,
                    spending: Spending::Revenue,
                    unverified: None,
                },
            ],
            metrics: vec![Metric {
                key: "emergency-admissions".into(),
                name: "Emergency admissions (65+)".into(),
                definition: "Unplanned admissions per 100,000 people aged 65 and over".into(),
                unit: "per 100,000 population 65+".into(),
                better: Direction::Lower,
                periods: vec![Period {
                    key: "q1".into(),
                    label: "Q1 2025/26".into(),
                    starts: date!(2025 - 04 - 01),
                    ends: date!(2025 - 06 - 30),
                }],
                pay_for_performance: false,
                unverified: Some("Exact wording and age band".into()),
            }],
            conditions: vec![Condition {
                key: "nc1".into(),
                title: "Plans to be jointly agreed".into(),
                text: "The plan is agreed by the council and the ICB and signed off by the board."
                    .into(),
                unverified: None,
            }],
            dates: vec![
                KeyDate {
                    key: "submission-deadline".into(),
                    title: "National submission deadline".into(),
                    date: date!(2025 - 03 - 31),
                    kind: DateKind::Deadline,
                    unverified: None,
                },
                KeyDate {
                    key: "section-75-agreements".into(),
                    title: "Section 75 agreements in place".into(),
                    date: date!(2025 - 09 - 30),
                    kind: DateKind::Deadline,
                    unverified: Some("Follows the 2024-25 pattern".into()),
                },
            ],
            sign_off: Default::default(),
        }
    }

    #[test]
    fn a_well_formed_structure_passes_and_round_trips_through_json() {
        let structure = CycleStructure::new(parts()).expect("valid");
        let json = serde_json::to_string(&structure).expect("serialises");
        let back: CycleStructure = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, structure);
    }

    #[test]
    fn streams_are_found_by_any_of_their_names() {
        let structure = CycleStructure::new(parts()).expect("valid");
        for name in ["iBCF", "ibcf", " improved  better care fund ", "labcg"] {
            assert_eq!(
                structure
                    .stream_named(name)
                    .map(|stream| stream.key.as_str()),
                Some("labcg"),
                "{name}"
            );
        }
        assert!(structure.stream_named("Discharge Fund").is_none());
    }

    #[test]
    fn every_problem_is_reported_with_where_it_is() {
        let mut bad = parts();
        bad.years.clear();
        bad.streams[1]
            .aliases
            .push("NHS Minimum Contribution".into());
        bad.metrics[0].periods[0].ends = date!(2025 - 03 - 31);
        bad.conditions.push(bad.conditions[0].clone());
        bad.conditions[1].title = " ".into();
        let problems = CycleStructure::new(bad).expect_err("invalid");
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "years: a cycle covers at least one financial year",
                "streams labcg: the name \"NHS Minimum Contribution\" is used by another stream",
                "streams nhs-minimum: the name \"NHS Minimum Contribution\" is used by another stream",
                "metrics emergency-admissions: period \"Q1 2025/26\" ends before it starts",
                "conditions nc1: the short name is used twice",
                "conditions nc1: enter its title",
            ]
        );
    }

    #[test]
    fn a_financial_years_key_is_its_first_year_and_the_next_ones_last_two_digits() {
        assert!(is_financial_year_key("2025-26"));
        assert!(is_financial_year_key("1999-00"));
        for bad in ["2025-27", "y1", "2025/26", "25-26", "2025-2026", ""] {
            assert!(!is_financial_year_key(bad), "{bad}");
        }
        let mut bad = parts();
        bad.years[0].key = "y1".into();
        let problems = CycleStructure::new(bad).expect_err("invalid");
        assert!(
            problems[0]
                .to_string()
                .starts_with("years y1: a financial year's key")
        );
    }

    #[test]
    fn period_dates_are_stored_as_iso_dates() {
        let json =
            serde_json::to_value(CycleStructure::new(parts()).expect("valid")).expect("serialises");
        assert_eq!(json["metrics"][0]["periods"][0]["starts"], "2025-04-01");
        assert_eq!(json["metrics"][0]["periods"][0]["ends"], "2025-06-30");
        let mut bad = json.clone();
        bad["metrics"][0]["periods"][0]["ends"] = "2025-02-30".into();
        assert!(serde_json::from_value::<CycleStructure>(bad).is_err());
    }

    #[test]
    fn stored_json_that_fails_the_checks_is_refused_on_reading() {
        let mut bad = parts();
        bad.metrics[0].key = "Not A Key".into();
        let json = serde_json::to_string(&bad).expect("serialises");
        let error = serde_json::from_str::<CycleStructure>(&json).expect_err("refused");
        assert!(error.to_string().contains("short name"), "{error}");
    }

    #[test]
    fn key_dates_are_stored_as_iso_dates_with_their_kind() {
        let json =
            serde_json::to_value(CycleStructure::new(parts()).expect("valid")).expect("serialises");
        assert_eq!(json["dates"][0]["date"], "2025-03-31");
        assert_eq!(json["dates"][0]["kind"], "deadline");
        assert_eq!(json["dates"][0]["unverified"], serde_json::Value::Null);
        let mut bad = json.clone();
        bad["dates"][0]["date"] = "2025-02-31".into();
        assert!(serde_json::from_value::<CycleStructure>(bad).is_err());
        let mut bad = json.clone();
        bad["dates"][0]["kind"] = "someday".into();
        assert!(serde_json::from_value::<CycleStructure>(bad).is_err());
    }

    #[test]
    fn a_structure_stored_before_key_dates_reads_back_with_none() {
        let mut json =
            serde_json::to_value(CycleStructure::new(parts()).expect("valid")).expect("serialises");
        json.as_object_mut().expect("an object").remove("dates");
        let structure: CycleStructure = serde_json::from_value(json).expect("reads back");
        assert!(structure.dates().is_empty());
        assert_eq!(structure.conditions().len(), 1);
    }

    #[test]
    fn key_dates_are_checked_like_the_other_parts() {
        let mut bad = parts();
        bad.dates.push(bad.dates[0].clone());
        bad.dates[1].title = "  ".into();
        bad.dates[0].unverified = Some("x".repeat(MAX_TEXT_CHARS + 1));
        bad.dates[0].title = "t".repeat(MAX_NAME_CHARS + 1);
        let problems = CycleStructure::new(bad).expect_err("invalid");
        let found: Vec<(&str, Option<&str>, &str)> = problems
            .iter()
            .map(|problem| (problem.part, problem.item.as_deref(), problem.field))
            .collect();
        assert_eq!(
            found,
            vec![
                ("dates", Some("submission-deadline"), "key"),
                ("dates", Some("submission-deadline"), "title"),
                ("dates", Some("submission-deadline"), "unverified"),
                ("dates", Some("section-75-agreements"), "title"),
            ]
        );

        let mut many = parts();
        many.dates = (0..=MAX_ITEMS)
            .map(|n| KeyDate {
                key: format!("date-{n}"),
                ..many.dates[0].clone()
            })
            .collect();
        let problems = CycleStructure::new(many).expect_err("too many");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            format!("dates: there can be at most {MAX_ITEMS}")
        );
    }
}
