//! The programme dashboard (`/programme`): every area the viewer may see against the national
//! deadlines of one cycle, with its plan's sign-off state and its next local deadline;
//! filtered by region, plan state and colour, sorted overdue first or by name. A fixed number
//! of queries however many areas: the areas, the cycles, the plans' states, and the deadlines
//! of all the areas at once; only the first two while the table is kept (`deadlines::kept`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::AppState;
use crate::areas::visible_areas;
use crate::audit::change::summary_changes;
use crate::auth::extract::SignedIn;
use crate::deadlines::dashboard::{self, AreaInfo, Cell, Column, Filters, PlanState, Row, Sort};
use crate::deadlines::kept::KeptTable;
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
    let (visible, sees_all_areas) = visible_areas(&state.pool, user).await?;
    let areas: Vec<AreaInfo> = visible.into_iter().map(AreaInfo::from).collect();
    let area_ids: Vec<i64> = areas.iter().map(|area| area.id).collect();

    // The cycle asked for, else the newest whose structure has deadlines.
    let cycles = cycles(&state.pool, &state.structures).await?;
    let typed = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_owned();
    let asked = typed(&query.cycle);
    let chosen = cycles
        .iter()
        .find(|cycle| cycle.key == asked)
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

    let (region, state_key, rag_key, sort_key) = (
        typed(&query.region),
        typed(&query.state),
        typed(&query.rag),
        typed(&query.sort),
    );
    let region_names = dashboard::regions(&areas);
    let filters = Filters {
        region: region_names.iter().find(|name| **name == region).cloned(),
        state: PlanState::parse(&state_key),
        rag: Rag::parse(&rag_key),
        sort: Sort::parse(&sort_key).unwrap_or_default(),
    };
    let today = format::in_london(state.clock.now()).date();
    // Everything the table is made from besides the facts read below.
    let seen = if sees_all_areas {
        "all".to_owned()
    } else {
        format!("{area_ids:?}")
    };
    let key = format!("{cycle_key}|{seen}|{filters:?}|{today}");
    let table = match state.dashboard.fresh(&key, changes) {
        Some(kept) => kept,
        None => {
            let plans: BTreeMap<i64, (i64, Option<_>)> =
                standings_of_areas(&state.pool, &area_ids, &cycle_key)
                    .await?
                    .into_iter()
                    .map(|plan| (plan.area_id, (plan.plan_id, plan.state)))
                    .collect();
            let deadlines =
                crate::deadlines::of_areas(&state.pool, &state.structures, &area_ids).await?;
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
            let table = KeptTable {
                shown: html.shown,
                total,
                part: Arc::new(KeptPart::new(
                    html.render()
                        .map_err(|error| AppError::Internal(error.into()))?,
                )),
            };
            state.dashboard.keep(key, changes, read_at, table.clone());
            table
        }
    };

    let page = DashboardPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        errors: FormErrors::new(),
        sees_all_areas,
        cycle_name,
        today: format::date(today),
        cycles: cycles
            .iter()
            .map(|cycle| Choice::new(&cycle.key, cycle.name.clone(), &cycle_key))
            .collect(),
        regions: choice::prompted(
            "All regions",
            region_names.iter().map(|name| (name.clone(), name.clone())),
            filters.region.as_deref().unwrap_or_default(),
        ),
        states: choice::keyed_prompted::<PlanState>(
            "All states",
            filters.state.map(PlanState::key).unwrap_or_default(),
        ),
        rags: choice::keyed_prompted::<Rag>(
            "All colours",
            filters.rag.map(Rag::key).unwrap_or_default(),
        ),
        sorts: choice::keyed::<Sort>(filters.sort.key()),
        table: kept_part::MARKER,
    };
    kept_part::ok_with(&page, &table.part, &headers)
}

fn column_view(column: &Column) -> ColumnView {
    ColumnView {
        title: column.title.clone(),
        due: format::date(column.due),
    }
}
