//! Demo local deadlines for Kent and Rotherham, dated from today so that the deadlines page,
//! the banner and the dashboard show red, amber and green whenever the demo is loaded: Kent's
//! risk register due at the board in 10 days (met when a sign-off round opens), a section 75
//! draft 5 days overdue and a finance sign-off in 40 days; Rotherham's board papers done by hand
//! and a section 75 schedule due in 3 days. Each is added only when the area has no deadline of
//! that title, so loading twice changes nothing.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::areas::store as areas;
use crate::auth::store as auth;
use crate::deadlines::model::{DeadlineRef, MetBy};
use crate::deadlines::store::{self, LocalDeadline};
use crate::plans::store as plans;

/// One demo deadline: due `due_in` days from today, met by `met_by` (of the area's plan from
/// `plan`, when not by hand), and recorded done by hand `done_days_ago` if set.
struct DemoDeadline {
    title: &'static str,
    due_in: i64,
    met_by: MetBy,
    plan: Option<&'static str>,
    notes: &'static str,
    done: Option<(i64, &'static str)>,
}

const KENT: &[DemoDeadline] = &[
    DemoDeadline {
        title: "Risk register to the board",
        due_in: 10,
        met_by: MetBy::RoundOpened,
        plan: Some("2014-16"),
        notes: "The register as it stands when the plan goes to sign-off goes with the board papers.",
        done: None,
    },
    DemoDeadline {
        title: "Section 75 draft to legal",
        due_in: -5,
        met_by: MetBy::Manual,
        plan: None,
        notes: "Kent Legal Services need two weeks to review the pooled budget agreement.",
        done: None,
    },
    DemoDeadline {
        title: "Partners' finance sign-off",
        due_in: 40,
        met_by: MetBy::Submitted,
        plan: Some("2014-16"),
        notes: "",
        done: None,
    },
];

const ROTHERHAM: &[DemoDeadline] = &[
    DemoDeadline {
        title: "Joint commissioning board papers",
        due_in: -20,
        met_by: MetBy::Manual,
        plan: None,
        notes: "",
        done: Some((22, "Sent to the board secretary")),
    },
    DemoDeadline {
        title: "Section 75 schedule agreed with the CCG",
        due_in: 3,
        met_by: MetBy::Manual,
        plan: None,
        notes: "Schedule 2: the services the pooled fund pays for.",
        done: None,
    },
];

/// Adds the demo deadlines of Kent, then Rotherham (in that order: the access walk names
/// Kent's first one).
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    seed_area(pool, "kent", "kent.lead@itf.example", KENT).await?;
    seed_area(pool, "rotherham", "rotherham.lead@itf.example", ROTHERHAM).await
}

async fn seed_area(
    pool: &PgPool,
    slug: &str,
    lead_email: &str,
    deadlines: &[DemoDeadline],
) -> anyhow::Result<()> {
    let Some(area) = areas::find_area_by_slug(pool, slug).await? else {
        return Ok(());
    };
    let Some(lead) = auth::find_user_id_by_email(pool, lead_email).await? else {
        return Ok(());
    };
    let area_id = area.id.get();
    let existing = store::locals_of_areas(pool, &[area_id]).await?;
    let now = OffsetDateTime::now_utc();
    let today = crate::web::format::in_london(now).date();
    let mut tx = pool.begin().await?;
    for deadline in deadlines {
        if existing.iter().any(|local| local.title == deadline.title) {
            continue;
        }
        let plan_id = match deadline.plan {
            Some(key) => match plans::find_plan(&mut *tx, area.id, key).await? {
                Some(plan) => Some(plan.id.get()),
                // Without the plan, the deadline would mean nothing.
                None => continue,
            },
            None => None,
        };
        let id = store::insert_local(
            &mut tx,
            area_id,
            &LocalDeadline {
                title: deadline.title,
                due: today + Duration::days(deadline.due_in),
                met_by: deadline.met_by,
                plan_id,
                notes: deadline.notes,
            },
            lead,
            now - Duration::days(30),
        )
        .await?;
        if let Some((days_ago, note)) = deadline.done {
            store::record_done(
                &mut tx,
                area_id,
                &DeadlineRef::Local { id },
                today - Duration::days(days_ago),
                note,
                lead,
                now - Duration::days(days_ago),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
