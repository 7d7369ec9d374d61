//! The content guard of an area: every change to a plan's content (sections, contributions,
//! funding, schemes, metrics, conditions, engagement) or to the area's risk register asks it
//! first, in the change's own transaction, and is refused while the plan (or, for the register,
//! any plan of the area) is frozen in a sign-off round. Nobody signs a moving target.
//!
//! The guard is one row per area (`area_content`, SQL in `store`): asking bumps its `version`,
//! and the row lock that takes orders each change against a round being opened, so no edit can
//! land between the checks passing and the snapshot being taken. `version` also lets a page
//! tell cheaply that nothing has changed since a snapshot.
//!
//! It lives with areas, below plans, risks and sign-off, so that all of them can use it without
//! depending on each other.

use time::OffsetDateTime;

/// What a change is to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentEdit {
    /// The content of one plan (its row id).
    Plan(i64),
    /// The area's risk register, which every plan of the area includes.
    RiskRegister,
}

impl ContentEdit {
    /// The plan id the guard's SQL compares with the frozen one (`None`: any frozen plan
    /// refuses).
    pub fn plan_id(self) -> Option<i64> {
        match self {
            ContentEdit::Plan(plan_id) => Some(plan_id),
            ContentEdit::RiskRegister => None,
        }
    }
}

/// Why a change was refused: a plan of the area is in a sign-off round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentFrozen {
    /// The plan in sign-off.
    pub plan_id: i64,
    /// The round's name, e.g. "Final submission".
    pub round: String,
    pub frozen_at: OffsetDateTime,
    /// Who opened the round, by name.
    pub frozen_by: Option<String>,
}

impl std::fmt::Display for ContentFrozen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the plan is in sign-off (round \"{}\"), so its content cannot change until the \
             round ends or the area lead withdraws it",
            self.round
        )
    }
}

/// Whether the guard allows `edit` while `frozen_plan_id` is frozen. Mirrors the guard's SQL
/// (`store::begin_content_edit`), for unit tests and pages that only read.
pub fn allows(frozen_plan_id: Option<i64>, edit: ContentEdit) -> bool {
    match (frozen_plan_id, edit) {
        (None, _) => true,
        (Some(frozen), ContentEdit::Plan(plan_id)) => frozen != plan_id,
        (Some(_), ContentEdit::RiskRegister) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_plan_refuses_its_own_edits_and_the_registers_but_not_another_plans() {
        assert!(allows(None, ContentEdit::Plan(1)));
        assert!(allows(None, ContentEdit::RiskRegister));
        assert!(!allows(Some(1), ContentEdit::Plan(1)));
        assert!(allows(Some(1), ContentEdit::Plan(2)));
        assert!(!allows(Some(1), ContentEdit::RiskRegister));
    }
}
