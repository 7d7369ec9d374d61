//! The national view, pure: one row per area for one cycle — its plan's pooled fund and scheme
//! spend per year, each metric's baseline and goal with the planned change, the plan's sign-off
//! state, and when it was submitted against its deadline — the filters (region, plan state, on
//! time or late) and the totals of what the filters keep. The handlers read; this decides.

use std::collections::{BTreeMap, HashMap};

use time::{Date, OffsetDateTime};

use crate::deadlines::dashboard::{AreaInfo, PlanState};
use crate::keyed::keyed_enum;
use crate::plans::parts::metrics::{Baseline, MetricGoals, MetricValue, PlannedChange};
use crate::plans::templates::structure::CycleStructure;
use crate::signoff::state::{RoundState, Timeliness, timeliness};
use crate::signoff::store::submissions::LastSubmission;
use crate::web::format;
use crate::web::money::Pence;

keyed_enum! {
    /// How an area's plan stands against its submission deadline, as the view filters it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Punctuality {
        OnTime = ("on-time", "On time"),
        Late = ("late", "Late"),
        NotSubmitted = ("not-submitted", "Not submitted"),
    }
}

/// Everything the rows are made from, as the stores read it for the areas of one cycle.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub areas: Vec<AreaInfo>,
    /// Area id → the state of its plan's newest round (none: never sent for sign-off). An area
    /// without a plan of the cycle is absent.
    pub plans: BTreeMap<i64, Option<RoundState>>,
    /// (area id, year key, amount): the pooled fund of each year.
    pub pooled: Vec<(i64, String, Pence)>,
    /// (area id, year key, amount): the spend on schemes of each year.
    pub spend: Vec<(i64, String, Pence)>,
    pub goals: Vec<(i64, MetricGoals)>,
    pub submissions: Vec<LastSubmission>,
}

/// One metric of one area's plan: the baseline, the goal of the last period with one, and the
/// change that goal plans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricCell {
    pub baseline: Option<Baseline>,
    /// The goal's period (its label) and value.
    pub goal: Option<(String, MetricValue)>,
    pub change: Option<PlannedChange>,
}

/// When an area's plan was submitted and how that stood against its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub at: OffsetDateTime,
    /// The deadline the round was measured against (none: the round named none).
    pub deadline: Option<Date>,
    pub timeliness: Option<Timeliness>,
}

/// One area's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub area: AreaInfo,
    pub has_plan: bool,
    pub state: PlanState,
    /// One per year of the cycle: the pooled fund (none: no line of the year).
    pub pooled: Vec<Option<Pence>>,
    /// One per year of the cycle: the spend on schemes (none: no scheme spends in the year).
    pub spend: Vec<Option<Pence>>,
    /// One per metric of the cycle.
    pub metrics: Vec<MetricCell>,
    pub submitted: Option<Submitted>,
}

impl Row {
    pub fn punctuality(&self) -> Option<Punctuality> {
        match self.submitted {
            None => Some(Punctuality::NotSubmitted),
            Some(Submitted {
                timeliness: Some(Timeliness::OnTime),
                ..
            }) => Some(Punctuality::OnTime),
            Some(Submitted {
                timeliness: Some(Timeliness::LateByDays(_)),
                ..
            }) => Some(Punctuality::Late),
            // Submitted, but against no deadline: neither on time nor late.
            Some(_) => None,
        }
    }

    /// "On time", "3 days late", "Not submitted", or "No deadline".
    pub fn punctuality_words(&self) -> String {
        match self.submitted {
            None => Punctuality::NotSubmitted.label().to_owned(),
            Some(Submitted {
                timeliness: Some(timeliness),
                ..
            }) => timeliness.to_string(),
            Some(_) => "No deadline".to_owned(),
        }
    }

    /// The day it was submitted, in England, as people read it.
    pub fn submitted_on(&self) -> Option<Date> {
        self.submitted
            .map(|submitted| format::in_london(submitted.at).date())
    }
}

/// (area id, year key, amount) as a map from (area id, year key).
fn by_area_and_year(list: &[(i64, String, Pence)]) -> HashMap<(i64, &str), Pence> {
    list.iter()
        .map(|(area, key, amount)| ((*area, key.as_str()), *amount))
        .collect()
}

/// The rows of `facts`'s areas for the cycle with `structure`, by area name.
pub fn rows(structure: &CycleStructure, facts: &Facts) -> Vec<Row> {
    // Looked up by area (and year or metric) rather than searched: every area reads each list.
    let pooled = by_area_and_year(&facts.pooled);
    let spend = by_area_and_year(&facts.spend);
    let goals_of: HashMap<(i64, &str), &MetricGoals> = facts
        .goals
        .iter()
        .map(|(area, goals)| ((*area, goals.metric_key.as_str()), goals))
        .collect();
    let submission_of: HashMap<i64, &LastSubmission> = facts
        .submissions
        .iter()
        .map(|submission| (submission.area_id, submission))
        .collect();
    let amounts = |amounts: &HashMap<(i64, &str), Pence>, area_id: i64| -> Vec<Option<Pence>> {
        structure
            .years()
            .iter()
            .map(|year| amounts.get(&(area_id, year.key.as_str())).copied())
            .collect()
    };
    let mut rows: Vec<Row> = facts
        .areas
        .iter()
        .map(|area| {
            let plan = facts.plans.get(&area.id);
            let metrics = structure
                .metrics()
                .iter()
                .map(|metric| {
                    let goals = goals_of.get(&(area.id, metric.key.as_str())).copied();
                    let baseline = goals.and_then(|goals| goals.baseline.clone());
                    let goal = goals.and_then(|goals| {
                        metric.periods.iter().rev().find_map(|period| {
                            let value = goals.goals.get(&period.key)?;
                            Some((period.label.clone(), *value))
                        })
                    });
                    let change = match (&baseline, &goal) {
                        (Some(baseline), Some((_, goal))) => {
                            Some(PlannedChange::of(baseline.value, *goal, metric.better))
                        }
                        _ => None,
                    };
                    MetricCell {
                        baseline,
                        goal,
                        change,
                    }
                })
                .collect();
            let submitted = submission_of.get(&area.id).map(|submission| {
                let deadline = submission.deadline_key.as_deref().and_then(|key| {
                    structure
                        .dates()
                        .iter()
                        .find(|date| date.key == key)
                        .map(|date| date.date)
                });
                Submitted {
                    at: submission.submitted_at,
                    deadline,
                    timeliness: deadline
                        .map(|deadline| timeliness(deadline, submission.submitted_at)),
                }
            });
            Row {
                area: area.clone(),
                has_plan: plan.is_some(),
                state: plan.map_or(PlanState::NoPlan, |round| PlanState::of_round(*round)),
                pooled: amounts(&pooled, area.id),
                spend: amounts(&spend, area.id),
                metrics,
                submitted,
            }
        })
        .collect();
    rows.sort_by_cached_key(|row| (row.area.name.to_lowercase(), row.area.id));
    rows
}

/// What the rows are narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub region: Option<String>,
    pub state: Option<PlanState>,
    pub punctuality: Option<Punctuality>,
}

impl Filters {
    fn keeps(&self, row: &Row) -> bool {
        self.region
            .as_ref()
            .is_none_or(|region| row.area.region.as_ref() == Some(region))
            && self.state.is_none_or(|state| row.state == state)
            && self
                .punctuality
                .is_none_or(|punctuality| row.punctuality() == Some(punctuality))
    }
}

/// The rows `filters` keeps, in their order.
pub fn select(rows: Vec<Row>, filters: &Filters) -> Vec<Row> {
    rows.into_iter().filter(|row| filters.keeps(row)).collect()
}

/// The sums of the money of some rows, one per year of the cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub pooled: Vec<Pence>,
    pub spend: Vec<Pence>,
}

/// The totals of `rows` (areas without an amount count as nothing), for `years` years.
pub fn totals(rows: &[Row], years: usize) -> Totals {
    let sum = |column: fn(&Row) -> &Vec<Option<Pence>>| -> Vec<Pence> {
        (0..years)
            .map(|year| {
                Pence::new(
                    rows.iter()
                        .filter_map(|row| column(row).get(year).copied().flatten())
                        .map(Pence::get)
                        .sum(),
                )
            })
            .collect()
    };
    Totals {
        pooled: sum(|row| &row.pooled),
        spend: sum(|row| &row.spend),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::templates::structure::{
        DateKind, Direction, FinancialYear, KeyDate, Metric, Period, StructureParts,
    };
    use time::macros::{date, datetime};

    fn structure() -> CycleStructure {
        let period = |key: &str, label: &str| Period {
            key: key.into(),
            label: label.into(),
            starts: date!(2014 - 04 - 01),
            ends: date!(2015 - 03 - 31),
        };
        CycleStructure::new(StructureParts {
            years: vec![
                FinancialYear {
                    key: "2014-15".into(),
                    label: "2014/15".into(),
                },
                FinancialYear {
                    key: "2015-16".into(),
                    label: "2015/16".into(),
                },
            ],
            metrics: vec![Metric {
                key: "admissions".into(),
                name: "Admissions".into(),
                definition: "Admissions to care homes".into(),
                unit: "per 100,000".into(),
                better: Direction::Lower,
                periods: vec![period("2014-15", "2014/15"), period("2015-16", "2015/16")],
                pay_for_performance: false,
                unverified: None,
            }],
            dates: vec![KeyDate {
                key: "final".into(),
                title: "Final plans".into(),
                date: date!(2014 - 04 - 04),
                kind: DateKind::Deadline,
                unverified: None,
            }],
            ..StructureParts::default()
        })
        .expect("a valid structure")
    }

    fn area(id: i64, name: &str, region: &str) -> AreaInfo {
        AreaInfo {
            id,
            slug: name.to_lowercase(),
            name: name.into(),
            region: Some(region.into()),
        }
    }

    fn pounds(amount: i64) -> Pence {
        Pence::pounds(amount)
    }

    /// Kent: submitted on time, money in both years, a goal. Rotherham: submitted 3 days late,
    /// money in 2014/15 only. Dorset: no plan.
    fn facts() -> Facts {
        let submission = |area_id, at| LastSubmission {
            area_id,
            deadline_key: Some("final".into()),
            submitted_at: at,
        };
        Facts {
            areas: vec![
                area(2, "Rotherham", "North East and Yorkshire"),
                area(1, "Kent", "South East"),
                area(3, "Dorset", "South West"),
            ],
            plans: BTreeMap::from([
                (1, Some(RoundState::Submitted)),
                (2, Some(RoundState::Assured)),
            ]),
            pooled: vec![
                (1, "2014-15".into(), pounds(1_000)),
                (1, "2015-16".into(), pounds(2_000)),
                (2, "2014-15".into(), pounds(500)),
            ],
            spend: vec![(1, "2015-16".into(), pounds(1_500))],
            goals: vec![(
                1,
                MetricGoals {
                    metric_key: "admissions".into(),
                    baseline: Some(Baseline {
                        value: MetricValue::from_hundredths(80_000),
                        period: "2012-13".into(),
                    }),
                    goals: BTreeMap::from([
                        ("2014-15".into(), MetricValue::from_hundredths(79_000)),
                        ("2015-16".into(), MetricValue::from_hundredths(76_000)),
                    ]),
                    pay_for_performance: None,
                },
            )],
            submissions: vec![
                submission(1, datetime!(2014-04-04 16:00 UTC)),
                submission(2, datetime!(2014-04-07 09:00 UTC)),
            ],
        }
    }

    fn names(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|row| row.area.name.as_str()).collect()
    }

    #[test]
    fn each_area_has_its_money_goals_state_and_submission() {
        let rows = rows(&structure(), &facts());
        assert_eq!(names(&rows), ["Dorset", "Kent", "Rotherham"]);
        let kent = &rows[1];
        assert_eq!(kent.pooled, vec![Some(pounds(1_000)), Some(pounds(2_000))]);
        assert_eq!(kent.spend, vec![None, Some(pounds(1_500))]);
        assert_eq!(kent.state, PlanState::Submitted);
        let metric = &kent.metrics[0];
        assert_eq!(
            metric.goal,
            Some(("2015/16".into(), MetricValue::from_hundredths(76_000)))
        );
        assert_eq!(
            metric.change.map(PlannedChange::describe).as_deref(),
            Some("−40 (−5%), an improvement")
        );
        assert_eq!(kent.punctuality(), Some(Punctuality::OnTime));
        assert_eq!(kent.submitted_on(), Some(date!(2014 - 04 - 04)));
        let rotherham = &rows[2];
        assert_eq!(rotherham.punctuality_words(), "3 days late");
        assert_eq!(rotherham.metrics[0].change, None);
        let dorset = &rows[0];
        assert!(!dorset.has_plan);
        assert_eq!(dorset.state, PlanState::NoPlan);
        assert_eq!(dorset.punctuality(), Some(Punctuality::NotSubmitted));
    }

    #[test]
    fn filters_narrow_and_totals_sum_what_is_kept() {
        let all = rows(&structure(), &facts());
        let totals_of = |filters: Filters| {
            let kept = select(all.clone(), &filters);
            (names(&kept).join(", "), totals(&kept, 2))
        };
        let (kept, sums) = totals_of(Filters::default());
        assert_eq!(kept, "Dorset, Kent, Rotherham");
        assert_eq!(sums.pooled, vec![pounds(1_500), pounds(2_000)]);
        assert_eq!(sums.spend, vec![Pence::ZERO, pounds(1_500)]);
        let (kept, sums) = totals_of(Filters {
            punctuality: Some(Punctuality::Late),
            ..Filters::default()
        });
        assert_eq!(kept, "Rotherham");
        assert_eq!(sums.pooled, vec![pounds(500), Pence::ZERO]);
        let (kept, _) = totals_of(Filters {
            region: Some("South East".into()),
            state: Some(PlanState::Submitted),
            ..Filters::default()
        });
        assert_eq!(kept, "Kent");
        let (kept, _) = totals_of(Filters {
            state: Some(PlanState::NoPlan),
            ..Filters::default()
        });
        assert_eq!(kept, "Dorset");
    }
}
