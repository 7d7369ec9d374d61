//! The demo plans' metric goals, answers to the national conditions and engagement logs, so that
//! the checks show a mix of passes and failures. Rotherham 2014-16: every metric with goals, all
//! but the patient experience metric with a baseline (a failing check), the pay-for-performance
//! metric's quarterly goals revised once (so its earlier goals show), four of the six conditions
//! answered and two events logged. Rotherham BCF 2025-26: all three metrics and all four
//! conditions, set in March 2025 as that cycle's story goes, and one event. Kent 2014-16: two
//! metrics with goals and one event (the rest come with its completion). Each item is
//! added only when missing, so loading twice changes nothing; typed values go through the same
//! parsing as the forms.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::areas::store as areas;
use crate::auth::store as auth;
use crate::plans::parts::conditions::{self, AnswerForm};
use crate::plans::parts::engagement::{self, EntryForm};
use crate::plans::parts::metrics::{self, GoalForm};
use crate::plans::store as plans;
use crate::plans::templates::store::plan_structure;

/// A metric's goals as typed, saved on a day of the demo story (see `saved_at`); a later set for
/// the same metric revises the earlier one.
pub(super) struct DemoGoals {
    pub(super) metric: &'static str,
    pub(super) on: &'static str,
    pub(super) fields: &'static [(&'static str, &'static str)],
}

/// A condition's answer as typed.
pub(super) struct DemoAnswer {
    pub(super) condition: &'static str,
    pub(super) on: &'static str,
    pub(super) status: &'static str,
    pub(super) how: &'static str,
}

/// An engagement event as typed.
pub(super) struct DemoEvent {
    pub(super) held_on: &'static str,
    pub(super) audience: &'static str,
    pub(super) what_done: &'static str,
    pub(super) what_changed: &'static str,
}

/// One demo plan's parts (also those its completion adds), all saved by its lead.
pub(super) struct DemoPlan {
    pub(super) area: &'static str,
    pub(super) plan: &'static str,
    pub(super) lead: &'static str,
    pub(super) goals: &'static [DemoGoals],
    pub(super) answers: &'static [DemoAnswer],
    pub(super) events: &'static [DemoEvent],
}

const ROTHERHAM_2014: DemoPlan = DemoPlan {
    area: "rotherham",
    plan: "2014-16",
    lead: "rotherham.lead@itf.example",
    goals: &[
        DemoGoals {
            metric: "residential-admissions",
            on: "2014-03-20",
            fields: &[
                ("baseline_value", "780.5"),
                ("baseline_period", "2012-13 outturn"),
                ("goal-2014-15", "760"),
                ("goal-2015-16", "740"),
                (
                    "rationale",
                    "Reablement first and extra care housing keep people at home for longer.",
                ),
            ],
        },
        DemoGoals {
            metric: "reablement-91-days",
            on: "2014-03-20",
            fields: &[
                ("baseline_value", "82.3"),
                ("baseline_period", "2012-13 outturn"),
                ("goal-2014-15", "84"),
                ("goal-2015-16", "85.5"),
            ],
        },
        DemoGoals {
            metric: "delayed-transfers",
            on: "2014-03-20",
            fields: &[
                ("baseline_value", "310.2"),
                ("baseline_period", "2013-14, April to December"),
                ("goal-2014-15", "290"),
                ("goal-2015-16", "275"),
            ],
        },
        DemoGoals {
            metric: "emergency-admissions",
            on: "2014-03-20",
            fields: &[
                ("baseline_value", "2,150"),
                ("baseline_period", "2012-13 outturn"),
                ("goal-2014-15", "2,090"),
                ("goal-2015-16", "2,030"),
            ],
        },
        // No baseline yet: the local interim measure's first survey is still to run.
        DemoGoals {
            metric: "patient-experience",
            on: "2014-03-20",
            fields: &[
                ("goal-2014-15", "65"),
                ("goal-2015-16", "70"),
                (
                    "rationale",
                    "The baseline comes from the first *Your care, your say* survey, due in June 2014.",
                ),
            ],
        },
        DemoGoals {
            metric: "local",
            on: "2014-03-20",
            fields: &[
                ("baseline_value", "12.4"),
                (
                    "baseline_period",
                    "2012-13, emergency readmissions within 30 days (%)",
                ),
                ("goal-2014-15", "12"),
                ("goal-2015-16", "11.5"),
            ],
        },
        // First submitted in September 2014, then revised after the payment rules changed.
        DemoGoals {
            metric: "non-elective-admissions",
            on: "2014-09-19",
            fields: &[
                ("baseline_value", "7,420"),
                ("baseline_period", "Q4 2013-14"),
                ("goal-q4-2014-15", "7,350"),
                ("goal-q1-2015-16", "7,300"),
                ("goal-q2-2015-16", "7,260"),
                ("goal-q3-2015-16", "7,200"),
                ("pay_for_performance", "£1,100,000"),
            ],
        },
        DemoGoals {
            metric: "non-elective-admissions",
            on: "2015-01-08",
            fields: &[
                ("baseline_value", "7,420"),
                ("baseline_period", "Q4 2013-14"),
                ("goal-q4-2014-15", "7,300"),
                ("goal-q1-2015-16", "7,250"),
                ("goal-q2-2015-16", "7,180"),
                ("goal-q3-2015-16", "7,160"),
                ("pay_for_performance", "£1,234,000"),
                (
                    "rationale",
                    "A 3.5% reduction by Q3 2015/16, from the integrated rapid response service and the falls pathway.",
                ),
            ],
        },
    ],
    answers: &[
        DemoAnswer {
            condition: "jointly-agreed",
            on: "2014-03-25",
            status: "met",
            how: "Agreed by the council and NHS Rotherham CCG, and signed off by the Health and Wellbeing Board on 26 March 2014.",
        },
        DemoAnswer {
            condition: "protecting-social-care",
            on: "2014-03-25",
            status: "met",
            how: "£5.2m of the fund maintains eligibility at *substantial* and funds reablement and carers' breaks.",
        },
        DemoAnswer {
            condition: "seven-day-services",
            on: "2014-03-25",
            status: "in-progress",
            how: "Weekend social work at the hospital from October 2014; community nursing rotas change in April 2015.",
        },
        DemoAnswer {
            condition: "data-sharing",
            on: "2014-03-25",
            status: "in-progress",
            how: "The NHS number is on 92% of social care records; the shared record goes live in 2015.",
        },
    ],
    events: &[
        DemoEvent {
            held_on: "2013-11-27",
            audience: "Healthwatch Rotherham members and carers",
            what_done: "An evening event at the town hall on the draft priorities, with table discussions.",
            what_changed: "Carers' breaks became a priority of their own, funded from the pool.",
        },
        DemoEvent {
            held_on: "2014-01-15",
            audience: "Home care and care home providers",
            what_done: "A providers' workshop on seven-day discharge and the reablement model.",
            what_changed: "Weekend discharge is to be piloted with two care homes first.",
        },
    ],
};

const ROTHERHAM_2025: DemoPlan = DemoPlan {
    area: "rotherham",
    plan: "2025-26",
    lead: "rotherham.lead@itf.example",
    goals: &[
        DemoGoals {
            metric: "emergency-admissions-65-plus",
            on: "2025-03-05",
            fields: &[
                ("baseline_value", "545.2"),
                ("baseline_period", "2024-25 quarterly average"),
                ("goal-q1-2025-26", "538"),
                ("goal-q2-2025-26", "532"),
                ("goal-q3-2025-26", "555"),
                ("goal-q4-2025-26", "520"),
                (
                    "rationale",
                    "Winter (Q3) stays above the baseline; urgent community response and virtual wards bring the rest of the year down.",
                ),
            ],
        },
        DemoGoals {
            metric: "discharge-delay-days",
            on: "2025-03-05",
            fields: &[
                ("baseline_value", "1.8"),
                ("baseline_period", "Q4 2024-25"),
                ("goal-q1-2025-26", "1.7"),
                ("goal-q2-2025-26", "1.6"),
                ("goal-q3-2025-26", "1.6"),
                ("goal-q4-2025-26", "1.5"),
            ],
        },
        DemoGoals {
            metric: "care-home-admissions-65-plus",
            on: "2025-03-05",
            fields: &[
                ("baseline_value", "145.5"),
                ("baseline_period", "2024-25 quarterly average"),
                ("goal-q1-2025-26", "142"),
                ("goal-q2-2025-26", "140"),
                ("goal-q3-2025-26", "141"),
                ("goal-q4-2025-26", "138"),
            ],
        },
    ],
    answers: &[
        DemoAnswer {
            condition: "nc1",
            on: "2025-03-12",
            status: "met",
            how: "Agreed by the council and NHS South Yorkshire ICB; the board approves it at its next meeting.",
        },
        DemoAnswer {
            condition: "nc2",
            on: "2025-03-12",
            status: "met",
            how: "The schemes are set against both objectives; see the funding and schemes.",
        },
        DemoAnswer {
            condition: "nc3",
            on: "2025-03-12",
            status: "met",
            how: "The adult social care spend from the NHS minimum contribution rises by the required uplift.",
        },
        DemoAnswer {
            condition: "nc4",
            on: "2025-03-12",
            status: "met",
            how: "The partners take part in the regional BCF oversight and support process.",
        },
    ],
    events: &[DemoEvent {
        held_on: "2025-02-20",
        audience: "Voluntary Action Rotherham's forum and unpaid carers",
        what_done: "A session on the 2025-26 objectives and the carers' offer.",
        what_changed: "Carers' assessments are offered at discharge from April.",
    }],
};

const KENT_2014: DemoPlan = DemoPlan {
    area: "kent",
    plan: "2014-16",
    lead: "kent.lead@itf.example",
    goals: &[
        DemoGoals {
            metric: "residential-admissions",
            on: "2014-02-10",
            fields: &[
                ("baseline_value", "712.9"),
                ("baseline_period", "2012-13 outturn"),
                ("goal-2014-15", "695"),
                ("goal-2015-16", "680"),
            ],
        },
        DemoGoals {
            metric: "reablement-91-days",
            on: "2014-02-10",
            fields: &[
                ("baseline_value", "86.4"),
                ("baseline_period", "2012-13 outturn"),
                ("goal-2014-15", "87"),
                ("goal-2015-16", "88"),
            ],
        },
    ],
    answers: &[],
    events: &[DemoEvent {
        held_on: "2014-01-22",
        audience: "Kent's home care and care home providers",
        what_done: "A workshop on the integration plan at County Hall.",
        what_changed: "",
    }],
};

/// Adds the demo plans' goals, answers and events that are missing. Kent's first, so that its
/// engagement entry is the first one (the access tests name it).
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    for demo in [&KENT_2014, &ROTHERHAM_2014, &ROTHERHAM_2025] {
        seed_plan(pool, demo).await?;
    }
    Ok(())
}

/// When something saved on `day` is stamped: mid-morning of a real date, now for "today", or
/// some hours before now for "now-30h".
fn saved_at(day: &str, now: OffsetDateTime) -> anyhow::Result<OffsetDateTime> {
    if day == "today" {
        return Ok(now);
    }
    if let Some(hours) = day
        .strip_prefix("now-")
        .and_then(|rest| rest.strip_suffix('h'))
        .and_then(|hours| hours.parse::<i64>().ok())
    {
        return Ok(now - Duration::hours(hours));
    }
    let date = crate::risks::content::parse_date(day)
        .ok_or_else(|| anyhow::anyhow!("demo day {day:?} is not a date"))?;
    Ok(date.with_time(time::Time::from_hms(10, 0, 0)?).assume_utc())
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn problems(errors: &crate::web::form::FormErrors) -> String {
    errors
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Adds the plan's goals (for metrics without any), answers (to conditions not answered) and
/// events (to an empty log).
pub(super) async fn seed_plan(pool: &PgPool, demo: &DemoPlan) -> anyhow::Result<()> {
    let Some(area) = areas::find_area_by_slug(pool, demo.area).await? else {
        return Ok(());
    };
    let Some(plan) = plans::find_plan(pool, area.id, demo.plan).await? else {
        return Ok(());
    };
    let Some(structure) = plan_structure(pool, plan.id).await? else {
        return Ok(());
    };
    let lead = auth::find_user_id_by_email(pool, demo.lead)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {} is missing", demo.lead))?;
    let now = OffsetDateTime::now_utc();
    let had_goals: Vec<String> = metrics::store::current_goals(pool, plan.id)
        .await?
        .into_iter()
        .map(|goals| goals.metric_key)
        .collect();
    let answered: Vec<String> = conditions::store::current_answers(pool, plan.id)
        .await?
        .into_iter()
        .map(|answer| answer.condition_key)
        .collect();
    let has_events = !engagement::store::list_entries(pool, plan.id)
        .await?
        .is_empty();
    let mut tx = pool.begin().await?;
    let mut current: Vec<(String, metrics::GoalSetId)> = Vec::new();
    for goals in demo.goals {
        if had_goals.iter().any(|key| key == goals.metric) {
            continue;
        }
        let metric = structure
            .metrics()
            .iter()
            .find(|metric| metric.key == goals.metric)
            .ok_or_else(|| anyhow::anyhow!("demo metric {} is not in the plan", goals.metric))?;
        let set = GoalForm::new(owned(goals.fields))
            .parse(metric)
            .map_err(|errors| {
                anyhow::anyhow!("demo goals {}: {}", goals.metric, problems(&errors))
            })?;
        let based_on = current
            .iter()
            .find(|(key, _)| key == goals.metric)
            .map(|(_, id)| *id);
        let id = metrics::store::save_goals(
            &mut tx,
            plan.id,
            &metric.key,
            based_on,
            &set,
            saved_at(goals.on, now)?,
            lead,
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo goals {} changed meanwhile", goals.metric))?;
        current.retain(|(key, _)| key != goals.metric);
        current.push((metric.key.clone(), id));
    }
    for answer in demo.answers {
        if answered.iter().any(|key| key == answer.condition) {
            continue;
        }
        let parsed = AnswerForm {
            status: answer.status.to_owned(),
            how: answer.how.to_owned(),
            based_on: String::new(),
        }
        .parse()
        .map_err(|errors| {
            anyhow::anyhow!("demo answer {}: {}", answer.condition, problems(&errors))
        })?;
        conditions::store::save_answer(
            &mut tx,
            plan.id,
            answer.condition,
            None,
            &parsed,
            saved_at(answer.on, now)?,
            lead,
        )
        .await?;
    }
    if !has_events {
        for event in demo.events {
            let entry = EntryForm {
                held_on: event.held_on.to_owned(),
                audience: event.audience.to_owned(),
                what_done: event.what_done.to_owned(),
                what_changed: event.what_changed.to_owned(),
                version: String::new(),
            }
            .parse()
            .map_err(|errors| {
                anyhow::anyhow!("demo event {}: {}", event.audience, problems(&errors))
            })?;
            engagement::store::add_entry(
                &mut tx,
                plan.id,
                &entry,
                saved_at(event.held_on, now)?,
                lead,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_days_are_dates_or_today() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(saved_at("today", now).unwrap(), now);
        assert_eq!(saved_at("now-30h", now).unwrap(), now - Duration::hours(30));
        assert_eq!(
            saved_at("2014-03-20", now).unwrap(),
            time::macros::datetime!(2014-03-20 10:00 UTC)
        );
        assert!(saved_at("someday", now).is_err());
    }

    #[test]
    fn every_demo_answer_and_event_is_valid_as_typed() {
        for demo in [&KENT_2014, &ROTHERHAM_2014, &ROTHERHAM_2025] {
            for answer in demo.answers {
                let form = AnswerForm {
                    status: answer.status.to_owned(),
                    how: answer.how.to_owned(),
                    based_on: String::new(),
                };
                assert!(form.parse().is_ok(), "{}", answer.condition);
            }
            for event in demo.events {
                let form = EntryForm {
                    held_on: event.held_on.to_owned(),
                    audience: event.audience.to_owned(),
                    what_done: event.what_done.to_owned(),
                    what_changed: event.what_changed.to_owned(),
                    version: String::new(),
                };
                assert!(form.parse().is_ok(), "{}", event.audience);
            }
        }
    }
}
