//! The national view (`/national`, assurers and administrators): every area's plan of one
//! cycle in one table with a totals row, filtered by region, plan state and timeliness; and the
//! same rows as CSV (`/national.csv`) and Excel (`/national.xlsx`).

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::{NationalQuery, NotSelected, Selected, Selection};
use crate::AppState;
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::deadlines::dashboard::PlanState;
use crate::national::cache::RenderedTable;
use crate::national::export;
use crate::national::table::{MetricCell, Punctuality, Row};
use crate::web::choice::{self, Choice};
use crate::web::extract::Query;
use crate::web::kept_part::{self, KeptPart};
use crate::web::money::Pence;
use crate::web::routes::{Route, get};
use crate::web::{AppError, FormErrors, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/national", show),
        get("/national.csv", csv),
        get("/national.xlsx", xlsx),
    ]
}

/// Only those who oversee every area see the national view: others get 403.
fn authorise(signed_in: &SignedIn) -> Result<(), AppError> {
    match policy::decide(
        &signed_in.user.principal(),
        Action::ViewNationalAggregation,
        Target::everywhere(),
    ) {
        Decision::Allow => Ok(()),
        Decision::Forbidden | Decision::NotFound => Err(AppError::Forbidden),
    }
}

async fn load(state: &AppState, query: &NationalQuery) -> Result<Selection, AppError> {
    match Selection::load(
        &state.pool,
        &state.national,
        &state.structures,
        query,
        false,
    )
    .await
    {
        Ok(selection) => Ok(selection),
        Err(NotSelected::Database(error)) => Err(error.into()),
        // No template at all: nothing to show.
        Err(NotSelected::NoSuchTemplate | NotSelected::BadFilter(_)) => Err(AppError::NotFound),
    }
}

/// A metric of a row as shown.
struct MetricView {
    baseline: String,
    goal: String,
    change: String,
}

impl MetricView {
    fn of(cell: &MetricCell) -> MetricView {
        MetricView {
            baseline: cell
                .baseline
                .as_ref()
                .map(|b| format!("{} ({})", b.value, b.period))
                .unwrap_or_default(),
            goal: cell
                .goal
                .as_ref()
                .map(|(period, value)| format!("{value} ({period})"))
                .unwrap_or_default(),
            change: cell.change.map(|c| c.describe()).unwrap_or_default(),
        }
    }
}

struct RowView {
    name: String,
    slug: String,
    region: String,
    state: &'static str,
    plan_url: Option<String>,
    pooled: Vec<String>,
    spend: Vec<String>,
    metrics: Vec<MetricView>,
    submitted: String,
    punctuality: String,
    /// The tag's colour for the timeliness ("" for none).
    tag: &'static str,
}

fn money(amount: &Option<Pence>) -> String {
    amount.map(|amount| amount.to_string()).unwrap_or_default()
}

impl RowView {
    fn of(row: &Row, cycle: &str) -> RowView {
        RowView {
            name: row.area.name.clone(),
            slug: row.area.slug.clone(),
            region: row.area.region.clone().unwrap_or_default(),
            state: row.state.label(),
            plan_url: row
                .has_plan
                .then(|| format!("/areas/{}/plans/{cycle}", row.area.slug)),
            pooled: row.pooled.iter().map(money).collect(),
            spend: row.spend.iter().map(money).collect(),
            metrics: row.metrics.iter().map(MetricView::of).collect(),
            submitted: row.submitted_on().map(format::date).unwrap_or_default(),
            punctuality: row.punctuality_words(),
            tag: match row.punctuality() {
                Some(Punctuality::OnTime) => "green",
                Some(Punctuality::Late) => "red",
                Some(Punctuality::NotSubmitted) | None => "grey",
            },
        }
    }
}

#[derive(Template)]
#[template(path = "national/national.html")]
struct NationalPage {
    layout: Layout,
    errors: FormErrors,
    cycle_name: String,
    cycles: Vec<Choice>,
    regions: Vec<Choice>,
    states: Vec<Choice>,
    timeliness: Vec<Choice>,
    shown: usize,
    total: usize,
    /// The query string of the exports: the same cycle and filters.
    export_query: String,
    /// Where `NationalTable`, as rendered (or kept) for these filters, goes.
    table: &'static str,
}

/// The table of the rows selected: the same for everyone, so kept with the cycle's facts.
#[derive(Template)]
#[template(path = "national/table.html")]
struct NationalTable {
    cycle_name: String,
    years: Vec<String>,
    metrics: Vec<String>,
    rows: Vec<RowView>,
    total_pooled: Vec<String>,
    total_spend: Vec<String>,
    shown: usize,
}

impl NationalTable {
    fn of(selection: &Selection, selected: &Selected) -> NationalTable {
        NationalTable {
            cycle_name: selection.name.clone(),
            years: selection
                .structure
                .years()
                .iter()
                .map(|year| year.label.clone())
                .collect(),
            metrics: selection
                .structure
                .metrics()
                .iter()
                .map(|metric| metric.name.clone())
                .collect(),
            rows: selected
                .rows
                .iter()
                .map(|row| RowView::of(row, &selection.key))
                .collect(),
            total_pooled: selected
                .totals
                .pooled
                .iter()
                .map(ToString::to_string)
                .collect(),
            total_spend: selected
                .totals
                .spend
                .iter()
                .map(ToString::to_string)
                .collect(),
            shown: selected.rows.len(),
        }
    }
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NationalQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let selection = load(&state, &query).await?;
    let filters = &selection.filters;
    let export_query = NationalQuery {
        template: Some(selection.key.clone()),
        region: filters.region.clone(),
        state: filters.state.map(|state| state.key().to_owned()),
        timeliness: filters.punctuality.map(|p| p.key().to_owned()),
    }
    .query_string();
    // The kept table is the one rendered from these facts for this cycle, with this version of
    // its structure (a request that read the structure before a change may meet facts read
    // after it) and these filters. Only when none is kept are the rows worked out.
    let key = format!("{}|{}|{filters:?}", selection.key, selection.structure_id);
    let table = selection.kept.table(&key, || {
        let selected = selection.select();
        let html = NationalTable::of(&selection, &selected)
            .render()
            .map_err(|error| AppError::Internal(error.into()))?;
        Ok::<_, AppError>(RenderedTable {
            part: KeptPart::new(html),
            rows: selected.rows.len(),
        })
    })?;
    let page = NationalPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        errors: FormErrors::new(),
        cycle_name: selection.name.clone(),
        cycles: selection
            .cycles
            .iter()
            .map(|(key, name)| Choice::new(key, name.clone(), &selection.key))
            .collect(),
        regions: choice::prompted(
            "All regions",
            selection
                .regions
                .iter()
                .map(|name| (name.clone(), name.clone())),
            filters.region.as_deref().unwrap_or_default(),
        ),
        states: choice::keyed_prompted::<PlanState>(
            "All states",
            filters.state.map(PlanState::key).unwrap_or_default(),
        ),
        timeliness: choice::keyed_prompted::<Punctuality>(
            "On time, late or not submitted",
            filters
                .punctuality
                .map(Punctuality::key)
                .unwrap_or_default(),
        ),
        shown: table.rows,
        total: selection.total(),
        export_query,
        table: kept_part::MARKER,
    };
    kept_part::ok_with(&page, &table.part, &headers)
}

/// A file to save, named after the cycle and today: national-2014-16-2014-03-27.csv.
fn download(
    state: &AppState,
    selection: &Selection,
    extension: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let today = format::in_london(state.clock.now()).date();
    let name = format!(
        "national-{}-{}.{extension}",
        selection.key,
        crate::risks::content::iso(today)
    );
    page::attachment(&name, content_type, bytes)
}

/// The file formats of the exports.
#[derive(Clone, Copy)]
enum FileFormat {
    Csv,
    Xlsx,
}

async fn csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NationalQuery>,
) -> Result<Response, AppError> {
    export(state, signed_in, query, FileFormat::Csv).await
}

async fn xlsx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NationalQuery>,
) -> Result<Response, AppError> {
    export(state, signed_in, query, FileFormat::Xlsx).await
}

/// The rows `query` selects as a file to save.
async fn export(
    state: AppState,
    signed_in: SignedIn,
    query: NationalQuery,
    format: FileFormat,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let selection = load(&state, &query).await?;
    let selected = selection.select();
    let (headers, rows) = export::table(&selection.structure, &selected.rows, &selected.totals);
    let internal = |error: anyhow::Error| AppError::Internal(error);
    let (extension, content_type, bytes) = match format {
        FileFormat::Csv => (
            "csv",
            "text/csv; charset=utf-8",
            export::csv(&headers, &rows).map_err(|error| internal(error.into()))?,
        ),
        FileFormat::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            export::xlsx(&headers, &rows).map_err(|error| internal(error.into()))?,
        ),
    };
    Ok(download(&state, &selection, extension, content_type, bytes))
}
