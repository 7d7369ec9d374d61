//! A template and its sections: the template page (its sections in order, and a form to add
//! one), a section's details, and moving and removing sections.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::shared::{
    SECTIONS_FIELD, could_be_section, kind_choices, load_section, load_template, template_url,
};
use super::store::{self, TemplateRow, TemplateSection};
use super::{
    Direction, Done, Guidance, SectionDetails, SectionKey, SectionTitle, changed_fields,
    parse_kind, section_json,
};
use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::db::constraint::violated_constraint;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{Choice, parse_yes_no, yes_no, yes_no_key};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::fingerprint;
use crate::web::page::{conflict, ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout};

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
pub(super) struct SectionForm {
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
            per_organisation: yes_no_key(section.per_organisation).to_owned(),
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

/// Locks the template (so that no plan is created from it, and no other change made to it,
/// before `change` commits), then reads the section `key` as it now is; with how many plans use
/// the template.
async fn lock_section(
    change: &mut Change,
    template: &TemplateRow,
    key: &str,
) -> Result<(i64, TemplateSection), AppError> {
    let plans = store::lock_template(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let section = store::find_section(change.db(), template.id, key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((plans, section))
}

pub(super) async fn show_template(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
    let template = load_template(&state, &key).await?;
    let banner = query.banner::<Done>();
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

pub(super) async fn add_section(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
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
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    store::lock_template(change.db(), template.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let inserted = store::insert_section(change.db(), template.id, &section_key, &details).await;
    let (section_id, position) = match inserted {
        Ok(inserted) => inserted,
        Err(error) if violated_constraint(&error) == Some("template_sections_key_key") => {
            drop(change);
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
    let plans = store::add_section_to_plans(change.db(), template.id, section_id).await?;
    let mut after = details.to_json();
    after.insert("key".into(), section_key.as_str().into());
    after.insert("position".into(), position.into());
    change
        .commit(
            &Event::new(admin.actor(), "template_section.added", "template_section")
                .target(section_id)
                .details(json!({
                    "template": template.key,
                    "after": Value::Object(after),
                    "added_to_plans": plans,
                })),
        )
        .await?;
    Ok(see_done(&template_url(&template.key), Done::SectionAdded))
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

pub(super) async fn edit_section(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, section_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
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

pub(super) async fn update_section(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, section_key)): Path<(String, String)>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
    let template = load_template(&state, &key).await?;
    let section = load_section(&state, &template, &section_key).await?;
    let mut errors = FormErrors::new();
    let Some(details) = form.details(&mut errors) else {
        return unprocessable(&section_page(layout, errors, template, section, &form));
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    // As it is now, with the template locked: the before of the audit record.
    let (_, section) = lock_section(&mut change, &template, &section.key).await?;
    if form.based_on != fingerprint(&Value::Object(stored_json(&section))) {
        // Someone saved this section after the form was opened: show their version's
        // fingerprint with this person's text, so saving again is a deliberate choice.
        drop(change);
        errors.add(
            "title",
            "Someone else changed this section after you opened this page. Your changes are below and have not been saved: check the section as it is now (open it again in another tab), then save again to replace it.",
        );
        let page = section_page(layout, errors, template, section, &form);
        return conflict(&page);
    }
    let (before, after) = changed_fields(&stored_json(&section), &details.to_json());
    if !after.is_empty() {
        store::update_section(change.db(), section.id, &details).await?;
        change
            .commit(
                &Event::new(
                    admin.actor(),
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
    }
    Ok(see_done(&template_url(&template.key), Done::SectionUpdated))
}

#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct MoveForm {
    direction: String,
}

pub(super) async fn move_section(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, section_key)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
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
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let (_, section) = lock_section(&mut change, &template, &section_key).await?;
    let neighbour = store::neighbour(
        change.db(),
        template.id,
        section.position,
        direction == Direction::Up,
    )
    .await?;
    let Some(neighbour) = neighbour else {
        drop(change);
        return refuse_on_template_page(&state, layout, &template.key, direction.at_the_end())
            .await;
    };
    store::swap_positions(change.db(), template.id, &section, &neighbour).await?;
    change
        .commit(
            &Event::new(admin.actor(), "template_section.moved", "template_section")
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
    Ok(see_done(&template_url(&template.key), Done::SectionMoved))
}

pub(super) async fn remove_section(
    State(state): State<AppState>,
    admin: Admin,
    Path((key, section_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
    let template = load_template(&state, &key).await?;
    if !could_be_section(&section_key) {
        return Err(AppError::NotFound);
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    // Counted with the template locked, so no plan can be created from it before we commit.
    let (plans, section) = lock_section(&mut change, &template, &section_key).await?;
    if plans > 0 {
        drop(change);
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
    store::delete_section(change.db(), template.id, &section).await?;
    let mut before = stored_json(&section);
    before.insert("key".into(), section.key.clone().into());
    before.insert("position".into(), section.position.into());
    change
        .commit(
            &Event::new(
                admin.actor(),
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
    Ok(see_done(&template_url(&template.key), Done::SectionRemoved))
}
