//! The history of a section's text or of one partner's contribution: its saved versions, the
//! difference between two of them, and restoring an earlier one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use std::sync::Arc;

use super::section_parts::{PageSource, SectionParts};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::kept::KeptForAreas;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::PlanId;
use crate::plans::store::{
    self, PlanSummary, RevisionSummary, Saved, Section, StatusChange, TextSave,
};
use crate::plans::{diff, rules};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path, Query};
use crate::web::page::see_other;
use crate::web::{AppError, FormErrors, Layout, page};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct HistoryQuery {
    /// Whose text: empty for the section's shared text, or a partner organisation's id.
    organisation: String,
    from: String,
    to: String,
}

struct Difference {
    from: i32,
    to: i32,
    html: String,
    added: usize,
    removed: usize,
}

#[derive(Template)]
#[template(path = "plans/history.html")]
struct HistoryPage {
    layout: Layout,
    base: String,
    area: AreaSummary,
    plan: PlanSummary,
    section: Section,
    organisation: Whose,
    history: Arc<TextHistory>,
    difference: Option<Difference>,
    may_restore: bool,
    version: i32,
    errors: FormErrors,
}

/// A text's saved versions and, for the shared text, the section's status changes.
pub struct TextHistory {
    /// Newest first.
    revisions: Vec<RevisionSummary>,
    /// Newest first (none on a contribution's history).
    status_changes: Vec<StatusChange>,
}

/// Histories kept per server until their area changes (`areas::kept`; in `AppState`), by plan,
/// section and whose text: people open a section's history again and again to compare.
pub type KeptHistories = KeptForAreas<(PlanId, String, Option<OrganisationId>), TextHistory>;

/// The most histories a server keeps.
pub const MOST_HISTORIES_KEPT: usize = 256;

/// The most bytes one kept history may hold (a few dozen rows as a rule; a longer one, or one
/// with long send-back comments, is read for every view): with [`MOST_HISTORIES_KEPT`], at most
/// 16 MB.
pub const HEAVIEST_HISTORY_KEPT: usize = 64 * 1024;

impl TextHistory {
    /// The bytes it holds, roughly (what the bound counts): each row's names and numbers, and
    /// each status change's comment.
    pub fn weight(&self) -> usize {
        self.revisions
            .iter()
            .map(|revision| revision.author.len() + 64)
            .sum::<usize>()
            + self
                .status_changes
                .iter()
                .map(|change| {
                    change.comment.as_deref().map_or(0, str::len)
                        + change.changed_by.as_deref().map_or(0, str::len)
                        + 64
                })
                .sum::<usize>()
    }
}

/// `organisation` as the history's forms carry it: empty for the shared text.
fn parse_organisation(raw: &str) -> Result<Option<OrganisationId>, AppError> {
    match raw {
        "" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(|id| Some(OrganisationId::new(id)))
            .map_err(|_| AppError::NotFound),
    }
}

/// Whose text a history is of: `None` for the shared text, else the partner and its name.
type Whose = Option<(OrganisationId, String)>;

/// Whose text, its current version, and whether the person may restore versions of it now.
fn whose(
    signed_in: &SignedIn,
    context: &SectionContext,
    parts: &SectionParts,
    organisation_id: Option<OrganisationId>,
) -> Result<(Whose, i32, bool), AppError> {
    let principal = signed_in.user.principal();
    let facts = context.facts();
    let open = context.section.status.is_open_for_editing();
    let Some(id) = organisation_id else {
        let may_restore = open
            && rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id);
        return Ok((None, context.section.version, may_restore));
    };
    let contribution = parts
        .contributions
        .iter()
        .find(|contribution| contribution.organisation_id == id)
        .ok_or(AppError::NotFound)?;
    let may_restore = open && rules::may_write_contribution(&principal, facts.area_id, id);
    Ok((
        Some((id, contribution.organisation.clone())),
        contribution.version,
        may_restore,
    ))
}

/// The history page; `compare` is the two versions asked for (as typed), if any. Problems
/// (`errors`, and a comparison that cannot be made) answer `problem_status`.
async fn history_page(
    state: &AppState,
    signed_in: &SignedIn,
    (context, source): (SectionContext, PageSource),
    organisation_id: Option<OrganisationId>,
    compare: (&str, &str),
    mut errors: FormErrors,
    problem_status: StatusCode,
) -> Result<Response, AppError> {
    let (organisation, version, may_restore) =
        whose(signed_in, &context, &source.parts, organisation_id)?;
    let section_id = context.section.id;
    let read = async {
        Ok::<_, AppError>(TextHistory {
            revisions: store::revisions(&state.pool, section_id, organisation_id).await?,
            status_changes: if organisation_id.is_none() {
                store::status_changes(&state.pool, section_id).await?
            } else {
                Vec::new()
            },
        })
    };
    let key = (
        context.plan.id,
        context.section.key.clone(),
        organisation_id,
    );
    let kept = state
        .histories
        .get_or_read_at(source.reading, key, read)
        .await?;
    // The section's parts and its history are kept apart and may have been read at either
    // side of a save: a history that lists no version as new as the one the restore form names
    // would let a restore pass over a save the person was never shown, so it is read afresh.
    let newest = kept.revisions.first().map_or(0, |revision| revision.number);
    let history = if newest < version {
        Arc::new(TextHistory {
            revisions: store::revisions(&state.pool, section_id, organisation_id).await?,
            status_changes: kept.status_changes.clone(),
        })
    } else {
        kept
    };
    let difference = match compare {
        ("", "") => None,
        (from, to) => {
            let numbers = (from.parse::<i32>(), to.parse::<i32>());
            let bodies = match numbers {
                (Ok(from), Ok(to)) => {
                    store::revision_bodies(&state.pool, section_id, organisation_id, [from, to])
                        .await?
                }
                _ => Vec::new(),
            };
            let body = |number: &Result<i32, _>| {
                let number = number.as_ref().ok()?;
                bodies.iter().find(|(n, _)| n == number).map(|(_, b)| b)
            };
            match (body(&numbers.0), body(&numbers.1)) {
                (Some(old), Some(new)) => {
                    let changes = diff::words_off_thread(old, new).await?;
                    let (added, removed) = diff::stats(&changes);
                    Some(Difference {
                        from: numbers.0.unwrap_or_default(),
                        to: numbers.1.unwrap_or_default(),
                        html: diff::to_html(&changes),
                        added,
                        removed,
                    })
                }
                _ => {
                    errors.add("from", "Choose two saved versions to compare");
                    None
                }
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        problem_status
    };
    let page = HistoryPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        base: context.url(),
        area: context.area,
        plan: context.plan,
        section: context.section,
        organisation,
        history,
        difference,
        may_restore,
        version,
        errors,
    };
    Ok((status, page::render(&page)?).into_response())
}

pub(super) async fn history(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, AppError> {
    let page = SectionContext::load_kept(&state, &signed_in, &path, false).await?;
    let organisation_id = parse_organisation(&query.organisation)?;
    let compare = (query.from.as_str(), query.to.as_str());
    history_page(
        &state,
        &signed_in,
        page,
        organisation_id,
        compare,
        FormErrors::new(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RestoreForm {
    organisation: String,
    number: String,
    version: String,
}

/// Said when a restore finds the text changed since the history page was opened.
const STALE_RESTORE: &str = "Nothing was restored: the text has been saved again since you opened this page. The versions below are up to date; choose the one to restore again.";
/// Said when a restore finds the section completed.
const COMPLETED_RESTORE: &str =
    "Nothing was restored: this section is completed. Ask your area lead to reopen it first.";

pub(super) async fn restore(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, AppError> {
    let context = SectionContext::load(&state, &signed_in, &path).await?;
    let facts = context.facts();
    let organisation_id = parse_organisation(&form.organisation)?;
    let principal = signed_in.user.principal();
    let may_write = match organisation_id {
        None => rules::may_write_text(&principal, facts.area_id, facts.assigned_organisation_id),
        Some(id) => rules::may_write_contribution(&principal, facts.area_id, id),
    };
    if !may_write {
        return Err(AppError::Forbidden);
    }
    let (Ok(number), Ok(version)) = (form.number.parse::<i32>(), form.version.parse::<i32>())
    else {
        // Not a form from the history page: show the history, where restoring starts.
        let history_url = match organisation_id {
            Some(id) => format!("{}/history?organisation={id}", context.url()),
            None => format!("{}/history", context.url()),
        };
        return Ok(see_other(&history_url));
    };
    let refuse = |message| refused(&state, &signed_in, &path, organisation_id, message);
    if !facts.status.is_open_for_editing() {
        return refuse(COMPLETED_RESTORE).await;
    }
    let section_id = context.section.id;
    let bodies =
        store::revision_bodies(&state.pool, section_id, organisation_id, [number, number]).await?;
    let Some((_, body)) = bodies.into_iter().next() else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context.ask_guard(&mut change).await?;
    let save = TextSave {
        body: &body,
        author_id: signed_in.user.id,
        at: now,
        restored_from: Some(number),
    };
    let saved = match organisation_id {
        None => store::save_section_text(change.db(), section_id, version, &save).await?,
        Some(id) => store::save_contribution(change.db(), section_id, id, version, &save).await?,
    };
    let new_version = match saved {
        Saved::Version(number) => number,
        Saved::Stale => {
            drop(change);
            return refuse(STALE_RESTORE).await;
        }
        Saved::Closed => {
            drop(change);
            return refuse(COMPLETED_RESTORE).await;
        }
    };
    change
        .commit(
            &Event::new(actor(&signed_in), "revision.restored", "plan_section")
                .target(section_id)
                .area(facts.area_id)
                .details(json!({
                    "section": context.section.key,
                    "organisation_id": organisation_id,
                    "restored": number,
                    "revision": new_version,
                })),
        )
        .await?;
    Ok(see_done(&context.url(), Done::Restored))
}

/// The history again, read afresh, saying why nothing was restored (409).
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    organisation_id: Option<OrganisationId>,
    message: &'static str,
) -> Result<Response, AppError> {
    let page = SectionContext::load_kept(state, signed_in, path, false).await?;
    let mut errors = FormErrors::new();
    errors.add("versions", message);
    let status = StatusCode::CONFLICT;
    history_page(
        state,
        signed_in,
        page,
        organisation_id,
        ("", ""),
        errors,
        status,
    )
    .await
}
