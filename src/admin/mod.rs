//! Administration: organisations, areas and their members, user accounts and their grants, and
//! the audit log. Only administrators get in: `routes` puts every page behind the `Admin` guard.
//! Every change is made with `audit::Change`, so it commits together with its audit record.
//!
//! Admin owns no table: it calls `areas::store` for organisations, areas and membership, and
//! `auth::store` for users and grants. This module holds the parsing its pages share, with no
//! I/O; `organisations`, `areas`, `users`, `grants` and `audit_log` hold each sub-feature's handlers.

mod areas;
mod audit_log;
mod grants;
mod organisations;
pub mod routes;
mod users;

use time::{Date, Month};

use crate::db::constraint::{self, Clash};
use crate::keyed::keyed_enum;
use crate::web::FormErrors;

/// A row id chosen in a form: digits only. Anything else names nothing. (Ids in URLs parse
/// into their types in the `Path` extractor, where one that is not a number is not found.)
pub fn parse_id(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok().filter(|id| *id > 0)
}

/// A day typed as YYYY-MM-DD (the audit log's filters); `None` if left empty.
pub fn parse_day(raw: &str) -> Result<Option<Date>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    const MESSAGE: &str = "Enter a real date in the format YYYY-MM-DD, like 2014-02-15";
    let parts: Vec<&str> = raw.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(MESSAGE);
    };
    let number = |text: &str, digits: usize| -> Option<u32> {
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4), number(month, 2), number(day, 2))
    else {
        return Err(MESSAGE);
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| Month::try_from(month).ok())
        .ok_or(MESSAGE)?;
    let day = u8::try_from(day).map_err(|_| MESSAGE)?;
    let year = i32::try_from(year).map_err(|_| MESSAGE)?;
    Date::from_calendar_date(year, month, day)
        .map(Some)
        .map_err(|_| MESSAGE)
}

/// The form errors for a clash among `clashes`, if that is what `error` is.
fn clash_errors(error: &sqlx::Error, clashes: &[Clash]) -> Option<FormErrors> {
    let clash = constraint::clash(error, clashes)?;
    let mut errors = FormErrors::new();
    errors.add(clash.field, clash.message);
    Some(errors)
}

keyed_enum! {
    /// What an administrator just did, named in the `?done=` of the page they are sent back to
    /// and shown there in a success banner (`web::banner`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        OrganisationAdded = ("organisation-added", "Organisation added"),
        OrganisationUpdated = ("organisation-updated", "Organisation updated"),
        AreaAdded = ("area-added", "Area added"),
        AreaUpdated = ("area-updated", "Area updated"),
        MemberAdded = ("member-added", "Organisation added to the area"),
        MemberRemoved = ("member-removed", "Organisation removed from the area"),
        GrantAdded = ("grant-added", "Role added"),
        GrantRemoved = ("grant-removed", "Role removed"),
        UserDisabled = ("user-disabled", "Account disabled: they have been signed out everywhere"),
        UserEnabled = ("user-enabled", "Account enabled: they can sign in again"),
        TwoFactorReset = (
            "two-factor-reset",
            "Two-factor authentication reset: they have been signed out and will set it up again at their next sign-in"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn outcomes_keep_their_keys_and_have_messages() {
        use crate::web::banner::{DoneQuery, done_url};
        for done in Done::ALL {
            assert_eq!(Done::parse(done.key()), Some(done));
            assert!(!done.label().is_empty());
        }
        assert_eq!(
            done_url("/admin/organisations", Done::OrganisationAdded, None),
            "/admin/organisations?done=organisation-added"
        );
        let query = DoneQuery {
            done: Some("<script>".to_owned()),
        };
        assert_eq!(query.banner::<Done>(), "");
    }

    #[test]
    fn ids_are_positive_digits_only() {
        assert_eq!(parse_id("42"), Some(42));
        for bad in ["", "0", "-1", "+1", "4x", "1.5", "99999999999999999999"] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn days_are_real_dates_written_year_month_day() {
        assert_eq!(parse_day(""), Ok(None));
        assert_eq!(parse_day(" 2014-02-15 "), Ok(Some(date!(2014 - 02 - 15))));
        for bad in [
            "2014-2-15",
            "15/02/2014",
            "2014-02-30",
            "2014-13-01",
            "2014-02-15T00:00",
            "yesterday",
            "+2014-02-15",
        ] {
            assert!(parse_day(bad).is_err(), "{bad:?}");
        }
    }
}
