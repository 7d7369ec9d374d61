//! Calendar feeds: the feed itself at `/calendar/{secret}.ics` (no session: calendar apps have
//! no cookies; an unknown, revoked or disabled person's secret answers 404 like any unknown
//! page), an area's feed page (everyone who sees the area; the lead makes and rotates the
//! address) and your own feed page (every area you hold a role in).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::areas::authorised_area;
use crate::areas::store::{AreaSummary, list_areas_by_id};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::{self, Action, Decision, Target};
use crate::deadlines::calendar::{self, Feed, FeedArea};
use crate::deadlines::feeds::{self, CurrentFeed, FeedOwner};
use crate::web::extract::Path;
use crate::web::format::{date_time, in_london};
use crate::web::page::{ok, see_other};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout};

pub fn routes() -> Vec<Route> {
    vec![
        get("/calendar/{file}", feed),
        get("/areas/{slug}/calendar", area_page),
        post("/areas/{slug}/calendar", rotate_area_feed),
        get("/account/calendar", own_page),
        post("/account/calendar", rotate_own_feed),
    ]
}

/// How long calendar apps (and nothing shared) may keep a feed.
const CACHE_CONTROL: &str = "private, max-age=300";

/// The feed: `{file}` is `<secret>.ics`.
async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let secret = file
        .strip_suffix(".ics")
        .filter(|secret| feeds::looks_like_secret(secret))
        .ok_or(AppError::NotFound)?;
    let found = feeds::find_by_secret_hash(&state.pool, &feeds::secret_hash(secret))
        .await?
        .ok_or(AppError::NotFound)?;
    let area_ids: Vec<_> = found
        .area_ids
        .iter()
        .map(|id| crate::areas::AreaId::new(*id))
        .collect();
    let areas: Vec<FeedArea> = list_areas_by_id(&state.pool, &area_ids)
        .await?
        .into_iter()
        .map(|area| FeedArea {
            id: area.id.get(),
            slug: area.slug,
            name: area.name,
        })
        .collect();
    let name = match found.owner {
        FeedOwner::Area(_) => areas
            .first()
            .map(|area| area.name.clone())
            .ok_or(AppError::NotFound)?,
        FeedOwner::Person(_) => found.person.clone().unwrap_or_default(),
    };
    let deadlines =
        crate::deadlines::of_areas(&state.pool, &state.structures, &found.area_ids).await?;
    let now = state.clock.now();
    let public_url = base_url(&state, &headers);
    let text = calendar::build(&Feed {
        name: &name,
        areas: areas
            .iter()
            .map(|area| {
                let list = deadlines.get(&area.id).map(Vec::as_slice).unwrap_or(&[]);
                (area, list)
            })
            .collect(),
        public_url: &public_url,
        now,
        today: in_london(now).date(),
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
        ],
        text,
    )
        .into_response())
}

/// Where people reach the application: `config.public_url` without its trailing slash, else
/// the address the request was made to.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    match &state.config.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .map(|host| format!("http://{host}"))
            .unwrap_or_default(),
    }
}

/// The feed's full address.
fn feed_url(state: &AppState, headers: &HeaderMap, secret: &str) -> String {
    format!("{}/calendar/{secret}.ics", base_url(state, headers))
}

struct FeedRow {
    made: String,
    by: String,
}

impl From<CurrentFeed> for FeedRow {
    fn from(feed: CurrentFeed) -> FeedRow {
        FeedRow {
            made: date_time(feed.created_at),
            by: feed.created_by,
        }
    }
}

#[derive(Template)]
#[template(path = "deadlines/calendar.html")]
struct CalendarPage {
    layout: Layout,
    caption: String,
    heading: &'static str,
    covers: String,
    back_url: String,
    back_text: String,
    action: String,
    current: Option<FeedRow>,
    /// The address just made: shown this once.
    new_url: Option<String>,
    may_rotate: bool,
    /// What to do without the address.
    lost_hint: &'static str,
}

impl CalendarPage {
    fn of_area(signed_in: &SignedIn, area: &AreaSummary, may_rotate: bool) -> CalendarPage {
        CalendarPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            caption: area.name.clone(),
            heading: "Calendar feed of the area's deadlines",
            covers: format!(
                "A calendar feed puts the national and local deadlines of {} in your calendar app.",
                area.name
            ),
            back_url: format!("/areas/{}", area.slug),
            back_text: area.name.clone(),
            action: format!("/areas/{}/calendar", area.slug),
            current: None,
            new_url: None,
            may_rotate,
            lost_hint: if may_rotate {
                "The address is shown only when it is made. If you no longer have it, make a new one."
            } else {
                "The address is shown only when it is made: ask your area lead for it."
            },
        }
    }

    fn own(signed_in: &SignedIn) -> CalendarPage {
        CalendarPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            caption: "Your account".to_owned(),
            heading: "Your calendar feed",
            covers: "Your calendar feed puts the deadlines of every area you have a role in into your calendar app.".to_owned(),
            back_url: "/account".to_owned(),
            back_text: "Your account".to_owned(),
            action: "/account/calendar".to_owned(),
            current: None,
            new_url: None,
            may_rotate: true,
            lost_hint: "The address is shown only when it is made. If you no longer have it, make a new one.",
        }
    }
}

async fn area_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ViewArea).await?;
    let may_rotate = policy::decide(
        &signed_in.user.principal(),
        Action::ManageLocalDeadlines,
        Target::area(area.id.get()),
    ) == Decision::Allow;
    let current = feeds::current_feed(&state.pool, FeedOwner::Area(area.id.get())).await?;
    ok(&CalendarPage {
        current: current.map(FeedRow::from),
        ..CalendarPage::of_area(&signed_in, &area, may_rotate)
    })
}

async fn rotate_area_feed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ManageLocalDeadlines).await?;
    let owner = FeedOwner::Area(area.id.get());
    let page = CalendarPage::of_area(&signed_in, &area, true);
    rotate(&state, &signed_in, &headers, owner, page, |created| {
        let action = if created {
            "calendar.area_feed_created"
        } else {
            "calendar.area_feed_rotated"
        };
        Event::new(actor(&signed_in), action, "calendar_feed").area(area.id)
    })
    .await
}

async fn own_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    let current = feeds::current_feed(&state.pool, FeedOwner::Person(signed_in.user.id)).await?;
    ok(&CalendarPage {
        current: current.map(FeedRow::from),
        ..CalendarPage::own(&signed_in)
    })
}

async fn rotate_own_feed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let owner = FeedOwner::Person(signed_in.user.id);
    let page = CalendarPage::own(&signed_in);
    rotate(&state, &signed_in, &headers, owner, page, |created| {
        let action = if created {
            "calendar.person_feed_created"
        } else {
            "calendar.person_feed_rotated"
        };
        Event::new(actor(&signed_in), action, "calendar_feed")
    })
    .await
}

/// Makes a new address for `owner`'s feed (revoking the old one) and shows it this once.
async fn rotate(
    state: &AppState,
    signed_in: &SignedIn,
    headers: &HeaderMap,
    owner: FeedOwner,
    page: CalendarPage,
    event: impl FnOnce(bool) -> Event,
) -> Result<Response, AppError> {
    let (secret, hash) = feeds::new_secret()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("no random bytes: {error}")))?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let Some(rotated) = feeds::rotate(change.db(), owner, &hash, signed_in.user.id, at).await?
    else {
        // Another request made one at the same moment: show the page as it now is.
        return Ok(see_other(&page.action));
    };
    change
        .commit(
            &event(rotated.revoked.is_none())
                .target(rotated.id)
                .details(json!({ "revoked_feed": rotated.revoked })),
        )
        .await?;
    let current = feeds::current_feed(&state.pool, owner).await?;
    ok(&CalendarPage {
        current: current.map(FeedRow::from),
        new_url: Some(feed_url(state, headers, &secret)),
        ..page
    })
}
