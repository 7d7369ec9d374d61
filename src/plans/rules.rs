//! Who may do what to a plan and its sections. The policy (`auth::policy`) answers for an area
//! and an organisation; these rules add what only a section knows (which organisation it is
//! assigned to, whether partners each write their own part, whether it is completed), so that
//! handlers ask one question and every page and action gets the same answer.

use super::section::SectionStatus;
use crate::areas::{AreaId, OrganisationId};
use crate::auth::policy::{self, Action, Decision, Principal, Target};

fn allowed(principal: &Principal<'_>, action: Action, target: Target) -> bool {
    policy::decide(principal, action, target) == Decision::Allow
}

// The policy takes ids as bare numbers: these convert at that one boundary.

fn area(area_id: AreaId) -> Target {
    Target::area(area_id.get())
}

fn organisation_in_area(area_id: AreaId, organisation_id: OrganisationId) -> Target {
    Target::organisation_in_area(area_id.get(), organisation_id.get())
}

/// The organisation the person belongs to.
pub fn own_organisation(principal: &Principal<'_>) -> OrganisationId {
    OrganisationId::new(principal.organisation_id)
}

/// What the rules need to know about a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionFacts {
    pub area_id: AreaId,
    pub assigned_organisation_id: Option<OrganisationId>,
    /// Each partner organisation writes its own contribution.
    pub per_organisation: bool,
    pub status: SectionStatus,
}

/// Area leads start their area's plan; administrators may too.
pub fn may_create_plan(principal: &Principal<'_>, area_id: AreaId) -> bool {
    allowed(principal, Action::AssignSections, area(area_id))
        || allowed(principal, Action::Administer, Target::everywhere())
}

/// The area lead: assigns sections, completes and reopens them.
pub fn is_lead(principal: &Principal<'_>, area_id: AreaId) -> bool {
    allowed(principal, Action::CompleteSections, area(area_id))
}

pub fn may_comment(principal: &Principal<'_>, area_id: AreaId) -> bool {
    allowed(principal, Action::Comment, area(area_id))
}

/// Who may write a section's shared text (whatever its status): its assigned organisation's
/// editors, or every editor of the area while it is unassigned.
pub fn may_write_text(
    principal: &Principal<'_>,
    area_id: AreaId,
    assigned: Option<OrganisationId>,
) -> bool {
    match assigned {
        Some(organisation_id) => allowed(
            principal,
            Action::EditOrganisationContent,
            organisation_in_area(area_id, organisation_id),
        ),
        None => allowed(principal, Action::EditSharedContent, area(area_id)),
    }
}

/// Who may write an organisation's contribution (whatever the section's status): that
/// organisation's editors in the area.
pub fn may_write_contribution(
    principal: &Principal<'_>,
    area_id: AreaId,
    organisation_id: OrganisationId,
) -> bool {
    allowed(
        principal,
        Action::EditOrganisationContent,
        organisation_in_area(area_id, organisation_id),
    )
}

/// What someone may do on one section now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SectionRights {
    /// May change the shared text now (open and theirs to write).
    pub edit_text: bool,
    pub lead: bool,
    pub comment: bool,
    /// May answer "Have you completed this section?" now.
    pub answer: bool,
}

impl SectionRights {
    pub fn of(principal: &Principal<'_>, section: SectionFacts) -> SectionRights {
        let open = section.status.is_open_for_editing();
        SectionRights {
            edit_text: open
                && may_write_text(principal, section.area_id, section.assigned_organisation_id),
            lead: is_lead(principal, section.area_id),
            comment: may_comment(principal, section.area_id),
            answer: open && may_answer(principal, section),
        }
    }

    /// May link register risks to the section and unlink them: whoever may edit its text now,
    /// and the lead whatever its status.
    pub fn link_risks(self) -> bool {
        self.edit_text || self.lead
    }

    /// May change `organisation_id`'s contribution now.
    pub fn edit_contribution(
        principal: &Principal<'_>,
        section: SectionFacts,
        organisation_id: OrganisationId,
    ) -> bool {
        section.status.is_open_for_editing()
            && may_write_contribution(principal, section.area_id, organisation_id)
    }
}

/// Who may answer "Have you completed this section?" (whatever its status). The area lead may,
/// for every section of the area, including one assigned to another organisation: the lead
/// marks sections complete (DESIGN.md), and their "yes" completes it. Whoever may write the
/// shared text may, and for a section where partners each write their part, any editor of
/// their own organisation in the area; their "yes" asks the lead to review. An officer of
/// another organisation may not answer for a section assigned to someone else.
pub fn may_answer(principal: &Principal<'_>, section: SectionFacts) -> bool {
    is_lead(principal, section.area_id)
        || may_write_text(principal, section.area_id, section.assigned_organisation_id)
        || (section.per_organisation
            && may_write_contribution(principal, section.area_id, own_organisation(principal)))
}

/// The answer to "Have you completed this section?", and what it does for each kind of person:
/// an officer's "yes" asks the lead to review; the lead's "yes" completes the section.
pub fn status_after_answer(completed: bool, answered_by_lead: bool) -> SectionStatus {
    match (completed, answered_by_lead) {
        (true, true) => SectionStatus::Completed,
        (true, false) => SectionStatus::ReadyForReview,
        (false, _) => SectionStatus::InProgress,
    }
}

/// Whether a "no" is the lead sending a section that waits for review back to its writers,
/// which needs a comment saying what to change.
pub fn is_send_back(answered_by_lead: bool, status: SectionStatus, completed: bool) -> bool {
    answered_by_lead && !completed && status == SectionStatus::ReadyForReview
}

/// A row of the task list, as far as "does it need you?" goes.
#[derive(Clone, Copy, Debug)]
pub struct TaskFacts {
    pub status: SectionStatus,
    pub per_organisation: bool,
    pub contributed_by_you: bool,
    pub assigned_organisation_id: Option<OrganisationId>,
}

/// What needs the viewer first: for a lead, sections waiting for review; for an editor, their
/// organisation's part still to write and open sections assigned to their organisation.
pub fn needs_you(principal: &Principal<'_>, area_id: AreaId, task: TaskFacts) -> bool {
    let own = own_organisation(principal);
    let may_contribute = may_write_contribution(principal, area_id, own);
    let open = task.status.is_open_for_editing();
    (is_lead(principal, area_id) && task.status == SectionStatus::ReadyForReview)
        || (open && may_contribute && task.per_organisation && !task.contributed_by_you)
        || (open && may_contribute && task.assigned_organisation_id == Some(own))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_leads_no_to_a_section_waiting_for_review_sends_it_back() {
        assert!(is_send_back(true, SectionStatus::ReadyForReview, false));
        assert!(!is_send_back(true, SectionStatus::ReadyForReview, true));
        assert!(!is_send_back(false, SectionStatus::ReadyForReview, false));
        assert!(!is_send_back(true, SectionStatus::InProgress, false));
        assert!(!is_send_back(true, SectionStatus::NotStarted, false));
    }
    use crate::auth::policy::{Grant, Role};

    const AREA: AreaId = AreaId::new(1);
    const OWN: OrganisationId = OrganisationId::new(10);
    const OTHER: OrganisationId = OrganisationId::new(20);

    fn grants(role: Role) -> Vec<Grant> {
        vec![Grant {
            role,
            area_id: (!role.is_global()).then_some(AREA.get()),
        }]
    }

    fn principal(grants: &[Grant]) -> Principal<'_> {
        Principal {
            organisation_id: OWN.get(),
            grants,
        }
    }

    fn section(
        assigned: Option<OrganisationId>,
        per_organisation: bool,
        status: SectionStatus,
    ) -> SectionFacts {
        SectionFacts {
            area_id: AREA,
            assigned_organisation_id: assigned,
            per_organisation,
            status,
        }
    }

    #[test]
    fn leads_and_administrators_create_plans_officers_do_not() {
        assert!(may_create_plan(&principal(&grants(Role::AreaLead)), AREA));
        assert!(may_create_plan(&principal(&grants(Role::Admin)), AREA));
        assert!(!may_create_plan(&principal(&grants(Role::Officer)), AREA));
        assert!(!may_create_plan(&principal(&grants(Role::Signatory)), AREA));
    }

    #[test]
    fn shared_text_belongs_to_the_assigned_organisation_or_to_every_editor() {
        let officer = grants(Role::Officer);
        let officer = principal(&officer);
        assert!(may_write_text(&officer, AREA, None));
        assert!(may_write_text(&officer, AREA, Some(OWN)));
        assert!(!may_write_text(&officer, AREA, Some(OTHER)));
        let signatory = grants(Role::Signatory);
        assert!(!may_write_text(&principal(&signatory), AREA, None));
        assert!(!may_write_text(&officer, AreaId::new(2), None));
    }

    #[test]
    fn a_completed_section_cannot_be_edited_by_anyone() {
        for role in [Role::Officer, Role::AreaLead] {
            let grants = grants(role);
            let who = principal(&grants);
            let completed = section(None, true, SectionStatus::Completed);
            let rights = SectionRights::of(&who, completed);
            assert!(!rights.edit_text && !rights.answer, "{role:?}");
            assert!(!SectionRights::edit_contribution(&who, completed, OWN));
            let open = section(None, true, SectionStatus::ReadyForReview);
            assert!(SectionRights::of(&who, open).edit_text, "{role:?}");
            assert!(SectionRights::edit_contribution(&who, open, OWN));
            assert!(!SectionRights::edit_contribution(&who, open, OTHER));
        }
    }

    #[test]
    fn the_lead_answers_for_sections_assigned_to_another_organisation() {
        let assigned_elsewhere = section(Some(OTHER), false, SectionStatus::InProgress);
        let lead = grants(Role::AreaLead);
        assert!(may_answer(&principal(&lead), assigned_elsewhere));
        // The lead's organisation is not the assigned one, so the lead may not write its text.
        assert!(!SectionRights::of(&principal(&lead), assigned_elsewhere).edit_text);
        let officer = grants(Role::Officer);
        assert!(!may_answer(&principal(&officer), assigned_elsewhere));
        assert!(may_answer(
            &principal(&officer),
            section(Some(OWN), false, SectionStatus::InProgress)
        ));
        // Where partners each write their part, every partner's editor may ask for review.
        assert!(may_answer(
            &principal(&officer),
            section(Some(OTHER), true, SectionStatus::InProgress)
        ));
        let signatory = grants(Role::Signatory);
        assert!(!may_answer(
            &principal(&signatory),
            section(None, true, SectionStatus::InProgress)
        ));
    }

    #[test]
    fn officers_ask_for_review_and_leads_complete() {
        assert_eq!(
            status_after_answer(true, false),
            SectionStatus::ReadyForReview
        );
        assert_eq!(status_after_answer(true, true), SectionStatus::Completed);
        assert_eq!(status_after_answer(false, false), SectionStatus::InProgress);
        assert_eq!(status_after_answer(false, true), SectionStatus::InProgress);
    }

    #[test]
    fn the_task_list_points_each_person_at_their_own_work() {
        let task = |status, per_organisation, contributed_by_you, assigned| TaskFacts {
            status,
            per_organisation,
            contributed_by_you,
            assigned_organisation_id: assigned,
        };
        let lead = grants(Role::AreaLead);
        let officer = grants(Role::Officer);
        let review = task(SectionStatus::ReadyForReview, false, false, None);
        assert!(needs_you(&principal(&lead), AREA, review));
        assert!(!needs_you(&principal(&officer), AREA, review));
        let unwritten = task(SectionStatus::InProgress, true, false, None);
        assert!(needs_you(&principal(&officer), AREA, unwritten));
        let written = task(SectionStatus::InProgress, true, true, None);
        assert!(!needs_you(&principal(&officer), AREA, written));
        let ours = task(SectionStatus::NotStarted, false, false, Some(OWN));
        assert!(needs_you(&principal(&officer), AREA, ours));
        let theirs = task(SectionStatus::NotStarted, false, false, Some(OTHER));
        assert!(!needs_you(&principal(&officer), AREA, theirs));
        let done = task(SectionStatus::Completed, false, false, Some(OWN));
        assert!(!needs_you(&principal(&officer), AREA, done));
    }

    #[test]
    fn risks_are_linked_by_the_sections_editors_while_open_and_by_the_lead_always() {
        let officer = grants(Role::Officer);
        let officer = principal(&officer);
        let lead = grants(Role::AreaLead);
        let lead = principal(&lead);
        let signatory = grants(Role::Signatory);
        let signatory = principal(&signatory);
        let open = section(None, false, SectionStatus::InProgress);
        let elsewhere = section(Some(OTHER), false, SectionStatus::InProgress);
        let completed = section(None, false, SectionStatus::Completed);
        assert!(SectionRights::of(&officer, open).link_risks());
        assert!(!SectionRights::of(&officer, elsewhere).link_risks());
        assert!(!SectionRights::of(&officer, completed).link_risks());
        assert!(SectionRights::of(&lead, completed).link_risks());
        assert!(!SectionRights::of(&signatory, open).link_risks());
    }
}
