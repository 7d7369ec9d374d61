//! A plan section's vocabulary: its kind, its status and how status may change, and the text
//! people write in it.

use std::fmt;

/// What a template section collects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "section_kind", rename_all = "snake_case")]
pub enum SectionKind {
    Narrative,
    Funding,
    Schemes,
    Metrics,
    Risks,
    NationalCondition,
    Engagement,
}

impl SectionKind {
    pub const ALL: [SectionKind; 7] = [
        SectionKind::Narrative,
        SectionKind::Funding,
        SectionKind::Schemes,
        SectionKind::Metrics,
        SectionKind::Risks,
        SectionKind::NationalCondition,
        SectionKind::Engagement,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SectionKind::Narrative => "narrative",
            SectionKind::Funding => "funding",
            SectionKind::Schemes => "schemes",
            SectionKind::Metrics => "metrics",
            SectionKind::Risks => "risks",
            SectionKind::NationalCondition => "national_condition",
            SectionKind::Engagement => "engagement",
        }
    }

    pub fn parse(key: &str) -> Option<SectionKind> {
        SectionKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            SectionKind::Narrative => "Narrative",
            SectionKind::Funding => "Funding",
            SectionKind::Schemes => "Schemes",
            SectionKind::Metrics => "Metrics",
            SectionKind::Risks => "Risks",
            SectionKind::NationalCondition => "National condition",
            SectionKind::Engagement => "Engagement",
        }
    }
}

/// Where a section is: not started → in progress → ready for review → completed; an area lead
/// may reopen a completed section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "section_status", rename_all = "snake_case")]
pub enum SectionStatus {
    NotStarted,
    InProgress,
    ReadyForReview,
    Completed,
}

impl SectionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SectionStatus::NotStarted => "Not started",
            SectionStatus::InProgress => "In progress",
            SectionStatus::ReadyForReview => "Ready for review",
            SectionStatus::Completed => "Completed",
        }
    }

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

impl fmt::Display for SectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The answer to "Have you completed this section?", and what it does for each kind of person:
/// an officer's "yes" asks the lead to review; the lead's "yes" completes the section.
pub fn status_after_answer(completed: bool, answered_by_lead: bool) -> SectionStatus {
    match (completed, answered_by_lead) {
        (true, true) => SectionStatus::Completed,
        (true, false) => SectionStatus::ReadyForReview,
        (false, _) => SectionStatus::InProgress,
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
    fn officers_ask_for_review_and_leads_complete() {
        assert_eq!(
            status_after_answer(true, false),
            SectionStatus::ReadyForReview
        );
        assert_eq!(status_after_answer(true, true), SectionStatus::Completed);
        assert_eq!(status_after_answer(false, false), SectionStatus::InProgress);
        assert_eq!(status_after_answer(false, true), SectionStatus::InProgress);
    }

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
    fn kinds_round_trip() {
        for kind in SectionKind::ALL {
            assert_eq!(SectionKind::parse(kind.key()), Some(kind));
        }
    }
}
