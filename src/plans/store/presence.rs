//! SQL for presence on a section page: who else has it open, and who is typing in it (table
//! `section_presence`). Not audited, like a session's last-seen time: it records no change to
//! the plan, only that someone is looking, and it is rewritten every 20 seconds.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::plans::PlanSectionId;

/// Someone on the section's page.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
pub struct Present {
    pub user_id: UserId,
    pub name: String,
    pub organisation: String,
    /// When they last typed on the page, if within the window.
    pub editing_since: Option<OffsetDateTime>,
}

/// Notes that `user_id` has the section open at `now` (and is typing, with `editing`), unless
/// a note since `noted_since` says as much already, and returns who has been there since
/// `since`, typists first (at most 21: twenty others and the viewer, whom the caller leaves
/// out). One statement: the read does not see this write, and does not need to, since the
/// viewer is left out.
pub async fn note_presence(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
    user_id: UserId,
    now: OffsetDateTime,
    editing: bool,
    noted_since: OffsetDateTime,
    since: OffsetDateTime,
) -> Result<Vec<Present>, sqlx::Error> {
    sqlx::query_as(
        "WITH noted AS (
             INSERT INTO section_presence (plan_section_id, user_id, seen_at, editing_at)
             SELECT $1, $2, $3, CASE WHEN $4 THEN $3 END
             WHERE NOT EXISTS (
                 SELECT 1 FROM section_presence
                 WHERE plan_section_id = $1 AND user_id = $2 AND seen_at >= $6
                   AND (NOT $4 OR editing_at >= $6))
             ON CONFLICT (plan_section_id, user_id) DO UPDATE
             SET seen_at = EXCLUDED.seen_at,
                 editing_at = coalesce(EXCLUDED.editing_at, section_presence.editing_at)
         )
         SELECT p.user_id, u.display_name AS name, o.name AS organisation,
                CASE WHEN p.editing_at >= $5 THEN p.editing_at END AS editing_since
         FROM section_presence p
         JOIN users u ON u.id = p.user_id
         JOIN organisations o ON o.id = u.organisation_id
         WHERE p.plan_section_id = $1 AND p.seen_at >= $5
         ORDER BY (p.editing_at >= $5) IS TRUE DESC, u.display_name
         LIMIT 21",
    )
    .bind(section_id)
    .bind(user_id)
    .bind(now)
    .bind(editing)
    .bind(since)
    .bind(noted_since)
    .fetch_all(db)
    .await
}
