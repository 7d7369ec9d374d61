//! A plan section's vocabulary: its kind, its status and how status may change, and the text
//! people write in it.

use crate::keyed::keyed_enum;

keyed_enum! {
    /// What a template section collects. The key is the form value, as stored in the database.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
    #[sqlx(type_name = "section_kind", rename_all = "snake_case")]
    pub enum SectionKind {
        Narrative = ("narrative", "Narrative"),
        Funding = ("funding", "Funding"),
        Schemes = ("schemes", "Schemes"),
        Metrics = ("metrics", "Metrics"),
        Risks = ("risks", "Risks"),
        NationalCondition = ("national_condition", "National condition"),
        Engagement = ("engagement", "Engagement"),
    }
}

keyed_enum! {
    /// Where a section is: not started → in progress → ready for review → completed; an area
    /// lead may reopen a completed section. The key is as stored in the database.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
    #[sqlx(type_name = "section_status", rename_all = "snake_case")]
    pub enum SectionStatus {
        NotStarted = ("not_started", "Not started"),
        InProgress = ("in_progress", "In progress"),
        ReadyForReview = ("ready_for_review", "Ready for review"),
        Completed = ("completed", "Completed"),
    }
}

impl SectionKind {
    /// The structured part of the plan (its path below the plan, and its name) that holds this
    /// kind of section's figures, if any; the register serves sections about risks.
    pub fn part(self) -> Option<(&'static str, &'static str)> {
        match self {
            SectionKind::Funding => Some(("funding", "Funding")),
            SectionKind::Schemes => Some(("schemes", "Schemes")),
            SectionKind::Metrics => Some(("metrics", "Metrics")),
            SectionKind::NationalCondition => Some(("conditions", "National conditions")),
            SectionKind::Engagement => Some(("engagement", "Engagement log")),
            SectionKind::Narrative | SectionKind::Risks => None,
        }
    }
}

impl SectionStatus {
    /// The GOV.UK tag colour for the task list ("" is the default blue).
    pub fn tag_colour(self) -> &'static str {
        match self {
            SectionStatus::NotStarted => "grey",
            SectionStatus::InProgress => "",
            SectionStatus::ReadyForReview => "yellow",
            SectionStatus::Completed => "green",
        }
    }

    /// A completed section is closed for editing until a lead reopens it.
    pub fn is_open_for_editing(self) -> bool {
        self != SectionStatus::Completed
    }

    /// The status after someone saves text.
    pub fn after_save(self) -> SectionStatus {
        match self {
            SectionStatus::NotStarted => SectionStatus::InProgress,
            other => other,
        }
    }
}

/// The most anyone may write in one section or contribution.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// Text for a section or contribution: at most `MAX_TEXT_CHARS` characters, with Windows line
/// endings made plain so the same text always compares equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionText(String);

impl SectionText {
    pub fn parse(raw: &str) -> Result<SectionText, String> {
        let text = raw.replace("\r\n", "\n");
        let length = text.chars().count();
        if length > MAX_TEXT_CHARS {
            return Err(format!(
                "The text must be {} characters or fewer; it is {} characters. Move some of it to an annex, or shorten it.",
                group_thousands(MAX_TEXT_CHARS),
                group_thousands(length)
            ));
        }
        Ok(SectionText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn group_thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_starts_a_section_but_does_not_change_a_later_status() {
        assert_eq!(
            SectionStatus::NotStarted.after_save(),
            SectionStatus::InProgress
        );
        assert_eq!(
            SectionStatus::ReadyForReview.after_save(),
            SectionStatus::ReadyForReview
        );
        assert!(!SectionStatus::Completed.is_open_for_editing());
    }

    #[test]
    fn text_is_limited_to_one_hundred_thousand_characters() {
        assert!(SectionText::parse(&"é".repeat(MAX_TEXT_CHARS)).is_ok());
        let error = SectionText::parse(&"a".repeat(MAX_TEXT_CHARS + 1)).unwrap_err();
        assert!(error.contains("100,000 characters or fewer"), "{error}");
        assert!(error.contains("100,001"), "{error}");
        assert_eq!(SectionText::parse("a\r\nb").unwrap().as_str(), "a\nb");
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for kind in SectionKind::ALL {
            assert_eq!(SectionKind::parse(kind.key()), Some(kind));
        }
        for status in SectionStatus::ALL {
            assert_eq!(SectionStatus::parse(status.key()), Some(status));
        }
        assert_eq!(
            SectionStatus::ReadyForReview.to_string(),
            "Ready for review"
        );
    }

    #[test]
    fn structured_kinds_point_to_their_part_and_narrative_ones_do_not() {
        assert_eq!(SectionKind::Funding.part(), Some(("funding", "Funding")));
        assert_eq!(
            SectionKind::NationalCondition.part().map(|(path, _)| path),
            Some("conditions")
        );
        assert_eq!(SectionKind::Narrative.part(), None);
        assert_eq!(SectionKind::Risks.part(), None, "the register serves it");
    }
}
