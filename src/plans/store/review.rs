//! SQL for a section's status changes: moving the status and recording the move in the
//! section's history (table `section_status_changes`) in one statement, so no move goes
//! unrecorded, and reading that history back.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::StatusFrom;
use crate::auth::UserId;
use crate::plans::PlanSectionId;
use crate::plans::section::SectionStatus;

/// A move of a section's status, as asked.
pub struct StatusMove<'a> {
    pub section_id: PlanSectionId,
    /// Where the asker saw it: open (any status but completed) or completed.
    pub from: StatusFrom,
    pub to: SectionStatus,
    pub user_id: UserId,
    pub at: OffsetDateTime,
    /// The content revision the asker saw (see `Section::content_version`): when set, the
    /// move happens only if nobody has saved the text or a contribution since, so a lead never
    /// completes what they did not see.
    pub seen: Option<i32>,
    /// Why (a lead sending a section back for changes).
    pub comment: Option<&'a str>,
}

/// What became of a status move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    Moved,
    /// Someone moved the status meanwhile (completed it, or reopened it).
    StatusChanged,
    /// Someone saved the text or a contribution after the asker loaded the page.
    ContentChanged,
}

#[derive(FromRow)]
struct Outcome {
    status: SectionStatus,
    moved: bool,
}

/// Moves the status if it still stands where `change.from` says and, with `change.seen`, the
/// content is still what the asker saw; records the move (unless the status stays the same).
/// The section's row is locked first, so the content read afterwards (in a new snapshot, the
/// transaction being read committed) includes any save that held the lock before.
pub async fn move_status(
    db: &mut PgConnection,
    change: &StatusMove<'_>,
) -> Result<Moved, sqlx::Error> {
    sqlx::query("SELECT 1 FROM plan_sections WHERE id = $1 FOR UPDATE")
        .bind(change.section_id)
        .execute(&mut *db)
        .await?;
    let outcome: Option<Outcome> = sqlx::query_as(
        "WITH old AS (
             SELECT s.id, s.status, s.version AS text_version,
                    (s.version + coalesce((SELECT sum(c.version) FROM contributions c
                                           WHERE c.plan_section_id = s.id), 0))::int AS content_version
             FROM plan_sections s
             WHERE s.id = $1
         ), moved AS (
             UPDATE plan_sections s SET status = $2, updated_at = $3, updated_by = $4
             FROM old
             WHERE s.id = old.id AND (old.status = 'completed') = $5
               AND ($6::int IS NULL OR old.content_version = $6)
             RETURNING old.status AS from_status, old.text_version, old.content_version
         ), recorded AS (
             INSERT INTO section_status_changes
                 (plan_section_id, from_status, to_status, text_version, content_version,
                  changed_by, changed_at, comment)
             SELECT $1, from_status, $2, text_version, content_version, $4, $3, $7
             FROM moved
             WHERE from_status <> $2
         )
         SELECT old.status, EXISTS (SELECT 1 FROM moved) AS moved FROM old",
    )
    .bind(change.section_id)
    .bind(change.to)
    .bind(change.at)
    .bind(change.user_id)
    .bind(change.from == StatusFrom::Completed)
    .bind(change.seen)
    .bind(change.comment)
    .fetch_optional(&mut *db)
    .await?;
    Ok(match outcome {
        Some(Outcome { moved: true, .. }) => Moved::Moved,
        Some(Outcome { status, .. })
            if (status == SectionStatus::Completed) == (change.from == StatusFrom::Completed) =>
        {
            Moved::ContentChanged
        }
        _ => Moved::StatusChanged,
    })
}

/// One change of a section's status, for its history.
#[derive(Clone, Debug, FromRow)]
pub struct StatusChange {
    pub from_status: SectionStatus,
    pub to_status: SectionStatus,
    pub text_version: i32,
    pub changed_by: Option<String>,
    pub changed_at: OffsetDateTime,
    pub comment: Option<String>,
}

/// The section's status changes, newest first (at most 500: a section moves a few times).
pub async fn status_changes(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
) -> Result<Vec<StatusChange>, sqlx::Error> {
    sqlx::query_as(
        "SELECT h.from_status, h.to_status, h.text_version, u.display_name AS changed_by,
                h.changed_at, h.comment
         FROM section_status_changes h
         LEFT JOIN users u ON u.id = h.changed_by
         WHERE h.plan_section_id = $1
         ORDER BY h.id DESC
         LIMIT 500",
    )
    .bind(section_id)
    .fetch_all(db)
    .await
}
