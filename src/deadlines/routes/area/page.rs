//! The area's deadlines, national and local, in one table by due date: what meets each, where
//! it stands (in words and red / amber / green) and how it was met.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Done, deadlines_url, today};
use crate::AppState;
use crate::areas::authorised_area;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::deadlines::model::{Deadline, Met};
use crate::web::banner::DoneQuery;
use crate::web::extract::{Path, Query};
use crate::web::{AppError, Layout, format, page};

/// One row of the table.
pub(super) struct Row {
    pub reference: String,
    pub title: String,
    pub national: bool,
    pub plan: String,
    pub due: String,
    pub rule: &'static str,
    pub standing: String,
    pub rag: &'static str,
    /// The GOV.UK tag colour of `rag`.
    pub colour: &'static str,
    /// How it was met, or "".
    pub met: String,
    pub notes: String,
    /// For the area lead: its edit form (local ones), recording it done, undoing that.
    pub edit_url: Option<String>,
    pub may_record_done: bool,
    pub may_undo: bool,
}

fn met_words(met: &Met) -> String {
    match met {
        Met::Event { at } => format!("By sign-off, {}", format::date_time(*at)),
        Met::ByHand { on, by, note } => {
            let mut words = format!("Done on {}, recorded by {by}", format::date(*on));
            if !note.is_empty() {
                words.push_str(": ");
                words.push_str(note);
            }
            words
        }
    }
}

fn row(area: &AreaSummary, deadline: Deadline, today: time::Date, manage: bool) -> Row {
    let standing = deadline.standing(today);
    let by_hand = deadline.rule.by_hand();
    let met_by_hand = matches!(deadline.met, Some(Met::ByHand { .. }));
    let edit_url = match (&deadline.reference, manage) {
        (crate::deadlines::model::DeadlineRef::Local { id }, true) => {
            Some(format!("{}/local/{id}", deadlines_url(area)))
        }
        _ => None,
    };
    Row {
        reference: deadline.reference.text(),
        national: deadline.is_national(),
        plan: deadline
            .plan
            .as_ref()
            .map(|(_, name)| name.clone())
            .unwrap_or_default(),
        due: format::date(deadline.due),
        rule: deadline.rule.words(),
        standing: standing.words(),
        rag: standing.rag().label(),
        colour: standing.rag().tag_colour(),
        met: deadline.met.as_ref().map(met_words).unwrap_or_default(),
        notes: deadline
            .local
            .as_ref()
            .map(|(notes, _)| notes.clone())
            .unwrap_or_default(),
        edit_url,
        may_record_done: manage && by_hand && deadline.met.is_none(),
        may_undo: manage && met_by_hand,
        title: deadline.title,
    }
}

#[derive(Template)]
#[template(path = "deadlines/area.html")]
struct AreaDeadlinesPage {
    layout: Layout,
    area: AreaSummary,
    rows: Vec<Row>,
    manage: bool,
    today: String,
    banner: &'static str,
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    let manage = policy::decide(
        &signed_in.user.principal(),
        Action::ManageLocalDeadlines,
        Target::area(area.id.get()),
    ) == Decision::Allow;
    let today = today(&state);
    let area_id = area.id.get();
    let rows = crate::deadlines::of_areas(&state.pool, &state.structures, &[area_id])
        .await?
        .remove(&area_id)
        .unwrap_or_default()
        .into_iter()
        .map(|deadline| row(&area, deadline, today, manage))
        .collect();
    page::ok(&AreaDeadlinesPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        rows,
        manage,
        today: format::date(today),
        banner: query.banner::<Done>(),
        area,
    })
}
