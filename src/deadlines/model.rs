//! An area's deadlines, put together from what is stored: the national ones from the key dates
//! of each of its plans' structures, the local ones the area added, the sign-off events that
//! meet them and what was recorded done by hand. Pure: the store reads, this decides.

use std::collections::BTreeMap;
use std::sync::Arc;

use time::{Date, OffsetDateTime};

use super::rag::{Rag, Standing};
use crate::keyed::keyed_enum;
use crate::plans::templates::structure::{CycleStructure, DateKind};
use crate::web::format::in_london;

keyed_enum! {
    /// What meets a local deadline.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum MetBy {
        Manual = ("manual", "Recorded as done by the area lead"),
        RoundOpened = (
            "round_opened",
            "A sign-off round of the plan opened (its snapshot of the plan and the risk register taken)"
        ),
        BoardApproved = ("board_approved", "The Health and Wellbeing Board approved the plan"),
        Submitted = ("submitted", "The plan was submitted"),
        Assured = ("assured", "The plan was assured"),
    }
}

/// Which deadline: one of a plan's national key dates, or one of the area's own. Its text form
/// (`national:12:final-plans`, `local:7`) names it in URLs and in what is recorded done.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineRef {
    National { plan_id: i64, key: String },
    Local { id: i64 },
}

impl DeadlineRef {
    pub fn text(&self) -> String {
        match self {
            DeadlineRef::National { plan_id, key } => format!("national:{plan_id}:{key}"),
            DeadlineRef::Local { id } => format!("local:{id}"),
        }
    }

    pub fn parse(text: &str) -> Option<DeadlineRef> {
        let mut parts = text.splitn(3, ':');
        match (parts.next()?, parts.next()?, parts.next()) {
            ("national", plan_id, Some(key)) if !key.is_empty() => Some(DeadlineRef::National {
                plan_id: plan_id.parse().ok()?,
                key: key.to_owned(),
            }),
            ("local", id, None) => Some(DeadlineRef::Local {
                id: id.parse().ok()?,
            }),
            _ => None,
        }
    }
}

/// How a deadline is met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A national deadline: a round of the plan measured against it submitted, or done by hand.
    NationalSubmission,
    Local(MetBy),
}

impl Rule {
    pub fn words(&self) -> &'static str {
        match self {
            Rule::NationalSubmission => {
                "A sign-off round measured against it is submitted, or the area lead records it done"
            }
            Rule::Local(met_by) => met_by.label(),
        }
    }

    /// Whether the area lead may record it done by hand.
    pub fn by_hand(&self) -> bool {
        matches!(self, Rule::NationalSubmission | Rule::Local(MetBy::Manual))
    }
}

/// How it was met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Met {
    /// By a sign-off event at `at`.
    Event { at: OffsetDateTime },
    /// Recorded done by hand: done on `on`, recorded by `by`.
    ByHand { on: Date, by: String, note: String },
}

impl Met {
    /// The day (in England) it was met.
    pub fn on(&self) -> Date {
        match self {
            Met::Event { at } => in_london(*at).date(),
            Met::ByHand { on, .. } => *on,
        }
    }
}

/// A plan of the area, with what its deadlines need.
#[derive(Clone, Debug)]
pub struct PlanFacts {
    pub id: i64,
    pub area_id: i64,
    pub template_key: String,
    pub template_name: String,
    /// Shared by every plan made from the same structure: the dashboard reads 152 areas' plans
    /// of one structure, and a copy each was most of its time (allocating and freeing them).
    pub structure: Arc<CycleStructure>,
    /// When the board approved a snapshot of it.
    pub approved_at: Option<OffsetDateTime>,
}

/// A sign-off round of a plan, as its deadlines see it.
#[derive(Clone, Debug)]
pub struct RoundFacts {
    pub plan_id: i64,
    pub deadline_key: Option<String>,
    pub opened_at: OffsetDateTime,
    /// When it was submitted (all its submissions in), if it was.
    pub submitted_at: Option<OffsetDateTime>,
    /// When an approving assurance outcome was recorded, if one was.
    pub assured_at: Option<OffsetDateTime>,
}

/// A deadline the area added.
#[derive(Clone, Debug)]
pub struct LocalFacts {
    pub id: i64,
    pub area_id: i64,
    pub title: String,
    pub due: Date,
    pub met_by: MetBy,
    pub plan_id: Option<i64>,
    pub notes: String,
    pub version: i32,
}

/// A deadline recorded done by hand (and not undone).
#[derive(Clone, Debug)]
pub struct DoneFacts {
    pub area_id: i64,
    pub deadline: DeadlineRef,
    pub on: Date,
    pub by: String,
    pub note: String,
}

/// One deadline of an area, with how it is met and whether it was.
#[derive(Clone, Debug)]
pub struct Deadline {
    pub reference: DeadlineRef,
    pub area_id: i64,
    pub title: String,
    pub due: Date,
    /// The plan it belongs to (national) or is met by (local), as (template key, name).
    pub plan: Option<(String, String)>,
    pub rule: Rule,
    pub met: Option<Met>,
    /// For a local deadline: its notes and version (for its edit form).
    pub local: Option<(String, i32)>,
}

impl Deadline {
    pub fn standing(&self, today: Date) -> Standing {
        Standing::of(self.due, self.met.as_ref().map(Met::on), today)
    }

    pub fn rag(&self, today: Date) -> Rag {
        self.standing(today).rag()
    }

    pub fn is_national(&self) -> bool {
        matches!(self.reference, DeadlineRef::National { .. })
    }
}

/// Everything read for a set of areas.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub plans: Vec<PlanFacts>,
    pub rounds: Vec<RoundFacts>,
    pub locals: Vec<LocalFacts>,
    pub done: Vec<DoneFacts>,
}

/// Each area's deadlines (areas with none are absent), each list by due day, then title.
pub fn assemble(facts: &Facts) -> BTreeMap<i64, Vec<Deadline>> {
    let done: BTreeMap<(i64, &DeadlineRef), &DoneFacts> = facts
        .done
        .iter()
        .map(|done| ((done.area_id, &done.deadline), done))
        .collect();
    let by_hand = |area_id: i64, reference: &DeadlineRef| {
        done.get(&(area_id, reference)).map(|done| Met::ByHand {
            on: done.on,
            by: done.by.clone(),
            note: done.note.clone(),
        })
    };
    let rounds_of = |plan_id: i64| facts.rounds.iter().filter(move |r| r.plan_id == plan_id);
    let earliest = |times: &mut dyn Iterator<Item = OffsetDateTime>| times.min();

    let mut areas: BTreeMap<i64, Vec<Deadline>> = BTreeMap::new();
    for plan in &facts.plans {
        for date in plan.structure.dates() {
            if date.kind != DateKind::Deadline {
                continue;
            }
            let reference = DeadlineRef::National {
                plan_id: plan.id,
                key: date.key.clone(),
            };
            let submitted = earliest(
                &mut rounds_of(plan.id)
                    .filter(|round| round.deadline_key.as_deref() == Some(date.key.as_str()))
                    .filter_map(|round| round.submitted_at),
            );
            let met = submitted
                .map(|at| Met::Event { at })
                .or_else(|| by_hand(plan.area_id, &reference));
            areas.entry(plan.area_id).or_default().push(Deadline {
                reference,
                area_id: plan.area_id,
                title: date.title.clone(),
                due: date.date,
                plan: Some((plan.template_key.clone(), plan.template_name.clone())),
                rule: Rule::NationalSubmission,
                met,
                local: None,
            });
        }
    }
    for local in &facts.locals {
        let reference = DeadlineRef::Local { id: local.id };
        let plan = local
            .plan_id
            .and_then(|id| facts.plans.iter().find(|plan| plan.id == id));
        let event = plan.and_then(|plan| match local.met_by {
            MetBy::Manual => None,
            MetBy::RoundOpened => earliest(&mut rounds_of(plan.id).map(|round| round.opened_at)),
            MetBy::BoardApproved => plan.approved_at,
            MetBy::Submitted => {
                earliest(&mut rounds_of(plan.id).filter_map(|round| round.submitted_at))
            }
            MetBy::Assured => {
                earliest(&mut rounds_of(plan.id).filter_map(|round| round.assured_at))
            }
        });
        let met = match local.met_by {
            MetBy::Manual => by_hand(local.area_id, &reference),
            _ => event.map(|at| Met::Event { at }),
        };
        areas.entry(local.area_id).or_default().push(Deadline {
            reference,
            area_id: local.area_id,
            title: local.title.clone(),
            due: local.due,
            plan: plan.map(|plan| (plan.template_key.clone(), plan.template_name.clone())),
            rule: Rule::Local(local.met_by),
            met,
            local: Some((local.notes.clone(), local.version)),
        });
    }
    for deadlines in areas.values_mut() {
        deadlines.sort_by(|a, b| (a.due, &a.title).cmp(&(b.due, &b.title)));
    }
    areas
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::templates::structure::{
        FinancialYear, FundingStream, KeyDate, Spending, StructureParts,
    };
    use time::macros::{date, datetime};

    fn deadline(key: &str, title: &str, date: Date) -> KeyDate {
        KeyDate {
            key: key.into(),
            title: title.into(),
            date,
            kind: DateKind::Deadline,
            unverified: None,
        }
    }

    fn structure() -> CycleStructure {
        CycleStructure::new(StructureParts {
            years: vec![FinancialYear {
                key: "2014-15".into(),
                label: "2014/15".into(),
            }],
            streams: vec![FundingStream {
                key: "dfg".into(),
                name: "Disabled Facilities Grant".into(),
                aliases: vec![],
                mandated: true,
                spending: Spending::Capital,
                unverified: None,
            }],
            metrics: vec![],
            conditions: vec![],
            dates: vec![
                deadline("final-plans", "Final plans", date!(2014 - 04 - 04)),
                deadline("draft-plans", "Draft plans", date!(2014 - 02 - 14)),
                KeyDate {
                    kind: DateKind::Milestone,
                    ..deadline("guidance", "Guidance published", date!(2013 - 12 - 16))
                },
            ],
            sign_off: Default::default(),
        })
        .expect("a valid structure")
    }

    fn plan(id: i64, area_id: i64) -> PlanFacts {
        PlanFacts {
            id,
            area_id,
            template_key: "2014-16".to_owned(),
            template_name: "ITF/BCF plan 2014/15–2015/16".to_owned(),
            structure: Arc::new(structure()),
            approved_at: None,
        }
    }

    fn round(plan_id: i64, deadline: &str) -> RoundFacts {
        RoundFacts {
            plan_id,
            deadline_key: Some(deadline.to_owned()),
            opened_at: datetime!(2014-03-25 09:00 UTC),
            submitted_at: None,
            assured_at: None,
        }
    }

    fn find<'a>(deadlines: &'a [Deadline], title: &str) -> &'a Deadline {
        deadlines
            .iter()
            .find(|deadline| deadline.title == title)
            .unwrap_or_else(|| panic!("{title}"))
    }

    #[test]
    fn a_national_deadline_is_met_by_a_round_submitted_against_it_and_not_by_another() {
        let mut submitted = round(1, "final-plans");
        submitted.submitted_at = Some(datetime!(2014-04-08 10:00 UTC));
        let mut other = round(1, "draft-plans");
        other.opened_at = datetime!(2014-02-01 09:00 UTC);
        let facts = Facts {
            plans: vec![plan(1, 10)],
            rounds: vec![submitted, other],
            ..Facts::default()
        };
        let areas = assemble(&facts);
        let kent = &areas[&10];
        let final_plans = kent
            .iter()
            .find(|d| d.reference.text() == "national:1:final-plans")
            .expect("the final plans deadline");
        assert_eq!(
            final_plans.met.as_ref().map(Met::on),
            Some(date!(2014 - 04 - 08))
        );
        assert_eq!(
            final_plans.standing(date!(2014 - 04 - 10)),
            Standing::Met {
                on: date!(2014 - 04 - 08),
                late_by: 4
            }
        );
        let draft = kent
            .iter()
            .find(|d| d.reference.text() == "national:1:draft-plans")
            .expect("the draft plans deadline");
        assert_eq!(draft.met, None, "opened but never submitted");
        assert_eq!(draft.rag(date!(2014 - 04 - 10)), Rag::Red);
        assert_eq!(kent.len(), 2, "deadlines only, not milestones");
        assert!(
            kent.windows(2).all(|pair| pair[0].due <= pair[1].due),
            "by due day"
        );
    }

    #[test]
    fn a_deadline_done_by_hand_is_met_on_the_day_given_and_a_local_one_by_its_event() {
        let mut approved = plan(1, 10);
        approved.approved_at = Some(datetime!(2014-03-26 18:00 UTC));
        let local = |id, met_by, plan_id| LocalFacts {
            id,
            area_id: 10,
            title: format!("Local {id}"),
            due: date!(2014 - 03 - 31),
            met_by,
            plan_id,
            notes: String::new(),
            version: 1,
        };
        let facts = Facts {
            plans: vec![approved],
            rounds: vec![round(1, "final-plans")],
            locals: vec![
                local(5, MetBy::Manual, None),
                local(6, MetBy::BoardApproved, Some(1)),
                local(7, MetBy::Submitted, Some(1)),
                local(8, MetBy::RoundOpened, Some(1)),
            ],
            done: vec![
                DoneFacts {
                    area_id: 10,
                    deadline: DeadlineRef::Local { id: 5 },
                    on: date!(2014 - 03 - 20),
                    by: "Kent area lead".to_owned(),
                    note: String::new(),
                },
                DoneFacts {
                    area_id: 10,
                    deadline: DeadlineRef::National {
                        plan_id: 1,
                        key: "section-75".to_owned(),
                    },
                    on: date!(2015 - 03 - 01),
                    by: "Kent area lead".to_owned(),
                    note: "Signed".to_owned(),
                },
            ],
        };
        let areas = assemble(&facts);
        let kent = &areas[&10];
        assert_eq!(
            find(kent, "Local 5").met.as_ref().map(Met::on),
            Some(date!(2014 - 03 - 20))
        );
        assert_eq!(
            find(kent, "Local 6").met.as_ref().map(Met::on),
            Some(date!(2014 - 03 - 26))
        );
        assert_eq!(find(kent, "Local 7").met, None, "not submitted");
        assert_eq!(
            find(kent, "Local 8").met.as_ref().map(Met::on),
            Some(date!(2014 - 03 - 25))
        );
        assert!(find(kent, "Local 5").rule.by_hand());
        assert!(!find(kent, "Local 6").rule.by_hand());
    }

    #[test]
    fn references_read_back() {
        for text in ["national:12:final-plans", "local:7", "national:3:a:b"] {
            assert_eq!(
                DeadlineRef::parse(text).map(|r| r.text()).as_deref(),
                Some(text)
            );
        }
        for text in [
            "",
            "local:",
            "local:x",
            "national:1",
            "national:x:key",
            "other:1",
        ] {
            assert_eq!(DeadlineRef::parse(text), None, "{text}");
        }
    }
}
