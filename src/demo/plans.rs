//! The demo plans. Kent's, in progress: a shared vision drafted by the area lead, the case for
//! change with parts from the council and two CCGs, and a comment waiting for an answer, so that
//! a newcomer sees a plan being written. Rotherham's two (2014-16 and BCF 2025-26), started by
//! its lead, carry the demo's funding, schemes and metrics; the 2025-26 one was started on
//! 3 February 2025, as its cycle's story goes (its sign-off round opened on 24 March 2025). Each
//! is added only when missing.

use sqlx::PgPool;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::areas::store as areas;
use crate::auth::UserId;
use crate::auth::store as auth;
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, StatusFrom, TextSave};

const VISION: &str = "## Our vision\n\nBy 2019 people in Kent will get joined-up care at home and in their community, \
planned around them, so that they stay independent for longer and go into hospital or a care home only when they need to.\n\n\
- One assessment, shared by health and social care, with the NHS number on every record.\n\
- Seven-day community health and social care teams supporting discharge from hospital.\n\
- Fewer emergency admissions of older people, and more people still at home 91 days after reablement.";

const CASE_FOR_CHANGE_COUNCIL: &str = "Kent's population of 1.5 million is ageing faster than England's: the number of people aged 85 and over \
is expected to rise by a third by 2020. Permanent admissions to residential and nursing care are above the national average.";

const CASE_FOR_CHANGE_ASHFORD: &str = "Ashford's risk stratification shows 2% of the registered population accounting for a third of \
emergency admissions. Most are older people with several long-term conditions.";

const CASE_FOR_CHANGE_THANET: &str = "Thanet has some of the most deprived neighbourhoods in the South East, and the highest rate of \
emergency admissions among Kent's CCG areas.";

/// Adds the demo plans: Kent's 2014-16 plan with its first drafts, and Rotherham's plans for
/// 2014-16 and for BCF 2025-26, whose structured parts (funding, schemes, metrics) the
/// `parts` demo fills. Each is added only when the area has no plan from that template yet.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    seed_kent(pool).await?;
    seed_rotherham(pool).await
}

/// When Rotherham's lead started its BCF 2025-26 plan: days after the policy framework came out.
const ROTHERHAM_2025_STARTED: OffsetDateTime = datetime!(2025-02-03 09:30 UTC);

/// Rotherham's plans, started by its lead; their text is still to be written.
async fn seed_rotherham(pool: &PgPool) -> anyhow::Result<()> {
    let Some(rotherham) = areas::find_area_by_slug(pool, "rotherham").await? else {
        return Ok(());
    };
    let lead = auth::find_user_id_by_email(pool, "rotherham.lead@itf.example")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account rotherham.lead@itf.example is missing"))?;
    let templates = store::list_templates(pool).await?;
    let last_week = OffsetDateTime::now_utc() - Duration::days(7);
    let mut tx = pool.begin().await?;
    for (key, at) in [("2014-16", last_week), ("2025-26", ROTHERHAM_2025_STARTED)] {
        if let Some(template) = templates.iter().find(|template| template.key == key) {
            store::create_plan(&mut tx, rotherham.id, template.id, lead, at).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Adds the Kent plan and its first drafts, unless Kent already has a plan from the template.
async fn seed_kent(pool: &PgPool) -> anyhow::Result<()> {
    let Some(kent) = areas::find_area_by_slug(pool, "kent").await? else {
        return Ok(());
    };
    let template_id = store::list_templates(pool)
        .await?
        .into_iter()
        .find(|template| template.key == "2014-16")
        .map(|template| template.id);
    let Some(template_id) = template_id else {
        return Ok(());
    };
    let user = |email: &'static str| async move {
        auth::find_user_id_by_email(pool, email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
    };
    let lead = user("kent.lead@itf.example").await?;
    let council_officer = user("kent.officer@itf.example").await?;
    let ashford_officer = user("kent.ccg.officer@itf.example").await?;
    let thanet_officer = user("kent.thanet.officer@itf.example").await?;
    let organisation = |name: &'static str| async move {
        areas::find_organisation_id(pool, name)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo organisation {name} is missing"))
    };
    let council = organisation("Kent County Council").await?;
    let ashford = organisation("NHS Ashford CCG").await?;
    let thanet = organisation("NHS Thanet CCG").await?;

    // A few days before the January 2014 board meeting, as the demo story goes.
    let mut at = OffsetDateTime::now_utc() - Duration::days(3);
    let mut tx = pool.begin().await?;
    let Some(plan_id) = store::create_plan(&mut tx, kent.id, template_id, lead, at).await? else {
        return Ok(());
    };
    let vision = store::find_section(&mut *tx, plan_id, "vision")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the template has no vision section"))?;
    let save = |body: &'static str, author_id: UserId, at: OffsetDateTime| TextSave {
        body,
        author_id,
        at,
        restored_from: None,
    };
    store::save_section_text(&mut tx, vision.id, 0, &save(VISION, lead, at)).await?;
    at += Duration::hours(2);
    store::set_status(
        &mut tx,
        vision.id,
        StatusFrom::Open,
        SectionStatus::ReadyForReview,
        lead,
        at,
    )
    .await?;

    let case = store::find_section(&mut *tx, plan_id, "case-for-change")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the template has no case for change"))?;
    for (organisation_id, author, text) in [
        (council, council_officer, CASE_FOR_CHANGE_COUNCIL),
        (ashford, ashford_officer, CASE_FOR_CHANGE_ASHFORD),
        (thanet, thanet_officer, CASE_FOR_CHANGE_THANET),
    ] {
        at += Duration::hours(5);
        store::save_contribution(
            &mut tx,
            case.id,
            organisation_id,
            0,
            &save(text, author, at),
        )
        .await?;
    }
    store::set_status(
        &mut tx,
        case.id,
        StatusFrom::Open,
        SectionStatus::InProgress,
        thanet_officer,
        at,
    )
    .await?;

    let action = store::find_section(&mut *tx, plan_id, "plan-of-action")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the template has no plan of action"))?;
    store::assign(&mut *tx, action.id, Some(council)).await?;
    at += Duration::hours(1);
    store::add_comment(
        &mut *tx,
        case.id,
        None,
        lead,
        store::NewComment {
            body: "Could each CCG add its figures for emergency admissions of over-65s, so we can show the gap the fund has to close?",
            quote: None,
        },
        at,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
