//! An area's plans (and starting one), and a plan's task list.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::Done;
use crate::AppState;
use crate::areas::authorised_area;
use crate::areas::frozen::EditingClosed;
use crate::areas::notices::{self, DeadlineNotice, DeadlineNoticeSource};
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::Action;
use crate::plans::access::{PlanInCycle, PlanStatusSource};
use crate::plans::approval::ApprovalNotice;
use crate::plans::parts::checks::{self, SectionFact, facts::check_plan};
use crate::plans::rules::{self, TaskFacts};
use crate::plans::store::{self, PlanSummary, TaskListRow, TemplateSummary};
use crate::web::banner::DoneQuery;
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{self, see_other};
use crate::web::{AppError, FormErrors, Layout, format};

#[derive(Template)]
#[template(path = "plans/plans.html")]
struct PlansPage {
    layout: Layout,
    area: AreaSummary,
    plans: Vec<PlanSummary>,
    templates: Vec<TemplateSummary>,
    may_create: bool,
    errors: FormErrors,
}

impl PlansPage {
    async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        area: AreaSummary,
        errors: FormErrors,
    ) -> Result<PlansPage, AppError> {
        let plans = store::list_plans(&state.pool, area.id).await?;
        let may_create = rules::may_create_plan(&signed_in.user.principal(), area.id);
        // Only the templates the area has no plan from yet can start one.
        let templates = if may_create {
            store::list_templates(&state.pool)
                .await?
                .into_iter()
                .filter(|template| !plans.iter().any(|plan| plan.template_key == template.key))
                .collect()
        } else {
            Vec::new()
        };
        Ok(PlansPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            area,
            plans,
            templates,
            may_create,
            errors,
        })
    }
}

pub(super) async fn list_plans(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    page::ok(&PlansPage::load(&state, &signed_in, area, FormErrors::new()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CreatePlanForm {
    template: String,
}

pub(super) async fn create_plan(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<CreatePlanForm>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    if !rules::may_create_plan(&signed_in.user.principal(), area.id) {
        return Err(AppError::Forbidden);
    }
    let template = store::list_templates(&state.pool)
        .await?
        .into_iter()
        .find(|template| template.key == form.template);
    let Some(template) = template else {
        let mut errors = FormErrors::new();
        errors.add("template", "Choose the template for the plan");
        return page::unprocessable(&PlansPage::load(&state, &signed_in, area, errors).await?);
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let created =
        store::create_plan(change.db(), area.id, template.id, signed_in.user.id, now).await?;
    // Created now or by someone a moment ago: either way the plan is there, and only a plan
    // created now is recorded.
    if let Some(plan_id) = created {
        change
            .commit(
                &Event::new(actor(&signed_in), "plan.created", "plan")
                    .target(plan_id)
                    .area(area.id)
                    .details(json!({ "after": { "template": template.key } })),
            )
            .await?;
    }
    Ok(see_other(&format!(
        "/areas/{}/plans/{}",
        area.slug, template.key
    )))
}

struct TaskView {
    row: TaskListRow,
    last_change: String,
    /// The signed-in person may edit it (or contribute to it).
    for_you: bool,
}

#[derive(Template)]
#[template(path = "plans/task_list.html")]
struct TaskListPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    tasks: Vec<TaskView>,
    for_you: usize,
    /// How many of the plan's checks fail, and how many there are.
    checks_failing: usize,
    checks: usize,
    notice: &'static str,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
    approval: Option<ApprovalNotice>,
    /// The plan's sign-off state in a few words.
    sign_off: String,
    deadline_notice: Option<DeadlineNotice>,
}

pub(super) async fn task_list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
    Extension(status_source): Extension<PlanStatusSource>,
    notices: Option<Extension<DeadlineNoticeSource>>,
) -> Result<Response, AppError> {
    let cycle = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let deadline_notice = notices::deadline_notice(
        notices.map(|Extension(source)| source),
        &state,
        cycle.area.id.get(),
    )
    .await?;
    let frozen = cycle.editing_closed(&state).await?;
    let sign_off = (status_source.0)(&state, &cycle).await?;
    let PlanInCycle {
        area,
        plan,
        structure,
        approval,
    } = cycle;
    let principal = signed_in.user.principal();
    let own = rules::own_organisation(&principal);
    let tasks: Vec<TaskView> = store::task_list(&state.pool, plan.id, own)
        .await?
        .into_iter()
        .map(|row| {
            let facts = TaskFacts {
                status: row.status,
                per_organisation: row.per_organisation,
                contributed_by_you: row.contributed_by_you,
                assigned_organisation_id: row.assigned_organisation_id,
            };
            let last_change = match (&row.updated_by, row.updated_at) {
                (Some(who), Some(at)) => format!("{who}, {}", format::date_time(at)),
                _ => String::new(),
            };
            TaskView {
                for_you: rules::needs_you(&principal, area.id, facts),
                row,
                last_change,
            }
        })
        .collect();
    let for_you = tasks.iter().filter(|task| task.for_you).count();
    // The checks read every part; the sections they need are the ones listed here.
    let sections = tasks
        .iter()
        .map(|task| SectionFact {
            key: task.row.key.clone(),
            title: task.row.title.clone(),
            status: task.row.status,
        })
        .collect();
    let checks = check_plan(&state, &area, &plan, &structure, sections).await?;
    page::ok(&TaskListPage {
        checks_failing: checks::failing(&checks),
        checks: checks.len(),
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        plan,
        tasks,
        for_you,
        notice: query.banner::<Done>(),
        frozen,
        approval,
        sign_off,
        deadline_notice,
    })
}
