//! SQL for the area's own deadlines (`local_deadlines`) and deadlines recorded done by hand
//! (`deadline_done`).

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};

use super::model::{DeadlineRef, DoneFacts, LocalFacts, MetBy};
use crate::auth::UserId;

/// The most local deadlines an area keeps: far above any real area's.
pub const MAX_LOCAL_DEADLINES: i64 = 500;

#[derive(FromRow)]
struct LocalRow {
    id: i64,
    area_id: i64,
    title: String,
    due_on: Date,
    met_by: String,
    plan_id: Option<i64>,
    notes: String,
    version: i32,
}

/// The current local deadlines of the areas `area_ids`, at most `MAX_LOCAL_DEADLINES` each.
pub async fn locals_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<LocalFacts>, sqlx::Error> {
    let rows: Vec<LocalRow> = sqlx::query_as(
        "SELECT id, area_id, title, due_on, met_by, plan_id, notes, version
         FROM (SELECT d.*, row_number() OVER (PARTITION BY area_id ORDER BY due_on, id) AS nth
               FROM local_deadlines d
               WHERE area_id = ANY($1) AND removed_at IS NULL) AS d
         WHERE nth <= $2
         ORDER BY area_id, due_on, id",
    )
    .bind(area_ids)
    .bind(MAX_LOCAL_DEADLINES)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let met_by = MetBy::parse(&row.met_by).ok_or_else(|| {
                sqlx::Error::Decode(format!("deadline met by {}", row.met_by).into())
            })?;
            Ok(LocalFacts {
                id: row.id,
                area_id: row.area_id,
                title: row.title,
                due: row.due_on,
                met_by,
                plan_id: row.plan_id,
                notes: row.notes,
                version: row.version,
            })
        })
        .collect()
}

#[derive(FromRow)]
struct DoneRow {
    area_id: i64,
    deadline_ref: String,
    done_on: Date,
    recorded_by: String,
    note: String,
}

/// What is recorded done by hand (and not undone) in the areas `area_ids`. Records naming a
/// deadline that no longer parses are left out.
pub async fn done_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<DoneFacts>, sqlx::Error> {
    let rows: Vec<DoneRow> = sqlx::query_as(
        "SELECT d.area_id, d.deadline_ref, d.done_on, u.display_name AS recorded_by, d.note
         FROM deadline_done d JOIN users u ON u.id = d.recorded_by
         WHERE d.area_id = ANY($1) AND d.undone_at IS NULL
         ORDER BY d.area_id, d.id
         LIMIT $2",
    )
    .bind(area_ids)
    .bind(MAX_LOCAL_DEADLINES.saturating_mul(i64::try_from(area_ids.len()).unwrap_or(1).max(1)))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(DoneFacts {
                area_id: row.area_id,
                deadline: DeadlineRef::parse(&row.deadline_ref)?,
                on: row.done_on,
                by: row.recorded_by,
                note: row.note,
            })
        })
        .collect())
}

/// A local deadline as typed.
pub struct LocalDeadline<'a> {
    pub title: &'a str,
    pub due: Date,
    pub met_by: MetBy,
    pub plan_id: Option<i64>,
    pub notes: &'a str,
}

/// Adds a local deadline to the area; returns its id.
pub async fn insert_local(
    db: &mut PgConnection,
    area_id: i64,
    deadline: &LocalDeadline<'_>,
    by: UserId,
    at: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO local_deadlines (area_id, title, due_on, met_by, plan_id, notes, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id",
    )
    .bind(area_id)
    .bind(deadline.title)
    .bind(deadline.due)
    .bind(deadline.met_by.key())
    .bind(deadline.plan_id)
    .bind(deadline.notes)
    .bind(by)
    .bind(at)
    .fetch_one(db)
    .await
}

/// How an edit or removal based on `version` went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    /// Done; the new version (0 for a removal).
    Done(i32),
    /// Someone else changed or removed it since the form was loaded.
    Stale,
    /// No such current deadline in the area.
    Missing,
}

/// Changes the area's local deadline `id` if it is still at `version`.
pub async fn update_local(
    db: &mut PgConnection,
    area_id: i64,
    id: i64,
    version: i32,
    deadline: &LocalDeadline<'_>,
) -> Result<Changed, sqlx::Error> {
    let updated: Option<i32> = sqlx::query_scalar(
        "UPDATE local_deadlines
         SET title = $4, due_on = $5, met_by = $6, plan_id = $7, notes = $8, version = version + 1
         WHERE id = $1 AND area_id = $2 AND version = $3 AND removed_at IS NULL
         RETURNING version",
    )
    .bind(id)
    .bind(area_id)
    .bind(version)
    .bind(deadline.title)
    .bind(deadline.due)
    .bind(deadline.met_by.key())
    .bind(deadline.plan_id)
    .bind(deadline.notes)
    .fetch_optional(&mut *db)
    .await?;
    match updated {
        Some(version) => Ok(Changed::Done(version)),
        None => stale_or_missing(db, area_id, id).await,
    }
}

/// Removes the area's local deadline `id` if it is still at `version` (kept, marked removed).
pub async fn remove_local(
    db: &mut PgConnection,
    area_id: i64,
    id: i64,
    version: i32,
    by: UserId,
    at: OffsetDateTime,
) -> Result<Changed, sqlx::Error> {
    let removed = sqlx::query(
        "UPDATE local_deadlines SET removed_at = $4, removed_by = $5, version = version + 1
         WHERE id = $1 AND area_id = $2 AND version = $3 AND removed_at IS NULL",
    )
    .bind(id)
    .bind(area_id)
    .bind(version)
    .bind(at)
    .bind(by)
    .execute(&mut *db)
    .await?
    .rows_affected();
    if removed == 1 {
        Ok(Changed::Done(0))
    } else {
        stale_or_missing(db, area_id, id).await
    }
}

async fn stale_or_missing(
    db: &mut PgConnection,
    area_id: i64,
    id: i64,
) -> Result<Changed, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM local_deadlines
                        WHERE id = $1 AND area_id = $2 AND removed_at IS NULL)",
    )
    .bind(id)
    .bind(area_id)
    .fetch_one(db)
    .await?;
    Ok(if exists {
        Changed::Stale
    } else {
        Changed::Missing
    })
}

/// Records the deadline done by hand; `None` when it is recorded done already (a second click,
/// or two people at once).
pub async fn record_done(
    db: &mut PgConnection,
    area_id: i64,
    deadline: &DeadlineRef,
    on: Date,
    note: &str,
    by: UserId,
    at: OffsetDateTime,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO deadline_done (area_id, deadline_ref, done_on, note, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (area_id, deadline_ref) WHERE undone_at IS NULL DO NOTHING
         RETURNING id",
    )
    .bind(area_id)
    .bind(deadline.text())
    .bind(on)
    .bind(note)
    .bind(by)
    .bind(at)
    .fetch_optional(db)
    .await
}

/// Marks the deadline's current "done" undone; false when it was not recorded done.
pub async fn undo_done(
    db: &mut PgConnection,
    area_id: i64,
    deadline: &DeadlineRef,
    by: UserId,
    at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let undone = sqlx::query(
        "UPDATE deadline_done SET undone_at = $3, undone_by = $4
         WHERE area_id = $1 AND deadline_ref = $2 AND undone_at IS NULL",
    )
    .bind(area_id)
    .bind(deadline.text())
    .bind(at)
    .bind(by)
    .execute(db)
    .await?
    .rows_affected();
    Ok(undone == 1)
}
