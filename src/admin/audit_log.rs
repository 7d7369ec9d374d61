//! The audit log, newest first, a page at a time, filtered by area, by who acted, by the thing
//! changed (its kind, and which one) and by day (UK days). Each entry shows who acted and what
//! they changed by name, linked to their pages, the change as "field: before → after" lines,
//! and the stored record as it is for whoever needs it. The page makes the same few queries
//! however many entries it shows: the names come from one joined query (`audit::store::browse`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

use super::{parse_day, parse_id};
use crate::AppState;
use crate::areas::store as areas;
use crate::audit::readable::{self, Line, TargetKind, TargetView};
use crate::audit::store::{Entry, Filter};
use crate::auth::guard::Admin;
use crate::auth::store as auth_store;
use crate::web::choice::{self, Choice};
use crate::web::extract::Query;
use crate::web::page::{ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout, format};

/// Audit entries per page.
const AUDIT_PAGE: usize = 50;

/// The most characters of a thing's id typed into the filter (ids are numbers, or a few
/// numbers and a key joined by colons).
const TARGET_ID_MAX: usize = 100;

/// An audit entry as shown.
struct EntryRow {
    /// "15 February 2014 at 9:05am GMT", and the instant for `<time datetime>`.
    when: String,
    when_iso: String,
    /// The person's name (or "system"), their account page, and the label recorded then
    /// (their email address as it was) when it says more than the name.
    who: String,
    who_link: Option<String>,
    who_recorded: Option<String>,
    action: String,
    /// The action's key, as recorded.
    action_key: String,
    what: TargetView,
    /// The log filtered to this thing, when its kind is one the filter offers.
    what_history: Option<String>,
    area: Option<(String, String)>,
    changes: Vec<Line>,
    details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    errors: FormErrors,
    areas: Vec<Choice>,
    kinds: Vec<Choice>,
    user: String,
    id: String,
    from: String,
    to: String,
    /// Some filter is set (so "No entries match" rather than an empty log).
    filtered: bool,
    entries: Vec<EntryRow>,
    /// The next page back, if there are older entries.
    older_url: Option<String>,
    /// Showing a later page: offer the way back to the newest.
    newest_url: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    area: Option<String>,
    user: Option<String>,
    kind: Option<String>,
    id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

/// The log's address with `pairs` as its query string.
fn audit_url(pairs: &[(&str, String)]) -> String {
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("/admin/audit?{query}"),
        _ => "/admin/audit".to_owned(),
    }
}

fn entry_row(entry: Entry) -> EntryRow {
    let what = readable::target(
        &entry.target_kind,
        entry.target_id.as_deref(),
        &entry.target,
    );
    let what_history = TargetKind::parse(&entry.target_kind).map(|kind| {
        let mut pairs = vec![("kind", kind.key().to_owned())];
        pairs.extend(entry.target_id.clone().map(|id| ("id", id)));
        audit_url(&pairs)
    });
    let (who, who_link, who_recorded) = match (entry.actor_user_id, entry.actor_name) {
        (Some(id), Some(name)) => {
            let recorded = (entry.actor_label != name).then_some(entry.actor_label);
            (name, Some(format!("/admin/users/{id}")), recorded)
        }
        _ => (entry.actor_label, None, None),
    };
    EntryRow {
        when: format::date_time_zoned(entry.at),
        when_iso: entry.at.format(&Rfc3339).unwrap_or_default(),
        who,
        who_link,
        who_recorded,
        action: readable::action_label(&entry.action),
        changes: readable::lines(&entry.action, &entry.details),
        action_key: entry.action,
        what,
        what_history,
        area: entry.area_name.zip(entry.area_slug),
        details: entry.details,
    }
}

pub(super) async fn browse(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let all_areas = areas::list_areas(&state.pool).await?;
    let typed = |value: Option<String>| value.unwrap_or_default().trim().to_owned();
    let (area, user, kind, id, from, to) = (
        typed(query.area),
        typed(query.user),
        typed(query.kind),
        typed(query.id),
        typed(query.from),
        typed(query.to),
    );
    let mut errors = FormErrors::new();
    let mut filter = Filter::default();
    if !area.is_empty() {
        match all_areas.iter().find(|candidate| candidate.slug == area) {
            Some(found) => filter.area_id = Some(found.id.get()),
            None => errors.add("area", "Choose an area from the list"),
        }
    }
    if !user.is_empty() {
        match auth_store::find_user_id_by_email(&state.pool, &user).await? {
            Some(id) => filter.actor_user_id = Some(id.get()),
            None => errors.add("user", "No account has this email address"),
        }
    }
    if !kind.is_empty() {
        match TargetKind::parse(&kind) {
            Some(known) => filter.target_kind = Some(known.key().to_owned()),
            None => errors.add("kind", "Choose a kind of thing from the list"),
        }
    }
    if id.chars().count() > TARGET_ID_MAX {
        errors.add("id", "The thing's id must be 100 characters or fewer");
    } else if !id.is_empty() && kind.is_empty() {
        errors.add("id", "Choose the kind of thing this id belongs to");
    } else if !id.is_empty() {
        filter.target_id = Some(id.clone());
    }
    let from_day = parse_day(&from)
        .map_err(|problem| errors.add("from", problem))
        .ok()
        .flatten();
    let to_day = parse_day(&to)
        .map_err(|problem| errors.add("to", problem))
        .ok()
        .flatten();
    if let (Some(from_day), Some(to_day)) = (from_day, to_day)
        && to_day < from_day
    {
        errors.add(
            "to",
            "The ‘to’ date must be the same as or after the ‘from’ date",
        );
    }
    // Days are UK days: from the midnight (GMT or BST) that begins `from` to the one that
    // ends `to`.
    filter.from = from_day.and_then(format::london_midnight);
    filter.until = to_day
        .and_then(|day| day.next_day())
        .and_then(format::london_midnight);
    filter.before_id = query.before.as_deref().and_then(parse_id);

    let filters: Vec<(&str, String)> = [
        ("area", &area),
        ("user", &user),
        ("kind", &kind),
        ("id", &id),
        ("from", &from),
        ("to", &to),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(key, value)| (key, value.clone()))
    .collect();
    let url_with = |extra: Option<(&str, String)>| -> String {
        let mut pairs = filters.clone();
        pairs.extend(extra);
        audit_url(&pairs)
    };

    let (entries, older_url) = if errors.is_empty() {
        let mut entries =
            crate::audit::store::browse(&state.pool, &filter, AUDIT_PAGE as i64 + 1).await?;
        let older_url = (entries.len() > AUDIT_PAGE).then(|| {
            entries.truncate(AUDIT_PAGE);
            let oldest = entries.last().map(|entry| entry.id).unwrap_or_default();
            url_with(Some(("before", oldest.to_string())))
        });
        (entries, older_url)
    } else {
        (Vec::new(), None)
    };
    let newest_url = filter.before_id.map(|_| url_with(None));
    let page = AuditPage {
        areas: choice::prompted(
            "All areas",
            all_areas
                .iter()
                .map(|candidate| (&candidate.slug, candidate.name.clone())),
            &area,
        ),
        kinds: choice::keyed_prompted::<TargetKind>("Anything", &kind),
        filtered: !filters.is_empty(),
        user,
        id,
        from,
        to,
        entries: entries.into_iter().map(entry_row).collect(),
        older_url,
        newest_url,
        layout: admin.layout(),
        errors,
    };
    if page.errors.is_empty() {
        ok(&page)
    } else {
        unprocessable(&page)
    }
}
