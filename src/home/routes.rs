//! The start page: what the service is, for visitors; the areas they work in, for signed-in
//! people.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::areas::visible_areas;
use crate::auth::guard::MaybeSignedIn;
use crate::web::routes::{Route, get};
use crate::web::{AppError, Layout, page};

pub fn routes() -> Vec<Route> {
    vec![get("/", start)]
}

#[derive(Template)]
#[template(path = "home/start.html")]
struct StartPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "home/your_areas.html")]
struct YourAreasPage {
    layout: Layout,
    name: String,
    areas: Vec<AreaSummary>,
    sees_all_areas: bool,
}

/// Visitors see what the service is; signed-in people see their areas (once they have done
/// what their account still needs: a new password, two-factor set-up).
async fn start(State(state): State<AppState>, who: MaybeSignedIn) -> Result<Response, AppError> {
    let layout = who.layout();
    let MaybeSignedIn::SignedIn(signed_in) = who else {
        return Ok(page::render(&StartPage { layout })?.into_response());
    };
    let user = &signed_in.user;
    let (areas, sees_all_areas) = visible_areas(&state.pool, user).await?;
    Ok(page::render(&YourAreasPage {
        layout,
        name: user.display_name.clone(),
        areas,
        sees_all_areas,
    })?
    .into_response())
}
