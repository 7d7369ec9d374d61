//! The deadline forms as typed, and what each parses into: a local deadline (added or edited)
//! and a deadline recorded done by hand. Parsing is pure: the handler passes in the area's
//! plans and today, and gets the values or a message by each field.

use serde::Deserialize;
use time::Date;

use super::model::MetBy;
use crate::signoff::forms::{DateBoxes, date_of_parts};
use crate::web::form::{FormErrors, shown};
use crate::web::text;

/// The longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest notes or note.
pub const MAX_NOTES_CHARS: usize = 2_000;

/// A local deadline's form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LocalForm {
    pub title: String,
    pub due_day: String,
    pub due_month: String,
    pub due_year: String,
    pub met_by: String,
    /// The id of the plan, or "".
    pub plan: String,
    pub notes: String,
    /// The version the edit form was made from ("" when adding).
    pub version: String,
}

/// A local deadline, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalInput {
    pub title: String,
    pub due: Date,
    pub met_by: MetBy,
    /// Set exactly when `met_by` is not by hand.
    pub plan_id: Option<i64>,
    pub notes: String,
}

impl LocalForm {
    /// The form showing a deadline as it is.
    pub fn of(input: &LocalInput, version: i32) -> LocalForm {
        let due = DateBoxes::of(input.due);
        LocalForm {
            title: input.title.clone(),
            due_day: due.day,
            due_month: due.month,
            due_year: due.year,
            met_by: input.met_by.key().to_owned(),
            plan: input.plan_id.map(|id| id.to_string()).unwrap_or_default(),
            notes: input.notes.clone(),
            version: version.to_string(),
        }
    }

    /// `plans` are the ids of the area's plans.
    pub fn parse(&self, plans: &[i64]) -> Result<LocalInput, FormErrors> {
        let mut errors = FormErrors::new();
        let title = text::name(
            &shown(&self.title),
            MAX_TITLE_CHARS,
            "Enter a title, like risk register to the December board",
            "The title must be 200 characters or fewer",
        )
        .unwrap_or_else(|message| {
            errors.add("title", message);
            String::new()
        });
        let due = date_of_parts(&self.due_day, &self.due_month, &self.due_year)
            .map_err(|message| {
                let message = if message == "Enter the date" {
                    "Enter the date it is due"
                } else {
                    message
                };
                errors.add("due", message);
            })
            .ok();
        let met_by = MetBy::parse(self.met_by.trim());
        if met_by.is_none() {
            errors.add("met_by", "Choose what meets the deadline");
        }
        let plan_id = match (met_by, self.plan.trim()) {
            (Some(MetBy::Manual), _) | (None, _) => None,
            (Some(_), "") => {
                errors.add("plan", "Choose the plan whose sign-off meets the deadline");
                None
            }
            (Some(_), typed) => match typed.parse::<i64>().ok().filter(|id| plans.contains(id)) {
                Some(id) => Some(id),
                None => {
                    errors.add("plan", "Choose one of this area's plans");
                    None
                }
            },
        };
        let notes = shown(&self.notes).trim().replace("\r\n", "\n");
        if notes.chars().count() > MAX_NOTES_CHARS {
            errors.add("notes", "The notes must be 2000 characters or fewer");
        }
        match (due, met_by) {
            (Some(due), Some(met_by)) if errors.is_empty() => Ok(LocalInput {
                title,
                due,
                met_by,
                plan_id,
                notes,
            }),
            _ => Err(errors),
        }
    }

    /// The version the form was made from; `None` when it is not a number.
    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }
}

/// A deadline recorded done by hand, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneForm {
    /// The deadline's reference (`national:12:final-plans`, `local:7`).
    pub deadline: String,
    pub done_on_day: String,
    pub done_on_month: String,
    pub done_on_year: String,
    pub note: String,
}

/// What was recorded done, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoneInput {
    pub on: Date,
    pub note: String,
}

impl DoneForm {
    /// The form for the deadline `reference`, done today unless changed.
    pub fn new(reference: &str, today: Date) -> DoneForm {
        let on = DateBoxes::of(today);
        DoneForm {
            deadline: reference.to_owned(),
            done_on_day: on.day,
            done_on_month: on.month,
            done_on_year: on.year,
            note: String::new(),
        }
    }

    pub fn parse(&self, today: Date) -> Result<DoneInput, FormErrors> {
        let mut errors = FormErrors::new();
        let on = match date_of_parts(&self.done_on_day, &self.done_on_month, &self.done_on_year) {
            Ok(on) if on > today => {
                errors.add("done_on", "The day it was done must be today or earlier");
                None
            }
            Ok(on) => Some(on),
            Err(message) => {
                errors.add("done_on", message);
                None
            }
        };
        let note = shown(&self.note).trim().replace("\r\n", "\n");
        if note.chars().count() > MAX_NOTES_CHARS {
            errors.add("note", "The note must be 2000 characters or fewer");
        }
        match on {
            Some(on) if errors.is_empty() => Ok(DoneInput { on, note }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form(met_by: &str, plan: &str) -> LocalForm {
        LocalForm {
            title: " Risk register to the board ".into(),
            due_day: "3".into(),
            due_month: "12".into(),
            due_year: "2014".into(),
            met_by: met_by.into(),
            plan: plan.into(),
            notes: "For the December board".into(),
            version: String::new(),
        }
    }

    #[test]
    fn a_local_deadline_parses_with_its_plan_when_one_meets_it() {
        let parsed = form("round_opened", "4").parse(&[4, 5]).expect("valid");
        assert_eq!(parsed.title, "Risk register to the board");
        assert_eq!(parsed.due, date!(2014 - 12 - 03));
        assert_eq!(parsed.plan_id, Some(4));
        let manual = form("manual", "4").parse(&[4]).expect("valid");
        assert_eq!(manual.plan_id, None, "by hand: no plan");
        assert_eq!(LocalForm::of(&parsed, 3).parse(&[4]).ok(), Some(parsed));
    }

    #[test]
    fn each_problem_is_told_by_its_field() {
        let mut bad = form("submitted", "");
        bad.title = "  ".into();
        bad.due_day = "31".into();
        bad.due_month = "2".into();
        let errors = bad.parse(&[4]).expect_err("invalid");
        assert!(errors.get("title").is_some());
        assert_eq!(errors.get("due"), Some("Enter a real date"));
        assert!(errors.get("plan").is_some());
        let errors = form("submitted", "9")
            .parse(&[4])
            .expect_err("another area's plan");
        assert_eq!(errors.get("plan"), Some("Choose one of this area's plans"));
        let errors = form("", "").parse(&[4]).expect_err("no rule");
        assert!(errors.get("met_by").is_some());
    }

    #[test]
    fn done_is_today_or_earlier() {
        let today = date!(2014 - 03 - 20);
        let form = DoneForm::new("local:1", today);
        assert_eq!(form.parse(today).ok().map(|d| d.on), Some(today));
        assert!(form.parse(date!(2014 - 03 - 19)).is_err(), "tomorrow");
    }
}
