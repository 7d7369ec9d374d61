//! The template administration pages, for administrators only (`Action::Administer`): the list
//! of templates with a copy form for each, a template's sections with their order, and a
//! section's details. Every change is made in one transaction, with the template row locked and
//! the audit record, then redirects (303) to the template page with a fixed success message
//! (`Done`). Bad input re-renders the page (422) with everything typed kept.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::store::{self, TemplateRow, TemplateSection};
use super::{
    Direction, Done, Guidance, SectionDetails, SectionKey, SectionTitle, TemplateKey, TemplateName,
    changed_fields, parse_kind, parse_yes_no, section_json,
};
use crate::AppState;
use crate::admin::routes::authorise;
use crate::admin::store::violated_constraint;
use crate::audit::{self, Event};
use crate::auth::extract::SignedIn;
use crate::auth::extract::actor;
use crate::plans::section::SectionKind;
use crate::web::extract::{Form, Path};
use crate::web::form::fingerprint;
use crate::web::page::{conflict, ok, see_other, unprocessable};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, FormErrors, Layout};

pub fn routes() -> Vec<Route> {
    vec![
        get("/admin/templates", list_templates),
        get("/admin/templates/{key}", show_template),
        post("/admin/templates/{key}/copy", copy_template),
        post("/admin/templates/{key}/sections", add_section),
        get("/admin/templates/{key}/sections/{section}", edit_section),
        post("/admin/templates/{key}/sections/{section}", update_section),
        post(
            "/admin/templates/{key}/sections/{section}/move",
            move_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}/remove",
            remove_section,
        ),
    ]
}

/// The id of the template page's section list, where problems with moving or removing a section
/// are shown (and the error summary links to).
const SECTIONS_FIELD: &str = "sections";

// --- shared ------------------------------------------------------------------------------------

fn template_url(key: &str) -> String {
    format!("/admin/templates/{key}")
}

/// The template a URL names; a key that could not be one names nothing.
async fn load_template(state: &AppState, raw_key: &str) -> Result<TemplateRow, AppError> {
    if !TemplateKey::parse(raw_key).is_ok_and(|key| key.as_str() == raw_key) {
        return Err(AppError::NotFound);
    }
    store::find_template(&state.pool, raw_key)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether a URL's section key could name a section (so others are not even looked up).
fn could_be_section(raw_key: &str) -> bool {
    SectionKey::parse(raw_key).is_ok_and(|key| key.as_str() == raw_key)
}

async fn load_section(
    state: &AppState,
    template: &TemplateRow,
    raw_key: &str,
) -> Result<TemplateSection, AppError> {
    if !could_be_section(raw_key) {
        return Err(AppError::NotFound);
    }
    store::find_section(&state.pool, template.id, raw_key)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// One option of a select or radios, with whether it is the one chosen (or typed).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    fn new(value: &str, label: &str, typed: &str) -> Choice {
        Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == typed,
        }
    }
}

fn kind_choices(typed: &str) -> Vec<Choice> {
    std::iter::once(Choice::new("", "Choose a kind", typed))
        .chain(
            SectionKind::ALL
                .into_iter()
                .map(|kind| Choice::new(kind.key(), kind.label(), typed)),
        )
        .collect()
}

fn yes_no(typed: &str) -> Vec<Choice> {
    vec![
        Choice::new("yes", "Yes", typed),
        Choice::new("no", "No", typed),
    ]
}

// --- the list of templates, and copying one ---------------------------------------------------

/// A template's copy form, with what was typed into it.
struct CopyForm {
    /// Ids of its inputs, unique on the page.
    key_field: String,
    name_field: String,
    key: String,
    name: String,
    /// Opened, because it comes back with a problem.
    open: bool,
}

struct TemplateListRow {
    template: TemplateRow,
    copy: CopyForm,
}

#[derive(Template)]
#[template(path = "plans/templates/templates.html")]
struct TemplatesPage {
    layout: Layout,
    errors: FormErrors,
    templates: Vec<TemplateListRow>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
struct CopyTemplateForm {
    key: String,
    name: String,
}

fn copy_field(template_key: &str, field: &str) -> String {
    format!("copy-{template_key}-{field}")
}

/// The list page; `typed` is the copy form that comes back, with the key of its template.
async fn templates_page(
    state: &AppState,
    layout: Layout,
    errors: FormErrors,
    typed: Option<(&str, &CopyTemplateForm)>,
) -> Result<TemplatesPage, AppError> {
    let templates = store::list_templates(&state.pool)
        .await?
        .into_iter()
        .map(|template| {
            let typed = typed
                .filter(|(key, _)| *key == template.key)
                .map(|(_, form)| form);
            TemplateListRow {
                copy: CopyForm {
                    key_field: copy_field(&template.key, "key"),
                    name_field: copy_field(&template.key, "name"),
                    key: typed.map(|form| form.key.clone()).unwrap_or_default(),
                    name: typed.map(|form| form.name.clone()).unwrap_or_default(),
                    open: typed.is_some(),
                },
                template,
            }
        })
        .collect();
    Ok(TemplatesPage {
        layout,
        errors,
        templates,
    })
}

async fn list_templates(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    ok(&templates_page(&state, layout, FormErrors::new(), None).await?)
}

async fn copy_template(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
    Form(form): Form<CopyTemplateForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let source = load_template(&state, &key).await?;
    let key_field = copy_field(&source.key, "key");
    let name_field = copy_field(&source.key, "name");
    let mut errors = FormErrors::new();
    let new_key = TemplateKey::parse(&form.key)
        .map_err(|problem| errors.add(key_field.clone(), problem))
        .ok();
    let name = TemplateName::parse(&form.name)
        .map_err(|problem| errors.add(name_field, problem))
        .ok();
    let (Some(new_key), Some(name)) = (new_key, name) else {
        let page = templates_page(&state, layout, errors, Some((&source.key, &form))).await?;
        return unprocessable(&page);
    };
    let mut tx = state.pool.begin().await?;
    let (id, sections) = match store::copy_template(&mut tx, source.id, &new_key, &name).await {
        Ok(copied) => copied,
        Err(error) if violated_constraint(&error) == Some("templates_key_key") => {
            drop(tx);
            errors.add(key_field, "A template with this short name already exists");
            let page = templates_page(&state, layout, errors, Some((&source.key, &form))).await?;
            return unprocessable(&page);
        }
        Err(error) => return Err(error.into()),
    };
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(actor(&signed_in), "template.copied", "template")
            .target(id)
            .details(json!({
                "from": source.key,
                "after": { "key": new_key.as_str(), "name": name.as_str(), "sections": sections },
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::TemplateCopied.on(&template_url(new_key.as_str())),
    ))
}

// --- a template and its sections ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/templates/template.html")]
struct TemplatePage {
    layout: Layout,
    banner: &'static str,
    errors: FormErrors,
    template: TemplateRow,
    sections: Vec<TemplateSection>,
    /// The add-a-section form, as typed.
    key: String,
    title: String,
    kinds: Vec<Choice>,
    per_organisation: Vec<Choice>,
    guidance: String,
}

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
struct SectionForm {
    key: String,
    title: String,
    kind: String,
    per_organisation: String,
    guidance: String,
    /// The fingerprint of the section when the edit form was opened.
    based_on: String,
}

impl SectionForm {
    fn of(section: &TemplateSection) -> SectionForm {
        SectionForm {
            key: section.key.clone(),
            title: section.title.clone(),
            kind: section.kind.key().to_owned(),
            per_organisation: if section.per_organisation {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
            guidance: section.guidance.clone(),
            based_on: String::new(),
        }
    }

    /// The title, kind, per-organisation and guidance, or the problems with them in `errors`.
    fn details(&self, errors: &mut FormErrors) -> Option<SectionDetails> {
        let title = SectionTitle::parse(&self.title)
            .map_err(|problem| errors.add("title", problem))
            .ok();
        let kind = parse_kind(&self.kind)
            .map_err(|problem| errors.add("kind", problem))
            .ok();
        let per_organisation = parse_yes_no(&self.per_organisation);
        if per_organisation.is_none() {
            errors.add(
                "per_organisation",
                "Choose whether each partner organisation writes its own part",
            );
        }
        let guidance = Guidance::parse(&self.guidance)
            .map_err(|problem| errors.add("guidance", problem))
            .ok();
        Some(SectionDetails {
            title: title?,
            kind: kind?,
            per_organisation: per_organisation?,
            guidance: guidance?,
        })
    }
}

async fn template_page(
    state: &AppState,
    layout: Layout,
    template: TemplateRow,
    errors: FormErrors,
    banner: &'static str,
    add: &SectionForm,
) -> Result<TemplatePage, AppError> {
    let sections = store::list_sections(&state.pool, template.id).await?;
    Ok(TemplatePage {
        layout,
        banner,
        errors,
        template,
        sections,
        key: add.key.clone(),
        title: add.title.clone(),
        kinds: kind_choices(&add.kind),
        per_organisation: yes_no(&add.per_organisation),
        guidance: add.guidance.clone(),
    })
}

/// The template page again (422) with one problem about its list of sections.
async fn refuse_on_template_page(
    state: &AppState,
    layout: Layout,
    template_key: &str,
    message: impl Into<String>,
) -> Result<Response, AppError> {
    // Read again: the counts may have changed while we looked.
    let template = load_template(state, template_key).await?;
    let mut errors = FormErrors::new();
    errors.add(SECTIONS_FIELD, message);
    let page = template_page(state, layout, template, errors, "", &SectionForm::default()).await?;
    unprocessable(&page)
}

async fn show_template(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let template = load_template(&state, &key).await?;
    let banner = Done::message_for(query.done.as_deref());
    let page = template_page(
        &state,
        layout,
        template,
        FormErrors::new(),
        banner,
        &SectionForm::default(),
    )
    .await?;
    ok(&page)
}

async fn add_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let template = load_template(&state, &key).await?;
    let mut errors = FormErrors::new();
    let section_key = SectionKey::parse(&form.key)
        .map_err(|problem| errors.add("key", problem))
        .ok();
    let details = form.details(&mut errors);
    let (Some(section_key), Some(details)) = (section_key, details) else {
        let page = template_page(&state, layout, template, errors, "", &form).await?;
        return unprocessable(&page);
    };
    let mut tx = state.pool.begin().await?;
    store::lock_template(&mut tx, template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let inserted = store::insert_section(&mut tx, template.id, &section_key, &details).await;
    let (section_id, position) = match inserted {
        Ok(inserted) => inserted,
        Err(error) if violated_constraint(&error) == Some("template_sections_key_key") => {
            drop(tx);
            errors.add(
                "key",
                "This template already has a section with this short name",
            );
            let page = template_page(&state, layout, template, errors, "", &form).await?;
            return unprocessable(&page);
        }
        Err(error) => return Err(error.into()),
    };
    // Every plan of the template gets the new section, so each has every section.
    let plans = store::add_section_to_plans(&mut tx, template.id, section_id).await?;
    let mut after = details.to_json();
    after.insert("key".into(), section_key.as_str().into());
    after.insert("position".into(), position.into());
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            actor(&signed_in),
            "template_section.added",
            "template_section",
        )
        .target(section_id)
        .details(json!({
            "template": template.key,
            "after": Value::Object(after),
            "added_to_plans": plans,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::SectionAdded.on(&template_url(&template.key)),
    ))
}

// --- a section ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/templates/section.html")]
struct SectionPage {
    layout: Layout,
    errors: FormErrors,
    template: TemplateRow,
    section: TemplateSection,
    title: String,
    kinds: Vec<Choice>,
    per_organisation: Vec<Choice>,
    guidance: String,
    /// The fingerprint of the section as shown, for the form.
    based_on: String,
}

fn section_page(
    layout: Layout,
    errors: FormErrors,
    template: TemplateRow,
    section: TemplateSection,
    form: &SectionForm,
) -> SectionPage {
    SectionPage {
        based_on: fingerprint(&Value::Object(stored_json(&section))),
        layout,
        errors,
        template,
        section,
        title: form.title.clone(),
        kinds: kind_choices(&form.kind),
        per_organisation: yes_no(&form.per_organisation),
        guidance: form.guidance.clone(),
    }
}

fn stored_json(section: &TemplateSection) -> serde_json::Map<String, Value> {
    section_json(
        &section.title,
        section.kind,
        section.per_organisation,
        &section.guidance,
    )
}

async fn edit_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((key, section_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let template = load_template(&state, &key).await?;
    let section = load_section(&state, &template, &section_key).await?;
    let form = SectionForm::of(&section);
    ok(&section_page(
        layout,
        FormErrors::new(),
        template,
        section,
        &form,
    ))
}

async fn update_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((key, section_key)): Path<(String, String)>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let template = load_template(&state, &key).await?;
    let section = load_section(&state, &template, &section_key).await?;
    let mut errors = FormErrors::new();
    let Some(details) = form.details(&mut errors) else {
        return unprocessable(&section_page(layout, errors, template, section, &form));
    };
    let mut tx = state.pool.begin().await?;
    store::lock_template(&mut tx, template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    // As it is now, with the template locked: the before of the audit record.
    let section = store::find_section(&mut *tx, template.id, &section.key)
        .await?
        .ok_or(AppError::NotFound)?;
    if form.based_on != fingerprint(&Value::Object(stored_json(&section))) {
        // Someone saved this section after the form was opened: show their version's
        // fingerprint with this person's text, so saving again is a deliberate choice.
        drop(tx);
        errors.add(
            "title",
            "Someone else changed this section after you opened this page. Your changes are below and have not been saved: check the section as it is now (open it again in another tab), then save again to replace it.",
        );
        let page = section_page(layout, errors, template, section, &form);
        return conflict(&page);
    }
    let (before, after) = changed_fields(&stored_json(&section), &details.to_json());
    if !after.is_empty() {
        store::update_section(&mut *tx, section.id, &details).await?;
        audit::store::append(
            &mut tx,
            state.clock.now(),
            &Event::new(
                actor(&signed_in),
                "template_section.updated",
                "template_section",
            )
            .target(section.id)
            .details(json!({
                "template": template.key,
                "section": section.key,
                "before": Value::Object(before),
                "after": Value::Object(after),
            })),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(see_other(
        &Done::SectionUpdated.on(&template_url(&template.key)),
    ))
}

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
struct MoveForm {
    direction: String,
}

async fn move_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((key, section_key)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let template = load_template(&state, &key).await?;
    if !could_be_section(&section_key) {
        return Err(AppError::NotFound);
    }
    let Some(direction) = Direction::parse(&form.direction) else {
        load_section(&state, &template, &section_key).await?;
        return refuse_on_template_page(
            &state,
            layout,
            &template.key,
            "Choose whether to move the section up or down",
        )
        .await;
    };
    let mut tx = state.pool.begin().await?;
    store::lock_template(&mut tx, template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let section = store::find_section(&mut *tx, template.id, &section_key)
        .await?
        .ok_or(AppError::NotFound)?;
    let neighbour = store::neighbour(
        &mut *tx,
        template.id,
        section.position,
        direction == Direction::Up,
    )
    .await?;
    let Some(neighbour) = neighbour else {
        drop(tx);
        return refuse_on_template_page(&state, layout, &template.key, direction.at_the_end())
            .await;
    };
    store::swap_positions(&mut tx, template.id, &section, &neighbour).await?;
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            actor(&signed_in),
            "template_section.moved",
            "template_section",
        )
        .target(section.id)
        .details(json!({
            "template": template.key,
            "section": section.key,
            "direction": direction.key(),
            "before": { "position": section.position },
            "after": { "position": neighbour.position },
            "swapped_with": neighbour.key,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::SectionMoved.on(&template_url(&template.key)),
    ))
}

async fn remove_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((key, section_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let layout = authorise(&signed_in)?;
    let template = load_template(&state, &key).await?;
    if !could_be_section(&section_key) {
        return Err(AppError::NotFound);
    }
    let mut tx = state.pool.begin().await?;
    // Counted with the template locked, so no plan can be created from it before we commit.
    let plans = store::lock_template(&mut tx, template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let section = store::find_section(&mut *tx, template.id, &section_key)
        .await?
        .ok_or(AppError::NotFound)?;
    if plans > 0 {
        drop(tx);
        let used_by = if plans == 1 {
            "1 plan uses".to_owned()
        } else {
            format!("{plans} plans use")
        };
        return refuse_on_template_page(
            &state,
            layout,
            &template.key,
            format!(
                "You cannot remove “{}”: {used_by} this template, and each plan keeps every section of its template. Copy the template and remove the section from the copy instead.",
                section.title
            ),
        )
        .await;
    }
    store::delete_section(&mut tx, template.id, &section).await?;
    let mut before = stored_json(&section);
    before.insert("key".into(), section.key.clone().into());
    before.insert("position".into(), section.position.into());
    audit::store::append(
        &mut tx,
        state.clock.now(),
        &Event::new(
            actor(&signed_in),
            "template_section.removed",
            "template_section",
        )
        .target(section.id)
        .details(json!({
            "template": template.key,
            "before": Value::Object(before),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(
        &Done::SectionRemoved.on(&template_url(&template.key)),
    ))
}
