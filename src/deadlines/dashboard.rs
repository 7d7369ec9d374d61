//! The programme dashboard, pure: one row per area with a cell for each national deadline of
//! one cycle, the plan's sign-off state and the area's next local deadline; a row's colour is
//! its worst cell's; filters (region, plan state, colour) and sorting (overdue first, or by
//! name). The handler reads; this decides.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use time::Date;

use super::model::{Deadline, DeadlineRef};
use super::rag::{Rag, Standing};
use crate::keyed::keyed_enum;
use crate::plans::templates::structure::{CycleStructure, DateKind};
use crate::signoff::state::RoundState;

keyed_enum! {
    /// Where an area's plan of the cycle stands in sign-off, as the dashboard shows and filters it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PlanState {
        NoPlan = ("no-plan", "No plan"),
        Drafting = ("drafting", "Drafting"),
        PartnerSignOff = ("partner-sign-off", "Partner sign-off"),
        BoardApproval = ("board-approval", "Board approval"),
        ReadyToSubmit = ("ready-to-submit", "Ready to submit"),
        Submitted = ("submitted", "Submitted"),
        Assured = ("assured", "Assured"),
    }
}

impl PlanState {
    /// The state of a plan whose newest round is in `round` (none: never sent for sign-off).
    pub fn of_round(round: Option<RoundState>) -> PlanState {
        match round {
            None
            | Some(
                RoundState::Withdrawn
                | RoundState::Declined
                | RoundState::NotApproved
                | RoundState::Superseded,
            ) => PlanState::Drafting,
            Some(RoundState::PartnerSignOff) => PlanState::PartnerSignOff,
            Some(RoundState::BoardApproval) => PlanState::BoardApproval,
            Some(RoundState::ReadyToSubmit) => PlanState::ReadyToSubmit,
            Some(RoundState::Submitted) => PlanState::Submitted,
            Some(RoundState::Assured) => PlanState::Assured,
        }
    }
}

keyed_enum! {
    /// The order of the rows.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    pub enum Sort {
        #[default]
        Overdue = ("overdue", "Overdue first"),
        Name = ("name", "Area name"),
    }
}

/// A national deadline of the cycle: a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub key: String,
    pub title: String,
    pub due: Date,
}

/// The cycle's national deadlines, by due day.
pub fn columns(structure: &CycleStructure) -> Vec<Column> {
    let mut columns: Vec<Column> = structure
        .dates()
        .iter()
        .filter(|date| date.kind == DateKind::Deadline)
        .map(|date| Column {
            key: date.key.clone(),
            title: date.title.clone(),
            due: date.date,
        })
        .collect();
    columns.sort_by(|a, b| (a.due, &a.title).cmp(&(b.due, &b.title)));
    columns
}

/// An area, as a row needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaInfo {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub region: Option<String>,
}

impl From<crate::areas::store::AreaSummary> for AreaInfo {
    fn from(area: crate::areas::store::AreaSummary) -> AreaInfo {
        AreaInfo {
            id: area.id.get(),
            slug: area.slug,
            name: area.name,
            region: area.region,
        }
    }
}

/// Where one deadline of an area stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub due: Date,
    pub standing: Standing,
}

impl Cell {
    pub fn rag(&self) -> Rag {
        self.standing.rag()
    }

    pub fn words(&self) -> String {
        self.standing.words()
    }

    fn overdue_days(&self) -> i64 {
        match self.standing {
            Standing::Overdue { days } => days,
            _ => 0,
        }
    }
}

/// The area's next local deadline not yet met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalCell {
    pub title: String,
    pub cell: Cell,
}

/// One area's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub area: AreaInfo,
    /// Its plan of the cycle: the plan's id (none: no plan) and its state.
    pub plan_id: Option<i64>,
    pub state: PlanState,
    /// One per column; none where the area has no plan of the cycle or its plan's dates lack
    /// that deadline.
    pub cells: Vec<Option<Cell>>,
    pub next_local: Option<LocalCell>,
    /// Its worst cell's colour (none: no cell at all).
    pub rag: Option<Rag>,
    /// The most days any of its cells is overdue (0: none is).
    pub overdue_days: i64,
}

/// The areas' rows for the cycle with `columns`: `plans` gives each area's plan of the cycle
/// (area id → plan id and the state of its newest round).
pub fn rows(
    areas: &[AreaInfo],
    columns: &[Column],
    plans: &BTreeMap<i64, (i64, Option<RoundState>)>,
    deadlines: &BTreeMap<i64, Vec<Deadline>>,
    today: Date,
) -> Vec<Row> {
    let none = Vec::new();
    areas
        .iter()
        .map(|area| {
            let own = deadlines.get(&area.id).unwrap_or(&none);
            let plan = plans.get(&area.id);
            let cell_of = |deadline: &Deadline| Cell {
                due: deadline.due,
                standing: deadline.standing(today),
            };
            let cells: Vec<Option<Cell>> = columns
                .iter()
                .map(|column| {
                    let (plan_id, _) = plan?;
                    own.iter()
                        .find(|deadline| match &deadline.reference {
                            DeadlineRef::National { plan_id: of, key } => {
                                of == plan_id && *key == column.key
                            }
                            DeadlineRef::Local { .. } => false,
                        })
                        .map(cell_of)
                })
                .collect();
            let next_local = own
                .iter()
                .filter(|deadline| !deadline.is_national() && deadline.met.is_none())
                .min_by(|a, b| (a.due, &a.title).cmp(&(b.due, &b.title)))
                .map(|deadline| LocalCell {
                    title: deadline.title.clone(),
                    cell: cell_of(deadline),
                });
            let all = || {
                cells
                    .iter()
                    .flatten()
                    .chain(next_local.iter().map(|local| &local.cell))
            };
            Row {
                area: area.clone(),
                plan_id: plan.map(|(id, _)| *id),
                state: plan.map_or(PlanState::NoPlan, |(_, round)| PlanState::of_round(*round)),
                rag: all().map(Cell::rag).min(),
                overdue_days: all().map(Cell::overdue_days).max().unwrap_or(0),
                cells,
                next_local,
            }
        })
        .collect()
}

/// What the rows are narrowed to, and their order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub region: Option<String>,
    pub state: Option<PlanState>,
    /// Rows whose worst cell has this colour.
    pub rag: Option<Rag>,
    pub sort: Sort,
}

impl Filters {
    fn keeps(&self, row: &Row) -> bool {
        self.region
            .as_ref()
            .is_none_or(|region| row.area.region.as_ref() == Some(region))
            && self.state.is_none_or(|state| row.state == state)
            && self.rag.is_none_or(|rag| row.rag == Some(rag))
    }
}

/// The rows `filters` keeps, in its order: overdue first (worst colour, then most days overdue,
/// then name; rows with no colour last), or by area name.
pub fn select(rows: Vec<Row>, filters: &Filters) -> Vec<Row> {
    let mut kept: Vec<Row> = rows.into_iter().filter(|row| filters.keeps(row)).collect();
    match filters.sort {
        Sort::Overdue => kept.sort_by(|a, b| {
            let key = |row: &Row| {
                (
                    row.rag.is_none(),
                    row.rag,
                    Reverse(row.overdue_days),
                    row.area.name.to_lowercase(),
                )
            };
            key(a).cmp(&key(b))
        }),
        Sort::Name => kept.sort_by_key(|row| row.area.name.to_lowercase()),
    }
    kept
}

/// The distinct regions of `areas`, by name.
pub fn regions(areas: &[AreaInfo]) -> Vec<String> {
    let mut regions: Vec<String> = areas.iter().filter_map(|a| a.region.clone()).collect();
    regions.sort();
    regions.dedup();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadlines::model::{Met, MetBy, Rule};
    use time::macros::date;

    const TODAY: Date = date!(2014 - 03 - 25);

    fn area(id: i64, name: &str, region: &str) -> AreaInfo {
        AreaInfo {
            id,
            slug: name.to_lowercase(),
            name: name.to_owned(),
            region: Some(region.to_owned()),
        }
    }

    fn columns() -> Vec<Column> {
        vec![
            Column {
                key: "draft-plans".into(),
                title: "Draft plans due".into(),
                due: date!(2014 - 02 - 14),
            },
            Column {
                key: "final-plans".into(),
                title: "Final plans due".into(),
                due: date!(2014 - 04 - 04),
            },
        ]
    }

    fn national(area_id: i64, plan_id: i64, key: &str, due: Date, met: Option<Met>) -> Deadline {
        Deadline {
            reference: DeadlineRef::National {
                plan_id,
                key: key.to_owned(),
            },
            area_id,
            title: key.to_owned(),
            due,
            plan: Some(("2014-16".into(), "ITF".into())),
            rule: Rule::NationalSubmission,
            met,
            local: None,
        }
    }

    fn local(area_id: i64, id: i64, title: &str, due: Date) -> Deadline {
        Deadline {
            reference: DeadlineRef::Local { id },
            area_id,
            title: title.to_owned(),
            due,
            plan: None,
            rule: Rule::Local(MetBy::Manual),
            met: None,
            local: Some((String::new(), 1)),
        }
    }

    fn met_on(day: Date) -> Option<Met> {
        Some(Met::ByHand {
            on: day,
            by: "Lead".into(),
            note: String::new(),
        })
    }

    /// Kent: draft met, final due in 10 days (amber). Rotherham: draft 39 days overdue (red).
    /// Barnsley: both met (green). Dorset: no plan, nothing local. Essex: no plan, a local
    /// deadline 2 days overdue (red).
    fn sample() -> Vec<Row> {
        let areas = vec![
            area(1, "Kent", "South East"),
            area(2, "Rotherham", "North East and Yorkshire"),
            area(3, "Barnsley", "North East and Yorkshire"),
            area(4, "Dorset", "South West"),
            area(5, "Essex", "East of England"),
        ];
        let plans = BTreeMap::from([
            (1, (10, Some(RoundState::PartnerSignOff))),
            (2, (20, None)),
            (3, (30, Some(RoundState::Submitted))),
        ]);
        let deadlines = BTreeMap::from([
            (
                1,
                vec![
                    national(1, 10, "draft-plans", date!(2014 - 02 - 14), met_on(TODAY)),
                    national(1, 10, "final-plans", date!(2014 - 04 - 04), None),
                    local(1, 7, "Board meeting", date!(2014 - 05 - 01)),
                ],
            ),
            (
                2,
                vec![
                    national(2, 20, "draft-plans", date!(2014 - 02 - 14), None),
                    national(2, 20, "final-plans", date!(2014 - 04 - 04), None),
                ],
            ),
            (
                3,
                vec![
                    national(3, 30, "draft-plans", date!(2014 - 02 - 14), met_on(TODAY)),
                    national(3, 30, "final-plans", date!(2014 - 04 - 04), met_on(TODAY)),
                ],
            ),
            (5, vec![local(5, 8, "Risk register", date!(2014 - 03 - 23))]),
        ]);
        rows(&areas, &columns(), &plans, &deadlines, TODAY)
    }

    fn names(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|row| row.area.name.as_str()).collect()
    }

    #[test]
    fn each_cell_has_its_colour_and_words_and_a_row_its_worst() {
        let rows = sample();
        let kent = &rows[0];
        assert_eq!(kent.state, PlanState::PartnerSignOff);
        let cell = |row: &Row, n: usize| row.cells[n].map(|c| (c.rag(), c.words()));
        assert_eq!(cell(kent, 0), Some((Rag::Green, "Met 39 days late".into())));
        assert_eq!(cell(kent, 1), Some((Rag::Amber, "Due in 10 days".into())));
        assert_eq!(
            kent.next_local.as_ref().map(|l| l.title.as_str()),
            Some("Board meeting")
        );
        assert_eq!(kent.rag, Some(Rag::Amber));
        let rotherham = &rows[1];
        assert_eq!(rotherham.state, PlanState::Drafting);
        assert_eq!(
            cell(rotherham, 0),
            Some((Rag::Red, "39 days overdue".into()))
        );
        assert_eq!(
            (rotherham.rag, rotherham.overdue_days),
            (Some(Rag::Red), 39)
        );
        assert_eq!(rows[2].rag, Some(Rag::Green));
        let dorset = &rows[3];
        assert_eq!(dorset.state, PlanState::NoPlan);
        assert_eq!(dorset.cells, vec![None, None]);
        assert_eq!(dorset.rag, None);
        assert_eq!((rows[4].rag, rows[4].overdue_days), (Some(Rag::Red), 2));
    }

    #[test]
    fn overdue_first_puts_the_worst_and_longest_overdue_on_top() {
        let sorted = select(sample(), &Filters::default());
        assert_eq!(
            names(&sorted),
            ["Rotherham", "Essex", "Kent", "Barnsley", "Dorset"]
        );
        let by_name = select(
            sample(),
            &Filters {
                sort: Sort::Name,
                ..Filters::default()
            },
        );
        assert_eq!(
            names(&by_name),
            ["Barnsley", "Dorset", "Essex", "Kent", "Rotherham"]
        );
    }

    #[test]
    fn filters_narrow_by_region_state_and_colour() {
        let with = |filters: Filters| names(&select(sample(), &filters)).join(", ");
        assert_eq!(
            with(Filters {
                region: Some("North East and Yorkshire".into()),
                ..Filters::default()
            }),
            "Rotherham, Barnsley"
        );
        assert_eq!(
            with(Filters {
                state: Some(PlanState::NoPlan),
                ..Filters::default()
            }),
            "Essex, Dorset"
        );
        assert_eq!(
            with(Filters {
                rag: Some(Rag::Red),
                ..Filters::default()
            }),
            "Rotherham, Essex"
        );
        assert_eq!(
            with(Filters {
                rag: Some(Rag::Amber),
                region: Some("South East".into()),
                state: Some(PlanState::PartnerSignOff),
                sort: Sort::Name,
            }),
            "Kent"
        );
    }

    #[test]
    fn a_plan_state_comes_from_its_newest_round() {
        assert_eq!(PlanState::of_round(None), PlanState::Drafting);
        assert_eq!(
            PlanState::of_round(Some(RoundState::Withdrawn)),
            PlanState::Drafting
        );
        assert_eq!(
            PlanState::of_round(Some(RoundState::Assured)),
            PlanState::Assured
        );
    }

    #[test]
    fn regions_are_listed_once_each() {
        let areas = [
            area(1, "Kent", "South East"),
            area(2, "Surrey", "South East"),
            area(3, "Rotherham", "North East and Yorkshire"),
        ];
        assert_eq!(regions(&areas), ["North East and Yorkshire", "South East"]);
    }
}
