//! The pages of the plan's engagement log: the list (newest first), adding an entry, an entry
//! with its edit form, and removing one after a confirmation. Edits and removals name the
//! version the form was opened on (409 when someone changed the entry since).

use crate::areas::frozen::EditingClosed;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::store::{self, StoredEntry};
use super::{Entry, EntryForm, EntryId, differences, may_log};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::parts::editing::{Difference, saved_by};
use crate::plans::store::PlanSummary;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::page::see_other;
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans/{plan}/engagement", list),
        get("/areas/{slug}/plans/{plan}/engagement/new", new_entry),
        post("/areas/{slug}/plans/{plan}/engagement/new", add),
        get("/areas/{slug}/plans/{plan}/engagement/{entry_id}", show),
        post("/areas/{slug}/plans/{plan}/engagement/{entry_id}", update),
        post(
            "/areas/{slug}/plans/{plan}/engagement/{entry_id}/remove",
            remove,
        ),
    ]
}

keyed_enum! {
    /// The banner after a change to the log.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Added = ("added", "The entry has been added to the engagement log"),
        Saved = ("saved", "Your changes to the entry have been saved"),
        Removed = ("removed", "The entry has been removed from the engagement log"),
        Unchanged = ("unchanged", "Nothing was changed: the entry was already as saved"),
        AlreadyRemoved = (
            "already-removed",
            "The entry had already been removed from the engagement log"
        ),
    }
}

/// An entry as shown.
struct EntryView {
    id: EntryId,
    held_on: String,
    audience: String,
    what_done: String,
    what_changed: String,
    updated: String,
}

impl EntryView {
    fn of(stored: &StoredEntry) -> EntryView {
        EntryView {
            id: stored.id,
            held_on: format::date(stored.entry.held_on),
            audience: stored.entry.audience.clone(),
            what_done: stored.entry.what_done.clone(),
            what_changed: stored.entry.what_changed.clone(),
            updated: saved_by(stored.updated_at, stored.updated_by.as_deref()),
        }
    }
}

#[derive(Template)]
#[template(path = "plans/parts/engagement/list.html")]
struct ListPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    may_edit: bool,
    entries: Vec<EntryView>,
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
    let entries = store::list_entries(&state.pool, cycle.plan.id).await?;
    page::ok(&ListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        may_edit: frozen.is_none() && may_log(&signed_in.user.principal(), cycle.area.id),
        frozen,
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "engagement",
        banner: done.banner::<Done>(),
        entries: entries.iter().map(EntryView::of).collect(),
    })
}

/// The entry form: where it posts and what it holds.
struct FormView {
    action: String,
    form: EntryForm,
    button: &'static str,
}

#[derive(Template)]
#[template(path = "plans/parts/engagement/new.html")]
struct NewPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    errors: FormErrors,
    /// Why the form is back, when it is not for its errors (an entry removed meanwhile), or "".
    notice: String,
    view: FormView,
}

fn new_page(
    cycle: PlanInCycle,
    signed_in: &SignedIn,
    form: EntryForm,
    errors: FormErrors,
    notice: String,
) -> NewPage {
    NewPage {
        notice,
        layout: Layout::for_session(Some(&signed_in.session)),
        view: FormView {
            action: format!("{}/engagement/new", cycle.url()),
            form,
            button: "Add the entry",
        },
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "engagement",
        errors,
    }
}

/// The plan, for someone who may keep its log.
async fn writable(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
) -> Result<PlanInCycle, AppError> {
    let cycle = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
    if !may_log(&signed_in.user.principal(), cycle.area.id) {
        return Err(AppError::Forbidden);
    }
    Ok(cycle)
}

async fn new_entry(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let cycle = writable(&state, &signed_in, &slug, &plan_key).await?;
    if cycle.editing_closed(&state).await?.is_some() {
        // In sign-off: the log says so, and offers no form.
        return Ok(see_other(&format!("{}/engagement", cycle.url())));
    }
    page::ok(&new_page(
        cycle,
        &signed_in,
        EntryForm::default(),
        FormErrors::new(),
        String::new(),
    ))
}

fn typed(form: &EntryForm) -> Typed {
    Typed::text("Audience", &form.audience)
        .and("What was done", &form.what_done)
        .and("What changed as a result", &form.what_changed)
}

async fn add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Form(form): Form<EntryForm>,
) -> Result<Response, AppError> {
    let kept = typed(&form);
    add_entry(&state, &signed_in, &slug, &plan_key, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn add_entry(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    form: EntryForm,
) -> Result<Response, AppError> {
    let cycle = writable(state, signed_in, slug, plan_key).await?;
    let entry = match form.parse() {
        Ok(entry) => entry,
        Err(errors) => {
            let page = new_page(cycle, signed_in, form, errors, String::new());
            return page::unprocessable(&page);
        }
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let back = format!("{}/engagement", cycle.url());
    cycle.ask_guard(&mut change, &back).await?;
    let at = change.at();
    let added =
        store::add_entry_if_room(change.db(), cycle.plan.id, &entry, at, signed_in.user.id).await?;
    let Some(id) = added else {
        drop(change);
        let mut errors = FormErrors::new();
        errors.add("held_on", super::full_message());
        let page = new_page(cycle, signed_in, form, errors, String::new());
        return page::unprocessable(&page);
    };
    change
        .commit(
            &Event::new(actor(signed_in), "engagement.added", "engagement_entry")
                .target(id)
                .area(cycle.area.id)
                .details(details(&cycle, &entry)),
        )
        .await?;
    Ok(see_done(
        &format!("{}/engagement", cycle.url()),
        Done::Added,
    ))
}

fn details(cycle: &PlanInCycle, entry: &Entry) -> serde_json::Value {
    json!({
        "plan": cycle.plan.template_key,
        "held_on": super::iso(entry.held_on),
        "audience": entry.audience,
    })
}

#[derive(Template)]
#[template(path = "plans/parts/engagement/entry.html")]
struct EntryPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    errors: FormErrors,
    entry: EntryView,
    may_edit: bool,
    view: FormView,
    version: i32,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

#[derive(Template)]
#[template(path = "plans/parts/engagement/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    errors: FormErrors,
    entry: EntryView,
    differences: Vec<Difference>,
    view: FormView,
}

/// The plan and the entry the URL names; not found unless the entry is the plan's.
async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    entry_id: &str,
) -> Result<(PlanInCycle, StoredEntry), AppError> {
    let cycle = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
    let stored = find(state, &cycle, entry_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((cycle, stored))
}

/// The plan's entry the URL names, or `None` when there is none (removed, perhaps, while
/// someone had it open); not found when the URL names no entry at all.
async fn find(
    state: &AppState,
    cycle: &PlanInCycle,
    entry_id: &str,
) -> Result<Option<StoredEntry>, AppError> {
    let id = entry_id.parse().map_err(|_| AppError::NotFound)?;
    Ok(store::find_entry(&state.pool, cycle.plan.id, EntryId::new(id)).await?)
}

/// The 409 page for a save of an entry removed while it was being edited: the add form
/// holding the person's values, so that nothing typed is lost.
fn removed_meanwhile(
    signed_in: &SignedIn,
    cycle: PlanInCycle,
    form: EntryForm,
) -> Result<Response, AppError> {
    let notice = "Someone removed this entry while you were editing it, so your changes were not saved. Your version is in the form below: add it as a new entry if it is still needed.".to_owned();
    let form = EntryForm {
        version: String::new(),
        ..form
    };
    page::conflict(&new_page(cycle, signed_in, form, FormErrors::new(), notice))
}

fn entry_page(
    signed_in: &SignedIn,
    cycle: PlanInCycle,
    stored: &StoredEntry,
    form: EntryForm,
    errors: FormErrors,
    banner: &'static str,
) -> EntryPage {
    EntryPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        may_edit: may_log(&signed_in.user.principal(), cycle.area.id),
        view: FormView {
            action: format!("{}/engagement/{}", cycle.url(), stored.id),
            form,
            button: "Save changes",
        },
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "engagement",
        banner,
        errors,
        entry: EntryView::of(stored),
        version: stored.version,
        frozen: None,
    }
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, entry_id)): Path<(String, String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let (cycle, stored) = load(&state, &signed_in, &slug, &plan_key, &entry_id).await?;
    let frozen = cycle.editing_closed(&state).await?;
    let form = EntryForm::of(&stored.entry, stored.version);
    let mut page = entry_page(
        &signed_in,
        cycle,
        &stored,
        form,
        FormErrors::new(),
        done.banner::<Done>(),
    );
    page.may_edit &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, entry_id)): Path<(String, String, String)>,
    Form(form): Form<EntryForm>,
) -> Result<Response, AppError> {
    let kept = typed(&form);
    update_entry(&state, &signed_in, &slug, &plan_key, &entry_id, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn update_entry(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    entry_id: &str,
    form: EntryForm,
) -> Result<Response, AppError> {
    let cycle = writable(state, signed_in, slug, plan_key).await?;
    let Some(stored) = find(state, &cycle, entry_id).await? else {
        return removed_meanwhile(signed_in, cycle, form);
    };
    let version = form.version.trim().parse::<i32>().ok();
    let (entry, version) = match (form.parse(), version) {
        (Ok(entry), Some(version)) => (entry, version),
        (parsed, version) => {
            let mut errors = parsed.err().unwrap_or_default();
            if version.is_none() {
                errors.add(
                    "held_on",
                    "This form was out of date, so nothing was saved. Check the entry and save again.",
                );
            }
            let page = entry_page(signed_in, cycle, &stored, form, errors, "");
            return page::unprocessable(&page);
        }
    };
    if entry == stored.entry {
        // Saved as it stands: no new version, nothing to record.
        return Ok(see_done(
            &format!("{}/engagement/{}", cycle.url(), stored.id),
            Done::Unchanged,
        ));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let back = format!("{}/engagement/{}", cycle.url(), stored.id);
    cycle.ask_guard(&mut change, &back).await?;
    let at = change.at();
    let saved = store::update_entry(
        change.db(),
        cycle.plan.id,
        stored.id,
        version,
        &entry,
        at,
        signed_in.user.id,
    )
    .await?;
    let Some(new_version) = saved else {
        drop(change);
        // Read again: someone changed (or removed) it after this form was opened.
        let Some(current) = store::find_entry(&state.pool, cycle.plan.id, stored.id).await? else {
            return removed_meanwhile(signed_in, cycle, form);
        };
        let differences = differences(&current.entry, &entry);
        let form = EntryForm {
            version: current.version.to_string(),
            ..form
        };
        return page::conflict(&ConflictPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            view: FormView {
                action: format!("{}/engagement/{}", cycle.url(), current.id),
                form,
                button: "Save my version",
            },
            approval: cycle.approval,
            area: cycle.area,
            plan: cycle.plan,
            part: "engagement",
            errors: FormErrors::new(),
            entry: EntryView::of(&current),
            differences,
        });
    };
    let mut details = details(&cycle, &entry);
    details["version"] = json!(new_version);
    details["changed"] = json!(
        super::differences(&stored.entry, &entry)
            .into_iter()
            .map(|difference| difference.label)
            .collect::<Vec<_>>()
    );
    change
        .commit(
            &Event::new(actor(signed_in), "engagement.changed", "engagement_entry")
                .target(stored.id)
                .area(cycle.area.id)
                .details(details),
        )
        .await?;
    Ok(see_done(
        &format!("{}/engagement/{}", cycle.url(), stored.id),
        Done::Saved,
    ))
}

/// The removal form: the version the person saw, and their confirmation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct RemoveForm {
    version: String,
    confirm: String,
}

#[derive(Template)]
#[template(path = "plans/parts/engagement/remove.html")]
struct RemovePage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    entry: EntryView,
    version: i32,
    /// Says the entry changed since the person asked to remove it, or "".
    changed: &'static str,
}

/// Without a confirmation, asks for one (nothing changes); with it, removes the entry if it is
/// still as the person saw it, and asks again showing it as it now is otherwise (409).
async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, entry_id)): Path<(String, String, String)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let cycle = writable(&state, &signed_in, &slug, &plan_key).await?;
    let Some(stored) = find(&state, &cycle, &entry_id).await? else {
        // Removed by someone else before this removal came: what was asked for is done.
        return Ok(see_done(
            &format!("{}/engagement", cycle.url()),
            Done::AlreadyRemoved,
        ));
    };
    let version = form.version.trim().parse::<i32>().ok();
    let confirm_page = |cycle: PlanInCycle, stored: &StoredEntry, changed| RemovePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        approval: cycle.approval,
        area: cycle.area,
        plan: cycle.plan,
        part: "engagement",
        entry: EntryView::of(stored),
        version: stored.version,
        changed,
    };
    if version != Some(stored.version) && form.confirm == "yes" {
        return page::conflict(&confirm_page(
            cycle,
            &stored,
            "Someone changed this entry after you chose to remove it. Check it is still the one to remove.",
        ));
    }
    if form.confirm != "yes" {
        return page::ok(&confirm_page(cycle, &stored, ""));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let back = format!("{}/engagement/{}", cycle.url(), stored.id);
    cycle.ask_guard(&mut change, &back).await?;
    if !store::remove_entry(change.db(), cycle.plan.id, stored.id, stored.version).await? {
        drop(change);
        let Some(current) = store::find_entry(&state.pool, cycle.plan.id, stored.id).await? else {
            return Ok(see_done(
                &format!("{}/engagement", cycle.url()),
                Done::AlreadyRemoved,
            ));
        };
        return page::conflict(&confirm_page(
            cycle,
            &current,
            "Someone changed this entry after you chose to remove it. Check it is still the one to remove.",
        ));
    }
    let mut details = details(&cycle, &stored.entry);
    details["what_done"] = json!(stored.entry.what_done);
    details["what_changed"] = json!(stored.entry.what_changed);
    change
        .commit(
            &Event::new(actor(&signed_in), "engagement.removed", "engagement_entry")
                .target(stored.id)
                .area(cycle.area.id)
                .details(details),
        )
        .await?;
    Ok(see_done(
        &format!("{}/engagement", cycle.url()),
        Done::Removed,
    ))
}
