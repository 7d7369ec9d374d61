//! Slowing down password guessing. Failures are counted per account and per client address;
//! past a few free failures each one locks further attempts for a while, doubling up to a cap.
//! Attempts refused while locked are not counted, so a lock never grows beyond the cap, and a
//! browser that has signed in to the account before is exempt from the account's lock (see
//! `trusted_devices`), so a stranger hammering an account cannot lock its owner out.
//!
//! Every attempt at an account (its password, its two-factor step, re-entering its password)
//! is counted as a failure *before* it is checked, with the counter's row locked while it is
//! read and written (`store::lock_throttle`), so parallel guesses queue on the row and each one
//! counts: once the lock starts, the rest are refused unchecked. A success clears the count.
//! The address counter is checked first but counted only after a failure (row locked too), so
//! colleagues signing in at once behind one office address do not pause it.

use time::{Duration, OffsetDateTime};

use super::store::ThrottleState;

/// Which counter. Each scope is its own namespace (a column of the key), so what someone types
/// as an email can only ever reach the `Account` scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Keyed by the email typed, normalised as the account look-up does (`email_key` in SQL),
    /// whether or not it has an account, so that unknown and known emails behave the same.
    Account,
    /// Keyed by the client address: one source trying many accounts.
    Address,
    /// The two-factor step of sign-in, keyed by user id.
    SecondFactor,
    /// Re-entering the current password in "Your account" (to change it, or to get new
    /// recovery codes), keyed by user id.
    CurrentPassword,
    /// Asking for a password-reset link, keyed by the client address: one source asking for
    /// links to many accounts.
    ResetRequest,
}

impl Scope {
    pub fn key(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Address => "address",
            Scope::SecondFactor => "second_factor",
            Scope::CurrentPassword => "current_password",
            Scope::ResetRequest => "reset_request",
        }
    }

    /// Failures allowed before the first lock.
    pub fn free_failures(self) -> i32 {
        match self {
            Scope::Account | Scope::SecondFactor | Scope::CurrentPassword => 5,
            Scope::Address | Scope::ResetRequest => 30,
        }
    }
}

/// What to do with one attempt, decided with the counter's row locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Locked: refuse without checking anything, and leave the counter alone.
    Refused,
    /// Check the attempt; the counter is to be saved as this (one more failure) beforehand.
    Counted(ThrottleState),
    /// Exempt from this counter's lock (a trusted browser): check the attempt, and save the
    /// counter as this.
    Exempt(ThrottleState),
}

impl Admission {
    pub fn is_refused(self) -> bool {
        self == Admission::Refused
    }

    /// The counter to save, if any.
    pub fn state(self) -> Option<ThrottleState> {
        match self {
            Admission::Refused => None,
            Admission::Counted(state) | Admission::Exempt(state) => Some(state),
        }
    }
}

/// Decides one attempt against the counter as it stands (`None`: no row yet). An attempt let
/// through is counted as a failure in advance; `exempt` lets it through a lock (and counts it
/// too, as a failure from a trusted browser always was).
pub fn admit(
    scope: Scope,
    current: Option<ThrottleState>,
    now: OffsetDateTime,
    exempt: bool,
) -> Admission {
    if is_locked(current.as_ref(), now) {
        if exempt {
            return Admission::Exempt(after_failure(scope, current, now));
        }
        return Admission::Refused;
    }
    Admission::Counted(after_failure(scope, current, now))
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
    fn attempts_are_counted_before_checking_and_refused_uncounted_once_locked() {
        let now = datetime!(2014-02-14 09:00 UTC);
        let mut state = None;
        for expected in 1..=5 {
            let admission = admit(Scope::SecondFactor, state, now, false);
            let Admission::Counted(next) = admission else {
                panic!("attempt {expected} is checked");
            };
            assert_eq!(next.failures, expected);
            state = Some(next);
        }
        assert!(admit(Scope::SecondFactor, state, now, false).is_refused());
        assert_eq!(admit(Scope::SecondFactor, state, now, false).state(), None);
        let exempt = admit(Scope::Account, state, now, true);
        assert!(matches!(exempt, Admission::Exempt(next) if next.failures == 6));
        assert!(
            !admit(Scope::SecondFactor, state, now + MAX_LOCK, false).is_refused(),
            "the lock ends"
        );
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
