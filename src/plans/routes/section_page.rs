//! The section page: its text, partners' contributions, linked risks, status, assignment and
//! comments. Every form on it comes back here with what was typed when it has a problem
//! (`problem_page`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::presence;
use super::section_parts::{PageSource, SectionParts, sent_text};
use super::section_risks::RisksPanel;
use super::{Done, SectionContext, SectionPath, last_change};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::frozen::EditingClosed;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::auth::extract::SignedIn;
use crate::plans::CommentId;
use crate::plans::approval::ApprovalNotice;
use crate::plans::diff;
use crate::plans::drafts::{self, DraftOffer};
use crate::plans::markdown::render_off_thread;
use crate::plans::rules::SectionRights;
use crate::plans::section::SectionStatus;
use crate::plans::store::{self, Comment, Contribution, DraftsInSection, PlanSummary, Section};
use crate::web::banner::DoneQuery;
use crate::web::extract::{Path, Query};
use crate::web::form::shown;
use crate::web::{AppError, FormErrors, Layout, format, page};

/// No thread: comment ids start at 1, and the page compares each thread's id with this.
const NO_THREAD: CommentId = CommentId::new(0);

struct ContributionView {
    contribution: Contribution,
    /// The id of its edit box (and of its error).
    field: String,
    html: String,
    may_edit: bool,
    /// What to show in the edit box: the saved text, or what was typed when a save failed, or
    /// the person's draft restored.
    draft: String,
    /// The version the box names: the contribution's, or the one the text in it was typed on.
    edit_version: i32,
    /// The person's draft of it kept on the server, offered back ("You have unsaved changes").
    unsaved: Option<DraftOffer>,
    /// Text typed for it was sent back and its box is gone (the section was completed
    /// meanwhile): shown read-only below it, to copy.
    typed_kept: bool,
    error: String,
    last_change: String,
}

/// Shown while the section waits for review: who sent it and when, and, if anyone has saved
/// its text or a contribution since, what changed.
struct ReviewNotice {
    sent: String,
    changed: bool,
    /// The difference in the shared text since it was sent (empty if the text is the same).
    diff_html: String,
    /// Partners whose contribution was saved since it was sent.
    changed_contributions: Vec<String>,
}

impl ReviewNotice {
    async fn load(
        state: &AppState,
        section: &Section,
        parts: &SectionParts,
        contributions: &[ContributionView],
    ) -> Result<Option<ReviewNotice>, AppError> {
        let (SectionStatus::ReadyForReview, Some(at), Some(sent_version)) = (
            section.status,
            section.review_at,
            section.review_text_version,
        ) else {
            return Ok(None);
        };
        let sent = format!(
            "Sent for review by {}, {}",
            section
                .review_by
                .as_deref()
                .unwrap_or("someone no longer here"),
            format::date_time(at)
        );
        let changed = section.changed_since_review();
        let diff_html = if changed && sent_version != section.version {
            // The text as sent, kept with the parts when they were read for this section as it
            // is (a page shown back after a form may have read the section since).
            let old = match &parts.sent_for_review {
                Some((version, text)) if *version == sent_version => text.clone(),
                _ => sent_text(state, section, sent_version).await?,
            };
            diff::to_html(&diff::words_off_thread(&old, &section.body).await?)
        } else {
            String::new()
        };
        let changed_contributions = contributions
            .iter()
            .filter(|view| view.contribution.updated_at.is_some_and(|saved| saved > at))
            .map(|view| view.contribution.organisation.clone())
            .collect();
        Ok(Some(ReviewNotice {
            sent,
            changed,
            diff_html,
            changed_contributions,
        }))
    }
}

struct Thread {
    first: Comment,
    replies: Vec<Comment>,
    /// The id of its reply box.
    reply_field: String,
}

#[derive(Template)]
#[template(path = "plans/section.html")]
struct SectionPage {
    layout: Layout,
    /// The section's URL, which its forms post to.
    base: String,
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
    html: String,
    guidance_html: String,
    may_edit: bool,
    may_lead: bool,
    may_comment: bool,
    /// The edit box's text: the saved text, or what was typed when a save failed, or the
    /// person's draft restored.
    draft: String,
    /// The version the edit form names: the section's, or the restored draft's.
    edit_version: i32,
    /// Text typed for the shared text was sent back and its box is gone (the section was
    /// completed meanwhile): shown read-only, to copy.
    text_kept: bool,
    /// The person's draft kept on the server, offered back ("You have unsaved changes").
    unsaved: Option<DraftOffer>,
    errors: FormErrors,
    contributions: Vec<ContributionView>,
    /// The reader's own contribution box is on the page (part of the section's form).
    own_box: bool,
    missing: Vec<String>,
    /// How many partners have written their part, of how many.
    contributed: usize,
    /// The content revision shown, which the status question's form carries.
    seen: i32,
    review: Option<ReviewNotice>,
    /// The comment typed for sending the section back, when the answer was refused.
    review_comment: String,
    combined_html: String,
    threads: Vec<Thread>,
    open_threads: usize,
    members: Vec<Member>,
    last_change: String,
    notice: &'static str,
    /// Who else is on the page (`plans::presence`), rendered.
    presence_html: String,
    /// `html` is a preview of the text typed, not the current text.
    preview: bool,
    /// May answer "Have you completed this section?".
    may_answer: bool,
    comment_draft: String,
    /// The passage typed (or chosen) to quote with a new comment.
    quote_draft: String,
    /// The thread whose reply box holds `reply_draft` (`NO_THREAD` for none).
    reply_thread: CommentId,
    reply_draft: String,
    risks: RisksPanel,
    /// Set while the plan is in sign-off: then no form but the comments' is offered.
    frozen: Option<EditingClosed>,
    approval: Option<ApprovalNotice>,
}

/// What went wrong with a form on the section page, to show it there with what was typed.
#[derive(Default)]
pub(super) struct PageProblem {
    pub errors: FormErrors,
    /// The section text typed.
    pub draft: Option<String>,
    /// The contribution typed.
    pub contribution: Option<TypedContribution>,
    /// A comment typed: (the thread it replies to, text).
    pub comment: Option<(Option<CommentId>, String)>,
    /// The comment typed for sending the section back.
    pub review_comment: Option<String>,
    /// The passage quoted with a new comment.
    pub quote: Option<String>,
    /// Not a problem: `draft` is shown as it will look, in place of the current text (the
    /// "Preview" button).
    pub preview: bool,
    /// The version the text in `draft` was typed on, when it is not the current one.
    pub version: Option<i32>,
}

/// A contribution as typed in its box, to show back.
pub(super) struct TypedContribution {
    pub organisation_id: OrganisationId,
    pub text: String,
    /// The version it was typed on, if the form said.
    pub version: Option<i32>,
}

impl PageProblem {
    /// One message, for the field `field`.
    pub fn message(field: impl Into<std::borrow::Cow<'static, str>>, message: &str) -> Self {
        let mut errors = FormErrors::new();
        errors.add(field, message);
        PageProblem {
            errors,
            ..PageProblem::default()
        }
    }
}

async fn section_page(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    source: PageSource,
    problem: PageProblem,
    notice: &'static str,
    restore: Restore,
) -> Result<SectionPage, AppError> {
    let base = context.url();
    let facts = context.facts();
    let principal = signed_in.user.principal();
    let mut rights = SectionRights::of(&principal, facts);
    let PageSource {
        parts,
        reading,
        drafts,
    } = source;
    let frozen = parts.frozen.clone();
    let open = frozen.is_none();
    if !open {
        // Discussion goes on during sign-off; nothing else on the page may change.
        rights = SectionRights {
            comment: rights.comment,
            ..SectionRights::default()
        };
    }
    let SectionContext {
        area,
        plan,
        mut section,
    } = context;
    // Only leads assign, so only they need the member list.
    let members = if rights.lead {
        areas::list_members(&state.pool, area.id).await?
    } else {
        Vec::new()
    };
    let mut partners = if section.per_organisation {
        parts.contributions.clone()
    } else {
        Vec::new()
    };
    // The reader's own organisation first: the part they are most likely to write.
    let own = OrganisationId::new(signed_in.user.organisation_id);
    partners.sort_by_key(|partner| partner.organisation_id != own);
    let editable: Vec<bool> = partners
        .iter()
        .map(|partner| {
            open && SectionRights::edit_contribution(&principal, facts, partner.organisation_id)
        })
        .collect();
    // The reader's drafts, offered back only where they may edit: read with the page's first
    // statement for a view, else apart (one statement, none when they may not edit).
    let drafts = match drafts {
        _ if !(rights.edit_text || editable.contains(&true)) => DraftsInSection::default(),
        Some(drafts) => drafts,
        None => store::drafts_in_section(&state.pool, signed_in.user.id, section.id).await?,
    };
    section.set_draft(drafts.text);
    for (organisation, draft) in drafts.contributions {
        if let Some(partner) = partners
            .iter_mut()
            .find(|partner| partner.organisation_id == organisation)
        {
            partner.set_draft(Some(draft));
        }
    }
    let mut contributions = Vec::new();
    let now = state.clock.now();
    for (contribution, may_edit) in partners.into_iter().zip(editable) {
        let field = format!("contribution-{}", contribution.organisation_id);
        // A refused save keeps its text in the box, or below the contribution when the box is
        // gone (the section was completed meanwhile); else the person's draft is offered back,
        // and put in the box if they asked.
        let typed = problem
            .contribution
            .as_ref()
            .filter(|typed| typed.organisation_id == contribution.organisation_id);
        let unsaved = match typed {
            None if may_edit => drafts::offer(
                contribution.draft(),
                &contribution.body,
                contribution.version,
                restore == Restore::Contribution,
                now,
            ),
            _ => None,
        };
        let (draft, edit_version, error) = match (typed, &unsaved) {
            (Some(typed), _) => (
                shown(&typed.text),
                typed.version.unwrap_or(contribution.version),
                problem.errors.message(&field).to_owned(),
            ),
            (None, Some(offer)) if offer.restored => {
                (offer.body.clone(), offer.based_on, String::new())
            }
            (None, _) => (
                contribution.body.clone(),
                contribution.version,
                String::new(),
            ),
        };
        let typed_kept = !may_edit && typed.is_some_and(|typed| typed.text != contribution.body);
        contributions.push(ContributionView {
            typed_kept,
            html: render_off_thread(&contribution.body).await?,
            last_change: last_change(&contribution.updated_by, contribution.updated_at),
            may_edit,
            field,
            draft,
            edit_version,
            unsaved,
            error,
            contribution,
        });
    }
    let missing: Vec<String> = contributions
        .iter()
        .filter(|view| view.contribution.body.trim().is_empty())
        .map(|view| view.contribution.organisation.clone())
        .collect();
    let contributed = contributions.len() - missing.len();
    let own_box = contributions.iter().any(|view| view.may_edit);
    let review = ReviewNotice::load(state, &section, &parts, &contributions).await?;
    let combined: String = contributions
        .iter()
        .filter(|view| !view.contribution.body.trim().is_empty())
        .map(|view| {
            format!(
                "## {}\n\n{}\n\n",
                view.contribution.organisation, view.contribution.body
            )
        })
        .collect();
    let threads = threads(parts.comments.clone());
    let presence_html = presence::panel(state, signed_in, section.id, false).await?;
    let risks = RisksPanel::load(state, &area, &section, rights.link_risks(), reading).await?;
    let open_threads = threads
        .iter()
        .filter(|t| t.first.resolved_at.is_none())
        .count();
    // The person's draft is offered while they may edit, unless the box already holds what
    // they just typed (a refused save, which kept it as their draft).
    let unsaved = if rights.edit_text && problem.draft.is_none() {
        let now = state.clock.now();
        drafts::offer(
            section.draft(),
            &section.body,
            section.version,
            restore == Restore::Text,
            now,
        )
    } else {
        None
    };
    let text_kept = !rights.edit_text
        && problem
            .draft
            .as_ref()
            .is_some_and(|typed| *typed != section.body);
    let (draft, edit_version) = match (problem.draft, &unsaved) {
        (Some(typed), _) => (shown(&typed), problem.version.unwrap_or(section.version)),
        (None, Some(offer)) if offer.restored => (offer.body.clone(), offer.based_on),
        (None, _) => (section.body.clone(), section.version),
    };
    let (comment_draft, reply_thread, reply_draft) = match problem.comment {
        Some((None, text)) => (shown(&text), NO_THREAD, String::new()),
        Some((Some(thread), text)) => (String::new(), thread, shown(&text)),
        None => (String::new(), NO_THREAD, String::new()),
    };
    Ok(SectionPage {
        base,
        presence_html,
        contributed,
        seen: section.content_version,
        review,
        review_comment: problem
            .review_comment
            .as_deref()
            .map(shown)
            .unwrap_or_default(),
        quote_draft: problem.quote.as_deref().map(shown).unwrap_or_default(),
        may_answer: rights.answer,
        comment_draft,
        reply_thread,
        reply_draft,
        approval: parts.approval.clone(),
        layout: Layout::for_session(Some(&signed_in.session)),
        html: render_off_thread(if problem.preview {
            &draft
        } else {
            &section.body
        })
        .await?,
        preview: problem.preview,
        guidance_html: render_off_thread(&section.guidance).await?,
        draft,
        edit_version,
        text_kept,
        unsaved,
        last_change: last_change(&section.updated_by, section.updated_at),
        combined_html: render_off_thread(&combined).await?,
        area,
        plan,
        section,
        may_edit: rights.edit_text,
        may_lead: rights.lead,
        may_comment: rights.comment,
        errors: problem.errors,
        contributions,
        own_box,
        missing,
        threads,
        open_threads,
        members,
        notice,
        risks,
        frozen,
    })
}

/// Comments grouped into threads: each first comment with its replies, oldest first.
fn threads(comments: Vec<Comment>) -> Vec<Thread> {
    let mut threads: Vec<Thread> = Vec::new();
    for comment in comments {
        match comment.thread_id {
            None => threads.push(Thread {
                reply_field: format!("reply-{}", comment.id),
                first: comment,
                replies: Vec::new(),
            }),
            Some(thread_id) => {
                if let Some(thread) = threads.iter_mut().find(|t| t.first.id == thread_id) {
                    thread.replies.push(comment);
                }
            }
        }
    }
    threads
}

/// Which of the person's drafts the page puts in its box (`?draft=`): a read, the draft stays
/// kept until saved or discarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Restore {
    Neither,
    /// `?draft=restore`: the shared text's.
    Text,
    /// `?draft=restore-contribution`: their organisation's contribution's.
    Contribution,
}

/// The section page's query: `?done=` after an action, `?draft=` to restore a draft.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SectionQuery {
    done: Option<String>,
    draft: Option<String>,
}

pub(super) async fn show_section(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Query(query): Query<SectionQuery>,
) -> Result<Response, AppError> {
    let (context, source) = SectionContext::load_kept(&state, &signed_in, &path, true).await?;
    let restore = match query.draft.as_deref() {
        Some("restore") => Restore::Text,
        Some("restore-contribution") => Restore::Contribution,
        _ => Restore::Neither,
    };
    let notice = DoneQuery { done: query.done }.banner::<Done>();
    let problem = PageProblem::default();
    let page = section_page(
        &state, &signed_in, context, source, problem, notice, restore,
    )
    .await?;
    page::ok(&page)
}

/// The section page shown back after a form, for the section as the form's handler read it.
async fn shown_back(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    problem: PageProblem,
) -> Result<SectionPage, AppError> {
    let source =
        PageSource::read(state, &context.area, &context.plan, &context.section.key).await?;
    section_page(
        state,
        signed_in,
        context,
        source,
        problem,
        "",
        Restore::Neither,
    )
    .await
}

/// The section page with the text typed (`problem.draft`, typed on `version`) shown as it will
/// look, and kept in the box: answered 200, since nothing was wrong.
pub(super) async fn preview_page(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    problem: PageProblem,
    version: i32,
) -> Result<Response, AppError> {
    let problem = PageProblem {
        version: Some(version),
        ..problem
    };
    let page = shown_back(state, signed_in, context, problem).await?;
    page::ok(&page)
}

/// The section page again, answered 422, with the problem shown and what was typed kept.
pub(super) async fn problem_page(
    state: &AppState,
    signed_in: &SignedIn,
    context: SectionContext,
    problem: PageProblem,
) -> Result<Response, AppError> {
    let page = shown_back(state, signed_in, context, problem).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page::render(&page)?).into_response())
}
