//! Your notifications: newest first, unread ones marked; opening one marks it read and takes
//! you to its place (a POST, since it changes something); "Mark all as read".

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::notifications::store::{self, NOTICES_SHOWN, Notice};
use crate::web::banner::{DoneQuery, see_done};
use crate::web::extract::{Form, Path, Query};
use crate::web::format::date_time;
use crate::web::page::{ok, see_other};
use crate::web::{AppError, Layout};

keyed_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        Read = ("read", "Notification marked as read"),
        AllRead = ("all-read", "All notifications marked as read"),
    }
}

struct NoticeRow {
    id: i64,
    kind: &'static str,
    title: String,
    body: String,
    when: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    layout: Layout,
    banner: &'static str,
    notices: Vec<NoticeRow>,
    /// The newest notice shown: "Mark all as read" marks up to it, not ones that arrive later.
    newest: Option<i64>,
    any_unread: bool,
    older_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ListQuery {
    done: Option<String>,
    before: Option<i64>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let mut notices: Vec<Notice> =
        store::notices_of(&state.pool, signed_in.user.id, query.before).await?;
    let more = notices.len() as i64 > NOTICES_SHOWN;
    notices.truncate(NOTICES_SHOWN as usize);
    let older_url = more
        .then(|| {
            notices
                .last()
                .map(|last| format!("/notifications?before={}", last.id))
        })
        .flatten();
    let banner = DoneQuery { done: query.done }.banner::<Done>();
    ok(&ListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner,
        newest: notices.first().map(|notice| notice.id),
        any_unread: notices.iter().any(|notice| !notice.read),
        notices: notices
            .into_iter()
            .map(|notice| NoticeRow {
                id: notice.id,
                kind: notice.kind.label(),
                title: notice.title,
                body: notice.body,
                when: date_time(notice.created_at),
                read: notice.read,
            })
            .collect(),
        older_url,
    })
}

/// Where a notice may send people: a path on this site only.
fn safe_link(link: &str) -> Option<&str> {
    let on_this_site = link.starts_with('/') && !link.starts_with("//") && !link.contains('\\');
    on_this_site.then_some(link)
}

pub(super) async fn open(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let notice = store::notice_of(&state.pool, signed_in.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !notice.read {
        mark_read(&state, &signed_in, id).await?;
    }
    Ok(see_other(
        safe_link(&notice.link).unwrap_or("/notifications"),
    ))
}

pub(super) async fn read(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    store::notice_of(&state.pool, signed_in.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    mark_read(&state, &signed_in, id).await?;
    Ok(see_done("/notifications", Done::Read))
}

async fn mark_read(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    if store::mark_read(change.db(), signed_in.user.id, id, now).await? {
        change
            .commit(&Event::new(actor(signed_in), "notice.read", "notice").target(id))
            .await?;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReadAllForm {
    up_to: String,
}

pub(super) async fn read_all(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ReadAllForm>,
) -> Result<Response, AppError> {
    // Only what the person saw: a notice that arrived since stays unread. A form without it
    // (an old page) marks nothing.
    let Ok(up_to) = form.up_to.trim().parse::<i64>() else {
        return Ok(see_other("/notifications"));
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let marked = store::mark_all_read(change.db(), signed_in.user.id, up_to, now).await?;
    if marked > 0 {
        change
            .commit(
                &Event::new(actor(&signed_in), "notice.all_read", "notice")
                    .details(json!({ "marked": marked, "up_to": up_to })),
            )
            .await?;
    }
    Ok(see_done("/notifications", Done::AllRead))
}

#[cfg(test)]
mod tests {
    use super::safe_link;

    #[test]
    fn notices_link_only_within_the_site() {
        assert_eq!(safe_link("/areas/kent"), Some("/areas/kent"));
        assert_eq!(safe_link("//evil.example/x"), None);
        assert_eq!(safe_link("/\\evil.example"), None);
        assert_eq!(safe_link("https://evil.example"), None);
    }
}
