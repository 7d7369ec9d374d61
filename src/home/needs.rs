//! What needs a person, for their home page: pure, from what the features' stores read for
//! their areas (`Facts`) and today's date in England. Which items: the sections of their
//! organisation not completed (and, for area leads, every section not completed), the sign-off
//! decisions awaiting them, the risks and further actions due for review within
//! `HORIZON_DAYS` (or overdue) in their areas, and the deadlines due within `HORIZON_DAYS` (or
//! overdue) and not met. Their order: in each kind, overdue first, then by due date (risks and
//! actions they own before the rest); undated items keep the order they were read in.
//!
//! Each kind is a `Kind`, shown as its own group in `Kind::ALL` order: a new kind (mentions,
//! once notifications exist) is one more variant and one more function feeding `needs`.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use time::{Date, Duration};

use crate::areas::OrganisationId;
use crate::areas::store::{AreaSummary as Area, Member};
use crate::auth::UserId;
use crate::auth::policy::{self, Action, Decision, Grant, Principal, Target};
use crate::deadlines::model::Deadline;
use crate::deadlines::rag::{Rag, Standing};
use crate::notifications::store::UnreadMention;
use crate::plans::store::OpenSection;
use crate::plans::templates::structure::CycleStructure;
use crate::risks::store::CurrentRisk;
use crate::signoff::signers::required_signers;
use crate::signoff::state::{RoundState, assurance_may_be_recorded, board_may_decide};
use crate::signoff::store::rounds::CurrentRound;

/// How far ahead a dated item needs someone: due within 30 days (today included), or overdue.
pub const HORIZON_DAYS: i64 = 30;

/// A kind of item, shown as one group of the page, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Section,
    Decision,
    Mention,
    Risk,
    Deadline,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Section,
        Kind::Decision,
        Kind::Mention,
        Kind::Risk,
        Kind::Deadline,
    ];

    pub fn heading(self) -> &'static str {
        match self {
            Kind::Section => "Plan sections",
            Kind::Decision => "Decisions awaiting you",
            Kind::Mention => "Mentions you have not read",
            Kind::Risk => "Risks and actions to review",
            Kind::Deadline => "Deadlines",
        }
    }

    /// The group's id on the page (its heading's).
    pub fn id(self) -> &'static str {
        match self {
            Kind::Section => "needs-sections",
            Kind::Decision => "needs-decisions",
            Kind::Mention => "needs-mentions",
            Kind::Risk => "needs-risks",
            Kind::Deadline => "needs-deadlines",
        }
    }
}

/// One thing that needs the person, with the place to do it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub kind: Kind,
    /// The area's name.
    pub area: String,
    /// The link's text.
    pub title: String,
    /// What it is and why it needs them, in a few words.
    pub detail: String,
    pub url: String,
    pub due: Option<Date>,
    /// The person owns it (a risk or an action): shown first.
    pub yours: bool,
    /// A deadline's colour.
    pub rag: Option<Rag>,
}

impl Need {
    /// Where it stands against its due date (never met: met items are not needs).
    pub fn standing(&self, today: Date) -> Option<Standing> {
        self.due.map(|due| Standing::of(due, None, today))
    }

    fn overdue(&self, today: Date) -> bool {
        self.due.is_some_and(|due| due < today)
    }
}

/// A group of the page: one kind's needs, in order.
#[derive(Clone, Debug)]
pub struct Group {
    pub kind: Kind,
    pub needs: Vec<Need>,
}

/// The person the page is for.
#[derive(Clone, Copy, Debug)]
pub struct Person<'a> {
    pub id: UserId,
    pub name: &'a str,
    pub organisation_id: OrganisationId,
    pub organisation_name: &'a str,
    pub grants: &'a [Grant],
}

impl Person<'_> {
    fn principal(&self) -> Principal<'_> {
        Principal {
            organisation_id: self.organisation_id.get(),
            grants: self.grants,
        }
    }

    /// Whether the policy lets them do `action` in the area (to their own organisation's part,
    /// where the action is about one).
    pub fn may(&self, action: Action, area_id: i64) -> bool {
        policy::decide(
            &self.principal(),
            action,
            Target::organisation_in_area(area_id, self.organisation_id.get()),
        ) == Decision::Allow
    }

    /// The areas where they hold a role, by id.
    pub fn their_areas(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .grants
            .iter()
            .filter_map(|grant| grant.area_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Those of their areas where they may do `action`.
    pub fn areas_where(&self, action: Action) -> Vec<i64> {
        let mut ids = self.their_areas();
        ids.retain(|&area_id| self.may(action, area_id));
        ids
    }

    /// Whether `owner` (a name typed in the register) names them or their organisation.
    fn is_named(&self, owner: &str) -> bool {
        let owner = owner.trim();
        !owner.is_empty()
            && (owner.eq_ignore_ascii_case(self.name.trim())
                || owner.eq_ignore_ascii_case(self.organisation_name.trim()))
    }
}

/// Everything read for the page, from each feature's batch store functions.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The areas the person sees.
    pub areas: Vec<Area>,
    /// Sections not completed of the plans of the areas where they edit.
    pub sections: Vec<OpenSection>,
    /// Rounds in progress in the areas where they sign, record the board's decisions or assure.
    pub rounds: Vec<CurrentRound>,
    /// The structures those rounds' plans follow, by id.
    pub structures: Vec<(i64, Arc<CycleStructure>)>,
    /// The members of the areas where they sign, by area.
    pub members: Vec<(i64, Member)>,
    /// The signatures given on those rounds: (round, organisation, signature key, signer).
    pub signatures: Vec<(i64, OrganisationId, String, UserId)>,
    /// Open risks of their areas, by area.
    pub risks: Vec<(i64, CurrentRisk)>,
    /// The deadlines of their areas, by area.
    pub deadlines: BTreeMap<i64, Vec<Deadline>>,
    /// Their unread mentions, newest first.
    pub mentions: Vec<UnreadMention>,
}

/// What needs the person on `today`: the groups with anything in them, in `Kind::ALL` order.
pub fn needs(person: &Person<'_>, facts: &Facts, today: Date) -> Vec<Group> {
    let areas: BTreeMap<i64, &Area> = facts
        .areas
        .iter()
        .map(|area| (area.id.get(), area))
        .collect();
    let mut all = Vec::new();
    all.extend(sections(person, facts, &areas));
    all.extend(decisions(person, facts, &areas));
    all.extend(mentions(facts, &areas));
    all.extend(risks(person, facts, &areas, today));
    all.extend(deadlines(person, facts, &areas, today));
    Kind::ALL
        .into_iter()
        .filter_map(|kind| {
            let mut needs: Vec<Need> = all.iter().filter(|n| n.kind == kind).cloned().collect();
            needs.sort_by(|a, b| order(a, b, today));
            (!needs.is_empty()).then_some(Group { kind, needs })
        })
        .collect()
}

/// Their unread mentions, newest first, each linking to the comment.
fn mentions(facts: &Facts, areas: &BTreeMap<i64, &Area>) -> Vec<Need> {
    facts
        .mentions
        .iter()
        .map(|mention| Need {
            kind: Kind::Mention,
            area: mention
                .area_id
                .and_then(|id| areas.get(&id))
                .map(|area| area.name.clone())
                .unwrap_or_default(),
            title: mention.title.clone(),
            detail: mention.body.clone(),
            url: mention.link.clone(),
            due: None,
            yours: false,
            rag: None,
        })
        .collect()
}

/// Theirs first, then overdue, then by due date (undated last, in the order read).
fn order(a: &Need, b: &Need, today: Date) -> Ordering {
    b.yours
        .cmp(&a.yours)
        .then_with(|| b.overdue(today).cmp(&a.overdue(today)))
        .then_with(|| match (a.due, b.due) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
}

fn plan_url(area: &Area, template_key: &str) -> String {
    format!("/areas/{}/plans/{template_key}", area.slug)
}

/// Sections of their organisation not completed, in the areas where they edit: its part of a
/// section each partner contributes to, still unwritten; a section assigned to it; and, for an
/// area lead, every section of the area not completed.
fn sections(person: &Person<'_>, facts: &Facts, areas: &BTreeMap<i64, &Area>) -> Vec<Need> {
    let editing = person.areas_where(Action::EditSharedContent);
    let leading = person.areas_where(Action::CompleteSections);
    facts
        .sections
        .iter()
        .filter(|section| editing.contains(&section.area_id.get()))
        .filter_map(|section| {
            let area = areas.get(&section.area_id.get())?;
            let base = format!(
                "{}/sections/{}",
                plan_url(area, &section.template_key),
                section.key
            );
            let (why, url) =
                if section.per_organisation && section.organisation_signs && !section.contributed {
                    (
                        "Your organisation's contribution is still to write".to_owned(),
                        format!("{base}#contributions"),
                    )
                } else if section.assigned_organisation_id == Some(person.organisation_id) {
                    (
                        format!("Assigned to your organisation: {}", section.status.label()),
                        base,
                    )
                } else if leading.contains(&section.area_id.get()) {
                    (format!("Not completed: {}", section.status.label()), base)
                } else {
                    return None;
                };
            Some(Need {
                kind: Kind::Section,
                area: area.name.clone(),
                title: section.title.clone(),
                detail: format!("{} plan. {why}", section.template_name),
                url,
                due: None,
                yours: false,
                rag: None,
            })
        })
        .collect()
}

/// Sign-off steps awaiting them: their organisation's signature on a round in partner sign-off
/// (if they have not given one of its signatures already), the board's decision for a board
/// secretary, assurance for an assurer.
fn decisions(person: &Person<'_>, facts: &Facts, areas: &BTreeMap<i64, &Area>) -> Vec<Need> {
    let signing = person.areas_where(Action::RecordOrganisationDecision);
    let secretary = person.areas_where(Action::RecordBoardDecision);
    let mut needs = Vec::new();
    for round in &facts.rounds {
        let (Some(area), Some(structure)) = (
            areas.get(&round.area_id),
            facts
                .structures
                .iter()
                .find(|(id, _)| *id == round.structure_id)
                .map(|(_, structure)| structure),
        ) else {
            continue;
        };
        let route = structure.sign_off();
        let due = round.deadline_key.as_ref().and_then(|key| {
            structure
                .dates()
                .iter()
                .find(|date| &date.key == key)
                .map(|date| date.date)
        });
        let round_url = format!(
            "{}/sign-off/rounds/{}",
            plan_url(area, &round.template_key),
            round.number
        );
        let need = |step: &str, title: String| Need {
            kind: Kind::Decision,
            area: area.name.clone(),
            title,
            detail: format!(
                "{} plan, round {}: {}",
                round.template_name, round.number, round.name
            ),
            url: format!("{round_url}/{step}"),
            due,
            yours: false,
            rag: None,
        };
        if signing.contains(&round.area_id) && round.state == RoundState::PartnerSignOff {
            let given: Vec<_> = facts
                .signatures
                .iter()
                .filter(|(round_id, ..)| *round_id == round.id)
                .collect();
            let signed_already = given.iter().any(|(.., signer)| *signer == person.id);
            let members: Vec<Member> = facts
                .members
                .iter()
                .filter(|(area_id, _)| *area_id == round.area_id)
                .map(|(_, member)| member.clone())
                .collect();
            let owed = required_signers(route, &members).into_iter().any(|signer| {
                signer.organisation_id == person.organisation_id
                    && !given.iter().any(|(_, organisation, key, _)| {
                        *organisation == signer.organisation_id && *key == signer.signature_key
                    })
            });
            if owed && !signed_already {
                needs.push(need(
                    "decision",
                    "Your organisation's decision on the plan".to_owned(),
                ));
            }
        }
        if secretary.contains(&round.area_id)
            && board_may_decide(route, round.state, round.board_approved).is_ok()
        {
            needs.push(need("board", "The board's decision on the plan".to_owned()));
        }
        if person.may(Action::RecordAssurance, round.area_id)
            && assurance_may_be_recorded(round.state, round.board_approved).is_ok()
        {
            needs.push(need("assurance", "Assurance of the plan".to_owned()));
        }
    }
    needs
}

/// Open risks whose review, and further actions not done whose due date, falls within the
/// horizon or has passed, in any area where they hold a role; theirs (their organisation owns
/// the risk, or the owner named is them; an action's owner names them or their organisation)
/// first.
fn risks(
    person: &Person<'_>,
    facts: &Facts,
    areas: &BTreeMap<i64, &Area>,
    today: Date,
) -> Vec<Need> {
    let theirs = person.their_areas();
    let until = today + Duration::days(HORIZON_DAYS);
    let mut needs = Vec::new();
    for (area_id, risk) in &facts.risks {
        let Some(area) = areas.get(area_id).filter(|_| theirs.contains(area_id)) else {
            continue;
        };
        let content = &risk.content;
        let reference = crate::risks::reference(risk.number);
        let url = format!("/areas/{}/risks/{}", area.slug, risk.number);
        let owns_risk = content.owner_organisation_id == person.organisation_id
            || person.is_named(&content.owner_person);
        if content.review <= until {
            needs.push(Need {
                kind: Kind::Risk,
                area: area.name.clone(),
                title: format!("{reference} {}", content.title),
                detail: format!("Review of the risk (owner: {})", content.owner_person),
                url: url.clone(),
                due: Some(content.review),
                yours: owns_risk,
                rag: None,
            });
        }
        for action in content.actions.iter().filter(|a| !a.done && a.due <= until) {
            needs.push(Need {
                kind: Kind::Risk,
                area: area.name.clone(),
                title: action.description.clone(),
                detail: format!(
                    "Action on {reference} {} (owner: {})",
                    content.title, action.owner
                ),
                url: url.clone(),
                due: Some(action.due),
                yours: person.is_named(&action.owner),
                rag: None,
            });
        }
    }
    needs
}

/// Deadlines not met, due within the horizon or overdue, in any area where they hold a role,
/// with their colour.
fn deadlines(
    person: &Person<'_>,
    facts: &Facts,
    areas: &BTreeMap<i64, &Area>,
    today: Date,
) -> Vec<Need> {
    let until = today + Duration::days(HORIZON_DAYS);
    person
        .their_areas()
        .into_iter()
        .filter_map(|area_id| Some((*areas.get(&area_id)?, facts.deadlines.get(&area_id)?)))
        .flat_map(|(area, deadlines)| {
            deadlines
                .iter()
                .filter(move |deadline| deadline.met.is_none() && deadline.due <= until)
                .map(move |deadline| Need {
                    kind: Kind::Deadline,
                    area: area.name.clone(),
                    title: deadline.title.clone(),
                    detail: match &deadline.plan {
                        Some((_, name)) if deadline.is_national() => {
                            format!("National deadline of the {name} plan")
                        }
                        Some((_, name)) => format!("Local deadline, met by the {name} plan"),
                        None => "Local deadline".to_owned(),
                    },
                    url: format!(
                        "/areas/{}/deadlines#deadline-{}",
                        area.slug,
                        deadline.reference.text()
                    ),
                    due: Some(deadline.due),
                    yours: false,
                    rag: Some(deadline.rag(today)),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::{AreaId, OrganisationKind};
    use crate::auth::policy::Role;
    use crate::deadlines::model::{DeadlineRef, Met, MetBy, Rule};
    use crate::plans::section::SectionStatus;
    use crate::plans::templates::route::SignOffRoute;
    use crate::plans::templates::structure::{DateKind, FinancialYear, KeyDate, StructureParts};
    use crate::risks::content::RiskForm;
    use crate::risks::{Matrix, MatrixId, RiskId};
    use time::OffsetDateTime;
    use time::macros::date;

    const TODAY: Date = date!(2014 - 03 - 20);
    const KENT: i64 = 1;
    const OTHER: i64 = 2;
    const OURS: OrganisationId = OrganisationId::new(10);
    const THEIRS: OrganisationId = OrganisationId::new(20);
    const ME: UserId = UserId::new(7);

    fn area(id: i64, slug: &str) -> Area {
        Area {
            id: AreaId::new(id),
            slug: slug.to_owned(),
            name: slug.to_uppercase(),
            board_id: OrganisationId::new(99),
            board_name: "Board".to_owned(),
            region: None,
        }
    }

    fn facts() -> Facts {
        Facts {
            areas: vec![area(KENT, "kent"), area(OTHER, "other")],
            ..Facts::default()
        }
    }

    fn grants(roles: &[Role]) -> Vec<Grant> {
        roles
            .iter()
            .map(|&role| Grant {
                role,
                area_id: (!role.is_global()).then_some(KENT),
            })
            .collect()
    }

    fn person(grants: &[Grant]) -> Person<'_> {
        Person {
            id: ME,
            name: "Ann Smith",
            organisation_id: OURS,
            organisation_name: "Kent County Council",
            grants,
        }
    }

    fn titles(groups: &[Group], kind: Kind) -> Vec<String> {
        groups
            .iter()
            .filter(|group| group.kind == kind)
            .flat_map(|group| group.needs.iter().map(|need| need.title.clone()))
            .collect()
    }

    fn section(
        area: i64,
        title: &str,
        per_organisation: bool,
        assigned: Option<OrganisationId>,
        contributed: bool,
    ) -> OpenSection {
        OpenSection {
            area_id: AreaId::new(area),
            template_key: "2014-16".to_owned(),
            template_name: "ITF 2014-16".to_owned(),
            key: title.to_lowercase(),
            title: title.to_owned(),
            status: SectionStatus::InProgress,
            per_organisation,
            assigned_organisation_id: assigned,
            organisation_signs: true,
            contributed,
        }
    }

    #[test]
    fn an_officer_sees_their_organisations_sections_and_a_lead_every_open_one() {
        let mut facts = facts();
        facts.sections = vec![
            section(KENT, "Vision", false, None, false),
            section(KENT, "Case", true, None, false),
            section(KENT, "Done", true, None, true),
            section(KENT, "Ours", false, Some(OURS), false),
            section(KENT, "Theirs", false, Some(THEIRS), false),
            section(OTHER, "Elsewhere", true, Some(OURS), false),
        ];
        let officer = grants(&[Role::Officer]);
        let groups = needs(&person(&officer), &facts, TODAY);
        assert_eq!(titles(&groups, Kind::Section), ["Case", "Ours"]);
        let case = &groups[0].needs[0];
        assert_eq!(
            case.url,
            "/areas/kent/plans/2014-16/sections/case#contributions"
        );
        assert!(case.detail.contains("contribution is still to write"));
        let lead = grants(&[Role::AreaLead]);
        let groups = needs(&person(&lead), &facts, TODAY);
        assert_eq!(
            titles(&groups, Kind::Section),
            ["Vision", "Case", "Done", "Ours", "Theirs"]
        );
        // Signatories and board secretaries write no sections.
        let signatory = grants(&[Role::Signatory]);
        assert!(needs(&person(&signatory), &facts, TODAY).is_empty());
    }

    fn structure(route: SignOffRoute) -> CycleStructure {
        CycleStructure::new(StructureParts {
            years: vec![FinancialYear {
                key: "2014-15".into(),
                label: "2014/15".into(),
            }],
            dates: vec![KeyDate {
                key: "final-plans".into(),
                title: "Final plans".into(),
                date: date!(2014 - 04 - 04),
                kind: DateKind::Deadline,
                unverified: None,
            }],
            sign_off: route,
            ..StructureParts::default()
        })
        .unwrap()
    }

    fn round(id: i64, area: i64, state: RoundState, board_approved: bool) -> CurrentRound {
        CurrentRound {
            id,
            area_id: area,
            template_key: "2014-16".into(),
            template_name: "ITF 2014-16".into(),
            structure_id: 5,
            number: 1,
            name: "Final".into(),
            deadline_key: Some("final-plans".into()),
            state,
            board_approved,
        }
    }

    fn member(id: OrganisationId) -> Member {
        Member {
            organisation_id: id,
            name: format!("Org {id}"),
            kind: OrganisationKind::Ccg,
            ods_code: None,
            signs_plan: true,
        }
    }

    #[test]
    fn a_signatory_is_awaited_until_their_organisation_or_they_have_signed() {
        let mut facts = facts();
        facts.structures = vec![(5, Arc::new(structure(SignOffRoute::default())))];
        facts.rounds = vec![
            round(1, KENT, RoundState::PartnerSignOff, false),
            round(2, OTHER, RoundState::PartnerSignOff, false),
        ];
        facts.members = vec![(KENT, member(OURS)), (KENT, member(THEIRS))];
        let signatory = grants(&[Role::Signatory]);
        let groups = needs(&person(&signatory), &facts, TODAY);
        let awaited = &groups[0].needs;
        assert_eq!(awaited.len(), 1, "{awaited:?}");
        assert_eq!(
            awaited[0].url,
            "/areas/kent/plans/2014-16/sign-off/rounds/1/decision"
        );
        assert_eq!(awaited[0].due, Some(date!(2014 - 04 - 04)));
        // Signed by someone else of the organisation: nothing owed.
        let mut signed = facts.clone();
        signed.signatures = vec![(1, OURS, "partner".into(), UserId::new(8))];
        assert!(needs(&person(&signatory), &signed, TODAY).is_empty());
        // Another organisation's signature changes nothing.
        let mut theirs = facts.clone();
        theirs.signatures = vec![(1, THEIRS, "partner".into(), UserId::new(8))];
        assert_eq!(needs(&person(&signatory), &theirs, TODAY).len(), 1);
        // Not in partner sign-off: nothing to sign.
        let mut later = facts;
        later.rounds = vec![round(1, KENT, RoundState::BoardApproval, false)];
        assert!(needs(&person(&signatory), &later, TODAY).is_empty());
    }

    #[test]
    fn the_board_and_the_assurers_are_awaited_at_their_steps() {
        let mut facts = facts();
        facts.structures = vec![(5, Arc::new(structure(SignOffRoute::default())))];
        facts.rounds = vec![
            round(1, KENT, RoundState::BoardApproval, false),
            round(2, OTHER, RoundState::Submitted, true),
            round(3, OTHER, RoundState::PartnerSignOff, false),
        ];
        let secretary = grants(&[Role::BoardSecretary]);
        let groups = needs(&person(&secretary), &facts, TODAY);
        assert_eq!(
            titles(&groups, Kind::Decision),
            ["The board's decision on the plan"]
        );
        assert!(groups[0].needs[0].url.ends_with("/rounds/1/board"));
        let assurer = grants(&[Role::Assurer]);
        let groups = needs(&person(&assurer), &facts, TODAY);
        assert_eq!(titles(&groups, Kind::Decision), ["Assurance of the plan"]);
        assert_eq!(
            groups[0].needs[0].url,
            "/areas/other/plans/2014-16/sign-off/rounds/1/assurance"
        );
    }

    fn risk(
        number: i32,
        owner: OrganisationId,
        review: &str,
        actions: &[(&str, &str)],
    ) -> CurrentRisk {
        let owner = owner.to_string();
        let mut form: Vec<(String, String)> = [
            ("title", format!("Risk {number}")),
            ("cause", "Admissions rise".into()),
            ("event", "Overspend".into()),
            ("effect", "Partners pay".into()),
            ("category", "financial".into()),
            ("owner_organisation", owner),
            ("owner_person", "Director of finance".into()),
            ("raised", "1/12/2013".into()),
            ("likelihood", "4".into()),
            ("impact", "4".into()),
            ("residual_likelihood", "2".into()),
            ("residual_impact", "3".into()),
            ("review", review.into()),
            ("status", "open".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (n, (owner, due)) in actions.iter().enumerate() {
            let n = n + 1;
            form.push((
                format!("action_{n}_description"),
                format!("Action {number}.{n}"),
            ));
            form.push((format!("action_{n}_owner"), (*owner).to_owned()));
            form.push((format!("action_{n}_due"), (*due).to_owned()));
        }
        CurrentRisk {
            id: RiskId::new(i64::from(number)),
            number,
            version: 1,
            content: RiskForm(form)
                .parse(&Matrix::npsa_5x5(), &[OURS, THEIRS])
                .unwrap(),
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            recorded_by: None,
            matrix_id: MatrixId::new(1),
        }
    }

    #[test]
    fn risks_and_actions_due_within_30_days_come_theirs_first_then_overdue_then_by_date() {
        let mut facts = facts();
        facts.risks = vec![
            (
                KENT,
                risk(1, THEIRS, "2014-03-25", &[("Ann Smith", "2014-04-10")]),
            ),
            (
                KENT,
                risk(2, THEIRS, "2014-03-10", &[("Bob", "2014-05-01")]),
            ),
            (KENT, risk(3, OURS, "2014-04-15", &[])),
            // Review in 31 days: not yet.
            (KENT, risk(4, OURS, "2014-04-20", &[])),
            (
                KENT,
                risk(
                    5,
                    THEIRS,
                    "2014-04-19",
                    &[("Kent County Council", "2014-03-01")],
                ),
            ),
            (OTHER, risk(6, OURS, "2014-03-01", &[])),
        ];
        let officer = grants(&[Role::Officer]);
        let groups = needs(&person(&officer), &facts, TODAY);
        assert_eq!(
            titles(&groups, Kind::Risk),
            [
                "Action 5.1",
                "Action 1.1",
                "R-03 Risk 3",
                "R-02 Risk 2",
                "R-01 Risk 1",
                "R-05 Risk 5",
            ]
        );
        let first = &groups[0].needs[0];
        assert!(first.yours);
        assert_eq!(first.url, "/areas/kent/risks/5");
        assert_eq!(
            first.standing(TODAY).map(Standing::words).as_deref(),
            Some("19 days overdue")
        );
    }

    fn deadline(title: &str, due: Date, met: Option<Met>) -> Deadline {
        Deadline {
            reference: DeadlineRef::Local {
                id: due.ordinal().into(),
            },
            area_id: KENT,
            title: title.to_owned(),
            due,
            plan: None,
            rule: Rule::Local(MetBy::Manual),
            met,
            local: None,
        }
    }

    #[test]
    fn deadlines_not_met_within_30_days_or_overdue_with_their_colour() {
        let mut facts = facts();
        let met = Met::ByHand {
            on: TODAY,
            by: "Lead".into(),
            note: String::new(),
        };
        facts.deadlines = BTreeMap::from([
            (
                KENT,
                vec![
                    deadline("Old", date!(2014 - 02 - 14), None),
                    deadline("Met", date!(2014 - 02 - 20), Some(met)),
                    deadline("Soon", date!(2014 - 03 - 25), None),
                    deadline("Later", date!(2014 - 04 - 19), None),
                    deadline("Too far", date!(2014 - 04 - 20), None),
                ],
            ),
            (OTHER, vec![deadline("Elsewhere", TODAY, None)]),
        ]);
        let secretary = grants(&[Role::BoardSecretary]);
        let groups = needs(&person(&secretary), &facts, TODAY);
        assert_eq!(titles(&groups, Kind::Deadline), ["Old", "Soon", "Later"]);
        let rags: Vec<Option<Rag>> = groups[0].needs.iter().map(|n| n.rag).collect();
        assert_eq!(rags, [Some(Rag::Red), Some(Rag::Amber), Some(Rag::Green)]);
        assert_eq!(
            groups[0].needs[0].url,
            "/areas/kent/deadlines#deadline-local:45"
        );
    }

    #[test]
    fn groups_come_in_their_order_and_nothing_is_nothing() {
        assert!(needs(&person(&grants(&[Role::AreaLead])), &facts(), TODAY).is_empty());
        let mut facts = facts();
        facts.sections = vec![section(KENT, "Vision", false, None, false)];
        facts.deadlines = BTreeMap::from([(KENT, vec![deadline("Soon", TODAY, None)])]);
        let lead = grants(&[Role::AreaLead]);
        let kinds: Vec<Kind> = needs(&person(&lead), &facts, TODAY)
            .iter()
            .map(|group| group.kind)
            .collect();
        assert_eq!(kinds, [Kind::Section, Kind::Deadline]);
    }
}
