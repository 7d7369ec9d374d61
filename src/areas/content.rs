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

/// What a refused change's page says (after its heading): which round froze the content, when
/// and by whom it was opened (`opened_on` as people read it), and who can withdraw it.
pub fn refusal_explanation(
    frozen: &ContentFrozen,
    opened_on: &str,
    leads: &[String],
    edit: ContentEdit,
) -> String {
    let by = match &frozen.frozen_by {
        Some(name) => format!(" by {name}"),
        None => String::new(),
    };
    let what = match edit {
        ContentEdit::Plan(_) => "Its content cannot change until the round ends.",
        ContentEdit::RiskRegister => {
            "The plan includes the area's risk register, so the register cannot change until the round ends."
        }
    };
    let who = match leads {
        [] => "The area lead".to_owned(),
        [lead] => format!("The area lead ({lead})"),
        [first @ .., last] => format!("The area leads ({} and {last})", first.join(", ")),
    };
    format!(
        "Round \u{201c}{}\u{201d} was opened on {opened_on}{by}. {what} {who} can withdraw the round.",
        frozen.round
    )
}

/// The banner of a page whose content is frozen.
pub fn banner_text(frozen: &ContentFrozen, edit: ContentEdit) -> String {
    let whose = match edit {
        ContentEdit::Plan(_) => "This plan is",
        ContentEdit::RiskRegister => "A plan of this area is",
    };
    let closed = match edit {
        ContentEdit::Plan(_) => "editing is closed",
        ContentEdit::RiskRegister => "the risk register is closed for editing",
    };
    format!(
        "{whose} in sign-off (round \u{201c}{}\u{201d}) \u{2014} {closed} until the round ends",
        frozen.round
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn final_submission(frozen_by: Option<&str>) -> ContentFrozen {
        ContentFrozen {
            plan_id: 1,
            round: "Final submission".to_owned(),
            frozen_at: time::macros::datetime!(2014-03-03 10:00 UTC),
            frozen_by: frozen_by.map(str::to_owned),
        }
    }

    #[test]
    fn a_refusal_says_which_round_who_opened_it_and_who_can_withdraw_it() {
        let frozen = final_submission(Some("Kent lead"));
        assert_eq!(
            refusal_explanation(
                &frozen,
                "3 March 2014",
                &["Kent lead".to_owned()],
                ContentEdit::Plan(1)
            ),
            "Round \u{201c}Final submission\u{201d} was opened on 3 March 2014 by Kent lead. Its content cannot change until the round ends. The area lead (Kent lead) can withdraw the round."
        );
        let leads = ["Ann".to_owned(), "Bob".to_owned(), "Cy".to_owned()];
        let register = refusal_explanation(
            &final_submission(None),
            "3 March 2014",
            &leads,
            ContentEdit::RiskRegister,
        );
        assert!(
            register
                .starts_with("Round \u{201c}Final submission\u{201d} was opened on 3 March 2014. ")
        );
        assert!(register.contains("the register cannot change"));
        assert!(register.ends_with("The area leads (Ann, Bob and Cy) can withdraw the round."));
        assert!(
            refusal_explanation(&frozen, "3 March 2014", &[], ContentEdit::Plan(1))
                .ends_with("The area lead can withdraw the round.")
        );
    }

    #[test]
    fn the_banner_names_the_round() {
        assert_eq!(
            banner_text(&final_submission(None), ContentEdit::Plan(1)),
            "This plan is in sign-off (round \u{201c}Final submission\u{201d}) \u{2014} editing is closed until the round ends"
        );
    }

    #[test]
    fn a_frozen_plan_refuses_its_own_edits_and_the_registers_but_not_another_plans() {
        assert!(allows(None, ContentEdit::Plan(1)));
        assert!(allows(None, ContentEdit::RiskRegister));
        assert!(!allows(Some(1), ContentEdit::Plan(1)));
        assert!(allows(Some(1), ContentEdit::Plan(2)));
        assert!(!allows(Some(1), ContentEdit::RiskRegister));
    }
}
