//! The template administration pages, for administrators only: the whole group sits behind the
//! `Admin` guard. `list` has the list of templates with a copy form for each; `sections` a
//! template's sections with their order, and a section's details. Every change is made with
//! `audit::Change`, with the template row locked, then redirects (303) to the template page with
//! a fixed success message (`Done`). Bad input re-renders the page (422) with everything typed
//! kept.

use super::store::{self, TemplateRow, TemplateSection};
use super::{SectionKey, TemplateKey, list, sections};
use crate::AppState;
use crate::auth::guard::Admin;
use crate::plans::section::SectionKind;
use crate::web::AppError;
use crate::web::choice::{self, Choice};
use crate::web::routes::{Route, get, guarded, post};

pub fn routes() -> Vec<Route> {
    guarded::<Admin>(vec![
        get("/admin/templates", list::list_templates),
        get("/admin/templates/{key}", sections::show_template),
        post("/admin/templates/{key}/copy", list::copy_template),
        post("/admin/templates/{key}/sections", sections::add_section),
        get(
            "/admin/templates/{key}/sections/{section}",
            sections::edit_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}",
            sections::update_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}/move",
            sections::move_section,
        ),
        post(
            "/admin/templates/{key}/sections/{section}/remove",
            sections::remove_section,
        ),
    ])
}

/// The id of the template page's section list, where problems with moving or removing a section
/// are shown (and the error summary links to).
pub(super) const SECTIONS_FIELD: &str = "sections";

// --- shared ------------------------------------------------------------------------------------

pub(super) fn template_url(key: &str) -> String {
    format!("/admin/templates/{key}")
}

/// The template a URL names; a key that could not be one names nothing.
pub(super) async fn load_template(
    state: &AppState,
    raw_key: &str,
) -> Result<TemplateRow, AppError> {
    if !TemplateKey::parse(raw_key).is_ok_and(|key| key.as_str() == raw_key) {
        return Err(AppError::NotFound);
    }
    store::find_template(&state.pool, raw_key)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether a URL's section key could name a section (so others are not even looked up).
pub(super) fn could_be_section(raw_key: &str) -> bool {
    SectionKey::parse(raw_key).is_ok_and(|key| key.as_str() == raw_key)
}

pub(super) async fn load_section(
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

pub(super) fn kind_choices(typed: &str) -> Vec<Choice> {
    choice::prompted(
        "Choose a kind",
        SectionKind::ALL.map(|kind| (kind.key(), kind.label())),
        typed,
    )
}
