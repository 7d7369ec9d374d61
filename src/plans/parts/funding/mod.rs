//! The plan's funding: what each partner organisation puts into the pooled fund, per financial
//! year and funding stream of the plan's structure, in whole pence; the totals per year (the
//! pooled fund), organisation and stream; and the area's notified minimum per year, which
//! changes late in a cycle and keeps every earlier figure with the reason it changed.
//!
//! Here: the pure parts (totals, the forms parsed into amounts, which lines a save writes and
//! which it finds changed meanwhile, who may change what). SQL in `store`, pages in `routes`.

pub mod routes;
pub mod store;

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::areas::{AreaId, OrganisationId};
use crate::auth::policy::Principal;
use crate::plans::rules;
use crate::plans::templates::structure::FundingStream;
use crate::web::form::FormErrors;
use crate::web::money::{MoneyProblem, Pence};

/// The most one funding line (or a notified minimum) may be: more than any area's pooled fund.
pub const MAX_AMOUNT: Pence = Pence::pounds(10_000_000_000);
/// The longest reason for changing a notified minimum.
pub const MAX_REASON_CHARS: usize = 1_000;

/// One organisation's money from one stream in one year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundingLine {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub year_key: String,
    pub stream_key: String,
    pub amount: Pence,
    pub version: i32,
    pub updated_at: OffsetDateTime,
    /// The name of who saved it last, if known.
    pub updated_by: Option<String>,
}

/// The notified minimum of one year as it stands (or stood: the history is the same shape).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifiedMinimum {
    /// The row, which a change names as the one it replaces.
    pub id: i64,
    pub year_key: String,
    pub amount: Pence,
    pub set_at: OffsetDateTime,
    /// The name of who set it, if known.
    pub set_by: Option<String>,
    /// Why it changed; none for the first minimum of a year.
    pub reason: Option<String>,
}

// --- totals --------------------------------------------------------------------------------------

fn add(total: Pence, amount: Pence) -> Pence {
    Pence::new(total.get().saturating_add(amount.get()))
}

/// The sum of `amounts` (saturating: no real total comes near the limit).
pub fn sum(amounts: impl IntoIterator<Item = Pence>) -> Pence {
    amounts.into_iter().fold(Pence::ZERO, add)
}

/// The pooled fund of `year`: every line of the year.
pub fn year_total(lines: &[FundingLine], year_key: &str) -> Pence {
    sum(lines
        .iter()
        .filter(|line| line.year_key == year_key)
        .map(|line| line.amount))
}

/// Each organisation's total in `year` (only those with lines).
pub fn organisation_totals(
    lines: &[FundingLine],
    year_key: &str,
) -> BTreeMap<OrganisationId, Pence> {
    let mut totals = BTreeMap::new();
    for line in lines.iter().filter(|line| line.year_key == year_key) {
        let total = totals.entry(line.organisation_id).or_insert(Pence::ZERO);
        *total = add(*total, line.amount);
    }
    totals
}

/// Each stream's total in `year`, by stream key (only streams with lines).
pub fn stream_totals(lines: &[FundingLine], year_key: &str) -> BTreeMap<String, Pence> {
    let mut totals = BTreeMap::new();
    for line in lines.iter().filter(|line| line.year_key == year_key) {
        let total = totals.entry(line.stream_key.clone()).or_insert(Pence::ZERO);
        *total = add(*total, line.amount);
    }
    totals
}

/// The pool of `year` from the mandated streams only.
pub fn mandated_total(lines: &[FundingLine], year_key: &str, streams: &[FundingStream]) -> Pence {
    sum(lines
        .iter()
        .filter(|line| line.year_key == year_key)
        .filter(|line| {
            streams
                .iter()
                .any(|stream| stream.key == line.stream_key && stream.mandated)
        })
        .map(|line| line.amount))
}

/// The pool less the notified minimum: negative when the pool falls short.
pub fn difference(pool: Pence, minimum: Pence) -> Pence {
    Pence::new(pool.get().saturating_sub(minimum.get()))
}

// --- who may change what -------------------------------------------------------------------------

/// An organisation's lines: its own editors in the area, and the area lead (who assembles the
/// pooled fund with every partner).
pub fn may_edit_lines(
    principal: &Principal<'_>,
    area_id: AreaId,
    organisation_id: OrganisationId,
) -> bool {
    rules::may_write_contribution(principal, area_id, organisation_id)
        || rules::is_lead(principal, area_id)
}

/// The notified minimum: the area lead alone.
pub fn may_set_minimum(principal: &Principal<'_>, area_id: AreaId) -> bool {
    rules::is_lead(principal, area_id)
}

// --- the amounts form ----------------------------------------------------------------------------

/// The id (and name) of a stream's amount field.
pub fn amount_field(stream_key: &str) -> String {
    format!("amount-{stream_key}")
}

/// The name of the hidden field carrying the version a stream's line was at when the form was
/// opened (0: there was none).
pub fn version_field(stream_key: &str) -> String {
    format!("version-{stream_key}")
}

/// The name of the hidden field carrying the amount a stream's box held when the form was
/// opened, so that a box the person left alone is not taken as their answer to a change made
/// meanwhile by someone else.
pub fn seen_field(stream_key: &str) -> String {
    format!("seen-{stream_key}")
}

/// One stream's amount as the form sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub stream_key: String,
    /// `None`: left empty, nothing from that stream.
    pub amount: Option<Pence>,
    /// The version of the line the form was opened on; 0 when there was none.
    pub based_on: i32,
    /// The box holds what it held when the form was opened: the person did not touch it.
    pub untouched: bool,
}

/// The value of field `name` in a form, if sent.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.as_str())
}

/// An amount typed into a box where empty means none.
pub fn optional_amount(raw: &str) -> Result<Option<Pence>, MoneyProblem> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        Pence::parse(raw, MAX_AMOUNT).map(Some)
    }
}

/// The amounts of the form for `streams`, each problem by its field. A stream whose box was not
/// sent at all is left out (the form said nothing about it); a missing or unreadable version
/// counts as 0, which a line that exists never matches, so it is caught as changed meanwhile.
pub fn parse_amounts(
    fields: &[(String, String)],
    streams: &[FundingStream],
) -> Result<Vec<Entry>, FormErrors> {
    let mut errors = FormErrors::new();
    let mut entries = Vec::new();
    for stream in streams {
        let Some(raw) = field(fields, &amount_field(&stream.key)) else {
            continue;
        };
        let based_on = field(fields, &version_field(&stream.key))
            .and_then(|version| version.trim().parse::<i32>().ok())
            .filter(|version| *version >= 0)
            .unwrap_or(0);
        match optional_amount(raw) {
            Ok(amount) => entries.push(Entry {
                untouched: field(fields, &seen_field(&stream.key))
                    .is_some_and(|seen| optional_amount(seen) == Ok(amount)),
                stream_key: stream.key.clone(),
                amount,
                based_on,
            }),
            Err(problem) => errors.add(
                amount_field(&stream.key),
                format!("{}: {problem}", stream.name),
            ),
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// A line as it stands in the database: its amount (`None`: emptied or never entered) and
/// version (0: no row).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub amount: Option<Pence>,
    pub version: i32,
}

/// What a save does with one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The amount is what is stored already: nothing to write, whatever its version.
    Unchanged,
    /// Write `after` over `before`, if the line is still at `expected`.
    Write {
        stream_key: String,
        before: Option<Pence>,
        after: Option<Pence>,
        expected: i32,
    },
    /// Someone changed the line after the form was opened, and the person changed it too, to
    /// something else: they must see the other figure before overwriting it. (A box left as
    /// it was opened is no answer to a change made meanwhile: that change stands.)
    Conflict { stream_key: String },
}

/// What saving `entries` over the `stored` lines (by stream key) does, entry by entry.
pub fn plan_save(entries: &[Entry], stored: &BTreeMap<String, Stored>) -> Vec<Step> {
    entries
        .iter()
        .map(|entry| {
            let current = stored.get(&entry.stream_key).copied().unwrap_or_default();
            if current.amount == entry.amount
                || (current.version != entry.based_on && entry.untouched)
            {
                Step::Unchanged
            } else if current.version != entry.based_on {
                Step::Conflict {
                    stream_key: entry.stream_key.clone(),
                }
            } else {
                Step::Write {
                    stream_key: entry.stream_key.clone(),
                    before: current.amount,
                    after: entry.amount,
                    expected: current.version,
                }
            }
        })
        .collect()
}

// --- the notified minimum form ------------------------------------------------------------------

/// A new notified minimum, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinimumChange {
    pub amount: Pence,
    pub reason: Option<String>,
    /// The row it replaces: the current one when the form was opened, none for the first.
    pub replaces: Option<i64>,
}

/// The minimum form: `minimum`, `reason` (required once a minimum exists) and `based_on` (the id
/// of the current minimum the form was opened on, empty for none).
pub fn parse_minimum(
    fields: &[(String, String)],
    has_current: bool,
) -> Result<MinimumChange, FormErrors> {
    let mut errors = FormErrors::new();
    let amount = match Pence::parse(field(fields, "minimum").unwrap_or(""), MAX_AMOUNT) {
        Ok(amount) => Some(amount),
        Err(MoneyProblem::Missing) => {
            errors.add("minimum", "Enter the notified minimum, like £20,000,000");
            None
        }
        Err(problem) => {
            errors.add("minimum", problem.to_string());
            None
        }
    };
    let reason = field(fields, "reason")
        .unwrap_or("")
        .trim()
        .replace("\r\n", "\n");
    let reason = if reason.is_empty() {
        if has_current {
            errors.add(
                "reason",
                "Enter the reason for the change, for example \"Allocation revised in the final guidance\"",
            );
        }
        None
    } else if reason.chars().count() > MAX_REASON_CHARS {
        errors.add(
            "reason",
            format!("The reason must be {MAX_REASON_CHARS} characters or fewer"),
        );
        None
    } else {
        Some(reason)
    };
    let replaces = field(fields, "based_on")
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .and_then(|id| id.parse::<i64>().ok());
    match amount {
        Some(amount) if errors.is_empty() => Ok(MinimumChange {
            amount,
            reason,
            replaces,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::AreaId;
    use crate::auth::policy::{Grant, Role};
    use crate::plans::templates::structure::Spending;

    const CCG: OrganisationId = OrganisationId::new(1);
    const COUNCIL: OrganisationId = OrganisationId::new(2);

    fn line(organisation_id: OrganisationId, year: &str, stream: &str, pounds: i64) -> FundingLine {
        FundingLine {
            organisation_id,
            organisation_name: format!("Organisation {organisation_id}"),
            year_key: year.to_owned(),
            stream_key: stream.to_owned(),
            amount: Pence::pounds(pounds),
            version: 1,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            updated_by: None,
        }
    }

    fn stream(key: &str, mandated: bool) -> FundingStream {
        FundingStream {
            key: key.to_owned(),
            name: format!("Stream {key}"),
            aliases: Vec::new(),
            mandated,
            spending: Spending::Revenue,
            unverified: None,
        }
    }

    /// Rotherham's 2015/16, as the demo has it, and one line of 2014/15.
    fn rotherham() -> Vec<FundingLine> {
        vec![
            line(COUNCIL, "2015-16", "disabled-facilities-grant", 1_050_000),
            line(COUNCIL, "2015-16", "social-care-capital-grant", 650_000),
            line(CCG, "2015-16", "nhs-transfer-to-social-care", 6_100_000),
            line(CCG, "2015-16", "carers-breaks", 600_000),
            line(CCG, "2015-16", "ccg-reablement", 1_600_000),
            line(CCG, "2015-16", "additional-ccg-contribution", 10_000_000),
            line(CCG, "2014-15", "nhs-transfer-to-social-care", 5_600_000),
        ]
    }

    #[test]
    fn totals_per_year_organisation_and_stream() {
        let lines = rotherham();
        assert_eq!(year_total(&lines, "2015-16"), Pence::pounds(20_000_000));
        assert_eq!(year_total(&lines, "2014-15"), Pence::pounds(5_600_000));
        assert_eq!(year_total(&lines, "2016-17"), Pence::ZERO);
        let by_organisation = organisation_totals(&lines, "2015-16");
        assert_eq!(by_organisation[&COUNCIL], Pence::pounds(1_700_000));
        assert_eq!(by_organisation[&CCG], Pence::pounds(18_300_000));
        let by_stream = stream_totals(&lines, "2015-16");
        assert_eq!(by_stream.len(), 6);
        assert_eq!(
            by_stream["nhs-transfer-to-social-care"],
            Pence::pounds(6_100_000)
        );
        assert!(!by_stream.contains_key("ccg-minimum-contribution"));
        // Rows, columns and the corner agree.
        assert_eq!(
            sum(by_organisation.values().copied()),
            year_total(&lines, "2015-16")
        );
        assert_eq!(
            sum(by_stream.values().copied()),
            year_total(&lines, "2015-16")
        );
    }

    #[test]
    fn the_mandated_part_and_the_difference_from_the_minimum() {
        let lines = rotherham();
        let streams = [
            stream("nhs-transfer-to-social-care", true),
            stream("carers-breaks", true),
            stream("ccg-reablement", true),
            stream("disabled-facilities-grant", true),
            stream("social-care-capital-grant", true),
            stream("additional-ccg-contribution", false),
        ];
        assert_eq!(
            mandated_total(&lines, "2015-16", &streams),
            Pence::pounds(10_000_000)
        );
        let pool = year_total(&lines, "2015-16");
        assert_eq!(
            difference(pool, Pence::pounds(20_100_000)),
            Pence::pounds(-100_000)
        );
        assert_eq!(difference(pool, Pence::pounds(20_000_000)), Pence::ZERO);
    }

    #[test]
    fn totals_do_not_overflow() {
        let lines: Vec<FundingLine> = (0..3)
            .map(|n| FundingLine {
                amount: Pence::new(i64::MAX / 2),
                ..line(OrganisationId::new(n), "2015-16", "s", 0)
            })
            .collect();
        assert_eq!(year_total(&lines, "2015-16"), Pence::new(i64::MAX));
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn amounts_are_read_as_people_type_them_and_empty_means_none() {
        let streams = [stream("a", true), stream("b", false), stream("c", false)];
        let entries = parse_amounts(
            &form(&[
                ("amount-a", "£1,234,567"),
                ("version-a", "3"),
                ("seen-a", "1,234,567"),
                ("amount-b", "  "),
                ("version-b", "not a number"),
                ("seen-b", "5"),
            ]),
            &streams,
        )
        .expect("valid");
        assert_eq!(
            entries,
            vec![
                Entry {
                    stream_key: "a".into(),
                    amount: Some(Pence::pounds(1_234_567)),
                    based_on: 3,
                    untouched: true
                },
                Entry {
                    stream_key: "b".into(),
                    amount: None,
                    based_on: 0,
                    untouched: false
                },
            ]
        );
    }

    #[test]
    fn each_bad_amount_is_refused_by_its_field() {
        let streams = [stream("a", true), stream("b", false)];
        for (typed, message) in [
            ("-5", "cannot be negative"),
            ("abc", "one number"),
            ("1e9", "one number"),
            ("£1.234", "2 decimal places"),
            ("1.999", "2 decimal places"),
            ("£10,000,000,000.01", "£10,000,000,000 or less"),
        ] {
            let errors = parse_amounts(&form(&[("amount-a", "5"), ("amount-b", typed)]), &streams)
                .expect_err(typed);
            assert_eq!(errors.message("amount-a"), "", "{typed}");
            let shown = errors.message("amount-b");
            assert!(shown.starts_with("Stream b: "), "{typed}: {shown}");
            assert!(shown.contains(message), "{typed}: {shown}");
        }
    }

    fn entry(stream: &str, pounds: Option<i64>, based_on: i32) -> Entry {
        Entry {
            stream_key: stream.to_owned(),
            amount: pounds.map(Pence::pounds),
            based_on,
            untouched: false,
        }
    }

    #[test]
    fn a_save_writes_what_changed_and_finds_what_changed_meanwhile() {
        let stored: BTreeMap<String, Stored> = [
            (
                "kept".to_owned(),
                Stored {
                    amount: Some(Pence::pounds(5)),
                    version: 2,
                },
            ),
            (
                "moved".to_owned(),
                Stored {
                    amount: Some(Pence::pounds(7)),
                    version: 4,
                },
            ),
        ]
        .into();
        let steps = plan_save(
            &[
                // As stored, though the form was opened on an older version: nothing to do.
                entry("kept", Some(5), 1),
                // Changed meanwhile (version 4, the form had 3) and typed differently.
                entry("moved", Some(8), 3),
                // A new line.
                entry("new", Some(9), 0),
                // Empty, and never entered: nothing to do.
                entry("none", None, 0),
            ],
            &stored,
        );
        assert_eq!(
            steps,
            vec![
                Step::Unchanged,
                Step::Conflict {
                    stream_key: "moved".into()
                },
                Step::Write {
                    stream_key: "new".into(),
                    before: None,
                    after: Some(Pence::pounds(9)),
                    expected: 0
                },
                Step::Unchanged,
            ]
        );
        // Left as it was opened while someone else changed it: their change stands.
        let left_alone = Entry {
            untouched: true,
            ..entry("moved", Some(6), 3)
        };
        assert_eq!(plan_save(&[left_alone], &stored), vec![Step::Unchanged]);
        let emptied = plan_save(&[entry("kept", None, 2)], &stored);
        assert_eq!(
            emptied,
            vec![Step::Write {
                stream_key: "kept".into(),
                before: Some(Pence::pounds(5)),
                after: None,
                expected: 2
            }]
        );
    }

    #[test]
    fn a_changed_minimum_needs_a_reason_the_first_does_not() {
        let first = parse_minimum(
            &form(&[("minimum", "£20,000,000"), ("based_on", "")]),
            false,
        )
        .expect("valid");
        assert_eq!(
            first,
            MinimumChange {
                amount: Pence::pounds(20_000_000),
                reason: None,
                replaces: None
            }
        );
        let errors = parse_minimum(
            &form(&[("minimum", "20100000"), ("reason", " "), ("based_on", "4")]),
            true,
        )
        .expect_err("reason required");
        assert!(errors.message("reason").contains("Allocation revised"));
        let change = parse_minimum(
            &form(&[
                ("minimum", "20100000"),
                ("reason", "Allocation revised in the final guidance"),
                ("based_on", "4"),
            ]),
            true,
        )
        .expect("valid");
        assert_eq!(change.replaces, Some(4));
        assert_eq!(
            change.reason.as_deref(),
            Some("Allocation revised in the final guidance")
        );
        for (typed, message) in [
            ("", "Enter the notified minimum"),
            ("-5", "negative"),
            ("£20.5m", "in full"),
        ] {
            let errors = parse_minimum(&form(&[("minimum", typed)]), false).expect_err(typed);
            assert!(errors.message("minimum").contains(message), "{typed}");
        }
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        let errors = parse_minimum(&form(&[("minimum", "5"), ("reason", &long)]), true)
            .expect_err("too long");
        assert!(errors.message("reason").contains("1000 characters"));
    }

    #[test]
    fn an_organisations_editors_and_the_lead_edit_its_lines_only_the_lead_sets_the_minimum() {
        let area = AreaId::new(1);
        let grants = |role: Role| {
            vec![Grant {
                role,
                area_id: (!role.is_global()).then_some(area.get()),
            }]
        };
        fn as_of(grants: &[Grant]) -> Principal<'_> {
            Principal {
                organisation_id: COUNCIL.get(),
                grants,
            }
        }
        let officer = grants(Role::Officer);
        assert!(may_edit_lines(&as_of(&officer), area, COUNCIL));
        assert!(!may_edit_lines(&as_of(&officer), area, CCG));
        assert!(!may_edit_lines(&as_of(&officer), AreaId::new(2), COUNCIL));
        assert!(!may_set_minimum(&as_of(&officer), area));
        let lead = grants(Role::AreaLead);
        assert!(may_edit_lines(&as_of(&lead), area, CCG));
        assert!(may_set_minimum(&as_of(&lead), area));
        for role in [
            Role::Signatory,
            Role::BoardSecretary,
            Role::Assurer,
            Role::Admin,
        ] {
            let grants = grants(role);
            assert!(!may_edit_lines(&as_of(&grants), area, COUNCIL), "{role:?}");
            assert!(!may_set_minimum(&as_of(&grants), area), "{role:?}");
        }
    }
}
