//! The start page: what the service is, for visitors; for signed-in people, their home page:
//! what needs them, each item linking to the place, and the areas they work in.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::facts;
use super::needs::{self, Group, Person};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::areas::visible_areas;
use crate::auth::guard::MaybeSignedIn;
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![get("/", start)]
}

#[derive(Template)]
#[template(path = "home/start.html")]
struct StartPage {
    layout: Layout,
}

/// One item as shown: its link, its area and what it is, and where it stands.
struct Row {
    title: String,
    url: String,
    area: String,
    detail: String,
    /// "Due in 3 days", "2 days overdue", or "".
    standing: String,
    /// "Due 4 April 2014", or "".
    due: String,
    overdue: bool,
    yours: bool,
    /// A deadline's colour: its label and GOV.UK tag colour, or "".
    rag: &'static str,
    rag_colour: &'static str,
}

struct GroupView {
    id: &'static str,
    heading: &'static str,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "home/your_areas.html")]
struct HomePage {
    layout: Layout,
    name: String,
    today: String,
    groups: Vec<GroupView>,
    areas: Vec<AreaSummary>,
    sees_all_areas: bool,
}

fn view(group: Group, today: time::Date) -> GroupView {
    GroupView {
        id: group.kind.id(),
        heading: group.kind.heading(),
        rows: group
            .needs
            .into_iter()
            .map(|need| {
                let standing = need.standing(today);
                Row {
                    standing: standing.map(|s| s.words()).unwrap_or_default(),
                    due: need.due.map(format::date).unwrap_or_default(),
                    overdue: need.due.is_some_and(|due| due < today),
                    yours: need.yours,
                    rag: need.rag.map(|rag| rag.label()).unwrap_or_default(),
                    rag_colour: need.rag.map(|rag| rag.tag_colour()).unwrap_or_default(),
                    title: need.title,
                    url: need.url,
                    area: need.area,
                    detail: need.detail,
                }
            })
            .collect(),
    }
}

/// Visitors see what the service is; signed-in people (once they have done what their account
/// still needs: a new password, two-factor set-up) see what needs them and their areas.
async fn start(State(state): State<AppState>, who: MaybeSignedIn) -> Result<Response, AppError> {
    let layout = who.layout();
    let MaybeSignedIn::SignedIn(signed_in) = who else {
        return Ok(page::render(&StartPage { layout })?.into_response());
    };
    let user = &signed_in.user;
    let today = format::in_london(state.clock.now()).date();
    let person = Person {
        id: user.id,
        name: &user.display_name,
        organisation_id: crate::areas::OrganisationId::new(user.organisation_id),
        organisation_name: &user.organisation_name,
        grants: &user.grants,
    };
    let (areas, sees_all_areas) = visible_areas(&state.pool, user).await?;
    let facts = facts::read(&state.pool, &state.structures, &person, areas).await?;
    let groups = needs::needs(&person, &facts, today)
        .into_iter()
        .map(|group| view(group, today))
        .collect();
    Ok(page::render(&HomePage {
        layout,
        name: user.display_name.clone(),
        today: format::date(today),
        groups,
        areas: facts.areas,
        sees_all_areas,
    })?
    .into_response())
}
