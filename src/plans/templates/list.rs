//! The list of templates, and copying one (with all its sections) for the next planning cycle.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::shared::{load_template, template_url};
use super::store::{self, TemplateRow};
use super::{Done, TemplateKey, TemplateName};
use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::db::constraint::violated_constraint;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::page::{ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout};

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
pub(super) struct CopyTemplateForm {
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

pub(super) async fn list_templates(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Response, AppError> {
    let layout = admin.layout();
    ok(&templates_page(&state, layout, FormErrors::new(), None).await?)
}

pub(super) async fn copy_template(
    State(state): State<AppState>,
    admin: Admin,
    Path(key): Path<String>,
    Form(form): Form<CopyTemplateForm>,
) -> Result<Response, AppError> {
    let layout = admin.layout();
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
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let (id, sections) = match store::copy_template(change.db(), source.id, &new_key, &name).await {
        Ok(copied) => copied,
        Err(error) if violated_constraint(&error) == Some("templates_key_key") => {
            drop(change);
            errors.add(key_field, "A template with this short name already exists");
            let page = templates_page(&state, layout, errors, Some((&source.key, &form))).await?;
            return unprocessable(&page);
        }
        Err(error) => return Err(error.into()),
    };
    change
        .commit(
            &Event::new(admin.actor(), "template.copied", "template")
            .target(id)
            .details(json!({
                "from": source.key,
                "after": { "key": new_key.as_str(), "name": name.as_str(), "sections": sections },
            })),
        )
        .await?;
    Ok(see_done(
        &template_url(new_key.as_str()),
        Done::TemplateCopied,
    ))
}
