//! "Approved ≠ current" (issue 11, item 5): once the board has approved a snapshot of the plan,
//! every page of the live plan says so when the live content differs from it, with one click
//! to what has changed.
//!
//! Cheap first: while the area's content version is the one the snapshot was taken at,
//! nothing can have changed (one query after the approval's). Otherwise the live content is
//! read and hashed, so an edit undone again shows no banner.

use crate::AppState;
use crate::areas::store::{self as areas_store, AreaSummary};
use crate::plans::parts::document::{PlanContent, Snapshot, store as document_store};
use crate::plans::store::{self, ApprovedSnapshot, PlanSummary};
use crate::plans::templates::structure::CycleStructure;
use crate::web::{AppError, format};

/// The banner's facts: when the board approved which round, and where the changes are listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalNotice {
    pub approved_on: String,
    pub round_number: i32,
    pub changes_url: String,
}

impl ApprovalNotice {
    fn of(approved: &ApprovedSnapshot, area: &AreaSummary, plan: &PlanSummary) -> ApprovalNotice {
        ApprovalNotice {
            approved_on: format::date(format::in_london(approved.approved_at).date()),
            round_number: approved.round_number,
            changes_url: format!(
                "/areas/{}/plans/{}/sign-off/changes",
                area.slug, plan.template_key
            ),
        }
    }
}

/// The notice for a page of the live plan: `None` when no snapshot is approved or the plan is
/// as approved.
pub async fn notice(
    state: &AppState,
    area: &AreaSummary,
    plan: &PlanSummary,
) -> Result<Option<ApprovalNotice>, AppError> {
    notice_given(state, area, plan, None).await
}

/// [`notice`], for a page that has read the plan's structure already.
pub async fn notice_in_cycle(
    state: &AppState,
    area: &AreaSummary,
    plan: &PlanSummary,
    structure: &CycleStructure,
) -> Result<Option<ApprovalNotice>, AppError> {
    notice_given(state, area, plan, Some(structure)).await
}

async fn notice_given(
    state: &AppState,
    area: &AreaSummary,
    plan: &PlanSummary,
    structure: Option<&CycleStructure>,
) -> Result<Option<ApprovalNotice>, AppError> {
    let Some(approved) = store::approved_snapshot(&state.pool, plan.id).await? else {
        return Ok(None);
    };
    if areas_store::content_version(&state.pool, area.id).await? == approved.content_version {
        return Ok(None);
    }
    let live = match structure {
        Some(structure) => {
            let mut db = state.pool.acquire().await?;
            document_store::content(&mut db, area, plan, structure).await?
        }
        None => live_content(state, area, plan).await?,
    };
    notice_for(&approved, &live, area, plan)
}

/// The notice, given the live content.
fn notice_for(
    approved: &ApprovedSnapshot,
    live: &PlanContent,
    area: &AreaSummary,
    plan: &PlanSummary,
) -> Result<Option<ApprovalNotice>, AppError> {
    let hash = Snapshot::of(live)
        .map_err(|error| AppError::Internal(error.into()))?
        .hash;
    Ok((hash.as_slice() != approved.hash.as_slice())
        .then(|| ApprovalNotice::of(approved, area, plan)))
}

/// The plan's content as it stands, read with its structure.
pub async fn live_content(
    state: &AppState,
    area: &AreaSummary,
    plan: &PlanSummary,
) -> Result<PlanContent, AppError> {
    let structure = super::access::structure_of(state, plan).await?;
    let mut db = state.pool.acquire().await?;
    Ok(document_store::content(&mut db, area, plan, &structure).await?)
}
