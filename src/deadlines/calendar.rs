//! The iCalendar (RFC 5545) text of a calendar feed, built from deadlines. Pure: the route reads
//! the deadlines and the clock, this decides what the calendar says.
//!
//! Each deadline is an all-day event on its due day (in England), with a UID that stays the same
//! from one fetch to the next (`<deadline ref>-<area slug>@itf-planner`), so calendar apps
//! update an event rather than add another.

use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use time::{Date, Duration, OffsetDateTime, format_description::BorrowedFormatItem};
use time::{UtcOffset, macros::format_description};

use super::model::{Deadline, DeadlineRef};

/// The area a deadline belongs to, as a feed names it.
#[derive(Clone, Debug)]
pub struct FeedArea {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// What a feed is of, and what it needs to say so.
pub struct Feed<'a> {
    /// The calendar's name, after "ITF planner: " (an area's name, or a person's).
    pub name: &'a str,
    /// The areas of the feed, with their deadlines.
    pub areas: Vec<(&'a FeedArea, &'a [Deadline])>,
    /// Where people reach the application (`config.public_url`, else the address the feed was
    /// asked at), without the trailing slash.
    pub public_url: &'a str,
    /// The application clock's now: the DTSTAMP of every event, and "today" for the standing.
    pub now: OffsetDateTime,
    /// Today in England.
    pub today: Date,
}

/// DTSTAMP's form: a UTC date-time.
const STAMP: &[BorrowedFormatItem<'_>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The event's stable identifier.
pub fn uid(reference: &DeadlineRef, area_slug: &str) -> String {
    format!("{}-{area_slug}@itf-planner", reference.text())
}

/// "Kent: Final plans due (national)", "[Met] Kent: Risk register to the board (local)": the
/// key dates' titles say "due" themselves.
pub fn summary(area_name: &str, deadline: &Deadline) -> String {
    let kind = if deadline.is_national() {
        "national"
    } else {
        "local"
    };
    let met = if deadline.met.is_some() { "[Met] " } else { "" };
    format!("{met}{area_name}: {} ({kind})", deadline.title)
}

/// What meets it, where it stands, the plan it belongs to and where to see the area's deadlines.
pub fn description(area: &FeedArea, deadline: &Deadline, today: Date, public_url: &str) -> String {
    let mut lines = Vec::new();
    if let Some((_, plan)) = &deadline.plan {
        lines.push(format!("Plan: {plan}"));
    }
    lines.push(format!("Met when: {}", deadline.rule.words()));
    lines.push(format!("Standing: {}", deadline.standing(today).words()));
    lines.push(format!(
        "Deadlines of {}: {}",
        area.name,
        deadlines_url(public_url, &area.slug)
    ));
    lines.join("\n")
}

/// The area's deadlines page.
pub fn deadlines_url(public_url: &str, slug: &str) -> String {
    format!(
        "{}/areas/{slug}/deadlines",
        public_url.trim_end_matches('/')
    )
}

/// The whole calendar, as RFC 5545 text.
pub fn build(feed: &Feed<'_>) -> String {
    let stamp = feed
        .now
        .to_offset(UtcOffset::UTC)
        .format(STAMP)
        .unwrap_or_default();
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//itf-planner//Deadlines//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(&format!("ITF planner: {}", feed.name));
    for (area, deadlines) in &feed.areas {
        for deadline in deadlines.iter() {
            let mut event = icalendar::Event::new();
            event
                .uid(&uid(&deadline.reference, &area.slug))
                .add_property("DTSTAMP", &stamp)
                .starts(deadline.due)
                .ends(deadline.due + Duration::days(1))
                .summary(&summary(&area.name, deadline))
                .description(&description(area, deadline, feed.today, feed.public_url))
                .url(&deadlines_url(feed.public_url, &area.slug))
                .status(EventStatus::Confirmed)
                .add_property("TRANSP", "TRANSPARENT");
            if deadline.met.is_some() {
                event.add_property("X-ITF-MET", "TRUE");
            }
            calendar.push(event.done());
        }
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadlines::model::{Met, MetBy, Rule};
    use time::macros::{date, datetime};

    fn kent() -> FeedArea {
        FeedArea {
            id: 1,
            slug: "kent".to_owned(),
            name: "Kent".to_owned(),
        }
    }

    fn national(met: Option<Met>) -> Deadline {
        Deadline {
            reference: DeadlineRef::National {
                plan_id: 3,
                key: "final-plans".to_owned(),
            },
            area_id: 1,
            title: "Final plans due".to_owned(),
            due: date!(2014 - 04 - 04),
            plan: Some(("2014-16".to_owned(), "ITF plan 2014-16".to_owned())),
            rule: Rule::NationalSubmission,
            met,
            local: None,
        }
    }

    fn local() -> Deadline {
        Deadline {
            reference: DeadlineRef::Local { id: 7 },
            area_id: 1,
            title: "Risk register, to the board; with notes".to_owned(),
            due: date!(2014 - 03 - 31),
            plan: None,
            rule: Rule::Local(MetBy::Manual),
            met: None,
            local: Some((String::new(), 1)),
        }
    }

    fn text(deadlines: &[Deadline]) -> String {
        let area = kent();
        build(&Feed {
            name: "Kent",
            areas: vec![(&area, deadlines)],
            public_url: "https://itf.example.org/",
            now: datetime!(2014-03-20 09:30:15 UTC),
            today: date!(2014 - 03 - 20),
        })
    }

    /// The text with folded lines unfolded (RFC 5545 3.1).
    fn unfolded(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn each_deadline_is_an_all_day_event_ending_the_next_day() {
        let text = unfolded(&text(&[national(None)]));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(
            text.contains("X-WR-CALNAME:ITF planner: Kent\r\n"),
            "{text}"
        );
        assert!(text.contains("DTSTART;VALUE=DATE:20140404\r\n"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20140405\r\n"), "{text}");
        assert!(text.contains("DTSTAMP:20140320T093015Z\r\n"), "{text}");
        assert!(
            text.contains("UID:national:3:final-plans-kent@itf-planner\r\n"),
            "{text}"
        );
        assert!(
            text.contains("SUMMARY:Kent: Final plans due (national)\r\n"),
            "{text}"
        );
        assert!(text.contains("Due in 15 days"), "{text}");
        assert!(
            text.contains("https://itf.example.org/areas/kent/deadlines"),
            "{text}"
        );
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
    }

    #[test]
    fn a_met_deadline_says_so_in_its_summary() {
        let met = Met::ByHand {
            on: date!(2014 - 03 - 19),
            by: "Lead".to_owned(),
            note: String::new(),
        };
        let text = unfolded(&text(&[national(Some(met))]));
        assert!(
            text.contains("SUMMARY:[Met] Kent: Final plans due (national)\r\n"),
            "{text}"
        );
    }

    #[test]
    fn the_same_deadline_keeps_its_uid_and_text_special_characters_are_escaped() {
        let first = text(&[local(), national(None)]);
        assert_eq!(
            first,
            text(&[local(), national(None)]),
            "same input, same text"
        );
        let text = unfolded(&first);
        assert!(text.contains("UID:local:7-kent@itf-planner\r\n"), "{text}");
        assert!(
            text.contains("Risk register\\, to the board\\; with notes (local)"),
            "{text}"
        );
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    }

    #[test]
    fn a_relative_link_without_a_public_url() {
        assert_eq!(deadlines_url("", "kent"), "/areas/kent/deadlines");
    }
}
