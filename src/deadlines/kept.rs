//! The programme dashboard's table, as rendered, kept for a few seconds. Everyone who sees the
//! same areas (every assurer sees all of them) with the same cycle, filters and sort on the
//! same day gets the same table: about 260 KB of HTML over 152 areas, built from
//! whole-country reads (the areas, the cycles, every plan's sign-off standing, every area's
//! deadlines). On deadline day many people refresh it while the country types.
//!
//! A kept table is shown again only while both hold, as for the national view's facts
//! (`national::cache`):
//! - nothing that may change it has been committed on this server since it was read
//!   (`audit::summary_changes`: anything but drafting words), so what a person just did here
//!   shows at once;
//! - it is younger than `ITF_NATIONAL_CACHE_SECONDS` (10 by default), for changes made through
//!   another server on the same database.
//!
//! The key says everything else it was made from (the dashboard's `table_key`): what the
//! person asked for as they typed it, whose areas, and the day, against which the colours are
//! worked out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::web::choice::Choice;
use crate::web::kept_part::KeptPart;

/// The most bytes of tables kept at once, with their keys (the whole country's is about 260 KB
/// over 152 areas); past it the ones kept so far are let go.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// The longest key a table is kept under: longer ones come only from odd addresses, whose
/// tables are read for each request.
pub const LONGEST_KEY: usize = 1024;

/// A table as rendered (and compressed), with what the page says around it.
#[derive(Clone, Debug)]
pub struct KeptTable {
    pub part: Arc<KeptPart>,
    /// Rows shown, and areas in all.
    pub shown: usize,
    pub total: usize,
    pub choices: Arc<TableChoices>,
}

/// The choices the page offers above the table, read with it: the cycles and the regions of
/// the areas shown, so that a page whose table is kept reads nothing but its session.
#[derive(Debug, Default)]
pub struct TableChoices {
    /// The cycle shown.
    pub cycle_name: String,
    pub cycles: Vec<Choice>,
    pub regions: Vec<Choice>,
}

struct Kept {
    /// `summary_changes()` before the facts it shows were read.
    changes: u64,
    read_at: Instant,
    table: KeptTable,
}

/// The kept tables, by key. One per server (in `AppState`).
pub struct KeptTables {
    /// How long a table is kept when nothing committed here says it changed (zero: never).
    max_age: Duration,
    /// Held only to look up or store, never while reading or rendering.
    kept: Mutex<HashMap<String, Kept>>,
}

impl KeptTables {
    pub fn new(max_age: Duration) -> KeptTables {
        KeptTables {
            max_age,
            kept: Mutex::default(),
        }
    }

    /// The table kept under `key`, if it is still fresh with `changes` (`summary_changes()`
    /// now).
    pub fn fresh(&self, key: &str, changes: u64) -> Option<KeptTable> {
        let kept = self.lock();
        let found = kept.get(key)?;
        let fresh = found.changes == changes && found.read_at.elapsed() < self.max_age;
        fresh.then(|| found.table.clone())
    }

    /// Keeps `table` under `key`, made from facts read when `summary_changes()` was `changes`;
    /// not under a key longer than `LONGEST_KEY` (made of what someone typed in the address).
    pub fn keep(&self, key: String, changes: u64, read_at: Instant, table: KeptTable) {
        if self.max_age.is_zero() || key.len() > LONGEST_KEY {
            return;
        }
        let mut kept = self.lock();
        // Tables read before the latest change will not be shown again.
        kept.retain(|_, entry| entry.changes == changes && entry.read_at.elapsed() < self.max_age);
        let weight = |key: &str, table: &KeptTable| key.len() + table.part.bytes();
        let held: usize = kept
            .iter()
            .map(|(key, entry)| weight(key, &entry.table))
            .sum();
        if held + weight(&key, &table) > MAX_BYTES {
            kept.clear();
        }
        kept.insert(
            key,
            Kept {
                changes,
                read_at,
                table,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        // A panic while holding it leaves at worst a table missing: nothing half-written.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(html: &str) -> KeptTable {
        KeptTable {
            part: Arc::new(KeptPart::new(html.to_owned())),
            shown: 1,
            total: 2,
            choices: Arc::default(),
        }
    }

    #[test]
    fn a_table_is_kept_until_a_change_or_its_age() {
        let tables = KeptTables::new(Duration::from_secs(3600));
        assert!(tables.fresh("all", 4).is_none());
        tables.keep("all".into(), 4, Instant::now(), table("<table>"));
        let found = tables.fresh("all", 4).expect("kept");
        assert_eq!(
            (found.part.html(), found.shown, found.total),
            ("<table>", 1, 2)
        );
        assert!(tables.fresh("north", 4).is_none(), "another key");
        assert!(tables.fresh("all", 5).is_none(), "a change since");

        let short = KeptTables::new(Duration::from_millis(20));
        short.keep("all".into(), 4, Instant::now(), table("<table>"));
        std::thread::sleep(Duration::from_millis(30));
        assert!(short.fresh("all", 4).is_none(), "too old");

        let never = KeptTables::new(Duration::ZERO);
        never.keep("all".into(), 4, Instant::now(), table("<table>"));
        assert!(never.fresh("all", 4).is_none(), "not kept at all");
    }

    #[test]
    fn a_table_under_a_key_too_long_is_not_kept() {
        let tables = KeptTables::new(Duration::from_secs(3600));
        let long = "x".repeat(LONGEST_KEY + 1);
        tables.keep(long.clone(), 4, Instant::now(), table("<table>"));
        assert!(tables.fresh(&long, 4).is_none());
    }

    #[test]
    fn stale_tables_and_tables_past_the_bound_are_let_go() {
        let tables = KeptTables::new(Duration::from_secs(3600));
        tables.keep("old".into(), 4, Instant::now(), table("<table>"));
        tables.keep("new".into(), 5, Instant::now(), table("<table>"));
        assert_eq!(
            tables.lock().len(),
            1,
            "the one read before the change went"
        );
        let big = "x".repeat(MAX_BYTES / 2 + 1);
        tables.keep("big".into(), 5, Instant::now(), table(&big));
        tables.keep("bigger".into(), 5, Instant::now(), table(&big));
        let kept = tables.lock();
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key("bigger"));
    }
}
