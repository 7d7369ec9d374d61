//! The workbook's sheets, in the national workbook's order, built from what the plan holds:
//! streams, metrics and organisations by name (with the stream's key where an import needs it),
//! money as money, dates as dates, metric values as numbers. The import reads the "Funding" and
//! "Schemes" sheets by the same headings.

use std::collections::BTreeMap;

use super::{Sheet, Value};
use crate::areas::OrganisationId;
use crate::plans::parts::checks::CheckResult;
use crate::plans::parts::conditions::ConditionAnswer;
use crate::plans::parts::engagement::Entry;
use crate::plans::parts::funding::{self, FundingLine, NotifiedMinimum};
use crate::plans::parts::metrics::GoalSet;
use crate::plans::parts::schemes::{self, SchemeContent};
use crate::plans::templates::structure::{CycleStructure, FinancialYear, Period};
use crate::risks::RiskId;
use crate::risks::transfer::columns::Partner;
use crate::web::format;

pub const FUNDING: &str = "Funding";
pub const MINIMUMS: &str = "Minimums";
pub const SCHEMES: &str = "Schemes";
pub const METRICS: &str = "Metrics";
pub const CONDITIONS: &str = "Conditions";
pub const ENGAGEMENT: &str = "Engagement";
pub const CHECKS: &str = "Checks";

/// The Funding sheet's columns.
pub const FUNDING_HEADINGS: [&str; 5] = ["Organisation", "Year", "Stream", "Stream key", "Amount"];

/// The Schemes sheet's columns before the years' amounts.
pub const SCHEME_HEADINGS: [&str; 8] = [
    "Number",
    "Name",
    "Type",
    "Objective",
    "Lead commissioner",
    "Provider",
    "Funding source",
    "Funding source key",
];
/// The Schemes sheet's columns after the years' amounts.
pub const SCHEME_LIST_HEADINGS: [&str; 2] = ["Metrics", "Linked risks"];

/// The heading of a year's spend: "Spend 2015/16".
pub fn spend_heading(year: &FinancialYear) -> String {
    format!("Spend {}", year.label)
}

/// The heading of a year's expected benefit: "Benefit 2015/16".
pub fn benefit_heading(year: &FinancialYear) -> String {
    format!("Benefit {}", year.label)
}

/// Every heading of the Schemes sheet for the plan's years.
pub fn scheme_headings(structure: &CycleStructure) -> Vec<String> {
    SCHEME_HEADINGS
        .iter()
        .map(|heading| (*heading).to_owned())
        .chain(structure.years().iter().map(spend_heading))
        .chain(structure.years().iter().map(benefit_heading))
        .chain(
            SCHEME_LIST_HEADINGS
                .iter()
                .map(|heading| (*heading).to_owned()),
        )
        .collect()
}

/// How lists are joined in one cell, and split again on import.
pub const LIST_SEPARATOR: &str = "; ";

/// Everything the workbook shows, as read from each part's store.
pub struct PlanData<'a> {
    pub structure: &'a CycleStructure,
    pub partners: &'a [Partner],
    pub lines: &'a [FundingLine],
    pub minimums: &'a [NotifiedMinimum],
    /// Schemes by number.
    pub schemes: &'a [(i32, SchemeContent)],
    /// The register's risk numbers, to name linked risks by reference.
    pub risk_numbers: &'a BTreeMap<RiskId, i32>,
    /// The current goals of each metric that has some, by metric key.
    pub goals: &'a BTreeMap<String, GoalSet>,
    pub answers: &'a [ConditionAnswer],
    /// The engagement log, newest first.
    pub engagement: &'a [Entry],
    pub checks: &'a [CheckResult],
}

fn headings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

impl PlanData<'_> {
    fn year_label(&self, key: &str) -> String {
        self.structure
            .years()
            .iter()
            .find(|year| year.key == key)
            .map_or_else(|| key.to_owned(), |year| year.label.clone())
    }

    fn stream_name(&self, key: &str) -> String {
        self.structure
            .streams()
            .iter()
            .find(|stream| stream.key == key)
            .map_or_else(|| key.to_owned(), |stream| stream.name.clone())
    }

    fn organisation(&self, id: OrganisationId) -> String {
        self.partners
            .iter()
            .find(|partner| partner.id == id)
            .map_or_else(
                || format!("Organisation {id}"),
                |partner| partner.name.clone(),
            )
    }

    /// Every sheet, in order.
    pub fn sheets(&self) -> Vec<Sheet> {
        vec![
            self.funding(),
            self.minimums(),
            self.schemes(),
            self.metrics(),
            self.conditions(),
            self.engagement(),
            self.checks(),
        ]
    }

    /// Each partner's money per year and stream.
    pub fn funding(&self) -> Sheet {
        Sheet {
            name: FUNDING,
            headers: headings(&FUNDING_HEADINGS),
            rows: self
                .lines
                .iter()
                .map(|line| {
                    vec![
                        Value::text(&line.organisation_name),
                        Value::text(&self.year_label(&line.year_key)),
                        Value::text(&self.stream_name(&line.stream_key)),
                        Value::text(&line.stream_key),
                        Value::Money(line.amount),
                    ]
                })
                .collect(),
        }
    }

    /// Each year's notified minimum beside the pooled fund.
    pub fn minimums(&self) -> Sheet {
        Sheet {
            name: MINIMUMS,
            headers: headings(&[
                "Year",
                "Notified minimum",
                "Pooled fund",
                "Difference",
                "Set on",
                "Reason for the change",
            ]),
            rows: self
                .structure
                .years()
                .iter()
                .map(|year| {
                    let pool = funding::year_total(self.lines, &year.key);
                    let minimum = self.minimums.iter().find(|m| m.year_key == year.key);
                    vec![
                        Value::text(&year.label),
                        minimum.map_or(Value::Empty, |m| Value::Money(m.amount)),
                        Value::Money(pool),
                        minimum.map_or(Value::Empty, |m| {
                            Value::Money(funding::difference(pool, m.amount))
                        }),
                        minimum.map_or(Value::Empty, |m| {
                            Value::Date(format::in_london(m.set_at).date())
                        }),
                        minimum
                            .and_then(|m| m.reason.as_deref())
                            .map_or(Value::Empty, Value::text),
                    ]
                })
                .collect(),
        }
    }

    /// The schemes by number, with their spend and benefit per year.
    pub fn schemes(&self) -> Sheet {
        let years = self.structure.years();
        Sheet {
            name: SCHEMES,
            headers: scheme_headings(self.structure),
            rows: self
                .schemes
                .iter()
                .map(|(number, scheme)| {
                    let mut row = vec![
                        Value::text(&schemes::reference(*number)),
                        Value::text(&scheme.name),
                        Value::text(scheme.scheme_type.label()),
                        Value::text(&scheme.objective),
                        Value::text(&self.organisation(scheme.lead_commissioner)),
                        Value::text(&scheme.provider),
                        Value::text(&self.stream_name(&scheme.funding_source)),
                        Value::text(&scheme.funding_source),
                    ];
                    row.extend(
                        years
                            .iter()
                            .map(|year| Value::Money(scheme.amount(&year.key).0)),
                    );
                    row.extend(
                        years
                            .iter()
                            .map(|year| Value::Money(scheme.amount(&year.key).1)),
                    );
                    let metrics: Vec<String> = scheme
                        .metrics
                        .iter()
                        .map(|key| {
                            self.structure
                                .metrics()
                                .iter()
                                .find(|metric| metric.key == *key)
                                .map_or_else(|| key.clone(), |metric| metric.name.clone())
                        })
                        .collect();
                    let risks: Vec<String> = scheme
                        .risks
                        .iter()
                        .filter_map(|id| self.risk_numbers.get(id))
                        .map(|number| crate::risks::reference(*number))
                        .collect();
                    row.push(Value::text(&metrics.join(LIST_SEPARATOR)));
                    row.push(Value::text(&risks.join(LIST_SEPARATOR)));
                    row
                })
                .collect(),
        }
    }

    /// Every metric of the plan: its baseline, a goal per period (a column for each period
    /// any metric has), pay for performance and the rationale.
    pub fn metrics(&self) -> Sheet {
        let mut periods: Vec<&Period> = Vec::new();
        for metric in self.structure.metrics() {
            for period in &metric.periods {
                if !periods.iter().any(|seen| seen.key == period.key) {
                    periods.push(period);
                }
            }
        }
        let mut headers = headings(&["Metric", "Metric key", "Baseline", "Baseline period"]);
        headers.extend(
            periods
                .iter()
                .map(|period| format!("Goal {}", period.label)),
        );
        headers.extend(headings(&["Pay for performance", "Rationale"]));
        let number = |hundredths: i64| Value::Number(hundredths as f64 / 100.0);
        Sheet {
            name: METRICS,
            headers,
            rows: self
                .structure
                .metrics()
                .iter()
                .map(|metric| {
                    let set = self.goals.get(&metric.key);
                    let baseline = set.and_then(|set| set.baseline.as_ref());
                    let mut row = vec![
                        Value::text(&metric.name),
                        Value::text(&metric.key),
                        baseline.map_or(Value::Empty, |b| number(b.value.hundredths())),
                        baseline.map_or(Value::Empty, |b| Value::text(&b.period)),
                    ];
                    row.extend(periods.iter().map(|period| {
                        set.and_then(|set| set.goals.get(&period.key))
                            .map_or(Value::Empty, |goal| number(goal.hundredths()))
                    }));
                    row.push(
                        set.and_then(|set| set.pay_for_performance)
                            .map_or(Value::Empty, Value::Money),
                    );
                    row.push(set.map_or(Value::Empty, |set| Value::text(&set.rationale)));
                    row
                })
                .collect(),
        }
    }

    /// Each national condition with the plan's answer.
    pub fn conditions(&self) -> Sheet {
        Sheet {
            name: CONDITIONS,
            headers: headings(&["Condition", "Status", "How it is met"]),
            rows: self
                .structure
                .conditions()
                .iter()
                .map(|condition| {
                    let answer = self
                        .answers
                        .iter()
                        .find(|answer| answer.condition_key == condition.key);
                    vec![
                        Value::text(&condition.title),
                        Value::text(answer.map_or("Not answered", |a| a.status.label())),
                        answer.map_or(Value::Empty, |a| Value::text(&a.how)),
                    ]
                })
                .collect(),
        }
    }

    /// The engagement log, oldest first as a log reads.
    pub fn engagement(&self) -> Sheet {
        Sheet {
            name: ENGAGEMENT,
            headers: headings(&["Date", "Audience", "What was done", "What changed"]),
            rows: self
                .engagement
                .iter()
                .rev()
                .map(|entry| {
                    vec![
                        Value::Date(entry.held_on),
                        Value::text(&entry.audience),
                        Value::text(&entry.what_done),
                        Value::text(&entry.what_changed),
                    ]
                })
                .collect(),
        }
    }

    /// Each check, passed or with a row per failure and the page that fixes it.
    pub fn checks(&self) -> Sheet {
        let mut rows = Vec::new();
        for check in self.checks {
            if check.passed() {
                rows.push(vec![
                    Value::text(check.title),
                    Value::text("Passed"),
                    Value::Empty,
                    Value::Empty,
                ]);
            }
            for failure in &check.failures {
                rows.push(vec![
                    Value::text(check.title),
                    Value::text("Failed"),
                    Value::text(&failure.message),
                    Value::text(&failure.link),
                ]);
            }
        }
        Sheet {
            name: CHECKS,
            headers: headings(&["Check", "Result", "What is wrong", "Where to fix it"]),
            rows,
        }
    }
}
