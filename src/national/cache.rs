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
//! Beside the facts, each kept cycle keeps the page's table as rendered for each set of filters
//! asked for (`KeptCycle::table`), with how many rows it shows: the same for every assurer, and
//! most of the page's cost (about 500 KB of HTML over 152 areas). It goes when the facts do.
//! While it is kept, the page works out no rows at all; the exports and the API work them out
//! from the facts for each request.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Mutex;

use super::table::Facts;
use crate::areas::store::list_areas;
use crate::audit::change::summary_changes;
use crate::deadlines::dashboard::AreaInfo;
use crate::web::kept_part::KeptPart;

/// The most cycles kept at once (each every area's figures for that cycle); a cycle asked for
/// beyond this evicts the one read longest ago.
const MAX_CYCLES: usize = 8;

/// The most bytes of rendered tables a kept cycle holds (the whole country's table is about
/// 500 KB over 152 areas); past it, the ones kept so far are let go.
const MAX_TABLE_BYTES: usize = 4 * 1024 * 1024;

/// The page's table for one set of filters as rendered (and compressed), with how many rows
/// it shows.
#[derive(Debug)]
pub struct RenderedTable {
    pub part: KeptPart,
    pub rows: usize,
}

/// A cycle's facts, and its tables as rendered from them.
#[derive(Default)]
pub struct KeptCycle {
    pub facts: Facts,
    /// By the caller's key (the filters); held only while looking up or storing, never while
    /// rendering.
    tables: std::sync::Mutex<HashMap<String, Arc<RenderedTable>>>,
}

impl KeptCycle {
    fn new(facts: Facts) -> KeptCycle {
        KeptCycle {
            facts,
            tables: std::sync::Mutex::default(),
        }
    }

    /// The table kept under `key` (whatever, besides these facts, it was rendered from), or
    /// `render`ed now and kept. Two requests rendering the same table at once both render it;
    /// the result is the same.
    pub fn table<E>(
        &self,
        key: &str,
        render: impl FnOnce() -> Result<RenderedTable, E>,
    ) -> Result<Arc<RenderedTable>, E> {
        let found = self.lock_tables().get(key).cloned();
        if let Some(table) = found {
            return Ok(table);
        }
        let table = Arc::new(render()?);
        let mut tables = self.lock_tables();
        let held: usize = tables.values().map(|kept| kept.part.bytes()).sum();
        if held + table.part.bytes() > MAX_TABLE_BYTES {
            tables.clear();
        }
        tables.insert(key.to_owned(), Arc::clone(&table));
        Ok(table)
    }

    fn lock_tables(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RenderedTable>>> {
        // A panic while holding it leaves at worst a table missing: nothing half-written.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct Kept {
    /// `summary_changes()` when the read began.
    changes: u64,
    read_at: Instant,
    cycle: Arc<KeptCycle>,
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
    /// read now (six queries). `changes_before` is `summary_changes()` before the request read
    /// anything the kept tables are also made from (the cycle's structure): facts read now are
    /// counted as of then, so a change committed in between makes the next request read again
    /// rather than keep a table made from the older structure.
    pub async fn facts(
        &self,
        pool: &PgPool,
        template_key: &str,
        changes_before: u64,
    ) -> Result<Arc<KeptCycle>, sqlx::Error> {
        let mut kept = self.kept.lock().await;
        // Read after the lock: a change committed while this request waited is counted.
        let changes = summary_changes();
        if let Some(found) = kept.get(template_key)
            && found.fresh(changes, Instant::now(), self.max_age)
        {
            return Ok(Arc::clone(&found.cycle));
        }
        let changes = changes.min(changes_before);
        let read_at = Instant::now();
        if self.max_age.is_zero() {
            kept.clear();
        }
        let areas: Vec<AreaInfo> = list_areas(pool)
            .await?
            .into_iter()
            .map(AreaInfo::from)
            .collect();
        let cycle = Arc::new(KeptCycle::new(
            super::gather(pool, areas, template_key).await?,
        ));
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
                cycle: Arc::clone(&cycle),
            },
        );
        Ok(cycle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(changes: u64, read_at: Instant) -> Kept {
        Kept {
            changes,
            read_at,
            cycle: Arc::new(KeptCycle::default()),
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

    #[test]
    fn a_table_is_rendered_once_per_key_and_let_go_past_the_bound() {
        let cycle = KeptCycle::default();
        let mut renders = 0;
        let mut render = |text: &str| {
            renders += 1;
            Ok::<_, ()>(RenderedTable {
                part: KeptPart::new(text.to_owned()),
                rows: 1,
            })
        };
        let first = cycle.table("all", || render("<table>all</table>")).unwrap();
        let again = cycle
            .table("all", || render("<table>other</table>"))
            .unwrap();
        assert_eq!(again.part.html(), "<table>all</table>", "the kept one");
        assert!(Arc::ptr_eq(&first, &again));
        cycle
            .table("north", || render("<table>north</table>"))
            .unwrap();
        assert_eq!(renders, 2);
        let refused = cycle.table("east", || Err::<RenderedTable, _>("broken"));
        assert_eq!(refused.unwrap_err(), "broken");
        assert_eq!(
            cycle.lock_tables().len(),
            2,
            "nothing kept for a failed render"
        );

        let big = || {
            Ok::<_, ()>(RenderedTable {
                part: KeptPart::new("x".repeat(MAX_TABLE_BYTES / 2 + 1)),
                rows: 1,
            })
        };
        cycle.table("big", big).unwrap();
        cycle.table("bigger", big).unwrap();
        let tables = cycle.lock_tables();
        assert_eq!(tables.len(), 1, "the others let go past the bound");
        assert!(tables.contains_key("bigger"));
    }
}
