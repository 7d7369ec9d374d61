//! Dates and times as people in England read them: "15 February 2014", "15 February 2014 at
//! 9:05am", always in UK time (GMT or BST), whatever the server's clock zone.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// "15 February 2014".
pub fn date(date: Date) -> String {
    date.format(format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| date.to_string())
}

/// The UK's time zone with its real rules (from the tz database bundled into the binary, so it
/// works on machines without /usr/share/zoneinfo). `None` only if that lookup fails, which the
/// bundled copy rules out; callers then show UTC rather than fail.
fn london() -> Option<&'static TimeZone> {
    static LONDON: LazyLock<Option<TimeZone>> =
        LazyLock::new(|| TimeZone::get("Europe/London").ok());
    LONDON.as_ref()
}

/// `at` in UK time: GMT in winter, BST in summer, as the tz database's Europe/London says
/// (including the years before today's rule).
pub fn in_london(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    let offset = london()
        .and_then(|zone| {
            let instant = Timestamp::from_second(utc.unix_timestamp()).ok()?;
            UtcOffset::from_whole_seconds(zone.to_offset(instant).seconds()).ok()
        })
        .unwrap_or(UtcOffset::UTC);
    utc.to_offset(offset)
}

/// A time as people in England read it: "15 February 2014 at 9:05am".
pub fn date_time(at: OffsetDateTime) -> String {
    let local = in_london(at);
    let date = local
        .format(format_description!(
            "[day padding:none] [month repr:long] [year]"
        ))
        .unwrap_or_default();
    let clock = local
        .format(format_description!(
            "[hour repr:12 padding:none]:[minute][period case:lower]"
        ))
        .unwrap_or_default();
    format!("{date} at {clock}")
}

/// A time for machines (`<time datetime>`): RFC 3339 in UTC.
pub fn iso(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The UK's zone at `at`, as its abbreviation: "GMT" in winter, "BST" in summer (and in
/// 1968–71's all-year British Standard Time), "BDST" for the wartime double summer time.
pub fn london_zone(at: OffsetDateTime) -> &'static str {
    match in_london(at).offset().whole_seconds() {
        3600 => "BST",
        7200 => "BDST",
        _ => "GMT",
    }
}

/// A time with its zone, for records read long after (the audit log): "15 February 2014 at
/// 9:05am GMT", "2 July 2014 at 12:30am BST".
pub fn date_time_zoned(at: OffsetDateTime) -> String {
    format!("{} {}", date_time(at), london_zone(at))
}

/// The moment `date` begins in the UK (midnight, GMT or BST: the clocks change at 1am, so
/// midnight always exists). `None` only for dates jiff cannot hold.
pub fn london_midnight(date: Date) -> Option<OffsetDateTime> {
    let civil = jiff::civil::Date::new(
        i16::try_from(date.year()).ok()?,
        i8::try_from(u8::from(date.month())).ok()?,
        i8::try_from(date.day()).ok()?,
    )
    .ok()?;
    let start = civil.to_zoned(london()?.clone()).ok()?;
    OffsetDateTime::from_unix_timestamp(start.timestamp().as_second()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use time::macros::datetime;

    #[test]
    fn winter_times_are_gmt() {
        assert_eq!(
            date_time(datetime!(2014-02-15 09:05 UTC)),
            "15 February 2014 at 9:05am"
        );
        assert_eq!(
            date_time(datetime!(2014-12-01 13:30 UTC)),
            "1 December 2014 at 1:30pm"
        );
    }

    #[test]
    fn summer_times_are_bst() {
        assert_eq!(
            date_time(datetime!(2014-07-01 23:30 UTC)),
            "2 July 2014 at 12:30am"
        );
    }

    #[test]
    fn the_clocks_change_at_one_in_the_morning_utc_on_the_last_sundays() {
        // 2014: BST from 30 March to 26 October.
        assert_eq!(
            in_london(datetime!(2014-03-30 00:59 UTC)).offset(),
            UtcOffset::UTC
        );
        assert_eq!(
            in_london(datetime!(2014-03-30 01:00 UTC)).hour(),
            2,
            "01:00 GMT becomes 02:00 BST"
        );
        assert_eq!(in_london(datetime!(2014-10-26 00:59 UTC)).hour(), 1);
        assert_eq!(
            in_london(datetime!(2014-10-26 01:00 UTC)).offset(),
            UtcOffset::UTC
        );
    }

    #[test]
    fn the_real_rules_apply_in_years_the_modern_rule_does_not_cover() {
        // 1968-71: British Standard Time, UTC+1 all year round.
        assert_eq!(
            in_london(datetime!(1970-01-15 12:00 UTC)).hour(),
            13,
            "January 1970 was on UTC+1"
        );
        // 1995: summer time ended on 22 October, not the last Sunday (29 October).
        assert_eq!(
            in_london(datetime!(1995-10-25 12:00 UTC)).offset(),
            UtcOffset::UTC
        );
    }

    #[test]
    fn times_given_in_other_offsets_are_converted() {
        assert_eq!(
            date_time(datetime!(2014-02-15 10:05 +1)),
            "15 February 2014 at 9:05am"
        );
    }

    #[test]
    fn zoned_times_say_gmt_or_bst_as_it_applied_on_the_day() {
        assert_eq!(
            date_time_zoned(datetime!(2014-02-15 09:05 UTC)),
            "15 February 2014 at 9:05am GMT"
        );
        assert_eq!(
            date_time_zoned(datetime!(2014-07-01 23:30 UTC)),
            "2 July 2014 at 12:30am BST"
        );
        assert_eq!(london_zone(datetime!(2014-03-30 00:59 UTC)), "GMT");
        assert_eq!(london_zone(datetime!(2014-03-30 01:00 UTC)), "BST");
        assert_eq!(london_zone(datetime!(1944-06-06 12:00 UTC)), "BDST");
    }

    #[test]
    fn a_day_begins_at_midnight_uk_time() {
        assert_eq!(
            london_midnight(date!(2014 - 02 - 15)),
            Some(datetime!(2014-02-15 00:00 UTC))
        );
        assert_eq!(
            london_midnight(date!(2014 - 07 - 02)),
            Some(datetime!(2014-07-01 23:00 UTC))
        );
    }

    #[test]
    fn dates_read_as_day_month_year() {
        assert_eq!(super::date(date!(2014 - 02 - 15)), "15 February 2014");
        assert_eq!(super::date(date!(2014 - 04 - 01)), "1 April 2014");
    }
}
