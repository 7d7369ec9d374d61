//! Comments on a section: starting a thread, replying, resolving and reopening a thread.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::section_page::{PageProblem, problem_page};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::Role;
use crate::auth::store::people_in_areas;
use crate::notifications::{NewNotice, NoticeKind, mentions, notify_all};
use crate::plans::CommentId;
use crate::plans::rules;
use crate::plans::store;
use crate::web::AppError;
use crate::web::banner::done_url;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::page::see_other;

pub const MAX_COMMENT_CHARS: usize = 10_000;

/// A thread's path parameters: area slug, plan key, section key, the thread's first comment.
type ThreadPath = (String, String, String, CommentId);

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CommentForm {
    body: String,
    thread: String,
    /// The passage of the section the comment is about (a new thread only), optional.
    quote: String,
}

/// The most a comment may quote of the section.
pub const MAX_QUOTE_CHARS: usize = 2_000;

/// The passage quoted, trimmed (`None` if none), or what is wrong with it.
fn parse_quote(raw: &str) -> Result<Option<String>, String> {
    let quote = raw.replace("\r\n", "\n");
    let quote = quote.trim();
    if quote.is_empty() {
        Ok(None)
    } else if quote.chars().count() > MAX_QUOTE_CHARS {
        Err(format!(
            "The passage you quote must be {MAX_QUOTE_CHARS} characters or fewer; quote the words that matter"
        ))
    } else {
        Ok(Some(quote.to_owned()))
    }
}

/// A comment's text with Windows line endings made plain, or what is wrong with it.
pub(super) fn parse_comment(raw: &str) -> Result<String, String> {
    let body = raw.replace("\r\n", "\n");
    if body.trim().is_empty() {
        Err("Enter your comment".to_owned())
    } else if body.chars().count() > MAX_COMMENT_CHARS {
        Err(format!(
            "A comment must be {MAX_COMMENT_CHARS} characters or fewer"
        ))
    } else {
        Ok(body)
    }
}

/// Tells each area member whose `@name` the comment holds (but not its author), in the
/// comment's own change; the names of those told.
async fn tell_mentioned(
    state: &AppState,
    signed_in: &SignedIn,
    context: &SectionContext,
    body: &str,
    link: &str,
    change: &mut Change,
) -> Result<Vec<String>, AppError> {
    let names = mentions::mentioned_names(body);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let people = people_in_areas(change.db(), &[context.area.id.get()], &Role::ALL).await?;
    let excerpt: String = body.chars().take(300).collect();
    let mut told: Vec<String> = Vec::new();
    let mut notices = Vec::new();
    for person in people {
        let name = mentions::name_of(&person.email);
        if person.user_id == signed_in.user.id || !names.contains(&name) || told.contains(&name) {
            continue;
        }
        notices.push(NewNotice {
            user_id: person.user_id,
            kind: NoticeKind::Mention,
            area_id: Some(context.area.id.get()),
            title: format!(
                "{} mentioned you on {} ({})",
                signed_in.user.display_name, context.section.title, context.area.name
            ),
            body: excerpt.clone(),
            link: link.to_owned(),
            once_key: None,
        });
        told.push(name);
    }
    notify_all(
        change.db(),
        &notices,
        state.clock.now(),
        &state.config.base_url(),
    )
    .await?;
    Ok(told)
}

pub(super) async fn add_comment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    add(&state, &signed_in, &path, &form)
        .await
        .map_err(|error| error.keeping(Typed::text("Your comment", &form.body)))
}

async fn add(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
    form: &CommentForm,
) -> Result<Response, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    if !rules::may_comment(&signed_in.user.principal(), context.area.id) {
        return Err(AppError::Forbidden);
    }
    let thread_id = match form.thread.as_str() {
        "" => None,
        raw => Some(
            raw.parse()
                .map(CommentId::new)
                .map_err(|_| AppError::NotFound)?,
        ),
    };
    let quote = if thread_id.is_none() {
        parse_quote(&form.quote).map_err(|message| ("quote".to_owned(), message))
    } else {
        Ok(None)
    };
    let field = match thread_id {
        Some(thread) => format!("reply-{thread}"),
        None => "comment".to_owned(),
    };
    let parsed = parse_comment(&form.body)
        .map_err(|message| (field, message))
        .and_then(|body| Ok((body, quote?)));
    let (body, quote) = match parsed {
        Ok(parsed) => parsed,
        Err((field, message)) => {
            // The text is kept: it goes back into its box.
            let problem = PageProblem {
                comment: Some((thread_id, form.body.clone())),
                quote: Some(form.quote.clone()),
                ..PageProblem::message(field, &message)
            };
            return problem_page(state, signed_in, context, problem).await;
        }
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let added = store::add_comment(
        change.db(),
        context.section.id,
        thread_id,
        signed_in.user.id,
        store::NewComment {
            body: &body,
            quote: quote.as_deref(),
        },
        now,
    )
    .await?;
    // No thread of that number on this section.
    let Some(comment_id) = added else {
        return Err(AppError::NotFound);
    };
    let fragment = format!("comment-{comment_id}");
    let mentioned = tell_mentioned(
        state,
        signed_in,
        &context,
        &body,
        &format!("{}#{fragment}", context.url()),
        &mut change,
    )
    .await?;
    change
        .commit(
            &Event::new(actor(signed_in), "comment.added", "comment")
                .target(comment_id)
                .area(context.area.id)
                .details(json!({
                    "section": context.section.key,
                    "thread": thread_id,
                    "mentioned": mentioned,
                })),
        )
        .await?;
    Ok(see_other(&done_url(
        &context.url(),
        Done::Comment,
        Some(&fragment),
    )))
}

async fn set_thread(
    state: AppState,
    signed_in: SignedIn,
    (slug, plan_key, section_key, thread_id): ThreadPath,
    resolved: bool,
) -> Result<Response, AppError> {
    let context = SectionContext::load(&state, &signed_in, &(slug, plan_key, section_key)).await?;
    if !rules::may_comment(&signed_in.user.principal(), context.area.id) {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let found = store::set_thread_resolved(
        change.db(),
        context.section.id,
        thread_id,
        resolved,
        signed_in.user.id,
        now,
    )
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    let (action, done) = if resolved {
        ("comment.resolved", Done::Resolved)
    } else {
        ("comment.reopened", Done::ReopenedThread)
    };
    change
        .commit(
            &Event::new(actor(&signed_in), action, "comment")
                .target(thread_id)
                .area(context.area.id)
                .details(json!({ "section": context.section.key })),
        )
        .await?;
    let fragment = format!("comment-{thread_id}");
    Ok(see_other(&done_url(&context.url(), done, Some(&fragment))))
}

pub(super) async fn resolve_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<ThreadPath>,
) -> Result<Response, AppError> {
    set_thread(state, signed_in, path, true).await
}

pub(super) async fn reopen_thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<ThreadPath>,
) -> Result<Response, AppError> {
    set_thread(state, signed_in, path, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_optional_trimmed_and_bounded() {
        assert_eq!(parse_quote("  \n").unwrap(), None);
        assert_eq!(parse_quote(" a\r\nb ").unwrap().as_deref(), Some("a\nb"));
        assert!(parse_quote(&"x".repeat(MAX_QUOTE_CHARS)).is_ok());
        assert!(parse_quote(&"x".repeat(MAX_QUOTE_CHARS + 1)).is_err());
    }

    #[test]
    fn comments_are_not_empty_and_not_too_long() {
        assert_eq!(parse_comment("a\r\nb").unwrap(), "a\nb");
        assert!(parse_comment("  \n").is_err());
        assert!(parse_comment(&"x".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert!(parse_comment(&"x".repeat(MAX_COMMENT_CHARS + 1)).is_err());
    }
}
