//! Reading what the checks look at from every part's store, and running them: used by the
//! checks page and by the task list for its count of failing checks.

use super::{CheckResult, Links, MetricFact, MoneyFact, PlanFacts, RiskFact, SectionFact};
use sqlx::PgPool;
use time::Date;

use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::plans::parts::{conditions, funding, metrics, schemes};
use crate::plans::store::{self as plans, PlanSummary};
use crate::plans::templates::structure::CycleStructure;
use crate::risks::store as risks;
use crate::web::{AppError, format};

/// The plan's sections as the checks see them, read on their own (the checks page); the task
/// list, which reads its sections anyway, passes its own.
pub async fn sections(state: &AppState, plan: &PlanSummary) -> Result<Vec<SectionFact>, AppError> {
    Ok(section_facts(&state.pool, plan).await?)
}

async fn section_facts(pool: &PgPool, plan: &PlanSummary) -> Result<Vec<SectionFact>, sqlx::Error> {
    Ok(plans::section_states(pool, plan.id)
        .await?
        .into_iter()
        .map(|section| SectionFact {
            key: section.key,
            title: section.title,
            status: section.status,
        })
        .collect())
}

/// Reads everything else the checks look at: a fixed number of queries, one per part, on one
/// connection taken from the pool once (the pool checks a connection each time it hands one out
/// and takes it back: a round trip each, per statement otherwise).
async fn gather(
    pool: &PgPool,
    today: Date,
    area: &AreaSummary,
    plan: &PlanSummary,
    sections: Vec<SectionFact>,
) -> Result<PlanFacts, sqlx::Error> {
    let mut db = pool.acquire().await?;
    let db = &mut *db;
    let funding = funding::store::lines(&mut *db, plan.id)
        .await?
        .into_iter()
        .map(|line| MoneyFact {
            year_key: line.year_key,
            stream_key: line.stream_key,
            amount: line.amount,
        })
        .collect();
    let minimums = funding::store::current_minimums(&mut *db, plan.id)
        .await?
        .into_iter()
        .map(|minimum| (minimum.year_key, minimum.amount))
        .collect();
    let scheme_spend = schemes::store::spend_totals(&mut *db, plan.id)
        .await?
        .into_iter()
        .map(|spend| MoneyFact {
            year_key: spend.year_key,
            stream_key: spend.stream_key,
            amount: spend.spend,
        })
        .collect();
    let metrics = metrics::store::current_goals(&mut *db, plan.id)
        .await?
        .into_iter()
        .map(|goals| MetricFact {
            has_baseline: goals.baseline.is_some(),
            periods_with_goals: goals.goals.keys().cloned().collect(),
            metric_key: goals.metric_key,
        })
        .collect();
    let answered_conditions = conditions::store::current_answers(&mut *db, plan.id)
        .await?
        .into_iter()
        .map(|answer| answer.condition_key)
        .collect();
    let open_risks = risks::open_risk_outlines(db, area.id)
        .await?
        .into_iter()
        .map(|risk| RiskFact {
            number: risk.number,
            has_mitigation: !risk.controls.trim().is_empty() || risk.actions > 0,
            owner: risk.owner_person,
            title: risk.title,
            review: risk.review,
        })
        .collect();
    Ok(PlanFacts {
        sections,
        funding,
        minimums,
        scheme_spend,
        metrics,
        answered_conditions,
        open_risks,
        today,
    })
}

/// Runs the checks over the plan as it stands.
pub async fn check_plan(
    state: &AppState,
    area: &AreaSummary,
    plan: &PlanSummary,
    structure: &CycleStructure,
    sections: Vec<SectionFact>,
) -> Result<Vec<CheckResult>, AppError> {
    let today = format::in_london(state.clock.now()).date();
    let facts = gather(&state.pool, today, area, plan, sections).await?;
    Ok(run_over(structure, &facts, area, plan))
}

/// Runs the checks over the plan as it stands, as they would have been judged on `today`: for
/// the demo, which builds plans whose sign-off began in the past.
pub async fn check_plan_on(
    pool: &PgPool,
    today: Date,
    area: &AreaSummary,
    plan: &PlanSummary,
    structure: &CycleStructure,
) -> Result<Vec<CheckResult>, sqlx::Error> {
    let sections = section_facts(pool, plan).await?;
    let facts = gather(pool, today, area, plan, sections).await?;
    Ok(run_over(structure, &facts, area, plan))
}

fn run_over(
    structure: &CycleStructure,
    facts: &PlanFacts,
    area: &AreaSummary,
    plan: &PlanSummary,
) -> Vec<CheckResult> {
    let links = Links {
        plan: format!("/areas/{}/plans/{}", area.slug, plan.template_key),
        area: format!("/areas/{}", area.slug),
    };
    super::run(structure, facts, &links)
}
