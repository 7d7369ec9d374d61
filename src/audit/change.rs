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

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use super::Event;
use super::store::append;

/// A change in progress, with the time it is recorded at.
pub struct Change {
    tx: Transaction<'static, Postgres>,
    at: OffsetDateTime,
}

impl Change {
    /// Starts a change made at `at` (the application clock's now).
    pub async fn begin(pool: &PgPool, at: OffsetDateTime) -> Result<Change, sqlx::Error> {
        Ok(Change {
            tx: pool.begin().await?,
            at,
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
        append(&mut self.tx, self.at, event).await
    }

    /// Records `event` and commits it together with the change.
    pub async fn commit(mut self, event: &Event) -> Result<(), sqlx::Error> {
        append(&mut self.tx, self.at, event).await?;
        self.tx.commit().await
    }
}
