//! What the template pages (`list` and `sections`) share: their URLs, loading the template and
//! section a URL names, and the section kind choices.

use super::store::{self, TemplateRow, TemplateSection};
use super::{SectionKey, TemplateKey};
use crate::AppState;
use crate::plans::section::SectionKind;
use crate::web::AppError;
use crate::web::choice::{self, Choice};

/// The id of the template page's section list, where problems with moving or removing a section
/// are shown (and the error summary links to).
pub(super) const SECTIONS_FIELD: &str = "sections";

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
