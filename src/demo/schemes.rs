//! The demo plans' schemes, so that the checks page shows passes and failures. Rotherham
//! 2014-16: six schemes, one per funding source, whose 2015/16 spend is exactly £20,000,000
//! (£10,000,000 of it from the mandated streams) and whose 2014/15 spend is £6,500,000 against
//! £6,600,000 of funding, so the "sources equal spend" check fails for 2014/15. Kent 2014-16: five
//! schemes spending £40,000,000 in 2015/16, far short of its £101.4m pool. Rotherham BCF
//! 2025-26: four schemes spending exactly its £39,817,000, added in February 2025 as that cycle's
//! story goes. Added only to a plan with no schemes, so loading twice changes nothing.

use sqlx::PgPool;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::areas::OrganisationId;
use crate::areas::store as areas;
use crate::auth::store as auth;
use crate::plans::parts::schemes::{SchemeContent, SchemeType, YearAmount, store};
use crate::plans::store as plans;
use crate::plans::templates::store::plan_structure;
use crate::web::money::Pence;

/// A scheme as the form gives it (also the completed demo plans' further schemes).
pub(super) struct DemoScheme {
    pub(super) name: &'static str,
    pub(super) scheme_type: SchemeType,
    pub(super) objective: &'static str,
    /// The lead commissioner's name (a partner of the area).
    pub(super) lead: &'static str,
    pub(super) provider: &'static str,
    pub(super) source: &'static str,
    /// (year key, spend, expected benefit), in whole pounds.
    pub(super) amounts: &'static [(&'static str, i64, i64)],
    pub(super) metrics: &'static [&'static str],
}

struct DemoPlan {
    area: &'static str,
    plan: &'static str,
    /// Who the schemes are recorded as added by.
    author: &'static str,
    /// When they were added; `None`: six days before the demo is loaded.
    at: Option<OffsetDateTime>,
    schemes: &'static [DemoScheme],
}

const ROTHERHAM_COUNCIL: &str = "Rotherham Metropolitan Borough Council";
const ROTHERHAM_CCG: &str = "NHS Rotherham CCG";
const SOUTH_YORKSHIRE_ICB: &str = "NHS South Yorkshire ICB";
const KENT_COUNCIL: &str = "Kent County Council";
const ROTHERHAM_TRUST: &str = "The Rotherham NHS Foundation Trust";

const PLANS: &[DemoPlan] = &[
    DemoPlan {
        area: "rotherham",
        plan: "2014-16",
        author: "rotherham.lead@itf.example",
        at: None,
        schemes: &[
            DemoScheme {
                name: "Integrated rapid response",
                scheme_type: SchemeType::IntermediateCare,
                objective: "A response within two hours to people at risk of going into hospital, seven days a week, so that they are cared for at home.",
                lead: ROTHERHAM_COUNCIL,
                provider: ROTHERHAM_TRUST,
                source: "nhs-transfer-to-social-care",
                amounts: &[
                    ("2014-15", 5_500_000, 300_000),
                    ("2015-16", 6_100_000, 850_000),
                ],
                metrics: &["emergency-admissions", "non-elective-admissions"],
            },
            DemoScheme {
                name: "Reablement and intermediate care",
                scheme_type: SchemeType::Reablement,
                objective: "Short-term support after a stay in hospital, so that more people are still at home 91 days later.",
                lead: ROTHERHAM_CCG,
                provider: "Rotherham Metropolitan Borough Council reablement service",
                source: "ccg-reablement",
                amounts: &[("2015-16", 1_600_000, 400_000)],
                metrics: &["reablement-91-days", "delayed-transfers"],
            },
            DemoScheme {
                name: "Carers' support",
                scheme_type: SchemeType::Carers,
                objective: "Breaks, advice and assessments for carers, so that they can keep caring.",
                lead: ROTHERHAM_COUNCIL,
                provider: "Voluntary Action Rotherham",
                source: "carers-breaks",
                amounts: &[("2015-16", 600_000, 0)],
                metrics: &["patient-experience"],
            },
            DemoScheme {
                name: "Adaptations and equipment",
                scheme_type: SchemeType::DisabledFacilitiesGrant,
                objective: "Adaptations to people's homes and equipment that let them live there safely.",
                lead: ROTHERHAM_COUNCIL,
                provider: "Rotherham home improvement agency",
                source: "disabled-facilities-grant",
                amounts: &[("2014-15", 1_000_000, 0), ("2015-16", 1_050_000, 150_000)],
                metrics: &["residential-admissions"],
            },
            DemoScheme {
                name: "Social care capital",
                scheme_type: SchemeType::Enablers,
                objective: "Shared care records and the systems behind seven-day working.",
                lead: ROTHERHAM_COUNCIL,
                provider: "Rotherham Metropolitan Borough Council",
                source: "social-care-capital-grant",
                amounts: &[("2015-16", 650_000, 0)],
                metrics: &[],
            },
            DemoScheme {
                name: "Care coordination centre",
                scheme_type: SchemeType::IntegratedCarePlanning,
                objective: "One place that coordinates community health and social care for people with several long-term conditions.",
                lead: ROTHERHAM_CCG,
                provider: ROTHERHAM_TRUST,
                source: "additional-ccg-contribution",
                amounts: &[("2015-16", 10_000_000, 1_800_000)],
                metrics: &["emergency-admissions", "delayed-transfers"],
            },
        ],
    },
    DemoPlan {
        area: "kent",
        plan: "2014-16",
        author: "kent.lead@itf.example",
        at: None,
        schemes: &[
            DemoScheme {
                name: "Integrated discharge teams",
                scheme_type: SchemeType::IntermediateCare,
                objective: "Seven-day community health and social care teams supporting discharge from hospital.",
                lead: "NHS West Kent CCG",
                provider: "Kent Community Health NHS Trust",
                source: "ccg-minimum-contribution",
                amounts: &[("2015-16", 12_000_000, 2_000_000)],
                metrics: &["delayed-transfers", "emergency-admissions"],
            },
            DemoScheme {
                name: "Kent enablement at home",
                scheme_type: SchemeType::Reablement,
                objective: "Up to six weeks' enablement after a crisis or a stay in hospital.",
                lead: KENT_COUNCIL,
                provider: "Kent County Council enablement service",
                source: "ccg-reablement",
                amounts: &[("2015-16", 8_000_000, 1_000_000)],
                metrics: &["reablement-91-days"],
            },
            DemoScheme {
                name: "Community equipment and telecare",
                scheme_type: SchemeType::AssistiveTechnology,
                objective: "Equipment and telecare that keep people independent at home.",
                lead: KENT_COUNCIL,
                provider: "Kent community equipment service",
                source: "nhs-transfer-to-social-care",
                amounts: &[("2015-16", 8_000_000, 500_000)],
                metrics: &["residential-admissions"],
            },
            DemoScheme {
                name: "Carers' short breaks",
                scheme_type: SchemeType::Carers,
                objective: "Short breaks and support for Kent's carers.",
                lead: KENT_COUNCIL,
                provider: "Kent carers' organisations",
                source: "carers-breaks",
                amounts: &[("2015-16", 5_000_000, 0)],
                metrics: &["patient-experience"],
            },
            DemoScheme {
                name: "Home adaptations",
                scheme_type: SchemeType::DisabledFacilitiesGrant,
                objective: "Adaptations paid for by the Disabled Facilities Grant through Kent's district councils.",
                lead: KENT_COUNCIL,
                provider: "Kent's district councils",
                source: "disabled-facilities-grant",
                amounts: &[("2015-16", 7_000_000, 0)],
                metrics: &[],
            },
        ],
    },
    DemoPlan {
        area: "rotherham",
        plan: "2025-26",
        author: "rotherham.lead@itf.example",
        // Once the income was agreed, ahead of the metric goals.
        at: Some(datetime!(2025-02-24 11:00 UTC)),
        schemes: &[
            DemoScheme {
                name: "Discharge to assess",
                scheme_type: SchemeType::IntermediateCare,
                objective: "Objective 2, hospital to home: people go home from hospital and are assessed there.",
                lead: SOUTH_YORKSHIRE_ICB,
                provider: ROTHERHAM_TRUST,
                source: "nhs-minimum-contribution",
                amounts: &[("2025-26", 15_000_000, 1_200_000)],
                metrics: &["discharge-delay-days"],
            },
            DemoScheme {
                name: "Adult social care from the NHS minimum",
                scheme_type: SchemeType::HomeCare,
                objective: "Objective 1, prevention: home care that keeps people out of hospital and care homes.",
                lead: ROTHERHAM_COUNCIL,
                provider: "Rotherham's home care providers",
                source: "nhs-minimum-contribution",
                amounts: &[("2025-26", 11_431_000, 600_000)],
                metrics: &[
                    "care-home-admissions-65-plus",
                    "emergency-admissions-65-plus",
                ],
            },
            DemoScheme {
                name: "Reablement at home",
                scheme_type: SchemeType::Reablement,
                objective: "Objective 2, hospital to home: reablement after a stay in hospital.",
                lead: ROTHERHAM_COUNCIL,
                provider: "Rotherham Metropolitan Borough Council reablement service",
                source: "la-better-care-grant",
                amounts: &[("2025-26", 9_874_000, 500_000)],
                metrics: &["discharge-delay-days", "care-home-admissions-65-plus"],
            },
            DemoScheme {
                name: "Disabled Facilities Grant adaptations",
                scheme_type: SchemeType::DisabledFacilitiesGrant,
                objective: "Objective 1, prevention: adaptations that let people stay at home safely.",
                lead: ROTHERHAM_COUNCIL,
                provider: "Rotherham home improvement agency",
                source: "disabled-facilities-grant",
                amounts: &[("2025-26", 3_512_000, 0)],
                metrics: &[],
            },
        ],
    },
];

/// Adds the demo schemes to each demo plan that has none yet.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let last_week = OffsetDateTime::now_utc() - Duration::days(6);
    for demo in PLANS {
        let Some(area) = areas::find_area_by_slug(pool, demo.area).await? else {
            continue;
        };
        let Some(plan) = plans::find_plan(pool, area.id, demo.plan).await? else {
            continue;
        };
        if store::count(pool, plan.id).await? > 0 {
            continue;
        }
        let author = auth::find_user_id_by_email(pool, demo.author)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo account {} is missing", demo.author))?;
        let years = plan_years(pool, plan.id).await?;
        let at = demo.at.unwrap_or(last_week);
        let mut tx = pool.begin().await?;
        for scheme in demo.schemes {
            let lead = areas::find_organisation_id(&mut *tx, scheme.lead)
                .await?
                .ok_or_else(|| anyhow::anyhow!("demo organisation {} is missing", scheme.lead))?;
            store::create(&mut tx, plan.id, &content(scheme, lead, &years), at, author).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The keys of the plan's years, which every scheme gets an amount for, as the form gives them.
pub(super) async fn plan_years(
    pool: &PgPool,
    plan_id: crate::plans::PlanId,
) -> anyhow::Result<Vec<String>> {
    Ok(plan_structure(pool, plan_id)
        .await?
        .map(|structure| structure.years().iter().map(|y| y.key.clone()).collect())
        .unwrap_or_default())
}

/// The scheme as its form saves it: an amount for each of `years` (nothing where the demo gives
/// none), years and metrics in key order.
pub(super) fn content(
    scheme: &DemoScheme,
    lead: OrganisationId,
    years: &[String],
) -> SchemeContent {
    let mut amounts: Vec<YearAmount> = scheme
        .amounts
        .iter()
        .map(|(year_key, spend, benefit)| YearAmount {
            year_key: (*year_key).to_owned(),
            spend: Pence::pounds(*spend),
            benefit: Pence::pounds(*benefit),
        })
        .collect();
    for year in years {
        if !amounts.iter().any(|amount| amount.year_key == *year) {
            amounts.push(YearAmount {
                year_key: year.clone(),
                spend: Pence::ZERO,
                benefit: Pence::ZERO,
            });
        }
    }
    amounts.sort_by(|a, b| a.year_key.cmp(&b.year_key));
    let mut metrics: Vec<String> = scheme.metrics.iter().map(|m| (*m).to_owned()).collect();
    metrics.sort();
    SchemeContent {
        name: scheme.name.to_owned(),
        scheme_type: scheme.scheme_type,
        objective: scheme.objective.to_owned(),
        lead_commissioner: lead,
        provider: scheme.provider.to_owned(),
        funding_source: scheme.source.to_owned(),
        amounts,
        metrics,
        risks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spend of a demo plan in a year, in pounds, per funding source.
    fn spend(area: &str, plan: &str, year: &str) -> Vec<(&'static str, i64)> {
        let demo = PLANS
            .iter()
            .find(|demo| demo.area == area && demo.plan == plan)
            .expect("a demo plan");
        demo.schemes
            .iter()
            .flat_map(|scheme| {
                scheme
                    .amounts
                    .iter()
                    .filter(move |(key, _, _)| *key == year)
                    .map(move |(_, spend, _)| (scheme.source, *spend))
            })
            .collect()
    }

    fn total(spend: &[(&str, i64)]) -> i64 {
        spend.iter().map(|(_, pounds)| pounds).sum()
    }

    #[test]
    fn the_demo_sums_are_the_ones_the_checks_expect() {
        let rotherham = spend("rotherham", "2014-16", "2015-16");
        assert_eq!(total(&rotherham), 20_000_000);
        for (source, pounds) in [
            ("nhs-transfer-to-social-care", 6_100_000),
            ("carers-breaks", 600_000),
            ("ccg-reablement", 1_600_000),
            ("disabled-facilities-grant", 1_050_000),
            ("social-care-capital-grant", 650_000),
            ("additional-ccg-contribution", 10_000_000),
        ] {
            assert!(rotherham.contains(&(source, pounds)), "{source}");
        }
        let first_year = spend("rotherham", "2014-16", "2014-15");
        assert_eq!(total(&first_year), 6_500_000);
        assert!(first_year.contains(&("nhs-transfer-to-social-care", 5_500_000)));
        assert!(first_year.contains(&("disabled-facilities-grant", 1_000_000)));
        assert_eq!(total(&spend("kent", "2014-16", "2015-16")), 40_000_000);
        let current = spend("rotherham", "2025-26", "2025-26");
        assert_eq!(total(&current), 39_817_000);
        let of = |source: &str| -> i64 {
            current
                .iter()
                .filter(|(key, _)| *key == source)
                .map(|(_, pounds)| pounds)
                .sum()
        };
        assert_eq!(of("nhs-minimum-contribution"), 26_431_000);
        assert_eq!(of("la-better-care-grant"), 9_874_000);
        assert_eq!(of("disabled-facilities-grant"), 3_512_000);
    }
}
