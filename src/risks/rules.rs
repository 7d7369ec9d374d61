//! Who may do what to an area's risks. The policy (`auth::policy`) answers for an area and an
//! organisation; these rules add what only a risk knows (its owner organisation), so that every
//! page and action asks one question and gets the same answer. Seeing the area at all (and the
//! 404 for another area's people) is `authorised_area`'s, before any of these.

use crate::areas::{AreaId, OrganisationId};
use crate::auth::policy::{self, Action, Decision, Principal, Target};

fn allowed(principal: &Principal<'_>, action: Action, target: Target) -> bool {
    policy::decide(principal, action, target) == Decision::Allow
}

/// The area lead: edits every risk of the area, whoever owns it.
pub fn is_lead(principal: &Principal<'_>, area_id: AreaId) -> bool {
    allowed(
        principal,
        Action::CompleteSections,
        Target::area(area_id.get()),
    )
}

/// The area lead alone changes the area's risk matrix: it decides how every partner's risks
/// are scored. Administrators do not act on an area's content, so not on this either.
pub fn may_change_matrix(principal: &Principal<'_>, area_id: AreaId) -> bool {
    is_lead(principal, area_id)
}

/// Everyone with a part in the area, and assurers and administrators, read the whole register.
pub fn may_read(principal: &Principal<'_>, area_id: AreaId) -> bool {
    allowed(principal, Action::ViewArea, Target::area(area_id.get()))
}

/// Officers and the lead add risks.
pub fn may_add(principal: &Principal<'_>, area_id: AreaId) -> bool {
    allowed(
        principal,
        Action::EditSharedContent,
        Target::area(area_id.get()),
    )
}

/// Who may edit a risk owned by `owner`, or give a risk that owner: the lead any; an officer
/// only their own organisation's.
pub fn may_edit(principal: &Principal<'_>, area_id: AreaId, owner: OrganisationId) -> bool {
    is_lead(principal, area_id)
        || allowed(
            principal,
            Action::EditOrganisationContent,
            Target::organisation_in_area(area_id.get(), owner.get()),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::policy::{Grant, Role};

    const AREA: AreaId = AreaId::new(1);
    const OWN: OrganisationId = OrganisationId::new(10);
    const OTHER: OrganisationId = OrganisationId::new(20);

    fn grants(role: Role, area: Option<i64>) -> Vec<Grant> {
        vec![Grant {
            role,
            area_id: if role.is_global() { None } else { area },
        }]
    }

    fn principal(grants: &[Grant]) -> Principal<'_> {
        Principal {
            organisation_id: OWN.get(),
            grants,
        }
    }

    #[test]
    fn officers_edit_their_own_organisations_risks_and_the_lead_any() {
        let officer = grants(Role::Officer, Some(1));
        let officer = principal(&officer);
        assert!(may_add(&officer, AREA));
        assert!(may_edit(&officer, AREA, OWN));
        assert!(!may_edit(&officer, AREA, OTHER));
        assert!(may_read(&officer, AREA));

        let lead = grants(Role::AreaLead, Some(1));
        let lead = principal(&lead);
        assert!(may_add(&lead, AREA));
        assert!(may_edit(&lead, AREA, OTHER));
    }

    #[test]
    fn only_the_areas_lead_changes_its_matrix() {
        let lead = grants(Role::AreaLead, Some(1));
        assert!(may_change_matrix(&principal(&lead), AREA));
        let other_lead = grants(Role::AreaLead, Some(2));
        assert!(!may_change_matrix(&principal(&other_lead), AREA));
        for role in [
            Role::Officer,
            Role::Signatory,
            Role::BoardSecretary,
            Role::Assurer,
            Role::Admin,
        ] {
            let grants = grants(role, Some(1));
            assert!(!may_change_matrix(&principal(&grants), AREA), "{role:?}");
        }
    }

    #[test]
    fn other_roles_read_only_and_other_areas_nothing() {
        for role in [
            Role::Signatory,
            Role::BoardSecretary,
            Role::Assurer,
            Role::Admin,
        ] {
            let grants = grants(role, Some(1));
            let who = principal(&grants);
            assert!(may_read(&who, AREA), "{role:?}");
            assert!(!may_add(&who, AREA), "{role:?}");
            assert!(!may_edit(&who, AREA, OWN), "{role:?}");
        }
        let elsewhere = grants(Role::Officer, Some(2));
        let elsewhere = principal(&elsewhere);
        assert!(!may_read(&elsewhere, AREA));
        assert!(!may_add(&elsewhere, AREA));
        assert!(!may_edit(&elsewhere, AREA, OWN));
    }
}
