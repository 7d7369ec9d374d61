//! What the section page shows that is the same for every reader: the section, the partners'
//! contributions, the comments, whether editing is closed, the approval banner and the text as
//! sent for review. On deadline day people open a section again and again between saves, and
//! reading these was six statements a view; now they are kept per server until the area
//! changes (`areas::kept`: the area's stamp, read first, moves with every change committed on
//! any server). Each reader's own drafts are read with the stamp, in its statement
//! (`store::find_plan_stamped_with_drafts`); who else is on the page is read apart.

use std::sync::Arc;

use super::{SectionContext, SectionPath};
use crate::AppState;
use crate::areas::content::ContentEdit;
use crate::areas::frozen::{self, EditingClosed};
use crate::areas::kept::{KeptForAreas, StampReading};
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::PlanId;
use crate::plans::access::{load_plan_stamped, load_section_plan_stamped};
use crate::plans::approval::{self, ApprovalNotice};
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, Comment, Contribution, DraftsInSection, PlanSummary, Section};
use crate::web::AppError;

/// A section's page as every reader sees it, without anyone's drafts.
pub struct SectionParts {
    /// Its draft fields are empty: drafts are each reader's own.
    pub(super) section: Section,
    /// One per partner that signs the plan (shown for a section they each write a part of;
    /// the contributions' history pages name theirs); no drafts.
    pub(super) contributions: Vec<Contribution>,
    pub(super) comments: Vec<Comment>,
    pub(super) frozen: Option<EditingClosed>,
    pub(super) approval: Option<ApprovalNotice>,
    /// The text's version sent for review and its text then, when the section waits for review
    /// and its text has changed since (the review notice shows the difference).
    pub(super) sent_for_review: Option<(i32, String)>,
}

/// Section pages' parts kept per server, by plan and section key (in `AppState`).
pub type KeptSectionParts = KeptForAreas<(PlanId, String), SectionParts>;

/// The most sections a server keeps.
pub const MOST_SECTIONS_KEPT: usize = 512;

/// The most bytes of text a section's kept parts may hold (its text, contributions and
/// comments as a rule hold a few kilobytes; a longer section is read for every view): with
/// [`MOST_SECTIONS_KEPT`], at most 32 MB.
pub const HEAVIEST_SECTION_KEPT: usize = 64 * 1024;

impl SectionParts {
    /// The bytes of text it holds, roughly (what the bound counts).
    pub fn weight(&self) -> usize {
        let section = &self.section;
        section.body.len()
            + section.guidance.len()
            + self
                .contributions
                .iter()
                .map(|c| c.body.len() + 128)
                .sum::<usize>()
            + self
                .comments
                .iter()
                .map(|c| c.body.len() + c.quote.as_deref().map_or(0, str::len) + 128)
                .sum::<usize>()
            + self
                .sent_for_review
                .as_ref()
                .map_or(0, |(_, text)| text.len())
    }
}

/// The page's parts and the stamp they (and the page's risk panel) were looked up against.
pub(super) struct PageSource {
    pub parts: Arc<SectionParts>,
    pub reading: Option<StampReading>,
    /// The reader's drafts in the section, when they were read with the stamp (a page shown
    /// after a form reads them apart, after the form's handler kept what was typed).
    pub drafts: Option<DraftsInSection>,
}

impl PageSource {
    /// The area's stamp (one statement, none when nothing is kept), then the section's parts:
    /// kept while the stamp has not moved, else read (six statements at most) and kept.
    pub async fn read(
        state: &AppState,
        area: &AreaSummary,
        plan: &PlanSummary,
        section_key: &str,
    ) -> Result<PageSource, AppError> {
        let reading = if state.section_parts.keeps() {
            Some(StampReading::read(&state.pool, area.id).await?)
        } else {
            None
        };
        let parts = PageSource::parts_at(state, area, plan, section_key, reading).await?;
        Ok(PageSource {
            parts,
            reading,
            drafts: None,
        })
    }

    /// The section's parts against a stamp read already, with the area and plan.
    async fn parts_at(
        state: &AppState,
        area: &AreaSummary,
        plan: &PlanSummary,
        section_key: &str,
        reading: Option<StampReading>,
    ) -> Result<Arc<SectionParts>, AppError> {
        let key = (plan.id, section_key.to_owned());
        state
            .section_parts
            .get_or_read_at(
                reading,
                key,
                SectionParts::read(state, area, plan, section_key),
            )
            .await
    }
}

impl SectionContext {
    /// The section a GET names, as every reader sees it (kept), with the page's source: the
    /// area, plan and the area's stamp in one statement (with the reader's drafts in it when
    /// `with_drafts`: the section page offers them back, its history does not), and the parts
    /// when the area has changed since they were kept.
    pub(super) async fn load_kept(
        state: &AppState,
        signed_in: &SignedIn,
        (slug, plan_key, section_key): &SectionPath,
        with_drafts: bool,
    ) -> Result<(SectionContext, PageSource), AppError> {
        let (area, plan, reading, drafts) = if with_drafts {
            let named = (slug.as_str(), plan_key.as_str(), section_key.as_str());
            let (area, plan, reading, drafts) =
                load_section_plan_stamped(state, signed_in, named).await?;
            (area, plan, reading, Some(drafts))
        } else {
            let (area, plan, reading) = load_plan_stamped(state, signed_in, slug, plan_key).await?;
            (area, plan, reading, None)
        };
        let parts = PageSource::parts_at(state, &area, &plan, section_key, Some(reading)).await?;
        let context = SectionContext {
            area,
            plan,
            section: parts.section.clone(),
        };
        let source = PageSource {
            parts,
            reading: Some(reading),
            drafts,
        };
        Ok((context, source))
    }
}

impl SectionParts {
    async fn read(
        state: &AppState,
        area: &AreaSummary,
        plan: &PlanSummary,
        section_key: &str,
    ) -> Result<SectionParts, AppError> {
        let section = store::find_section(&state.pool, plan.id, section_key)
            .await?
            .ok_or(AppError::NotFound)?;
        let frozen =
            frozen::editing_closed(&state.pool, area.id, ContentEdit::Plan(plan.id.get())).await?;
        let contributions = store::contributions(&state.pool, area.id, section.id, None).await?;
        let comments = store::comments(&state.pool, section.id).await?;
        let approval = approval::notice(state, area, plan).await?;
        let sent_for_review = match (section.status, section.review_text_version) {
            (SectionStatus::ReadyForReview, Some(sent))
                if section.changed_since_review() && sent != section.version =>
            {
                Some((sent, sent_text(state, &section, sent).await?))
            }
            _ => None,
        };
        Ok(SectionParts {
            section,
            contributions,
            comments,
            frozen,
            approval,
            sent_for_review,
        })
    }
}

/// The section's text at version `version` (empty before its first save).
pub(super) async fn sent_text(
    state: &AppState,
    section: &Section,
    version: i32,
) -> Result<String, AppError> {
    if version == 0 {
        return Ok(String::new());
    }
    Ok(
        store::revision_bodies(&state.pool, section.id, None, [version; 2])
            .await?
            .into_iter()
            .next()
            .map(|(_, body)| body)
            .unwrap_or_default(),
    )
}
