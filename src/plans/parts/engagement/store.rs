//! SQL for the plan's engagement log.

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};

use super::{Entry, EntryId};
use crate::auth::UserId;
use crate::plans::PlanId;

use super::MAX_ENTRIES;

/// An entry as stored, with its version and who last changed it when.
#[derive(Clone, Debug)]
pub struct StoredEntry {
    pub id: EntryId,
    pub entry: Entry,
    pub version: i32,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<String>,
}

type Row = (
    EntryId,
    Date,
    String,
    String,
    String,
    i32,
    OffsetDateTime,
    Option<String>,
);

fn stored(row: Row) -> StoredEntry {
    let (id, held_on, audience, what_done, what_changed, version, updated_at, updated_by) = row;
    StoredEntry {
        id,
        entry: Entry {
            held_on,
            audience,
            what_done,
            what_changed,
        },
        version,
        updated_at,
        updated_by,
    }
}

macro_rules! entry_select {
    () => {
        "SELECT e.id, e.held_on, e.audience, e.what_done, e.what_changed, e.version,
                e.updated_at, u.display_name
         FROM engagement_entries e LEFT JOIN users u ON u.id = e.updated_by"
    };
}

/// The plan's entries, newest held first.
pub async fn list_entries(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<StoredEntry>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        entry_select!(),
        " WHERE e.plan_id = $1 ORDER BY e.held_on DESC, e.id DESC LIMIT $2"
    ))
    .bind(plan_id)
    .bind(MAX_ENTRIES)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(stored).collect())
}

/// One entry of the plan.
pub async fn find_entry(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    id: EntryId,
) -> Result<Option<StoredEntry>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(concat!(
        entry_select!(),
        " WHERE e.plan_id = $1 AND e.id = $2"
    ))
    .bind(plan_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(stored))
}

pub async fn add_entry(
    db: &mut PgConnection,
    plan_id: PlanId,
    entry: &Entry,
    at: OffsetDateTime,
    by: UserId,
) -> Result<EntryId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO engagement_entries (plan_id, held_on, audience, what_done, what_changed,
                                         created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) RETURNING id",
    )
    .bind(plan_id)
    .bind(entry.held_on)
    .bind(&entry.audience)
    .bind(&entry.what_done)
    .bind(&entry.what_changed)
    .bind(at)
    .bind(by)
    .fetch_one(db)
    .await
}

/// Adds the entry as [`add_entry`] does, unless the log holds [`MAX_ENTRIES`] already (`None`).
/// The plan's row is locked first, so that parallel adds count one after another and never
/// pass the cap together (`NO KEY UPDATE`: rows referring to the plan may still be written).
pub async fn add_entry_if_room(
    db: &mut PgConnection,
    plan_id: PlanId,
    entry: &Entry,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<EntryId>, sqlx::Error> {
    sqlx::query("SELECT 1 FROM plans WHERE id = $1 FOR NO KEY UPDATE")
        .bind(plan_id)
        .execute(&mut *db)
        .await?;
    let entries: i64 =
        sqlx::query_scalar("SELECT count(*) FROM engagement_entries WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *db)
            .await?;
    if !super::room_for_another(entries) {
        return Ok(None);
    }
    add_entry(db, plan_id, entry, at, by).await.map(Some)
}

/// Changes the entry if it is still at `expected` version; its new version, or `None` when
/// someone else changed (or removed) it first.
pub async fn update_entry(
    db: &mut PgConnection,
    plan_id: PlanId,
    id: EntryId,
    expected: i32,
    entry: &Entry,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE engagement_entries
         SET held_on = $4, audience = $5, what_done = $6, what_changed = $7,
             version = version + 1, updated_at = $8, updated_by = $9
         WHERE plan_id = $1 AND id = $2 AND version = $3
         RETURNING version",
    )
    .bind(plan_id)
    .bind(id)
    .bind(expected)
    .bind(entry.held_on)
    .bind(&entry.audience)
    .bind(&entry.what_done)
    .bind(&entry.what_changed)
    .bind(at)
    .bind(by)
    .fetch_optional(db)
    .await
}

/// Removes the entry if it is still at `expected` version; false when someone else changed
/// (or removed) it first.
pub async fn remove_entry(
    db: &mut PgConnection,
    plan_id: PlanId,
    id: EntryId,
    expected: i32,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query(
        "DELETE FROM engagement_entries WHERE plan_id = $1 AND id = $2 AND version = $3",
    )
    .bind(plan_id)
    .bind(id)
    .bind(expected)
    .execute(db)
    .await?;
    Ok(removed.rows_affected() == 1)
}
