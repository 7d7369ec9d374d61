//! The structure pages of a template: its financial years, funding streams, metrics, national
//! conditions and key dates, and changing them one item at a time (the sign-off route has its own
//! page, `route_pages`). Each change stores a new version of the
//! whole structure (plans keep the version they were made from), under optimistic locking: a
//! form names the version it was opened on, and saving over a newer one is refused (409) with
//! everything typed kept.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::Done;
use super::shared::{load_template, template_url};
use super::store::{self, StructureVersion, TemplateRow};
use super::structure::{
    CycleStructure, DateKind, Direction, KeyDate, Spending, StructureParts, StructureProblem,
};
use super::structure_form::{
    ConditionForm, DateForm, MetricForm, Part, StreamForm, YearsForm, has_item, put, remove_item,
};
use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{self, Choice, yes_no};
use crate::web::extract::{Form, Path, Query};
use crate::web::format;
use crate::web::page::{conflict, ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout};

/// What a URL names in place of an item's key to add a new one.
const NEW: &str = "new";

pub(super) const CONFLICT: &str = "Someone else changed this template's structure after you opened this page. Your changes are below and have not been saved: check the structure as it is now (open it again in another tab), then save again.";

pub(super) fn structure_url(template_key: &str) -> String {
    format!("{}/structure", template_url(template_key))
}

/// The template's current structure; a template without one has nothing to show.
pub(super) async fn current(
    state: &AppState,
    template: &TemplateRow,
) -> Result<StructureVersion, AppError> {
    store::current_structure(&state.pool, template.id)
        .await?
        .ok_or(AppError::NotFound)
}

// --- the structure page -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/templates/structure.html")]
struct StructurePage {
    layout: Layout,
    banner: &'static str,
    template: TemplateRow,
    structure: CycleStructure,
    saved_at: String,
    saved_by: Option<String>,
    plans_on_earlier: i64,
}

impl StructurePage {
    fn period_dates(period: &super::structure::Period) -> String {
        format!(
            "{} to {}",
            format::date(period.starts),
            format::date(period.ends)
        )
    }

    fn key_date(date: &KeyDate) -> String {
        format::date(date.date)
    }
}

pub(super) async fn show_structure(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let template = load_template(&state, &key).await?;
    let version = current(&state, &template).await?;
    let plans_on_earlier =
        store::plans_on_earlier_structures(&state.pool, template.id, version.id).await?;
    ok(&StructurePage {
        layout: admin.layout(),
        banner: query.banner::<Done>(),
        template,
        structure: version.structure,
        saved_at: format::date_time(version.created_at),
        saved_by: version.created_by,
        plans_on_earlier,
    })
}

// --- one item -----------------------------------------------------------------------------------

/// The item page: the form of one stream, metric, condition or key date (only the one `part` names is
/// used), as stored or as typed.
#[derive(Template)]
#[template(path = "plans/templates/structure_item.html")]
struct ItemPage {
    layout: Layout,
    errors: FormErrors,
    template: TemplateRow,
    part: Part,
    /// The item's key, or empty when adding one.
    item: String,
    based_on: String,
    stream: StreamForm,
    metric: MetricForm,
    condition: ConditionForm,
    date: DateForm,
    mandated: Vec<Choice>,
    spending: Vec<Choice>,
    better: Vec<Choice>,
    pay_for_performance: Vec<Choice>,
    kind: Vec<Choice>,
}

/// The form of one item, as typed: whichever part the URL names.
#[derive(Clone, Debug, Default)]
struct ItemForms {
    stream: StreamForm,
    metric: MetricForm,
    condition: ConditionForm,
    date: DateForm,
}

impl ItemPage {
    fn new(
        layout: Layout,
        errors: FormErrors,
        template: TemplateRow,
        part: Part,
        item: Option<&str>,
        based_on: String,
        forms: ItemForms,
    ) -> ItemPage {
        ItemPage {
            mandated: yes_no(&forms.stream.mandated),
            spending: choice::keyed::<Spending>(&forms.stream.spending),
            better: choice::keyed::<Direction>(&forms.metric.better),
            pay_for_performance: yes_no(&forms.metric.pay_for_performance),
            kind: choice::keyed::<DateKind>(&forms.date.kind),
            layout,
            errors,
            template,
            part,
            item: item.unwrap_or_default().to_owned(),
            based_on,
            stream: forms.stream,
            metric: forms.metric,
            condition: forms.condition,
            date: forms.date,
        }
    }

    fn adding(&self) -> bool {
        self.item.is_empty()
    }
}

/// The part and item a URL names: `None` for the item when it says `new`.
fn parse_item<'a>(part: &str, item: &'a str) -> Result<(Part, Option<&'a str>), AppError> {
    let part = Part::parse(part).ok_or(AppError::NotFound)?;
    Ok((part, (item != NEW).then_some(item)))
}

/// The stored item's form, or a blank one when adding; 404 for an item the structure lacks.
fn stored_forms(
    parts: &StructureParts,
    part: Part,
    item: Option<&str>,
) -> Result<ItemForms, AppError> {
    let mut forms = ItemForms::default();
    let Some(key) = item else {
        return Ok(forms);
    };
    let found = match part {
        Part::Streams => parts
            .streams
            .iter()
            .find(|stream| stream.key == key)
            .map(|stream| forms.stream = StreamForm::of(stream)),
        Part::Metrics => parts
            .metrics
            .iter()
            .find(|metric| metric.key == key)
            .map(|metric| forms.metric = MetricForm::of(metric)),
        Part::Conditions => parts
            .conditions
            .iter()
            .find(|condition| condition.key == key)
            .map(|condition| forms.condition = ConditionForm::of(condition)),
        Part::Dates => parts
            .dates
            .iter()
            .find(|date| date.key == key)
            .map(|date| forms.date = DateForm::of(date)),
    };
    found.map(|()| forms).ok_or(AppError::NotFound)
}

pub(super) async fn edit_item(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, part, item)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (part, item) = parse_item(&part, &item)?;
    let template = load_template(&state, &key).await?;
    let version = current(&state, &template).await?;
    let forms = stored_forms(&version.structure.clone().into_parts(), part, item)?;
    ok(&ItemPage::new(
        admin.layout(),
        FormErrors::new(),
        template,
        part,
        item,
        version.id.to_string(),
        forms,
    ))
}

/// The typed item form of `part`, from the posted fields.
fn typed_forms(part: Part, fields: &[(String, String)]) -> Result<ItemForms, AppError> {
    let encoded = serde_urlencoded::to_string(fields).map_err(|_| AppError::BadRequest)?;
    let mut forms = ItemForms::default();
    match part {
        Part::Streams => {
            forms.stream = serde_urlencoded::from_str(&encoded).map_err(|_| AppError::BadRequest)?
        }
        Part::Metrics => {
            forms.metric = serde_urlencoded::from_str(&encoded).map_err(|_| AppError::BadRequest)?
        }
        Part::Conditions => {
            forms.condition =
                serde_urlencoded::from_str(&encoded).map_err(|_| AppError::BadRequest)?
        }
        Part::Dates => {
            forms.date = serde_urlencoded::from_str(&encoded).map_err(|_| AppError::BadRequest)?
        }
    }
    Ok(forms)
}

fn based_on(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .find(|(name, _)| name == "based_on")
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// Problems the whole structure has with the changed item, by the item's fields.
fn item_problems(problems: &[StructureProblem], part: Part, item: &str, errors: &mut FormErrors) {
    for problem in problems {
        if problem.part == part.key() && problem.item.as_deref().is_none_or(|key| key == item) {
            let mut message = problem.message.clone();
            if let Some(first) = message.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            errors.add(problem.field, message);
        }
    }
}

pub(super) async fn save_item(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, part, item)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (part, item) = parse_item(&part, &item)?;
    let template = load_template(&state, &key).await?;
    let layout = admin.layout();
    let forms = typed_forms(part, &fields)?;
    let based_on = based_on(&fields);
    let mut errors = FormErrors::new();
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::lock_template(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = store::current_structure(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut parts = version.structure.clone().into_parts();
    if item.is_some_and(|key| !has_item(&parts, part, key)) {
        return Err(AppError::NotFound);
    }
    let page = |errors, based_on: String| {
        ItemPage::new(
            layout.clone(),
            errors,
            template.clone(),
            part,
            item,
            based_on,
            forms.clone(),
        )
    };
    if based_on != version.id.to_string() {
        drop(change);
        errors.add(first_field(part), CONFLICT);
        return conflict(&page(errors, version.id.to_string()));
    }
    // Parse and put the item in its place; then check the whole structure with it.
    let placed = match part {
        Part::Streams => forms.stream.parse(item, &mut errors).map(|stream| {
            place(
                &mut parts.streams,
                stream,
                |s| &s.key,
                item,
                part,
                &mut errors,
            )
        }),
        Part::Metrics => forms.metric.parse(item, &mut errors).map(|metric| {
            place(
                &mut parts.metrics,
                metric,
                |m| &m.key,
                item,
                part,
                &mut errors,
            )
        }),
        Part::Conditions => forms.condition.parse(item, &mut errors).map(|condition| {
            place(
                &mut parts.conditions,
                condition,
                |c| &c.key,
                item,
                part,
                &mut errors,
            )
        }),
        Part::Dates => forms
            .date
            .parse(item, &mut errors)
            .map(|date| place(&mut parts.dates, date, |d| &d.key, item, part, &mut errors)),
    };
    let Some((item_key, before, after)) = placed else {
        return unprocessable(&page(errors, based_on));
    };
    let structure = match CycleStructure::new(parts) {
        Ok(structure) if errors.is_empty() => structure,
        Ok(_) => return unprocessable(&page(errors, based_on)),
        Err(problems) => {
            item_problems(&problems, part, &item_key, &mut errors);
            if errors.is_empty() {
                // A problem elsewhere in the structure (stored before its checks grew): say so
                // rather than save what would not read back.
                errors.add(
                    first_field(part),
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            return unprocessable(&page(errors, based_on));
        }
    };
    if before.as_ref() == Some(&after) {
        drop(change);
        return Ok(see_done(
            &structure_url(&template.key),
            Done::StructureSaved,
        ));
    }
    store_version(
        change,
        &admin,
        &template,
        &structure,
        json!({
            "template": template.key,
            "part": part.key(),
            "item": item_key,
            "before": before,
            "after": after,
        }),
        Done::StructureSaved,
    )
    .await
}

/// Puts a parsed item in its place among `items` (a new one must have a short name of its own);
/// returns its key and its JSON before (if it existed) and after, for the audit record.
fn place<T: serde::Serialize>(
    items: &mut Vec<T>,
    item: T,
    key_of: fn(&T) -> &str,
    changing: Option<&str>,
    part: Part,
    errors: &mut FormErrors,
) -> (String, Option<Value>, Value) {
    let key = key_of(&item).to_owned();
    let before = items
        .iter()
        .find(|existing| key_of(existing) == key)
        .map(json_of);
    if changing.is_none() && before.is_some() {
        errors.add(
            "key",
            format!(
                "This template already has a {} with this short name",
                part.label()
            ),
        );
    }
    let after = json_of(&item);
    put(items, item, key_of);
    (key, before, after)
}

/// Stores `structure` as the template's new version and records the change; then back to the
/// structure page saying `done`.
pub(super) async fn store_version(
    mut change: Change,
    admin: &Admin,
    template: &TemplateRow,
    structure: &CycleStructure,
    details: Value,
    done: Done,
) -> Result<Response, AppError> {
    let at = change.at();
    let id =
        store::insert_structure(change.db(), template.id, structure, at, admin.user_id()).await?;
    change
        .commit(
            &Event::new(
                admin.actor(),
                "template_structure.changed",
                "template_structure",
            )
            .target(id)
            .details(details),
        )
        .await?;
    Ok(see_done(&structure_url(&template.key), done))
}

fn first_field(part: Part) -> &'static str {
    match part {
        Part::Streams | Part::Metrics => "name",
        Part::Conditions | Part::Dates => "title",
    }
}

pub(super) fn json_of<T: serde::Serialize>(item: &T) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

pub(super) async fn remove_structure_item(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, part, item)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (part, Some(item)) = parse_item(&part, &item)? else {
        return Err(AppError::NotFound);
    };
    let template = load_template(&state, &key).await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::lock_template(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = store::current_structure(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut parts = version.structure.clone().into_parts();
    let before = stored_forms(&parts, part, Some(item))?;
    if based_on(&fields) != version.id.to_string() {
        drop(change);
        let mut errors = FormErrors::new();
        errors.add(
            first_field(part),
            CONFLICT.replace(
                "Your changes are below and have not been saved",
                "Nothing was removed",
            ),
        );
        let page = ItemPage::new(
            admin.layout(),
            errors,
            template,
            part,
            Some(item),
            version.id.to_string(),
            before,
        );
        return conflict(&page);
    }
    let removed = match part {
        Part::Streams => parts.streams.iter().find(|s| s.key == item).map(json_of),
        Part::Metrics => parts.metrics.iter().find(|m| m.key == item).map(json_of),
        Part::Conditions => parts.conditions.iter().find(|c| c.key == item).map(json_of),
        Part::Dates => parts.dates.iter().find(|d| d.key == item).map(json_of),
    };
    remove_item(&mut parts, part, item);
    let structure = CycleStructure::new(parts).map_err(|problems| {
        AppError::Internal(anyhow::anyhow!(
            "removing an item left an invalid structure: {problems:?}"
        ))
    })?;
    store_version(
        change,
        &admin,
        &template,
        &structure,
        json!({
            "template": template.key,
            "part": part.key(),
            "item": item,
            "before": removed,
            "after": Value::Null,
        }),
        Done::StructureItemRemoved,
    )
    .await
}

// --- financial years ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/templates/structure_years.html")]
struct YearsPage {
    layout: Layout,
    errors: FormErrors,
    template: TemplateRow,
    form: YearsForm,
}

pub(super) async fn edit_years(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let template = load_template(&state, &key).await?;
    let version = current(&state, &template).await?;
    let mut form = YearsForm::of(version.structure.years());
    form.based_on = version.id.to_string();
    ok(&YearsPage {
        layout: admin.layout(),
        errors: FormErrors::new(),
        template,
        form,
    })
}

pub(super) async fn save_years(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
    Form(mut form): Form<YearsForm>,
) -> Result<Response, AppError> {
    let template = load_template(&state, &key).await?;
    let layout = admin.layout();
    let mut errors = FormErrors::new();
    let Some(years) = form.parse(&mut errors) else {
        return unprocessable(&YearsPage {
            layout,
            errors,
            template,
            form,
        });
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::lock_template(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = store::current_structure(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if form.based_on != version.id.to_string() {
        drop(change);
        errors.add("years", CONFLICT);
        form.based_on = version.id.to_string();
        return conflict(&YearsPage {
            layout,
            errors,
            template,
            form,
        });
    }
    let before = json_of(&version.structure.years());
    let mut parts = version.structure.into_parts();
    parts.years = years;
    let after = json_of(&parts.years);
    let structure = match CycleStructure::new(parts) {
        Ok(structure) => structure,
        Err(problems) => {
            for problem in problems.iter().filter(|problem| problem.part == "years") {
                errors.add("years", problem.to_string());
            }
            if errors.is_empty() {
                errors.add(
                    "years",
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            return unprocessable(&YearsPage {
                layout,
                errors,
                template,
                form,
            });
        }
    };
    if before == after {
        drop(change);
        return Ok(see_done(
            &structure_url(&template.key),
            Done::StructureSaved,
        ));
    }
    store_version(
        change,
        &admin,
        &template,
        &structure,
        json!({
            "template": template.key,
            "part": "years",
            "before": before,
            "after": after,
        }),
        Done::StructureSaved,
    )
    .await
}
