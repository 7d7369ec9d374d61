//! What the edit forms of the parts kept by all partners together (metric goals, condition
//! answers, the engagement log) have in common: who may edit them, the version a form was based
//! on, whether a save changes anything, the fields where two versions differ, and who saved a
//! version when.

use crate::areas::AreaId;
use crate::auth::policy::Principal;
use crate::plans::rules;

/// Who changes the parts of a plan that belong to all its partners together (its metric
/// goals, its answers to the national conditions, its engagement log): any editor of the area
/// (officers of any partner) and the lead.
pub fn may_edit_shared_parts(principal: &Principal<'_>, area_id: AreaId) -> bool {
    rules::may_write_text(principal, area_id, None) || rules::is_lead(principal, area_id)
}

/// "4 December 2025 at 9:05am by Jo Bloggs": when a version was saved and by whom.
pub fn saved_by(at: time::OffsetDateTime, by: Option<&str>) -> String {
    format!(
        "{} by {}",
        crate::web::format::date_time(at),
        by.unwrap_or("someone no longer known")
    )
}

/// The version a form was based on, from its hidden field: `Some(None)` for none yet (empty),
/// `Some(Some(id))` for a version, `None` when it is neither (the form is not one of ours).
pub fn based_on(typed: &str) -> Option<Option<i64>> {
    match typed.trim() {
        "" => Some(None),
        typed => typed.parse().ok().map(Some),
    }
}

/// One field where two versions differ, as people read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub label: String,
    pub current: String,
    pub yours: String,
}

/// Adds a [`Difference`] for `label` when the two texts differ.
pub fn differ(
    list: &mut Vec<Difference>,
    label: impl Into<String>,
    current: String,
    yours: String,
) {
    if current != yours {
        list.push(Difference {
            label: label.into(),
            current,
            yours,
        });
    }
}

/// Whether a save changes nothing: it was made on the current version (`based_on`) and holds
/// just what that version holds. Such a save writes no new version and records nothing, so a
/// part's history shows only real revisions.
pub fn is_unchanged<Id: PartialEq, T: PartialEq>(
    based_on: Option<Id>,
    current: Option<(Id, &T)>,
    saving: &T,
) -> bool {
    match current {
        Some((id, held)) => based_on.as_ref() == Some(&id) && held == saving,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_name_the_version_they_were_based_on() {
        assert_eq!(based_on(""), Some(None));
        assert_eq!(based_on(" 12 "), Some(Some(12)));
        assert_eq!(based_on("x"), None);
        assert_eq!(
            saved_by(time::macros::datetime!(2025-12-04 9:05 UTC), None),
            "4 December 2025 at 9:05am by someone no longer known"
        );
    }

    #[test]
    fn a_save_on_the_current_version_holding_the_same_changes_nothing() {
        assert!(is_unchanged(Some(3), Some((3, &"met")), &"met"));
        assert!(
            !is_unchanged(Some(3), Some((3, &"met")), &"not met"),
            "a real change"
        );
        assert!(
            !is_unchanged(Some(2), Some((3, &"met")), &"met"),
            "based on an older version"
        );
        assert!(
            !is_unchanged::<i32, _>(None, None, &"met"),
            "the first answer"
        );
        assert!(
            !is_unchanged(None, Some((3, &"met")), &"met"),
            "a first answer made meanwhile"
        );
    }
}
