//! The plan's engagement log: consultation with patients, service users, carers and providers,
//! each entry with the date it was held, the audience, what was done and what changed in the
//! plan as a result. Entries are edited in place under a version (optimistic locking) and may
//! be removed; the audit log keeps each change.

pub mod routes;
pub mod store;

use serde::Deserialize;
use time::Date;

use super::editing::{Difference, differ, may_edit_shared_parts};
use crate::areas::AreaId;
use crate::auth::policy::Principal;
use crate::db::id::row_id;
use crate::risks::content::{iso, parse_date};
use crate::web::form::{FormErrors, shown};
use crate::web::{format, text};

row_id! {
    /// An engagement log entry.
    pub struct EntryId;
}

/// The longest audience, in characters.
pub const MAX_AUDIENCE_CHARS: usize = 200;
/// The longest "what was done" or "what changed", in characters.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The most entries one plan's log may hold: far above any real plan's consultation. Adding
/// stops here, and what reads the log (its page, the workbook) reads this many.
pub const MAX_ENTRIES: i64 = 500;

/// Whether a log with `existing` entries may have another.
pub fn room_for_another(existing: i64) -> bool {
    existing < MAX_ENTRIES
}

/// Why an entry was not added to a log that holds [`MAX_ENTRIES`] already.
pub fn full_message() -> String {
    format!(
        "This plan's engagement log already has {MAX_ENTRIES} entries, the most it may hold, so this one was not added. Remove an entry that is no longer needed, then add this one again."
    )
}

/// Who keeps the engagement log: any editor of the area and the lead
/// ([`may_edit_shared_parts`]).
pub fn may_log(principal: &Principal<'_>, area_id: AreaId) -> bool {
    may_edit_shared_parts(principal, area_id)
}

/// An entry's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub held_on: Date,
    pub audience: String,
    pub what_done: String,
    /// Empty until something has changed.
    pub what_changed: String,
}

/// The entry form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EntryForm {
    pub held_on: String,
    pub audience: String,
    pub what_done: String,
    pub what_changed: String,
    pub version: String,
}

impl EntryForm {
    pub fn of(entry: &Entry, version: i32) -> EntryForm {
        EntryForm {
            held_on: iso(entry.held_on),
            audience: entry.audience.clone(),
            what_done: entry.what_done.clone(),
            what_changed: entry.what_changed.clone(),
            version: version.to_string(),
        }
    }

    /// The entry, or a message by each field.
    pub fn parse(&self) -> Result<Entry, FormErrors> {
        let mut errors = FormErrors::new();
        let held_on = match self.held_on.trim() {
            "" => {
                errors.add("held_on", "Enter the date it was held");
                None
            }
            typed => {
                let date = parse_date(typed);
                if date.is_none() {
                    errors.add(
                        "held_on",
                        "Enter the date it was held as a real date, like 4/12/2025",
                    );
                }
                date
            }
        };
        let audience = text::name(
            &shown(&self.audience),
            MAX_AUDIENCE_CHARS,
            "Enter who took part, like Healthwatch members or home care providers",
            "The audience must be 200 characters or fewer",
        )
        .unwrap_or_else(|message| {
            errors.add("audience", message);
            String::new()
        });
        let mut long = |field: &'static str, value: &str, required: Option<&'static str>| {
            let value = shown(value).trim().replace("\r\n", "\n");
            if let (true, Some(missing)) = (value.is_empty(), required) {
                errors.add(field, missing);
            } else if value.chars().count() > MAX_TEXT_CHARS {
                errors.add(
                    field,
                    format!("This must be {MAX_TEXT_CHARS} characters or fewer"),
                );
            }
            value
        };
        let what_done = long("what_done", &self.what_done, Some("Say what was done"));
        let what_changed = long("what_changed", &self.what_changed, None);
        match held_on {
            Some(held_on) if errors.is_empty() => Ok(Entry {
                held_on,
                audience,
                what_done,
                what_changed,
            }),
            _ => Err(errors),
        }
    }
}

/// Where the current entry and the person's differ.
pub fn differences(current: &Entry, yours: &Entry) -> Vec<Difference> {
    let mut list = Vec::new();
    differ(
        &mut list,
        "Date held",
        format::date(current.held_on),
        format::date(yours.held_on),
    );
    differ(
        &mut list,
        "Audience",
        current.audience.clone(),
        yours.audience.clone(),
    );
    differ(
        &mut list,
        "What was done",
        current.what_done.clone(),
        yours.what_done.clone(),
    );
    differ(
        &mut list,
        "What changed as a result",
        current.what_changed.clone(),
        yours.what_changed.clone(),
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form(held_on: &str, audience: &str, what_done: &str) -> EntryForm {
        EntryForm {
            held_on: held_on.into(),
            audience: audience.into(),
            what_done: what_done.into(),
            what_changed: String::new(),
            version: String::new(),
        }
    }

    #[test]
    fn an_entry_as_typed_with_the_date_in_either_form() {
        for typed in ["4/12/2025", "04/12/2025", "2025-12-04", " 4/12/2025 "] {
            let entry = form(typed, " Healthwatch ", "A workshop.\r\nNotes shared.")
                .parse()
                .unwrap();
            assert_eq!(entry.held_on, date!(2025 - 12 - 04), "{typed}");
            assert_eq!(entry.audience, "Healthwatch");
            assert_eq!(entry.what_done, "A workshop.\nNotes shared.");
        }
        let entry = form("4/12/2025", "Providers", "Workshop").parse().unwrap();
        assert_eq!(EntryForm::of(&entry, 3).parse().unwrap(), entry);
        assert_eq!(EntryForm::of(&entry, 3).version, "3");
    }

    #[test]
    fn each_problem_is_told_by_its_field() {
        let errors = form("31/2/2025", "", " ").parse().unwrap_err();
        assert_eq!(
            errors.message("held_on"),
            "Enter the date it was held as a real date, like 4/12/2025"
        );
        assert_eq!(
            errors.message("audience"),
            "Enter who took part, like Healthwatch members or home care providers"
        );
        assert_eq!(errors.message("what_done"), "Say what was done");
        let mut long = form("", &"a".repeat(201), "x");
        long.what_changed = "y".repeat(MAX_TEXT_CHARS + 1);
        let errors = long.parse().unwrap_err();
        assert_eq!(errors.message("held_on"), "Enter the date it was held");
        assert_eq!(
            errors.message("audience"),
            "The audience must be 200 characters or fewer"
        );
        assert_eq!(
            errors.message("what_changed"),
            "This must be 5000 characters or fewer"
        );
    }

    #[test]
    fn differences_name_the_changed_fields() {
        let current = form("4/12/2025", "Providers", "Workshop").parse().unwrap();
        let yours = form("5/12/2025", "Providers", "Workshop").parse().unwrap();
        let list = differences(&current, &yours);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].current, "4 December 2025");
        assert_eq!(list[0].yours, "5 December 2025");
    }

    #[test]
    fn a_log_may_hold_entries_up_to_the_cap_and_no_more() {
        assert!(room_for_another(0));
        assert!(room_for_another(MAX_ENTRIES - 1));
        assert!(!room_for_another(MAX_ENTRIES));
        assert!(!room_for_another(MAX_ENTRIES + 1));
        assert!(full_message().contains("already has 500 entries"));
    }
}
