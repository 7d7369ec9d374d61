//! Reading a whole plan's content in a fixed number of queries, whatever its size: one per
//! part, each in the store that owns its table; this file only composes them, naming what the
//! stores hold by key (years, streams, metrics, periods, conditions) as the plan's structure
//! names them.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::{
    BaselineEntry, ConditionEntry, ContributionContent, EngagementEntry, FundingLineContent,
    GoalEntry, MetricEntry, MinimumContent, PlanContent, RiskAction, RiskEntry, RiskRating,
    RiskShare, SchemeEntry, SchemeYear, SectionContent,
};
use crate::areas::OrganisationId;
use crate::areas::store::AreaSummary;
use crate::plans::parts::schemes::SchemeType;
use crate::plans::parts::{conditions, engagement, funding, metrics, schemes};
use crate::plans::store::{self as plans_store, PlanSummary};
use crate::plans::templates::structure::CycleStructure;
use crate::risks::content::{RiskContent, iso};
use crate::risks::matrix::Score;
use crate::risks::store as risks_store;

/// The plan's content now. Called inside the transaction that freezes the plan, so it reads
/// what the freeze protects.
pub async fn content(
    db: &mut PgConnection,
    area: &AreaSummary,
    plan: &PlanSummary,
    structure: &CycleStructure,
) -> Result<PlanContent, sqlx::Error> {
    let sections = plans_store::section_texts(&mut *db, plan.id).await?;
    let contributions = plans_store::contribution_texts(&mut *db, plan.id).await?;
    let lines = funding::store::lines(&mut *db, plan.id).await?;
    let minimums = funding::store::current_minimums(&mut *db, plan.id).await?;
    let schemes = schemes::store::scheme_texts(&mut *db, plan.id).await?;
    let goals = metrics::store::current_versions(&mut *db, plan.id).await?;
    let answers = conditions::store::current_answers(&mut *db, plan.id).await?;
    let entries = engagement::store::list_entries(&mut *db, plan.id).await?;
    let risks = risks_store::list_risks(&mut *db, area.id).await?;
    let named: Vec<OrganisationId> = risks
        .iter()
        .flat_map(|risk| organisations_named(&risk.content))
        .collect();
    let organisations: BTreeMap<OrganisationId, String> =
        risks_store::organisation_names(&mut *db, &named)
            .await?
            .into_iter()
            .collect();
    Ok(PlanContent {
        area: area.name.clone(),
        template_key: plan.template_key.clone(),
        template_name: plan.template_name.clone(),
        sections: sections
            .into_iter()
            .map(|section| SectionContent {
                contributions: contributions
                    .iter()
                    .filter(|c| c.plan_section_id == section.id)
                    .map(|c| ContributionContent {
                        organisation: c.organisation.clone(),
                        body: c.body.clone(),
                    })
                    .collect(),
                key: section.key,
                title: section.title,
                assigned_organisation: section.assigned_organisation,
                body: section.body,
            })
            .collect(),
        funding: lines
            .into_iter()
            .map(|line| FundingLineContent {
                year: structure.year_label(&line.year_key),
                organisation: line.organisation_name,
                stream: structure.stream_name(&line.stream_key),
                pence: line.amount.get(),
            })
            .collect(),
        minimums: minimums
            .into_iter()
            .map(|minimum| MinimumContent {
                year: structure.year_label(&minimum.year_key),
                pence: minimum.amount.get(),
            })
            .collect(),
        schemes: schemes
            .into_iter()
            .map(|scheme| SchemeEntry {
                number: scheme.number,
                name: scheme.name,
                scheme_type: SchemeType::parse(&scheme.scheme_type)
                    .map(|kind| kind.label().to_owned())
                    .unwrap_or(scheme.scheme_type),
                objective: scheme.objective,
                lead_commissioner: scheme.lead_commissioner,
                provider: scheme.provider,
                funding_source: structure.stream_name(&scheme.funding_source),
                years: scheme
                    .years
                    .iter()
                    .zip(scheme.spends)
                    .zip(scheme.benefits)
                    .map(|((year, spend), benefit)| SchemeYear {
                        year: structure.year_label(year),
                        spend_pence: spend,
                        benefit_pence: benefit,
                    })
                    .collect(),
                metrics: scheme
                    .metrics
                    .iter()
                    .map(|key| structure.metric_name(key))
                    .collect(),
                risks: scheme
                    .risk_numbers
                    .into_iter()
                    .map(crate::risks::reference)
                    .collect(),
            })
            .collect(),
        metrics: structure
            .metrics()
            .iter()
            .filter_map(|metric| {
                let version = goals.iter().find(|g| g.metric_key == metric.key)?;
                let period = |key: &str| {
                    metric
                        .periods
                        .iter()
                        .find(|p| p.key == key)
                        .map_or_else(|| key.to_owned(), |p| p.label.clone())
                };
                Some(MetricEntry {
                    name: metric.name.clone(),
                    unit: metric.unit.clone(),
                    baseline: version.set.baseline.as_ref().map(|b| BaselineEntry {
                        hundredths: b.value.hundredths(),
                        period: period(&b.period),
                    }),
                    goals: metric
                        .periods
                        .iter()
                        .filter_map(|p| {
                            let value = version.set.goals.get(&p.key)?;
                            Some(GoalEntry {
                                period: p.label.clone(),
                                hundredths: value.hundredths(),
                            })
                        })
                        .collect(),
                    pay_for_performance_pence: version.set.pay_for_performance.map(|p| p.get()),
                    rationale: version.set.rationale.clone(),
                })
            })
            .collect(),
        conditions: structure
            .conditions()
            .iter()
            .filter_map(|condition| {
                let answer = answers.iter().find(|a| a.condition_key == condition.key)?;
                Some(ConditionEntry {
                    title: condition.title.clone(),
                    status: answer.status.label().to_owned(),
                    how: answer.how.clone(),
                })
            })
            .collect(),
        engagement: entries
            .into_iter()
            .map(|stored| EngagementEntry {
                held_on: iso(stored.entry.held_on),
                audience: stored.entry.audience,
                what_done: stored.entry.what_done,
                what_changed: stored.entry.what_changed,
            })
            .collect(),
        risks: risks
            .into_iter()
            .map(|risk| risk_entry(risk.number, risk.content, &organisations))
            .collect(),
    })
}

/// The organisations a risk names: its owner and those sharing it.
fn organisations_named(risk: &RiskContent) -> Vec<OrganisationId> {
    let mut ids = vec![risk.owner_organisation_id];
    if let Some(shares) = &risk.shares {
        ids.extend(shares.iter().map(|(partner, _)| partner));
    }
    ids
}

fn rating(score: Score) -> RiskRating {
    RiskRating {
        likelihood: score.likelihood,
        impact: score.impact,
        score: score.value,
        band: score.band.name,
    }
}

fn risk_entry(
    number: i32,
    risk: RiskContent,
    organisations: &BTreeMap<OrganisationId, String>,
) -> RiskEntry {
    let name = |id: OrganisationId| {
        organisations
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("Organisation {id}"))
    };
    RiskEntry {
        reference: crate::risks::reference(number),
        owner_organisation: name(risk.owner_organisation_id),
        sharing: risk
            .shares
            .as_ref()
            .map(|shares| {
                shares
                    .iter()
                    .map(|(partner, share)| RiskShare {
                        organisation: name(partner),
                        basis_points: share.basis_points(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        title: risk.title,
        cause: risk.cause,
        event: risk.event,
        effect: risk.effect,
        category: risk.category.label().to_owned(),
        owner_person: risk.owner_person,
        raised: iso(risk.raised),
        current: rating(risk.current),
        controls: risk.controls,
        actions: risk
            .actions
            .into_iter()
            .map(|action| RiskAction {
                description: action.description,
                owner: action.owner,
                due: iso(action.due),
                done: action.done,
            })
            .collect(),
        residual: rating(risk.residual),
        exposure_pence: risk.exposure.map(|exposure| exposure.pence().get()),
        review: iso(risk.review),
        status: risk.status.label().to_owned(),
        closure_reason: risk.closure_reason.map(|reason| reason.as_str().to_owned()),
    }
}
