//! What the mail says, and when a digest is due: pure, so tests pin them down with fixed data.

use time::{Date, OffsetDateTime};

use super::{NewNotice, NoticeKind};
use crate::web::format::in_london;

/// A message's subject and plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

/// One notice as it goes in a digest.
#[derive(Clone, Debug)]
pub struct DigestItem {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub link: String,
}

const SIGNATURE: &str = "\n--\nITF planner. To choose how and when you get mail, go to ";

/// The message for one notice sent at once.
pub fn single(notice: &NewNotice, base_url: &str) -> Message {
    let mut body = format!("{}\n", notice.title);
    if !notice.body.is_empty() {
        body.push('\n');
        body.push_str(&notice.body);
        body.push('\n');
    }
    body.push_str(&format!("\nOpen it: {base_url}{}\n", notice.link));
    body.push_str(&format!("{SIGNATURE}{base_url}/account/notifications\n"));
    Message {
        subject: notice.title.clone(),
        body,
    }
}

/// One message of everything `items` says, grouped by kind (things to do first), for the day
/// `day` in London.
pub fn digest(items: &[DigestItem], day: Date, base_url: &str) -> Message {
    let count = items.len();
    let subject = format!(
        "ITF planner: {count} {} for {}",
        if count == 1 { "update" } else { "updates" },
        crate::web::format::date(day)
    );
    let mut body = String::new();
    for kind in NoticeKind::ALL {
        let of_kind: Vec<&DigestItem> = items.iter().filter(|item| item.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        body.push_str(&format!("{}\n\n", heading(kind)));
        for item in of_kind {
            body.push_str(&format!("* {}\n", item.title));
            if !item.body.is_empty() {
                body.push_str(&format!("  {}\n", item.body.replace('\n', "\n  ")));
            }
            body.push_str(&format!("  {base_url}{}\n\n", item.link));
        }
    }
    body.push_str(&format!("{SIGNATURE}{base_url}/account/notifications\n"));
    Message { subject, body }
}

fn heading(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Assignment => "For you to do",
        NoticeKind::Mention => "You were mentioned",
        NoticeKind::Overdue => "Overdue",
        NoticeKind::News => "News from your areas",
    }
}

/// The London day a digest is due for, at `now`, for someone who wants it at `hour` and last
/// had one on `last`: today once the hour has come and today's has not been made.
pub fn digest_due(now: OffsetDateTime, hour: u8, last: Option<Date>) -> Option<Date> {
    let local = in_london(now);
    let today = local.date();
    let due = local.hour() >= hour && last.is_none_or(|last| last < today);
    due.then_some(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn item(kind: NoticeKind, title: &str) -> DigestItem {
        DigestItem {
            kind,
            title: title.to_owned(),
            body: String::new(),
            link: "/areas/kent".to_owned(),
        }
    }

    #[test]
    fn a_digest_groups_by_kind_with_things_to_do_first() {
        let message = digest(
            &[
                item(NoticeKind::News, "Round opened"),
                item(NoticeKind::Assignment, "Your decision"),
                item(NoticeKind::Mention, "Jo mentioned you"),
            ],
            date!(2014 - 02 - 14),
            "https://itf.example.org",
        );
        assert_eq!(
            message.subject,
            "ITF planner: 3 updates for 14 February 2014"
        );
        let to_do = message.body.find("For you to do").unwrap();
        let mentioned = message.body.find("You were mentioned").unwrap();
        let news = message.body.find("News from your areas").unwrap();
        assert!(to_do < mentioned && mentioned < news, "{}", message.body);
        assert!(
            message
                .body
                .contains("  https://itf.example.org/areas/kent\n")
        );
        assert!(!message.body.contains("Overdue"));
    }

    #[test]
    fn the_digest_is_due_from_the_chosen_london_hour_once_a_day() {
        // 07:59 London in winter is 07:59 UTC; in summer 06:59 UTC.
        assert_eq!(digest_due(datetime!(2014-02-14 07:59 UTC), 8, None), None);
        assert_eq!(
            digest_due(datetime!(2014-02-14 08:00 UTC), 8, None),
            Some(date!(2014 - 02 - 14))
        );
        assert_eq!(
            digest_due(datetime!(2014-06-14 07:00 UTC), 8, None),
            Some(date!(2014 - 06 - 14)),
            "08:00 BST"
        );
        assert_eq!(
            digest_due(
                datetime!(2014-02-14 20:00 UTC),
                8,
                Some(date!(2014 - 02 - 14))
            ),
            None,
            "one a day"
        );
        assert_eq!(
            digest_due(
                datetime!(2014-02-15 09:00 UTC),
                8,
                Some(date!(2014 - 02 - 14))
            ),
            Some(date!(2014 - 02 - 15))
        );
    }

    #[test]
    fn a_single_notice_links_to_its_place_and_to_the_settings() {
        let message = single(
            &NewNotice {
                user_id: crate::auth::UserId::new(1),
                kind: NoticeKind::Mention,
                area_id: None,
                title: "Jo Bloggs mentioned you on Vision".to_owned(),
                body: "@kent.lead can you look?".to_owned(),
                link: "/areas/kent/plans/2014-16/sections/vision#comment-3".to_owned(),
                once_key: None,
            },
            "http://127.0.0.1:3000",
        );
        assert_eq!(message.subject, "Jo Bloggs mentioned you on Vision");
        assert!(message.body.contains(
            "Open it: http://127.0.0.1:3000/areas/kent/plans/2014-16/sections/vision#comment-3"
        ));
        assert!(
            message
                .body
                .contains("http://127.0.0.1:3000/account/notifications")
        );
    }
}
