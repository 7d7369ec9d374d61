//! The pages of the plan's metric goals: every metric with its current baseline, goals and
//! planned change; one metric with its goals form, the rationale and the earlier goals; and
//! saving, based on the version the form was opened on (409 when someone saved since).

use crate::areas::frozen::EditingClosed;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::store::{self, GoalVersion};
use super::{
    GoalForm, GoalSet, GoalSetId, MetricGoals, PlannedChange, Verdict, differences, goal_field,
    may_set_goals,
};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::markdown::render_off_thread;
use crate::plans::parts::editing::{self, Difference, based_on, is_unchanged};
use crate::plans::store::PlanSummary;
use crate::plans::templates::structure::Metric;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans/{plan}/metrics", list),
        get("/areas/{slug}/plans/{plan}/metrics/{metric_key}", show),
        post("/areas/{slug}/plans/{plan}/metrics/{metric_key}", save),
    ]
}

keyed_enum! {
    /// The banner after saving goals.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Saved = ("saved", "The goals have been saved"),
        Unchanged = ("unchanged", "Nothing was changed: the goals are as they were"),
    }
}

/// A period's goal and its planned change from the baseline, as shown.
struct GoalCell {
    period: String,
    goal: String,
    change: String,
    /// A tag colour for the change: green better, red worse, "" none.
    colour: &'static str,
}

/// A version of a metric's goals, as shown.
struct GoalsView {
    baseline: String,
    baseline_period: String,
    goals: Vec<GoalCell>,
    pay_for_performance: String,
    saved: String,
}

impl GoalsView {
    fn of(metric: &Metric, set: &GoalSet, saved: String) -> GoalsView {
        let goals = metric
            .periods
            .iter()
            .map(|period| {
                let goal = set.goals.get(&period.key).copied();
                let change = match (&set.baseline, goal) {
                    (Some(baseline), Some(goal)) => {
                        Some(PlannedChange::of(baseline.value, goal, metric.better))
                    }
                    _ => None,
                };
                GoalCell {
                    period: period.label.clone(),
                    goal: goal.map(|goal| goal.to_string()).unwrap_or_default(),
                    change: change.map(PlannedChange::describe).unwrap_or_default(),
                    colour: match change.map(|change| change.verdict) {
                        Some(Verdict::Better) => "green",
                        Some(Verdict::Worse) => "red",
                        _ => "grey",
                    },
                }
            })
            .collect();
        GoalsView {
            baseline: set
                .baseline
                .as_ref()
                .map(|b| b.value.to_string())
                .unwrap_or_default(),
            baseline_period: set
                .baseline
                .as_ref()
                .map(|b| b.period.clone())
                .unwrap_or_default(),
            goals,
            pay_for_performance: set
                .pay_for_performance
                .map(|money| money.to_string())
                .unwrap_or_default(),
            saved,
        }
    }
}

/// A metric of the structure, as its pages describe it.
struct MetricView {
    key: String,
    name: String,
    definition: String,
    unit: String,
    direction: &'static str,
    unverified: String,
    pay_for_performance: bool,
}

impl MetricView {
    fn of(metric: &Metric) -> MetricView {
        MetricView {
            key: metric.key.clone(),
            name: metric.name.clone(),
            definition: metric.definition.clone(),
            unit: metric.unit.clone(),
            direction: metric.better.label(),
            unverified: metric.unverified.clone().unwrap_or_default(),
            pay_for_performance: metric.pay_for_performance,
        }
    }
}

/// A metric on the list: its description and current goals, if any.
struct MetricRow {
    metric: MetricView,
    current: Option<GoalsView>,
}

#[derive(Template)]
#[template(path = "plans/parts/metrics/list.html")]
struct ListPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    may_edit: bool,
    metrics: Vec<MetricRow>,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let cycle = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let frozen = cycle.editing_closed(&state).await?;
    let current = store::current_goals(&state.pool, cycle.plan.id).await?;
    let metrics = cycle
        .structure
        .metrics()
        .iter()
        .map(|metric| MetricRow {
            metric: MetricView::of(metric),
            current: current
                .iter()
                .find(|goals| goals.metric_key == metric.key)
                .map(|goals| GoalsView::of(metric, &as_set(goals), String::new())),
        })
        .collect();
    page::ok(&ListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        may_edit: frozen.is_none() && may_set_goals(&signed_in.user.principal(), cycle.area.id),
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "metrics",
        banner: done.banner::<Done>(),
        metrics,
        frozen,
    })
}

fn as_set(goals: &MetricGoals) -> GoalSet {
    GoalSet {
        baseline: goals.baseline.clone(),
        goals: goals.goals.clone(),
        pay_for_performance: goals.pay_for_performance,
        rationale: String::new(),
    }
}

/// The goals form: where it posts, what it holds, the version it is based on.
struct FormView {
    action: String,
    form: GoalForm,
    based_on: String,
    /// (field id, period label) for each period's goal.
    periods: Vec<(String, String)>,
    /// The baseline's hint, naming the metric's unit.
    value_hint: String,
    button: &'static str,
}

impl FormView {
    fn new(cycle_url: &str, metric: &Metric, form: GoalForm, based_on: String) -> FormView {
        FormView {
            action: format!("{cycle_url}/metrics/{}", metric.key),
            form,
            based_on,
            periods: metric
                .periods
                .iter()
                .map(|period| (goal_field(&period.key), period.label.clone()))
                .collect(),
            value_hint: format!("In {}, for example 1,234.5", metric.unit),
            button: "Save the goals",
        }
    }
}

#[derive(Template)]
#[template(path = "plans/parts/metrics/metric.html")]
struct MetricPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    errors: FormErrors,
    metric: MetricView,
    current: Option<GoalsView>,
    rationale_html: String,
    earlier: Vec<GoalsView>,
    may_edit: bool,
    view: FormView,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

#[derive(Template)]
#[template(path = "plans/parts/metrics/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    errors: FormErrors,
    metric: MetricView,
    theirs_by: String,
    differences: Vec<Difference>,
    view: FormView,
}

/// The plan and the metric the URL names; not found when the structure has no such metric.
async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    metric_key: &str,
) -> Result<(PlanInCycle, Metric), AppError> {
    let cycle = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
    let metric = cycle
        .structure
        .metrics()
        .iter()
        .find(|metric| metric.key == metric_key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((cycle, metric))
}

fn saved_by(version: &GoalVersion) -> String {
    editing::saved_by(version.saved_at, version.saved_by.as_deref())
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, metric_key)): Path<(String, String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let (cycle, metric) = load(&state, &signed_in, &slug, &plan_key, &metric_key).await?;
    let frozen = cycle.editing_closed(&state).await?;
    let versions = store::versions(&state.pool, cycle.plan.id, &metric.key).await?;
    let form = versions
        .first()
        .map(|current| GoalForm::from_set(&current.set))
        .unwrap_or_default();
    let based_on = versions
        .first()
        .map(|current| current.id.to_string())
        .unwrap_or_default();
    let mut page = metric_page(
        &signed_in,
        cycle,
        &metric,
        &versions,
        form,
        based_on,
        FormErrors::new(),
        done.banner::<Done>(),
    )
    .await?;
    page.may_edit &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

#[allow(clippy::too_many_arguments)]
async fn metric_page(
    signed_in: &SignedIn,
    cycle: PlanInCycle,
    metric: &Metric,
    versions: &[GoalVersion],
    form: GoalForm,
    based_on: String,
    errors: FormErrors,
    banner: &'static str,
) -> Result<MetricPage, AppError> {
    let rationale_html = match versions.first() {
        Some(current) => render_off_thread(&current.set.rationale).await?,
        None => String::new(),
    };
    let view = FormView::new(&cycle.url(), metric, form, based_on);
    Ok(MetricPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        may_edit: may_set_goals(&signed_in.user.principal(), cycle.area.id),
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "metrics",
        banner,
        errors,
        metric: MetricView::of(metric),
        current: versions
            .first()
            .map(|current| GoalsView::of(metric, &current.set, saved_by(current))),
        rationale_html,
        earlier: versions
            .iter()
            .skip(1)
            .map(|version| GoalsView::of(metric, &version.set, saved_by(version)))
            .collect(),
        view,
        frozen: None,
    })
}

async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, metric_key)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kept = Typed::from_fields(fields.clone());
    save_goals(
        &state,
        &signed_in,
        &slug,
        &plan_key,
        &metric_key,
        GoalForm::new(fields),
    )
    .await
    .map_err(|error| error.keeping(kept))
}

async fn save_goals(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    metric_key: &str,
    form: GoalForm,
) -> Result<Response, AppError> {
    let (cycle, metric) = load(state, signed_in, slug, plan_key, metric_key).await?;
    if !may_set_goals(&signed_in.user.principal(), cycle.area.id) {
        return Err(AppError::Forbidden);
    }
    let based_on_typed = form.get("based_on").trim().to_owned();
    let based_on = based_on(&based_on_typed).map(|id| id.map(GoalSetId::new));
    let (set, based_on) = match (form.parse(&metric), based_on) {
        (Ok(set), Some(based_on)) => (set, based_on),
        (parsed, based_on) => {
            let mut errors = parsed.err().unwrap_or_default();
            if based_on.is_none() {
                errors.add(
                    "baseline_value",
                    "This form was out of date, so nothing was saved. Check the goals and save again.",
                );
            }
            let versions = store::versions(&state.pool, cycle.plan.id, &metric.key).await?;
            // Still based on the version it was opened on, so a save made meanwhile by
            // someone else is caught when this one is sent again.
            let page = metric_page(
                signed_in,
                cycle,
                &metric,
                &versions,
                form,
                based_on_typed,
                errors,
                "",
            )
            .await?;
            return page::unprocessable(&page);
        }
    };
    let url = format!("{}/metrics/{}", cycle.url(), metric.key);
    let versions = store::versions(&state.pool, cycle.plan.id, &metric.key).await?;
    let current = versions.first().map(|version| (version.id, &version.set));
    if is_unchanged(based_on, current, &set) {
        return Ok(see_done(&url, Done::Unchanged));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    cycle.ask_guard(&mut change, &url).await?;
    let at = change.at();
    let saved = store::save_goals(
        change.db(),
        cycle.plan.id,
        &metric.key,
        based_on,
        &set,
        at,
        signed_in.user.id,
    )
    .await?;
    let Some(id) = saved else {
        drop(change);
        return conflict(state, signed_in, cycle, &metric, set, form).await;
    };
    change
        .commit(
            &Event::new(actor(signed_in), "metric.goals_set", "metric_goal_set")
                .target(id)
                .area(cycle.area.id)
                .details(json!({
                    "plan": cycle.plan.template_key,
                    "metric": metric.key,
                    "based_on": based_on,
                    "baseline": set.baseline.as_ref().map(|b| b.value.to_string()),
                    "goals": set.goals.iter()
                        .map(|(period, goal)| (period.clone(), goal.to_string()))
                        .collect::<std::collections::BTreeMap<_, _>>(),
                })),
        )
        .await?;
    Ok(see_done(&url, Done::Saved))
}

/// The 409 page: the goals saved meanwhile and the person's, field by field, and the form again
/// with the person's values, now based on the current version so saving again is deliberate.
async fn conflict(
    state: &AppState,
    signed_in: &SignedIn,
    cycle: PlanInCycle,
    metric: &Metric,
    yours: GoalSet,
    form: GoalForm,
) -> Result<Response, AppError> {
    let versions = store::versions(&state.pool, cycle.plan.id, &metric.key).await?;
    let current = versions.first();
    let empty = GoalSet::default();
    let differences = differences(metric, current.map_or(&empty, |c| &c.set), &yours);
    let view = FormView {
        button: "Save my goals",
        ..FormView::new(
            &cycle.url(),
            metric,
            form,
            current.map(|c| c.id.to_string()).unwrap_or_default(),
        )
    };
    page::conflict(&ConflictPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        theirs_by: current
            .map(|c| format!("Saved {}", saved_by(c)))
            .unwrap_or_else(|| "The goals were changed".to_owned()),
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "metrics",
        errors: FormErrors::new(),
        metric: MetricView::of(metric),
        differences,
        view,
    })
}
