//! Searching an area's plans and comments.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use std::sync::Arc;

use crate::AppState;
use crate::areas::AreaId;
use crate::areas::authorised_area_stamped;
use crate::areas::kept::KeptForAreas;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::auth::policy::Action;
use crate::plans::{excerpt, markdown, store};
use crate::web::extract::{Path, Query};
use crate::web::{AppError, FormErrors, Layout, page};

/// A search result, with an excerpt of its text as plain text and the matched words marked.
pub struct HitView {
    /// Its body and the query's words are let go once the excerpt is cut (not kept).
    hit: store::SearchHit,
    /// The excerpt as (text, is_match) pieces, so the template escapes every piece.
    pieces: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "plans/search.html")]
struct SearchPage {
    layout: Layout,
    area: AreaSummary,
    query: String,
    hits: Arc<Vec<HitView>>,
    errors: FormErrors,
}

/// An area's results for a search, by area and the words searched for, kept per server until
/// the area changes (`areas::kept`; in `AppState`): people search again for the same words as
/// they go back and forth between the results and the sections, and each search reads and
/// cuts up to 50 texts.
pub type KeptSearches = KeptForAreas<(AreaId, String), Vec<HitView>>;

/// The most searches a server keeps (each at most 50 excerpts: tens of kilobytes).
pub const MOST_SEARCHES_KEPT: usize = 256;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SearchQuery {
    q: String,
}

/// Splits `ts_headline` output at its `<<` `>>` markers.
fn excerpt_pieces(excerpt: &str) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut rest = excerpt;
    while let Some(start) = rest.find("<<") {
        if start > 0 {
            pieces.push((rest[..start].to_owned(), false));
        }
        let after = &rest[start + 2..];
        match after.find(">>") {
            Some(end) => {
                pieces.push((after[..end].to_owned(), true));
                rest = &after[end + 2..];
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    if !rest.is_empty() {
        pieces.push((rest.to_owned(), false));
    }
    pieces
}

/// The area's texts where `text` is found, best first, each with its excerpt: one statement,
/// two when PostgreSQL must cut an excerpt the stemmer here cannot.
async fn find(state: &AppState, area_id: AreaId, text: &str) -> Result<Vec<HitView>, AppError> {
    let mut hits = store::search(&state.pool, area_id, text).await?;
    // Excerpts of the text as readers see it, not of its Markdown: made plain first (off
    // the async threads: up to 50 texts of up to 100,000 characters), then cut around the
    // first match and highlighted (`excerpt`).
    // Moved out of the hits, which are kept: the page shows only the excerpts.
    let bodies: Vec<String> = hits
        .iter_mut()
        .map(|hit| std::mem::take(&mut hit.body))
        .collect();
    let words = hits
        .first()
        .map(|hit| hit.query_words.clone())
        .unwrap_or_default();
    for hit in &mut hits {
        hit.query_words = Vec::new();
    }
    let excerpts = tokio::task::spawn_blocking(move || {
        bodies
            .iter()
            .map(|body| {
                let plain = markdown::plain_text(body);
                let part = excerpt::window(&plain, &words);
                excerpt::highlight(part, &words).ok_or_else(|| part.to_owned())
            })
            .collect::<Vec<_>>()
    })
    .await?;
    // Texts where no word matched as the stemmer here sees it: PostgreSQL's own excerpt.
    let unmatched: Vec<String> = excerpts
        .iter()
        .filter_map(|excerpt| excerpt.as_ref().err().cloned())
        .collect();
    let mut headlines = if unmatched.is_empty() {
        Vec::new()
    } else {
        store::headlines(&state.pool, text, &unmatched).await?
    }
    .into_iter();
    Ok(hits
        .into_iter()
        .zip(excerpts)
        .map(|(hit, excerpt)| HitView {
            pieces: match excerpt {
                Ok(pieces) => pieces,
                Err(_) => excerpt_pieces(&headlines.next().unwrap_or_default()),
            },
            hit,
        })
        .collect())
}

pub(super) async fn search(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let (area, reading) =
        authorised_area_stamped(&state, &signed_in, &slug, Action::ViewArea).await?;
    let text = query.q.trim().to_owned();
    let mut errors = FormErrors::new();
    if text.chars().count() > 200 {
        errors.add("q", "Search for 200 characters or fewer");
    }
    let hits = if text.is_empty() || !errors.is_empty() {
        Arc::new(Vec::new())
    } else {
        let found = find(&state, area.id, &text);
        state
            .searches
            .get_or_read_at(Some(reading), (area.id, text.clone()), found)
            .await?
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SearchPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        query: query.q,
        hits,
        errors,
    };
    Ok((status, page::render(&page)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::excerpt_pieces;

    #[test]
    fn search_excerpts_are_split_at_the_match_markers() {
        assert_eq!(
            excerpt_pieces("the <<care>> home and <<care>>"),
            vec![
                ("the ".to_owned(), false),
                ("care".to_owned(), true),
                (" home and ".to_owned(), false),
                ("care".to_owned(), true),
            ]
        );
        assert_eq!(
            excerpt_pieces("no match"),
            vec![("no match".to_owned(), false)]
        );
    }
}
