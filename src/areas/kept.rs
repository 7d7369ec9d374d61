//! What an area's pages read, kept until the area changes. An officer's task list reads about
//! a dozen statements (the checks alone read every part of the plan), the same for everyone of
//! the same organisation until someone changes something in the area; on deadline day people
//! open it again and again between saves.
//!
//! A kept value is shown again only while both hold:
//! - the area's change stamp is the one it was read at. The stamp is the newest audit log row
//!   naming the area, or naming no area but altering every area's pages (a template, its
//!   sections or structure, an organisation), whichever is later
//!   (`audit::store::last_change_in_area`). Every change goes through `audit::Change`, which
//!   records it in the same transaction, on whichever server it was made, so a change shows at
//!   once everywhere. The stamp is read before the kept value's own statements, so a value is
//!   never older than its stamp;
//! - it is younger than `ITF_AREA_CACHE_SECONDS` (10 by default; less up to a quarter, spread
//!   over the values, so that values read together are not all read again together): for what
//!   changes without an audit row saying so (a person's own name, data changed by hand) and for
//!   the clock.
//!
//! In the last quarter of a value's life, the first request to look it up reads it again and
//! keeps what it reads, while the others go on showing the kept value (still within its age).
//! If that read fails, or the request is cancelled first, the next request to look it up does.
//! Otherwise every request arriving while a value is read again (a task list's is a dozen
//! statements, each waiting its turn for a connection under load) would read it too, and all
//! of them would be the slowest responses.
//!
//! Each cache holds at most a fixed number of values. Whatever has aged goes whenever a value
//! is kept, and one kept past the bound lets go of all first.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{PgExecutor, PgPool};

use super::AreaId;
use crate::audit::store::last_change_in_area;

/// An area's change stamp, read before the values kept against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AreaStamp(i64);

impl AreaStamp {
    /// Reads the area's stamp (one statement of two index probes).
    pub async fn read(db: impl PgExecutor<'_>, area: AreaId) -> Result<AreaStamp, sqlx::Error> {
        Ok(AreaStamp(last_change_in_area(db, area.get()).await?))
    }
}

/// An area's stamp and when it was read: a page that looks up several kept values of one
/// area reads it once, before any of them.
#[derive(Clone, Copy, Debug)]
pub struct StampReading {
    stamp: AreaStamp,
    /// A value read after it is as old as this (what it shows is no newer than the stamp).
    read_at: Instant,
}

impl StampReading {
    /// A stamp a statement begun at `read_at` read with the area it names
    /// (`store::find_area_by_slug_stamped`, `plans::store::find_plan_stamped`).
    pub fn read_with_area(stamp: i64, read_at: Instant) -> StampReading {
        StampReading {
            stamp: AreaStamp(stamp),
            read_at,
        }
    }

    pub async fn read(db: impl PgExecutor<'_>, area: AreaId) -> Result<StampReading, sqlx::Error> {
        let read_at = Instant::now();
        Ok(StampReading {
            stamp: AreaStamp::read(db, area).await?,
            read_at,
        })
    }
}

struct Kept<V> {
    stamp: AreaStamp,
    /// When it is read again even if the stamp has not moved.
    expires_at: Instant,
    /// From when the first request to look it up reads it again ahead of `expires_at`.
    read_ahead_from: Instant,
    /// A request is reading it again ahead of its age.
    reading_ahead: bool,
    value: Arc<V>,
}

/// A request's claim to read a kept value again ahead of its age. Given up when dropped, if the
/// read failed or the request was dropped first (cancelled); a read that succeeded keeps its
/// value afresh instead, unclaimed, and the claim is disarmed.
struct ReadAheadClaim<'a, K: Hash + Eq, V> {
    kept: &'a KeptForAreas<K, V>,
    key: &'a K,
    /// Which value was claimed (its `read_ahead_from`): one kept since is not this claim's.
    claimed_from: Instant,
    armed: bool,
}

impl<K: Hash + Eq, V> ReadAheadClaim<'_, K, V> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl<K: Hash + Eq, V> Drop for ReadAheadClaim<'_, K, V> {
    fn drop(&mut self) {
        if self.armed {
            self.kept.release_read_ahead(self.key, self.claimed_from);
        }
    }
}

/// Values kept by key against their area's stamp. One per kind of value, per server (in
/// `AppState`).
pub struct KeptForAreas<K, V> {
    /// How long a value is kept when its area's stamp has not moved (zero: never).
    max_age: Duration,
    /// The most values kept.
    most: usize,
    /// Values kept so far: spreads their ages (see `lifetime`).
    kept_count: AtomicU64,
    /// Held only to look up or store, never while reading or rendering.
    kept: Mutex<HashMap<K, Kept<V>>>,
    /// The most bytes one value may weigh to be kept, and how to weigh it: a value over it is
    /// read for every request (rare: the longest texts), so that the bound on their number
    /// bounds their memory too.
    heaviest: usize,
    weigh: fn(&V) -> usize,
}

impl<K: Hash + Eq, V> KeptForAreas<K, V> {
    pub fn new(max_age: Duration, most: usize) -> KeptForAreas<K, V> {
        KeptForAreas {
            max_age,
            most,
            kept_count: AtomicU64::new(0),
            kept: Mutex::default(),
            heaviest: usize::MAX,
            weigh: |_| 0,
        }
    }

    /// Keeps no value that `weigh` finds heavier than `most_bytes`.
    pub fn keeping_none_over(mut self, most_bytes: usize, weigh: fn(&V) -> usize) -> Self {
        self.heaviest = most_bytes;
        self.weigh = weigh;
        self
    }

    /// The value kept under `key`, if it was read at `stamp` and is young enough at `now`.
    fn get_at(&self, key: &K, stamp: AreaStamp, now: Instant) -> Option<Arc<V>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let found = kept.get(key)?;
        (found.stamp == stamp && self.fresh(found, now)).then(|| Arc::clone(&found.value))
    }

    /// Whether it keeps anything (`ITF_AREA_CACHE_SECONDS` above 0).
    pub fn keeps(&self) -> bool {
        !self.max_age.is_zero()
    }

    /// The value kept under `key` while `area`'s stamp (read here, first) has not moved; else
    /// the value `read` reads, kept.
    pub async fn get_or_read<E, F>(
        &self,
        pool: &PgPool,
        area: AreaId,
        key: K,
        read: F,
    ) -> Result<Arc<V>, E>
    where
        E: From<sqlx::Error> + std::fmt::Display,
        F: Future<Output = Result<V, E>>,
    {
        let reading = if self.keeps() {
            Some(StampReading::read(pool, area).await?)
        } else {
            None
        };
        self.get_or_read_at(reading, key, read).await
    }

    /// [`get_or_read`](Self::get_or_read) against a stamp the page read already (for several
    /// kept values of one area, one statement): `None` (nothing is kept) reads afresh. A read
    /// ahead of a value's age that fails shows the kept value (logged), and the next request
    /// may read it again.
    pub async fn get_or_read_at<E, F>(
        &self,
        reading: Option<StampReading>,
        key: K,
        read: F,
    ) -> Result<Arc<V>, E>
    where
        E: std::fmt::Display,
        F: Future<Output = Result<V, E>>,
    {
        let Some(reading) = reading.filter(|_| self.keeps()) else {
            return Ok(Arc::new(read.await?));
        };
        let now = Instant::now();
        let mut still_kept = None;
        let mut claim = None;
        if let Some(kept) = self.get_at(&key, reading.stamp, now) {
            let Some(claimed_from) = self.claims_read_ahead(&key, now) else {
                return Ok(kept);
            };
            still_kept = Some(kept);
            // Given up if the read fails, or if this request is dropped before it ends (the
            // browser went away, say), so that the next request reads ahead instead.
            claim = Some(ReadAheadClaim {
                kept: self,
                key: &key,
                claimed_from,
                armed: true,
            });
        }
        // The claim goes into the match, so that each arm ends it (before `key` is kept).
        let value = match (read.await, still_kept, claim) {
            (Ok(value), _, claim) => {
                if let Some(claim) = claim {
                    claim.disarm();
                }
                Arc::new(value)
            }
            (Err(error), Some(kept), claim) => {
                drop(claim);
                tracing::warn!(%error, "reading a kept value again ahead of its age failed; the kept value is shown");
                return Ok(kept);
            }
            (Err(error), None, _) => return Err(error),
        };
        self.keep_at(key, reading.stamp, Arc::clone(&value), reading.read_at);
        Ok(value)
    }

    /// Whether the caller, having found the value under `key` kept, is the one to read it again
    /// ahead of its age (the first to look it up in the last quarter of its life): if so, which
    /// value it claimed (its `read_ahead_from`).
    fn claims_read_ahead(&self, key: &K, now: Instant) -> Option<Instant> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        match kept.get_mut(key) {
            Some(found) if now >= found.read_ahead_from && !found.reading_ahead => {
                found.reading_ahead = true;
                Some(found.read_ahead_from)
            }
            _ => None,
        }
    }

    /// Lets another request read the value under `key` ahead of its age (this one did not), if
    /// it is still the value claimed from `claimed_from`: one kept since is claimed afresh.
    fn release_read_ahead(&self, key: &K, claimed_from: Instant) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = kept.get_mut(key)
            && found.read_ahead_from == claimed_from
        {
            found.reading_ahead = false;
        }
    }

    /// Keeps `value`, read after `stamp` (read at `read_at`), under `key`, unless what is kept
    /// there already was read at a later stamp (a slower request finishing last).
    fn keep_at(&self, key: K, stamp: AreaStamp, value: Arc<V>, read_at: Instant) {
        if self.max_age.is_zero() || self.most == 0 {
            return;
        }
        if (self.weigh)(&value) > self.heaviest {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.get(&key).is_some_and(|found| found.stamp > stamp) {
            return;
        }
        // Whatever has aged goes whenever something is kept, so that what nobody reads any
        // more is let go; past the bound, everything goes.
        kept.retain(|_, found| found.expires_at > read_at);
        if kept.len() >= self.most && !kept.contains_key(&key) {
            kept.clear();
        }
        let lifetime = self.lifetime();
        kept.insert(
            key,
            Kept {
                stamp,
                expires_at: read_at + lifetime,
                read_ahead_from: read_at + lifetime.mul_f64(0.75),
                reading_ahead: false,
                value,
            },
        );
    }

    fn fresh(&self, kept: &Kept<V>, now: Instant) -> bool {
        now < kept.expires_at
    }

    /// How long the next value kept is kept at most: `max_age`, less up to a quarter of it,
    /// spread evenly over the values kept. Values read together (the first views after a
    /// start, or after a change) would otherwise all be read again in the same instant, and
    /// those reads queue behind one another.
    fn lifetime(&self) -> Duration {
        let nth = self.kept_count.fetch_add(1, Ordering::Relaxed);
        // The golden ratio's fractional part steps through [0, 1) evenly, in no pattern.
        let spread = (nth as f64 * 0.618_033_988_749_895).fract();
        self.max_age.mul_f64(1.0 - spread / 4.0)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(most: usize) -> KeptForAreas<&'static str, u32> {
        KeptForAreas::new(Duration::from_secs(10), most)
    }

    #[test]
    fn a_value_is_shown_again_only_at_its_stamp_while_young() {
        let kept = cache(4);
        let start = Instant::now();
        kept.keep_at("kent", AreaStamp(7), Arc::new(1), start);
        assert_eq!(
            kept.get_at(&"kent", AreaStamp(7), start).as_deref(),
            Some(&1)
        );
        // Kept at least three quarters of its age, whichever value it was.
        assert_eq!(
            kept.get_at(&"kent", AreaStamp(7), start + Duration::from_millis(7_400))
                .as_deref(),
            Some(&1)
        );
        // The area changed since.
        assert!(kept.get_at(&"kent", AreaStamp(8), start).is_none());
        // Too old, whatever the stamp says.
        assert!(
            kept.get_at(&"kent", AreaStamp(7), start + Duration::from_secs(10))
                .is_none()
        );
        assert!(kept.get_at(&"york", AreaStamp(7), start).is_none());
    }

    #[test]
    fn values_kept_together_are_not_all_read_again_together() {
        let kept: KeptForAreas<u32, u32> = KeptForAreas::new(Duration::from_secs(8), 100);
        let start = Instant::now();
        for key in 0..64 {
            kept.keep_at(key, AreaStamp(1), Arc::new(key), start);
        }
        let still_kept = |after: Duration| {
            (0..64)
                .filter(|key| kept.get_at(key, AreaStamp(1), start + after).is_some())
                .count()
        };
        assert_eq!(still_kept(Duration::from_millis(5_999)), 64);
        // Between 6 s and 8 s they go a few at a time.
        let at_7 = still_kept(Duration::from_secs(7));
        assert!((20..=44).contains(&at_7), "{at_7} of 64 kept at 7 s");
        assert_eq!(still_kept(Duration::from_secs(8)), 0);
    }

    #[test]
    fn an_older_read_never_replaces_a_newer_one() {
        let kept = cache(4);
        let now = Instant::now();
        kept.keep_at("kent", AreaStamp(9), Arc::new(2), now);
        kept.keep_at("kent", AreaStamp(8), Arc::new(1), now);
        assert_eq!(kept.get_at(&"kent", AreaStamp(9), now).as_deref(), Some(&2));
        kept.keep_at("kent", AreaStamp(10), Arc::new(3), now);
        assert_eq!(
            kept.get_at(&"kent", AreaStamp(10), now).as_deref(),
            Some(&3)
        );
    }

    #[test]
    fn the_bound_holds_stale_values_going_first() {
        let kept = cache(2);
        let start = Instant::now();
        kept.keep_at("kent", AreaStamp(1), Arc::new(1), start);
        let later = start + Duration::from_secs(11);
        kept.keep_at("york", AreaStamp(1), Arc::new(2), later);
        kept.keep_at("leeds", AreaStamp(1), Arc::new(3), later);
        // Kent's was stale and went; York's stayed.
        assert_eq!(kept.len(), 2);
        assert!(kept.get_at(&"york", AreaStamp(1), later).is_some());
        // Full of fresh values: they all go to make room.
        kept.keep_at("bath", AreaStamp(1), Arc::new(4), later);
        assert_eq!(kept.len(), 1);
        assert!(kept.get_at(&"bath", AreaStamp(1), later).is_some());
    }

    #[test]
    fn nothing_is_kept_when_told_to_keep_nothing() {
        let kept: KeptForAreas<&str, u32> = KeptForAreas::new(Duration::ZERO, 4);
        let now = Instant::now();
        kept.keep_at("kent", AreaStamp(1), Arc::new(1), now);
        assert!(kept.is_empty());
        assert!(kept.get_at(&"kent", AreaStamp(1), now).is_none());
    }

    /// One stamp read for a page serves several caches: each value is read once at it and
    /// kept, and read again once the stamp moves; without a reading nothing is kept.
    #[tokio::test]
    async fn values_looked_up_against_one_reading_are_read_once_per_stamp() {
        let kept = cache(4);
        let reads = AtomicU64::new(0);
        let read = |value: u32| {
            let reads = &reads;
            async move {
                reads.fetch_add(1, Ordering::Relaxed);
                Ok::<_, sqlx::Error>(value)
            }
        };
        let at = |stamp: i64| {
            Some(StampReading {
                stamp: AreaStamp(stamp),
                read_at: Instant::now(),
            })
        };
        let first = kept.get_or_read_at(at(3), "kent", read(1)).await.unwrap();
        let again = kept.get_or_read_at(at(3), "kent", read(2)).await.unwrap();
        assert_eq!((*first, *again), (1, 1));
        let moved = kept.get_or_read_at(at(4), "kent", read(5)).await.unwrap();
        assert_eq!(*moved, 5);
        let unkept = kept.get_or_read_at(None, "york", read(6)).await.unwrap();
        assert_eq!(*unkept, 6);
        assert!(kept.get_at(&"york", AreaStamp(4), Instant::now()).is_none());
        // The second look-up found the first value kept and read nothing.
        assert_eq!(reads.load(Ordering::Relaxed), 3);
    }

    /// A cache holding Kent's value 1 at stamp 3 in the last quarter of its life (the first
    /// value kept lives the whole 10 s, and it was read 8 s ago), and a reading of that stamp.
    fn kent_in_its_last_quarter() -> (KeptForAreas<&'static str, u32>, Option<StampReading>) {
        let kept = cache(4);
        let now = Instant::now();
        kept.keep_at(
            "kent",
            AreaStamp(3),
            Arc::new(1),
            now - Duration::from_secs(8),
        );
        let reading = Some(StampReading {
            stamp: AreaStamp(3),
            read_at: now,
        });
        (kept, reading)
    }

    /// In the last quarter of its life a value is read again by the first request to look it
    /// up; the others, meanwhile, show the kept value without reading.
    #[tokio::test]
    async fn one_request_reads_a_value_again_ahead_of_its_age_while_others_show_it() {
        use futures_util::FutureExt as _;

        let (kept, reading) = kent_in_its_last_quarter();
        let gate = tokio::sync::Notify::new();
        let reads = AtomicU64::new(0);
        let slow_read = async {
            reads.fetch_add(1, Ordering::Relaxed);
            gate.notified().await;
            Ok::<_, sqlx::Error>(2)
        };
        let first = kept.get_or_read_at(reading, "kent", slow_read);
        tokio::pin!(first);
        assert!(
            (&mut first).now_or_never().is_none(),
            "the first reads again"
        );
        let unread = async {
            reads.fetch_add(10, Ordering::Relaxed);
            Ok::<_, sqlx::Error>(99)
        };
        let second = kept.get_or_read_at(reading, "kent", unread).await.unwrap();
        assert_eq!(*second, 1, "meanwhile the kept value is shown");
        gate.notify_one();
        assert_eq!(*first.await.unwrap(), 2);
        assert_eq!(reads.load(Ordering::Relaxed), 1, "read once");
        // What it read is kept anew, with a life of its own.
        let third = kept
            .get_or_read_at(reading, "kent", async { Ok::<_, sqlx::Error>(3) })
            .await
            .unwrap();
        assert_eq!(*third, 2);
    }

    /// A read ahead of a value's age that fails shows the kept value, and the next request
    /// reads it again.
    #[tokio::test]
    async fn a_failed_read_ahead_shows_the_kept_value_and_another_request_reads_again() {
        let (kept, reading) = kent_in_its_last_quarter();
        let failing = async { Err::<u32, _>(sqlx::Error::PoolTimedOut) };
        let shown = kept.get_or_read_at(reading, "kent", failing).await.unwrap();
        assert_eq!(*shown, 1, "the kept value, still within its age");
        let again = kept
            .get_or_read_at(reading, "kent", async { Ok::<_, sqlx::Error>(2) })
            .await
            .unwrap();
        assert_eq!(*again, 2, "the next request read it again");
        // With nothing kept, a failed read is the request's error.
        let failing = async { Err::<u32, _>(sqlx::Error::PoolTimedOut) };
        assert!(kept.get_or_read_at(reading, "york", failing).await.is_err());
    }

    /// A request cancelled while it reads a value again ahead of its age (the browser went
    /// away) gives up its claim: the next request reads it again, rather than nobody until the
    /// value reaches its age.
    #[tokio::test]
    async fn a_cancelled_read_ahead_lets_the_next_request_read_again() {
        use futures_util::FutureExt as _;

        let (kept, reading) = kent_in_its_last_quarter();
        let never = std::future::pending::<Result<u32, sqlx::Error>>();
        assert!(
            kept.get_or_read_at(reading, "kent", never)
                .now_or_never()
                .is_none(),
            "the first claims the read and is dropped while reading"
        );
        let again = kept
            .get_or_read_at(reading, "kent", async { Ok::<_, sqlx::Error>(2) })
            .await
            .unwrap();
        assert_eq!(*again, 2, "the next request read it again");
    }

    #[test]
    fn a_value_too_heavy_is_not_kept() {
        let kept = cache(4).keeping_none_over(10, |value| *value as usize);
        let now = Instant::now();
        kept.keep_at("kent", AreaStamp(1), Arc::new(11), now);
        kept.keep_at("york", AreaStamp(1), Arc::new(10), now);
        assert!(kept.get_at(&"kent", AreaStamp(1), now).is_none());
        assert_eq!(
            kept.get_at(&"york", AreaStamp(1), now).as_deref(),
            Some(&10)
        );
    }
}
