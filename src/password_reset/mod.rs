//! Forgotten passwords: anyone may ask for a link to choose a new password, sent by email to the
//! account's address. The page answers the same whether or not the address has an account; the
//! link works once, for an hour; at most three are sent to an account in an hour, and a client
//! address asking too often is paused like sign-in guessing (`auth::throttle`). Using a link
//! sets the new password, ends every session of the account and stops trusting its browsers;
//! two-factor authentication stays as it was.
//!
//! This feature sits above `auth` (accounts, sessions) and `notifications` (the outbox): neither
//! knows it.

pub mod routes;
pub mod store;

use time::Duration;

/// How long a link works.
pub const LINK_LIFETIME: Duration = Duration::hours(1);
/// The most links sent to one account within `LINK_LIFETIME`.
pub const MAX_LINKS_PER_HOUR: i64 = 3;

/// Whether another link may be sent to an account that was sent `sent_in_the_last_hour`.
pub fn may_send_another(sent_in_the_last_hour: i64) -> bool {
    sent_in_the_last_hour < MAX_LINKS_PER_HOUR
}

/// The message carrying the link: subject and plain-text body.
pub fn message(base_url: &str, token: &str, display_name: &str) -> (String, String) {
    let link = format!("{base_url}/password-reset/{token}");
    let body = format!(
        "Dear {display_name},\n\n\
         Someone, probably you, asked to reset the password of your ITF planner account.\n\n\
         To choose a new password, open this link within an hour:\n\n{link}\n\n\
         The link works once. If you did not ask for it, you can ignore this message: your \
         password has not changed.\n"
    );
    ("Reset your ITF planner password".to_owned(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_links_an_hour_and_no_more() {
        assert!(may_send_another(0));
        assert!(may_send_another(2));
        assert!(!may_send_another(3));
        assert!(!may_send_another(10));
    }

    #[test]
    fn the_message_carries_the_link_under_the_base_url() {
        let (subject, body) = message("https://itf.example.org", "abc123", "Sam Smith");
        assert_eq!(subject, "Reset your ITF planner password");
        assert!(body.contains("https://itf.example.org/password-reset/abc123\n"));
        assert!(body.starts_with("Dear Sam Smith,"));
        assert!(body.contains("within an hour"));
    }
}
