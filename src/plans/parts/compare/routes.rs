//! The comparison page: this plan beside the area's plan of another cycle (by default the last
//! cycle's), read-only, for anyone who can see the plan.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::{
    Change, FundingComparison, MetricComparison, MetricSide, OtherPlan, SpendComparison,
    compare_funding, compare_metrics, compare_spend, compared_years, is_earlier, previous_plan,
    store,
};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::parts::{funding, metrics};
use crate::plans::store::PlanSummary;
use crate::plans::templates::structure::CycleStructure;
use crate::web::extract::{Path, Query};
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![get("/areas/{slug}/plans/{plan}/compare", compare_page)]
}

/// `?with=<plan key>`: the plan to compare with, instead of the last cycle's.
#[derive(Deserialize)]
struct CompareQuery {
    with: Option<String>,
}

/// A change as a cell shows it: the signs for the eye, words for a screen reader.
struct ChangeCell {
    shown: String,
    spoken: String,
}

impl From<Change> for ChangeCell {
    fn from(change: Change) -> Self {
        ChangeCell {
            shown: change.shown(),
            spoken: change.spoken(),
        }
    }
}

struct StreamLine {
    name: String,
    /// "Called … in …" when the earlier cycle named it differently.
    earlier_name: String,
    /// "new" or "no longer" (in the later cycle); empty when in both.
    status: &'static str,
    /// None: the stream is not in that cycle.
    earlier: Option<String>,
    later: Option<String>,
    change: Option<ChangeCell>,
}

struct FundingView {
    rows: Vec<StreamLine>,
    earlier_total: String,
    later_total: String,
    change: ChangeCell,
}

fn funding_view(comparison: FundingComparison) -> FundingView {
    FundingView {
        rows: comparison
            .rows
            .into_iter()
            .map(|row| StreamLine {
                status: match (row.earlier, row.later) {
                    (None, _) => "new",
                    (_, None) => "no longer",
                    _ => "",
                },
                earlier: row.earlier.map(|money| money.to_string()),
                later: row.later.map(|money| money.to_string()),
                change: row.change.map(ChangeCell::from),
                earlier_name: row.earlier_name.unwrap_or_default(),
                name: row.name,
            })
            .collect(),
        earlier_total: comparison.earlier_total.to_string(),
        later_total: comparison.later_total.to_string(),
        change: comparison.change.into(),
    }
}

struct YearLine {
    plan: String,
    year: String,
    total: String,
    compared: bool,
}

struct TypeLine {
    label: &'static str,
    earlier: String,
    later: String,
    change: ChangeCell,
}

struct SpendView {
    years: Vec<YearLine>,
    types: Vec<TypeLine>,
    earlier_total: String,
    later_total: String,
    change: ChangeCell,
}

fn spend_view(comparison: SpendComparison, earlier: &str, later: &str) -> SpendView {
    SpendView {
        years: comparison
            .years
            .into_iter()
            .map(|year| YearLine {
                plan: if year.later_plan { later } else { earlier }.to_owned(),
                year: year.year.label,
                total: year.total.to_string(),
                compared: year.compared,
            })
            .collect(),
        types: comparison
            .by_type
            .into_iter()
            .map(|row| TypeLine {
                label: row.scheme_type.label(),
                earlier: row.earlier.to_string(),
                later: row.later.to_string(),
                change: row.change.into(),
            })
            .collect(),
        earlier_total: comparison.earlier_total.to_string(),
        later_total: comparison.later_total.to_string(),
        change: comparison.change.into(),
    }
}

/// One plan's figures for a metric, as cells.
struct MetricCells {
    baseline: String,
    baseline_period: String,
    goal: String,
    goal_period: String,
    unit: String,
}

fn metric_cells(side: MetricSide) -> MetricCells {
    MetricCells {
        baseline: side
            .baseline
            .as_ref()
            .map_or_else(|| "Not set".to_owned(), |b| b.value.to_string()),
        baseline_period: side.baseline.map(|b| b.period).unwrap_or_default(),
        goal: side
            .final_goal
            .map_or_else(|| "Not set".to_owned(), |goal| goal.to_string()),
        goal_period: side.final_period.unwrap_or_default(),
        unit: side.unit,
    }
}

struct MetricLine {
    name: String,
    earlier_name: String,
    earlier: MetricCells,
    later: MetricCells,
    /// "−20 (−2.6%), an improvement"; empty when either final goal is missing.
    change: String,
}

struct MetricsView {
    rows: Vec<MetricLine>,
    only_earlier: Vec<String>,
    only_later: Vec<String>,
}

fn metrics_view(comparison: MetricComparison) -> MetricsView {
    MetricsView {
        rows: comparison
            .matched
            .into_iter()
            .map(|row| MetricLine {
                name: row.name,
                earlier_name: row.earlier_name.unwrap_or_default(),
                earlier: metric_cells(row.earlier),
                later: metric_cells(row.later),
                change: row
                    .change
                    .map(|change| change.describe())
                    .unwrap_or_default(),
            })
            .collect(),
        only_earlier: comparison.only_earlier,
        only_later: comparison.only_later,
    }
}

/// The two plans compared, the earlier first, and what they hold side by side.
struct Comparison {
    earlier_name: String,
    later_name: String,
    earlier_year: String,
    later_year: String,
    /// Whether the earlier of the two is the plan whose page this is.
    this_is_earlier: bool,
    funding: FundingView,
    spend: SpendView,
    metrics: MetricsView,
}

/// A plan the page may be compared with instead.
struct Alternative {
    name: String,
    url: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "plans/parts/compare/page.html")]
struct ComparePage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    /// None: the area has no other plan (or none earlier, without `?with=`).
    comparison: Option<Comparison>,
    alternatives: Vec<Alternative>,
}

/// The figures one plan brings to the comparison.
struct Figures {
    name: String,
    structure: Arc<CycleStructure>,
    lines: Vec<funding::FundingLine>,
    spend: Vec<super::TypeSpend>,
    goals: Vec<metrics::MetricGoals>,
}

async fn figures(
    state: &AppState,
    plan_id: crate::plans::PlanId,
    name: String,
    structure: Arc<CycleStructure>,
) -> Result<Figures, AppError> {
    Ok(Figures {
        lines: funding::store::lines(&state.pool, plan_id).await?,
        spend: store::spend_by_type(&state.pool, plan_id).await?,
        goals: metrics::store::current_goals(&state.pool, plan_id).await?,
        name,
        structure,
    })
}

fn compare(this: Figures, other: Figures) -> Comparison {
    let this_is_earlier = is_earlier(&this.structure, &other.structure);
    let (earlier, later) = if this_is_earlier {
        (this, other)
    } else {
        (other, this)
    };
    let (earlier_year, later_year) = compared_years(&earlier.structure, &later.structure);
    let earlier_year = earlier_year.map(|y| y.label.clone()).unwrap_or_default();
    let later_year = later_year.map(|y| y.label.clone()).unwrap_or_default();
    Comparison {
        funding: funding_view(compare_funding(
            &earlier.structure,
            &earlier.lines,
            &later.structure,
            &later.lines,
        )),
        spend: spend_view(
            compare_spend(
                &earlier.structure,
                &earlier.spend,
                &later.structure,
                &later.spend,
            ),
            &earlier.name,
            &later.name,
        ),
        metrics: metrics_view(compare_metrics(
            &earlier.structure,
            &earlier.goals,
            &later.structure,
            &later.goals,
        )),
        earlier_name: earlier.name,
        later_name: later.name,
        earlier_year,
        later_year,
        this_is_earlier,
    }
}

async fn compare_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let PlanInCycle {
        area,
        plan,
        structure,
        approval,
    } = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let others = store::other_plans(&state.pool, area.id, plan.id).await?;
    let chosen: Option<&OtherPlan> = match query.with.as_deref() {
        Some(key) => Some(
            others
                .iter()
                .find(|other| other.key == key)
                .ok_or(AppError::NotFound)?,
        ),
        None => previous_plan(&structure, &others),
    };
    let base = format!("/areas/{}/plans/{}/compare", area.slug, plan.template_key);
    let alternatives = others
        .iter()
        .map(|other| Alternative {
            name: other.name.clone(),
            url: format!("{base}?with={}", other.key),
            current: chosen.is_some_and(|chosen| chosen.key == other.key),
        })
        .collect();
    let comparison = match chosen {
        None => None,
        Some(other) => {
            let this = figures(&state, plan.id, plan.template_name.clone(), structure).await?;
            let that = figures(
                &state,
                other.id,
                other.name.clone(),
                Arc::new(other.structure.clone()),
            )
            .await?;
            Some(compare(this, that))
        }
    };
    page::ok(&ComparePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        approval,
        area,
        plan,
        part: "compare",
        comparison,
        alternatives,
    })
}
