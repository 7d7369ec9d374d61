//! Mail waiting in the outbox: what a message is for, and how long to wait after a failure.

use time::Duration;

use crate::auth::UserId;
use crate::keyed::keyed_enum;

keyed_enum! {
    /// Why a message is sent. Links in invitations and password resets let someone into an
    /// account, so administrators reading the outbox do not see those bodies.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Purpose {
        Notice = ("notice", "Notification"),
        Digest = ("digest", "Daily digest"),
        Invitation = ("invitation", "Invitation"),
        PasswordReset = ("password_reset", "Password reset"),
    }
}

impl Purpose {
    /// Whether the body holds a secret link, hidden from administrators reading the outbox.
    pub fn carries_secret(self) -> bool {
        matches!(self, Purpose::Invitation | Purpose::PasswordReset)
    }
}

/// A message to queue.
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    /// The person it is for, when they have an account.
    pub user_id: Option<UserId>,
    pub to_address: String,
    pub purpose: Purpose,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// After this many failed attempts a message is given up (failed, shown to administrators, who
/// may send it again). With the back-off below that is about a day of trying.
pub const MAX_ATTEMPTS: i32 = 14;

/// How long to wait before the next attempt after `attempts` failures: a minute, doubling,
/// at most four hours.
pub fn retry_after(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 20) - 1;
    let minutes = 1_i64 << doublings;
    Duration::minutes(minutes.min(240))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_a_minute_to_four_hours() {
        assert_eq!(retry_after(1), Duration::minutes(1));
        assert_eq!(retry_after(2), Duration::minutes(2));
        assert_eq!(retry_after(5), Duration::minutes(16));
        assert_eq!(retry_after(9), Duration::minutes(240));
        assert_eq!(retry_after(50), Duration::minutes(240));
        let total: i64 = (1..MAX_ATTEMPTS)
            .map(|n| retry_after(n).whole_minutes())
            .sum();
        assert!(
            total > 12 * 60,
            "gives a relay outage half a day: {total} minutes"
        );
    }

    #[test]
    fn only_links_into_accounts_are_secret() {
        assert!(Purpose::PasswordReset.carries_secret());
        assert!(Purpose::Invitation.carries_secret());
        assert!(!Purpose::Digest.carries_secret());
    }
}
