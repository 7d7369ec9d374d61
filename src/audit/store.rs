//! SQL for the audit log: appending (serialised by an advisory lock so the chain never forks),
//! verifying in batches, and browsing.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{
    CHAIN_KEYED, Event, GENESIS_HASH, Row, canonical_json, chain_hash, hashed_content,
    to_stored_precision,
};
use crate::keys::Keys;

/// Any fixed number: the key of the advisory lock that serialises appends.
const APPEND_LOCK: i64 = 0x017F_A0D1;

/// Appends `event` inside the caller's transaction, so the record and the change it describes
/// commit (or roll back) together. The row is keyed with the process's installed keys (see
/// `Keys::install`): taking them from there spares every caller passing them along.
pub async fn append(
    tx: &mut PgConnection,
    at: OffsetDateTime,
    event: &Event,
) -> Result<(), sqlx::Error> {
    let key = &Keys::installed()
        .ok_or_else(|| {
            sqlx::Error::Configuration(
                "no server key is installed, so the audit log cannot be appended to".into(),
            )
        })?
        .audit_chain;
    // Held until the transaction ends: the next append reads our hash only once we commit.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut *tx)
        .await?;
    let prev_hash: Vec<u8> =
        sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_else(|| GENESIS_HASH.to_vec());
    let at = to_stored_precision(at);
    let details = canonical_json(&event.details);
    let actor_label = event.actor.label();
    let content = hashed_content(
        &prev_hash,
        at,
        event.actor.user_id(),
        &actor_label,
        event.action,
        event.target_kind,
        event.target_id.as_deref(),
        event.area_id,
        &details,
    );
    let hash = chain_hash(Some(key), &content);
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_label, action, target_kind, target_id,
                                area_id, details, chain, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(at)
    .bind(event.actor.user_id())
    .bind(actor_label)
    .bind(event.action)
    .bind(event.target_kind)
    .bind(event.target_id.as_deref())
    .bind(event.area_id)
    .bind(details)
    .bind(CHAIN_KEYED)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Up to `limit` rows after id `after`, in id order, for verification.
pub async fn rows_after(
    db: impl PgExecutor<'_>,
    after: i64,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor_user_id, actor_label, action, target_kind, target_id, area_id,
                details, chain, prev_hash, hash
         FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The id and hash of the newest row, if any.
pub async fn head(db: impl PgExecutor<'_>) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(db)
        .await
}

/// Filters for browsing the log.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub area_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Show rows older than this id (the next page).
    pub before_id: Option<i64>,
}

/// A row for display, with the area's name.
#[derive(Clone, Debug, FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub area_name: Option<String>,
    pub details: String,
}

/// The newest `limit` rows matching `filter`, newest first.
pub async fn browse(
    db: impl PgExecutor<'_>,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.at, l.actor_label, l.action, l.target_kind, l.target_id,
                a.name AS area_name, l.details
         FROM audit_log l LEFT JOIN areas a ON a.id = l.area_id
         WHERE ($1::bigint IS NULL OR l.area_id = $1)
           AND ($2::bigint IS NULL OR l.actor_user_id = $2)
           AND ($3::timestamptz IS NULL OR l.at >= $3)
           AND ($4::timestamptz IS NULL OR l.at < $4)
           AND ($5::bigint IS NULL OR l.id < $5)
         ORDER BY l.id DESC
         LIMIT $6",
    )
    .bind(filter.area_id)
    .bind(filter.actor_user_id)
    .bind(filter.from)
    .bind(filter.until)
    .bind(filter.before_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
