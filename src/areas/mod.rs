//! Organisations and the Health and Wellbeing Board areas they plan together. An area is the
//! tenant boundary: later features hang their data off it and check access against it.

mod access;
pub mod content;
pub mod frozen;
pub mod kept;
pub mod notices;
pub mod routes;
pub mod store;

pub use access::{
    allowed_in, authorised_area, authorised_area_stamped, granted_areas, sees_all_areas,
    visible_areas,
};

use crate::db::id::row_id;
use crate::keyed::keyed_enum;
use crate::web::text::{self, KeyMessages};

keyed_enum! {
    /// What sort of body an organisation is; decides what it may sign and how it is shown. The
    /// key is the form and URL value, as stored in the database; the label is the name people in
    /// the field use.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
    #[sqlx(type_name = "organisation_kind", rename_all = "snake_case")]
    pub enum OrganisationKind {
        /// Health and Wellbeing Board.
        Hwb = ("hwb", "Health and Wellbeing Board"),
        /// Clinical Commissioning Group (2013–2022).
        Ccg = ("ccg", "Clinical Commissioning Group"),
        /// Integrated Care Board (from July 2022).
        Icb = ("icb", "Integrated Care Board"),
        Council = ("council", "Council"),
        NhsEngland = ("nhs_england", "NHS England"),
        /// Providers, voluntary sector, HealthWatch.
        Other = ("other", "Other partner"),
    }
}

row_id! {
    /// An organisation's row id: its own type, so that it cannot be passed where an area's or
    /// a user's id is meant.
    pub struct OrganisationId;
}

row_id! {
    /// An area's row id.
    pub struct AreaId;
}

/// The URL name of an area (`kent` in `/areas/kent/...`): lower-case letters and digits in
/// groups joined by single hyphens, at most 60 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AreaSlug(String);

impl AreaSlug {
    pub fn parse(raw: &str) -> Result<AreaSlug, &'static str> {
        const MESSAGES: KeyMessages = KeyMessages {
            missing: "Enter a short name for the area, like kent",
            too_long: "The short name must be 60 characters or fewer",
            malformed: "The short name can only contain lower-case letters, numbers and single hyphens between them, like north-kent",
        };
        text::url_key(raw, 60, &MESSAGES).map(AreaSlug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
    text::name(raw, 200, missing, "Name must be 200 characters or fewer")
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn slugs_are_lower_case_words_joined_by_single_hyphens() {
        assert_eq!(AreaSlug::parse("kent").unwrap().as_str(), "kent");
        assert!(AreaSlug::parse("tri-borough-2").is_ok());
        for bad in [
            "",
            "Kent",
            "-kent",
            "kent-",
            "north--kent",
            "kent kent",
            "kënt",
        ] {
            assert!(AreaSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(AreaSlug::parse(&"a".repeat(61)).is_err());
    }

    #[test]
    fn every_kind_has_a_label() {
        for kind in OrganisationKind::ALL {
            assert!(!kind.label().is_empty());
        }
    }

    #[test]
    fn kinds_parse_from_their_keys_and_nothing_else() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.key()), Some(kind));
        }
        assert_eq!(
            OrganisationKind::parse("nhs_england"),
            Some(OrganisationKind::NhsEngland)
        );
        for bad in [
            "",
            "HWB",
            "Health and Wellbeing Board",
            "nhs-england",
            " ccg",
        ] {
            assert_eq!(OrganisationKind::parse(bad), None, "{bad:?}");
        }
    }
}
