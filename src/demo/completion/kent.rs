//! Kent's 2014-16 plan completed, between two days and one day before the demo loads (its
//! round opens twenty hours before). In that order, each a little after the one before:
//!
//! - the lead records the 2014/15 notified minimum and that year's funding (the NHS transfer to
//!   social care, through the seven CCGs), and splits each CCG's 2015/16 money into the streams
//!   it comes from, and the council's capital between its two grants: the pool stays £101.4m;
//! - ten more schemes, so that what the schemes spend equals the pool in each year and stream
//!   (the drafting demo's five are left as they are);
//! - goals for the five metrics without any, and answers to the six national conditions;
//! - each open risk whose review is overdue is reviewed by an officer of its owner (or the lead)
//!   and its next review set three months on;
//! - the rest of the text, the two CCGs' parts of the case for change given their figures, the
//!   comment asking for them answered and resolved; then the lead completes every section,
//!   the vision waiting for review among them.

mod parts;
mod texts;

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use super::{Steps, complete_sections, plan_to_complete, user, write_texts};
use crate::areas::store::{self as areas, AreaSummary};
use crate::auth::UserId;
use crate::demo::{metrics, schemes};
use crate::plans::PlanId;
use crate::plans::parts::funding::{MinimumChange, store as funding};
use crate::plans::parts::schemes::store as scheme_store;
use crate::plans::section::SectionStatus;
use crate::plans::store::{self as plans, PlanSummary, TextSave};
use crate::risks::store as risks;
use crate::web::format::in_london;
use crate::web::money::Pence;
use parts::{KENT_PARTS, KENT_SCHEMES};
use texts::{ASHFORD_OFFICER, COUNCIL_OFFICER, LEAD, THANET_OFFICER};

const COUNCIL: &str = "Kent County Council";

/// 2014/15's notified minimum: the area's share of the NHS transfer to social care.
const MINIMUM_2014: i64 = 23_200_000;

/// One CCG's money, in whole pounds: its 2014/15 NHS transfer to social care, and how its
/// 2015/16 line of £`was` (all of it recorded as the CCG minimum contribution when the plan was
/// drafted) splits between the streams it comes from, the rest staying the minimum contribution.
struct CcgMoney {
    ccg: &'static str,
    transfer_2014: i64,
    was: i64,
    transfer: i64,
    carers: i64,
    reablement: i64,
}

impl CcgMoney {
    const fn minimum_contribution(&self) -> i64 {
        self.was - self.transfer - self.carers - self.reablement
    }
}

const fn ccg(
    ccg: &'static str,
    transfer_2014: i64,
    was: i64,
    [transfer, carers, reablement]: [i64; 3],
) -> CcgMoney {
    CcgMoney {
        ccg,
        transfer_2014,
        was,
        transfer,
        carers,
        reablement,
    }
}

/// Shared in proportion to each CCG's 2015/16 line.
const CCG_MONEY: [CcgMoney; 7] = [
    ccg(
        "NHS Ashford CCG",
        1_950_000,
        7_600_000,
        [1_980_000, 420_000, 670_000],
    ),
    ccg(
        "NHS Canterbury and Coastal CCG",
        3_630_000,
        14_200_000,
        [3_710_000, 780_000, 1_250_000],
    ),
    ccg(
        "NHS Dartford, Gravesham and Swanley CCG",
        4_290_000,
        16_800_000,
        [4_390_000, 930_000, 1_480_000],
    ),
    ccg(
        "NHS South Kent Coast CCG",
        3_480_000,
        13_600_000,
        [3_550_000, 750_000, 1_200_000],
    ),
    ccg(
        "NHS Swale CCG",
        1_790_000,
        7_000_000,
        [1_830_000, 380_000, 620_000],
    ),
    ccg(
        "NHS Thanet CCG",
        2_710_000,
        10_600_000,
        [2_770_000, 580_000, 930_000],
    ),
    ccg(
        "NHS West Kent CCG",
        5_350_000,
        21_000_000,
        [5_470_000, 1_160_000, 1_850_000],
    ),
];

/// The council's 2015/16 capital, re-divided to the grants as notified: (stream, was, now).
const COUNCIL_CAPITAL: [(&str, i64, i64); 2] = [
    ("disabled-facilities-grant", 6_600_000, 7_000_000),
    ("social-care-capital-grant", 4_000_000, 3_600_000),
];

/// A funding line to write: (organisation, year, stream, the amount it had if it is to change,
/// its amount), in whole pounds.
type Line = (&'static str, &'static str, &'static str, Option<i64>, i64);

fn funding_lines() -> Vec<Line> {
    let mut lines = Vec::new();
    for money in &CCG_MONEY {
        let ccg = money.ccg;
        lines.extend([
            (
                ccg,
                "2014-15",
                "nhs-transfer-to-social-care",
                None,
                money.transfer_2014,
            ),
            (
                ccg,
                "2015-16",
                "nhs-transfer-to-social-care",
                None,
                money.transfer,
            ),
            (ccg, "2015-16", "carers-breaks", None, money.carers),
            (ccg, "2015-16", "ccg-reablement", None, money.reablement),
            (
                ccg,
                "2015-16",
                "ccg-minimum-contribution",
                Some(money.was),
                money.minimum_contribution(),
            ),
        ]);
    }
    for (stream, was, now) in COUNCIL_CAPITAL {
        lines.push((COUNCIL, "2015-16", stream, Some(was), now));
    }
    lines
}

/// Who reviews a risk owned by each organisation; the lead reviews the others'.
const REVIEWERS: [(&str, &str); 3] = [
    (COUNCIL, COUNCIL_OFFICER),
    ("NHS Ashford CCG", ASHFORD_OFFICER),
    ("NHS Thanet CCG", THANET_OFFICER),
];

/// How far ahead a review sets the next one.
const REVIEW_EVERY: Duration = Duration::days(91);

/// Completes Kent's plan, adding only what is missing (see the module's notes).
pub(super) async fn seed(pool: &PgPool, now: OffsetDateTime) -> anyhow::Result<()> {
    let Some((area, plan)) = plan_to_complete(pool, "kent", "2014-16").await? else {
        return Ok(());
    };
    let lead = user(pool, LEAD).await?;
    add_funding(pool, plan.id, lead, now - Duration::hours(47)).await?;
    let mut adding = Steps::new(now - Duration::hours(46), Duration::minutes(5));
    add_schemes(pool, &plan, lead, &mut adding).await?;
    metrics::seed_plan(pool, &KENT_PARTS).await?;
    let mut reviewing = Steps::new(now - Duration::hours(33), Duration::minutes(15));
    review_risks(pool, &area, lead, &mut reviewing, in_london(now).date()).await?;
    let mut writing = Steps::new(now - Duration::hours(31), Duration::minutes(10));
    add_figures(pool, &area, plan.id, &mut writing).await?;
    write_texts(pool, &area, plan.id, texts::TEXTS, &mut writing).await?;
    answer_comment(pool, plan.id, lead, &mut writing).await?;
    let mut completing = Steps::new(now - Duration::hours(26), Duration::minutes(4));
    complete_sections(pool, plan.id, lead, &mut completing).await
}

/// The 2014/15 minimum if none is recorded, the lines that are missing, and the 2015/16 lines
/// split where they are still as drafted.
async fn add_funding(
    pool: &PgPool,
    plan_id: PlanId,
    lead: UserId,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let minimums = funding::current_minimums(&mut *tx, plan_id).await?;
    if !minimums.iter().any(|minimum| minimum.year_key == "2014-15") {
        let change = MinimumChange {
            amount: Pence::pounds(MINIMUM_2014),
            reason: None,
            replaces: None,
        };
        funding::set_minimum(&mut tx, plan_id, "2014-15", &change, at, lead).await?;
    }
    for (organisation, year, stream, was, pounds) in funding_lines() {
        let organisation_id = areas::find_organisation_id(&mut *tx, organisation)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo organisation {organisation} is missing"))?;
        let expected = match was {
            None => 0,
            Some(was) => {
                let lines =
                    funding::organisation_year(&mut *tx, plan_id, organisation_id, year, true)
                        .await?;
                let as_drafted = lines.get(stream).is_some_and(|line| {
                    line.stored.version == 1 && line.stored.amount == Some(Pence::pounds(was))
                });
                if !as_drafted {
                    continue;
                }
                1
            }
        };
        // A line added (or changed) since is kept as it is: the write is then refused.
        let amount = Some(Pence::pounds(pounds));
        funding::write_line(
            &mut tx,
            plan_id,
            organisation_id,
            year,
            stream,
            amount,
            expected,
            at + Duration::seconds(1),
            lead,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Adds each scheme the plan has none of that name yet.
async fn add_schemes(
    pool: &PgPool,
    plan: &PlanSummary,
    lead: UserId,
    steps: &mut Steps,
) -> anyhow::Result<()> {
    let existing: Vec<String> = scheme_store::scheme_texts(pool, plan.id)
        .await?
        .into_iter()
        .map(|scheme| scheme.name)
        .collect();
    let years = schemes::plan_years(pool, plan.id).await?;
    let mut tx = pool.begin().await?;
    for scheme in KENT_SCHEMES {
        let at = steps.take();
        if existing.iter().any(|name| name == scheme.name) {
            continue;
        }
        let organisation = areas::find_organisation_id(&mut *tx, scheme.lead)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo organisation {} is missing", scheme.lead))?;
        let content = schemes::content(scheme, organisation, &years);
        scheme_store::create(&mut tx, plan.id, &content, at, lead).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Reviews each open risk of the register whose review date is before `today`: a new version
/// with the next review three months on, recorded by an officer of the risk's owner.
async fn review_risks(
    pool: &PgPool,
    area: &AreaSummary,
    lead: UserId,
    steps: &mut Steps,
    today: time::Date,
) -> anyhow::Result<()> {
    let members = areas::list_members(pool, area.id).await?;
    let mut tx = pool.begin().await?;
    risks::lock_register(&mut tx, area.id).await?;
    for risk in risks::list_risks(&mut *tx, area.id).await? {
        if !risk.content.status.is_open() || risk.content.review >= today {
            continue;
        }
        let at = steps.take();
        let owner = members
            .iter()
            .find(|member| member.organisation_id == risk.content.owner_organisation_id)
            .map(|member| member.name.as_str());
        let reviewer = match REVIEWERS.iter().find(|(name, _)| Some(*name) == owner) {
            Some((_, email)) => user(&mut *tx, email).await?,
            None => lead,
        };
        let mut content = risk.content.clone();
        content.review = in_london(at).date() + REVIEW_EVERY;
        risks::update_risk(
            &mut tx,
            risk.id,
            risk.version,
            risk.matrix_id,
            &content,
            at,
            reviewer,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The CCGs that had written their part of the case for change add their figures to it, if
/// their part is still as first written.
async fn add_figures(
    pool: &PgPool,
    area: &AreaSummary,
    plan_id: PlanId,
    steps: &mut Steps,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let Some(section) = plans::find_section(&mut *tx, plan_id, "case-for-change").await? else {
        return Ok(());
    };
    if section.status == SectionStatus::Completed {
        return Ok(());
    }
    let contributions = plans::contributions(&mut *tx, area.id, section.id, None).await?;
    for (partner, author, figures) in texts::FIGURES {
        let at = steps.take();
        let Some(first) = contributions.iter().find(|contribution| {
            contribution.organisation == *partner && contribution.version == 1
        }) else {
            continue;
        };
        let body = format!("{}\n\n{figures}", first.body);
        let save = TextSave {
            body: &body,
            author_id: user(&mut *tx, author).await?,
            at,
            restored_from: None,
        };
        plans::save_contribution(&mut tx, section.id, first.organisation_id, 1, &save).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ashford's officer answers the case for change's open question, and the lead resolves it.
async fn answer_comment(
    pool: &PgPool,
    plan_id: PlanId,
    lead: UserId,
    steps: &mut Steps,
) -> anyhow::Result<()> {
    let (answered_at, resolved_at) = (steps.take(), steps.take());
    let mut tx = pool.begin().await?;
    let Some(section) = plans::find_section(&mut *tx, plan_id, "case-for-change").await? else {
        return Ok(());
    };
    let comments = plans::comments(&mut *tx, section.id).await?;
    let Some(question) = comments.iter().find(|comment| {
        comment.thread_id.is_none()
            && comment.resolved_at.is_none()
            && comment.body.starts_with(texts::QUESTION_STARTS)
    }) else {
        return Ok(());
    };
    if !comments
        .iter()
        .any(|reply| reply.thread_id == Some(question.id))
    {
        let officer = user(&mut *tx, ASHFORD_OFFICER).await?;
        plans::add_comment(
            &mut *tx,
            section.id,
            Some(question.id),
            officer,
            plans::NewComment {
                body: texts::ANSWER,
                quote: None,
            },
            answered_at,
        )
        .await?;
    }
    plans::set_thread_resolved(&mut *tx, section.id, question.id, true, lead, resolved_at).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the drafting demo's five Kent schemes spend in 2015/16, by source.
    const DRAFTED_SPEND: [(&str, i64); 5] = [
        ("ccg-minimum-contribution", 12_000_000),
        ("ccg-reablement", 8_000_000),
        ("nhs-transfer-to-social-care", 8_000_000),
        ("carers-breaks", 5_000_000),
        ("disabled-facilities-grant", 7_000_000),
    ];

    /// The pool by year and stream once completed: every line it writes is one the drafting
    /// demo did not have, or replaces one it had.
    fn pooled(year: &str, stream: &str) -> i64 {
        funding_lines()
            .iter()
            .filter(|(_, y, s, _, _)| *y == year && *s == stream)
            .map(|(_, _, _, _, pounds)| pounds)
            .sum()
    }

    fn spent(year: &str, stream: &str) -> i64 {
        let drafted: i64 = DRAFTED_SPEND
            .iter()
            .filter(|(source, _)| year == "2015-16" && *source == stream)
            .map(|(_, pounds)| pounds)
            .sum();
        let added: i64 = KENT_SCHEMES
            .iter()
            .filter(|scheme| scheme.source == stream)
            .flat_map(|scheme| scheme.amounts)
            .filter(|(key, _, _)| *key == year)
            .map(|(_, spend, _)| spend)
            .sum();
        drafted + added
    }

    #[test]
    fn the_split_keeps_each_ccg_line_and_the_pool_at_101_4m() {
        for money in &CCG_MONEY {
            assert!(money.minimum_contribution() > 0, "{}", money.ccg);
        }
        let was: i64 = CCG_MONEY.iter().map(|money| money.was).sum();
        assert_eq!(was, 90_800_000);
        let council: i64 = COUNCIL_CAPITAL.iter().map(|(_, was, _)| was).sum();
        let now: i64 = COUNCIL_CAPITAL.iter().map(|(_, _, now)| now).sum();
        assert_eq!(council, now);
        let pool_2015: i64 = funding_lines()
            .iter()
            .filter(|(_, year, _, _, _)| *year == "2015-16")
            .map(|(_, _, _, _, pounds)| pounds)
            .sum();
        assert_eq!(pool_2015, 101_400_000);
    }

    #[test]
    fn the_schemes_spend_the_pool_in_each_year_and_stream() {
        let streams = [
            "ccg-minimum-contribution",
            "nhs-transfer-to-social-care",
            "carers-breaks",
            "ccg-reablement",
            "disabled-facilities-grant",
            "social-care-capital-grant",
        ];
        for year in ["2014-15", "2015-16"] {
            for stream in streams {
                assert_eq!(pooled(year, stream), spent(year, stream), "{year} {stream}");
            }
        }
        assert_eq!(
            pooled("2014-15", "nhs-transfer-to-social-care"),
            MINIMUM_2014
        );
    }

    #[test]
    fn the_times_fall_between_two_days_and_a_day_before_loading() {
        let now = OffsetDateTime::now_utc();
        let mut writing = Steps::new(now - Duration::hours(31), Duration::minutes(10));
        let texts = texts::FIGURES.len() + texts::TEXTS.len() + 2;
        let last = (0..texts).map(|_| writing.take()).last().unwrap();
        assert!(
            last < now - Duration::hours(26),
            "the writing ends before the lead completes"
        );
        let mut completing = Steps::new(now - Duration::hours(26), Duration::minutes(4));
        // Thirteen sections in the 2014-16 template.
        let last = (0..13).map(|_| completing.take()).last().unwrap();
        assert!(last < now - Duration::hours(24));
    }
}
