//! SQL for the plan's funding: the lines (`funding_lines`) and the notified minimums
//! (`notified_minimums`, append-only). Every read is one bounded query on an index.

use std::collections::BTreeMap;

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{FundingLine, MinimumChange, NotifiedMinimum, Stored};
use crate::areas::OrganisationId;
use crate::auth::UserId;
use crate::plans::PlanId;
use crate::web::money::Pence;

/// More lines than any plan holds (partners × years × streams, each list at most 50 long, in
/// practice a few hundred): the bound on reading a plan's lines.
const MAX_LINES: i64 = 10_000;
/// More changes than any year's minimum sees.
const MAX_HISTORY: i64 = 500;

#[derive(FromRow)]
struct LineRow {
    organisation_id: OrganisationId,
    organisation_name: String,
    year_key: String,
    stream_key: String,
    amount: i64,
    version: i32,
    updated_at: OffsetDateTime,
    updated_by: Option<String>,
}

/// Every line of the plan with an amount (emptied lines are left out), by year, organisation
/// and stream: what the funding page, the checks and the task list read.
pub async fn lines(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<FundingLine>, sqlx::Error> {
    let rows: Vec<LineRow> = sqlx::query_as(
        "SELECT l.organisation_id, o.name AS organisation_name, l.year_key, l.stream_key,
                l.amount, l.version, l.updated_at, u.display_name AS updated_by
         FROM funding_lines l
         JOIN organisations o ON o.id = l.organisation_id
         LEFT JOIN users u ON u.id = l.updated_by
         WHERE l.plan_id = $1 AND l.amount IS NOT NULL
         ORDER BY l.year_key, o.name, l.stream_key
         LIMIT $2",
    )
    .bind(plan_id)
    .bind(MAX_LINES)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| FundingLine {
            organisation_id: row.organisation_id,
            organisation_name: row.organisation_name,
            year_key: row.year_key,
            stream_key: row.stream_key,
            amount: Pence::new(row.amount),
            version: row.version,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        })
        .collect())
}

/// One organisation's line of one year and stream as stored, emptied ones included.
#[derive(Clone, Debug)]
pub struct LineState {
    pub stored: Stored,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<String>,
}

#[derive(FromRow)]
struct StateRow {
    stream_key: String,
    amount: Option<i64>,
    version: i32,
    updated_at: OffsetDateTime,
    updated_by: Option<String>,
}

/// The query of `organisation_year`, bounded by the number of streams a structure may have.
macro_rules! organisation_year_select {
    () => {
        "SELECT l.stream_key, l.amount, l.version, l.updated_at, u.display_name AS updated_by
         FROM funding_lines l
         LEFT JOIN users u ON u.id = l.updated_by
         WHERE l.plan_id = $1 AND l.organisation_id = $2 AND l.year_key = $3
         ORDER BY l.stream_key
         LIMIT 1000"
    };
}

/// The organisation's lines of one year, by stream key. Inside a change (`lock`), the rows are
/// locked until it ends, so that two saves of the same lines happen one after the other and the
/// second sees the first's versions.
pub async fn organisation_year(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    organisation_id: OrganisationId,
    year_key: &str,
    lock: bool,
) -> Result<BTreeMap<String, LineState>, sqlx::Error> {
    let sql = if lock {
        concat!(organisation_year_select!(), " FOR UPDATE OF l")
    } else {
        organisation_year_select!()
    };
    let rows: Vec<StateRow> = sqlx::query_as(sql)
        .bind(plan_id)
        .bind(organisation_id)
        .bind(year_key)
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.stream_key,
                LineState {
                    stored: Stored {
                        amount: row.amount.map(Pence::new),
                        version: row.version,
                    },
                    updated_at: row.updated_at,
                    updated_by: row.updated_by,
                },
            )
        })
        .collect())
}

/// One line's new amount (`None`: emptied), if the line is still at version `expected` (0: it
/// did not exist). Returns its new version, or `None` when someone else changed it first
/// (including adding it after this save read it).
#[allow(clippy::too_many_arguments)]
pub async fn write_line(
    tx: &mut PgConnection,
    plan_id: PlanId,
    organisation_id: OrganisationId,
    year_key: &str,
    stream_key: &str,
    amount: Option<Pence>,
    expected: i32,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    // A first save inserts at version 1; one that loses the race for the new row meets the
    // unique key and the version check refuses it, as for any later save.
    let version: Option<i32> = sqlx::query_scalar(
        "INSERT INTO funding_lines
             (plan_id, organisation_id, year_key, stream_key, amount, version, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, 1, $7, $8)
         ON CONFLICT (plan_id, organisation_id, year_key, stream_key) DO UPDATE
         SET amount = EXCLUDED.amount, version = funding_lines.version + 1,
             updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         WHERE funding_lines.version = $6
         RETURNING version",
    )
    .bind(plan_id)
    .bind(organisation_id)
    .bind(year_key)
    .bind(stream_key)
    .bind(amount.map(Pence::get))
    .bind(expected)
    .bind(at)
    .bind(by)
    .fetch_optional(tx)
    .await?;
    Ok(match version {
        // Inserted, though the save expected a line: it was based on something else.
        Some(1) if expected != 0 => None,
        other => other,
    })
}

#[derive(FromRow)]
struct MinimumRow {
    id: i64,
    year_key: String,
    amount: i64,
    set_at: OffsetDateTime,
    set_by: Option<String>,
    reason: Option<String>,
}

impl From<MinimumRow> for NotifiedMinimum {
    fn from(row: MinimumRow) -> Self {
        NotifiedMinimum {
            id: row.id,
            year_key: row.year_key,
            amount: Pence::new(row.amount),
            set_at: row.set_at,
            set_by: row.set_by,
            reason: row.reason,
        }
    }
}

/// The current notified minimum of each year that has one, by year.
pub async fn current_minimums(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<NotifiedMinimum>, sqlx::Error> {
    let rows: Vec<MinimumRow> = sqlx::query_as(
        "SELECT DISTINCT ON (m.year_key)
                m.id, m.year_key, m.amount, m.set_at, u.display_name AS set_by, m.reason
         FROM notified_minimums m
         LEFT JOIN users u ON u.id = m.set_by
         WHERE m.plan_id = $1
         ORDER BY m.year_key, m.id DESC
         LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(NotifiedMinimum::from).collect())
}

/// Every notified minimum of one year, newest (the current one) first.
pub async fn minimum_history(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    year_key: &str,
) -> Result<Vec<NotifiedMinimum>, sqlx::Error> {
    let rows: Vec<MinimumRow> = sqlx::query_as(
        "SELECT m.id, m.year_key, m.amount, m.set_at, u.display_name AS set_by, m.reason
         FROM notified_minimums m
         LEFT JOIN users u ON u.id = m.set_by
         WHERE m.plan_id = $1 AND m.year_key = $2
         ORDER BY m.id DESC
         LIMIT $3",
    )
    .bind(plan_id)
    .bind(year_key)
    .bind(MAX_HISTORY)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(NotifiedMinimum::from).collect())
}

/// Adds a notified minimum for the year, replacing `change.replaces` (none: the first). Returns
/// the new row's id, or `None` when the minimum replaced is no longer the current one (someone
/// else set one meanwhile): each row is replaced at most once and each year has one first.
pub async fn set_minimum(
    tx: &mut PgConnection,
    plan_id: PlanId,
    year_key: &str,
    change: &MinimumChange,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO notified_minimums (plan_id, year_key, amount, reason, replaces, set_at, set_by)
         SELECT $1, $2, $3, $4, $5, $6, $7
         WHERE $5::bigint IS NULL
            OR EXISTS (SELECT 1 FROM notified_minimums
                       WHERE id = $5 AND plan_id = $1 AND year_key = $2)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(plan_id)
    .bind(year_key)
    .bind(change.amount.get())
    .bind(change.reason.as_deref())
    .bind(change.replaces)
    .bind(at)
    .bind(by)
    .fetch_optional(tx)
    .await
}

/// The pooled fund of each year of the plans made from the template `template_key` of the areas
/// `area_ids`: every line of the year summed, as (area id, year key, amount), by area then
/// year. One query however many areas (the national view).
pub async fn pooled_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    template_key: &str,
) -> Result<Vec<(i64, String, Pence)>, sqlx::Error> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT p.area_id, l.year_key, sum(l.amount)::bigint
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         JOIN funding_lines l ON l.plan_id = p.id
         WHERE p.area_id = ANY($1) AND t.key = $2 AND l.amount IS NOT NULL
         GROUP BY p.area_id, l.year_key
         ORDER BY p.area_id, l.year_key
         LIMIT $3",
    )
    .bind(area_ids)
    .bind(template_key)
    .bind(MAX_LINES)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(area_id, year_key, amount)| (area_id, year_key, Pence::new(amount)))
        .collect())
}
