//! Dates and times as people read them: "15 February 2014", "15 February 2014 14:05".
//! Times are shown in UTC for now; Europe/London comes with the deadlines work.

use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// "15 February 2014".
pub fn date(date: Date) -> String {
    date.format(format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_else(|_| date.to_string())
}

/// "15 February 2014 14:05" (UTC).
pub fn date_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(format_description!(
        "[day padding:none] [month repr:long] [year] [hour]:[minute]"
    ))
    .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates_read_as_day_month_year() {
        assert_eq!(date(date!(2014 - 02 - 15)), "15 February 2014");
        assert_eq!(date(date!(2014 - 04 - 01)), "1 April 2014");
    }

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(
            date_time(datetime!(2014-02-15 14:05:59 UTC)),
            "15 February 2014 14:05"
        );
        assert_eq!(
            date_time(datetime!(2014-02-15 00:30 +01:00)),
            "14 February 2014 23:30"
        );
        assert_eq!(
            date_time(datetime!(2014-03-01 09:07 UTC)),
            "1 March 2014 09:07"
        );
    }
}
