//! What administrators type to change a cycle's structure, parsed into its items: a funding
//! stream, a metric (with its periods written one per line), a national condition, a key date,
//! or the list of financial years. Pure: the pages are in `structure_pages`.

use serde::Deserialize;
use time::{Date, Month};

use super::structure::{
    Condition, DateKind, Direction, FinancialYear, FundingStream, KeyDate, MAX_KEY_LEN, Metric,
    Period, Spending, StructureParts,
};
use crate::keyed::Keyed;
use crate::keyed::keyed_enum;
use crate::web::FormErrors;
use crate::web::choice::{parse_yes_no, yes_no_key};
use crate::web::text::{self, KeyMessages};

keyed_enum! {
    /// The lists of a structure that hold items of their own, as URLs name them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Part {
        Streams = ("streams", "funding stream"),
        Metrics = ("metrics", "metric"),
        Conditions = ("conditions", "national condition"),
        Dates = ("dates", "key date"),
    }
}

/// An item's short name as typed for a new item: like `la-better-care-grant`.
fn item_key(raw: &str, errors: &mut FormErrors) -> Option<String> {
    const MESSAGES: KeyMessages = KeyMessages {
        missing: "Enter a short name, like la-better-care-grant",
        too_long: "The short name must be 60 characters or fewer",
        malformed: "The short name can only contain lower-case letters, numbers and single hyphens between them, like la-better-care-grant",
    };
    text::url_key(raw.trim(), MAX_KEY_LEN, &MESSAGES)
        .map_err(|problem| errors.add("key", problem))
        .ok()
}

/// An optional note on what is unverified: blank is none.
fn note(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// One entry per line, trimmed, blank lines dropped.
fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

fn yes_no(raw: &str, field: &'static str, question: &str, errors: &mut FormErrors) -> Option<bool> {
    let answer = parse_yes_no(raw);
    if answer.is_none() {
        errors.add(field, format!("Choose whether {question}"));
    }
    answer
}

fn choice<K: Keyed>(
    raw: &str,
    field: &'static str,
    message: &str,
    errors: &mut FormErrors,
) -> Option<K> {
    let value = K::parse(raw.trim());
    if value.is_none() {
        errors.add(field, message.to_owned());
    }
    value
}

/// A funding stream's form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StreamForm {
    pub key: String,
    pub name: String,
    /// Other names, one per line.
    pub aliases: String,
    pub mandated: String,
    pub spending: String,
    pub unverified: String,
    pub based_on: String,
}

impl StreamForm {
    pub fn of(stream: &FundingStream) -> StreamForm {
        StreamForm {
            key: stream.key.clone(),
            name: stream.name.clone(),
            aliases: stream.aliases.join("\n"),
            mandated: yes_no_key(stream.mandated).to_owned(),
            spending: stream.spending.key().to_owned(),
            unverified: stream.unverified.clone().unwrap_or_default(),
            based_on: String::new(),
        }
    }

    /// The stream, keyed `key` when changing one (its key never changes) or by the typed key
    /// when adding; `None` with the problems in `errors`. Names are checked with the whole
    /// structure (lengths, clashes with other streams).
    pub fn parse(&self, key: Option<&str>, errors: &mut FormErrors) -> Option<FundingStream> {
        let key = match key {
            Some(key) => Some(key.to_owned()),
            None => item_key(&self.key, errors),
        };
        let mandated = yes_no(
            &self.mandated,
            "mandated",
            "every plan must include this stream",
            errors,
        );
        let spending = choice::<Spending>(
            &self.spending,
            "spending",
            "Choose whether the stream is revenue or capital money",
            errors,
        );
        Some(FundingStream {
            key: key?,
            name: self.name.trim().to_owned(),
            aliases: lines(&self.aliases),
            mandated: mandated?,
            spending: spending?,
            unverified: note(&self.unverified),
        })
    }
}

/// A national condition's form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConditionForm {
    pub key: String,
    pub title: String,
    pub text: String,
    pub unverified: String,
    pub based_on: String,
}

impl ConditionForm {
    pub fn of(condition: &Condition) -> ConditionForm {
        ConditionForm {
            key: condition.key.clone(),
            title: condition.title.clone(),
            text: condition.text.clone(),
            unverified: condition.unverified.clone().unwrap_or_default(),
            based_on: String::new(),
        }
    }

    pub fn parse(&self, key: Option<&str>, errors: &mut FormErrors) -> Option<Condition> {
        let key = match key {
            Some(key) => Some(key.to_owned()),
            None => item_key(&self.key, errors),
        };
        Some(Condition {
            key: key?,
            title: self.title.trim().to_owned(),
            text: self.text.trim().to_owned(),
            unverified: note(&self.unverified),
        })
    }
}

/// A key date's form, as typed: the date as people write it (`31/3/2025`) or as ISO.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DateForm {
    pub key: String,
    pub title: String,
    pub date: String,
    pub kind: String,
    pub unverified: String,
    pub based_on: String,
}

impl DateForm {
    pub fn of(date: &KeyDate) -> DateForm {
        DateForm {
            key: date.key.clone(),
            title: date.title.clone(),
            date: iso(date.date),
            kind: date.kind.key().to_owned(),
            unverified: date.unverified.clone().unwrap_or_default(),
            based_on: String::new(),
        }
    }

    pub fn parse(&self, key: Option<&str>, errors: &mut FormErrors) -> Option<KeyDate> {
        let key = match key {
            Some(key) => Some(key.to_owned()),
            None => item_key(&self.key, errors),
        };
        let date = if self.date.trim().is_empty() {
            errors.add("date", "Enter the date, like 31/3/2025");
            None
        } else {
            let date = parse_date(&self.date);
            if date.is_none() {
                errors.add("date", "Enter the date as a real date, like 31/3/2025");
            }
            date
        };
        let kind = choice::<DateKind>(
            &self.kind,
            "kind",
            "Choose whether the date is a milestone or a deadline",
            errors,
        );
        Some(KeyDate {
            key: key?,
            title: self.title.trim().to_owned(),
            date: date?,
            kind: kind?,
            unverified: note(&self.unverified),
        })
    }
}

/// A metric's form, as typed: its periods one per line, `Q1 2025/26: 1/4/2025 to 30/6/2025`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MetricForm {
    pub key: String,
    pub name: String,
    pub definition: String,
    pub unit: String,
    pub better: String,
    pub pay_for_performance: String,
    pub periods: String,
    pub unverified: String,
    pub based_on: String,
}

impl MetricForm {
    pub fn of(metric: &Metric) -> MetricForm {
        MetricForm {
            key: metric.key.clone(),
            name: metric.name.clone(),
            definition: metric.definition.clone(),
            unit: metric.unit.clone(),
            better: metric.better.key().to_owned(),
            pay_for_performance: yes_no_key(metric.pay_for_performance).to_owned(),
            periods: periods_text(&metric.periods),
            unverified: metric.unverified.clone().unwrap_or_default(),
            based_on: String::new(),
        }
    }

    pub fn parse(&self, key: Option<&str>, errors: &mut FormErrors) -> Option<Metric> {
        let key = match key {
            Some(key) => Some(key.to_owned()),
            None => item_key(&self.key, errors),
        };
        let better = choice::<Direction>(
            &self.better,
            "better",
            "Choose which way the metric should move",
            errors,
        );
        let pay_for_performance = yes_no(
            &self.pay_for_performance,
            "pay_for_performance",
            "money is paid against the goals",
            errors,
        );
        let periods = parse_periods(&self.periods)
            .map_err(|problem| errors.add("periods", problem))
            .ok();
        Some(Metric {
            key: key?,
            name: self.name.trim().to_owned(),
            definition: self.definition.trim().to_owned(),
            unit: self.unit.trim().to_owned(),
            better: better?,
            periods: periods?,
            pay_for_performance: pay_for_performance?,
            unverified: note(&self.unverified),
        })
    }
}

/// The financial years form: one per line (or separated by commas), like `2025/26`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearsForm {
    pub years: String,
    pub based_on: String,
}

impl YearsForm {
    pub fn of(years: &[FinancialYear]) -> YearsForm {
        YearsForm {
            years: years
                .iter()
                .map(|year| year.label.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            based_on: String::new(),
        }
    }

    pub fn parse(&self, errors: &mut FormErrors) -> Option<Vec<FinancialYear>> {
        parse_years(&self.years)
            .map_err(|problem| errors.add("years", problem))
            .ok()
    }
}

/// Financial years written `2025/26` (or `2025-26`), one per line or separated by commas.
pub fn parse_years(raw: &str) -> Result<Vec<FinancialYear>, String> {
    let entries: Vec<&str> = raw
        .split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    if entries.is_empty() {
        return Err("Enter at least one financial year, like 2025/26".to_owned());
    }
    entries
        .into_iter()
        .map(|entry| {
            let year = entry
                .split_once(['/', '-'])
                .and_then(|(first, second)| {
                    let first: u16 = first.parse().ok().filter(|_| first.len() == 4)?;
                    let second: u16 = second.parse().ok().filter(|_| second.len() == 2)?;
                    (second == (first + 1) % 100).then_some(first)
                })
                .ok_or_else(|| {
                    format!(
                        "\"{entry}\" is not a financial year: write it like 2025/26 (the year it starts, then the last two digits of the next)"
                    )
                })?;
            let next = (year + 1) % 100;
            Ok(FinancialYear {
                key: format!("{year}-{next:02}"),
                label: format!("{year}/{next:02}"),
            })
        })
        .collect()
}

/// A period's short name, made from its label: `Q1 2025/26` is `q1-2025-26`. Goals are kept
/// against it, so relabelling a period makes it a new one.
pub fn period_key(label: &str) -> String {
    label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// A date as people write it, `1/4/2025`, or as ISO, `2025-04-01`.
fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let (year, month, day) = if let Some((day, rest)) = raw.split_once('/') {
        let (month, year) = rest.split_once('/')?;
        (year, month, day)
    } else {
        let mut parts = raw.splitn(3, '-');
        (parts.next()?, parts.next()?, parts.next()?)
    };
    if year.len() != 4 {
        return None;
    }
    let month = Month::try_from(month.trim().parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.trim().parse().ok()?, month, day.trim().parse().ok()?).ok()
}

fn iso(date: Date) -> String {
    format!("{}/{}/{}", date.day(), u8::from(date.month()), date.year())
}

/// Periods one per line: `Q1 2025/26: 1/4/2025 to 30/6/2025`. The problem names the line.
pub fn parse_periods(raw: &str) -> Result<Vec<Period>, String> {
    let lines = lines(raw);
    if lines.is_empty() {
        return Err(
            "Enter at least one period to set goals for, like Q1 2025/26: 1/4/2025 to 30/6/2025"
                .to_owned(),
        );
    }
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let problem = |what: &str| {
                format!(
                    "Line {}, \"{line}\": {what}. Write each period like Q1 2025/26: 1/4/2025 to 30/6/2025",
                    index + 1
                )
            };
            let (label, dates) = line
                .rsplit_once(':')
                .ok_or_else(|| problem("a colon should follow the period's name"))?;
            let (starts, ends) = dates
                .split_once(" to ")
                .ok_or_else(|| problem("give the first and last days with \"to\" between them"))?;
            let starts = parse_date(starts).ok_or_else(|| problem("the first day is not a date"))?;
            let ends = parse_date(ends).ok_or_else(|| problem("the last day is not a date"))?;
            if ends < starts {
                return Err(problem("the period ends before it starts"));
            }
            let label = label.trim();
            let key = period_key(label);
            if key.is_empty() {
                return Err(problem("give the period a name"));
            }
            Ok(Period {
                key,
                label: label.to_owned(),
                starts,
                ends,
            })
        })
        .collect()
}

/// Periods as the form shows them, one per line.
pub fn periods_text(periods: &[Period]) -> String {
    periods
        .iter()
        .map(|period| {
            format!(
                "{}: {} to {}",
                period.label,
                iso(period.starts),
                iso(period.ends)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Puts `item` in its place in `items`: replacing the one with its key, or at the end.
pub fn put<T>(items: &mut Vec<T>, item: T, key_of: impl Fn(&T) -> &str) {
    match items
        .iter()
        .position(|existing| key_of(existing) == key_of(&item))
    {
        Some(index) => items[index] = item,
        None => items.push(item),
    }
}

/// Whether `parts` has an item of `part` keyed `key`.
pub fn has_item(parts: &StructureParts, part: Part, key: &str) -> bool {
    match part {
        Part::Streams => parts.streams.iter().any(|item| item.key == key),
        Part::Metrics => parts.metrics.iter().any(|item| item.key == key),
        Part::Conditions => parts.conditions.iter().any(|item| item.key == key),
        Part::Dates => parts.dates.iter().any(|item| item.key == key),
    }
}

/// Takes the item of `part` keyed `key` out of `parts`; whether there was one.
pub fn remove_item(parts: &mut StructureParts, part: Part, key: &str) -> bool {
    let count = |parts: &StructureParts| {
        parts.streams.len() + parts.metrics.len() + parts.conditions.len() + parts.dates.len()
    };
    let before = count(parts);
    match part {
        Part::Streams => parts.streams.retain(|item| item.key != key),
        Part::Metrics => parts.metrics.retain(|item| item.key != key),
        Part::Conditions => parts.conditions.retain(|item| item.key != key),
        Part::Dates => parts.dates.retain(|item| item.key != key),
    }
    before != count(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn years_are_written_as_people_write_them() {
        let years = parse_years("2025/26\n2026-27, 1999/00").expect("valid");
        let labels: Vec<_> = years
            .iter()
            .map(|y| (y.key.as_str(), y.label.as_str()))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("2025-26", "2025/26"),
                ("2026-27", "2026/27"),
                ("1999-00", "1999/00")
            ]
        );
        for bad in ["", "2025", "2025/27", "25/26", "2025/2026", "twenty"] {
            assert!(parse_years(bad).is_err(), "{bad:?}");
        }
        assert!(parse_years("2025/27").unwrap_err().contains("\"2025/27\""));
    }

    #[test]
    fn periods_are_one_per_line_and_problems_name_the_line() {
        let periods = parse_periods(
            "Q1 2025/26: 1/4/2025 to 30/6/2025\n\n Q2 2025/26: 2025-07-01 to 2025-09-30 ",
        )
        .expect("valid");
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0].key, "q1-2025-26");
        assert_eq!(periods[1].starts, date!(2025 - 07 - 01));
        assert_eq!(
            parse_periods(&periods_text(&periods)).expect("round trip"),
            periods
        );
        let backwards = parse_periods("Q1: 1/4/2025 to 30/6/2025\nQ2: 30/9/2025 to 1/7/2025")
            .expect_err("ends before it starts");
        assert!(
            backwards.starts_with(
                "Line 2, \"Q2: 30/9/2025 to 1/7/2025\": the period ends before it starts"
            ),
            "{backwards}"
        );
        for bad in [
            "Q1 1/4/2025 to 30/6/2025",
            "Q1: 1/4/2025 - 30/6/2025",
            "Q1: 31/2/2025 to 1/3/2025",
            ": 1/4/2025 to 2/4/2025",
        ] {
            assert!(
                parse_periods(bad).unwrap_err().starts_with("Line 1"),
                "{bad}"
            );
        }
        assert!(parse_periods("  ").is_err());
    }

    #[test]
    fn a_stream_form_needs_its_choices_and_keeps_its_key_when_changed() {
        let form = StreamForm {
            key: "ignored-when-changing".into(),
            name: " Disabled Facilities Grant ".into(),
            aliases: "DFG\n\n".into(),
            mandated: "yes".into(),
            spending: "capital".into(),
            unverified: "  ".into(),
            based_on: String::new(),
        };
        let mut errors = FormErrors::new();
        let stream = form.parse(Some("dfg"), &mut errors).expect("valid");
        assert!(errors.is_empty());
        assert_eq!(stream.key, "dfg");
        assert_eq!(stream.name, "Disabled Facilities Grant");
        assert_eq!(stream.aliases, vec!["DFG"]);
        assert_eq!(stream.unverified, None);
        assert_eq!(StreamForm::of(&stream).aliases, "DFG");

        let mut errors = FormErrors::new();
        let blank = StreamForm::default().parse(None, &mut errors);
        assert!(blank.is_none());
        for field in ["key", "mandated", "spending"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_metric_form_reports_every_problem_by_its_field() {
        let mut errors = FormErrors::new();
        let form = MetricForm {
            key: "Bad Key".into(),
            periods: "Q1 2025/26 1/4/2025".into(),
            ..MetricForm::default()
        };
        assert!(form.parse(None, &mut errors).is_none());
        for field in ["key", "better", "pay_for_performance", "periods"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_date_form_reads_the_date_as_people_write_it_and_reports_problems_by_field() {
        let form = DateForm {
            key: "submission-deadline".into(),
            title: " National submission deadline ".into(),
            date: "31/3/2025".into(),
            kind: "deadline".into(),
            unverified: "".into(),
            based_on: String::new(),
        };
        let mut errors = FormErrors::new();
        let date = form.parse(None, &mut errors).expect("valid");
        assert!(errors.is_empty());
        assert_eq!(date.key, "submission-deadline");
        assert_eq!(date.title, "National submission deadline");
        assert_eq!(date.date, date!(2025 - 03 - 31));
        assert_eq!(date.kind, DateKind::Deadline);
        assert_eq!(date.unverified, None);
        assert_eq!(DateForm::of(&date).date, "31/3/2025");
        let iso = DateForm {
            date: "2025-03-31".into(),
            ..form.clone()
        };
        assert_eq!(
            iso.parse(Some("kept"), &mut errors)
                .map(|d| (d.key, d.date)),
            Some(("kept".into(), date!(2025 - 03 - 31)))
        );

        for (typed, message) in [
            ("31/2/2025", "Enter the date as a real date, like 31/3/2025"),
            (
                "next March",
                "Enter the date as a real date, like 31/3/2025",
            ),
            (" ", "Enter the date, like 31/3/2025"),
        ] {
            let mut errors = FormErrors::new();
            let bad = DateForm {
                date: typed.into(),
                kind: "someday".into(),
                ..form.clone()
            };
            assert!(bad.parse(None, &mut errors).is_none(), "{typed:?}");
            assert_eq!(errors.get("date"), Some(message), "{typed:?}");
            assert!(errors.get("kind").is_some());
        }
    }

    #[test]
    fn items_are_put_in_place_and_removed_by_key() {
        let mut parts = StructureParts::default();
        let condition = |key: &str, title: &str| Condition {
            key: key.into(),
            title: title.into(),
            text: "text".into(),
            unverified: None,
        };
        put(&mut parts.conditions, condition("nc1", "One"), |c| &c.key);
        put(&mut parts.conditions, condition("nc2", "Two"), |c| &c.key);
        put(&mut parts.conditions, condition("nc1", "First"), |c| &c.key);
        let titles: Vec<_> = parts.conditions.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, vec!["First", "Two"]);
        assert!(has_item(&parts, Part::Conditions, "nc2"));
        assert!(remove_item(&mut parts, Part::Conditions, "nc2"));
        assert!(!remove_item(&mut parts, Part::Conditions, "nc2"));
        assert!(!has_item(&parts, Part::Streams, "nc1"));
    }
}
