//! The plan as one document (issue 11, item 4): everything a plan holds — its sections and
//! partners' contributions, funding, schemes, metrics, national conditions, engagement log and
//! the area's risk register — gathered into one value, `PlanContent`.
//!
//! A sign-off round freezes the plan by storing `PlanContent` as canonical JSON and hashing it
//! with SHA-256 (`Snapshot`). Canonical means: struct fields in declaration order, every list
//! in a fixed order (template position, organisation name, scheme number, key), no maps with
//! unordered keys, no floating point, so the same content always gives the same bytes and the
//! same hash, and any change to any part changes them. A snapshot's document is rendered from
//! its stored JSON alone, so it never changes whatever happens to the live plan.

pub mod store;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The whole content of a plan at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    pub area: String,
    pub template_key: String,
    pub template_name: String,
    pub sections: Vec<SectionContent>,
}

/// A section's shared text and, where partners each write their part, their contributions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionContent {
    pub key: String,
    pub title: String,
    pub assigned_organisation: Option<String>,
    pub body: String,
    pub contributions: Vec<ContributionContent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionContent {
    pub organisation: String,
    pub body: String,
}

/// A plan's content frozen: its canonical JSON and that JSON's SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub json: String,
    pub hash: [u8; 32],
}

impl Snapshot {
    pub fn of(content: &PlanContent) -> Result<Snapshot, serde_json::Error> {
        let json = serde_json::to_string(content)?;
        let hash = Sha256::digest(json.as_bytes()).into();
        Ok(Snapshot { json, hash })
    }

    /// The content back from stored JSON.
    pub fn read(json: &str) -> Result<PlanContent, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// A hash as people see it and forms carry it: 64 lower-case hex digits.
pub fn hash_hex(hash: &[u8]) -> String {
    hex::encode(hash)
}

/// The first 12 hex digits, for tables and banners ("snapshot 3f9a0c12b4de").
pub fn short_hash(hash: &[u8]) -> String {
    let mut text = hash_hex(hash);
    text.truncate(12);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> PlanContent {
        PlanContent {
            area: "Kent".into(),
            template_key: "2014-16".into(),
            template_name: "ITF plan".into(),
            sections: vec![SectionContent {
                key: "vision".into(),
                title: "Vision".into(),
                assigned_organisation: None,
                body: "Care closer to home.".into(),
                contributions: vec![],
            }],
        }
    }

    #[test]
    fn the_same_content_hashes_the_same_and_any_change_changes_the_hash() {
        let first = Snapshot::of(&content()).unwrap();
        assert_eq!(first, Snapshot::of(&content()).unwrap());
        let mut changed = content();
        changed.sections[0].body.push('!');
        assert_ne!(first.hash, Snapshot::of(&changed).unwrap().hash);
        assert_eq!(Snapshot::read(&first.json).unwrap(), content());
        assert_eq!(hash_hex(&first.hash).len(), 64);
        assert_eq!(short_hash(&first.hash).len(), 12);
    }
}
