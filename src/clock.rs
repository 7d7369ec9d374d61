//! "Now", taken from the application state rather than the system directly, so that tests and
//! demonstrations can set the date (deadlines, timeouts, RAG status all depend on it).

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

#[derive(Clone, Debug)]
pub enum Clock {
    /// The real time.
    System,
    /// A time that only moves when told to.
    Fixed(Arc<Mutex<OffsetDateTime>>),
}

impl Clock {
    pub fn fixed(at: OffsetDateTime) -> Clock {
        Clock::Fixed(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(at) => *at.lock().unwrap_or_else(|poison| poison.into_inner()),
        }
    }

    /// Moves a fixed clock on by `by`; the system clock cannot be moved.
    pub fn advance(&self, by: time::Duration) {
        if let Clock::Fixed(at) = self {
            let mut at = at.lock().unwrap_or_else(|poison| poison.into_inner());
            *at += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fixed_clock_moves_only_when_advanced() {
        let clock = Clock::fixed(datetime!(2014-02-14 12:00 UTC));
        assert_eq!(clock.now(), datetime!(2014-02-14 12:00 UTC));
        clock.advance(time::Duration::days(1));
        assert_eq!(clock.now(), datetime!(2014-02-15 12:00 UTC));
    }
}
