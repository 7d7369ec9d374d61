//! The mail outbox, for administrators: what waits, what went and what failed, each message
//! readable (so that, without SMTP, mail can still be read and passed on by hand) except the
//! bodies holding links into someone's account; a failed message can be sent again.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::keyed::keyed_enum;
use crate::notifications::store::{self, OutboxEntry};
use crate::web::banner::{DoneQuery, see_done};
use crate::web::extract::{Path, Query};
use crate::web::format::date_time;
use crate::web::page::ok;
use crate::web::{AppError, Layout};

/// The most messages listed at once.
const LISTED: i64 = 100;

keyed_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Shown {
        Waiting = ("waiting", "Waiting"),
        Failed = ("failed", "Failed"),
        Sent = ("sent", "Sent"),
        All = ("all", "All"),
    }
}

keyed_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        Queued = ("queued", "The message will be sent again"),
    }
}

struct EntryRow {
    id: i64,
    to_address: String,
    purpose: &'static str,
    subject: String,
    created: String,
    state: &'static str,
    state_colour: &'static str,
    attempts: i32,
    last_error: String,
    /// When the next attempt is, for a message waiting after a failure.
    next_attempt: String,
    body: String,
    may_send_again: bool,
}

fn row(entry: OutboxEntry) -> EntryRow {
    let (state, state_colour) = match (entry.sent_at, entry.failed_at) {
        (Some(_), _) => ("Sent", "green"),
        (None, Some(_)) => ("Failed", "red"),
        (None, None) if entry.attempts > 0 => ("Retrying", "yellow"),
        (None, None) => ("Waiting", "blue"),
    };
    EntryRow {
        id: entry.id,
        to_address: entry.to_address,
        purpose: entry.purpose.label(),
        subject: entry.subject,
        created: date_time(entry.created_at),
        state,
        state_colour,
        attempts: entry.attempts,
        last_error: entry.last_error.unwrap_or_default(),
        next_attempt: if entry.sent_at.is_none() && entry.failed_at.is_none() && entry.attempts > 0
        {
            date_time(entry.next_attempt_at)
        } else {
            String::new()
        },
        body: if entry.purpose.carries_secret() {
            String::new()
        } else {
            entry.body
        },
        may_send_again: entry.failed_at.is_some() && entry.sent_at.is_none(),
    }
}

#[derive(Template)]
#[template(path = "notifications/outbox.html")]
struct OutboxPage {
    layout: Layout,
    shown: Shown,
    filters: Vec<(&'static str, &'static str, bool, i64)>,
    entries: Vec<EntryRow>,
    smtp_configured: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OutboxQuery {
    show: String,
}

pub(super) async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    let shown = Shown::parse(&query.show).unwrap_or(Shown::Waiting);
    let entries = store::outbox_entries(&state.pool, shown.key(), LISTED).await?;
    let (waiting, sent, failed) = store::outbox_counts(&state.pool).await?;
    let filters = Shown::ALL
        .into_iter()
        .map(|filter| {
            let count = match filter {
                Shown::Waiting => waiting,
                Shown::Failed => failed,
                Shown::Sent => sent,
                Shown::All => waiting + sent + failed,
            };
            (filter.key(), filter.label(), filter == shown, count)
        })
        .collect();
    ok(&OutboxPage {
        layout: admin.layout(),
        shown,
        filters,
        entries: entries.into_iter().map(row).collect(),
        smtp_configured: state.config.smtp_url.is_some(),
    })
}

#[derive(Template)]
#[template(path = "notifications/outbox_message.html")]
struct MessagePage {
    layout: Layout,
    banner: &'static str,
    entry: EntryRow,
    secret: bool,
}

pub(super) async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let entry = store::outbox_entry(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = entry.purpose.carries_secret();
    ok(&MessagePage {
        layout: admin.layout(),
        banner: query.banner::<Done>(),
        entry: row(entry),
        secret,
    })
}

pub(super) async fn send_again(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    if !store::send_again(change.db(), id, now).await? {
        return Err(AppError::NotFound);
    }
    change
        .commit(
            &Event::new(admin.0.user.actor(), "mail.sent_again", "mail")
                .target(id)
                .details(json!({})),
        )
        .await?;
    Ok(see_done(&format!("/admin/outbox/{id}"), Done::Queued))
}
