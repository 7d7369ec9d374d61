//! Calendar feeds at secret URLs (`calendar_feeds`): the secrets, and the SQL. Only a secret's
//! SHA-256 is stored; a feed is found by it. Rotating revokes the current feed and adds another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::auth::UserId;

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// Whose feed: an area's, or a person's (of every area they hold a role in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedOwner {
    Area(i64),
    Person(UserId),
}

impl FeedOwner {
    fn columns(self) -> (&'static str, Option<i64>, Option<i64>) {
        match self {
            FeedOwner::Area(area_id) => ("area", Some(area_id), None),
            FeedOwner::Person(user_id) => ("person", None, Some(user_id.get())),
        }
    }
}

/// A new secret, URL-safe base64 of 32 random bytes, and its hash.
pub fn new_secret() -> Result<(String, Vec<u8>), getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let hash = secret_hash(&secret);
    Ok((secret, hash))
}

/// The SHA-256 a secret is stored and looked up as.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether `text` could be a secret at all (43 URL-safe base64 characters): anything else is
/// not looked up.
pub fn looks_like_secret(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The current feed of an owner, as its page shows it.
#[derive(Clone, Debug, FromRow)]
pub struct CurrentFeed {
    pub id: i64,
    pub created_at: OffsetDateTime,
    pub created_by: String,
}

pub async fn current_feed(
    db: impl PgExecutor<'_>,
    owner: FeedOwner,
) -> Result<Option<CurrentFeed>, sqlx::Error> {
    let (kind, area_id, user_id) = owner.columns();
    sqlx::query_as(
        "SELECT f.id, f.created_at, u.display_name AS created_by
         FROM calendar_feeds f JOIN users u ON u.id = f.created_by
         WHERE f.kind = $1 AND f.revoked_at IS NULL
           AND f.area_id IS NOT DISTINCT FROM $2 AND f.user_id IS NOT DISTINCT FROM $3",
    )
    .bind(kind)
    .bind(area_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// What rotating did.
#[derive(Clone, Copy, Debug)]
pub struct Rotated {
    pub id: i64,
    /// The feed it replaced, if there was one.
    pub revoked: Option<i64>,
}

/// Revokes the owner's current feed (if any) and adds one with `secret_hash`. `None` when
/// another request added one at the same moment (nothing is then changed by this one).
pub async fn rotate(
    db: &mut PgConnection,
    owner: FeedOwner,
    secret_hash: &[u8],
    by: UserId,
    at: OffsetDateTime,
) -> Result<Option<Rotated>, sqlx::Error> {
    let (kind, area_id, user_id) = owner.columns();
    let revoked: Option<i64> = sqlx::query_scalar(
        "UPDATE calendar_feeds SET revoked_at = $4, revoked_by = $5
         WHERE kind = $1 AND revoked_at IS NULL
           AND area_id IS NOT DISTINCT FROM $2 AND user_id IS NOT DISTINCT FROM $3
         RETURNING id",
    )
    .bind(kind)
    .bind(area_id)
    .bind(user_id)
    .bind(at)
    .bind(by.get())
    .fetch_optional(&mut *db)
    .await?;
    // The partial unique index of the owner's kind decides a race between two rotations.
    let insert = match owner {
        FeedOwner::Area(_) => {
            "INSERT INTO calendar_feeds (kind, area_id, user_id, secret_hash, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (area_id) WHERE kind = 'area' AND revoked_at IS NULL DO NOTHING
             RETURNING id"
        }
        FeedOwner::Person(_) => {
            "INSERT INTO calendar_feeds (kind, area_id, user_id, secret_hash, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id) WHERE kind = 'person' AND revoked_at IS NULL DO NOTHING
             RETURNING id"
        }
    };
    let id: Option<i64> = sqlx::query_scalar(insert)
        .bind(kind)
        .bind(area_id)
        .bind(user_id)
        .bind(secret_hash)
        .bind(at)
        .bind(by.get())
        .fetch_optional(&mut *db)
        .await?;
    Ok(id.map(|id| Rotated { id, revoked }))
}

/// A live feed found by its secret: whose it is, and the areas it covers.
#[derive(Clone, Debug)]
pub struct FoundFeed {
    pub owner: FeedOwner,
    /// The person's name, for a person's feed.
    pub person: Option<String>,
    /// The area of an area's feed; every area the person holds a role in for theirs.
    pub area_ids: Vec<i64>,
}

#[derive(FromRow)]
struct FoundRow {
    kind: String,
    area_id: Option<i64>,
    user_id: Option<i64>,
    display_name: Option<String>,
    area_ids: Vec<i64>,
}

/// The live feed whose secret hashes to `secret_hash`: not revoked, and for a person's feed,
/// their account not disabled. One query.
pub async fn find_by_secret_hash(
    db: impl PgExecutor<'_>,
    secret_hash: &[u8],
) -> Result<Option<FoundFeed>, sqlx::Error> {
    let row: Option<FoundRow> = sqlx::query_as(
        "SELECT f.kind, f.area_id, f.user_id, u.display_name,
                CASE WHEN f.kind = 'area' THEN ARRAY[f.area_id]
                     ELSE ARRAY(SELECT DISTINCT g.area_id FROM grants g
                                WHERE g.user_id = f.user_id AND g.area_id IS NOT NULL
                                ORDER BY g.area_id)
                END AS area_ids
         FROM calendar_feeds f LEFT JOIN users u ON u.id = f.user_id
         WHERE f.secret_hash = $1 AND f.revoked_at IS NULL
           AND (f.kind = 'area' OR (u.id IS NOT NULL AND u.disabled_at IS NULL))",
    )
    .bind(secret_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|row| {
        let owner = match (row.kind.as_str(), row.area_id, row.user_id) {
            ("area", Some(area_id), _) => FeedOwner::Area(area_id),
            ("person", _, Some(user_id)) => FeedOwner::Person(UserId::new(user_id)),
            _ => return None,
        };
        Some(FoundFeed {
            owner,
            person: row.display_name,
            area_ids: row.area_ids,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_43_url_safe_characters_and_hashes_to_32_bytes() {
        let (secret, hash) = new_secret().expect("random bytes");
        assert!(looks_like_secret(&secret), "{secret}");
        assert_eq!(hash.len(), 32);
        assert_eq!(hash, secret_hash(&secret));
        let (other, _) = new_secret().expect("random bytes");
        assert_ne!(secret, other);
    }

    #[test]
    fn anything_else_is_not_a_secret() {
        assert!(!looks_like_secret(""));
        assert!(!looks_like_secret("kent"));
        assert!(!looks_like_secret(&"a".repeat(44)));
        assert!(!looks_like_secret(&format!("{}/", "a".repeat(42))));
    }
}
