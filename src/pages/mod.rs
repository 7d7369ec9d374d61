//! The service's public pages, the same for everyone and open without signing in: help, the
//! accessibility statement, the privacy notice and the cookies page, linked from every page's
//! footer.
//!
//! What they state about the product (the cookies' names and lifetimes, how long each kind of
//! personal data is kept) is read from the constants the product itself runs on, so the pages
//! change when the product does. The product is run by many organisations, each deploying its
//! own copy, so the pages name none: they say "the organisation running this service", and give
//! the address in `ITF_CONTACT_EMAIL` when the deployment sets one.

pub mod cookies;
pub mod retention;
pub mod routes;

/// A span of time in words, as the pages state it: "30 minutes", "1 hour", "12 hours",
/// "90 days". Whole days where it is a number of days, else whole hours, else minutes.
pub fn duration_words(duration: time::Duration) -> String {
    let plural = |count: i64, unit: &str| {
        if count == 1 {
            format!("1 {unit}")
        } else {
            format!("{count} {unit}s")
        }
    };
    if duration.whole_days() > 0 && duration == time::Duration::days(duration.whole_days()) {
        plural(duration.whole_days(), "day")
    } else if duration.whole_hours() > 0
        && duration == time::Duration::hours(duration.whole_hours())
    {
        plural(duration.whole_hours(), "hour")
    } else {
        plural(duration.whole_minutes(), "minute")
    }
}

#[cfg(test)]
mod tests {
    use super::duration_words;
    use time::Duration;

    #[test]
    fn durations_read_in_the_largest_whole_unit() {
        assert_eq!(duration_words(Duration::minutes(30)), "30 minutes");
        assert_eq!(duration_words(Duration::hours(1)), "1 hour");
        assert_eq!(duration_words(Duration::hours(12)), "12 hours");
        assert_eq!(duration_words(Duration::days(1)), "1 day");
        assert_eq!(duration_words(Duration::days(90)), "90 days");
        assert_eq!(duration_words(Duration::hours(36)), "36 hours");
        assert_eq!(duration_words(Duration::minutes(90)), "90 minutes");
    }
}
