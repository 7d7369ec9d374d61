//! Template administration: administrators copy a planning cycle's template for the next one and
//! change its sections — add, edit, reorder and (while no plan uses the template) remove them.
//! Adding a section to a template that plans already use gives each of those plans the section
//! too, so every plan of a template has every section.
//!
//! This module holds the parsing of what administrators type, with no I/O; `routes` lists the
//! pages (all behind the `Admin` guard), `list` and `sections` have the handlers (with what
//! they share in `shared`) and `store` the SQL.

pub mod kept;
mod list;
pub mod route;
mod route_form;
mod route_pages;
pub mod routes;
mod sections;
mod shared;
pub mod store;
pub mod structure;
mod structure_form;
mod structure_pages;

use serde_json::{Map, Value};

use super::section::{SectionKind, group_thousands};
use crate::db::id::row_id;
use crate::keyed::keyed_enum;
use crate::web::text::{self, KeyMessages};

row_id! {
    /// A template's row id: its own type, so that it cannot be passed where a section's id (or
    /// any other id) is meant.
    pub struct TemplateId;
}

row_id! {
    /// A template section's row id.
    pub struct TemplateSectionId;
}

row_id! {
    /// A version of a template's structure (its years, streams, metrics and conditions).
    pub struct StructureId;
}

/// The most characters a template's name or a section's title may have.
pub const MAX_NAME_CHARS: usize = 200;
/// The most characters of guidance a template section may have.
pub const MAX_GUIDANCE_CHARS: usize = 20_000;
/// The longest a template's short name (key) may be.
pub const MAX_TEMPLATE_KEY_LEN: usize = 40;
/// The longest a section's short name (key) may be.
pub const MAX_SECTION_KEY_LEN: usize = 60;

/// A template's short name, used in URLs (`/areas/kent/plans/2015-16`): trimmed, lower-case
/// letters and numbers joined by single hyphens, at most 40 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateKey(String);

impl TemplateKey {
    pub fn parse(raw: &str) -> Result<TemplateKey, &'static str> {
        const MESSAGES: KeyMessages = KeyMessages {
            missing: "Enter a short name for the template, like 2015-16",
            too_long: "The short name must be 40 characters or fewer",
            malformed: "The short name can only contain lower-case letters, numbers and single hyphens between them, like 2015-16",
        };
        text::url_key(raw.trim(), MAX_TEMPLATE_KEY_LEN, &MESSAGES).map(TemplateKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A section's short name, used in URLs (`.../sections/case-for-change`): trimmed, lower-case
/// letters and numbers joined by single hyphens, at most 60 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionKey(String);

impl SectionKey {
    pub fn parse(raw: &str) -> Result<SectionKey, &'static str> {
        const MESSAGES: KeyMessages = KeyMessages {
            missing: "Enter a short name for the section, like case-for-change",
            too_long: "The short name must be 60 characters or fewer",
            malformed: "The short name can only contain lower-case letters, numbers and single hyphens between them, like case-for-change",
        };
        text::url_key(raw.trim(), MAX_SECTION_KEY_LEN, &MESSAGES).map(SectionKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A template's name, as people see it: trimmed, 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateName(String);

impl TemplateName {
    pub fn parse(raw: &str) -> Result<TemplateName, &'static str> {
        text::name(
            raw,
            MAX_NAME_CHARS,
            "Enter a name for the template, like ITF/BCF plan 2015/16",
            "The name must be 200 characters or fewer",
        )
        .map(TemplateName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A section's title: trimmed, 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionTitle(String);

impl SectionTitle {
    pub fn parse(raw: &str) -> Result<SectionTitle, &'static str> {
        text::name(
            raw,
            MAX_NAME_CHARS,
            "Enter the section's title",
            "The title must be 200 characters or fewer",
        )
        .map(SectionTitle)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Guidance for a section (Markdown, may be empty): at most 20,000 characters, Windows line
/// endings made plain; kept otherwise exactly as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guidance(String);

impl Guidance {
    pub fn parse(raw: &str) -> Result<Guidance, String> {
        text::long_text(raw, MAX_GUIDANCE_CHARS)
            .map(Guidance)
            .map_err(|length| {
                format!(
                    "The guidance must be {} characters or fewer; it is {} characters",
                    group_thousands(MAX_GUIDANCE_CHARS),
                    group_thousands(length)
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a section kind select sends: one of the kinds' keys.
pub fn parse_kind(raw: &str) -> Result<SectionKind, &'static str> {
    SectionKind::parse(raw.trim()).ok_or("Choose what kind of section this is")
}

/// Everything about a section an administrator may change (its key is fixed once added).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionDetails {
    pub title: SectionTitle,
    pub kind: SectionKind,
    pub per_organisation: bool,
    pub guidance: Guidance,
}

impl SectionDetails {
    /// The details as recorded in the audit log.
    pub fn to_json(&self) -> Map<String, Value> {
        section_json(
            self.title.as_str(),
            self.kind,
            self.per_organisation,
            self.guidance.as_str(),
        )
    }
}

/// A section's changeable details as recorded in the audit log.
pub fn section_json(
    title: &str,
    kind: SectionKind,
    per_organisation: bool,
    guidance: &str,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("title".into(), title.into());
    map.insert("kind".into(), kind.key().into());
    map.insert("per_organisation".into(), per_organisation.into());
    map.insert("guidance".into(), guidance.into());
    map
}

/// The fields whose values differ, as (before, after) holding only those fields: a short
/// before/after for the audit log. Both empty when nothing changed.
pub fn changed_fields(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut old = Map::new();
    let mut new = Map::new();
    for (field, value) in after {
        let previous = before.get(field).cloned().unwrap_or(Value::Null);
        if previous != *value {
            old.insert(field.clone(), previous);
            new.insert(field.clone(), value.clone());
        }
    }
    (old, new)
}

keyed_enum! {
    /// Which way a section moves in its template's order.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Direction {
        Up = ("up", "Up"),
        Down = ("down", "Down"),
    }
}

impl Direction {
    /// Why a section at the end of the list cannot move further this way.
    pub fn at_the_end(self) -> &'static str {
        match self {
            Direction::Up => "This section is already first, so it cannot move up",
            Direction::Down => "This section is already last, so it cannot move down",
        }
    }
}

keyed_enum! {
    /// What an administrator just did to a template, named in the `?done=` of the template page
    /// and shown there in a success banner (`web::banner`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        TemplateCopied = ("template-copied", "Template copied with all its sections"),
        SectionAdded = ("section-added", "Section added"),
        SectionUpdated = ("section-updated", "Section updated"),
        SectionMoved = ("section-moved", "Section moved"),
        SectionRemoved = ("section-removed", "Section removed"),
        StructureSaved = ("structure-saved", "The template's structure has been saved"),
        StructureItemRemoved = ("structure-item-removed", "Removed from the template's structure"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_keys_are_lower_case_words_joined_by_hyphens() {
        assert_eq!(TemplateKey::parse(" 2015-16 ").unwrap().as_str(), "2015-16");
        assert!(TemplateKey::parse("bcf-2016-17").is_ok());
        assert!(TemplateKey::parse(&"a".repeat(40)).is_ok());
        for bad in [
            "", "  ", "2015/16", "2015_16", "BCF-2015", "-2015", "2015-", "2015--16", "20 15",
            "bcf-é",
        ] {
            assert!(TemplateKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(TemplateKey::parse(&"a".repeat(41)).is_err());
    }

    #[test]
    fn section_keys_are_lower_case_words_joined_by_hyphens_up_to_60() {
        assert_eq!(
            SectionKey::parse("case-for-change").unwrap().as_str(),
            "case-for-change"
        );
        assert!(SectionKey::parse(&"a".repeat(60)).is_ok());
        assert!(SectionKey::parse(&"a".repeat(61)).is_err());
        assert_eq!(SectionKey::parse(" vision ").unwrap().as_str(), "vision");
        for bad in ["", "Vision", "a--b", "a b", "<script>"] {
            assert!(SectionKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_and_titles_are_trimmed_required_and_at_most_200_characters() {
        assert_eq!(
            TemplateName::parse("  ITF/BCF plan 2015/16 ")
                .unwrap()
                .as_str(),
            "ITF/BCF plan 2015/16"
        );
        assert!(TemplateName::parse(" ").is_err());
        assert!(TemplateName::parse(&"é".repeat(200)).is_ok());
        assert!(TemplateName::parse(&"é".repeat(201)).is_err());
        assert!(SectionTitle::parse("").is_err());
        assert!(SectionTitle::parse(&"x".repeat(201)).is_err());
        assert_eq!(SectionTitle::parse(" Vision ").unwrap().as_str(), "Vision");
    }

    #[test]
    fn guidance_may_be_empty_and_is_limited_to_twenty_thousand_characters() {
        assert_eq!(Guidance::parse("").unwrap().as_str(), "");
        assert_eq!(Guidance::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(Guidance::parse("  keep  ").unwrap().as_str(), "  keep  ");
        assert!(Guidance::parse(&"é".repeat(MAX_GUIDANCE_CHARS)).is_ok());
        let error = Guidance::parse(&"a".repeat(MAX_GUIDANCE_CHARS + 1)).unwrap_err();
        assert!(error.contains("20,000 characters or fewer"), "{error}");
        assert!(error.contains("20,001"), "{error}");
    }

    #[test]
    fn kinds_and_directions_parse_from_their_keys_only() {
        for kind in SectionKind::ALL {
            assert_eq!(parse_kind(kind.key()), Ok(kind));
        }
        assert!(parse_kind("").is_err());
        assert!(parse_kind("Narrative").is_err());
        assert_eq!(Direction::parse("up"), Some(Direction::Up));
        assert_eq!(Direction::parse("down"), Some(Direction::Down));
        assert_eq!(Direction::parse("sideways"), None);
        assert_eq!(Direction::Down.key(), "down");
    }

    #[test]
    fn only_changed_fields_are_recorded() {
        let before = section_json("Vision", SectionKind::Narrative, false, "Long guidance");
        assert_eq!(changed_fields(&before, &before), (Map::new(), Map::new()));
        let after = section_json("Our vision", SectionKind::Narrative, true, "Long guidance");
        let (old, new) = changed_fields(&before, &after);
        assert_eq!(
            Value::Object(old),
            serde_json::json!({ "title": "Vision", "per_organisation": false })
        );
        assert_eq!(
            Value::Object(new),
            serde_json::json!({ "title": "Our vision", "per_organisation": true })
        );
    }

    #[test]
    fn outcomes_keep_their_keys_and_have_messages() {
        use crate::web::banner::done_url;
        for done in Done::ALL {
            assert_eq!(Done::parse(done.key()), Some(done));
            assert!(!done.label().is_empty());
        }
        assert_eq!(
            done_url("/admin/templates/2015-16", Done::SectionMoved, None),
            "/admin/templates/2015-16?done=section-moved"
        );
    }
}
