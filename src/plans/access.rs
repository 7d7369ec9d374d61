//! Access to a plan: the plan a URL names (`/areas/{slug}/plans/{plan}`), after checking the
//! person may see its area. The drafting pages (`routes`) and the structured parts (`parts`)
//! both start here.

use std::sync::Arc;
use std::time::Instant;

use crate::AppState;
use crate::areas::content::ContentEdit;
use crate::areas::frozen::{self, EditingClosed};
use crate::areas::kept::StampReading;
use crate::areas::store::AreaSummary;
use crate::areas::{allowed_in, authorised_area};
use crate::audit::Change;
use crate::auth::extract::SignedIn;
use crate::auth::policy::Action;
use crate::web::AppError;

use super::approval::ApprovalNotice;
use super::store::{self, DraftsInSection, PlanSummary};
use super::templates::structure::CycleStructure;

/// The area and its plan named in the URL; not found when either is missing or the person has
/// no part in the area.
pub async fn load_plan(
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

/// [`load_plan`] with the area's change stamp, all three read in one statement: for a plan
/// page showing values kept against the stamp (`areas::kept`).
pub async fn load_plan_stamped(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
) -> Result<(AreaSummary, PlanSummary, StampReading), AppError> {
    let read_at = Instant::now();
    let found = store::find_plan_stamped(&state.pool, slug, plan_key)
        .await?
        .ok_or(AppError::NotFound)?;
    allowed_in(signed_in, Action::ViewArea, &found.area)?;
    let plan = found.plan.ok_or(AppError::NotFound)?;
    Ok((
        found.area,
        plan,
        StampReading::read_with_area(found.stamp, read_at),
    ))
}

/// [`load_plan_stamped`] with the person's drafts in the plan's section `section_key`, all
/// read in one statement: for the section page, whose parts are kept (a section that does not
/// exist has no drafts, and its page is not found later).
pub async fn load_section_plan_stamped(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, section_key): (&str, &str, &str),
) -> Result<(AreaSummary, PlanSummary, StampReading, DraftsInSection), AppError> {
    let read_at = Instant::now();
    let user = signed_in.user.id;
    let (found, drafts) =
        store::find_plan_stamped_with_drafts(&state.pool, slug, plan_key, section_key, user)
            .await?
            .ok_or(AppError::NotFound)?;
    allowed_in(signed_in, Action::ViewArea, &found.area)?;
    let plan = found.plan.ok_or(AppError::NotFound)?;
    let reading = StampReading::read_with_area(found.stamp, read_at);
    Ok((found.area, plan, reading, drafts))
}

/// The structure `plan` was made from: kept by its id once read (`templates::kept`).
pub async fn structure_of(
    state: &AppState,
    plan: &PlanSummary,
) -> Result<Arc<CycleStructure>, AppError> {
    let found = match plan.structure_id {
        Some(id) => state.structures.by_id(&state.pool, id).await?,
        None => None,
    };
    found.ok_or_else(|| AppError::Internal(anyhow::anyhow!("plan {} has no structure", plan.id)))
}

/// A plan with its area and the structure it was made from: its years, funding streams,
/// metrics and national conditions; and, for its pages' banner, whether it has changed since
/// its board approved it (`approval`).
pub struct PlanInCycle {
    pub area: AreaSummary,
    pub plan: PlanSummary,
    pub structure: Arc<CycleStructure>,
    pub approval: Option<ApprovalNotice>,
}

impl PlanInCycle {
    pub async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        slug: &str,
        plan_key: &str,
    ) -> Result<PlanInCycle, AppError> {
        let (area, plan) = load_plan(state, signed_in, slug, plan_key).await?;
        PlanInCycle::of(state, area, plan).await
    }

    /// [`PlanInCycle::load`] for a plan loaded (and its access checked) already.
    pub async fn of(
        state: &AppState,
        area: AreaSummary,
        plan: PlanSummary,
    ) -> Result<PlanInCycle, AppError> {
        let structure = structure_of(state, &plan).await?;
        let approval = super::approval::notice_in_cycle(state, &area, &plan, &structure).await?;
        Ok(PlanInCycle {
            area,
            plan,
            structure,
            approval,
        })
    }

    /// The plan's own URL (its task list); each part's page is below it.
    pub fn url(&self) -> String {
        format!("/areas/{}/plans/{}", self.area.slug, self.plan.template_key)
    }

    /// Asks the area's content guard for a change to this plan, in the change's transaction
    /// before anything is written: refused (409, linking back to `back_url`) while the plan is
    /// in sign-off.
    pub async fn ask_guard(&self, change: &mut Change, back_url: &str) -> Result<i64, AppError> {
        let edit = ContentEdit::Plan(self.plan.id.get());
        frozen::ask_guard(change.db(), self.area.id, edit, back_url).await
    }

    /// The banner of this plan's pages while it is in sign-off, when they show no edit forms.
    pub async fn editing_closed(
        &self,
        state: &AppState,
    ) -> Result<Option<EditingClosed>, AppError> {
        let edit = ContentEdit::Plan(self.plan.id.get());
        frozen::editing_closed(&state.pool, self.area.id, edit).await
    }
}

/// The future of a plan's sign-off state in words ("Partner sign-off: 3 of 8 signed").
pub type PlanStatusFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, AppError>> + Send + 'a>>;

/// Where the task list gets the plan's sign-off state from. Sign-off sits above plans (it
/// freezes and reads them), so plans cannot call it: the application hands this function to
/// the task list instead (`crate::app`, as a request extension).
#[derive(Clone, Copy)]
pub struct PlanStatusSource(pub for<'a> fn(&'a AppState, &'a PlanInCycle) -> PlanStatusFuture<'a>);
