//! What people see of the content guard (`content`): the refusal of a change while a plan is in
//! sign-off (a 409 page saying why and who can withdraw the round, with what was typed shown
//! back), and the banner a page of frozen content shows instead of its edit forms.

use sqlx::{PgConnection, PgExecutor};

use super::AreaId;
use super::content::{self, ContentEdit, ContentFrozen};
use super::store;
use crate::web::error::Refusal;
use crate::web::{AppError, format};

/// Asks the guard for `edit`, inside the change's transaction (`change.db()`), before anything
/// is written: the area's new content version, or the refusal (409) linking back to
/// `back_url`. A refused change is rolled back when its `Change` is dropped, so nothing is
/// written or audited.
pub async fn ask_guard(
    db: &mut PgConnection,
    area_id: AreaId,
    edit: ContentEdit,
    back_url: &str,
) -> Result<i64, AppError> {
    match store::begin_content_edit(&mut *db, area_id, edit).await? {
        Ok(version) => Ok(version),
        Err(frozen) => {
            let leads = store::area_lead_names(&mut *db, area_id).await?;
            Err(refusal(&frozen, &leads, edit, back_url))
        }
    }
}

/// The refusal of `edit` because of `frozen`.
fn refusal(
    frozen: &ContentFrozen,
    leads: &[String],
    edit: ContentEdit,
    back_url: &str,
) -> AppError {
    let opened_on = format::date(format::in_london(frozen.frozen_at).date());
    AppError::Refused(Box::new(Refusal {
        heading: heading(edit).to_owned(),
        explanation: content::refusal_explanation(frozen, &opened_on, leads, edit),
        back_url: back_url.to_owned(),
        back_text: "Go back to the page".to_owned(),
        typed: Default::default(),
    }))
}

fn heading(edit: ContentEdit) -> &'static str {
    match edit {
        ContentEdit::Plan(_) => "This plan is in sign-off",
        ContentEdit::RiskRegister => "The risk register is in sign-off",
    }
}

/// The banner of a page whose content is frozen: its text, for `layout/frozen.html`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditingClosed {
    pub heading: String,
}

/// Whether `edit` is closed now, and the banner saying so (one query): for pages, which then
/// show no edit forms.
pub async fn editing_closed(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    edit: ContentEdit,
) -> Result<Option<EditingClosed>, AppError> {
    let frozen = store::content_freeze(db, area_id).await?;
    Ok(frozen
        .filter(|frozen| !content::allows(Some(frozen.plan_id), edit))
        .map(|frozen| EditingClosed {
            heading: content::banner_text(&frozen, edit),
        }))
}
