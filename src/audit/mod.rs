//! The audit log: every change of state or content, appended in the same transaction as the
//! change, hash-chained so that `itf-planner audit verify` detects a row edited or removed.
//! Each row's hash is SHA-256 over its canonical content and the previous row's hash.

pub mod change;
pub mod store;

pub use change::Change;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The hash the first row chains to.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// Who did it.
#[derive(Clone, Debug)]
pub enum Actor {
    User {
        id: i64,
        label: String,
    },
    /// The application itself, the command line, or a background job.
    System,
    /// Someone not signed in (failed sign-ins); the label says what they claimed to be.
    Anonymous {
        label: String,
    },
}

impl Actor {
    pub fn user(id: i64, email: &str) -> Actor {
        Actor::User {
            id,
            label: email.to_owned(),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Actor::User { label, .. } => label.clone(),
            Actor::System => "system".into(),
            Actor::Anonymous { label } => format!("anonymous ({label})"),
        }
    }
}

/// One change to record.
#[derive(Clone, Debug)]
pub struct Event {
    pub actor: Actor,
    /// What happened, as `thing.verb`: `user.created`, `session.signed_in`, `grant.removed`.
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<String>,
    pub area_id: Option<i64>,
    /// A short before/after, or other detail.
    pub details: Value,
}

impl Event {
    pub fn new(actor: Actor, action: &'static str, target_kind: &'static str) -> Event {
        Event {
            actor,
            action,
            target_kind,
            target_id: None,
            area_id: None,
            details: json!({}),
        }
    }

    pub fn target(mut self, id: impl ToString) -> Event {
        self.target_id = Some(id.to_string());
        self
    }

    pub fn area(mut self, area_id: i64) -> Event {
        self.area_id = Some(area_id);
        self
    }

    pub fn details(mut self, details: Value) -> Event {
        self.details = details;
        self
    }
}

/// A row as stored, for hashing and verification.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub area_id: Option<i64>,
    pub details: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// PostgreSQL keeps microseconds; hash exactly what it keeps.
pub fn to_stored_precision(at: OffsetDateTime) -> OffsetDateTime {
    let micros = at.unix_timestamp_nanos() / 1000;
    OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).unwrap_or(at)
}

/// Canonical JSON: serde_json's default map is ordered by key, so equal values serialise to
/// equal bytes.
pub fn canonical_json(value: &Value) -> String {
    value.to_string()
}

/// The hash of a row's content chained to `prev_hash`.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev_hash: &[u8],
    at: OffsetDateTime,
    actor_user_id: Option<i64>,
    actor_label: &str,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    area_id: Option<i64>,
    details: &str,
) -> Vec<u8> {
    let content = json!([
        hex::encode(prev_hash),
        (at.unix_timestamp_nanos() / 1000).to_string(),
        actor_user_id,
        actor_label,
        action,
        target_kind,
        target_id,
        area_id,
        details,
    ]);
    Sha256::digest(content.to_string().as_bytes()).to_vec()
}

/// The hash a stored row should have, given the hash of the row before it.
pub fn expected_hash(row: &Row, prev_hash: &[u8]) -> Vec<u8> {
    chain_hash(
        prev_hash,
        row.at,
        row.actor_user_id,
        &row.actor_label,
        &row.action,
        &row.target_kind,
        row.target_id.as_deref(),
        row.area_id,
        &row.details,
    )
}

/// Why a row does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The row's content does not match its hash: it was edited.
    ContentChanged { id: i64 },
    /// The row does not chain to the row before it: rows were removed or reordered.
    ChainBroken { id: i64 },
}

/// Checks consecutive rows (in id order) against the hash of the row before the first.
/// Returns the hash of the last row, or the first break.
pub fn verify_rows(rows: &[Row], mut prev_hash: Vec<u8>) -> Result<Vec<u8>, Break> {
    for row in rows {
        if row.prev_hash != prev_hash {
            return Err(Break::ChainBroken { id: row.id });
        }
        if expected_hash(row, &prev_hash) != row.hash {
            return Err(Break::ContentChanged { id: row.id });
        }
        prev_hash = row.hash.clone();
    }
    Ok(prev_hash)
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub rows_checked: u64,
    /// The hash of the newest row: worth writing down elsewhere, since removing rows from the
    /// end of the log leaves an intact (shorter) chain.
    pub head: Vec<u8>,
    pub first_break: Option<Break>,
}

/// Walks the whole log in id order, in batches, checking every row.
pub async fn verify_all(pool: &sqlx::PgPool) -> Result<Verification, sqlx::Error> {
    const BATCH: i64 = 1000;
    let mut after = 0;
    let mut head = GENESIS_HASH.to_vec();
    let mut rows_checked = 0;
    loop {
        let rows = store::rows_after(pool, after, BATCH).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.id;
        match verify_rows(&rows, head.clone()) {
            Ok(hash) => head = hash,
            Err(found) => {
                let broken_id = match found {
                    Break::ContentChanged { id } | Break::ChainBroken { id } => id,
                };
                rows_checked += rows.iter().take_while(|row| row.id < broken_id).count() as u64;
                return Ok(Verification {
                    rows_checked,
                    head,
                    first_break: Some(found),
                });
            }
        }
        rows_checked += rows.len() as u64;
    }
    Ok(Verification {
        rows_checked,
        head,
        first_break: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn chain(n: i64) -> Vec<Row> {
        let mut prev = GENESIS_HASH.to_vec();
        (1..=n)
            .map(|id| {
                let mut row = Row {
                    id,
                    at: datetime!(2014-02-14 09:00:00.123456 UTC),
                    actor_user_id: Some(7),
                    actor_label: "lead@kent.example".into(),
                    action: "user.created".into(),
                    target_kind: "user".into(),
                    target_id: Some(id.to_string()),
                    area_id: None,
                    details: canonical_json(&json!({"b": 1, "a": [id]})),
                    prev_hash: prev.clone(),
                    hash: vec![],
                };
                row.hash = expected_hash(&row, &prev);
                prev = row.hash.clone();
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(
            verify_rows(&rows, GENESIS_HASH.to_vec()),
            Ok(rows[4].hash.clone())
        );
    }

    #[test]
    fn an_edited_row_is_found() {
        let mut rows = chain(5);
        rows[2].details = "{\"a\":[999],\"b\":1}".into();
        assert_eq!(
            verify_rows(&rows, GENESIS_HASH.to_vec()),
            Err(Break::ContentChanged { id: 3 })
        );
    }

    #[test]
    fn a_removed_row_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(
            verify_rows(&rows, GENESIS_HASH.to_vec()),
            Err(Break::ChainBroken { id: 3 })
        );
    }

    #[test]
    fn canonical_json_orders_keys() {
        assert_eq!(
            canonical_json(&json!({"z": 1, "a": 2})),
            "{\"a\":2,\"z\":1}"
        );
    }

    #[test]
    fn times_are_kept_to_the_microsecond() {
        let at = datetime!(2014-02-14 09:00:00.123456789 UTC);
        assert_eq!(
            to_stored_precision(at),
            datetime!(2014-02-14 09:00:00.123456 UTC)
        );
    }
}
