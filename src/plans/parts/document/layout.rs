//! A plan's content laid out as a document: its parts in order, each a heading and blocks
//! (sub-headings, Markdown text, facts, tables). Pure: the HTML page and the Word file both
//! render this one layout, so they say the same things in the same order.

use super::differences::{action_text, money, rated, sharing_text, value};
use super::{PlanContent, RiskEntry};
use crate::plans::markdown;

/// One part of the document: "Vision", "Funding", "Risk register"...
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The fragment id of its heading (for links within the page).
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading within the part.
    Heading { text: String },
    /// Markdown as written, and as HTML (sanitised by `plans::markdown`).
    Text { markdown: String, html: String },
    /// A sentence saying there is nothing (shown as a hint).
    Nothing { text: String },
    /// Label and value pairs.
    Facts { rows: Vec<(String, String)> },
    /// A table with a caption and a header row; the `numeric` columns align right.
    Table {
        caption: String,
        head: Vec<String>,
        numeric: Vec<bool>,
        rows: Vec<Vec<String>>,
    },
}

impl Block {
    fn text(markdown: &str) -> Block {
        Block::Text {
            markdown: markdown.to_owned(),
            html: markdown::render(markdown),
        }
    }

    fn nothing(text: &str) -> Block {
        Block::Nothing {
            text: text.to_owned(),
        }
    }

    fn heading(text: impl Into<String>) -> Block {
        Block::Heading { text: text.into() }
    }

    /// The numeric columns of a table, by position.
    pub fn is_numeric(numeric: &[bool], column: &usize) -> bool {
        numeric.get(*column).copied().unwrap_or(false)
    }
}

fn table(caption: &str, head: &[(&str, bool)], rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        caption: caption.to_owned(),
        head: head.iter().map(|(name, _)| (*name).to_owned()).collect(),
        numeric: head.iter().map(|(_, numeric)| *numeric).collect(),
        rows,
    }
}

fn facts(rows: &[(&str, String)]) -> Block {
    Block::Facts {
        rows: rows
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(label, value)| ((*label).to_owned(), value.clone()))
            .collect(),
    }
}

/// The document's title: "Kent: ITF plan 2014/15 to 2015/16".
pub fn title(content: &PlanContent) -> String {
    format!("{}: {}", content.area, content.template_name)
}

/// Every part of the plan, sections first, then the structured parts and the register.
pub fn parts(content: &PlanContent) -> Vec<Part> {
    let mut parts: Vec<Part> = content
        .sections
        .iter()
        .map(|section| {
            let mut blocks = Vec::new();
            if let Some(organisation) = &section.assigned_organisation {
                blocks.push(facts(&[("Assigned to", organisation.clone())]));
            }
            if section.body.trim().is_empty() && section.contributions.is_empty() {
                blocks.push(Block::nothing("Nothing has been written yet."));
            } else if !section.body.trim().is_empty() {
                blocks.push(Block::text(&section.body));
            }
            for contribution in &section.contributions {
                blocks.push(Block::heading(&contribution.organisation));
                blocks.push(Block::text(&contribution.body));
            }
            Part {
                id: format!("section-{}", section.key),
                heading: section.title.clone(),
                blocks,
            }
        })
        .collect();
    parts.push(funding(content));
    parts.push(schemes(content));
    parts.push(metrics(content));
    parts.push(conditions(content));
    parts.push(engagement(content));
    parts.push(risks(content));
    parts
}

fn funding(content: &PlanContent) -> Part {
    let mut blocks = Vec::new();
    if content.funding.is_empty() {
        blocks.push(Block::nothing("No funding has been entered."));
    } else {
        let total: i64 = content.funding.iter().map(|line| line.pence).sum();
        let mut rows: Vec<Vec<String>> = content
            .funding
            .iter()
            .map(|line| {
                vec![
                    line.year.clone(),
                    line.organisation.clone(),
                    line.stream.clone(),
                    money(line.pence),
                ]
            })
            .collect();
        rows.push(vec![
            "Total".to_owned(),
            String::new(),
            String::new(),
            money(total),
        ]);
        blocks.push(table(
            "Funding by year, organisation and stream",
            &[
                ("Year", false),
                ("Organisation", false),
                ("Stream", false),
                ("Amount", true),
            ],
            rows,
        ));
    }
    if !content.minimums.is_empty() {
        blocks.push(table(
            "Notified minimum pooled fund",
            &[("Year", false), ("Notified minimum", true)],
            content
                .minimums
                .iter()
                .map(|minimum| vec![minimum.year.clone(), money(minimum.pence)])
                .collect(),
        ));
    }
    Part {
        id: "funding".to_owned(),
        heading: "Funding".to_owned(),
        blocks,
    }
}

fn schemes(content: &PlanContent) -> Part {
    let mut blocks = Vec::new();
    if content.schemes.is_empty() {
        blocks.push(Block::nothing("No schemes have been entered."));
    } else {
        blocks.push(table(
            "Schemes",
            &[
                ("Number", true),
                ("Scheme", false),
                ("Type", false),
                ("Lead commissioner", false),
                ("Provider", false),
                ("Spend", true),
            ],
            content
                .schemes
                .iter()
                .map(|scheme| {
                    vec![
                        scheme.number.to_string(),
                        scheme.name.clone(),
                        scheme.scheme_type.clone(),
                        scheme.lead_commissioner.clone(),
                        scheme.provider.clone(),
                        money(scheme.years.iter().map(|year| year.spend_pence).sum()),
                    ]
                })
                .collect(),
        ));
    }
    for scheme in &content.schemes {
        blocks.push(Block::heading(format!(
            "Scheme {}: {}",
            scheme.number, scheme.name
        )));
        blocks.push(facts(&[
            ("Type", scheme.scheme_type.clone()),
            ("Objective", scheme.objective.clone()),
            ("Lead commissioner", scheme.lead_commissioner.clone()),
            ("Provider", scheme.provider.clone()),
            ("Funding source", scheme.funding_source.clone()),
            ("Metrics it moves", scheme.metrics.join(", ")),
            ("Linked risks", scheme.risks.join(", ")),
        ]));
        if !scheme.years.is_empty() {
            blocks.push(table(
                &format!("Scheme {}: spend and benefit by year", scheme.number),
                &[("Year", false), ("Spend", true), ("Benefit", true)],
                scheme
                    .years
                    .iter()
                    .map(|year| {
                        vec![
                            year.year.clone(),
                            money(year.spend_pence),
                            money(year.benefit_pence),
                        ]
                    })
                    .collect(),
            ));
        }
    }
    Part {
        id: "schemes".to_owned(),
        heading: "Schemes".to_owned(),
        blocks,
    }
}

fn metrics(content: &PlanContent) -> Part {
    let mut blocks = Vec::new();
    if content.metrics.is_empty() {
        blocks.push(Block::nothing("No metric goals have been set."));
    } else {
        blocks.push(table(
            "Metric baselines and goals",
            &[
                ("Metric", false),
                ("Baseline", true),
                ("Goals", false),
                ("Pay for performance", true),
            ],
            content
                .metrics
                .iter()
                .map(|metric| {
                    vec![
                        format!("{} ({})", metric.name, metric.unit),
                        metric
                            .baseline
                            .as_ref()
                            .map(|b| format!("{} ({})", value(b.hundredths), b.period))
                            .unwrap_or_default(),
                        metric
                            .goals
                            .iter()
                            .map(|goal| format!("{}: {}", goal.period, value(goal.hundredths)))
                            .collect::<Vec<_>>()
                            .join("; "),
                        metric
                            .pay_for_performance_pence
                            .map(money)
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        ));
        for metric in content.metrics.iter().filter(|m| !m.rationale.is_empty()) {
            blocks.push(Block::heading(format!("Rationale: {}", metric.name)));
            blocks.push(Block::text(&metric.rationale));
        }
    }
    Part {
        id: "metrics".to_owned(),
        heading: "Metrics".to_owned(),
        blocks,
    }
}

fn conditions(content: &PlanContent) -> Part {
    let mut blocks = Vec::new();
    if content.conditions.is_empty() {
        blocks.push(Block::nothing("No national condition has been answered."));
    }
    for condition in &content.conditions {
        blocks.push(Block::heading(&condition.title));
        blocks.push(facts(&[("Status", condition.status.clone())]));
        if !condition.how.trim().is_empty() {
            blocks.push(Block::text(&condition.how));
        }
    }
    Part {
        id: "conditions".to_owned(),
        heading: "National conditions".to_owned(),
        blocks,
    }
}

fn engagement(content: &PlanContent) -> Part {
    let blocks = if content.engagement.is_empty() {
        vec![Block::nothing("No engagement has been logged.")]
    } else {
        vec![table(
            "Engagement with patients, service users and providers",
            &[
                ("Date", false),
                ("Audience", false),
                ("What was done", false),
                ("What changed", false),
            ],
            content
                .engagement
                .iter()
                .map(|entry| {
                    vec![
                        entry.held_on.clone(),
                        entry.audience.clone(),
                        entry.what_done.clone(),
                        entry.what_changed.clone(),
                    ]
                })
                .collect(),
        )]
    };
    Part {
        id: "engagement".to_owned(),
        heading: "Engagement log".to_owned(),
        blocks,
    }
}

fn risks(content: &PlanContent) -> Part {
    let mut blocks = Vec::new();
    if content.risks.is_empty() {
        blocks.push(Block::nothing("The register has no risks."));
    } else {
        blocks.push(table(
            "Risk register",
            &[
                ("Reference", false),
                ("Risk", false),
                ("Owner", false),
                ("Score", false),
                ("Residual", false),
                ("Review", false),
                ("Status", false),
            ],
            content
                .risks
                .iter()
                .map(|risk| {
                    vec![
                        risk.reference.clone(),
                        risk.title.clone(),
                        risk.owner_organisation.clone(),
                        rated(&risk.current),
                        rated(&risk.residual),
                        risk.review.clone(),
                        risk.status.clone(),
                    ]
                })
                .collect(),
        ));
    }
    for risk in &content.risks {
        blocks.push(Block::heading(format!(
            "{}: {}",
            risk.reference, risk.title
        )));
        blocks.push(facts(&risk_facts(risk)));
    }
    Part {
        id: "risks".to_owned(),
        heading: "Risk register".to_owned(),
        blocks,
    }
}

fn risk_facts(risk: &RiskEntry) -> Vec<(&'static str, String)> {
    vec![
        ("Cause", risk.cause.clone()),
        ("Event", risk.event.clone()),
        ("Effect", risk.effect.clone()),
        ("Category", risk.category.clone()),
        (
            "Owner",
            format!("{}, {}", risk.owner_person, risk.owner_organisation),
        ),
        ("Raised", risk.raised.clone()),
        ("Likelihood × impact", rated(&risk.current)),
        ("Controls", risk.controls.clone()),
        (
            "Further actions",
            risk.actions
                .iter()
                .map(action_text)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ("Residual", rated(&risk.residual)),
        ("Risk sharing", sharing_text(&risk.sharing)),
        (
            "Financial exposure",
            risk.exposure_pence.map(money).unwrap_or_default(),
        ),
        ("Review", risk.review.clone()),
        ("Status", risk.status.clone()),
        (
            "Closure reason",
            risk.closure_reason.clone().unwrap_or_default(),
        ),
    ]
}

/// What seals a snapshot: the round, when it opened, the full hash, and every decision on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    pub round: String,
    pub number: i32,
    pub opened_at: String,
    pub hash: String,
    /// Organisation, position, name, decision, date.
    pub decisions: Vec<[String; 5]>,
    /// Body, date, minute reference, outcome.
    pub board: Vec<[String; 4]>,
}

/// The sign-off part that opens a snapshot's document.
pub fn seal_part(seal: &Seal) -> Part {
    let mut blocks = vec![facts(&[
        ("Round", format!("{} (round {})", seal.round, seal.number)),
        ("Opened", seal.opened_at.clone()),
        ("SHA-256", seal.hash.clone()),
    ])];
    if seal.decisions.is_empty() {
        blocks.push(Block::nothing("No partner has recorded a decision yet."));
    } else {
        blocks.push(table(
            "Partners' decisions",
            &[
                ("Organisation", false),
                ("Position", false),
                ("Name", false),
                ("Decision", false),
                ("Date", false),
            ],
            seal.decisions.iter().map(|row| row.to_vec()).collect(),
        ));
    }
    if seal.board.is_empty() {
        blocks.push(Block::nothing("The board has not recorded a decision yet."));
    } else {
        blocks.push(table(
            "The board's decision",
            &[
                ("Body", false),
                ("Date", false),
                ("Minute reference", false),
                ("Outcome", false),
            ],
            seal.board.iter().map(|row| row.to_vec()).collect(),
        ));
    }
    Part {
        id: "sign-off".to_owned(),
        heading: "Sign-off".to_owned(),
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::content;
    use super::*;

    #[test]
    fn every_part_is_laid_out_in_order_with_money_in_pounds() {
        let parts = parts(&content());
        let headings: Vec<&str> = parts.iter().map(|p| p.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "Vision",
                "Funding",
                "Schemes",
                "Metrics",
                "National conditions",
                "Engagement log",
                "Risk register"
            ]
        );
        let Block::Table { rows, .. } = &parts[1].blocks[0] else {
            panic!("funding is a table");
        };
        assert_eq!(rows[0][3], "£1,234,567");
        assert_eq!(rows[1], ["Total", "", "", "£1,234,567"]);
        let Block::Text { html, .. } = &parts[0].blocks[0] else {
            panic!("the section's text");
        };
        assert!(html.contains("Care closer to home.</p>"));
    }

    #[test]
    fn the_seal_names_the_round_its_hash_and_every_decision() {
        let part = seal_part(&Seal {
            round: "Final submission".into(),
            number: 2,
            opened_at: "3 March 2014".into(),
            hash: "ab".repeat(32),
            decisions: vec![[
                "Ashford CCG".into(),
                "Accountable officer".into(),
                "Simon Perks".into(),
                "Approved".into(),
                "4 March 2014".into(),
            ]],
            board: vec![],
        });
        let Block::Facts { rows } = &part.blocks[0] else {
            panic!("facts first");
        };
        assert_eq!(rows[0].1, "Final submission (round 2)");
        assert_eq!(rows[2].1, "ab".repeat(32));
        assert!(
            matches!(&part.blocks[1], Block::Table { rows, .. } if rows[0][2] == "Simon Perks")
        );
        assert!(matches!(&part.blocks[2], Block::Nothing { .. }));
    }
}
