//! Organisations and the Health and Wellbeing Board areas they plan together. An area is the
//! tenant boundary: later features hang their data off it and check access against it.

pub mod routes;
pub mod store;

use std::fmt;

/// What sort of body an organisation is; decides what it may sign and how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "organisation_kind", rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Health and Wellbeing Board.
    Hwb,
    /// Clinical Commissioning Group (2013–2022).
    Ccg,
    /// Integrated Care Board (from July 2022).
    Icb,
    Council,
    NhsEngland,
    /// Providers, voluntary sector, HealthWatch.
    Other,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 6] = [
        OrganisationKind::Hwb,
        OrganisationKind::Ccg,
        OrganisationKind::Icb,
        OrganisationKind::Council,
        OrganisationKind::NhsEngland,
        OrganisationKind::Other,
    ];

    /// The form and URL key, as stored in the database.
    pub fn key(self) -> &'static str {
        match self {
            OrganisationKind::Hwb => "hwb",
            OrganisationKind::Ccg => "ccg",
            OrganisationKind::Icb => "icb",
            OrganisationKind::Council => "council",
            OrganisationKind::NhsEngland => "nhs_england",
            OrganisationKind::Other => "other",
        }
    }

    pub fn parse(key: &str) -> Option<OrganisationKind> {
        OrganisationKind::ALL
            .into_iter()
            .find(|kind| kind.key() == key)
    }

    /// The label people in the field use.
    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::Hwb => "Health and Wellbeing Board",
            OrganisationKind::Ccg => "Clinical Commissioning Group",
            OrganisationKind::Icb => "Integrated Care Board",
            OrganisationKind::Council => "Council",
            OrganisationKind::NhsEngland => "NHS England",
            OrganisationKind::Other => "Other partner",
        }
    }
}

impl fmt::Display for OrganisationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The URL name of an area (`kent` in `/areas/kent/...`): lower-case letters and digits in
/// groups joined by single hyphens, at most 60 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AreaSlug(String);

impl AreaSlug {
    pub fn parse(raw: &str) -> Result<AreaSlug, &'static str> {
        let valid_group = |group: &str| {
            !group.is_empty()
                && group
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        if raw.is_empty() {
            Err("Enter a short name for the area, like kent")
        } else if raw.len() > 60 {
            Err("The short name must be 60 characters or fewer")
        } else if !raw.split('-').all(valid_group) {
            Err(
                "The short name can only contain lower-case letters, numbers and single hyphens between them, like north-kent",
            )
        } else {
            Ok(AreaSlug(raw.to_owned()))
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
