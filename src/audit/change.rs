//! The one way a request changes data: begin a transaction, make the change, record what
//! happened in the audit log, commit. The record and the change it describes commit or roll
//! back together; a `Change` dropped without `commit` (an early return, a `?`) rolls back and
//! records nothing.
//!
//! ```text
//! let mut change = Change::begin(&state.pool, state.clock.now()).await?;
//! let id = store::insert_organisation(change.db(), &name).await?;
//! change.commit(&Event::new(actor, "organisation.created", "organisation").target(id)).await?;
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use super::Event;
use super::store::append;

/// How many changes this process has committed that may alter what the whole-country views
/// summarise (plans, their sign-off, money, metrics, areas: everything but the drafting that
/// fills deadline day, see `is_drafting`). A cache of such a summary (`national::cache`) keeps
/// the count it was read at and reads again once the count has moved: it is bumped after the
/// commit, and read before the summary's queries, so a summary is never older than a change
/// committed before the request that shows it.
static SUMMARY_CHANGES: AtomicU64 = AtomicU64::new(0);

/// The number of committed changes that may alter a summary (see `SUMMARY_CHANGES`).
pub fn summary_changes() -> u64 {
    SUMMARY_CHANGES.load(Ordering::Acquire)
}

/// Actions that change only a section's words, their comments, someone's own notices or a
/// session: none of them alters a plan's state, money, metrics or submission. Anything not
/// listed (a new action included) counts as altering the summaries.
fn is_drafting(action: &str) -> bool {
    const DRAFTING: [&str; 7] = [
        "section.saved",
        "section.assigned",
        "contribution.saved",
        "comment.",
        "revision.restored",
        "notice.",
        "session.",
    ];
    DRAFTING.iter().any(|prefix| action.starts_with(prefix))
}

/// A change in progress, with the time it is recorded at.
pub struct Change {
    tx: Transaction<'static, Postgres>,
    at: OffsetDateTime,
    /// Whether an event recorded so far may alter a summary.
    alters_summaries: bool,
}

impl Change {
    /// Starts a change made at `at` (the application clock's now).
    pub async fn begin(pool: &PgPool, at: OffsetDateTime) -> Result<Change, sqlx::Error> {
        Ok(Change {
            tx: pool.begin().await?,
            at,
            alters_summaries: false,
        })
    }

    /// The connection to make the change on (pass it to a feature's store functions).
    pub fn db(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// When the change is recorded as made.
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// Records one more event in the same transaction, for a change that does several things.
    pub async fn record(&mut self, event: &Event) -> Result<(), sqlx::Error> {
        self.alters_summaries |= !is_drafting(event.action);
        append(&mut self.tx, self.at, event).await
    }

    /// Records `event` and commits it together with the change.
    pub async fn commit(mut self, event: &Event) -> Result<(), sqlx::Error> {
        self.record(event).await?;
        self.tx.commit().await?;
        if self.alters_summaries {
            SUMMARY_CHANGES.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_drafting;

    #[test]
    fn only_drafting_leaves_the_summaries_alone() {
        for action in [
            "section.saved",
            "contribution.saved",
            "comment.added",
            "notice.read",
        ] {
            assert!(is_drafting(action), "{action}");
        }
        for action in [
            "section.status_changed",
            "section.reopened",
            "funding.changed",
            "scheme.added",
            "metric.goals_set",
            "signoff.round_opened",
            "area.created",
            "something.new",
        ] {
            assert!(!is_drafting(action), "{action}");
        }
    }
}
