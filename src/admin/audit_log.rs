//! The audit log, newest first, filtered by area, by who acted and by day, a page at a time.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::{parse_day, parse_id};
use crate::AppState;
use crate::areas::store as areas;
use crate::audit;
use crate::auth::guard::Admin;
use crate::auth::store as auth_store;
use crate::web::choice::{self, Choice};
use crate::web::extract::Query;
use crate::web::page::{ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout, format};

/// Audit entries per page.
const AUDIT_PAGE: usize = 50;

/// An audit entry as shown.
struct EntryRow {
    when: String,
    who: String,
    action: String,
    what: String,
    area: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    errors: FormErrors,
    areas: Vec<Choice>,
    user: String,
    from: String,
    to: String,
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
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
}

pub(super) async fn browse(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let all_areas = areas::list_areas(&state.pool).await?;
    let typed = |value: Option<String>| value.unwrap_or_default().trim().to_owned();
    let (area, user, from, to) = (
        typed(query.area),
        typed(query.user),
        typed(query.from),
        typed(query.to),
    );
    let mut errors = FormErrors::new();
    let mut filter = audit::store::Filter::default();
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
    filter.from = from_day.map(|day| day.midnight().assume_utc());
    filter.until = to_day
        .and_then(|day| day.next_day())
        .map(|day| day.midnight().assume_utc());
    filter.before_id = query.before.as_deref().and_then(parse_id);

    let filters: Vec<(&str, &str)> = [
        ("area", area.as_str()),
        ("user", user.as_str()),
        ("from", from.as_str()),
        ("to", to.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let url_with = |extra: Option<(&str, String)>| -> String {
        let mut pairs: Vec<(&str, String)> = filters
            .iter()
            .map(|(key, value)| (*key, (*value).to_owned()))
            .collect();
        pairs.extend(extra);
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("/admin/audit?{query}"),
            _ => "/admin/audit".to_owned(),
        }
    };

    let (entries, older_url) = if errors.is_empty() {
        let mut entries = audit::store::browse(&state.pool, &filter, AUDIT_PAGE as i64 + 1).await?;
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
        user,
        from,
        to,
        entries: entries
            .into_iter()
            .map(|entry| EntryRow {
                when: format::date_time(entry.at),
                who: entry.actor_label,
                action: entry.action,
                what: match entry.target_id {
                    Some(id) => format!("{} {id}", entry.target_kind),
                    None => entry.target_kind,
                },
                area: entry.area_name.unwrap_or_default(),
                details: entry.details,
            })
            .collect(),
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
