//! A cycle's sign-off route, as data: who must sign before submission, when the Health and
//! Wellbeing Board approves (before submission, as in 2014/15, or possibly after it, as in
//! 2025-26, where a chair's action or delegated decision may stand in for a meeting), whether
//! each partner submits at its own time, and the outcomes assurance may give. The route changes
//! between cycles (../shared/reference/bcf-2025-26.md 1.8 and 8.8; itf-2014.md "Who signs"), so
//! it lives in the template's structure and an administrator's copy of a template carries it.
//!
//! The sign-off capability (`crate::signoff`) walks a plan along it; this module only holds
//! and checks the data.

use serde::{Deserialize, Serialize};

use crate::areas::OrganisationKind;
use crate::keyed::keyed_enum;

keyed_enum! {
    /// Which of an area's signing partners a required signature falls to.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SignerOrganisations {
        /// Every NHS commissioner partner: each CCG (2014) or ICB (today).
        EachCommissioner = ("each_commissioner", "Each NHS commissioner (CCG or ICB)"),
        /// Every CCG partner (2014/15: an area that also has today's ICB as a member does not
        /// ask it to sign a plan of that cycle).
        EachCcg = ("each_ccg", "Each CCG"),
        /// Every ICB partner (today: an area's CCGs, abolished in 2022, do not sign).
        EachIcb = ("each_icb", "Each ICB"),
        /// Every council partner.
        EachCouncil = ("each_council", "Each council"),
        /// Every signing partner, whatever its kind.
        EachPartner = ("each_partner", "Each signing partner"),
    }
}

impl SignerOrganisations {
    /// Whether a signing partner of `kind` must give this signature.
    pub fn includes(self, kind: OrganisationKind) -> bool {
        match self {
            SignerOrganisations::EachCommissioner => {
                matches!(kind, OrganisationKind::Ccg | OrganisationKind::Icb)
            }
            SignerOrganisations::EachCcg => kind == OrganisationKind::Ccg,
            SignerOrganisations::EachIcb => kind == OrganisationKind::Icb,
            SignerOrganisations::EachCouncil => kind == OrganisationKind::Council,
            SignerOrganisations::EachPartner => true,
        }
    }
}

/// One signature the route requires of each partner it names, e.g. "the chief executive of
/// each ICB (cannot be delegated)".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredSignature {
    /// Stable key, e.g. `icb-chief-executive`; decisions are recorded against it.
    pub key: String,
    /// The position that signs, as the form asks for it: "Chief executive".
    pub capacity: String,
    pub organisations: SignerOrganisations,
    /// Whether the named position must sign in person (2025-26: chief executives).
    #[serde(default)]
    pub delegable: bool,
}

keyed_enum! {
    /// When the Health and Wellbeing Board's approval comes.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum BoardTiming {
        /// The board approves after every partner has signed and before submission (2014/15).
        BeforeSubmission = ("before_submission", "Before submission"),
        /// The board may approve after submission (2025-26, as the framework allows).
        AfterSignatures = ("after_signatures", "Once partners have signed, before or after submission"),
    }
}

/// An outcome assurance may give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssuranceOutcome {
    pub key: String,
    pub label: String,
    /// Whether the plan stands approved with this outcome (everything but "not approved").
    pub approves: bool,
    /// Whether the assurer sets conditions, each with a due date.
    #[serde(default)]
    pub has_conditions: bool,
}

/// The whole route of a cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOffRoute {
    /// Every signature required before submission, in the order the page lists them.
    pub signatures: Vec<RequiredSignature>,
    pub board: BoardTiming,
    /// Whether the board may approve by a chair's action or delegated decision with its
    /// reference instead of at a meeting.
    #[serde(default)]
    pub chair_action_allowed: bool,
    /// Whether each signing partner submits at its own time (2025-26) rather than the area
    /// submitting once.
    #[serde(default)]
    pub submission_per_partner: bool,
    pub assurance_outcomes: Vec<AssuranceOutcome>,
}

impl Default for SignOffRoute {
    /// The 2014/15 route: each partner signs, then the board approves, then the area submits
    /// and the plan is assured. Structures stored before routes existed read back with it.
    fn default() -> Self {
        SignOffRoute {
            signatures: vec![RequiredSignature {
                key: "partner".to_owned(),
                capacity: "Chief or accountable officer".to_owned(),
                organisations: SignerOrganisations::EachPartner,
                delegable: true,
            }],
            board: BoardTiming::BeforeSubmission,
            chair_action_allowed: false,
            submission_per_partner: false,
            assurance_outcomes: vec![
                outcome("approved", "Approved", true, false),
                outcome(
                    "approved-with-support",
                    "Approved with support",
                    true,
                    false,
                ),
                outcome(
                    "approved-subject-to-conditions",
                    "Approved subject to conditions",
                    true,
                    true,
                ),
                outcome("not-approved", "Not approved", false, false),
            ],
        }
    }
}

fn outcome(key: &str, label: &str, approves: bool, has_conditions: bool) -> AssuranceOutcome {
    AssuranceOutcome {
        key: key.to_owned(),
        label: label.to_owned(),
        approves,
        has_conditions,
    }
}

impl SignOffRoute {
    pub fn signature(&self, key: &str) -> Option<&RequiredSignature> {
        self.signatures
            .iter()
            .find(|signature| signature.key == key)
    }

    pub fn outcome(&self, key: &str) -> Option<&AssuranceOutcome> {
        self.assurance_outcomes
            .iter()
            .find(|outcome| outcome.key == key)
    }

    /// What is wrong with the route, as (field, message) pairs; empty when it can be walked.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.signatures.is_empty() {
            problems.push((
                "signatures",
                "Enter at least one signature the route requires".to_owned(),
            ));
        }
        let mut keys: Vec<&str> = self.signatures.iter().map(|s| s.key.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|pair| pair[0] == pair[1]) {
            problems.push((
                "signatures",
                "Each required signature must have its own key".to_owned(),
            ));
        }
        for signature in &self.signatures {
            if signature.capacity.trim().is_empty() || signature.capacity.chars().count() > 200 {
                problems.push((
                    "signatures",
                    format!(
                        "Signature {}: enter the position that signs, in 200 characters or fewer",
                        signature.key
                    ),
                ));
            }
        }
        if !self
            .assurance_outcomes
            .iter()
            .any(|outcome| outcome.approves)
        {
            problems.push((
                "assurance_outcomes",
                "Enter at least one assurance outcome that approves the plan".to_owned(),
            ));
        }
        if !self
            .assurance_outcomes
            .iter()
            .any(|outcome| !outcome.approves)
        {
            problems.push((
                "assurance_outcomes",
                "Enter at least one assurance outcome that does not approve the plan".to_owned(),
            ));
        }
        let mut outcome_keys: Vec<&str> = self
            .assurance_outcomes
            .iter()
            .map(|outcome| outcome.key.as_str())
            .collect();
        outcome_keys.sort_unstable();
        if outcome_keys.windows(2).any(|pair| pair[0] == pair[1]) {
            problems.push((
                "assurance_outcomes",
                "Each assurance outcome must have its own key".to_owned(),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_route_is_2014s_and_can_be_walked() {
        let route = SignOffRoute::default();
        assert!(route.problems().is_empty());
        assert_eq!(route.board, BoardTiming::BeforeSubmission);
        assert!(!route.submission_per_partner);
        assert_eq!(route.assurance_outcomes.len(), 4);
        assert!(route.outcome("not-approved").is_some_and(|o| !o.approves));
        assert!(
            route
                .outcome("approved-subject-to-conditions")
                .is_some_and(|o| o.approves && o.has_conditions)
        );
    }

    #[test]
    fn commissioner_signatures_fall_to_ccgs_and_icbs_and_council_ones_to_councils() {
        use OrganisationKind::*;
        let each = SignerOrganisations::EachCommissioner;
        assert!(each.includes(Ccg) && each.includes(Icb));
        assert!(!each.includes(Council));
        assert!(SignerOrganisations::EachCouncil.includes(Council));
        assert!(!SignerOrganisations::EachCouncil.includes(Icb));
        assert!(SignerOrganisations::EachPartner.includes(Other));
    }

    #[test]
    fn a_route_nobody_can_finish_is_refused_with_reasons() {
        let mut route = SignOffRoute::default();
        route.signatures.clear();
        route.assurance_outcomes.retain(|outcome| outcome.approves);
        let fields: Vec<&str> = route.problems().iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["signatures", "assurance_outcomes"]);
    }

    #[test]
    fn a_route_reads_back_from_the_json_the_migration_writes() {
        let json = serde_json::json!({
            "signatures": [
                {"key": "icb-chief-executive", "capacity": "Chief executive",
                 "organisations": "each_commissioner", "delegable": false},
                {"key": "council-section-151", "capacity": "Section 151 officer",
                 "organisations": "each_council", "delegable": true}
            ],
            "board": "after_signatures",
            "chair_action_allowed": true,
            "submission_per_partner": true,
            "assurance_outcomes": [
                {"key": "approved", "label": "Approved", "approves": true},
                {"key": "not-approved", "label": "Not approved", "approves": false}
            ]
        });
        let route: SignOffRoute = serde_json::from_value(json).expect("reads");
        assert!(route.problems().is_empty());
        assert_eq!(route.board, BoardTiming::AfterSignatures);
        assert!(!route.signatures[0].delegable);
    }
}
