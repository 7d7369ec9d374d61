//! The plan pages: an area's plans, the task list, a section with its text, contributions and
//! comments, history and differences, restore, and search.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::section::{SectionStatus, SectionText, status_after_answer};
use super::store::{
    self, Comment, Contribution, PlanSummary, RevisionSummary, Section, TaskListRow, TextSave,
};
use super::{diff, markdown};
use crate::AppState;
use crate::areas::routes::authorised_area;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::audit::{self, Event};
use crate::auth::extract::SignedIn;
use crate::auth::extract::actor;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::web::extract::{Form, Path};
use crate::web::format;
use crate::web::page::see_other;
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, FormErrors, Layout, page};

const SECTION: &str = "/areas/{slug}/plans/{plan}/sections/{section}";

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans", list_plans),
        post("/areas/{slug}/plans", create_plan),
        get("/areas/{slug}/plans/{plan}", task_list),
        get(SECTION, show_section),
        post(SECTION, save_section),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/status",
            answer_completed,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/reopen",
            reopen,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/assign",
            assign,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/contributions/{organisation_id}",
            save_contribution,
        ),
        get(
            "/areas/{slug}/plans/{plan}/sections/{section}/history",
            history,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/restore",
            restore,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/comments",
            add_comment,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/comments/{thread_id}/resolve",
            resolve_thread,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/comments/{thread_id}/reopen",
            reopen_thread,
        ),
        get("/areas/{slug}/search", search),
    ]
}

fn allowed(signed_in: &SignedIn, action: Action, target: Target) -> bool {
    policy::decide(&signed_in.user.principal(), action, target) == Decision::Allow
}

fn require(signed_in: &SignedIn, action: Action, target: Target) -> Result<(), AppError> {
    match policy::decide(&signed_in.user.principal(), action, target) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

// --- plans -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/plans.html")]
struct PlansPage {
    layout: Layout,
    area: AreaSummary,
    plans: Vec<PlanSummary>,
    templates: Vec<store::TemplateSummary>,
    may_create: bool,
    errors: FormErrors,
}

async fn plans_page(
    state: &AppState,
    signed_in: &SignedIn,
    area: AreaSummary,
    errors: FormErrors,
) -> Result<PlansPage, AppError> {
    let plans = store::list_plans(&state.pool, area.id).await?;
    let may_create = may_create_plan(signed_in, area.id);
    let templates = if may_create {
        let existing: Vec<&str> = plans
            .iter()
            .map(|plan| plan.template_key.as_str())
            .collect();
        store::list_templates(&state.pool)
            .await?
            .into_iter()
            .filter(|template| !existing.contains(&template.key.as_str()))
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

/// Area leads start their area's plan; administrators may too.
fn may_create_plan(signed_in: &SignedIn, area_id: i64) -> bool {
    allowed(signed_in, Action::AssignSections, Target::area(area_id))
        || allowed(signed_in, Action::Administer, Target::everywhere())
}

async fn list_plans(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    let page = plans_page(&state, &signed_in, area, FormErrors::new()).await?;
    Ok(page::render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreatePlanForm {
    template: String,
}

async fn create_plan(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<CreatePlanForm>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    if !may_create_plan(&signed_in, area.id) {
        return Err(AppError::Forbidden);
    }
    let template = store::list_templates(&state.pool)
        .await?
        .into_iter()
        .find(|template| template.key == form.template);
    let Some(template) = template else {
        let mut errors = FormErrors::new();
        errors.add("template", "Choose the template for the plan");
        let page = plans_page(&state, &signed_in, area, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response());
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let created = store::create_plan(&mut tx, area.id, template.id, signed_in.user.id, now).await?;
    if let Some(plan_id) = created {
        audit::store::append(
            &mut tx,
            now,
            &Event::new(actor(&signed_in), "plan.created", "plan")
                .target(plan_id)
                .area(area.id)
                .details(json!({ "after": { "template": template.key } })),
        )
        .await?;
    }
    tx.commit().await?;
    // Created now or by someone a moment ago: either way the plan is there.
    Ok(see_other(&format!(
        "/areas/{}/plans/{}",
        area.slug, template.key
    )))
}

// --- the task list -----------------------------------------------------------------------------

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
}

async fn load_plan(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
) -> Result<(AreaSummary, PlanSummary), AppError> {
    let area = authorised_area(state, signed_in, slug, Action::ViewArea).await?;
    let plan = store::find_plan(&state.pool, area.id, plan_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((area, plan))
}

/// Who may write a section's shared text: its assigned organisation's editors, or every editor
/// of the area while it is unassigned.
fn may_edit_text(signed_in: &SignedIn, area_id: i64, assigned: Option<i64>) -> bool {
    match assigned {
        Some(organisation_id) => allowed(
            signed_in,
            Action::EditOrganisationContent,
            Target::organisation_in_area(area_id, organisation_id),
        ),
        None => allowed(signed_in, Action::EditSharedContent, Target::area(area_id)),
    }
}

/// What needs the viewer first: for a lead, sections waiting for review; for an editor, their
/// organisation's part still to write and open sections assigned to their organisation.
fn needs_you(
    row: &TaskListRow,
    may_lead: bool,
    may_contribute: bool,
    organisation_id: i64,
) -> bool {
    let open = row.status.is_open_for_editing();
    (may_lead && row.status == SectionStatus::ReadyForReview)
        || (open && may_contribute && row.per_organisation && !row.contributed_by_you)
        || (open && may_contribute && row.assigned_organisation_id == Some(organisation_id))
}

async fn task_list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (area, plan) = load_plan(&state, &signed_in, &slug, &plan_key).await?;
    let own_organisation = signed_in.user.organisation_id;
    let may_lead = allowed(&signed_in, Action::CompleteSections, Target::area(area.id));
    let may_contribute = allowed(
        &signed_in,
        Action::EditOrganisationContent,
        Target::organisation_in_area(area.id, own_organisation),
    );
    let tasks: Vec<TaskView> = store::task_list(&state.pool, plan.id, own_organisation)
        .await?
        .into_iter()
        .map(|row| {
            let for_you = needs_you(&row, may_lead, may_contribute, own_organisation);
            let last_change = match (&row.updated_by, row.updated_at) {
                (Some(who), Some(at)) => format!("{who}, {}", format::date_time(at)),
                _ => String::new(),
            };
            TaskView {
                row,
                last_change,
                for_you,
            }
        })
        .collect();
    let for_you = tasks.iter().filter(|task| task.for_you).count();
    Ok(page::render(&TaskListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        plan,
        tasks,
        for_you,
    })?
    .into_response())
}

// --- a section ---------------------------------------------------------------------------------

struct ContributionView {
    contribution: Contribution,
    /// The id of its edit box (and of its error).
    field: String,
    html: String,
    may_edit: bool,
    /// What to show in the edit box: the saved text, or what was typed when a save failed.
    draft: String,
    error: String,
    last_change: String,
}

struct Thread {
    first: Comment,
    replies: Vec<Comment>,
    /// The id of its reply box.
    reply_field: String,
}

#[derive(Template)]
#[template(path = "plans/section.html")]
struct SectionPage {
    layout: Layout,
    /// The section's URL, which its forms post to.
    base: String,
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
    html: String,
    guidance_html: String,
    may_edit: bool,
    may_lead: bool,
    may_comment: bool,
    /// The edit box's text: the saved text, or what was typed when a save failed.
    draft: String,
    errors: FormErrors,
    contributions: Vec<ContributionView>,
    missing: Vec<String>,
    combined_html: String,
    threads: Vec<Thread>,
    open_threads: usize,
    members: Vec<Member>,
    last_change: String,
    notice: &'static str,
    /// May answer "Have you completed this section?".
    may_answer: bool,
    comment_draft: String,
    /// The thread whose reply box holds `reply_draft` (0 for none).
    reply_thread: i64,
    reply_draft: String,
}

/// What went wrong with a form on the section page, to show it there with what was typed.
#[derive(Default)]
struct PageProblem {
    errors: FormErrors,
    /// The section text typed.
    draft: Option<String>,
    /// A contribution typed: (organisation id, text).
    contribution: Option<(i64, String)>,
    /// A comment typed: (the thread it replies to, text).
    comment: Option<(Option<i64>, String)>,
}

struct SectionContext {
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
}

async fn load_section(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, section_key): &(String, String, String),
) -> Result<SectionContext, AppError> {
    let (area, plan) = load_plan(state, signed_in, slug, plan_key).await?;
    let section = store::find_section(&state.pool, plan.id, section_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(SectionContext {
        area,
        plan,
        section,
    })
}

fn section_url(context: &SectionContext) -> String {
    format!(
        "/areas/{}/plans/{}/sections/{}",
        context.area.slug, context.plan.template_key, context.section.key
    )
}

fn last_change(who: &Option<String>, at: Option<time::OffsetDateTime>) -> String {
    match (who, at) {
        (Some(who), Some(at)) => format!("Last changed by {who}, {}", format::date_time(at)),
        _ => String::new(),
    }
}

async fn section_page(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    problem: PageProblem,
    notice: &'static str,
) -> Result<SectionPage, AppError> {
    let base = section_url(&context);
    let SectionContext {
        area,
        plan,
        section,
    } = context;
    let open = section.status.is_open_for_editing();
    let may_edit = open && may_edit_text(signed_in, area.id, section.assigned_organisation_id);
    let may_lead = allowed(signed_in, Action::CompleteSections, Target::area(area.id));
    let may_comment = allowed(signed_in, Action::Comment, Target::area(area.id));
    // Only leads assign, so only they need the member list.
    let members = if may_lead {
        areas::list_members(&state.pool, area.id).await?
    } else {
        Vec::new()
    };
    let contributions: Vec<ContributionView> = if section.per_organisation {
        store::contributions(&state.pool, area.id, section.id)
            .await?
            .into_iter()
            .map(|contribution| {
                let may_edit = open
                    && allowed(
                        signed_in,
                        Action::EditOrganisationContent,
                        Target::organisation_in_area(area.id, contribution.organisation_id),
                    );
                let field = format!("contribution-{}", contribution.organisation_id);
                let (draft, error) = match &problem.contribution {
                    Some((id, draft)) if *id == contribution.organisation_id => {
                        (draft.clone(), problem.errors.message(&field).to_owned())
                    }
                    _ => (contribution.body.clone(), String::new()),
                };
                ContributionView {
                    field,
                    html: markdown::render(&contribution.body),
                    last_change: last_change(&contribution.updated_by, contribution.updated_at),
                    may_edit,
                    draft,
                    error,
                    contribution,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let missing = contributions
        .iter()
        .filter(|view| view.contribution.body.trim().is_empty())
        .map(|view| view.contribution.organisation.clone())
        .collect();
    let combined: String = contributions
        .iter()
        .filter(|view| !view.contribution.body.trim().is_empty())
        .map(|view| {
            format!(
                "## {}\n\n{}\n\n",
                view.contribution.organisation, view.contribution.body
            )
        })
        .collect();
    let mut threads: Vec<Thread> = Vec::new();
    for comment in store::comments(&state.pool, section.id).await? {
        match comment.thread_id {
            None => threads.push(Thread {
                reply_field: format!("reply-{}", comment.id),
                first: comment,
                replies: Vec::new(),
            }),
            Some(thread_id) => {
                if let Some(thread) = threads.iter_mut().find(|t| t.first.id == thread_id) {
                    thread.replies.push(comment);
                }
            }
        }
    }
    let open_threads = threads
        .iter()
        .filter(|t| t.first.resolved_at.is_none())
        .count();
    let may_answer =
        open && (may_edit || may_lead || contributions.iter().any(|view| view.may_edit));
    let (comment_draft, reply_thread, reply_draft) = match problem.comment {
        Some((None, text)) => (text, 0, String::new()),
        Some((Some(thread), text)) => (String::new(), thread, text),
        None => (String::new(), 0, String::new()),
    };
    Ok(SectionPage {
        base,
        may_answer,
        comment_draft,
        reply_thread,
        reply_draft,
        layout: Layout::for_session(Some(&signed_in.session)),
        html: markdown::render(&section.body),
        guidance_html: markdown::render(&section.guidance),
        draft: problem.draft.unwrap_or_else(|| section.body.clone()),
        last_change: last_change(&section.updated_by, section.updated_at),
        combined_html: markdown::render(&combined),
        area,
        plan,
        section,
        may_edit,
        may_lead,
        may_comment,
        errors: problem.errors,
        contributions,
        missing,
        threads,
        open_threads,
        members,
        notice,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    done: String,
}

/// The banner after an action, from a fixed list (the query never carries text to show).
fn notice(done: &str) -> &'static str {
    match done {
        "saved" => "Your changes have been saved",
        "status" => "The section's status has been updated",
        "reopened" => "The section has been reopened for editing",
        "assigned" => "The section's organisation has been updated",
        "contribution" => "Your organisation's contribution has been saved",
        "restored" => "The earlier version has been restored as the current text",
        "comment" => "Your comment has been added",
        "resolved" => "The comment thread has been resolved",
        "reopened-thread" => "The comment thread has been reopened",
        _ => "",
    }
}

async fn show_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    let page = section_page(
        &state,
        &signed_in,
        context,
        PageProblem::default(),
        notice(&query.done),
    )
    .await?;
    Ok(page::render(&page)?.into_response())
}

async fn problem_page(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    problem: PageProblem,
) -> Result<Response, AppError> {
    let page = section_page(state, signed_in, context, problem, "").await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextForm {
    text: String,
    version: String,
}

/// Shown instead of saving when someone else saved first: the person's own text (to copy, or
/// to merge and save again), the text now saved, and the difference between them.
#[derive(Template)]
#[template(path = "plans/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
    /// "the section" or a partner's contribution.
    what: String,
    action: String,
    yours: String,
    theirs: String,
    theirs_by: String,
    version: i32,
    diff_html: String,
}

fn conflict_response(page: ConflictPage) -> Result<Response, AppError> {
    page::conflict(&page)
}

/// The text and version of an edit form, or the message to show by the box (which keeps the
/// text either way).
fn parse_edit(form: &TextForm, status: SectionStatus) -> Result<(SectionText, i32), String> {
    if !status.is_open_for_editing() {
        return Err("This section is completed. Ask your area lead to reopen it before changing it; your text is below.".to_owned());
    }
    let text = SectionText::parse(&form.text)?;
    let version = form.version.parse::<i32>().map_err(|_| {
        "This form was out of date, so nothing was saved. Check the text below and save again."
            .to_owned()
    })?;
    Ok((text, version))
}

async fn save_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    let area_id = context.area.id;
    if !may_edit_text(
        &signed_in,
        area_id,
        context.section.assigned_organisation_id,
    ) {
        return Err(AppError::Forbidden);
    }
    let problem = |message: String| {
        let mut errors = FormErrors::new();
        errors.add("text", message);
        PageProblem {
            errors,
            draft: Some(form.text.clone()),
            ..PageProblem::default()
        }
    };
    let (text, version) = match parse_edit(&form, context.section.status) {
        Ok(edit) => edit,
        Err(message) => return problem_page(&state, &signed_in, context, problem(message)).await,
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let save = TextSave {
        body: text.as_str(),
        author_id: signed_in.user.id,
        at: now,
        restored_from: None,
    };
    let saved = store::save_section_text(
        &mut tx,
        context.section.id,
        version,
        context.section.status.after_save(),
        &save,
    )
    .await?;
    let Some(new_version) = saved else {
        drop(tx);
        // Read again: the page was loaded before someone else's save.
        let context = load_section(&state, &signed_in, &path).await?;
        return conflict_response(ConflictPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            what: "this section".to_owned(),
            action: section_url(&context),
            diff_html: diff::to_html(&diff::words(&context.section.body, text.as_str())),
            yours: text.as_str().to_owned(),
            theirs: context.section.body.clone(),
            theirs_by: last_change(&context.section.updated_by, context.section.updated_at),
            version: context.section.version,
            area: context.area,
            plan: context.plan,
            section: context.section,
        });
    };
    let (added, removed) = diff::stats(&diff::words(&context.section.body, text.as_str()));
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "section.saved", "plan_section")
            .target(context.section.id)
            .area(area_id)
            .details(json!({
                "section": context.section.key,
                "revision": new_version,
                "words_added": added,
                "words_removed": removed,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!("{}?done=saved", section_url(&context))))
}

async fn save_contribution(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, section_key, organisation_id)): Path<(String, String, String, i64)>,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    let path = (slug, plan_key, section_key);
    let context = load_section(&state, &signed_in, &path).await?;
    let area_id = context.area.id;
    if !context.section.per_organisation {
        return Err(AppError::NotFound);
    }
    require(
        &signed_in,
        Action::EditOrganisationContent,
        Target::organisation_in_area(area_id, organisation_id),
    )?;
    let contributions = store::contributions(&state.pool, area_id, context.section.id).await?;
    let Some(current) = contributions
        .into_iter()
        .find(|contribution| contribution.organisation_id == organisation_id)
    else {
        return Err(AppError::NotFound);
    };
    let problem = |message: String| {
        let mut errors = FormErrors::new();
        errors.add(format!("contribution-{organisation_id}"), message);
        PageProblem {
            errors,
            contribution: Some((organisation_id, form.text.clone())),
            ..PageProblem::default()
        }
    };
    let (text, version) = match parse_edit(&form, context.section.status) {
        Ok(edit) => edit,
        Err(message) => return problem_page(&state, &signed_in, context, problem(message)).await,
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let save = TextSave {
        body: text.as_str(),
        author_id: signed_in.user.id,
        at: now,
        restored_from: None,
    };
    let saved =
        store::save_contribution(&mut tx, context.section.id, organisation_id, version, &save)
            .await?;
    let Some(new_version) = saved else {
        drop(tx);
        let contributions = store::contributions(&state.pool, area_id, context.section.id).await?;
        let current = contributions
            .into_iter()
            .find(|contribution| contribution.organisation_id == organisation_id)
            .unwrap_or(current);
        return conflict_response(ConflictPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            what: format!("{}'s contribution", current.organisation),
            action: format!("{}/contributions/{organisation_id}", section_url(&context)),
            diff_html: diff::to_html(&diff::words(&current.body, text.as_str())),
            yours: text.as_str().to_owned(),
            theirs: current.body.clone(),
            theirs_by: last_change(&current.updated_by, current.updated_at),
            version: current.version,
            area: context.area,
            plan: context.plan,
            section: context.section,
        });
    };
    if context.section.status == SectionStatus::NotStarted {
        store::set_status(
            &mut *tx,
            context.section.id,
            SectionStatus::InProgress,
            signed_in.user.id,
            now,
        )
        .await?;
    }
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "contribution.saved", "contribution")
            .target(format!("{}:{organisation_id}", context.section.id))
            .area(area_id)
            .details(json!({
                "section": context.section.key,
                "organisation_id": organisation_id,
                "revision": new_version,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "{}?done=contribution#contribution-{organisation_id}",
        section_url(&context)
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompletedForm {
    completed: String,
}

async fn answer_completed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<CompletedForm>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    let area_id = context.area.id;
    let is_lead = allowed(&signed_in, Action::CompleteSections, Target::area(area_id));
    let may_answer = is_lead
        || may_edit_text(
            &signed_in,
            area_id,
            context.section.assigned_organisation_id,
        )
        || (context.section.per_organisation
            && allowed(
                &signed_in,
                Action::EditOrganisationContent,
                Target::organisation_in_area(area_id, signed_in.user.organisation_id),
            ));
    if !may_answer {
        return Err(AppError::Forbidden);
    }
    let completed = match form.completed.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let mut errors = FormErrors::new();
            errors.add(
                "completed",
                "Select whether you have completed this section",
            );
            let problem = PageProblem {
                errors,
                ..PageProblem::default()
            };
            return problem_page(&state, &signed_in, context, problem).await;
        }
    };
    if !context.section.status.is_open_for_editing() {
        // Only reopening changes a completed section.
        return Ok(see_other(&section_url(&context)));
    }
    let status = status_after_answer(completed, is_lead);
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    store::set_status(&mut *tx, context.section.id, status, signed_in.user.id, now).await?;
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "section.status_changed", "plan_section")
            .target(context.section.id)
            .area(area_id)
            .details(json!({
                "section": context.section.key,
                "before": context.section.status.label(),
                "after": status.label(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/areas/{}/plans/{}?done=status",
        context.area.slug, context.plan.template_key
    )))
}

async fn reopen(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    require(
        &signed_in,
        Action::CompleteSections,
        Target::area(context.area.id),
    )?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    store::set_status(
        &mut *tx,
        context.section.id,
        SectionStatus::InProgress,
        signed_in.user.id,
        now,
    )
    .await?;
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "section.reopened", "plan_section")
            .target(context.section.id)
            .area(context.area.id)
            .details(
                json!({ "section": context.section.key, "before": context.section.status.label() }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "{}?done=reopened",
        section_url(&context)
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    organisation: String,
}

async fn assign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    require(
        &signed_in,
        Action::AssignSections,
        Target::area(context.area.id),
    )?;
    let organisation = if form.organisation.is_empty() {
        None
    } else {
        let members = areas::list_members(&state.pool, context.area.id).await?;
        let chosen = form.organisation.parse::<i64>().ok().and_then(|id| {
            members
                .into_iter()
                .find(|member| member.organisation_id == id)
        });
        match chosen {
            Some(member) => Some(member),
            None => {
                let mut errors = FormErrors::new();
                errors.add(
                    "organisation",
                    "Choose one of the area's organisations, or nobody",
                );
                let problem = PageProblem {
                    errors,
                    ..PageProblem::default()
                };
                return problem_page(&state, &signed_in, context, problem).await;
            }
        }
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    store::assign(
        &mut *tx,
        context.section.id,
        organisation.as_ref().map(|m| m.organisation_id),
    )
    .await?;
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "section.assigned", "plan_section")
            .target(context.section.id)
            .area(context.area.id)
            .details(json!({
                "section": context.section.key,
                "before": context.section.assigned_organisation,
                "after": organisation.as_ref().map(|m| m.name.clone()),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "{}?done=assigned",
        section_url(&context)
    )))
}

// --- history, differences, restore -------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct HistoryQuery {
    /// Whose text: empty for the section's shared text, or a partner organisation's id.
    organisation: String,
    from: String,
    to: String,
}

struct Difference {
    from: i32,
    to: i32,
    html: String,
    added: usize,
    removed: usize,
}

#[derive(Template)]
#[template(path = "plans/history.html")]
struct HistoryPage {
    layout: Layout,
    base: String,
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
    /// Whose history: `None` for the shared text.
    organisation: Option<(i64, String)>,
    revisions: Vec<RevisionSummary>,
    difference: Option<Difference>,
    may_restore: bool,
    version: i32,
    errors: FormErrors,
}

async fn history(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    let area_id = context.area.id;
    let (organisation, version, may_restore) = if query.organisation.is_empty() {
        (
            None,
            context.section.version,
            context.section.status.is_open_for_editing()
                && may_edit_text(
                    &signed_in,
                    area_id,
                    context.section.assigned_organisation_id,
                ),
        )
    } else {
        let id = query
            .organisation
            .parse::<i64>()
            .map_err(|_| AppError::NotFound)?;
        let contribution = store::contributions(&state.pool, area_id, context.section.id)
            .await?
            .into_iter()
            .find(|contribution| contribution.organisation_id == id)
            .ok_or(AppError::NotFound)?;
        let may_restore = context.section.status.is_open_for_editing()
            && allowed(
                &signed_in,
                Action::EditOrganisationContent,
                Target::organisation_in_area(area_id, id),
            );
        (
            Some((id, contribution.organisation)),
            contribution.version,
            may_restore,
        )
    };
    let organisation_id = organisation.as_ref().map(|(id, _)| *id);
    let revisions = store::revisions(&state.pool, context.section.id, organisation_id).await?;
    let mut errors = FormErrors::new();
    let difference = match (query.from.as_str(), query.to.as_str()) {
        ("", "") => None,
        (from, to) => match (from.parse::<i32>(), to.parse::<i32>()) {
            (Ok(from), Ok(to)) => {
                let bodies = store::revision_bodies(
                    &state.pool,
                    context.section.id,
                    organisation_id,
                    [from, to],
                )
                .await?;
                let body = |number: i32| {
                    bodies
                        .iter()
                        .find(|(n, _)| *n == number)
                        .map(|(_, b)| b.as_str())
                };
                match (body(from), body(to)) {
                    (Some(old), Some(new)) => {
                        let changes = diff::words(old, new);
                        let (added, removed) = diff::stats(&changes);
                        Some(Difference {
                            from,
                            to,
                            html: diff::to_html(&changes),
                            added,
                            removed,
                        })
                    }
                    _ => {
                        errors.add("from", "Choose two saved versions to compare");
                        None
                    }
                }
            }
            _ => {
                errors.add("from", "Choose two saved versions to compare");
                None
            }
        },
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = HistoryPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        base: section_url(&context),
        area: context.area,
        plan: context.plan,
        section: context.section,
        organisation,
        revisions,
        difference,
        may_restore,
        version,
        errors,
    };
    Ok((status, page::render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RestoreForm {
    organisation: String,
    number: String,
    version: String,
}

async fn restore(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    let area_id = context.area.id;
    let organisation_id = match form.organisation.as_str() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| AppError::NotFound)?),
    };
    match organisation_id {
        None if !may_edit_text(
            &signed_in,
            area_id,
            context.section.assigned_organisation_id,
        ) =>
        {
            return Err(AppError::Forbidden);
        }
        Some(id) => require(
            &signed_in,
            Action::EditOrganisationContent,
            Target::organisation_in_area(area_id, id),
        )?,
        None => {}
    }
    let history_url = match organisation_id {
        Some(id) => format!("{}/history?organisation={id}", section_url(&context)),
        None => format!("{}/history", section_url(&context)),
    };
    let (Ok(number), Ok(version)) = (form.number.parse::<i32>(), form.version.parse::<i32>())
    else {
        // Not a form from the history page: show the history, where restoring starts.
        return Ok(see_other(&history_url));
    };
    if !context.section.status.is_open_for_editing() {
        return Ok(see_other(&history_url));
    }
    let bodies = store::revision_bodies(
        &state.pool,
        context.section.id,
        organisation_id,
        [number, number],
    )
    .await?;
    let Some((_, body)) = bodies.into_iter().next() else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let save = TextSave {
        body: &body,
        author_id: signed_in.user.id,
        at: now,
        restored_from: Some(number),
    };
    let saved = match organisation_id {
        None => {
            let status = context.section.status.after_save();
            store::save_section_text(&mut tx, context.section.id, version, status, &save).await?
        }
        Some(id) => {
            store::save_contribution(&mut tx, context.section.id, id, version, &save).await?
        }
    };
    let Some(new_version) = saved else {
        // Someone saved since the history was opened: show it again, with their version.
        drop(tx);
        return Ok(see_other(&history_url));
    };
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "revision.restored", "plan_section")
            .target(context.section.id)
            .area(area_id)
            .details(json!({
                "section": context.section.key,
                "organisation_id": organisation_id,
                "restored": number,
                "revision": new_version,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "{}?done=restored",
        section_url(&context)
    )))
}

// --- comments ----------------------------------------------------------------------------------

pub const MAX_COMMENT_CHARS: usize = 10_000;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    body: String,
    thread: String,
}

async fn add_comment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let context = load_section(&state, &signed_in, &path).await?;
    require(&signed_in, Action::Comment, Target::area(context.area.id))?;
    let thread_id = match form.thread.as_str() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| AppError::NotFound)?),
    };
    let field = match thread_id {
        Some(thread) => format!("reply-{thread}"),
        None => "comment".to_owned(),
    };
    let body = form.body.replace("\r\n", "\n");
    let length = body.trim().chars().count();
    let message = if length == 0 {
        Some("Enter your comment".to_owned())
    } else if body.chars().count() > MAX_COMMENT_CHARS {
        Some(format!(
            "A comment must be {} characters or fewer",
            MAX_COMMENT_CHARS
        ))
    } else {
        None
    };
    if let Some(message) = message {
        let mut errors = FormErrors::new();
        errors.add(field, message);
        // The text is kept: it goes back into its box.
        let problem = PageProblem {
            errors,
            comment: Some((thread_id, form.body.clone())),
            ..PageProblem::default()
        };
        return problem_page(&state, &signed_in, context, problem).await;
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let Some(comment_id) = store::add_comment(
        &mut *tx,
        context.section.id,
        thread_id,
        signed_in.user.id,
        &body,
        now,
    )
    .await?
    else {
        return Err(AppError::NotFound);
    };
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), "comment.added", "comment")
            .target(comment_id)
            .area(context.area.id)
            .details(json!({ "section": context.section.key, "thread": thread_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "{}?done=comment#comment-{comment_id}",
        section_url(&context)
    )))
}

async fn set_thread(
    state: AppState,
    signed_in: SignedIn,
    path: (String, String, String, i64),
    resolved: bool,
) -> Result<Response, AppError> {
    let (slug, plan_key, section_key, thread_id) = path;
    let context = load_section(&state, &signed_in, &(slug, plan_key, section_key)).await?;
    require(&signed_in, Action::Comment, Target::area(context.area.id))?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if !store::set_thread_resolved(
        &mut *tx,
        context.section.id,
        thread_id,
        resolved,
        signed_in.user.id,
        now,
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    let action = if resolved {
        "comment.resolved"
    } else {
        "comment.reopened"
    };
    audit::store::append(
        &mut tx,
        now,
        &Event::new(actor(&signed_in), action, "comment")
            .target(thread_id)
            .area(context.area.id)
            .details(json!({ "section": context.section.key })),
    )
    .await?;
    tx.commit().await?;
    let done = if resolved {
        "resolved"
    } else {
        "reopened-thread"
    };
    Ok(see_other(&format!(
        "{}?done={done}#comment-{thread_id}",
        section_url(&context)
    )))
}

async fn resolve_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String, i64)>,
) -> Result<Response, AppError> {
    set_thread(state, signed_in, path, true).await
}

async fn reopen_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<(String, String, String, i64)>,
) -> Result<Response, AppError> {
    set_thread(state, signed_in, path, false).await
}

// --- search ------------------------------------------------------------------------------------

/// A search result, with the matched words marked.
struct HitView {
    hit: store::SearchHit,
    /// The excerpt as (text, is_match) pieces, so the template escapes every piece.
    pieces: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "plans/search.html")]
struct SearchPage {
    layout: Layout,
    area: AreaSummary,
    query: String,
    hits: Vec<HitView>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchQuery {
    q: String,
}

/// Splits `ts_headline` output at its `<<` `>>` markers.
fn excerpt_pieces(excerpt: &str) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut rest = excerpt;
    while let Some(start) = rest.find("<<") {
        if start > 0 {
            pieces.push((rest[..start].to_owned(), false));
        }
        let after = &rest[start + 2..];
        match after.find(">>") {
            Some(end) => {
                pieces.push((after[..end].to_owned(), true));
                rest = &after[end + 2..];
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    if !rest.is_empty() {
        pieces.push((rest.to_owned(), false));
    }
    pieces
}

async fn search(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    let text = query.q.trim().to_owned();
    let mut errors = FormErrors::new();
    if text.chars().count() > 200 {
        errors.add("q", "Search for 200 characters or fewer");
    }
    let hits = if text.is_empty() || !errors.is_empty() {
        Vec::new()
    } else {
        store::search(&state.pool, area.id, &text)
            .await?
            .into_iter()
            .map(|hit| HitView {
                pieces: excerpt_pieces(&hit.excerpt),
                hit,
            })
            .collect()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SearchPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        query: query.q,
        hits,
        errors,
    };
    Ok((status, page::render(&page)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::{excerpt_pieces, notice};

    #[test]
    fn search_excerpts_are_split_at_the_match_markers() {
        assert_eq!(
            excerpt_pieces("the <<care>> home and <<care>>"),
            vec![
                ("the ".to_owned(), false),
                ("care".to_owned(), true),
                (" home and ".to_owned(), false),
                ("care".to_owned(), true),
            ]
        );
        assert_eq!(
            excerpt_pieces("no match"),
            vec![("no match".to_owned(), false)]
        );
    }

    #[test]
    fn notices_come_from_a_fixed_list() {
        assert_eq!(notice("saved"), "Your changes have been saved");
        assert_eq!(notice("<script>"), "");
    }
}
