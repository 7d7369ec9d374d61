//! The programme dashboard (`/programme`): every area the viewer may see against the national
//! deadlines of one cycle, with its plan's sign-off state and its next local deadline;
//! filtered by region, plan state and colour, sorted overdue first or by name. A fixed number
//! of queries however many areas: the areas, the cycles, the plans' states, and the deadlines
//! of all the areas at once; none while the table is kept (`deadlines::kept`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use time::Date;

use crate::AppState;
use crate::areas::{granted_areas, sees_all_areas, visible_areas};
use crate::audit::change::summary_changes;
use crate::auth::extract::SignedIn;
use crate::auth::session::SessionUser;
use crate::deadlines::dashboard::{self, AreaInfo, Cell, Column, Filters, PlanState, Row, Sort};
use crate::deadlines::kept::{KeptTable, TableChoices};
use crate::deadlines::rag::Rag;
use crate::plans::templates::kept::cycles;
use crate::signoff::store::rounds::standings_of_areas;
use crate::web::choice::{self, Choice};
use crate::web::extract::Query;
use crate::web::kept_part::{self, KeptPart};
use crate::web::routes::{Route, get};
use crate::web::{AppError, FormErrors, Layout, format};

pub fn routes() -> Vec<Route> {
    vec![get("/programme", show)]
}

#[derive(Deserialize)]
pub struct ProgrammeQuery {
    cycle: Option<String>,
    region: Option<String>,
    state: Option<String>,
    rag: Option<String>,
    sort: Option<String>,
}

/// A colour as shown: its key, its word and the tag's colour.
struct RagView {
    key: &'static str,
    label: &'static str,
    tag: &'static str,
}

impl RagView {
    fn of(rag: Rag) -> RagView {
        RagView {
            key: rag.key(),
            label: rag.label(),
            tag: rag.tag_colour(),
        }
    }
}

/// A cell as shown: its colour's word and tag, and how it stands.
struct CellView {
    rag_label: &'static str,
    tag: &'static str,
    words: String,
    due: String,
}

impl CellView {
    fn of(cell: &Cell) -> CellView {
        let rag = RagView::of(cell.rag());
        CellView {
            rag_label: rag.label,
            tag: rag.tag,
            words: cell.words(),
            due: format::date(cell.due),
        }
    }
}

struct ColumnView {
    title: String,
    due: String,
}

struct RowView {
    name: String,
    slug: String,
    region: String,
    state: &'static str,
    plan_url: Option<String>,
    rag: Option<RagView>,
    cells: Vec<Option<CellView>>,
    next_local: Option<(String, CellView)>,
}

impl RowView {
    fn of(row: &Row, cycle: &str) -> RowView {
        RowView {
            name: row.area.name.clone(),
            slug: row.area.slug.clone(),
            region: row.area.region.clone().unwrap_or_default(),
            state: row.state.label(),
            plan_url: row
                .plan_id
                .map(|_| format!("/areas/{}/plans/{cycle}", row.area.slug)),
            rag: row.rag.map(RagView::of),
            cells: row
                .cells
                .iter()
                .map(|cell| cell.as_ref().map(CellView::of))
                .collect(),
            next_local: row
                .next_local
                .as_ref()
                .map(|local| (local.title.clone(), CellView::of(&local.cell))),
        }
    }
}

#[derive(Template)]
#[template(path = "deadlines/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    errors: FormErrors,
    sees_all_areas: bool,
    cycle_name: String,
    today: String,
    cycles: Vec<Choice>,
    regions: Vec<Choice>,
    states: Vec<Choice>,
    rags: Vec<Choice>,
    sorts: Vec<Choice>,
    /// `DashboardTable` as rendered (or kept) for these areas, filters and day.
    /// Where the kept table goes.
    table: &'static str,
}

/// The count and the table of the rows selected.
#[derive(Template)]
#[template(path = "deadlines/dashboard_table.html")]
struct DashboardTable {
    cycle_name: String,
    columns: Vec<ColumnView>,
    rows: Vec<RowView>,
    shown: usize,
    total: usize,
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ProgrammeQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = &signed_in.user;
    // Counted before anything is read: a change committed after this makes the table read now
    // stale, not wrong.
    let changes = summary_changes();
    let read_at = Instant::now();
    let sees_all_areas = sees_all_areas(user);
    let asked = Asked::of(&query);
    let today = format::in_london(state.clock.now()).date();
    let key = table_key(&asked, user, sees_all_areas, today);
    let table = match state.dashboard.fresh(&key, changes) {
        Some(kept) => kept,
        None => {
            let table = read_table(&state, user, &asked, today).await?;
            state.dashboard.keep(key, changes, read_at, table.clone());
            table
        }
    };
    let choices = &table.choices;
    let page = DashboardPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        errors: FormErrors::new(),
        sees_all_areas,
        cycle_name: choices.cycle_name.clone(),
        today: format::date(today),
        cycles: choices.cycles.clone(),
        regions: choices.regions.clone(),
        states: choice::keyed_prompted::<PlanState>(
            "All states",
            asked.state.map(PlanState::key).unwrap_or_default(),
        ),
        rags: choice::keyed_prompted::<Rag>(
            "All colours",
            asked.rag.map(Rag::key).unwrap_or_default(),
        ),
        sorts: choice::keyed::<Sort>(asked.sort.key()),
        table: kept_part::MARKER,
    };
    kept_part::ok_with(&page, &table.part, &headers)
}

/// What the person asked for: the cycle and region as typed (they are checked against the
/// cycles and regions read with the table), the rest parsed.
struct Asked {
    cycle: String,
    region: String,
    state: Option<PlanState>,
    rag: Option<Rag>,
    sort: Sort,
}

impl Asked {
    fn of(query: &ProgrammeQuery) -> Asked {
        let typed = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_owned();
        Asked {
            cycle: typed(&query.cycle),
            region: typed(&query.region),
            state: PlanState::parse(&typed(&query.state)),
            rag: Rag::parse(&typed(&query.rag)),
            sort: Sort::parse(&typed(&query.sort)).unwrap_or_default(),
        }
    }
}

/// Everything a table is made from besides the facts it reads, told without a statement: what
/// was asked, whose areas (every area, or the ones the person holds a role in) and the day. A
/// key too long (`deadlines::kept::LONGEST_KEY`, from an odd address) is not kept.
fn table_key(asked: &Asked, user: &SessionUser, sees_all_areas: bool, today: Date) -> String {
    let seen = if sees_all_areas {
        "all".to_owned()
    } else {
        let mut areas = granted_areas(user);
        areas.sort();
        areas.dedup();
        format!("{areas:?}")
    };
    // Quoted, so that no two askings give one key.
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{seen}|{today}",
        asked.cycle, asked.region, asked.state, asked.rag, asked.sort
    )
}

/// The table and the choices above it, read afresh: the areas the person may see, the cycles,
/// and for the cycle chosen (the one asked for, else the newest whose structure has
/// deadlines) the plans' states and the areas' deadlines.
async fn read_table(
    state: &AppState,
    user: &SessionUser,
    asked: &Asked,
    today: Date,
) -> Result<KeptTable, AppError> {
    let (visible, _) = visible_areas(&state.pool, user).await?;
    let areas: Vec<AreaInfo> = visible.into_iter().map(AreaInfo::from).collect();
    let area_ids: Vec<i64> = areas.iter().map(|area| area.id).collect();
    let cycles = cycles(&state.pool, &state.structures).await?;
    let chosen = cycles
        .iter()
        .find(|cycle| cycle.key == asked.cycle)
        .or_else(|| {
            cycles
                .iter()
                .find(|cycle| !dashboard::columns(&cycle.structure).is_empty())
        })
        .or_else(|| cycles.first());
    let (cycle_key, cycle_name, columns) = match chosen {
        Some(cycle) => (
            cycle.key.clone(),
            cycle.name.clone(),
            dashboard::columns(&cycle.structure),
        ),
        None => (String::new(), String::new(), Vec::new()),
    };
    let region_names = dashboard::regions(&areas);
    let filters = Filters {
        region: region_names
            .iter()
            .find(|name| **name == asked.region)
            .cloned(),
        state: asked.state,
        rag: asked.rag,
        sort: asked.sort,
    };
    let plans: BTreeMap<i64, (i64, Option<_>)> =
        standings_of_areas(&state.pool, &area_ids, &cycle_key)
            .await?
            .into_iter()
            .map(|plan| (plan.area_id, (plan.plan_id, plan.state)))
            .collect();
    let deadlines = crate::deadlines::of_areas(&state.pool, &state.structures, &area_ids).await?;
    let all_rows = dashboard::rows(&areas, &columns, &plans, &deadlines, today);
    let total = all_rows.len();
    let rows: Vec<RowView> = dashboard::select(all_rows, &filters)
        .iter()
        .map(|row| RowView::of(row, &cycle_key))
        .collect();
    let html = DashboardTable {
        cycle_name: cycle_name.clone(),
        columns: columns.iter().map(column_view).collect(),
        shown: rows.len(),
        rows,
        total,
    };
    let choices = TableChoices {
        cycles: cycles
            .iter()
            .map(|cycle| Choice::new(&cycle.key, cycle.name.clone(), &cycle_key))
            .collect(),
        regions: choice::prompted(
            "All regions",
            region_names.iter().map(|name| (name.clone(), name.clone())),
            filters.region.as_deref().unwrap_or_default(),
        ),
        cycle_name,
    };
    Ok(KeptTable {
        shown: html.shown,
        total,
        part: Arc::new(KeptPart::new(
            html.render()
                .map_err(|error| AppError::Internal(error.into()))?,
        )),
        choices: Arc::new(choices),
    })
}

fn column_view(column: &Column) -> ColumnView {
    ColumnView {
        title: column.title.clone(),
        due: format::date(column.due),
    }
}
