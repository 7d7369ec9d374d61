//! The demo funding: Rotherham's 2014-16 pool of about £20m (half of it from mandated streams)
//! whose 2015/16 minimum was revised upwards a week after it was first notified, so that the
//! pool now falls £100,000 short; Kent's 2015/16 pool on the scale of its section 75 agreement;
//! and Rotherham's BCF 2025-26 pool at exactly its minimum, notified and agreed in February 2025
//! as that cycle's story goes. Each line and each year's minimum is added only when missing, so
//! loading twice changes nothing.

use sqlx::PgPool;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::areas::store as areas;
use crate::auth::store as auth;
use crate::plans::parts::funding::{MinimumChange, store};
use crate::plans::store as plans;
use crate::web::money::Pence;

/// (organisation, year key, stream key, pounds).
type DemoLine = (&'static str, &'static str, &'static str, i64);
/// (year key, pounds, reason) in the order they were notified.
type DemoMinimum = (&'static str, i64, Option<&'static str>);

/// When a plan's first minimums were notified and its lines agreed, on days of its own cycle.
struct Dated {
    minimums: OffsetDateTime,
    lines: OffsetDateTime,
}

struct DemoPlan {
    area: &'static str,
    plan: &'static str,
    lead: &'static str,
    lines: &'static [DemoLine],
    minimums: &'static [DemoMinimum],
    /// `None`: the minimums a week before the demo is loaded, the lines six days before.
    dated: Option<Dated>,
}

const ROTHERHAM_CCG: &str = "NHS Rotherham CCG";
const ROTHERHAM_COUNCIL: &str = "Rotherham Metropolitan Borough Council";
const KENT_COUNCIL: &str = "Kent County Council";

const PLANS: [DemoPlan; 3] = [
    DemoPlan {
        area: "rotherham",
        plan: "2014-16",
        lead: "rotherham.lead@itf.example",
        lines: &[
            (
                ROTHERHAM_CCG,
                "2014-15",
                "nhs-transfer-to-social-care",
                5_600_000,
            ),
            (
                ROTHERHAM_COUNCIL,
                "2014-15",
                "disabled-facilities-grant",
                1_000_000,
            ),
            (
                ROTHERHAM_COUNCIL,
                "2015-16",
                "disabled-facilities-grant",
                1_050_000,
            ),
            (
                ROTHERHAM_COUNCIL,
                "2015-16",
                "social-care-capital-grant",
                650_000,
            ),
            (
                ROTHERHAM_CCG,
                "2015-16",
                "nhs-transfer-to-social-care",
                6_100_000,
            ),
            (ROTHERHAM_CCG, "2015-16", "carers-breaks", 600_000),
            (ROTHERHAM_CCG, "2015-16", "ccg-reablement", 1_600_000),
            (
                ROTHERHAM_CCG,
                "2015-16",
                "additional-ccg-contribution",
                10_000_000,
            ),
        ],
        minimums: &[
            ("2014-15", 6_600_000, None),
            ("2015-16", 20_000_000, None),
            (
                "2015-16",
                20_100_000,
                Some("Allocation revised in the final guidance"),
            ),
        ],
        dated: None,
    },
    DemoPlan {
        area: "kent",
        plan: "2014-16",
        lead: "kent.lead@itf.example",
        lines: &[
            (
                KENT_COUNCIL,
                "2015-16",
                "disabled-facilities-grant",
                6_600_000,
            ),
            (
                KENT_COUNCIL,
                "2015-16",
                "social-care-capital-grant",
                4_000_000,
            ),
            (
                "NHS Ashford CCG",
                "2015-16",
                "ccg-minimum-contribution",
                7_600_000,
            ),
            (
                "NHS Canterbury and Coastal CCG",
                "2015-16",
                "ccg-minimum-contribution",
                14_200_000,
            ),
            (
                "NHS Dartford, Gravesham and Swanley CCG",
                "2015-16",
                "ccg-minimum-contribution",
                16_800_000,
            ),
            (
                "NHS South Kent Coast CCG",
                "2015-16",
                "ccg-minimum-contribution",
                13_600_000,
            ),
            (
                "NHS Swale CCG",
                "2015-16",
                "ccg-minimum-contribution",
                7_000_000,
            ),
            (
                "NHS Thanet CCG",
                "2015-16",
                "ccg-minimum-contribution",
                10_600_000,
            ),
            (
                "NHS West Kent CCG",
                "2015-16",
                "ccg-minimum-contribution",
                21_000_000,
            ),
        ],
        minimums: &[("2015-16", 88_000_000, None)],
        dated: None,
    },
    DemoPlan {
        area: "rotherham",
        plan: "2025-26",
        lead: "rotherham.lead@itf.example",
        lines: &[
            (
                "NHS South Yorkshire ICB",
                "2025-26",
                "nhs-minimum-contribution",
                26_431_000,
            ),
            (
                ROTHERHAM_COUNCIL,
                "2025-26",
                "la-better-care-grant",
                9_874_000,
            ),
            (
                ROTHERHAM_COUNCIL,
                "2025-26",
                "disabled-facilities-grant",
                3_512_000,
            ),
        ],
        minimums: &[("2025-26", 39_817_000, None)],
        // Allocations published after the policy framework (30 January 2025); income agreed
        // with the ICB ahead of the schemes.
        dated: Some(Dated {
            minimums: datetime!(2025-02-06 10:00 UTC),
            lines: datetime!(2025-02-10 10:00 UTC),
        }),
    },
];

/// Adds the demo funding where the plans exist, each line and year's minimum only if missing.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    for demo in &PLANS {
        seed_plan(pool, demo, now).await?;
    }
    Ok(())
}

async fn seed_plan(pool: &PgPool, demo: &DemoPlan, now: OffsetDateTime) -> anyhow::Result<()> {
    let Some(area) = areas::find_area_by_slug(pool, demo.area).await? else {
        return Ok(());
    };
    let Some(plan) = plans::find_plan(pool, area.id, demo.plan).await? else {
        return Ok(());
    };
    let lead = auth::find_user_id_by_email(pool, demo.lead)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {} is missing", demo.lead))?;
    let (minimums_at, lines_at) = match &demo.dated {
        Some(dated) => (dated.minimums, dated.lines),
        None => (now - Duration::days(7), now - Duration::days(6)),
    };
    let mut tx = pool.begin().await?;
    for (organisation, year, stream, pounds) in demo.lines {
        let organisation_id = areas::find_organisation_id(&mut *tx, organisation)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo organisation {organisation} is missing"))?;
        // Expecting no line: one there already is kept as it is.
        store::write_line(
            &mut tx,
            plan.id,
            organisation_id,
            year,
            stream,
            Some(Pence::pounds(*pounds)),
            0,
            lines_at,
            lead,
        )
        .await?;
    }
    let current = store::current_minimums(&mut *tx, plan.id).await?;
    let mut replaces: Option<(&str, i64)> = None;
    for (index, (year, pounds, reason)) in demo.minimums.iter().enumerate() {
        if current.iter().any(|minimum| minimum.year_key == *year) {
            continue;
        }
        // The first of a year notified with the others, a revision today.
        let at = match reason {
            None => minimums_at + Duration::minutes(i64::try_from(index)?),
            Some(_) => now - Duration::minutes(1),
        };
        let change = MinimumChange {
            amount: Pence::pounds(*pounds),
            reason: reason.map(str::to_owned),
            replaces: replaces
                .filter(|(replaced_year, _)| replaced_year == year)
                .map(|(_, id)| id),
        };
        let id = store::set_minimum(&mut tx, plan.id, year, &change, at, lead)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo minimum {year} of {} refused", demo.plan))?;
        replaces = Some((year, id));
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(demo: &DemoPlan, year: &str) -> i64 {
        demo.lines
            .iter()
            .filter(|(_, line_year, _, _)| *line_year == year)
            .map(|(_, _, _, pounds)| pounds)
            .sum()
    }

    #[test]
    fn the_demo_pools_are_the_sizes_the_reference_gives() {
        assert_eq!(pool(&PLANS[0], "2014-15"), 6_600_000);
        assert_eq!(pool(&PLANS[0], "2015-16"), 20_000_000);
        assert_eq!(pool(&PLANS[1], "2015-16"), 101_400_000);
        assert_eq!(pool(&PLANS[2], "2025-26"), 39_817_000);
    }
}
