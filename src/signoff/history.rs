//! A plan's sign-off as people read it: its state in a few words ("Partner sign-off (3 of 8
//! signed)", "Submitted (2 days late)") and its timeline — every round opened, decision,
//! withdrawal, board decision, submission, assurance outcome and condition met, in time order.
//! Pure: built from what the stores read.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use super::state::{RoundState, Timeliness, timeliness};
use super::store::assurance::{Assurance, Condition};
use super::store::board::BoardDecision;
use super::store::decisions::Decision;
use super::store::rounds::Round;
use super::store::submissions::Submission;
use crate::plans::parts::document::short_hash;
use crate::plans::templates::route::{BoardTiming, SignOffRoute};
use crate::web::format;

/// What a plan's sign-off state is read from: its newest round and what is recorded on it.
pub struct Standing<'a> {
    pub latest: Option<&'a Round>,
    /// Approving decisions on the newest round, and how many signatures it needs.
    pub signed: usize,
    pub required: usize,
    /// How the newest round's last submission stood against its deadline, if submitted and the
    /// round names a deadline.
    pub timeliness: Option<Timeliness>,
    /// The newest round's assurance outcome label, if assured.
    pub assured_as: Option<&'a str>,
}

/// The plan's sign-off state in a few words.
pub fn status_text(standing: &Standing<'_>) -> String {
    let Some(round) = standing.latest else {
        return "Drafting".to_owned();
    };
    match round.state {
        RoundState::PartnerSignOff => format!(
            "Partner sign-off ({} of {} signed)",
            standing.signed, standing.required
        ),
        RoundState::BoardApproval => "Board approval".to_owned(),
        RoundState::ReadyToSubmit => "Ready to submit".to_owned(),
        RoundState::Submitted => match standing.timeliness {
            Some(timeliness) => format!("Submitted ({})", timeliness.to_string().to_lowercase()),
            None => "Submitted".to_owned(),
        },
        RoundState::Assured => match standing.assured_as {
            Some(label) => format!("Assured: {label}"),
            None => "Assured".to_owned(),
        },
        RoundState::Withdrawn
        | RoundState::Declined
        | RoundState::NotApproved
        | RoundState::Superseded => "Drafting".to_owned(),
    }
}

/// How the last of `submissions` stood against `deadline`.
pub fn submission_timeliness<'a>(
    deadline: Option<Date>,
    submissions: impl IntoIterator<Item = &'a Submission>,
) -> Option<Timeliness> {
    let last = submissions.into_iter().map(|s| s.submitted_at).max()?;
    deadline.map(|deadline| timeliness(deadline, last))
}

/// The route a plan walks, in words, one step a line.
pub fn route_in_words(route: &SignOffRoute) -> Vec<String> {
    let mut steps: Vec<String> = route
        .signatures
        .iter()
        .map(|signature| {
            format!(
                "{} signs: {}{}.",
                signature.organisations.label(),
                signature.capacity.to_lowercase(),
                if signature.delegable {
                    ""
                } else {
                    " (in person: this cannot be delegated)"
                }
            )
        })
        .collect();
    let board = match route.board {
        BoardTiming::BeforeSubmission => {
            "Once every partner has signed, the Health and Wellbeing Board approves the plan before it is submitted"
        }
        BoardTiming::AfterSignatures => {
            "Once every partner has signed, the Health and Wellbeing Board approves the plan, before or after it is submitted"
        }
    };
    let chair = if route.chair_action_allowed {
        ", at a meeting or by a chair's action or delegated decision."
    } else {
        ", at a meeting."
    };
    steps.push(format!("{board}{chair}"));
    steps.push(if route.submission_per_partner {
        "Each partner submits the plan at its own time.".to_owned()
    } else {
        "The area submits the plan once.".to_owned()
    });
    let outcomes: Vec<&str> = route
        .assurance_outcomes
        .iter()
        .map(|outcome| outcome.label.as_str())
        .collect();
    steps.push(format!(
        "The plan is assured: {}.",
        outcomes.join(", ").to_lowercase()
    ));
    steps
}

/// One thing that happened, as the timeline lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: OffsetDateTime,
    pub when: String,
    pub round: i32,
    pub what: String,
    /// More about it (a reason, comments, a reference), or "".
    pub detail: String,
}

/// Everything recorded on a plan's rounds.
pub struct Record<'a> {
    pub rounds: &'a [Round],
    pub decisions: &'a [Decision],
    pub board: &'a [BoardDecision],
    pub submissions: &'a [Submission],
    pub assurance: &'a [Assurance],
    pub conditions: &'a [Condition],
}

/// The label of a route's signature, or its key for one no longer in the route.
pub fn capacity<'a>(route: &'a SignOffRoute, key: &'a str) -> &'a str {
    route
        .signature(key)
        .map_or(key, |signature| signature.capacity.as_str())
}

/// A decision in words: "Approve with comments, by A Person (Chief executive)".
pub fn decision_text(decision: &Decision) -> String {
    format!(
        "{}, by {} ({})",
        decision.decision.label(),
        decision.signer_name,
        decision.signer_position
    )
}

/// Every event of the plan's sign-off, oldest first; `deadline_of` gives a round's deadline.
pub fn timeline(
    record: &Record<'_>,
    route: &SignOffRoute,
    deadline_of: impl Fn(&Round) -> Option<Date>,
) -> Vec<TimelineEntry> {
    let rounds: HashMap<i64, &Round> = record.rounds.iter().map(|r| (r.id, r)).collect();
    let mut entries = Vec::new();
    // Each entry with its rank: what happens at the same moment is ordered by round, then
    // as a round goes (opened, decisions, board, submission, assurance, conditions, ended).
    let mut push = |rank: u8, at: OffsetDateTime, round: i32, what: String, detail: String| {
        entries.push((
            rank,
            TimelineEntry {
                at,
                when: format::date_time(at),
                round,
                what,
                detail,
            },
        ));
    };
    for round in record.rounds {
        push(
            0,
            round.opened_at,
            round.number,
            format!(
                "Round {} \u{201c}{}\u{201d} opened by {}",
                round.number, round.name, round.opened_by
            ),
            format!("Snapshot {}", short_hash(&round.snapshot_hash)),
        );
    }
    for decision in record.decisions {
        let Some(round) = rounds.get(&decision.round_id) else {
            continue;
        };
        let void = if round.state.voids_decisions() {
            " (void)"
        } else {
            ""
        };
        push(
            1,
            decision.decided_at,
            round.number,
            format!(
                "{} ({}): {}{void}",
                decision.organisation_name,
                capacity(route, &decision.signature_key),
                decision_text(decision)
            ),
            decision.comments.clone(),
        );
    }
    for board in record.board {
        let Some(round) = rounds.get(&board.round_id) else {
            continue;
        };
        let mut detail = format!(
            "{}, {}, reference {}",
            board.body,
            format::date(board.decided_on),
            board.reference
        );
        if !board.agenda_item.is_empty() {
            detail.push_str(&format!(", agenda item {}", board.agenda_item));
        }
        if !board.resolution.is_empty() {
            detail.push_str(&format!(": {}", board.resolution));
        }
        push(
            2,
            board.recorded_at,
            round.number,
            format!(
                "Board decision: {} ({}), recorded by {}",
                board.outcome.label(),
                board.how.label().to_lowercase(),
                board.recorded_by
            ),
            detail,
        );
    }
    for submission in record.submissions {
        let Some(round) = rounds.get(&submission.round_id) else {
            continue;
        };
        let who = submission
            .organisation_name
            .as_deref()
            .map(|name| format!(" by {name}"))
            .unwrap_or_default();
        let when = deadline_of(round)
            .map(|deadline| {
                format!(
                    " ({})",
                    timeliness(deadline, submission.submitted_at)
                        .to_string()
                        .to_lowercase()
                )
            })
            .unwrap_or_default();
        let detail = if submission.reference.is_empty() {
            String::new()
        } else {
            format!("Reference {}", submission.reference)
        };
        push(
            3,
            submission.submitted_at,
            round.number,
            format!("Submitted{who}{when}"),
            detail,
        );
    }
    let mut outcomes: HashMap<i64, (i32, &Assurance)> = HashMap::new();
    for assurance in record.assurance {
        let Some(round) = rounds.get(&assurance.round_id) else {
            continue;
        };
        outcomes.insert(assurance.id, (round.number, assurance));
        push(
            4,
            assurance.recorded_at,
            round.number,
            format!(
                "Assurance: {}, recorded by {}",
                assurance.outcome_label, assurance.recorded_by
            ),
            assurance.summary.clone(),
        );
    }
    for condition in record.conditions {
        let (Some(met_at), Some((round, _))) =
            (condition.met_at, outcomes.get(&condition.outcome_id))
        else {
            continue;
        };
        let mut detail = condition.text.clone();
        if !condition.met_note.is_empty() {
            detail.push_str(&format!(" \u{2014} {}", condition.met_note));
        }
        push(
            5,
            met_at,
            *round,
            format!(
                "Condition {} met, recorded by {}",
                condition.position,
                condition.met_by.as_deref().unwrap_or("someone")
            ),
            detail,
        );
    }
    // How each round ended comes after what ended it (the decline, the board's refusal), which
    // may carry the same time.
    for round in record.rounds {
        let Some(ended_at) = round.ended_at else {
            continue;
        };
        let by = round.ended_by.as_deref().unwrap_or("someone");
        let what = match round.state {
            RoundState::Withdrawn => format!("Round {} withdrawn by {by}", round.number),
            RoundState::Declined => format!("Round {} declined: back to drafting", round.number),
            RoundState::NotApproved => {
                format!("Round {} not approved: back to drafting", round.number)
            }
            RoundState::Superseded => {
                format!("Round {} replaced by a later round", round.number)
            }
            _ => continue,
        };
        push(
            6,
            ended_at,
            round.number,
            what,
            round.end_reason.clone().unwrap_or_default(),
        );
    }
    entries.sort_by_key(|(rank, entry)| (entry.at, entry.round, *rank));
    entries.into_iter().map(|(_, entry)| entry).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::OrganisationId;
    use crate::auth::UserId;
    use crate::signoff::state::PartnerDecision;
    use time::macros::{date, datetime};

    fn round(id: i64, number: i32, state: RoundState, opened_at: OffsetDateTime) -> Round {
        Round {
            id,
            number,
            name: format!("Round {number}"),
            deadline_key: Some("submission-deadline".into()),
            state,
            opened_at,
            opened_by: "Lead".into(),
            snapshot_hash: vec![0xab; 32],
            content_version: 1,
            ended_at: None,
            ended_by: None,
            end_reason: None,
        }
    }

    fn decision(round_id: i64, at: OffsetDateTime, choice: PartnerDecision) -> Decision {
        Decision {
            round_id,
            organisation_id: OrganisationId::new(1),
            organisation_name: "NHS Swale CCG".into(),
            signature_key: "ccg-accountable-officer".into(),
            decision: choice,
            comments: String::new(),
            signer_id: UserId::new(1),
            signer_name: "A Person".into(),
            signer_position: "Accountable officer".into(),
            decided_at: at,
        }
    }

    #[test]
    fn the_timeline_lists_everything_in_time_order_with_withdrawn_rounds_decisions_void() {
        let mut first = round(1, 1, RoundState::Withdrawn, datetime!(2014-03-01 09:00 UTC));
        first.ended_at = Some(datetime!(2014-03-03 09:00 UTC));
        first.ended_by = Some("Lead".into());
        first.end_reason = Some("Funding changed".into());
        let second = round(2, 2, RoundState::Submitted, datetime!(2014-03-04 09:00 UTC));
        let rounds = [second, first];
        let decisions = [
            decision(1, datetime!(2014-03-02 09:00 UTC), PartnerDecision::Approve),
            decision(2, datetime!(2014-03-05 09:00 UTC), PartnerDecision::Approve),
        ];
        let submissions = [Submission {
            round_id: 2,
            organisation_id: None,
            organisation_name: None,
            submitted_at: datetime!(2014-04-06 09:00 UTC),
            reference: "ITF-KENT".into(),
            recorded_by: "Lead".into(),
            recorded_at: datetime!(2014-04-06 09:00 UTC),
        }];
        let record = Record {
            rounds: &rounds,
            decisions: &decisions,
            board: &[],
            submissions: &submissions,
            assurance: &[],
            conditions: &[],
        };
        let route = SignOffRoute::default();
        let entries = timeline(&record, &route, |_| Some(date!(2014 - 04 - 04)));
        let what: Vec<&str> = entries.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "Round 1 \u{201c}Round 1\u{201d} opened by Lead",
                "NHS Swale CCG (ccg-accountable-officer): Approve, by A Person (Accountable officer) (void)",
                "Round 1 withdrawn by Lead",
                "Round 2 \u{201c}Round 2\u{201d} opened by Lead",
                "NHS Swale CCG (ccg-accountable-officer): Approve, by A Person (Accountable officer)",
                "Submitted (2 days late)",
            ]
        );
        assert_eq!(entries[2].detail, "Funding changed");
        assert_eq!(entries[5].detail, "Reference ITF-KENT");
    }

    #[test]
    fn the_state_reads_as_the_newest_round_stands() {
        let open = round(
            1,
            1,
            RoundState::PartnerSignOff,
            datetime!(2014-03-01 09:00 UTC),
        );
        let mut standing = Standing {
            latest: None,
            signed: 3,
            required: 8,
            timeliness: None,
            assured_as: None,
        };
        assert_eq!(status_text(&standing), "Drafting");
        standing.latest = Some(&open);
        assert_eq!(status_text(&standing), "Partner sign-off (3 of 8 signed)");
        let submitted = round(1, 1, RoundState::Submitted, datetime!(2014-03-01 09:00 UTC));
        standing.latest = Some(&submitted);
        standing.timeliness = Some(Timeliness::LateByDays(2));
        assert_eq!(status_text(&standing), "Submitted (2 days late)");
        let assured = round(1, 1, RoundState::Assured, datetime!(2014-03-01 09:00 UTC));
        standing.latest = Some(&assured);
        standing.assured_as = Some("Approved subject to conditions");
        assert_eq!(
            status_text(&standing),
            "Assured: Approved subject to conditions"
        );
        let declined = round(1, 1, RoundState::Declined, datetime!(2014-03-01 09:00 UTC));
        standing.latest = Some(&declined);
        assert_eq!(status_text(&standing), "Drafting");
    }
}
