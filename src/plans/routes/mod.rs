//! The plan pages: an area's plans, the task list, a section with its text, contributions,
//! comments and the register's risks linked to it, history and differences, restore, and
//! search. Each sub-feature has its own file; this one lists the routes and loads what they
//! share: the plan or section asked for, after checking the person may see its area.

mod comments;
mod contributions;
mod drafts;
mod history;
mod presence;
mod search;
mod section_form;
mod section_page;
mod section_parts;
mod section_risks;
mod section_text;
mod status;
mod task_list;

pub use history::{HEAVIEST_HISTORY_KEPT, KeptHistories, MOST_HISTORIES_KEPT, TextHistory};
pub use search::{KeptSearches, MOST_SEARCHES_KEPT};
pub use section_parts::{
    HEAVIEST_SECTION_KEPT, KeptSectionParts, MOST_SECTIONS_KEPT, SectionParts,
};
pub use section_risks::{KeptAreaRisks, MOST_AREA_RISKS_KEPT};

use crate::AppState;
use crate::areas::content::ContentEdit;
use crate::areas::frozen;
use crate::areas::store::AreaSummary;
use crate::audit::Change;
use crate::auth::extract::SignedIn;
use crate::keyed::keyed_enum;
use crate::web::AppError;
use crate::web::format;
use crate::web::routes::{Route, get, post};

use super::access::load_plan;
use super::rules::SectionFacts;
use super::store::{self, PlanSummary, Section};

const SECTION: &str = "/areas/{slug}/plans/{plan}/sections/{section}";

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans", task_list::list_plans),
        post("/areas/{slug}/plans", task_list::create_plan),
        get("/areas/{slug}/plans/{plan}", task_list::task_list),
        get(SECTION, section_page::show_section),
        post(SECTION, section_form::save_section),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/status",
            section_form::answer_completed,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/presence",
            presence::still_here,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/preview",
            section_form::preview,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/draft",
            drafts::keep_draft,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/draft/discard",
            drafts::discard_draft,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/reopen",
            status::reopen,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/assign",
            status::assign,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/contributions/{organisation_id}",
            section_form::save_contribution,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/contributions/{organisation_id}/draft",
            contributions::keep_draft,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/contributions/{organisation_id}/draft/discard",
            contributions::discard_draft,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/risks",
            section_risks::link_risk,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/risks/{number}/unlink",
            section_risks::unlink_risk,
        ),
        get(
            "/areas/{slug}/plans/{plan}/sections/{section}/history",
            history::history,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/restore",
            history::restore,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/comments",
            comments::add_comment,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/comments/{thread_id}/resolve",
            comments::resolve_thread,
        ),
        post(
            "/areas/{slug}/plans/{plan}/sections/{section}/comments/{thread_id}/reopen",
            comments::reopen_thread,
        ),
        get("/areas/{slug}/search", search::search),
    ]
}

keyed_enum! {
    /// What a plan page's success banner says after an action (`?done=<key>`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Saved = ("saved", "Your changes have been saved"),
        Completed = ("completed", "The section has been marked as completed"),
        SentForReview = ("sent-for-review", "The section has been sent to your area lead for review"),
        SentBack = ("sent-back", "The section has been sent back for changes, with your comment"),
        InProgress = ("in-progress", "The section has been marked as in progress"),
        SavedAndCompleted = (
            "saved-completed",
            "Your changes have been saved and the section has been marked as completed"
        ),
        SavedAndSentForReview = (
            "saved-sent-for-review",
            "Your changes have been saved and the section has been sent to your area lead for review"
        ),
        SavedAndSentBack = (
            "saved-sent-back",
            "Your changes have been saved and the section has been sent back for changes, with your comment"
        ),
        SavedAndInProgress = (
            "saved-in-progress",
            "Your changes have been saved and the section has been marked as in progress"
        ),
        DraftDiscarded = ("draft-discarded", "Your unsaved changes have been discarded"),
        Reopened = ("reopened", "The section has been reopened for editing"),
        Assigned = ("assigned", "The section's organisation has been updated"),
        Contribution = ("contribution", "Your organisation's contribution has been saved"),
        SavedBoth = (
            "saved-both",
            "Your changes to the text and your organisation's contribution have been saved"
        ),
        Restored = ("restored", "The earlier version has been restored as the current text"),
        Comment = ("comment", "Your comment has been added"),
        Resolved = ("resolved", "The comment thread has been resolved"),
        ReopenedThread = ("reopened-thread", "The comment thread has been reopened"),
        RiskLinked = ("risk-linked", "The risk has been linked to this section"),
        RiskUnlinked = ("risk-unlinked", "The risk is no longer linked to this section"),
    }
}

/// The section path's parameters: area slug, plan key, section key.
type SectionPath = (String, String, String);

/// A section with its plan and area, as one of the area's people sees it.
struct SectionContext {
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
}

impl SectionContext {
    async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        (slug, plan_key, section_key): &SectionPath,
    ) -> Result<SectionContext, AppError> {
        let (area, plan) = load_plan(state, signed_in, slug, plan_key).await?;
        let section = store::find_section(&state.pool, plan.id, section_key)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(SectionContext {
            area,
            plan,
            section,
        })
    }

    /// The section's URL, which its forms post to.
    fn url(&self) -> String {
        format!(
            "/areas/{}/plans/{}/sections/{}",
            self.area.slug, self.plan.template_key, self.section.key
        )
    }

    /// The section's path parameters, to load it again.
    fn path(&self) -> SectionPath {
        (
            self.area.slug.clone(),
            self.plan.template_key.clone(),
            self.section.key.clone(),
        )
    }

    /// The plan's task list, where answering "Have you completed this section?" leads.
    fn plan_url(&self) -> String {
        format!("/areas/{}/plans/{}", self.area.slug, self.plan.template_key)
    }

    /// Asks the area's content guard for a change to this plan, in the change's transaction
    /// before anything is written: refused (409, linking back to the section) while the plan
    /// is in sign-off.
    async fn ask_guard(&self, change: &mut Change) -> Result<i64, AppError> {
        let edit = ContentEdit::Plan(self.plan.id.get());
        frozen::ask_guard(change.db(), self.area.id, edit, &self.url()).await
    }

    /// What the rules need to know about the section.
    fn facts(&self) -> SectionFacts {
        SectionFacts {
            area_id: self.area.id,
            assigned_organisation_id: self.section.assigned_organisation_id,
            per_organisation: self.section.per_organisation,
            status: self.section.status,
        }
    }
}

fn last_change(who: &Option<String>, at: Option<time::OffsetDateTime>) -> String {
    match (who, at) {
        (Some(who), Some(at)) => format!("Last changed by {who}, {}", format::date_time(at)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::Done;
    use crate::web::banner::DoneQuery;

    #[test]
    fn banners_come_from_a_fixed_list() {
        let query = |done: &str| DoneQuery {
            done: Some(done.to_owned()),
        };
        assert_eq!(
            query("saved").banner::<Done>(),
            "Your changes have been saved"
        );
        assert_eq!(query("<script>").banner::<Done>(), "");
    }
}
