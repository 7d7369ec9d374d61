//! The sign-off state machine (../shared/DESIGN.md "Sign-off"), as pure functions of the route
//! and what has been recorded: which state a round moves to after each step, and which steps
//! a state allows. Handlers lock the round, ask these, and store the answer.

use time::{Date, OffsetDateTime};

use crate::keyed::keyed_enum;
use crate::plans::templates::route::{BoardTiming, SignOffRoute};

keyed_enum! {
    /// Where a round stands. The first four are in progress (at most one per plan); the rest
    /// are ended, one way or another.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RoundState {
        PartnerSignOff = ("partner_sign_off", "Partner sign-off"),
        BoardApproval = ("board_approval", "Board approval"),
        ReadyToSubmit = ("ready_to_submit", "Ready to submit"),
        Submitted = ("submitted", "Submitted"),
        Assured = ("assured", "Assured"),
        Withdrawn = ("withdrawn", "Withdrawn"),
        Declined = ("declined", "Declined by a partner"),
        NotApproved = ("not_approved", "Not approved"),
        Superseded = ("superseded", "Replaced by a later round"),
    }
}

impl RoundState {
    /// In progress: the plan's current round (at most one per plan).
    pub fn is_current(self) -> bool {
        matches!(
            self,
            RoundState::PartnerSignOff
                | RoundState::BoardApproval
                | RoundState::ReadyToSubmit
                | RoundState::Submitted
        )
    }

    /// Whether the plan's content stays frozen: from opening until submission. Once submitted,
    /// the snapshot is what was sent, and the live plan may move on (towards a resubmission,
    /// say); every later decision still names the snapshot.
    pub fn freezes_content(self) -> bool {
        matches!(
            self,
            RoundState::PartnerSignOff | RoundState::BoardApproval | RoundState::ReadyToSubmit
        )
    }

    /// Whether the lead may withdraw the round: until it is submitted.
    pub fn may_withdraw(self) -> bool {
        self.freezes_content()
    }

    /// Whether its decisions no longer count (kept in the history, shown as void).
    pub fn voids_decisions(self) -> bool {
        matches!(self, RoundState::Withdrawn | RoundState::Superseded)
    }

    /// Ended in a way that sends the plan back to drafting.
    pub fn returns_to_drafting(self) -> bool {
        matches!(
            self,
            RoundState::Withdrawn | RoundState::Declined | RoundState::NotApproved
        )
    }
}

keyed_enum! {
    /// A partner's decision on the snapshot.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PartnerDecision {
        Approve = ("approve", "Approve"),
        ApproveWithComments = ("approve_with_comments", "Approve with comments"),
        Decline = ("decline", "Decline"),
    }
}

impl PartnerDecision {
    pub fn approves(self) -> bool {
        !matches!(self, PartnerDecision::Decline)
    }
}

keyed_enum! {
    /// The board's decision.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum BoardOutcome {
        Approved = ("approved", "Approved"),
        Deferred = ("deferred", "Deferred"),
        NotApproved = ("not_approved", "Not approved"),
    }
}

keyed_enum! {
    /// How the board decided.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum BoardHow {
        Meeting = ("meeting", "At a board meeting"),
        ChairAction = ("chair_action", "By chair's action or delegated decision"),
    }
}

/// Why a step is refused in the round's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotNow(pub String);

/// The state after a partner's decision, given how many required signatures (including this
/// one) now approve and whether any declines.
pub fn after_decision(
    route: &SignOffRoute,
    state: RoundState,
    approvals: usize,
    required: usize,
    declined: bool,
) -> Result<RoundState, NotNow> {
    if state != RoundState::PartnerSignOff {
        return Err(NotNow(format!(
            "Partners' decisions are recorded while the round is in partner sign-off; it is {}",
            state.label().to_lowercase()
        )));
    }
    Ok(if declined {
        RoundState::Declined
    } else if approvals >= required {
        match route.board {
            BoardTiming::BeforeSubmission => RoundState::BoardApproval,
            BoardTiming::AfterSignatures => RoundState::ReadyToSubmit,
        }
    } else {
        RoundState::PartnerSignOff
    })
}

/// Whether the board may record a decision now: before submission, once every partner has
/// signed (2014/15); or, where the route allows the board after submission, any time after the
/// partners have signed until it has approved (2025-26).
pub fn board_may_decide(
    route: &SignOffRoute,
    state: RoundState,
    already_approved: bool,
) -> Result<(), NotNow> {
    let allowed = match route.board {
        BoardTiming::BeforeSubmission => state == RoundState::BoardApproval,
        BoardTiming::AfterSignatures => {
            matches!(state, RoundState::ReadyToSubmit | RoundState::Submitted) && !already_approved
        }
    };
    if allowed {
        Ok(())
    } else if already_approved {
        Err(NotNow(
            "The board has already approved this round".to_owned(),
        ))
    } else {
        Err(NotNow(format!(
            "The board's decision cannot be recorded while the round is {}",
            state.label().to_lowercase()
        )))
    }
}

/// The state after the board's decision (which `board_may_decide` allowed).
pub fn after_board(route: &SignOffRoute, state: RoundState, outcome: BoardOutcome) -> RoundState {
    match outcome {
        BoardOutcome::NotApproved => RoundState::NotApproved,
        BoardOutcome::Deferred => state,
        BoardOutcome::Approved => match route.board {
            BoardTiming::BeforeSubmission => RoundState::ReadyToSubmit,
            BoardTiming::AfterSignatures => state,
        },
    }
}

/// The state after a submission is recorded, given how many of the submissions the route needs
/// (one, or one per signing partner) are now recorded.
pub fn after_submission(
    state: RoundState,
    submitted: usize,
    required: usize,
) -> Result<RoundState, NotNow> {
    if state != RoundState::ReadyToSubmit {
        return Err(NotNow(format!(
            "A submission is recorded once the round is ready to submit; it is {}",
            state.label().to_lowercase()
        )));
    }
    Ok(if submitted >= required {
        RoundState::Submitted
    } else {
        RoundState::ReadyToSubmit
    })
}

/// Whether assurance may be recorded: on a submitted round whose board has approved.
pub fn assurance_may_be_recorded(state: RoundState, board_approved: bool) -> Result<(), NotNow> {
    match (state, board_approved) {
        (RoundState::Submitted, true) => Ok(()),
        (RoundState::Submitted, false) => Err(NotNow(
            "Assurance is recorded once the Health and Wellbeing Board has approved the plan"
                .to_owned(),
        )),
        (other, _) => Err(NotNow(format!(
            "Assurance is recorded on a submitted plan; this round is {}",
            other.label().to_lowercase()
        ))),
    }
}

pub fn after_assurance(approves: bool) -> RoundState {
    if approves {
        RoundState::Assured
    } else {
        RoundState::NotApproved
    }
}

/// How a submission stands against its deadline: on time, or late by whole days (the day
/// submitted, in England, after the deadline day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeliness {
    OnTime,
    LateByDays(i64),
}

pub fn timeliness(deadline: Date, submitted_at: OffsetDateTime) -> Timeliness {
    let submitted_on = crate::web::format::in_london(submitted_at).date();
    let days = (submitted_on - deadline).whole_days();
    if days > 0 {
        Timeliness::LateByDays(days)
    } else {
        Timeliness::OnTime
    }
}

impl std::fmt::Display for Timeliness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Timeliness::OnTime => write!(f, "On time"),
            Timeliness::LateByDays(1) => write!(f, "1 day late"),
            Timeliness::LateByDays(days) => write!(f, "{days} days late"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn route_2025() -> SignOffRoute {
        SignOffRoute {
            board: BoardTiming::AfterSignatures,
            submission_per_partner: true,
            chair_action_allowed: true,
            ..SignOffRoute::default()
        }
    }

    #[test]
    fn in_2014_the_last_approval_takes_the_round_to_the_board_and_a_decline_ends_it() {
        let route = SignOffRoute::default();
        let state = RoundState::PartnerSignOff;
        assert_eq!(
            after_decision(&route, state, 7, 8, false),
            Ok(RoundState::PartnerSignOff)
        );
        assert_eq!(
            after_decision(&route, state, 8, 8, false),
            Ok(RoundState::BoardApproval)
        );
        assert_eq!(
            after_decision(&route, state, 3, 8, true),
            Ok(RoundState::Declined)
        );
        assert!(after_decision(&route, RoundState::BoardApproval, 8, 8, false).is_err());
    }

    #[test]
    fn in_2025_signatures_lead_to_submission_and_the_board_may_follow_it() {
        let route = route_2025();
        let state = after_decision(&route, RoundState::PartnerSignOff, 3, 3, false).unwrap();
        assert_eq!(state, RoundState::ReadyToSubmit);
        assert_eq!(after_submission(state, 1, 2), Ok(RoundState::ReadyToSubmit));
        let state = after_submission(state, 2, 2).unwrap();
        assert_eq!(state, RoundState::Submitted);
        assert!(board_may_decide(&route, state, false).is_ok());
        assert_eq!(
            after_board(&route, state, BoardOutcome::Approved),
            RoundState::Submitted
        );
        assert!(board_may_decide(&route, state, true).is_err());
        assert!(assurance_may_be_recorded(state, false).is_err());
        assert!(assurance_may_be_recorded(state, true).is_ok());
    }

    #[test]
    fn in_2014_the_board_decides_before_submission_and_may_defer() {
        let route = SignOffRoute::default();
        assert!(board_may_decide(&route, RoundState::PartnerSignOff, false).is_err());
        assert!(board_may_decide(&route, RoundState::BoardApproval, false).is_ok());
        assert!(board_may_decide(&route, RoundState::Submitted, false).is_err());
        let state = RoundState::BoardApproval;
        assert_eq!(after_board(&route, state, BoardOutcome::Deferred), state);
        assert_eq!(
            after_board(&route, state, BoardOutcome::Approved),
            RoundState::ReadyToSubmit
        );
        assert_eq!(
            after_board(&route, state, BoardOutcome::NotApproved),
            RoundState::NotApproved
        );
        assert!(after_submission(RoundState::BoardApproval, 1, 1).is_err());
    }

    #[test]
    fn content_is_frozen_from_opening_until_submission() {
        let frozen: Vec<RoundState> = RoundState::ALL
            .into_iter()
            .filter(|state| state.freezes_content())
            .collect();
        assert_eq!(
            frozen,
            [
                RoundState::PartnerSignOff,
                RoundState::BoardApproval,
                RoundState::ReadyToSubmit
            ]
        );
        assert!(RoundState::Submitted.is_current());
        assert!(!RoundState::Assured.is_current());
        assert!(RoundState::Withdrawn.voids_decisions());
        assert!(RoundState::Declined.returns_to_drafting());
    }

    #[test]
    fn lateness_counts_whole_days_in_england_after_the_deadline_day() {
        let deadline = date!(2014 - 04 - 04);
        assert_eq!(
            timeliness(deadline, datetime!(2014-04-04 22:59 UTC)),
            Timeliness::OnTime
        );
        // 23:30 UTC on 4 April is 00:30 on 5 April in London (BST).
        assert_eq!(
            timeliness(deadline, datetime!(2014-04-04 23:30 UTC)),
            Timeliness::LateByDays(1)
        );
        assert_eq!(
            timeliness(deadline, datetime!(2014-04-10 09:00 UTC)),
            Timeliness::LateByDays(6)
        );
        assert_eq!(Timeliness::LateByDays(6).to_string(), "6 days late");
        assert_eq!(
            timeliness(deadline, datetime!(2014-03-01 09:00 UTC)),
            Timeliness::OnTime
        );
    }
}
