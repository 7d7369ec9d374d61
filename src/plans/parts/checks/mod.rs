//! The checks page, like the national workbook's checklist: one pure function (`run`) over what
//! a plan holds — its sections, funding, schemes, metric goals, condition answers and the area's
//! open risks — against its structure. Each check lists its failures, each saying what is wrong
//! and linking to the field that fixes it. The page and the task list's count both come from
//! here; sign-off (issue 11) will refuse to open while any check fails.
//!
//! Choices where the workbook was silent:
//! - A year with no notified minimum recorded fails the minimum check (nothing to compare with
//!   is not a pass).
//! - A mandated stream is present when some partner puts money into it in at least one of the
//!   plan's years: in 2014/15 most mandated streams did not exist yet (the fund was the social
//!   care transfer), so asking for every year would fail every 2014-16 plan.
//! - A risk's review date is "future" when it is today or later (due today is not overdue), and
//!   a mitigation is either its controls or at least one further action.

pub mod facts;
pub mod routes;

use std::collections::BTreeMap;

use time::Date;

use super::super::section::SectionStatus;
use super::super::templates::structure::CycleStructure;
use crate::web::format;
use crate::web::money::Pence;

/// A section of the plan, as the checks need it.
#[derive(Clone, Debug)]
pub struct SectionFact {
    pub key: String,
    pub title: String,
    pub status: SectionStatus,
}

/// Money in one stream for one year, from one partner (or already summed).
#[derive(Clone, Debug)]
pub struct MoneyFact {
    pub year_key: String,
    pub stream_key: String,
    pub amount: Pence,
}

/// What a metric holds now.
#[derive(Clone, Debug)]
pub struct MetricFact {
    pub metric_key: String,
    pub has_baseline: bool,
    /// The periods with a goal.
    pub periods_with_goals: Vec<String>,
}

/// An open risk of the area's register.
#[derive(Clone, Debug)]
pub struct RiskFact {
    pub number: i32,
    pub title: String,
    pub owner: String,
    pub has_mitigation: bool,
    pub review: Date,
}

/// Everything the checks look at; gathered by `routes::gather`.
#[derive(Clone, Debug)]
pub struct PlanFacts {
    pub sections: Vec<SectionFact>,
    /// Each partner's funding lines.
    pub funding: Vec<MoneyFact>,
    /// The current notified minimum per year.
    pub minimums: Vec<(String, Pence)>,
    /// Scheme spend summed per year and funding source.
    pub scheme_spend: Vec<MoneyFact>,
    pub metrics: Vec<MetricFact>,
    /// The conditions with a current answer.
    pub answered_conditions: Vec<String>,
    pub open_risks: Vec<RiskFact>,
    /// Today in Europe/London.
    pub today: Date,
}

/// Where the plan's pages are, so that failures link to the field that fixes them.
#[derive(Clone, Debug)]
pub struct Links {
    /// `/areas/{slug}/plans/{plan}`.
    pub plan: String,
    /// `/areas/{slug}`.
    pub area: String,
}

impl Links {
    fn part(&self, path: &str) -> String {
        format!("{}/{path}", self.plan)
    }
}

/// One thing found wrong, with the link to where it is put right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub link: String,
}

/// One check and what it found.
#[derive(Clone, Debug)]
pub struct CheckResult {
    pub key: &'static str,
    pub title: &'static str,
    pub failures: Vec<Failure>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// How many checks fail.
pub fn failing(results: &[CheckResult]) -> usize {
    results.iter().filter(|result| !result.passed()).count()
}

/// Runs every check over the plan.
pub fn run(structure: &CycleStructure, facts: &PlanFacts, links: &Links) -> Vec<CheckResult> {
    vec![
        CheckResult {
            key: "sources-equal-spend",
            title: "Funding sources equal scheme spend in each year",
            failures: sources_equal_spend(structure, facts, links),
        },
        CheckResult {
            key: "pool-at-least-minimum",
            title: "The pooled fund is at least the notified minimum in each year",
            failures: pool_at_least_minimum(structure, facts, links),
        },
        CheckResult {
            key: "mandated-streams",
            title: "Every mandated funding stream is in the pool",
            failures: mandated_streams(structure, facts, links),
        },
        CheckResult {
            key: "metrics",
            title: "Every metric has a baseline and a goal for each period",
            failures: metrics(structure, facts, links),
        },
        CheckResult {
            key: "risks",
            title: "Every open risk has an owner, a mitigation and a future review date",
            failures: risks(facts, links),
        },
        CheckResult {
            key: "sections",
            title: "Every section is completed",
            failures: sections(facts, links),
        },
        CheckResult {
            key: "conditions",
            title: "Every national condition is answered",
            failures: conditions(structure, facts, links),
        },
    ]
}

fn sum_by_year_and_stream(money: &[MoneyFact]) -> BTreeMap<(&str, &str), Pence> {
    let mut sums: BTreeMap<(&str, &str), Pence> = BTreeMap::new();
    for fact in money {
        let sum = sums
            .entry((fact.year_key.as_str(), fact.stream_key.as_str()))
            .or_default();
        *sum = Pence::new(sum.get().saturating_add(fact.amount.get()));
    }
    sums
}

fn year_total(sums: &BTreeMap<(&str, &str), Pence>, year: &str) -> Pence {
    Pence::new(
        sums.iter()
            .filter(|((year_key, _), _)| *year_key == year)
            .map(|(_, amount)| amount.get())
            .fold(0_i64, i64::saturating_add),
    )
}

fn stream_name<'a>(structure: &'a CycleStructure, key: &'a str) -> &'a str {
    structure
        .streams()
        .iter()
        .find(|stream| stream.key == key)
        .map_or(key, |stream| stream.name.as_str())
}

/// Per year, the pooled money equals what the schemes spend; where it does not, each funding
/// source that differs is named.
fn sources_equal_spend(
    structure: &CycleStructure,
    facts: &PlanFacts,
    links: &Links,
) -> Vec<Failure> {
    let pooled = sum_by_year_and_stream(&facts.funding);
    let spent = sum_by_year_and_stream(&facts.scheme_spend);
    let mut failures = Vec::new();
    for year in structure.years() {
        let (pool, spend) = (
            year_total(&pooled, &year.key),
            year_total(&spent, &year.key),
        );
        if pool == spend {
            continue;
        }
        failures.push(Failure {
            message: format!(
                "{}: funding sources total {pool} but schemes spend {spend} ({})",
                year.label,
                difference(
                    pool,
                    spend,
                    "not allocated to a scheme",
                    "more than is pooled"
                )
            ),
            link: links.part("schemes"),
        });
        for stream in structure.streams() {
            let key = (year.key.as_str(), stream.key.as_str());
            let pool = pooled.get(&key).copied().unwrap_or_default();
            let spend = spent.get(&key).copied().unwrap_or_default();
            if pool != spend {
                failures.push(Failure {
                    message: format!(
                        "{}, {}: {pool} pooled, {spend} spent by schemes",
                        year.label, stream.name
                    ),
                    link: links.part(&format!("schemes?source={}", stream.key)),
                });
            }
        }
    }
    failures
}

fn difference(pool: Pence, spend: Pence, under: &str, over: &str) -> String {
    let gap = pool.get().saturating_sub(spend.get());
    if gap > 0 {
        format!("{} {under}", Pence::new(gap))
    } else {
        format!("{} {over}", Pence::new(gap.saturating_neg()))
    }
}

fn pool_at_least_minimum(
    structure: &CycleStructure,
    facts: &PlanFacts,
    links: &Links,
) -> Vec<Failure> {
    let pooled = sum_by_year_and_stream(&facts.funding);
    let mut failures = Vec::new();
    for year in structure.years() {
        let link = links.part(&format!("funding/minimum/{}#minimum", year.key));
        let minimum = facts
            .minimums
            .iter()
            .find(|(year_key, _)| *year_key == year.key)
            .map(|(_, amount)| *amount);
        let pool = year_total(&pooled, &year.key);
        match minimum {
            None => failures.push(Failure {
                message: format!("{}: no notified minimum is recorded", year.label),
                link,
            }),
            Some(minimum) if pool < minimum => failures.push(Failure {
                message: format!(
                    "{}: the pooled fund of {pool} is {} short of the notified minimum of {minimum}",
                    year.label,
                    Pence::new(minimum.get().saturating_sub(pool.get()))
                ),
                link: links.part("funding"),
            }),
            Some(_) => {}
        }
    }
    failures
}

fn mandated_streams(structure: &CycleStructure, facts: &PlanFacts, links: &Links) -> Vec<Failure> {
    structure
        .streams()
        .iter()
        .filter(|stream| stream.mandated)
        .filter(|stream| {
            !facts
                .funding
                .iter()
                .any(|line| line.stream_key == stream.key && line.amount > Pence::ZERO)
        })
        .map(|stream| Failure {
            message: format!(
                "{} is mandated but no partner puts money into it",
                stream_name(structure, &stream.key)
            ),
            link: links.part("funding"),
        })
        .collect()
}

fn metrics(structure: &CycleStructure, facts: &PlanFacts, links: &Links) -> Vec<Failure> {
    let mut failures = Vec::new();
    for metric in structure.metrics() {
        let fact = facts
            .metrics
            .iter()
            .find(|fact| fact.metric_key == metric.key);
        let url = |field: &str| links.part(&format!("metrics/{}#{field}", metric.key));
        if !fact.is_some_and(|fact| fact.has_baseline) {
            failures.push(Failure {
                message: format!("{} has no baseline", metric.name),
                link: url("baseline_value"),
            });
        }
        let missing: Vec<_> = metric
            .periods
            .iter()
            .filter(|period| {
                !fact.is_some_and(|fact| fact.periods_with_goals.contains(&period.key))
            })
            .collect();
        if let Some(first) = missing.first() {
            let labels: Vec<&str> = missing.iter().map(|period| period.label.as_str()).collect();
            failures.push(Failure {
                message: format!("{} has no goal for {}", metric.name, labels.join(", ")),
                link: url(&format!("goal-{}", first.key)),
            });
        }
    }
    failures
}

fn risks(facts: &PlanFacts, links: &Links) -> Vec<Failure> {
    let mut failures = Vec::new();
    for risk in &facts.open_risks {
        let url = |field: &str| format!("{}/risks/{}#{field}", links.area, risk.number);
        let name = format!("Risk R{} ({})", risk.number, risk.title);
        if risk.owner.trim().is_empty() {
            failures.push(Failure {
                message: format!("{name} has no owner"),
                link: url("owner_person"),
            });
        }
        if !risk.has_mitigation {
            failures.push(Failure {
                message: format!("{name} has no controls or further actions to mitigate it"),
                link: url("controls"),
            });
        }
        if risk.review < facts.today {
            failures.push(Failure {
                message: format!("{name} was due for review on {}", format::date(risk.review)),
                link: url("review"),
            });
        }
    }
    failures
}

fn sections(facts: &PlanFacts, links: &Links) -> Vec<Failure> {
    facts
        .sections
        .iter()
        .filter(|section| section.status != SectionStatus::Completed)
        .map(|section| Failure {
            message: format!(
                "{} is {}",
                section.title,
                section.status.label().to_lowercase()
            ),
            link: links.part(&format!("sections/{}", section.key)),
        })
        .collect()
}

fn conditions(structure: &CycleStructure, facts: &PlanFacts, links: &Links) -> Vec<Failure> {
    structure
        .conditions()
        .iter()
        .filter(|condition| !facts.answered_conditions.contains(&condition.key))
        .map(|condition| Failure {
            message: format!("{} is not answered", condition.title),
            link: links.part(&format!("conditions/{}#status", condition.key)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::templates::structure::{
        Condition, Direction, FinancialYear, FundingStream, Metric, Period, Spending,
        StructureParts,
    };
    use time::macros::date;

    fn structure() -> CycleStructure {
        let stream = |key: &str, name: &str, mandated: bool| FundingStream {
            key: key.into(),
            name: name.into(),
            aliases: vec![],
            mandated,
            spending: Spending::Revenue,
            unverified: None,
        };
        let period = |key: &str, label: &str, starts: Date, ends: Date| Period {
            key: key.into(),
            label: label.into(),
            starts,
            ends,
        };
        CycleStructure::new(StructureParts {
            years: vec![FinancialYear {
                key: "2025-26".into(),
                label: "2025/26".into(),
            }],
            streams: vec![
                stream("nhs", "NHS minimum contribution", true),
                stream("dfg", "Disabled Facilities Grant", true),
                stream("extra", "Additional contribution", false),
            ],
            metrics: vec![Metric {
                key: "admissions".into(),
                name: "Emergency admissions (65+)".into(),
                definition: "Unplanned admissions".into(),
                unit: "per 100,000".into(),
                better: Direction::Lower,
                periods: vec![
                    period("q1", "Q1", date!(2025 - 04 - 01), date!(2025 - 06 - 30)),
                    period("q2", "Q2", date!(2025 - 07 - 01), date!(2025 - 09 - 30)),
                ],
                pay_for_performance: false,
                unverified: None,
            }],
            conditions: vec![Condition {
                key: "nc1".into(),
                title: "NC1: Plans to be jointly agreed".into(),
                text: "Agreed by the partners.".into(),
                unverified: None,
            }],
            dates: Vec::new(),
            sign_off: Default::default(),
        })
        .expect("valid structure")
    }

    fn money(stream: &str, pounds: i64) -> MoneyFact {
        MoneyFact {
            year_key: "2025-26".into(),
            stream_key: stream.into(),
            amount: Pence::pounds(pounds),
        }
    }

    /// A plan that passes every check.
    fn passing() -> PlanFacts {
        PlanFacts {
            sections: vec![SectionFact {
                key: "overview".into(),
                title: "Overview".into(),
                status: SectionStatus::Completed,
            }],
            funding: vec![money("nhs", 600), money("nhs", 400), money("dfg", 200)],
            minimums: vec![("2025-26".into(), Pence::pounds(1_200))],
            scheme_spend: vec![money("nhs", 1_000), money("dfg", 200)],
            metrics: vec![MetricFact {
                metric_key: "admissions".into(),
                has_baseline: true,
                periods_with_goals: vec!["q1".into(), "q2".into()],
            }],
            answered_conditions: vec!["nc1".into()],
            open_risks: vec![RiskFact {
                number: 1,
                title: "Demand".into(),
                owner: "Director of finance".into(),
                has_mitigation: true,
                review: date!(2025 - 12 - 04),
            }],
            today: date!(2025 - 12 - 04),
        }
    }

    fn links() -> Links {
        Links {
            plan: "/areas/kent/plans/2025-26".into(),
            area: "/areas/kent".into(),
        }
    }

    fn failures(facts: &PlanFacts, key: &str) -> Vec<Failure> {
        run(&structure(), facts, &links())
            .into_iter()
            .find(|result| result.key == key)
            .expect("the check runs")
            .failures
    }

    #[test]
    fn a_complete_plan_passes_every_check() {
        let results = run(&structure(), &passing(), &links());
        assert_eq!(results.len(), 7);
        assert_eq!(failing(&results), 0, "{results:?}");
    }

    #[test]
    fn sources_must_equal_scheme_spend_each_year_naming_the_stream_that_differs() {
        let mut facts = passing();
        facts.scheme_spend = vec![money("nhs", 900), money("dfg", 200)];
        let found = failures(&facts, "sources-equal-spend");
        assert_eq!(
            found[0].message,
            "2025/26: funding sources total £1,200 but schemes spend £1,100 (£100 not allocated to a scheme)"
        );
        assert_eq!(
            found[1].message,
            "2025/26, NHS minimum contribution: £1,000 pooled, £900 spent by schemes"
        );
        assert_eq!(
            found[1].link,
            "/areas/kent/plans/2025-26/schemes?source=nhs"
        );
        assert_eq!(found.len(), 2);
        facts.scheme_spend.push(money("extra", 300));
        assert!(
            failures(&facts, "sources-equal-spend")[0]
                .message
                .contains("£200 more than is pooled")
        );
    }

    #[test]
    fn the_pool_must_reach_a_recorded_minimum() {
        let mut facts = passing();
        facts.minimums = vec![("2025-26".into(), Pence::pounds(1_250))];
        let found = failures(&facts, "pool-at-least-minimum");
        assert_eq!(
            found[0].message,
            "2025/26: the pooled fund of £1,200 is £50 short of the notified minimum of £1,250"
        );
        facts.minimums.clear();
        let found = failures(&facts, "pool-at-least-minimum");
        assert_eq!(found[0].message, "2025/26: no notified minimum is recorded");
        assert_eq!(
            found[0].link,
            "/areas/kent/plans/2025-26/funding/minimum/2025-26#minimum"
        );
    }

    #[test]
    fn each_mandated_stream_needs_money_and_optional_ones_do_not() {
        let mut facts = passing();
        facts.funding.retain(|line| line.stream_key != "dfg");
        facts.funding.push(money("dfg", 0));
        let found = failures(&facts, "mandated-streams");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "Disabled Facilities Grant is mandated but no partner puts money into it"
        );
    }

    #[test]
    fn each_metric_needs_a_baseline_and_every_period_goal() {
        let mut facts = passing();
        facts.metrics[0].has_baseline = false;
        facts.metrics[0].periods_with_goals = vec!["q1".into()];
        let found = failures(&facts, "metrics");
        assert_eq!(
            found[0].message,
            "Emergency admissions (65+) has no baseline"
        );
        assert_eq!(
            found[0].link,
            "/areas/kent/plans/2025-26/metrics/admissions#baseline_value"
        );
        assert_eq!(
            found[1].message,
            "Emergency admissions (65+) has no goal for Q2"
        );
        assert_eq!(
            found[1].link,
            "/areas/kent/plans/2025-26/metrics/admissions#goal-q2"
        );
        facts.metrics.clear();
        assert_eq!(
            failures(&facts, "metrics").len(),
            2,
            "nothing entered at all"
        );
    }

    #[test]
    fn each_open_risk_needs_an_owner_a_mitigation_and_a_review_not_yet_past() {
        let mut facts = passing();
        facts.open_risks[0].owner = " ".into();
        facts.open_risks[0].has_mitigation = false;
        facts.open_risks[0].review = date!(2025 - 12 - 03);
        let found = failures(&facts, "risks");
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Risk R1 (Demand) has no owner",
                "Risk R1 (Demand) has no controls or further actions to mitigate it",
                "Risk R1 (Demand) was due for review on 3 December 2025",
            ]
        );
        assert_eq!(found[2].link, "/areas/kent/risks/1#review");
    }

    #[test]
    fn each_section_must_be_completed() {
        let mut facts = passing();
        facts.sections[0].status = SectionStatus::ReadyForReview;
        let found = failures(&facts, "sections");
        assert_eq!(found[0].message, "Overview is ready for review");
        assert_eq!(found[0].link, "/areas/kent/plans/2025-26/sections/overview");
    }

    #[test]
    fn each_condition_must_be_answered() {
        let mut facts = passing();
        facts.answered_conditions.clear();
        let found = failures(&facts, "conditions");
        assert_eq!(
            found[0].message,
            "NC1: Plans to be jointly agreed is not answered"
        );
        assert_eq!(
            found[0].link,
            "/areas/kent/plans/2025-26/conditions/nc1#status"
        );
        assert_eq!(failing(&run(&structure(), &facts, &links())), 1);
    }
}
