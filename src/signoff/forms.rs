//! The sign-off forms as typed, and what each parses into: opening and withdrawing a round, a
//! partner's decision, the board's, a submission and assurance. Parsing is pure: the handler
//! passes in what the form may choose from (the signatures outstanding, the partners yet to
//! submit, the route), and gets the values or a message by each field.

use std::collections::HashMap;

use serde::Deserialize;
use time::{Date, Month, OffsetDateTime, Time};

use super::signers::RequiredSigner;
use super::state::{BoardHow, BoardOutcome, PartnerDecision};
use crate::areas::OrganisationId;
use crate::plans::templates::route::{AssuranceOutcome, SignOffRoute};
use crate::risks::content::parse_date;
use crate::web::form::{FormErrors, shown};
use crate::web::{format, text};

/// The longest round name, signer's name or position, board body, reference or agenda item.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest comments, reason, resolution or summary.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The most conditions one assurance outcome sets (the form's fixed rows).
pub const MAX_CONDITIONS: usize = 10;

/// Long optional text: trimmed, plain line endings, at most `MAX_TEXT_CHARS`.
fn long_text(errors: &mut FormErrors, field: &'static str, raw: &str) -> String {
    let value = shown(raw).trim().replace("\r\n", "\n");
    if value.chars().count() > MAX_TEXT_CHARS {
        errors.add(
            field,
            format!("This must be {MAX_TEXT_CHARS} characters or fewer"),
        );
    }
    value
}

/// Short optional text: trimmed, at most `MAX_NAME_CHARS`.
fn short_text(errors: &mut FormErrors, field: &'static str, raw: &str) -> String {
    let value = shown(raw).trim().to_owned();
    if value.chars().count() > MAX_NAME_CHARS {
        errors.add(
            field,
            format!("This must be {MAX_NAME_CHARS} characters or fewer"),
        );
    }
    value
}

/// Short required text.
fn required_name(
    errors: &mut FormErrors,
    field: &'static str,
    raw: &str,
    missing: &'static str,
) -> String {
    text::name(
        &shown(raw),
        MAX_NAME_CHARS,
        missing,
        "This must be 200 characters or fewer",
    )
    .unwrap_or_else(|message| {
        errors.add(field, message);
        String::new()
    })
}

/// A date typed into a GOV.UK date input's three boxes.
pub fn date_of_parts(day: &str, month: &str, year: &str) -> Result<Date, &'static str> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err("Enter the date");
    }
    let number = |text: &str| text.parse::<i32>().ok();
    let (Some(day), Some(month), Some(year)) = (number(day), number(month), number(year)) else {
        return Err("Enter the date as numbers, like 27 3 2014");
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| Month::try_from(month).ok());
    let day = u8::try_from(day).ok();
    match (day, month) {
        (Some(day), Some(month)) if (1900..=2200).contains(&year) => {
            Date::from_calendar_date(year, month, day).map_err(|_| "Enter a real date")
        }
        _ => Err("Enter a real date"),
    }
}

/// A time of day typed as 14:30 (or 14.30).
fn time_of_day(raw: &str) -> Option<Time> {
    let raw = raw.trim();
    let (hour, minute) = raw.split_once(':').or_else(|| raw.split_once('.'))?;
    Time::from_hms(hour.trim().parse().ok()?, minute.trim().parse().ok()?, 0).ok()
}

/// A date and time in England (GMT or BST) as an instant.
pub fn in_england(date: Date, time: Time) -> Option<OffsetDateTime> {
    let civil = jiff::civil::DateTime::new(
        i16::try_from(date.year()).ok()?,
        i8::try_from(u8::from(date.month())).ok()?,
        i8::try_from(date.day()).ok()?,
        i8::try_from(time.hour()).ok()?,
        i8::try_from(time.minute()).ok()?,
        0,
        0,
    )
    .ok()?;
    let zone = jiff::tz::TimeZone::get("Europe/London").ok()?;
    let instant = civil.to_zoned(zone).ok()?.timestamp();
    OffsetDateTime::from_unix_timestamp(instant.as_second()).ok()
}

/// The three boxes of a date input, as typed or as a date shows in them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DateBoxes {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateBoxes {
    pub fn of(date: Date) -> DateBoxes {
        DateBoxes {
            day: date.day().to_string(),
            month: u8::from(date.month()).to_string(),
            year: date.year().to_string(),
        }
    }
}

// --- opening and withdrawing a round -----------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenRoundForm {
    pub name: String,
    pub deadline: String,
}

/// A round to open: its name and the key of the deadline its submission is measured against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRound {
    pub name: String,
    pub deadline_key: Option<String>,
}

impl OpenRoundForm {
    /// `deadlines` are the keys of the cycle's deadlines.
    pub fn parse(&self, deadlines: &[&str]) -> Result<OpenRound, FormErrors> {
        let mut errors = FormErrors::new();
        let name = required_name(
            &mut errors,
            "name",
            &self.name,
            "Enter a name for the round, like draft submission",
        );
        let deadline_key = match self.deadline.trim() {
            "" => None,
            key if deadlines.contains(&key) => Some(key.to_owned()),
            _ => {
                errors.add("deadline", "Choose one of the cycle's deadlines, or none");
                None
            }
        };
        if errors.is_empty() {
            Ok(OpenRound { name, deadline_key })
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WithdrawForm {
    pub reason: String,
}

impl WithdrawForm {
    pub fn parse(&self) -> Result<String, FormErrors> {
        let mut errors = FormErrors::new();
        let reason = long_text(&mut errors, "reason", &self.reason);
        if reason.is_empty() {
            errors.add("reason", "Enter why the round is being withdrawn");
        }
        if errors.is_empty() {
            Ok(reason)
        } else {
            Err(errors)
        }
    }
}

// --- a partner's decision ----------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub snapshot_hash: String,
    pub signature: String,
    pub decision: String,
    pub comments: String,
    pub reason: String,
    pub signer_name: String,
    pub signer_position: String,
    pub not_delegated: String,
    pub code: String,
}

/// A partner's decision as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionInput {
    pub signature_key: String,
    pub decision: PartnerDecision,
    /// The comments given with an approval, or the reason for declining.
    pub comments: String,
    pub signer_name: String,
    pub signer_position: String,
    pub code: String,
}

impl DecisionForm {
    /// `choices` are the signatures this person's organisation still owes the round.
    pub fn parse(&self, choices: &[RequiredSigner]) -> Result<DecisionInput, FormErrors> {
        let mut errors = FormErrors::new();
        let signer = match choices {
            [only] if self.signature.trim().is_empty() => Some(only),
            _ => choices
                .iter()
                .find(|signer| signer.signature_key == self.signature.trim()),
        };
        if signer.is_none() {
            errors.add("signature", "Choose which signature you are giving");
        }
        let decision = PartnerDecision::parse(self.decision.trim());
        if decision.is_none() {
            errors.add("decision", "Choose your decision");
        }
        let comments = long_text(&mut errors, "comments", &self.comments);
        let reason = long_text(&mut errors, "reason", &self.reason);
        let comments = match decision {
            Some(PartnerDecision::ApproveWithComments) if comments.is_empty() => {
                errors.add("comments", "Enter your comments");
                comments
            }
            Some(PartnerDecision::Decline) => {
                if reason.is_empty() {
                    errors.add("reason", "Enter why you decline the plan");
                }
                reason
            }
            _ => comments,
        };
        let signer_name = required_name(
            &mut errors,
            "signer_name",
            &self.signer_name,
            "Enter your name",
        );
        let signer_position = required_name(
            &mut errors,
            "signer_position",
            &self.signer_position,
            "Enter your position",
        );
        if let Some(signer) = signer.filter(|signer| !signer.delegable)
            && self.not_delegated != "yes"
        {
            errors.add(
                "not_delegated",
                format!(
                    "Confirm that you are the {} and have not delegated this",
                    signer.capacity.to_lowercase()
                ),
            );
        }
        let code = self.code.trim().replace(' ', "");
        if code.is_empty() {
            errors.add("code", "Enter the 6-digit code from your authenticator app");
        }
        match (signer, decision) {
            (Some(signer), Some(decision)) if errors.is_empty() => Ok(DecisionInput {
                signature_key: signer.signature_key.clone(),
                decision,
                comments,
                signer_name,
                signer_position,
                code,
            }),
            _ => Err(errors),
        }
    }
}

// --- the board's decision ----------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardForm {
    pub snapshot_hash: String,
    pub how: String,
    pub body: String,
    pub decided_on_day: String,
    pub decided_on_month: String,
    pub decided_on_year: String,
    pub agenda_item: String,
    pub reference: String,
    pub resolution: String,
    pub outcome: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardInput {
    pub how: BoardHow,
    pub body: String,
    pub decided_on: Date,
    pub agenda_item: String,
    pub reference: String,
    pub resolution: String,
    pub outcome: BoardOutcome,
}

impl BoardForm {
    pub fn parse(&self, route: &SignOffRoute) -> Result<BoardInput, FormErrors> {
        let mut errors = FormErrors::new();
        let how = if route.chair_action_allowed {
            let how = BoardHow::parse(self.how.trim());
            if how.is_none() {
                errors.add("how", "Choose how the board decided");
            }
            how
        } else {
            Some(BoardHow::Meeting)
        };
        let body = required_name(
            &mut errors,
            "body",
            &self.body,
            "Enter the board, or who decided on its behalf",
        );
        let decided_on = date_of_parts(
            &self.decided_on_day,
            &self.decided_on_month,
            &self.decided_on_year,
        )
        .map_err(|message| errors.add("decided_on", message))
        .ok();
        let agenda_item = short_text(&mut errors, "agenda_item", &self.agenda_item);
        let reference = required_name(
            &mut errors,
            "reference",
            &self.reference,
            "Enter the minute reference, or the reference of the chair's action or delegated decision",
        );
        let resolution = long_text(&mut errors, "resolution", &self.resolution);
        let outcome = BoardOutcome::parse(self.outcome.trim());
        if outcome.is_none() {
            errors.add("outcome", "Choose the board's decision");
        }
        match (how, decided_on, outcome) {
            (Some(how), Some(decided_on), Some(outcome)) if errors.is_empty() => Ok(BoardInput {
                how,
                body,
                decided_on,
                agenda_item,
                reference,
                resolution,
                outcome,
            }),
            _ => Err(errors),
        }
    }
}

// --- submission --------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubmissionForm {
    pub snapshot_hash: String,
    pub organisation: String,
    pub submitted_on_day: String,
    pub submitted_on_month: String,
    pub submitted_on_year: String,
    pub submitted_time: String,
    pub reference: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionInput {
    pub organisation_id: Option<OrganisationId>,
    pub submitted_at: OffsetDateTime,
    pub reference: String,
}

impl SubmissionForm {
    /// The form prefilled with `now` (in England).
    pub fn at(now: OffsetDateTime) -> SubmissionForm {
        let local = format::in_london(now);
        let date = DateBoxes::of(local.date());
        SubmissionForm {
            submitted_on_day: date.day,
            submitted_on_month: date.month,
            submitted_on_year: date.year,
            submitted_time: format!("{:02}:{:02}", local.hour(), local.minute()),
            ..SubmissionForm::default()
        }
    }

    /// `partners` are the partners yet to submit where each submits on its own (none where the
    /// area submits once).
    pub fn parse(
        &self,
        partners: &[(OrganisationId, String)],
    ) -> Result<SubmissionInput, FormErrors> {
        let mut errors = FormErrors::new();
        let organisation_id = if partners.is_empty() {
            None
        } else {
            let chosen = partners
                .iter()
                .find(|(id, _)| id.to_string() == self.organisation.trim())
                .map(|(id, _)| *id);
            if chosen.is_none() {
                errors.add("organisation", "Choose the partner that submitted");
            }
            chosen
        };
        let date = date_of_parts(
            &self.submitted_on_day,
            &self.submitted_on_month,
            &self.submitted_on_year,
        )
        .map_err(|message| errors.add("submitted_on", message))
        .ok();
        let time = time_of_day(&self.submitted_time);
        if time.is_none() {
            errors.add(
                "submitted_time",
                "Enter the time it was submitted, like 14:30",
            );
        }
        let reference = short_text(&mut errors, "reference", &self.reference);
        let submitted_at = date
            .zip(time)
            .and_then(|(date, time)| in_england(date, time));
        match submitted_at {
            Some(submitted_at) if errors.is_empty() => Ok(SubmissionInput {
                organisation_id,
                submitted_at,
                reference,
            }),
            _ => Err(errors),
        }
    }
}

// --- assurance ---------------------------------------------------------------------------------

/// One condition row as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConditionRow {
    pub text: String,
    pub due: String,
}

/// The assurance form as typed: the outcome, a summary, and fixed rows of conditions.
#[derive(Clone, Debug, Default)]
pub struct AssuranceForm {
    pub snapshot_hash: String,
    pub outcome: String,
    pub summary: String,
    pub conditions: Vec<ConditionRow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssuranceInput {
    pub outcome: AssuranceOutcome,
    pub summary: String,
    pub conditions: Vec<(String, Date)>,
}

impl AssuranceForm {
    /// An empty form with its fixed rows.
    pub fn blank() -> AssuranceForm {
        AssuranceForm {
            conditions: vec![ConditionRow::default(); MAX_CONDITIONS],
            ..AssuranceForm::default()
        }
    }

    /// The form from its fields: `condition_1`…`condition_10` and `due_1`…`due_10`.
    pub fn from_fields(fields: Vec<(String, String)>) -> AssuranceForm {
        let mut form = AssuranceForm::blank();
        let fields: HashMap<String, String> = fields.into_iter().collect();
        let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
        form.snapshot_hash = field("snapshot_hash");
        form.outcome = field("outcome");
        form.summary = field("summary");
        for (index, row) in form.conditions.iter_mut().enumerate() {
            row.text = field(&format!("condition_{}", index + 1));
            row.due = field(&format!("due_{}", index + 1));
        }
        form
    }

    pub fn parse(&self, route: &SignOffRoute) -> Result<AssuranceInput, FormErrors> {
        let mut errors = FormErrors::new();
        let outcome = route.outcome(self.outcome.trim()).cloned();
        if outcome.is_none() {
            errors.add("outcome", "Choose the outcome of assurance");
        }
        let summary = long_text(&mut errors, "summary", &self.summary);
        let mut conditions = Vec::new();
        for (index, row) in self.conditions.iter().enumerate() {
            let number = index + 1;
            let text = shown(&row.text).trim().replace("\r\n", "\n");
            let due = row.due.trim();
            if text.is_empty() && due.is_empty() {
                continue;
            }
            if text.is_empty() {
                errors.add(
                    format!("condition_{number}"),
                    format!("Enter condition {number}, or clear its due date"),
                );
                continue;
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                errors.add(
                    format!("condition_{number}"),
                    format!("Condition {number} must be {MAX_TEXT_CHARS} characters or fewer"),
                );
            }
            match parse_date(due) {
                Some(date) => conditions.push((text, date)),
                None if due.is_empty() => errors.add(
                    format!("due_{number}"),
                    format!("Enter the date condition {number} is due"),
                ),
                None => errors.add(
                    format!("due_{number}"),
                    format!(
                        "Enter the date condition {number} is due as a real date, like 30/6/2014"
                    ),
                ),
            }
        }
        match &outcome {
            Some(outcome)
                if outcome.has_conditions && conditions.is_empty() && errors.is_empty() =>
            {
                errors.add(
                    "condition_1",
                    format!(
                        "Enter at least one condition of \u{201c}{}\u{201d}",
                        outcome.label
                    ),
                );
            }
            Some(outcome) if !outcome.has_conditions && !conditions.is_empty() => {
                errors.add(
                    "condition_1",
                    format!(
                        "\u{201c}{}\u{201d} sets no conditions: clear them, or choose an outcome with conditions",
                        outcome.label
                    ),
                );
            }
            _ => {}
        }
        match outcome {
            Some(outcome) if errors.is_empty() => Ok(AssuranceInput {
                outcome,
                summary,
                conditions,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConditionMetForm {
    pub note: String,
}

impl ConditionMetForm {
    pub fn parse(&self) -> Result<String, FormErrors> {
        let mut errors = FormErrors::new();
        let note = long_text(&mut errors, "note", &self.note);
        if errors.is_empty() {
            Ok(note)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn signer(key: &str, delegable: bool) -> RequiredSigner {
        RequiredSigner {
            organisation_id: OrganisationId::new(1),
            organisation_name: "Council".into(),
            signature_key: key.into(),
            capacity: "Chief executive".into(),
            delegable,
        }
    }

    fn decision(decision: &str) -> DecisionForm {
        DecisionForm {
            decision: decision.into(),
            signer_name: "A Person".into(),
            signer_position: "Chief executive".into(),
            code: "123 456".into(),
            ..DecisionForm::default()
        }
    }

    #[test]
    fn a_decision_needs_comments_or_a_reason_as_it_says_and_the_sole_signature_is_chosen_for_you() {
        let only = [signer("ceo", true)];
        let parsed = decision("approve").parse(&only).unwrap();
        assert_eq!(parsed.signature_key, "ceo");
        assert_eq!(parsed.code, "123456");
        let errors = decision("approve_with_comments").parse(&only).unwrap_err();
        assert_eq!(errors.message("comments"), "Enter your comments");
        let errors = decision("decline").parse(&only).unwrap_err();
        assert_eq!(errors.message("reason"), "Enter why you decline the plan");
        let mut declined = decision("decline");
        declined.reason = "The schemes do not add up".into();
        assert_eq!(
            declined.parse(&only).unwrap().comments,
            "The schemes do not add up"
        );
        let errors = decision("").parse(&only).unwrap_err();
        assert_eq!(errors.message("decision"), "Choose your decision");
    }

    #[test]
    fn a_choice_of_signatures_must_be_made_and_one_not_delegable_must_be_confirmed() {
        let two = [signer("ceo", false), signer("s151", true)];
        let errors = decision("approve").parse(&two).unwrap_err();
        assert_eq!(
            errors.message("signature"),
            "Choose which signature you are giving"
        );
        let mut form = decision("approve");
        form.signature = "ceo".into();
        let errors = form.parse(&two).unwrap_err();
        assert_eq!(
            errors.message("not_delegated"),
            "Confirm that you are the chief executive and have not delegated this"
        );
        form.not_delegated = "yes".into();
        assert_eq!(form.parse(&two).unwrap().signature_key, "ceo");
        form.signature = "someone-else".into();
        assert!(form.parse(&two).is_err());
        form.signature = "s151".into();
        form.code = String::new();
        assert_eq!(
            form.parse(&two).unwrap_err().message("code"),
            "Enter the 6-digit code from your authenticator app"
        );
    }

    #[test]
    fn dates_and_times_are_read_in_england() {
        assert_eq!(date_of_parts("27", "3", "2014"), Ok(date!(2014 - 03 - 27)));
        assert_eq!(date_of_parts("31", "2", "2014"), Err("Enter a real date"));
        assert_eq!(date_of_parts("", "", ""), Err("Enter the date"));
        assert!(date_of_parts("x", "3", "2014").is_err());
        assert_eq!(time_of_day("9:05"), Some(time!(9:05)));
        assert_eq!(time_of_day("25:00"), None);
        // BST: 10:00 in London on 4 April 2014 is 09:00 UTC.
        assert_eq!(
            in_england(date!(2014 - 04 - 04), time!(10:00)),
            Some(datetime!(2014-04-04 09:00 UTC))
        );
        assert_eq!(
            in_england(date!(2014 - 02 - 14), time!(10:00)),
            Some(datetime!(2014-02-14 10:00 UTC))
        );
        let form = SubmissionForm::at(datetime!(2014-04-04 09:00 UTC));
        assert_eq!(form.submitted_time, "10:00");
        assert_eq!(form.submitted_on_day, "4");
    }

    #[test]
    fn a_board_decision_by_chairs_action_only_where_the_route_allows_it() {
        let form = BoardForm {
            how: "chair_action".into(),
            body: "Kent Health and Wellbeing Board".into(),
            decided_on_day: "26".into(),
            decided_on_month: "3".into(),
            decided_on_year: "2014".into(),
            reference: "HWB/14/12".into(),
            outcome: "approved".into(),
            ..BoardForm::default()
        };
        let route_2014 = SignOffRoute::default();
        assert_eq!(form.parse(&route_2014).unwrap().how, BoardHow::Meeting);
        let route_2025 = SignOffRoute {
            chair_action_allowed: true,
            ..SignOffRoute::default()
        };
        assert_eq!(form.parse(&route_2025).unwrap().how, BoardHow::ChairAction);
        let errors = BoardForm::default().parse(&route_2025).unwrap_err();
        for field in ["how", "body", "decided_on", "reference", "outcome"] {
            assert!(!errors.message(field).is_empty(), "{field}");
        }
    }

    #[test]
    fn assurance_with_conditions_needs_one_and_blank_rows_are_ignored() {
        let route = SignOffRoute::default();
        let fields = |pairs: &[(&str, &str)]| {
            AssuranceForm::from_fields(
                pairs
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                    .collect(),
            )
        };
        let form = fields(&[("outcome", "approved-subject-to-conditions")]);
        assert_eq!(form.conditions.len(), MAX_CONDITIONS);
        let errors = form.parse(&route).unwrap_err();
        assert!(
            errors
                .message("condition_1")
                .starts_with("Enter at least one condition")
        );
        let form = fields(&[
            ("outcome", "approved-subject-to-conditions"),
            ("condition_3", "Agree the section 75 by June"),
            ("due_3", "30/6/2014"),
        ]);
        let parsed = form.parse(&route).unwrap();
        assert_eq!(
            parsed.conditions,
            [(
                "Agree the section 75 by June".to_owned(),
                date!(2014 - 06 - 30)
            )]
        );
        let form = fields(&[
            ("outcome", "approved-subject-to-conditions"),
            ("condition_2", "Something"),
            ("due_2", "31/2/2014"),
        ]);
        assert!(
            form.parse(&route)
                .unwrap_err()
                .message("due_2")
                .contains("real date")
        );
        let form = fields(&[
            ("outcome", "approved"),
            ("condition_1", "x"),
            ("due_1", "1/1/2015"),
        ]);
        assert!(
            !form
                .parse(&route)
                .unwrap_err()
                .message("condition_1")
                .is_empty()
        );
        assert!(fields(&[("outcome", "nonsense")]).parse(&route).is_err());
    }

    #[test]
    fn a_round_needs_a_name_and_a_deadline_of_the_cycle_if_any() {
        let form = OpenRoundForm {
            name: " Final submission ".into(),
            deadline: "submission-deadline".into(),
        };
        assert_eq!(
            form.parse(&["submission-deadline"]).unwrap(),
            OpenRound {
                name: "Final submission".into(),
                deadline_key: Some("submission-deadline".into())
            }
        );
        assert!(form.parse(&[]).is_err());
        assert!(OpenRoundForm::default().parse(&[]).is_err());
        assert!(WithdrawForm::default().parse().is_err());
    }
}
