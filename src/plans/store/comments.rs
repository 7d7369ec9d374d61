//! SQL for comments on sections, and full-text search across an area's plans and comments.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::areas::AreaId;
use crate::auth::UserId;
use crate::plans::{CommentId, PlanSectionId};

/// A comment, with its author.
#[derive(Clone, Debug, FromRow)]
pub struct Comment {
    pub id: CommentId,
    pub thread_id: Option<CommentId>,
    pub author: String,
    pub author_organisation: String,
    pub body: String,
    /// The passage of the section the comment is about, if it quoted one.
    pub quote: Option<String>,
    pub created_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    pub resolved_by: Option<String>,
}

/// All comments of a section, threads in order with their replies.
pub async fn comments(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
) -> Result<Vec<Comment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.thread_id, u.display_name AS author, o.name AS author_organisation,
                c.body, c.quote, c.created_at, c.resolved_at, r.display_name AS resolved_by
         FROM comments c
         JOIN users u ON u.id = c.author_id
         JOIN organisations o ON o.id = u.organisation_id
         LEFT JOIN users r ON r.id = c.resolved_by
         WHERE c.plan_section_id = $1
         ORDER BY coalesce(c.thread_id, c.id), c.id
         LIMIT 2000",
    )
    .bind(section_id)
    .fetch_all(db)
    .await
}

/// A comment to add: its text and, optionally, the passage of the section it quotes.
pub struct NewComment<'a> {
    pub body: &'a str,
    pub quote: Option<&'a str>,
}

pub async fn add_comment(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
    thread_id: Option<CommentId>,
    author_id: UserId,
    comment: NewComment<'_>,
    now: OffsetDateTime,
) -> Result<Option<CommentId>, sqlx::Error> {
    // A reply must name a thread (a first comment) of the same section.
    sqlx::query_scalar(
        "INSERT INTO comments (plan_section_id, thread_id, author_id, body, created_at, quote)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE $2::bigint IS NULL
            OR EXISTS (SELECT 1 FROM comments WHERE id = $2 AND plan_section_id = $1 AND thread_id IS NULL)
         RETURNING id",
    )
    .bind(section_id)
    .bind(thread_id)
    .bind(author_id)
    .bind(comment.body)
    .bind(now)
    .bind(comment.quote)
    .fetch_optional(db)
    .await
}

/// Resolves (or reopens, with `resolved` false) a thread of the section; false if no such thread.
pub async fn set_thread_resolved(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
    thread_id: CommentId,
    resolved: bool,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE comments
         SET resolved_at = CASE WHEN $3 THEN $5 ELSE NULL END,
             resolved_by = CASE WHEN $3 THEN $4 ELSE NULL END
         WHERE id = $2 AND plan_section_id = $1 AND thread_id IS NULL",
    )
    .bind(section_id)
    .bind(thread_id)
    .bind(resolved)
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A search result: where the words were found, and the text they were found in (Markdown, as
/// written: the page shows an excerpt of it as plain text, see [`headlines`]).
#[derive(Clone, Debug, FromRow)]
pub struct SearchHit {
    pub template_key: String,
    pub section_key: String,
    pub section_title: String,
    /// "Section text", a partner's name for its contribution, or "Comment".
    pub found_in: String,
    pub body: String,
    /// Where on the section page the hit is: the comment, or the partner's contribution.
    pub anchor: String,
    /// The search's words as the search matches them (`to_tsvector('english', query)`:
    /// stemmed, stop words gone); the same on every hit.
    pub query_words: Vec<String>,
}

/// Full-text search across an area's plan text, contributions and comments: matched and
/// ranked on each text's stored `search_words` (`to_tsvector('english', body)`, kept by the
/// database as the text is saved), not on the words derived afresh from every text searched.
pub async fn search(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    query: &str,
) -> Result<Vec<SearchHit>, sqlx::Error> {
    sqlx::query_as(
        "WITH q AS (SELECT websearch_to_tsquery('english', $2) AS query),
         hits AS (
             SELECT s.id AS section_id, 'Section text' AS found_in, s.body AS body,
                    'current-text' AS anchor,
                    ts_rank(s.search_words, q.query) AS rank
             FROM plan_sections s JOIN plans p ON p.id = s.plan_id, q
             WHERE p.area_id = $1 AND s.search_words @@ q.query
             UNION ALL
             SELECT c.plan_section_id, o.name, c.body,
                    'contribution-' || c.organisation_id || '-heading', ts_rank(c.search_words, q.query)
             FROM contributions c
             JOIN organisations o ON o.id = c.organisation_id
             JOIN plan_sections s ON s.id = c.plan_section_id
             JOIN plans p ON p.id = s.plan_id, q
             WHERE p.area_id = $1 AND c.search_words @@ q.query
             UNION ALL
             SELECT k.plan_section_id, 'Comment', k.body, 'comment-' || k.id, ts_rank(k.search_words, q.query)
             FROM comments k
             JOIN plan_sections s ON s.id = k.plan_section_id
             JOIN plans p ON p.id = s.plan_id, q
             WHERE p.area_id = $1 AND k.search_words @@ q.query
         )
         SELECT t.key AS template_key, ts.key AS section_key, ts.title AS section_title, h.found_in,
                h.body, h.anchor,
                tsvector_to_array(to_tsvector('english', $2)) AS query_words
         FROM hits h
         JOIN plan_sections s ON s.id = h.section_id
         JOIN template_sections ts ON ts.id = s.template_section_id
         JOIN templates t ON t.id = ts.template_id
         ORDER BY h.rank DESC
         LIMIT 50",
    )
    .bind(area_id)
    .bind(query)
    .fetch_all(db)
    .await
}

/// The excerpt of each of `texts` (plain text, in order) where the words of `query` match, the
/// matched words between `<<` and `>>`, as PostgreSQL's full-text search finds them (stems and
/// all). One statement however many texts; at most as many as [`search`] finds.
pub async fn headlines(
    db: impl PgExecutor<'_>,
    query: &str,
    texts: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT ts_headline('english', t.text, websearch_to_tsquery('english', $1),
                            'StartSel=<<, StopSel=>>, MaxWords=30, MinWords=10, MaxFragments=2')
         FROM unnest($2::text[]) WITH ORDINALITY AS t(text, position)
         ORDER BY t.position",
    )
    .bind(query)
    .bind(texts)
    .fetch_all(db)
    .await
}
