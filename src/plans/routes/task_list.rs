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
use crate::areas::notices::{DeadlineNotice, DeadlineNoticeSource};
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::Action;
use crate::plans::access::PlanStatusSource;
use crate::plans::approval::ApprovalNotice;
use crate::plans::rules::{self, TaskFacts};
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, ListedPlan, PlanSummary, TaskListRow, TemplateSummary};
use crate::plans::task_facts::{Sources, task_list_facts};
use crate::web::banner::DoneQuery;
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{self, see_other};
use crate::web::{AppError, FormErrors, Layout};

#[derive(Template)]
#[template(path = "plans/plans.html")]
struct PlansPage {
    layout: Layout,
    area: AreaSummary,
    plans: Vec<ListedPlan>,
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
                .filter(|template| {
                    !plans
                        .iter()
                        .any(|listed| listed.plan.template_key == template.key)
                })
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

struct TaskView<'a> {
    row: &'a TaskListRow,
    last_change: &'a str,
    /// The signed-in person may edit it (or contribute to it).
    for_you: bool,
}

#[derive(Template)]
#[template(path = "plans/task_list.html")]
struct TaskListPage<'a> {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    tasks: Vec<TaskView<'a>>,
    /// How many of its sections are completed (of `tasks.len()`).
    completed: usize,
    for_you: usize,
    /// How many of the plan's checks fail, and how many there are.
    checks_failing: usize,
    checks: usize,
    notice: &'static str,
    /// Set while the plan is in sign-off.
    frozen: Option<&'a EditingClosed>,
    approval: Option<&'a ApprovalNotice>,
    /// The plan's sign-off state in a few words.
    sign_off: &'a str,
    deadline_notice: Option<&'a DeadlineNotice>,
}

pub(super) async fn task_list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(query): Query<DoneQuery>,
    Extension(status): Extension<PlanStatusSource>,
    notices: Option<Extension<DeadlineNoticeSource>>,
) -> Result<Response, AppError> {
    let sources = Sources {
        status,
        notices: notices.map(|Extension(source)| source),
    };
    let (area, plan, facts) =
        task_list_facts(&state, &signed_in, (&slug, &plan_key), sources).await?;
    let principal = signed_in.user.principal();
    let tasks: Vec<TaskView> = facts
        .tasks
        .iter()
        .map(|task| {
            let row = &task.row;
            let facts = TaskFacts {
                status: row.status,
                per_organisation: row.per_organisation,
                contributed_by_you: row.contributed_by_you,
                assigned_organisation_id: row.assigned_organisation_id,
            };
            TaskView {
                row,
                last_change: &task.last_change,
                for_you: rules::needs_you(&principal, area.id, facts),
            }
        })
        .collect();
    let for_you = tasks.iter().filter(|task| task.for_you).count();
    let completed = tasks
        .iter()
        .filter(|task| task.row.status == SectionStatus::Completed)
        .count();
    page::ok(&TaskListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        plan,
        tasks,
        completed,
        for_you,
        checks_failing: facts.checks_failing,
        checks: facts.checks,
        notice: query.banner::<Done>(),
        frozen: facts.frozen.as_ref(),
        approval: facts.approval.as_ref(),
        sign_off: &facts.sign_off,
        deadline_notice: facts.deadline_notice.as_ref(),
    })
}
