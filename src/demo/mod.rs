//! Demo data: the Kent and Rotherham areas of 2013/14 with their boards, councils, CCGs and other
//! partners (from `shared/reference/itf-2014.md`). Loaded into a fresh embedded database and by
//! `itf-planner seed-demo`, with the demo accounts (`accounts`); every step is "add if missing",
//! so loading twice changes nothing.

pub mod accounts;
pub mod completion;
mod deadlines;
pub mod funding;
pub mod metrics;
pub mod plans;
pub mod risks;
pub mod scale;
pub mod schemes;
pub mod signoff;

use sqlx::PgPool;

use crate::areas::{AreaSlug, OrganisationKind, store};

struct DemoOrganisation {
    name: &'static str,
    kind: OrganisationKind,
    ods_code: Option<&'static str>,
    signs_plan: bool,
}

struct DemoArea {
    slug: &'static str,
    name: &'static str,
    board: &'static str,
    /// The NHS England region.
    region: &'static str,
    members: &'static [DemoOrganisation],
}

const fn partner(
    name: &'static str,
    kind: OrganisationKind,
    ods_code: Option<&'static str>,
) -> DemoOrganisation {
    DemoOrganisation {
        name,
        kind,
        ods_code,
        signs_plan: true,
    }
}

const fn participant(
    name: &'static str,
    kind: OrganisationKind,
    ods_code: Option<&'static str>,
) -> DemoOrganisation {
    DemoOrganisation {
        name,
        kind,
        ods_code,
        signs_plan: false,
    }
}

use OrganisationKind::{Ccg, Council, Icb, Other};

const DEMO_AREAS: [DemoArea; 2] = [
    DemoArea {
        slug: "kent",
        name: "Kent",
        board: "Kent Health and Wellbeing Board",
        region: "South East",
        members: &[
            partner("Kent County Council", Council, None),
            partner("NHS Ashford CCG", Ccg, Some("09C")),
            partner("NHS Canterbury and Coastal CCG", Ccg, Some("09E")),
            partner("NHS Dartford, Gravesham and Swanley CCG", Ccg, Some("09J")),
            partner("NHS South Kent Coast CCG", Ccg, Some("10A")),
            partner("NHS Swale CCG", Ccg, Some("10D")),
            partner("NHS Thanet CCG", Ccg, Some("10E")),
            partner("NHS West Kent CCG", Ccg, Some("99J")),
        ],
    },
    DemoArea {
        slug: "rotherham",
        name: "Rotherham",
        board: "Rotherham Health and Wellbeing Board",
        region: "North East and Yorkshire",
        members: &[
            partner("Rotherham Metropolitan Borough Council", Council, None),
            partner("NHS Rotherham CCG", Ccg, Some("03L")),
            participant("The Rotherham NHS Foundation Trust", Other, Some("RFR")),
            participant(
                "Rotherham Doncaster and South Humber NHS Foundation Trust",
                Other,
                Some("RXE"),
            ),
            participant("Voluntary Action Rotherham", Other, None),
            // Today's NHS partner, for the BCF 2025-26 plan (CCGs were abolished in 2022).
            partner("NHS South Yorkshire ICB", Icb, Some("QF7")),
        ],
    },
];

/// The national programme team, which assures every area's plan.
const NATIONAL_TEAM: &str = "NHS England";

/// Loads the whole demo, adding only what is missing: the areas, accounts and plans being
/// drafted (`seed_drafting`), then Kent's and Rotherham's plans taken through sign-off —
/// Rotherham's 2025-26 plan completed, signed, submitted and approved by its board; Kent's
/// 2014-16 plan completed and in sign-off with one CCG still to sign.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    seed_drafting(pool).await?;
    completion::seed(pool).await?;
    signoff::seed(pool).await
}

/// The demo areas, organisations, accounts and plans while they are being drafted, adding only
/// what is missing: what the tests start from, so that they can edit every plan.
pub async fn seed_drafting(pool: &PgPool) -> anyhow::Result<()> {
    seed_areas(pool).await?;
    accounts::seed(pool).await?;
    plans::seed(pool).await?;
    funding::seed(pool).await?;
    schemes::seed(pool).await?;
    metrics::seed(pool).await?;
    risks::seed(pool).await?;
    deadlines::seed(pool).await
}

/// Loads the demo areas and organisations, adding only what is missing, in one transaction.
/// Without the demo accounts (which have published passwords), this is all a server reachable
/// from other machines gets; the demo plans need the accounts as their authors.
pub async fn seed_areas(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    store::ensure_organisation(&mut *tx, NATIONAL_TEAM, OrganisationKind::NhsEngland, None).await?;
    for area in &DEMO_AREAS {
        let slug = AreaSlug::parse(area.slug).map_err(|problem| {
            sqlx::Error::Protocol(format!("demo slug {}: {problem}", area.slug))
        })?;
        let board_id =
            store::ensure_organisation(&mut *tx, area.board, OrganisationKind::Hwb, None).await?;
        let area_id = store::ensure_area(&mut *tx, &slug, area.name, board_id).await?;
        store::ensure_region(&mut *tx, area_id, area.region).await?;
        for member in area.members {
            let organisation_id =
                store::ensure_organisation(&mut *tx, member.name, member.kind, member.ods_code)
                    .await?;
            store::ensure_member(&mut *tx, area_id, organisation_id, member.signs_plan).await?;
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_slugs_are_valid_and_kent_has_seven_ccgs() {
        for area in &DEMO_AREAS {
            assert!(AreaSlug::parse(area.slug).is_ok());
        }
        let kent = &DEMO_AREAS[0];
        let ccgs = kent.members.iter().filter(|m| m.kind == Ccg).count();
        assert_eq!(ccgs, 7);
        assert!(kent.members.iter().all(|m| m.signs_plan));
    }
}
