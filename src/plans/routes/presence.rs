//! Presence on a section page: noted when the page is shown and when its script reports that it
//! is still open (every `plans::presence::POLL_SECONDS`), answered with who else is there.

use std::time::Instant;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::{SectionContext, SectionPath};
use crate::AppState;
use crate::auth::extract::SignedIn;
use crate::plans::PlanSectionId;
use crate::plans::presence::{NOTED_AGAIN_AFTER, PresencePanel, WINDOW};
use crate::plans::store::{self, Present};
use crate::web::extract::{Form, Path};
use crate::web::{AppError, page};

/// Notes the viewer on the section's page (typing, with `editing`) and renders the panel of
/// who else is there. One statement; none when a statement here noted the viewer within
/// `NOTED_AGAIN_AFTER` and read the list a moment ago (`plans::presence::KeptPresence`).
pub(super) async fn panel(
    state: &AppState,
    signed_in: &SignedIn,
    section_id: PlanSectionId,
    editing: bool,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let user = signed_in.user.id;
    let read_at = Instant::now();
    let others = match state.presence.others(section_id, user, editing, read_at) {
        Some(others) => others,
        None => {
            let present = store::note_presence(
                &state.pool,
                section_id,
                user,
                now,
                editing,
                now - NOTED_AGAIN_AFTER,
                now - WINDOW,
            )
            .await?;
            let viewer = Present {
                user_id: user,
                name: signed_in.user.display_name.clone(),
                organisation: signed_in.user.organisation_name.clone(),
                editing_since: editing.then_some(now),
            };
            state
                .presence
                .keep(section_id, viewer, editing, read_at, present)
        }
    };
    Ok(PresencePanel::new(others, now).render()?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PresenceForm {
    /// "1" if the person typed on the page since the last report.
    editing: String,
}

/// The page's script, still open: the panel again, as a fragment.
pub(super) async fn still_here(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<PresenceForm>,
) -> Result<Response, AppError> {
    let context = SectionContext::load(&state, &signed_in, &path).await?;
    let html = panel(&state, &signed_in, context.section.id, form.editing == "1").await?;
    page::fragment(html)
}
