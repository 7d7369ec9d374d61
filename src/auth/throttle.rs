//! Slowing down password guessing. Failures are counted per account and per client address;
//! past a few free failures each one locks further attempts for a while, doubling up to a cap.
//! Attempts refused while locked are not counted, so a lock never grows beyond the cap, and a
//! browser that has signed in to the account before is exempt from the account's lock (see
//! `trusted_devices`), so a stranger hammering an account cannot lock its owner out.

use time::{Duration, OffsetDateTime};

use super::store::ThrottleState;

/// Which counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Keyed by the lower-cased email typed, whether or not it has an account, so that
    /// unknown and known emails behave the same.
    Account,
    /// Keyed by the client address: one source trying many accounts.
    Address,
}

impl Scope {
    pub fn key(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Address => "address",
        }
    }

    /// Failures allowed before the first lock.
    pub fn free_failures(self) -> i32 {
        match self {
            Scope::Account => 5,
            Scope::Address => 30,
        }
    }
}

/// The longest a lock lasts.
pub const MAX_LOCK: Duration = Duration::minutes(15);
/// Failures older than this are forgotten.
pub const MEMORY: Duration = Duration::hours(1);

pub fn is_locked(state: Option<&ThrottleState>, now: OffsetDateTime) -> bool {
    state
        .and_then(|state| state.locked_until)
        .is_some_and(|until| until > now)
}

/// The counter after one more failure at `now`.
pub fn after_failure(
    scope: Scope,
    previous: Option<ThrottleState>,
    now: OffsetDateTime,
) -> ThrottleState {
    let (failures, first_failure_at) = match previous {
        Some(state) if now - state.first_failure_at < MEMORY => {
            (state.failures + 1, state.first_failure_at)
        }
        _ => (1, now),
    };
    let over = failures - scope.free_failures();
    let locked_until = (over >= 0).then(|| {
        // 1, 2, 4, 8 minutes, then the cap.
        let minutes = 1i64 << over.clamp(0, 4);
        now + Duration::minutes(minutes).min(MAX_LOCK)
    });
    ThrottleState {
        failures,
        first_failure_at,
        locked_until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn five_failures_lock_an_account_for_a_minute_then_locks_double_up_to_fifteen() {
        let mut now = datetime!(2014-02-14 09:00 UTC);
        let mut state = None;
        for _ in 0..4 {
            state = Some(after_failure(Scope::Account, state, now));
            assert!(!is_locked(state.as_ref(), now));
        }
        let mut expected_locks = vec![1, 2, 4, 8, 15, 15].into_iter();
        for _ in 0..6 {
            state = Some(after_failure(Scope::Account, state, now));
            let minutes = expected_locks.next().unwrap();
            assert!(is_locked(state.as_ref(), now));
            assert!(is_locked(
                state.as_ref(),
                now + Duration::minutes(minutes) - Duration::seconds(1)
            ));
            assert!(!is_locked(state.as_ref(), now + Duration::minutes(minutes)));
            now += Duration::minutes(minutes);
        }
    }

    #[test]
    fn old_failures_are_forgotten() {
        let start = datetime!(2014-02-14 09:00 UTC);
        let mut state = None;
        for _ in 0..4 {
            state = Some(after_failure(Scope::Account, state, start));
        }
        let later = after_failure(Scope::Account, state, start + MEMORY);
        assert_eq!(later.failures, 1);
        assert!(!is_locked(Some(&later), start + MEMORY));
    }

    #[test]
    fn addresses_get_more_free_failures_than_accounts() {
        let now = datetime!(2014-02-14 09:00 UTC);
        let mut state = None;
        for _ in 0..29 {
            state = Some(after_failure(Scope::Address, state, now));
        }
        assert!(!is_locked(state.as_ref(), now));
        state = Some(after_failure(Scope::Address, state, now));
        assert!(is_locked(state.as_ref(), now));
    }
}
