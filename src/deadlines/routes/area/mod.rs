//! An area's deadlines: the page listing them (`page`), the area lead's own deadlines added,
//! changed and removed (`local`), and deadlines recorded done by hand and undone (`done`); and
//! the banner the area's pages show when one is overdue or due soon (`notice_source`).

mod done;
mod local;
mod page;

use time::Date;

use super::super::rag::{AMBER_DAYS, Standing};
use crate::AppState;
use crate::areas::authorised_area;
use crate::areas::notices::{DeadlineNotice, DeadlineNoticeSource};
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::auth::policy::Action;
use crate::keyed::keyed_enum;
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, format};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/deadlines", page::show),
        get("/areas/{slug}/deadlines/new", local::new_form),
        post("/areas/{slug}/deadlines/new", local::add),
        get(
            "/areas/{slug}/deadlines/local/{deadline_id}",
            local::edit_form,
        ),
        post("/areas/{slug}/deadlines/local/{deadline_id}", local::change),
        post(
            "/areas/{slug}/deadlines/local/{deadline_id}/remove",
            local::remove,
        ),
        get("/areas/{slug}/deadlines/done", done::form),
        post("/areas/{slug}/deadlines/done", done::record),
        post("/areas/{slug}/deadlines/undo", done::undo),
    ]
}

keyed_enum! {
    /// The banner on the deadlines page after a change.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Added = ("added", "The deadline has been added"),
        Changed = ("changed", "The deadline has been changed"),
        Removed = ("removed", "The deadline has been removed"),
        Recorded = ("recorded", "The deadline has been recorded as done"),
        AlreadyRecorded = (
            "already-recorded",
            "This deadline had already been recorded as done: it was not recorded again"
        ),
        Undone = ("undone", "The deadline is no longer recorded as done"),
        NotRecorded = ("not-recorded", "This deadline was not recorded as done: nothing changed"),
    }
}

/// Today in England, by the application clock.
fn today(state: &AppState) -> Date {
    format::in_london(state.clock.now()).date()
}

fn deadlines_url(area: &AreaSummary) -> String {
    format!("/areas/{}/deadlines", area.slug)
}

/// The area named in the URL, if the person may manage its deadlines (its lead): another
/// area's people are told it does not exist, the area's others are refused.
async fn managed_area(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
) -> Result<AreaSummary, AppError> {
    authorised_area(state, signed_in, slug, Action::ManageLocalDeadlines).await
}

/// The area's deadlines not met that are overdue or due within 14 days of `today`.
async fn notice(
    state: &AppState,
    area_id: i64,
    today: Date,
) -> Result<Option<DeadlineNotice>, AppError> {
    let areas = super::super::of_areas(&state.pool, &state.structures, &[area_id]).await?;
    let (mut overdue, mut due_soon) = (Vec::new(), Vec::new());
    for deadline in areas.get(&area_id).into_iter().flatten() {
        match deadline.standing(today) {
            Standing::Overdue { .. } => overdue.push(deadline.title.clone()),
            Standing::Due { days } if days <= AMBER_DAYS => due_soon.push(deadline.title.clone()),
            _ => {}
        }
    }
    Ok(DeadlineNotice::of(overdue, due_soon))
}

/// `notice` as the area pages take it (`areas::notices::DeadlineNoticeSource`).
pub fn notice_source() -> DeadlineNoticeSource {
    DeadlineNoticeSource(|state, area_id, today| Box::pin(notice(state, area_id, today)))
}
