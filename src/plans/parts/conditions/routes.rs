//! The pages of the plan's national conditions: every condition with its current answer; one
//! condition with its answer form and earlier answers; and saving, based on the answer the form
//! was opened on (409 when someone answered since).

use crate::areas::frozen::EditingClosed;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::store::{self, AnswerVersion};
use super::{Answer, AnswerForm, AnswerId, differences, may_answer};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::markdown::render_off_thread;
use crate::plans::parts::editing::Difference;
use crate::plans::parts::editing::{self, based_on, is_unchanged};
use crate::plans::store::PlanSummary;
use crate::plans::templates::structure::Condition;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{Choice, keyed};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout, page};

use super::ConditionStatus;

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans/{plan}/conditions", list),
        get(
            "/areas/{slug}/plans/{plan}/conditions/{condition_key}",
            show,
        ),
        post(
            "/areas/{slug}/plans/{plan}/conditions/{condition_key}",
            save,
        ),
    ]
}

keyed_enum! {
    /// The banner after answering.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Saved = ("saved", "The answer has been saved"),
        Unchanged = ("unchanged", "Nothing was changed: the answer is as it was"),
    }
}

/// A condition as the structure states it.
struct ConditionView {
    key: String,
    title: String,
    text: String,
    unverified: String,
}

impl ConditionView {
    fn of(condition: &Condition) -> ConditionView {
        ConditionView {
            key: condition.key.clone(),
            title: condition.title.clone(),
            text: condition.text.clone(),
            unverified: condition.unverified.clone().unwrap_or_default(),
        }
    }
}

/// An answer as shown: its status tag, how (rendered) and who saved it when.
struct AnswerView {
    status: &'static str,
    colour: &'static str,
    how_html: String,
    saved: String,
}

async fn answer_view(answer: &Answer, saved: String) -> Result<AnswerView, AppError> {
    Ok(AnswerView {
        status: answer.status.label(),
        colour: answer.status.colour(),
        how_html: render_off_thread(&answer.how).await?,
        saved,
    })
}

fn saved_by(version: &AnswerVersion) -> String {
    editing::saved_by(version.saved_at, version.saved_by.as_deref())
}

struct ConditionRow {
    condition: ConditionView,
    answer: Option<AnswerView>,
}

#[derive(Template)]
#[template(path = "plans/parts/conditions/list.html")]
struct ListPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    may_edit: bool,
    answered: usize,
    conditions: Vec<ConditionRow>,
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
    let answers = store::current_answers(&state.pool, cycle.plan.id).await?;
    let mut conditions = Vec::new();
    for condition in cycle.structure.conditions() {
        let answer = match answers.iter().find(|a| a.condition_key == condition.key) {
            Some(current) => Some(
                answer_view(
                    &Answer {
                        status: current.status,
                        how: current.how.clone(),
                    },
                    String::new(),
                )
                .await?,
            ),
            None => None,
        };
        conditions.push(ConditionRow {
            condition: ConditionView::of(condition),
            answer,
        });
    }
    page::ok(&ListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        may_edit: frozen.is_none() && may_answer(&signed_in.user.principal(), cycle.area.id),
        answered: conditions.iter().filter(|row| row.answer.is_some()).count(),
        frozen,
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "conditions",
        banner: done.banner::<Done>(),
        conditions,
    })
}

/// The answer form: where it posts, what it holds, the answer it is based on.
struct FormView {
    action: String,
    form: AnswerForm,
    status_choices: Vec<Choice>,
    button: &'static str,
}

impl FormView {
    fn new(cycle: &PlanInCycle, condition: &Condition, form: AnswerForm) -> FormView {
        FormView {
            action: format!("{}/conditions/{}", cycle.url(), condition.key),
            status_choices: keyed::<ConditionStatus>(form.status.trim()),
            form,
            button: "Save the answer",
        }
    }
}

#[derive(Template)]
#[template(path = "plans/parts/conditions/condition.html")]
struct ConditionPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    errors: FormErrors,
    condition: ConditionView,
    current: Option<AnswerView>,
    earlier: Vec<AnswerView>,
    may_edit: bool,
    view: FormView,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

#[derive(Template)]
#[template(path = "plans/parts/conditions/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    errors: FormErrors,
    condition: ConditionView,
    theirs_by: String,
    differences: Vec<Difference>,
    view: FormView,
}

async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    condition_key: &str,
) -> Result<(PlanInCycle, Condition), AppError> {
    let cycle = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
    let condition = cycle
        .structure
        .conditions()
        .iter()
        .find(|condition| condition.key == condition_key)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((cycle, condition))
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, condition_key)): Path<(String, String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let (cycle, condition) = load(&state, &signed_in, &slug, &plan_key, &condition_key).await?;
    let frozen = cycle.editing_closed(&state).await?;
    let versions = store::versions(&state.pool, cycle.plan.id, &condition.key).await?;
    let form = match versions.first() {
        Some(current) => AnswerForm {
            based_on: current.id.to_string(),
            ..AnswerForm::of(&current.answer)
        },
        None => AnswerForm::default(),
    };
    let mut page = condition_page(
        &signed_in,
        cycle,
        &condition,
        &versions,
        form,
        FormErrors::new(),
        done.banner::<Done>(),
    )
    .await?;
    page.may_edit &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

async fn condition_page(
    signed_in: &SignedIn,
    cycle: PlanInCycle,
    condition: &Condition,
    versions: &[AnswerVersion],
    form: AnswerForm,
    errors: FormErrors,
    banner: &'static str,
) -> Result<ConditionPage, AppError> {
    let mut views = Vec::with_capacity(versions.len());
    for version in versions {
        views.push(answer_view(&version.answer, saved_by(version)).await?);
    }
    let mut views = views.into_iter();
    let current = views.next();
    Ok(ConditionPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        may_edit: may_answer(&signed_in.user.principal(), cycle.area.id),
        view: FormView::new(&cycle, condition, form),
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "conditions",
        banner,
        errors,
        condition: ConditionView::of(condition),
        current,
        earlier: views.collect(),
        frozen: None,
    })
}

async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, condition_key)): Path<(String, String, String)>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("How", &form.how);
    save_answer(&state, &signed_in, &slug, &plan_key, &condition_key, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn save_answer(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    condition_key: &str,
    form: AnswerForm,
) -> Result<Response, AppError> {
    let (cycle, condition) = load(state, signed_in, slug, plan_key, condition_key).await?;
    if !may_answer(&signed_in.user.principal(), cycle.area.id) {
        return Err(AppError::Forbidden);
    }
    let based_on = based_on(&form.based_on).map(|id| id.map(AnswerId::new));
    let (answer, based_on) = match (form.parse(), based_on) {
        (Ok(answer), Some(based_on)) => (answer, based_on),
        (parsed, based_on) => {
            let mut errors = parsed.err().unwrap_or_default();
            if based_on.is_none() {
                errors.add(
                    "status",
                    "This form was out of date, so nothing was saved. Check the answer and save again.",
                );
            }
            let versions = store::versions(&state.pool, cycle.plan.id, &condition.key).await?;
            let page =
                condition_page(signed_in, cycle, &condition, &versions, form, errors, "").await?;
            return page::unprocessable(&page);
        }
    };
    let url = format!("{}/conditions/{}", cycle.url(), condition.key);
    let versions = store::versions(&state.pool, cycle.plan.id, &condition.key).await?;
    let current = versions
        .first()
        .map(|version| (version.id, &version.answer));
    if is_unchanged(based_on, current, &answer) {
        return Ok(see_done(&url, Done::Unchanged));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    cycle.ask_guard(&mut change, &url).await?;
    let at = change.at();
    let saved = store::save_answer(
        change.db(),
        cycle.plan.id,
        &condition.key,
        based_on,
        &answer,
        at,
        signed_in.user.id,
    )
    .await?;
    let Some(id) = saved else {
        drop(change);
        return conflict(state, signed_in, cycle, &condition, answer, form).await;
    };
    change
        .commit(
            &Event::new(actor(signed_in), "condition.answered", "condition_answer")
                .target(id)
                .area(cycle.area.id)
                .details(json!({
                    "plan": cycle.plan.template_key,
                    "condition": condition.key,
                    "based_on": based_on,
                    "status": answer.status.key(),
                })),
        )
        .await?;
    Ok(see_done(&url, Done::Saved))
}

/// The 409 page: the answer saved meanwhile and the person's, and the form again with the
/// person's answer, now based on the current one so saving again is deliberate.
async fn conflict(
    state: &AppState,
    signed_in: &SignedIn,
    cycle: PlanInCycle,
    condition: &Condition,
    yours: Answer,
    form: AnswerForm,
) -> Result<Response, AppError> {
    let versions = store::versions(&state.pool, cycle.plan.id, &condition.key).await?;
    let current = versions.first();
    let form = AnswerForm {
        based_on: current.map(|c| c.id.to_string()).unwrap_or_default(),
        ..form
    };
    let view = FormView {
        button: "Save my answer",
        ..FormView::new(&cycle, condition, form)
    };
    page::conflict(&ConflictPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        theirs_by: current
            .map(|c| format!("Saved {}", saved_by(c)))
            .unwrap_or_else(|| "The answer was changed".to_owned()),
        differences: differences(current.map(|c| &c.answer), &yours),
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "conditions",
        errors: FormErrors::new(),
        condition: ConditionView::of(condition),
        view,
    })
}
