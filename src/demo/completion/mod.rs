//! The demo plans finished for sign-off: Rotherham's BCF 2025-26 plan, written in February and
//! March 2025 before its sign-off round opened on 24 March 2025 (`rotherham`), and Kent's 2014-16
//! plan, completed over the day before yesterday and yesterday before its round opened twenty
//! hours before the demo loads (`kent`). Afterwards every check of both plans passes on the day
//! its round opens, which is what `super::signoff` asks before it opens them.
//!
//! Like the rest of the demo, everything is written straight through the stores without audit
//! events (nobody made these changes on this server), and only what is missing is added: a text
//! already written, a section already completed, a line already there or changed since the
//! drafting demo are left as they are, and a plan already in sign-off is left alone, so loading
//! twice changes nothing and a database people have worked in does not stop the demo loading.

mod kent;
mod rotherham;

use sqlx::{PgExecutor, PgPool};
use time::{Duration, OffsetDateTime, Weekday};

use crate::areas::store::{self as areas, AreaSummary};
use crate::auth::UserId;
use crate::auth::store as auth;
use crate::plans::PlanId;
use crate::plans::section::SectionStatus;
use crate::plans::store::{self as plans, PlanSummary, StatusFrom, TextSave};
use crate::signoff::store::rounds;

/// Completes Kent's 2014-16 plan and Rotherham's BCF 2025-26 plan, adding only what is missing.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    rotherham::seed(pool).await?;
    kent::seed(pool, OffsetDateTime::now_utc()).await
}

/// The area and its plan from `template`, unless either is missing or the plan is in sign-off
/// already (or past it): then there is nothing to complete.
async fn plan_to_complete(
    pool: &PgPool,
    slug: &str,
    template: &str,
) -> anyhow::Result<Option<(AreaSummary, PlanSummary)>> {
    let Some(area) = areas::find_area_by_slug(pool, slug).await? else {
        return Ok(None);
    };
    let Some(plan) = plans::find_plan(pool, area.id, template).await? else {
        return Ok(None);
    };
    if rounds::latest_round(pool, plan.id).await?.is_some() {
        return Ok(None);
    }
    Ok(Some((area, plan)))
}

async fn user(db: impl PgExecutor<'_>, email: &str) -> anyhow::Result<UserId> {
    auth::find_user_id_by_email(db, email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} is missing"))
}

/// Times one after another, `step` apart: when a run of changes was made.
struct Steps {
    next: OffsetDateTime,
    step: Duration,
    /// Whether the run skips Saturdays and Sundays.
    weekdays_only: bool,
}

impl Steps {
    fn new(start: OffsetDateTime, step: Duration) -> Steps {
        Steps {
            next: start,
            step,
            weekdays_only: false,
        }
    }

    /// On working days only (`start` being one).
    fn weekdays(start: OffsetDateTime, step: Duration) -> Steps {
        Steps {
            weekdays_only: true,
            ..Steps::new(start, step)
        }
    }

    fn take(&mut self) -> OffsetDateTime {
        let at = self.next;
        self.next += self.step;
        while self.weekdays_only
            && matches!(self.next.weekday(), Weekday::Saturday | Weekday::Sunday)
        {
            self.next += Duration::days(1);
        }
        at
    }
}

/// A section's shared text, or one partner's part of a section written per partner, and the
/// demo account that wrote it.
struct Text {
    section: &'static str,
    partner: Option<&'static str>,
    author: &'static str,
    body: &'static str,
}

const fn shared(section: &'static str, author: &'static str, body: &'static str) -> Text {
    Text {
        section,
        partner: None,
        author,
        body,
    }
}

const fn part(
    section: &'static str,
    partner: &'static str,
    author: &'static str,
    body: &'static str,
) -> Text {
    Text {
        section,
        partner: Some(partner),
        author,
        body,
    }
}

/// Writes each text whose place is still empty (never written), one `steps` apart, unless its
/// section is completed already.
async fn write_texts(
    pool: &PgPool,
    area: &AreaSummary,
    plan_id: PlanId,
    texts: &[Text],
    steps: &mut Steps,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for text in texts {
        let at = steps.take();
        let section = plans::find_section(&mut *tx, plan_id, text.section)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the template has no section {}", text.section))?;
        if section.status == SectionStatus::Completed {
            continue;
        }
        let save = TextSave {
            body: text.body,
            author_id: user(&mut *tx, text.author).await?,
            at,
            restored_from: None,
        };
        match text.partner {
            None if section.version == 0 => {
                plans::save_section_text(&mut tx, section.id, 0, &save).await?;
            }
            None => {}
            Some(partner) => {
                let contribution = plans::contributions(&mut *tx, area.id, section.id, None)
                    .await?
                    .into_iter()
                    .find(|contribution| contribution.organisation == partner)
                    .ok_or_else(|| anyhow::anyhow!("{partner} does not sign the plan"))?;
                if contribution.version == 0 {
                    plans::save_contribution(
                        &mut tx,
                        section.id,
                        contribution.organisation_id,
                        0,
                        &save,
                    )
                    .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The lead answers "Have you completed this section?" with yes for every section not completed
/// yet, in the template's order, one `steps` apart.
async fn complete_sections(
    pool: &PgPool,
    plan_id: PlanId,
    lead: UserId,
    steps: &mut Steps,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for state in plans::section_states(&mut *tx, plan_id).await? {
        if state.status == SectionStatus::Completed {
            continue;
        }
        let section = plans::find_section(&mut *tx, plan_id, &state.key)
            .await?
            .ok_or_else(|| anyhow::anyhow!("section {} went missing", state.key))?;
        plans::set_status(
            &mut tx,
            section.id,
            StatusFrom::Open,
            SectionStatus::Completed,
            lead,
            steps.take(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn steps_follow_one_another_and_skip_weekends_when_asked() {
        let mut steps = Steps::new(datetime!(2025-03-07 10:00 UTC), Duration::hours(20));
        assert_eq!(steps.take(), datetime!(2025-03-07 10:00 UTC));
        assert_eq!(steps.take(), datetime!(2025-03-08 06:00 UTC));
        // Friday, then Monday.
        let mut working = Steps::weekdays(datetime!(2025-03-07 10:00 UTC), Duration::days(1));
        assert_eq!(working.take(), datetime!(2025-03-07 10:00 UTC));
        assert_eq!(working.take(), datetime!(2025-03-10 10:00 UTC));
        assert_eq!(working.take(), datetime!(2025-03-11 10:00 UTC));
    }
}
