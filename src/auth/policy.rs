//! Who may do what. Every handler asks `decide` before acting; anything not allowed here is
//! denied. Areas are tenants: someone with no part in an area is told it does not exist (404),
//! so that even its existence does not leak; someone with a part but the wrong role gets 403.

use crate::keyed::keyed_enum;

keyed_enum! {
    /// A role, held in one area (officer, area lead, signatory, board secretary) or across all
    /// areas (assurer, admin). The key is the form value and the database's `grant_role`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type)]
    #[sqlx(type_name = "grant_role", rename_all = "snake_case")]
    pub enum Role {
        Officer = ("officer", "Officer"),
        AreaLead = ("area_lead", "Area lead"),
        Signatory = ("signatory", "Signatory"),
        BoardSecretary = ("board_secretary", "Board secretary"),
        Assurer = ("assurer", "Assurer"),
        Admin = ("admin", "Administrator"),
    }
}

impl Role {
    /// Held across every area rather than in one.
    pub fn is_global(self) -> bool {
        matches!(self, Role::Assurer | Role::Admin)
    }

    /// Roles whose holders must sign in with a second factor: they sign, approve, assure or
    /// administer.
    pub fn requires_two_factor(self) -> bool {
        !matches!(self, Role::Officer | Role::AreaLead)
    }
}

/// One role a user holds; `area_id` is `None` exactly for global roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub area_id: Option<i64>,
}

/// The person asking, as the policy sees them.
#[derive(Clone, Copy, Debug)]
pub struct Principal<'a> {
    pub organisation_id: i64,
    pub grants: &'a [Grant],
}

impl Principal<'_> {
    pub fn holds(&self, role: Role) -> bool {
        self.grants.iter().any(|grant| grant.role == role)
    }

    fn holds_in(&self, role: Role, area_id: i64) -> bool {
        self.grants
            .iter()
            .any(|grant| grant.role == role && grant.area_id == Some(area_id))
    }

    fn has_part_in(&self, area_id: i64) -> bool {
        self.grants
            .iter()
            .any(|grant| grant.area_id == Some(area_id))
    }
}

/// What someone wants to do. Area actions need a target area; some also an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    // In an area.
    ViewArea,
    Comment,
    EditSharedContent,
    /// Edit what belongs to the target organisation (its contribution, funding lines, risks).
    EditOrganisationContent,
    AssignSections,
    CompleteSections,
    ManageLocalDeadlines,
    OpenSignOffRound,
    WithdrawSignOffRound,
    RecordSubmission,
    /// Record the target organisation's decision on a plan snapshot.
    RecordOrganisationDecision,
    RecordBoardDecision,
    RecordAssurance,
    ViewAreaAuditLog,
    /// Invite people to the area, revoke invitations and remove roles held in it.
    ManageMembership,
    /// Make someone an area lead of the area (by invitation).
    AppointAreaLead,
    // Across areas.
    ViewAllAreas,
    ManageNationalDeadlines,
    ViewNationalAggregation,
    /// Make and revoke the tokens of the read-only national API.
    ManageApiTokens,
    Administer,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::ViewArea,
        Action::Comment,
        Action::EditSharedContent,
        Action::EditOrganisationContent,
        Action::AssignSections,
        Action::CompleteSections,
        Action::ManageLocalDeadlines,
        Action::OpenSignOffRound,
        Action::WithdrawSignOffRound,
        Action::RecordSubmission,
        Action::RecordOrganisationDecision,
        Action::RecordBoardDecision,
        Action::RecordAssurance,
        Action::ViewAreaAuditLog,
        Action::ManageMembership,
        Action::AppointAreaLead,
        Action::ViewAllAreas,
        Action::ManageNationalDeadlines,
        Action::ViewNationalAggregation,
        Action::ManageApiTokens,
        Action::Administer,
    ];

    fn is_in_an_area(self) -> bool {
        !matches!(
            self,
            Action::ViewAllAreas
                | Action::ManageNationalDeadlines
                | Action::ViewNationalAggregation
                | Action::ManageApiTokens
                | Action::Administer
        )
    }
}

/// What the action is done to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub area_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

impl Target {
    pub fn area(area_id: i64) -> Target {
        Target {
            area_id: Some(area_id),
            organisation_id: None,
        }
    }

    pub fn organisation_in_area(area_id: i64, organisation_id: i64) -> Target {
        Target {
            area_id: Some(area_id),
            organisation_id: Some(organisation_id),
        }
    }

    pub fn everywhere() -> Target {
        Target::default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The person may know the thing exists but may not do this to it (403).
    Forbidden,
    /// The person has no part in the area: answer as if it did not exist (404).
    NotFound,
}

/// The one answer to "may this person do this to that?".
pub fn decide(principal: &Principal<'_>, action: Action, target: Target) -> Decision {
    let allow_if = |allowed: bool| {
        if allowed {
            Decision::Allow
        } else {
            Decision::Forbidden
        }
    };
    let oversees_all_areas = principal.holds(Role::Admin) || principal.holds(Role::Assurer);

    if !action.is_in_an_area() {
        return allow_if(match action {
            Action::Administer => principal.holds(Role::Admin),
            Action::ViewAllAreas
            | Action::ManageNationalDeadlines
            | Action::ViewNationalAggregation
            | Action::ManageApiTokens => oversees_all_areas,
            _ => false,
        });
    }

    let Some(area_id) = target.area_id else {
        // An area action with no area is a programming error: deny.
        return Decision::Forbidden;
    };
    if !principal.has_part_in(area_id) && !oversees_all_areas {
        return Decision::NotFound;
    }

    let lead = principal.holds_in(Role::AreaLead, area_id);
    let editor = lead || principal.holds_in(Role::Officer, area_id);
    let own_organisation = target.organisation_id == Some(principal.organisation_id);
    allow_if(match action {
        Action::ViewArea => true,
        Action::Comment => principal.has_part_in(area_id),
        Action::EditSharedContent => editor,
        Action::EditOrganisationContent => editor && own_organisation,
        Action::AssignSections
        | Action::CompleteSections
        | Action::ManageLocalDeadlines
        | Action::OpenSignOffRound
        | Action::WithdrawSignOffRound
        | Action::RecordSubmission => lead,
        Action::RecordOrganisationDecision => {
            principal.holds_in(Role::Signatory, area_id) && own_organisation
        }
        Action::RecordBoardDecision => principal.holds_in(Role::BoardSecretary, area_id),
        Action::RecordAssurance => principal.holds(Role::Assurer),
        Action::ViewAreaAuditLog => lead || oversees_all_areas,
        Action::ManageMembership => lead || principal.holds(Role::Admin),
        Action::AppointAreaLead => principal.holds(Role::Admin),
        Action::ViewAllAreas
        | Action::ManageNationalDeadlines
        | Action::ViewNationalAggregation
        | Action::ManageApiTokens
        | Action::Administer => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Forbidden, NotFound};

    const OWN_AREA: i64 = 1;
    const OTHER_AREA: i64 = 2;
    const OWN_ORG: i64 = 10;
    const OTHER_ORG: i64 = 20;

    fn grants_for(role: Role) -> Vec<Grant> {
        vec![Grant {
            role,
            area_id: (!role.is_global()).then_some(OWN_AREA),
        }]
    }

    /// The expected decision for each role, in the order of `Role::ALL`:
    /// officer, area lead, signatory, board secretary, assurer, admin.
    fn expect(action: Action, target: Target) -> [Decision; 6] {
        let own_area = target.area_id == Some(OWN_AREA);
        let own_org = target.organisation_id == Some(OWN_ORG);
        if !action.is_in_an_area() {
            return match action {
                Action::Administer => {
                    [Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Allow]
                }
                _ => [Forbidden, Forbidden, Forbidden, Forbidden, Allow, Allow],
            };
        }
        // Area roles have no part in another area; global roles oversee every area.
        let outsider =
            |global: [Decision; 2]| [NotFound, NotFound, NotFound, NotFound, global[0], global[1]];
        let global_view = [Allow, Allow];
        let global_none = [Forbidden, Forbidden];
        match (action, own_area) {
            (Action::ViewArea, true) => [Allow, Allow, Allow, Allow, Allow, Allow],
            (Action::ViewArea, false) => outsider(global_view),
            (Action::Comment, true) => [Allow, Allow, Allow, Allow, Forbidden, Forbidden],
            (Action::EditSharedContent, true) => {
                [Allow, Allow, Forbidden, Forbidden, Forbidden, Forbidden]
            }
            (Action::EditOrganisationContent, true) if own_org => {
                [Allow, Allow, Forbidden, Forbidden, Forbidden, Forbidden]
            }
            (Action::EditOrganisationContent, true) => [
                Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden,
            ],
            (
                Action::AssignSections
                | Action::CompleteSections
                | Action::ManageLocalDeadlines
                | Action::OpenSignOffRound
                | Action::WithdrawSignOffRound
                | Action::RecordSubmission,
                true,
            ) => [Forbidden, Allow, Forbidden, Forbidden, Forbidden, Forbidden],
            (Action::RecordOrganisationDecision, true) if own_org => {
                [Forbidden, Forbidden, Allow, Forbidden, Forbidden, Forbidden]
            }
            (Action::RecordOrganisationDecision, true) => [Forbidden; 6],
            (Action::RecordBoardDecision, true) => {
                [Forbidden, Forbidden, Forbidden, Allow, Forbidden, Forbidden]
            }
            (Action::RecordAssurance, true) => {
                [Forbidden, Forbidden, Forbidden, Forbidden, Allow, Forbidden]
            }
            (Action::RecordAssurance, false) => outsider([Allow, Forbidden]),
            (Action::ViewAreaAuditLog, true) => {
                [Forbidden, Allow, Forbidden, Forbidden, Allow, Allow]
            }
            (Action::ViewAreaAuditLog, false) => outsider(global_view),
            (Action::ManageMembership, true) => {
                [Forbidden, Allow, Forbidden, Forbidden, Forbidden, Allow]
            }
            (Action::AppointAreaLead, true) => {
                [Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Allow]
            }
            (Action::ManageMembership | Action::AppointAreaLead, false) => {
                outsider([Forbidden, Allow])
            }
            (_, false) => outsider(global_none),
            (other, true) => panic!("no expectation written for {other:?}"),
        }
    }

    #[test]
    fn every_role_action_and_target_gets_the_expected_decision() {
        let targets = [
            (
                "own area, own organisation",
                Target::organisation_in_area(OWN_AREA, OWN_ORG),
            ),
            (
                "own area, other organisation",
                Target::organisation_in_area(OWN_AREA, OTHER_ORG),
            ),
            (
                "other area, own organisation",
                Target::organisation_in_area(OTHER_AREA, OWN_ORG),
            ),
            (
                "other area, other organisation",
                Target::organisation_in_area(OTHER_AREA, OTHER_ORG),
            ),
        ];
        let mut checked = 0;
        for action in Action::ALL {
            for (label, target) in targets {
                let expected = expect(action, target);
                for (index, role) in Role::ALL.into_iter().enumerate() {
                    let grants = grants_for(role);
                    let principal = Principal {
                        organisation_id: OWN_ORG,
                        grants: &grants,
                    };
                    assert_eq!(
                        decide(&principal, action, target),
                        expected[index],
                        "{role:?} doing {action:?} on {label}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, Action::ALL.len() * 4 * Role::ALL.len());
    }

    #[test]
    fn someone_with_no_grants_may_do_nothing_and_sees_no_area() {
        let principal = Principal {
            organisation_id: OWN_ORG,
            grants: &[],
        };
        for action in Action::ALL {
            let decision = decide(&principal, action, Target::area(OWN_AREA));
            assert_ne!(decision, Allow, "{action:?}");
        }
        assert_eq!(
            decide(&principal, Action::ViewArea, Target::area(OWN_AREA)),
            NotFound
        );
    }

    #[test]
    fn a_role_in_one_area_gives_nothing_in_another() {
        let grants = vec![
            Grant {
                role: Role::AreaLead,
                area_id: Some(OWN_AREA),
            },
            Grant {
                role: Role::Officer,
                area_id: Some(OTHER_AREA),
            },
        ];
        let principal = Principal {
            organisation_id: OWN_ORG,
            grants: &grants,
        };
        assert_eq!(
            decide(&principal, Action::OpenSignOffRound, Target::area(OWN_AREA)),
            Allow
        );
        assert_eq!(
            decide(
                &principal,
                Action::OpenSignOffRound,
                Target::area(OTHER_AREA)
            ),
            Forbidden
        );
        assert_eq!(
            decide(
                &principal,
                Action::EditSharedContent,
                Target::area(OTHER_AREA)
            ),
            Allow
        );
    }

    #[test]
    fn an_area_action_without_an_area_is_denied() {
        let grants = grants_for(Role::Admin);
        let principal = Principal {
            organisation_id: OWN_ORG,
            grants: &grants,
        };
        assert_eq!(
            decide(&principal, Action::ViewArea, Target::everywhere()),
            Forbidden
        );
    }

    #[test]
    fn roles_round_trip_through_their_keys_and_two_factor_rules() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
        let needs: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.requires_two_factor())
            .collect();
        assert_eq!(
            needs,
            [
                Role::Signatory,
                Role::BoardSecretary,
                Role::Assurer,
                Role::Admin
            ]
        );
    }
}
