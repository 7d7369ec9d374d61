//! Red / amber / green: one pure function of a deadline's due day, whether and when it was met,
//! and today (in England, from the application clock). Red: overdue and not met. Amber: not met
//! and due within the next 14 days (today included). Green: met, or due later.

use time::Date;

use crate::keyed::keyed_enum;

/// How many days ahead a deadline turns amber: due in 14 days is amber, in 15 green.
pub const AMBER_DAYS: i64 = 14;

keyed_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Rag {
        Red = ("red", "Red"),
        Amber = ("amber", "Amber"),
        Green = ("green", "Green"),
    }
}

impl Rag {
    /// The GOV.UK tag colour that shows it.
    pub fn tag_colour(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "yellow",
            Rag::Green => "green",
        }
    }
}

/// Where a deadline stands, in words a page can show beside its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Met on `on`, `late_by` days after it was due (0: on time).
    Met { on: Date, late_by: i64 },
    /// Not met, `days` days after the due day.
    Overdue { days: i64 },
    /// Not met, due in `days` days (0: today).
    Due { days: i64 },
}

impl Standing {
    pub fn of(due: Date, met_on: Option<Date>, today: Date) -> Standing {
        match met_on {
            Some(on) => Standing::Met {
                on,
                late_by: (on - due).whole_days().max(0),
            },
            None if today > due => Standing::Overdue {
                days: (today - due).whole_days(),
            },
            None => Standing::Due {
                days: (due - today).whole_days(),
            },
        }
    }

    pub fn rag(self) -> Rag {
        match self {
            Standing::Met { .. } => Rag::Green,
            Standing::Overdue { .. } => Rag::Red,
            Standing::Due { days } if days <= AMBER_DAYS => Rag::Amber,
            Standing::Due { .. } => Rag::Green,
        }
    }

    /// "Due today", "Due in 3 days", "2 days overdue", "Met", "Met 4 days late".
    pub fn words(self) -> String {
        fn days(n: i64) -> String {
            if n == 1 {
                "1 day".to_owned()
            } else {
                format!("{n} days")
            }
        }
        match self {
            Standing::Met { late_by: 0, .. } => "Met".to_owned(),
            Standing::Met { late_by, .. } => format!("Met {} late", days(late_by)),
            Standing::Overdue { days: n } => format!("{} overdue", days(n)),
            Standing::Due { days: 0 } => "Due today".to_owned(),
            Standing::Due { days: 1 } => "Due tomorrow".to_owned(),
            Standing::Due { days: n } => format!("Due in {}", days(n)),
        }
    }
}

/// The colour of a deadline due on `due`, met on `met_on` if at all, seen on `today`.
pub fn rag(due: Date, met_on: Option<Date>, today: Date) -> Rag {
    Standing::of(due, met_on, today).rag()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::date;

    const TODAY: Date = date!(2014 - 03 - 20);

    fn due_in(days: i64) -> Date {
        TODAY + Duration::days(days)
    }

    #[test]
    fn each_boundary_has_its_colour() {
        assert_eq!(rag(due_in(-1), None, TODAY), Rag::Red, "due yesterday");
        assert_eq!(rag(due_in(0), None, TODAY), Rag::Amber, "due today");
        assert_eq!(rag(due_in(1), None, TODAY), Rag::Amber, "due tomorrow");
        assert_eq!(rag(due_in(14), None, TODAY), Rag::Amber, "due in 14 days");
        assert_eq!(rag(due_in(15), None, TODAY), Rag::Green, "due in 15 days");
    }

    #[test]
    fn met_is_green_whenever_it_was_met() {
        assert_eq!(rag(due_in(-30), Some(due_in(-31)), TODAY), Rag::Green);
        assert_eq!(rag(due_in(-30), Some(due_in(-2)), TODAY), Rag::Green);
        assert_eq!(rag(due_in(3), Some(TODAY), TODAY), Rag::Green);
    }

    #[test]
    fn the_words_say_how_far_off_or_how_late() {
        let words = |due, met| Standing::of(due, met, TODAY).words();
        assert_eq!(words(due_in(0), None), "Due today");
        assert_eq!(words(due_in(1), None), "Due tomorrow");
        assert_eq!(words(due_in(15), None), "Due in 15 days");
        assert_eq!(words(due_in(-1), None), "1 day overdue");
        assert_eq!(words(due_in(-9), None), "9 days overdue");
        assert_eq!(words(due_in(-9), Some(due_in(-9))), "Met");
        assert_eq!(words(due_in(-9), Some(due_in(-5))), "Met 4 days late");
    }
}
