//! The national view's facts of each cycle, read once and shared by every request until a
//! change could have altered them. Every assurer sees the same table, and reading it means two
//! whole-country statements (every area's scheme spend, every plan's metric goals: about 130 ms
//! together under load over 152 areas); on deadline day many people refresh it while the
//! country types.
//!
//! When the facts are read again:
//! - after this process commits a change that may alter them (`audit::summary_changes` moved:
//!   anything but drafting words), so what a person just did here shows at once;
//! - after `ITF_NATIONAL_CACHE_SECONDS` (10 by default) whatever happened, for changes made by
//!   another server on the same database (or by hand);
//! - never by more than one request at a time: the others wait for that read and share it.
//!
//! Only the facts are kept. What depends on today (late or on time), on the cycle's structure
//! and on the filters is worked out afresh for each request from them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Mutex;

use super::table::Facts;
use crate::areas::store::list_areas;
use crate::audit::change::summary_changes;
use crate::deadlines::dashboard::AreaInfo;

/// The most cycles kept at once (each every area's figures for that cycle); a cycle asked for
/// beyond this evicts the one read longest ago.
const MAX_CYCLES: usize = 8;

struct Kept {
    /// `summary_changes()` when the read began.
    changes: u64,
    read_at: Instant,
    facts: Arc<Facts>,
}

impl Kept {
    fn fresh(&self, changes: u64, now: Instant, max_age: Duration) -> bool {
        self.changes == changes && now.duration_since(self.read_at) < max_age
    }
}

/// The kept facts, by cycle key. One per server (in `AppState`).
pub struct FactsCache {
    /// How long facts are kept when nothing committed here says they changed (zero: not kept).
    max_age: Duration,
    /// Held across a read, so that requests arriving meanwhile wait for it rather than read the
    /// same facts again.
    kept: Mutex<HashMap<String, Kept>>,
}

impl FactsCache {
    pub fn new(max_age: Duration) -> FactsCache {
        FactsCache {
            max_age,
            kept: Mutex::default(),
        }
    }

    /// The facts of the cycle `template_key` for every area: kept ones when still fresh, else
    /// read now (six queries).
    pub async fn facts(
        &self,
        pool: &PgPool,
        template_key: &str,
    ) -> Result<Arc<Facts>, sqlx::Error> {
        let mut kept = self.kept.lock().await;
        // Read after the lock: a change committed while this request waited is counted.
        let changes = summary_changes();
        if let Some(found) = kept.get(template_key)
            && found.fresh(changes, Instant::now(), self.max_age)
        {
            return Ok(Arc::clone(&found.facts));
        }
        let read_at = Instant::now();
        if self.max_age.is_zero() {
            kept.clear();
        }
        let areas: Vec<AreaInfo> = list_areas(pool)
            .await?
            .into_iter()
            .map(AreaInfo::from)
            .collect();
        let facts = Arc::new(super::gather(pool, areas, template_key).await?);
        if kept.len() >= MAX_CYCLES && !kept.contains_key(template_key) {
            let oldest = kept
                .iter()
                .min_by_key(|(_, entry)| entry.read_at)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                kept.remove(&oldest);
            }
        }
        kept.insert(
            template_key.to_owned(),
            Kept {
                changes,
                read_at,
                facts: Arc::clone(&facts),
            },
        );
        Ok(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(changes: u64, read_at: Instant) -> Kept {
        Kept {
            changes,
            read_at,
            facts: Arc::new(Facts::default()),
        }
    }

    #[test]
    fn facts_are_fresh_until_a_change_or_their_age() {
        let read_at = Instant::now();
        let entry = kept(4, read_at);
        let max_age = Duration::from_secs(10);
        let soon = read_at + Duration::from_secs(1);
        assert!(entry.fresh(4, soon, max_age));
        assert!(!entry.fresh(5, soon, max_age), "a change");
        assert!(!entry.fresh(4, read_at + max_age, max_age), "too old");
        assert!(!entry.fresh(4, read_at, Duration::ZERO), "not kept at all");
    }
}
