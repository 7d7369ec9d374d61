//! How long the service keeps each kind of personal data that it deletes by itself, in words,
//! for the privacy notice: read from the constants that decide it, so the notice says what the
//! product does.

use super::duration_words;
use crate::auth::{session, throttle};

/// The periods the privacy notice states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// A session ends after this long without activity...
    pub session_idle: String,
    /// ...and this long after signing in, however active.
    pub session_absolute: String,
    /// A trusted browser is forgotten after this long.
    pub trusted_browser: String,
    /// Refused sign-ins are kept this long.
    pub security_events: String,
    /// Counts of recent wrong guesses are forgotten after this long.
    pub sign_in_counters: String,
    /// A password-reset link works for this long.
    pub password_reset_link: String,
    /// An invitation works for this long.
    pub invitation: String,
}

impl Retention {
    /// The periods in force.
    pub fn in_force() -> Retention {
        Retention {
            session_idle: duration_words(session::IDLE_TIMEOUT),
            session_absolute: duration_words(session::ABSOLUTE_TIMEOUT),
            trusted_browser: duration_words(session::TRUSTED_DEVICE_LIFETIME),
            security_events: duration_words(crate::SECURITY_EVENTS_KEPT),
            sign_in_counters: duration_words(throttle::MEMORY),
            password_reset_link: duration_words(crate::password_reset::LINK_LIFETIME),
            invitation: duration_words(crate::membership::INVITATION_LIFETIME),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Retention;

    #[test]
    fn the_notice_states_the_periods_the_product_runs_on() {
        assert_eq!(
            Retention::in_force(),
            Retention {
                session_idle: "30 minutes".into(),
                session_absolute: "12 hours".into(),
                trusted_browser: "30 days".into(),
                security_events: "90 days".into(),
                sign_in_counters: "1 hour".into(),
                password_reset_link: "1 hour".into(),
                invitation: "7 days".into(),
            }
        );
    }
}
