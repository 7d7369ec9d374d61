//! Administration: organisations, areas and their members, user accounts and their grants, and
//! the audit log. Only administrators get in (`Action::Administer`); every change is audited in
//! the transaction that makes it.
//!
//! This module holds the parsing of what administrators type, with no I/O; `routes` has the
//! handlers and `store` the SQL.

pub mod routes;
pub mod store;

use time::{Date, Month};

/// An organisation's name: trimmed, 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganisationName(String);

impl OrganisationName {
    pub fn parse(raw: &str) -> Result<OrganisationName, &'static str> {
        parse_name(raw, "Enter the organisation's name").map(OrganisationName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An area's name, as shown to people: trimmed, 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaName(String);

impl AreaName {
    pub fn parse(raw: &str) -> Result<AreaName, &'static str> {
        parse_name(raw, "Enter the area's name, like Kent").map(AreaName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn parse_name(raw: &str, missing: &'static str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        Err(missing)
    } else if name.chars().count() > 200 {
        Err("Name must be 200 characters or fewer")
    } else {
        Ok(name.to_owned())
    }
}

/// An Organisation Data Service code, like 09C: 2 to 10 letters or digits, upper-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OdsCode(String);

impl OdsCode {
    /// The code typed, or `None` if the field was left empty (the code is optional).
    pub fn parse_optional(raw: &str) -> Result<Option<OdsCode>, &'static str> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            Ok(None)
        } else if !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Err("ODS code must only contain letters and numbers, like 09C")
        } else if !(2..=10).contains(&code.len()) {
            Err("ODS code must be between 2 and 10 letters or numbers, like 09C")
        } else {
            Ok(Some(OdsCode(code)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A row id from a URL or a form: digits only. Anything else names nothing.
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

/// What an administrator just did, named in the `?done=` of the page they are sent back to and
/// shown there in a success banner. Only these fixed messages are ever shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    OrganisationAdded,
    OrganisationUpdated,
    AreaAdded,
    AreaUpdated,
    MemberAdded,
    MemberRemoved,
    GrantAdded,
    GrantRemoved,
    UserDisabled,
    UserEnabled,
    TwoFactorReset,
}

impl Done {
    pub const ALL: [Done; 11] = [
        Done::OrganisationAdded,
        Done::OrganisationUpdated,
        Done::AreaAdded,
        Done::AreaUpdated,
        Done::MemberAdded,
        Done::MemberRemoved,
        Done::GrantAdded,
        Done::GrantRemoved,
        Done::UserDisabled,
        Done::UserEnabled,
        Done::TwoFactorReset,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Done::OrganisationAdded => "organisation-added",
            Done::OrganisationUpdated => "organisation-updated",
            Done::AreaAdded => "area-added",
            Done::AreaUpdated => "area-updated",
            Done::MemberAdded => "member-added",
            Done::MemberRemoved => "member-removed",
            Done::GrantAdded => "grant-added",
            Done::GrantRemoved => "grant-removed",
            Done::UserDisabled => "user-disabled",
            Done::UserEnabled => "user-enabled",
            Done::TwoFactorReset => "two-factor-reset",
        }
    }

    pub fn parse(key: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|done| done.key() == key)
    }

    pub fn message(self) -> &'static str {
        match self {
            Done::OrganisationAdded => "Organisation added",
            Done::OrganisationUpdated => "Organisation updated",
            Done::AreaAdded => "Area added",
            Done::AreaUpdated => "Area updated",
            Done::MemberAdded => "Organisation added to the area",
            Done::MemberRemoved => "Organisation removed from the area",
            Done::GrantAdded => "Role added",
            Done::GrantRemoved => "Role removed",
            Done::UserDisabled => "Account disabled: they have been signed out everywhere",
            Done::UserEnabled => "Account enabled: they can sign in again",
            Done::TwoFactorReset => {
                "Two-factor authentication reset: they have been signed out and will set it up again at their next sign-in"
            }
        }
    }

    /// `path` with this outcome in its query string.
    pub fn on(self, path: &str) -> String {
        format!("{path}?done={}", self.key())
    }

    /// The banner text for an optional `?done=` value; unknown values show nothing.
    pub fn message_for(key: Option<&str>) -> String {
        key.and_then(Done::parse)
            .map(|done| done.message().to_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ods_codes_are_optional_upper_cased_letters_and_digits() {
        assert_eq!(OdsCode::parse_optional("  "), Ok(None));
        assert_eq!(
            OdsCode::parse_optional(" 09c ").unwrap().unwrap().as_str(),
            "09C"
        );
        assert!(OdsCode::parse_optional("ABCDEFGHIJ").unwrap().is_some());
        for bad in ["A", "ABCDEFGHIJK", "09-C", "0 9C", "0é"] {
            assert!(OdsCode::parse_optional(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_required_and_bounded() {
        assert_eq!(
            OrganisationName::parse(" NHS Swale CCG ").unwrap().as_str(),
            "NHS Swale CCG"
        );
        assert!(OrganisationName::parse(" ").is_err());
        assert!(AreaName::parse(&"é".repeat(200)).is_ok());
        assert!(AreaName::parse(&"é".repeat(201)).is_err());
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

    #[test]
    fn only_known_outcomes_have_messages() {
        for done in Done::ALL {
            assert_eq!(Done::parse(done.key()), Some(done));
            assert!(!done.message().is_empty());
        }
        assert_eq!(Done::message_for(Some("<script>")), "");
        assert_eq!(Done::message_for(None), "");
        assert_eq!(
            Done::OrganisationAdded.on("/admin/organisations"),
            "/admin/organisations?done=organisation-added"
        );
    }
}
