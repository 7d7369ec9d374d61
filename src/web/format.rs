//! Dates and times as people in England read them: "15 February 2014", "15 February 2014 at
//! 9:05am", always in UK time (GMT or BST), whatever the server's clock zone.

use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

/// "15 February 2014".
pub fn date(date: Date) -> String {
    date.format(format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| date.to_string())
}

/// The last Sunday of `month` in `year`, at 01:00 UTC: when British Summer Time starts (March)
/// and ends (October).
fn last_sunday_one_am_utc(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last_day = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    let back = i64::from(last_day.weekday().number_days_from_sunday());
    let sunday = last_day - time::Duration::days(back);
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    Some(sunday.with_hms(1, 0, 0).ok()?.assume_utc())
}

/// `at` in UK time: GMT in winter, BST (UTC+1) from 01:00 UTC on the last Sunday of March to
/// 01:00 UTC on the last Sunday of October (the rule since 1996).
pub fn in_london(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let summer = match (
        last_sunday_one_am_utc(year, Month::March),
        last_sunday_one_am_utc(year, Month::October),
    ) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    };
    let hours = if summer { 1 } else { 0 };
    utc.to_offset(UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC))
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
    fn times_given_in_other_offsets_are_converted() {
        assert_eq!(
            date_time(datetime!(2014-02-15 10:05 +1)),
            "15 February 2014 at 9:05am"
        );
    }

    #[test]
    fn dates_read_as_day_month_year() {
        assert_eq!(super::date(date!(2014 - 02 - 15)), "15 February 2014");
        assert_eq!(super::date(date!(2014 - 04 - 01)), "1 April 2014");
    }
}
