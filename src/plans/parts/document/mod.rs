//! The plan as one document (issue 11, items 4 and 5): everything a plan holds — its sections
//! and partners' contributions, funding, schemes, metrics, national conditions, engagement log
//! and the area's risk register — gathered into one value, `PlanContent`.
//!
//! A sign-off round freezes the plan by storing `PlanContent` as canonical JSON and hashing it
//! with SHA-256 (`Snapshot`). Canonical means: struct fields in declaration order, every list
//! in a fixed order (template position, organisation name, scheme number, key), no maps with
//! unordered keys, no floating point (money in whole pence, metric values in whole
//! hundredths, dates as `2014-03-31`), and nothing volatile (no ids, versions, statuses or who
//! saved when), so the same content always gives the same bytes and the same hash, and any
//! change to any part changes them. Names are kept as they read (the organisation's, the
//! stream's, the year's label), so a snapshot's document is rendered from its stored JSON
//! alone and never changes whatever happens to the live plan or its structure.
//!
//! `layout` turns content into the document's parts (pure, shared by the HTML page and the
//! Word file), `docx` writes the Word file, `differences` compares two contents field by field.

pub mod differences;
pub mod docx;
pub mod layout;
pub mod routes;
pub mod store;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use differences::{Difference, DifferenceKind, differences};

/// The whole content of a plan at one moment. The parts after `sections` default to empty so
/// that a snapshot stored before they were added still reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    pub area: String,
    pub template_key: String,
    pub template_name: String,
    pub sections: Vec<SectionContent>,
    #[serde(default)]
    pub funding: Vec<FundingLineContent>,
    #[serde(default)]
    pub minimums: Vec<MinimumContent>,
    #[serde(default)]
    pub schemes: Vec<SchemeEntry>,
    #[serde(default)]
    pub metrics: Vec<MetricEntry>,
    #[serde(default)]
    pub conditions: Vec<ConditionEntry>,
    #[serde(default)]
    pub engagement: Vec<EngagementEntry>,
    #[serde(default)]
    pub risks: Vec<RiskEntry>,
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

/// One partner's money in one year from one stream, by year, organisation and stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingLineContent {
    pub year: String,
    pub organisation: String,
    pub stream: String,
    pub pence: i64,
}

/// A year's notified minimum pooled fund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinimumContent {
    pub year: String,
    pub pence: i64,
}

/// A scheme, by number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeEntry {
    pub number: i32,
    pub name: String,
    pub scheme_type: String,
    pub objective: String,
    pub lead_commissioner: String,
    pub provider: String,
    pub funding_source: String,
    pub years: Vec<SchemeYear>,
    /// The metrics it moves, by name.
    pub metrics: Vec<String>,
    /// The risks it is linked to, by reference (R-07).
    pub risks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeYear {
    pub year: String,
    pub spend_pence: i64,
    pub benefit_pence: i64,
}

/// A metric's current goals, in the structure's order of metrics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricEntry {
    pub name: String,
    pub unit: String,
    pub baseline: Option<BaselineEntry>,
    /// In the metric's order of periods.
    pub goals: Vec<GoalEntry>,
    pub pay_for_performance_pence: Option<i64>,
    pub rationale: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub hundredths: i64,
    pub period: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalEntry {
    pub period: String,
    pub hundredths: i64,
}

/// The current answer to a national condition, in the structure's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionEntry {
    pub title: String,
    pub status: String,
    /// Markdown.
    pub how: String,
}

/// An entry of the engagement log, newest held first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementEntry {
    pub held_on: String,
    pub audience: String,
    pub what_done: String,
    pub what_changed: String,
}

/// A risk of the area's register as it stands, by number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEntry {
    pub reference: String,
    pub title: String,
    pub cause: String,
    pub event: String,
    pub effect: String,
    pub category: String,
    pub owner_organisation: String,
    pub owner_person: String,
    pub raised: String,
    pub current: RiskRating,
    pub controls: String,
    pub actions: Vec<RiskAction>,
    pub residual: RiskRating,
    /// Who bears what if activity does not change as planned, in basis points (5000: 50%).
    pub sharing: Vec<RiskShare>,
    pub exposure_pence: Option<i64>,
    pub review: String,
    pub status: String,
    pub closure_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRating {
    pub likelihood: u8,
    pub impact: u8,
    pub score: u16,
    pub band: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAction {
    pub description: String,
    pub owner: String,
    pub due: String,
    pub done: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskShare {
    pub organisation: String,
    pub basis_points: u16,
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
pub(crate) mod tests {
    use super::*;

    /// A plan with something in every part.
    pub(crate) fn content() -> PlanContent {
        PlanContent {
            area: "Kent".into(),
            template_key: "2014-16".into(),
            template_name: "ITF plan".into(),
            sections: vec![SectionContent {
                key: "vision".into(),
                title: "Vision".into(),
                assigned_organisation: None,
                body: "Care closer to home.".into(),
                contributions: vec![ContributionContent {
                    organisation: "Ashford CCG".into(),
                    body: "Our part.".into(),
                }],
            }],
            funding: vec![FundingLineContent {
                year: "2015/16".into(),
                organisation: "Ashford CCG".into(),
                stream: "CCG minimum".into(),
                pence: 123_456_700,
            }],
            minimums: vec![MinimumContent {
                year: "2015/16".into(),
                pence: 100_000_000,
            }],
            schemes: vec![SchemeEntry {
                number: 1,
                name: "Home first".into(),
                scheme_type: "Reablement".into(),
                objective: "Fewer admissions".into(),
                lead_commissioner: "Ashford CCG".into(),
                provider: "Kent Community Health".into(),
                funding_source: "CCG minimum".into(),
                years: vec![SchemeYear {
                    year: "2015/16".into(),
                    spend_pence: 50_000_000,
                    benefit_pence: 10_000_000,
                }],
                metrics: vec!["Residential admissions".into()],
                risks: vec!["R-01".into()],
            }],
            metrics: vec![MetricEntry {
                name: "Residential admissions".into(),
                unit: "per 100,000".into(),
                baseline: Some(BaselineEntry {
                    hundredths: 65_000,
                    period: "2013/14".into(),
                }),
                goals: vec![GoalEntry {
                    period: "2015/16".into(),
                    hundredths: 60_050,
                }],
                pay_for_performance_pence: None,
                rationale: "Reablement".into(),
            }],
            conditions: vec![ConditionEntry {
                title: "Plans jointly agreed".into(),
                status: "Met".into(),
                how: "Signed by all.".into(),
            }],
            engagement: vec![EngagementEntry {
                held_on: "2014-01-20".into(),
                audience: "Patients".into(),
                what_done: "Workshop".into(),
                what_changed: String::new(),
            }],
            risks: vec![RiskEntry {
                reference: "R-01".into(),
                title: "Admissions do not fall".into(),
                cause: "Demand".into(),
                event: "Admissions rise".into(),
                effect: "Overspend".into(),
                category: "Financial".into(),
                owner_organisation: "Kent County Council".into(),
                owner_person: "Jo Bloggs".into(),
                raised: "2014-01-10".into(),
                current: RiskRating {
                    likelihood: 4,
                    impact: 4,
                    score: 16,
                    band: "High".into(),
                },
                controls: "Weekly review".into(),
                actions: vec![],
                residual: RiskRating {
                    likelihood: 2,
                    impact: 4,
                    score: 8,
                    band: "Moderate".into(),
                },
                sharing: vec![RiskShare {
                    organisation: "Kent County Council".into(),
                    basis_points: 10_000,
                }],
                exposure_pence: Some(250_000_000),
                review: "2014-06-30".into(),
                status: "Open".into(),
                closure_reason: None,
            }],
        }
    }

    #[test]
    fn the_same_content_hashes_the_same_and_any_change_changes_the_hash() {
        let first = Snapshot::of(&content()).unwrap();
        assert_eq!(first, Snapshot::of(&content()).unwrap());
        assert_eq!(Snapshot::read(&first.json).unwrap(), content());
        assert_eq!(hash_hex(&first.hash).len(), 64);
        assert_eq!(short_hash(&first.hash).len(), 12);
        let changes: Vec<fn(&mut PlanContent)> = vec![
            |c| c.sections[0].body.push('!'),
            |c| c.sections[0].contributions[0].body.push('!'),
            |c| c.funding[0].pence += 1,
            |c| c.minimums[0].pence += 1,
            |c| c.schemes[0].years[0].spend_pence += 1,
            |c| c.schemes[0].risks.clear(),
            |c| c.metrics[0].goals[0].hundredths += 1,
            |c| c.conditions[0].status = "Not met".into(),
            |c| c.engagement[0].what_changed = "More".into(),
            |c| c.risks[0].residual.likelihood = 1,
            |c| c.risks[0].sharing.clear(),
        ];
        for (index, change) in changes.into_iter().enumerate() {
            let mut changed = content();
            change(&mut changed);
            assert_ne!(
                first.hash,
                Snapshot::of(&changed).unwrap().hash,
                "change {index}"
            );
        }
    }

    #[test]
    fn a_snapshot_stored_before_the_structured_parts_still_reads() {
        let old =
            r#"{"area":"Kent","template_key":"2014-16","template_name":"ITF plan","sections":[]}"#;
        let content = Snapshot::read(old).unwrap();
        assert!(content.funding.is_empty() && content.risks.is_empty());
    }
}
