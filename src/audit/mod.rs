//! The audit log: every change of state or content, appended in the same transaction as the
//! change, hash-chained so that `itf-planner audit verify` detects a row edited or removed.
//!
//! Each row's hash is HMAC-SHA256, under the audit-chain key (derived from the server key, which
//! is never in the database), over its canonical content and the previous row's hash: someone
//! with only the database cannot edit a row and recompute the chain. Rows written before the
//! chain was keyed (`chain = 1`) carry a plain SHA-256 and are accepted only as the log's oldest
//! rows. Removing the newest rows leaves a shorter intact chain, which no chain can reveal by
//! itself: the head (`itf-planner audit head`, logged periodically by `serve`) is written down
//! outside the database and checked with `audit verify --expect-head`.

pub mod change;
pub mod readable;
pub mod store;

pub use change::Change;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::keys::Subkey;

/// `chain` of rows hashed with plain SHA-256, before the chain was keyed.
pub const CHAIN_UNKEYED: i16 = 1;
/// `chain` of rows hashed with HMAC-SHA256 under the audit-chain key.
pub const CHAIN_KEYED: i16 = 2;

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
    /// A signed-in person. Takes anything that converts to the user's row number, so that the
    /// audit log need not know the user id's type.
    pub fn user(id: impl Into<i64>, email: &str) -> Actor {
        Actor::User {
            id: id.into(),
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

    /// The area the change was in. Takes anything that converts to the row's number, so that
    /// features pass their own id type and the audit log needs to know none of them.
    pub fn area(mut self, area_id: impl Into<i64>) -> Event {
        self.area_id = Some(area_id.into());
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
    pub chain: i16,
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

/// The content a row's hash covers, as bytes.
#[allow(clippy::too_many_arguments)]
pub fn hashed_content(
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
    content.to_string().into_bytes()
}

/// A row's hash: HMAC-SHA256 of its content under `key`, or plain SHA-256 when `key` is `None`
/// (only for rows written before the chain was keyed).
pub fn chain_hash(key: Option<&Subkey>, content: &[u8]) -> Vec<u8> {
    match key {
        Some(key) => {
            // HMAC takes keys of any length; a 32-byte key cannot be refused.
            match <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) {
                Ok(mut mac) => {
                    mac.update(content);
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        None => Sha256::digest(content).to_vec(),
    }
}

/// The content a stored row's hash covers, given the hash of the row before it.
pub fn row_content(row: &Row, prev_hash: &[u8]) -> Vec<u8> {
    hashed_content(
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

/// The hash a stored row should have, given the hash of the row before it.
pub fn expected_hash(key: &Subkey, row: &Row, prev_hash: &[u8]) -> Vec<u8> {
    let content = row_content(row, prev_hash);
    match row.chain {
        CHAIN_UNKEYED => chain_hash(None, &content),
        _ => chain_hash(Some(key), &content),
    }
}

/// Why a row does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The row's content does not match its hash: it was edited.
    ContentChanged { id: i64 },
    /// The row does not chain to the row before it: rows were removed or reordered.
    ChainBroken { id: i64 },
    /// An unkeyed row after a keyed one: the chain was rewritten without the key.
    Unkeyed { id: i64 },
}

impl Break {
    pub fn id(&self) -> i64 {
        match self {
            Break::ContentChanged { id } | Break::ChainBroken { id } | Break::Unkeyed { id } => *id,
        }
    }
}

/// Where a verification has got to: the hash of the last row checked, and whether a keyed row
/// has been seen (after which unkeyed rows are refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainPosition {
    pub hash: Vec<u8>,
    pub keyed_seen: bool,
}

impl ChainPosition {
    pub fn genesis() -> ChainPosition {
        ChainPosition {
            hash: GENESIS_HASH.to_vec(),
            keyed_seen: false,
        }
    }
}

/// Checks consecutive rows (in id order) from `position` (the row before the first).
/// Returns the position after the last row, or the first break.
pub fn verify_rows(
    key: &Subkey,
    rows: &[Row],
    mut position: ChainPosition,
) -> Result<ChainPosition, Break> {
    for row in rows {
        if row.prev_hash != position.hash {
            return Err(Break::ChainBroken { id: row.id });
        }
        if row.chain == CHAIN_UNKEYED {
            if position.keyed_seen {
                return Err(Break::Unkeyed { id: row.id });
            }
        } else {
            position.keyed_seen = true;
        }
        if expected_hash(key, row, &position.hash) != row.hash {
            return Err(Break::ContentChanged { id: row.id });
        }
        position.hash = row.hash.clone();
    }
    Ok(position)
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub rows_checked: u64,
    /// Rows hashed before the chain was keyed (all at the start of the log).
    pub unkeyed_rows: u64,
    /// The hash of the newest row: worth writing down elsewhere, since removing rows from the
    /// end of the log leaves an intact (shorter) chain.
    pub head: Vec<u8>,
    /// Whether the row with hash `expect_head` (if one was given) is in the verified chain.
    pub expected_head_found: bool,
    pub first_break: Option<Break>,
}

/// Walks the whole log in id order, in batches, checking every row with `key`, and whether a
/// row has the hash `expect_head` (a head written down earlier).
pub async fn verify_all(
    pool: &sqlx::PgPool,
    key: &Subkey,
    expect_head: Option<&[u8]>,
) -> Result<Verification, sqlx::Error> {
    const BATCH: i64 = 1000;
    let mut after = 0;
    let mut position = ChainPosition::genesis();
    let mut verification = Verification {
        rows_checked: 0,
        unkeyed_rows: 0,
        head: position.hash.clone(),
        expected_head_found: false,
        first_break: None,
    };
    loop {
        let rows = store::rows_after(pool, after, BATCH).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.id;
        let outcome = verify_rows(key, &rows, position.clone());
        let broken_id = outcome.as_ref().err().map(Break::id);
        for row in rows
            .iter()
            .take_while(|row| broken_id.is_none_or(|id| row.id < id))
        {
            verification.rows_checked += 1;
            if row.chain == CHAIN_UNKEYED {
                verification.unkeyed_rows += 1;
            }
            if expect_head.is_some_and(|expected| expected == row.hash.as_slice()) {
                verification.expected_head_found = true;
            }
            verification.head = row.hash.clone();
        }
        match outcome {
            Ok(next) => position = next,
            Err(found) => {
                verification.first_break = Some(found);
                return Ok(verification);
            }
        }
    }
    if expect_head.is_some_and(|expected| expected == GENESIS_HASH) {
        verification.expected_head_found = true;
    }
    Ok(verification)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn key() -> Subkey {
        crate::keys::Keys::derive(&[3; 32]).audit_chain
    }

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
                    chain: CHAIN_KEYED,
                    prev_hash: prev.clone(),
                    hash: vec![],
                };
                row.hash = expected_hash(&key(), &row, &prev);
                prev = row.hash.clone();
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(5);
        assert_eq!(
            verify_rows(&key(), &rows, ChainPosition::genesis()).map(|end| end.hash),
            Ok(rows[4].hash.clone())
        );
    }

    #[test]
    fn an_edited_row_is_found() {
        let mut rows = chain(5);
        rows[2].details = "{\"a\":[999],\"b\":1}".into();
        assert_eq!(
            verify_rows(&key(), &rows, ChainPosition::genesis()),
            Err(Break::ContentChanged { id: 3 })
        );
    }

    #[test]
    fn a_row_rechained_without_the_key_is_found() {
        let mut rows = chain(5);
        rows[2].details = "{\"a\":[999],\"b\":1}".into();
        // The forger recomputes every hash from the edited row on, with plain SHA-256 or with
        // HMAC under a key of their own, as both kinds of row.
        for forged_chain in [CHAIN_KEYED, CHAIN_UNKEYED] {
            let mut forged = rows.clone();
            let mut prev = forged[1].hash.clone();
            for row in &mut forged[2..] {
                row.chain = forged_chain;
                row.prev_hash = prev.clone();
                row.hash = chain_hash(None, &row_content(row, &prev));
                prev = row.hash.clone();
            }
            let found = verify_rows(&key(), &forged, ChainPosition::genesis()).unwrap_err();
            assert_eq!(found.id(), 3, "{found:?}");
            let wrong_key = crate::keys::Keys::derive(&[4; 32]).audit_chain;
            assert!(verify_rows(&wrong_key, &chain(2), ChainPosition::genesis()).is_err());
        }
    }

    #[test]
    fn unkeyed_rows_are_accepted_only_before_the_first_keyed_row() {
        let mut prev = GENESIS_HASH.to_vec();
        let mut rows = chain(4);
        for (index, row) in rows.iter_mut().enumerate() {
            row.chain = if index < 2 {
                CHAIN_UNKEYED
            } else {
                CHAIN_KEYED
            };
            row.prev_hash = prev.clone();
            row.hash = expected_hash(&key(), row, &prev);
            prev = row.hash.clone();
        }
        assert!(verify_rows(&key(), &rows, ChainPosition::genesis()).is_ok());
        let last = rows.len() - 1;
        rows[last].chain = CHAIN_UNKEYED;
        rows[last].hash = expected_hash(&key(), &rows[last], &rows[last].prev_hash.clone());
        assert_eq!(
            verify_rows(&key(), &rows, ChainPosition::genesis()),
            Err(Break::Unkeyed { id: 4 })
        );
    }

    #[test]
    fn a_removed_row_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(
            verify_rows(&key(), &rows, ChainPosition::genesis()),
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
