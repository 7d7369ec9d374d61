//! The administrator's form of a cycle's sign-off route: up to `ROWS` required signatures (who
//! signs, in which position, whether it may be delegated), when the board approves, whether a
//! chair's action may stand in for a meeting, whether each partner submits at its own time, and
//! up to `ROWS` assurance outcomes. Fixed rows, blank ones ignored, so the form works without
//! JavaScript. Pure: the pages are in `structure_pages`.

use super::route::{
    AssuranceOutcome, BoardTiming, RequiredSignature, SignOffRoute, SignerOrganisations,
};
use crate::web::FormErrors;

/// Rows of each list the form offers.
pub const ROWS: usize = 6;

/// One signature row as typed. `key` is kept in a hidden field, so that a row keeps its key
/// (which decisions are recorded against) when its position is reworded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignatureRow {
    pub key: String,
    pub capacity: String,
    pub organisations: String,
    pub delegable: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeRow {
    pub key: String,
    pub label: String,
    pub approves: bool,
    pub conditions: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteForm {
    pub signatures: Vec<SignatureRow>,
    pub board: String,
    pub chair_action_allowed: bool,
    pub submission_per_partner: bool,
    pub outcomes: Vec<OutcomeRow>,
    pub based_on: String,
}

/// A key made from a label: "Approved with support" is `approved-with-support`.
fn key_from(label: &str) -> String {
    let mut key = String::new();
    for character in label.to_lowercase().chars() {
        if character.is_ascii_alphanumeric() {
            key.push(character);
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let mut key = key.trim_end_matches('-').to_owned();
    key.truncate(60);
    key.trim_end_matches('-').to_owned()
}

impl RouteForm {
    /// The stored route as the form shows it, padded with blank rows.
    pub fn of(route: &SignOffRoute) -> RouteForm {
        let mut signatures: Vec<SignatureRow> = route
            .signatures
            .iter()
            .map(|signature| SignatureRow {
                key: signature.key.clone(),
                capacity: signature.capacity.clone(),
                organisations: signature.organisations.key().to_owned(),
                delegable: signature.delegable,
            })
            .collect();
        signatures.resize(ROWS.max(signatures.len()), SignatureRow::default());
        let mut outcomes: Vec<OutcomeRow> = route
            .assurance_outcomes
            .iter()
            .map(|outcome| OutcomeRow {
                key: outcome.key.clone(),
                label: outcome.label.clone(),
                approves: outcome.approves,
                conditions: outcome.has_conditions,
            })
            .collect();
        outcomes.resize(ROWS.max(outcomes.len()), OutcomeRow::default());
        RouteForm {
            signatures,
            board: route.board.key().to_owned(),
            chair_action_allowed: route.chair_action_allowed,
            submission_per_partner: route.submission_per_partner,
            outcomes,
            based_on: String::new(),
        }
    }

    /// The form from posted fields: `signature_0_capacity`, `outcome_2_approves` and so on.
    /// Checkboxes are present when ticked.
    pub fn from_fields(fields: &[(String, String)]) -> RouteForm {
        let value = |name: &str| {
            fields
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let ticked = |name: &str| fields.iter().any(|(field, _)| field == name);
        RouteForm {
            signatures: (0..ROWS)
                .map(|row| SignatureRow {
                    key: value(&format!("signature_{row}_key")),
                    capacity: value(&format!("signature_{row}_capacity")),
                    organisations: value(&format!("signature_{row}_organisations")),
                    delegable: ticked(&format!("signature_{row}_delegable")),
                })
                .collect(),
            board: value("board"),
            chair_action_allowed: ticked("chair_action_allowed"),
            submission_per_partner: ticked("submission_per_partner"),
            outcomes: (0..ROWS)
                .map(|row| OutcomeRow {
                    key: value(&format!("outcome_{row}_key")),
                    label: value(&format!("outcome_{row}_label")),
                    approves: ticked(&format!("outcome_{row}_approves")),
                    conditions: ticked(&format!("outcome_{row}_conditions")),
                })
                .collect(),
            based_on: value("based_on"),
        }
    }

    /// The route typed, or the problems by field (the first field of the row at fault).
    pub fn parse(&self, errors: &mut FormErrors) -> Option<SignOffRoute> {
        let mut signatures = Vec::new();
        for (row, typed) in self.signatures.iter().enumerate() {
            let capacity = typed.capacity.trim();
            if capacity.is_empty() {
                continue;
            }
            let field = format!("signature_{row}_capacity");
            if capacity.chars().count() > 200 {
                errors.add(
                    field.clone(),
                    "The position must be 200 characters or fewer",
                );
                continue;
            }
            let Some(organisations) = SignerOrganisations::parse(&typed.organisations) else {
                errors.add(
                    format!("signature_{row}_organisations"),
                    "Choose which partners give this signature",
                );
                continue;
            };
            let key = if typed.key.trim().is_empty() {
                key_from(&format!("{} {capacity}", organisations.key()))
            } else {
                typed.key.trim().to_owned()
            };
            signatures.push(RequiredSignature {
                key,
                capacity: capacity.to_owned(),
                organisations,
                delegable: typed.delegable,
            });
        }
        if signatures.is_empty() {
            errors.add(
                "signature_0_capacity",
                "Enter at least one position that signs the plan, like Chief executive",
            );
        }
        let mut outcomes = Vec::new();
        for (row, typed) in self.outcomes.iter().enumerate() {
            let label = typed.label.trim();
            if label.is_empty() {
                continue;
            }
            let field = format!("outcome_{row}_label");
            if label.chars().count() > 200 {
                errors.add(field.clone(), "The outcome must be 200 characters or fewer");
                continue;
            }
            let key = if typed.key.trim().is_empty() {
                key_from(label)
            } else {
                typed.key.trim().to_owned()
            };
            if key.is_empty() {
                errors.add(
                    field.clone(),
                    "Enter an outcome with letters or numbers in it",
                );
                continue;
            }
            outcomes.push(AssuranceOutcome {
                key,
                label: label.to_owned(),
                approves: typed.approves,
                has_conditions: typed.conditions,
            });
        }
        let Some(board) = BoardTiming::parse(&self.board) else {
            errors.add(
                "board",
                "Choose when the Health and Wellbeing Board approves the plan",
            );
            return None;
        };
        if !errors.is_empty() {
            return None;
        }
        let route = SignOffRoute {
            signatures,
            board,
            chair_action_allowed: self.chair_action_allowed,
            submission_per_partner: self.submission_per_partner,
            assurance_outcomes: outcomes,
        };
        for (field, message) in route.problems() {
            let field = match field {
                "signatures" => "signature_0_capacity",
                _ => "outcome_0_label",
            };
            errors.add(field, message);
        }
        errors.is_empty().then_some(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn the_stored_route_round_trips_through_the_form() {
        let route = SignOffRoute::default();
        let form = RouteForm::of(&route);
        assert_eq!(form.signatures.len(), ROWS);
        let mut posted = Vec::new();
        for (row, signature) in form.signatures.iter().enumerate() {
            posted.push((format!("signature_{row}_key"), signature.key.clone()));
            posted.push((
                format!("signature_{row}_capacity"),
                signature.capacity.clone(),
            ));
            posted.push((
                format!("signature_{row}_organisations"),
                signature.organisations.clone(),
            ));
            if signature.delegable {
                posted.push((format!("signature_{row}_delegable"), "yes".to_owned()));
            }
        }
        for (row, outcome) in form.outcomes.iter().enumerate() {
            posted.push((format!("outcome_{row}_key"), outcome.key.clone()));
            posted.push((format!("outcome_{row}_label"), outcome.label.clone()));
            if outcome.approves {
                posted.push((format!("outcome_{row}_approves"), "yes".to_owned()));
            }
            if outcome.conditions {
                posted.push((format!("outcome_{row}_conditions"), "yes".to_owned()));
            }
        }
        posted.push(("board".to_owned(), form.board.clone()));
        let mut errors = FormErrors::new();
        let parsed = RouteForm::from_fields(&posted).parse(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(parsed, Some(route));
    }

    #[test]
    fn new_rows_get_keys_from_what_was_typed_and_blank_rows_are_ignored() {
        let form = RouteForm::from_fields(&fields(&[
            ("signature_1_capacity", "Section 151 officer"),
            ("signature_1_organisations", "each_council"),
            ("board", "after_signatures"),
            ("outcome_0_label", "Approved with conditions"),
            ("outcome_0_approves", "yes"),
            ("outcome_0_conditions", "yes"),
            ("outcome_3_label", "Not approved"),
        ]));
        let mut errors = FormErrors::new();
        let route = form.parse(&mut errors).expect("parses");
        assert_eq!(route.signatures.len(), 1);
        assert_eq!(route.signatures[0].key, "each-council-section-151-officer");
        assert!(!route.signatures[0].delegable);
        assert_eq!(route.assurance_outcomes[0].key, "approved-with-conditions");
        assert!(route.assurance_outcomes[0].has_conditions);
        assert!(!route.assurance_outcomes[1].approves);
        assert_eq!(route.board, BoardTiming::AfterSignatures);
    }

    #[test]
    fn a_route_without_signers_or_a_refusing_outcome_is_refused_by_its_fields() {
        let form = RouteForm::from_fields(&fields(&[
            ("board", "before_submission"),
            ("outcome_0_label", "Approved"),
            ("outcome_0_approves", "yes"),
        ]));
        let mut errors = FormErrors::new();
        assert!(form.parse(&mut errors).is_none());
        assert!(!errors.message("signature_0_capacity").is_empty());

        let form = RouteForm::from_fields(&fields(&[
            ("signature_0_capacity", "Chief executive"),
            ("signature_0_organisations", "each_partner"),
            ("board", "before_submission"),
            ("outcome_0_label", "Approved"),
            ("outcome_0_approves", "yes"),
        ]));
        let mut errors = FormErrors::new();
        assert!(form.parse(&mut errors).is_none());
        assert!(!errors.message("outcome_0_label").is_empty());
    }
}
