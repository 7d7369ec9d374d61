//! The register's storage: an area's matrices ([`matrices`]), its risks and every version of
//! each ([`risks`]), the register as it stood at a moment ([`history`]) and links from risks
//! to plan sections ([`links`]). Every version holds the whole risk as it stood (`content`, a
//! serialised [`RiskContent`]) and the matrix it was scored under, so reading history never
//! recomputes anything.
//!
//! [`RiskContent`]: super::content::RiskContent

mod history;
mod imports;
mod links;
mod matrices;
mod risks;

pub use history::*;
pub use imports::*;
pub use links::*;
pub use matrices::*;
pub use risks::*;

use risks::current;

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::areas::AreaId;
use crate::risks::{MatrixId, RiskId};

/// A current risk's row (`risks::CurrentRow`) with one more column, for reads that say
/// something more about each risk.
type CurrentRowAnd<T> = (
    RiskId,
    i32,
    i32,
    String,
    OffsetDateTime,
    Option<String>,
    MatrixId,
    T,
);

/// The most risks one area's register lists: far above any real register, a bound on the page.
pub const MAX_RISKS: i64 = 2_000;
/// The most versions of one risk shown.
pub const MAX_VERSIONS: i64 = 1_000;

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}

/// Locks the area's register for a change (numbering, the first matrix): changes to one
/// area's register then happen one at a time, so numbers are handed out once each.
pub async fn lock_register(db: &mut PgConnection, area_id: AreaId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT id FROM areas WHERE id = $1 FOR UPDATE")
        .bind(area_id)
        .execute(db)
        .await
        .map(drop)
}
