//! The plan's answers to the national conditions: for each condition of the plan's structure,
//! whether it is met, in progress or not met, and how (Markdown). Answers are versions, as
//! metric goals are: every save adds one, the newest is current, the earlier ones are kept.
//!
//! "How" is required when the condition is met (the evidence) or in progress (what is being
//! done, and by when); for a condition not met it is optional, since the plan may have nothing
//! to say yet beyond the answer itself.

pub mod routes;
pub mod store;

use serde::Deserialize;

use super::editing::{Difference, differ, may_edit_shared_parts};
use crate::areas::AreaId;
use crate::auth::policy::Principal;
use crate::db::id::row_id;
use crate::keyed::keyed_enum;
use crate::web::form::{FormErrors, shown};
use crate::web::text::long_text;

row_id! {
    /// One saved answer (a version of one condition's answer in one plan).
    pub struct AnswerId;
}

/// The longest "how", in characters.
pub const MAX_HOW_CHARS: usize = 10_000;

keyed_enum! {
    /// Where the plan stands on a national condition.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ConditionStatus {
        Met = ("met", "Met"),
        InProgress = ("in-progress", "In progress"),
        NotMet = ("not-met", "Not met"),
    }
}

impl ConditionStatus {
    /// The tag colour the status is shown in.
    pub fn colour(self) -> &'static str {
        match self {
            ConditionStatus::Met => "green",
            ConditionStatus::InProgress => "yellow",
            ConditionStatus::NotMet => "red",
        }
    }
}

/// Who answers the national conditions: any editor of the area and the lead
/// ([`may_edit_shared_parts`]).
pub fn may_answer(principal: &Principal<'_>, area_id: AreaId) -> bool {
    may_edit_shared_parts(principal, area_id)
}

/// A condition's current answer, as the checks read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionAnswer {
    pub id: AnswerId,
    pub condition_key: String,
    pub status: ConditionStatus,
    /// Markdown.
    pub how: String,
}

/// An answer as saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: ConditionStatus,
    pub how: String,
}

/// The answer form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub status: String,
    pub how: String,
    pub based_on: String,
}

impl AnswerForm {
    pub fn of(answer: &Answer) -> AnswerForm {
        AnswerForm {
            status: answer.status.key().to_owned(),
            how: answer.how.clone(),
            based_on: String::new(),
        }
    }

    /// The answer, or a message by each field.
    pub fn parse(&self) -> Result<Answer, FormErrors> {
        let mut errors = FormErrors::new();
        let status = ConditionStatus::parse(self.status.trim());
        if status.is_none() {
            errors.add("status", "Choose whether the condition is met");
        }
        let how = match long_text(&shown(&self.how), MAX_HOW_CHARS) {
            Ok(how) => how.trim_end().to_owned(),
            Err(length) => {
                errors.add(
                    "how",
                    format!("How must be {MAX_HOW_CHARS} characters or fewer (it has {length})"),
                );
                String::new()
            }
        };
        match status {
            Some(ConditionStatus::Met) if how.trim().is_empty() => {
                errors.add("how", "Say how the condition is met");
            }
            Some(ConditionStatus::InProgress) if how.trim().is_empty() => {
                errors.add(
                    "how",
                    "Say what is being done to meet the condition, and by when",
                );
            }
            _ => {}
        }
        match status {
            Some(status) if errors.is_empty() => Ok(Answer { status, how }),
            _ => Err(errors),
        }
    }
}

/// Where the current answer and the person's differ.
pub fn differences(current: Option<&Answer>, yours: &Answer) -> Vec<Difference> {
    let mut list = Vec::new();
    differ(
        &mut list,
        "Status",
        current
            .map(|c| c.status.label().to_owned())
            .unwrap_or_default(),
        yours.status.label().to_owned(),
    );
    differ(
        &mut list,
        "How",
        current.map(|c| c.how.clone()).unwrap_or_default(),
        yours.how.clone(),
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(status: &str, how: &str) -> AnswerForm {
        AnswerForm {
            status: status.into(),
            how: how.into(),
            based_on: String::new(),
        }
    }

    #[test]
    fn how_is_required_unless_the_condition_is_not_met() {
        assert_eq!(
            form("met", "Signed off by the board on 4 March.\r\n")
                .parse()
                .unwrap(),
            Answer {
                status: ConditionStatus::Met,
                how: "Signed off by the board on 4 March.".into()
            }
        );
        assert_eq!(
            form("not-met", " ").parse().unwrap().status,
            ConditionStatus::NotMet
        );
        assert_eq!(
            form("met", "  ").parse().unwrap_err().message("how"),
            "Say how the condition is met"
        );
        assert_eq!(
            form("in-progress", "").parse().unwrap_err().message("how"),
            "Say what is being done to meet the condition, and by when"
        );
        let errors = form("maybe", &"x".repeat(MAX_HOW_CHARS + 1))
            .parse()
            .unwrap_err();
        assert_eq!(
            errors.message("status"),
            "Choose whether the condition is met"
        );
        assert!(errors.message("how").contains("10000 characters or fewer"));
    }

    #[test]
    fn an_answer_fills_the_form_it_reads_back_from() {
        let answer = Answer {
            status: ConditionStatus::InProgress,
            how: "Seven-day social work from April.".into(),
        };
        assert_eq!(AnswerForm::of(&answer).parse().unwrap(), answer);
        assert_eq!(ConditionStatus::InProgress.colour(), "yellow");
    }

    #[test]
    fn differences_name_the_changed_fields() {
        let yours = Answer {
            status: ConditionStatus::Met,
            how: "Agreed.".into(),
        };
        let current = Answer {
            status: ConditionStatus::InProgress,
            how: "Agreed.".into(),
        };
        let list = differences(Some(&current), &yours);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].label, "Status");
        assert_eq!(differences(None, &yours).len(), 2);
    }
}
