//! Two contents of a plan compared part by part, item by item and field by field: what the
//! comparison pages list (two snapshots, or the approved snapshot and the live plan). Pure.
//!
//! Each part's items are matched by what identifies them across versions (a section's key, a
//! scheme's number, a risk's reference, a funding line's organisation, year and stream...);
//! an item in one content only is added or removed, and is listed field by field with the
//! other side empty, so nothing that changed goes unsaid.

use super::{
    ConditionEntry, EngagementEntry, FundingLineContent, MetricEntry, MinimumContent, PlanContent,
    RiskAction, RiskEntry, RiskRating, RiskShare, SchemeEntry, SectionContent,
};
use crate::plans::parts::metrics::MetricValue;
use crate::risks::content::percent;
use crate::web::money::Pence;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DifferenceKind {
    Changed,
    Added,
    Removed,
}

impl DifferenceKind {
    pub fn label(self) -> &'static str {
        match self {
            DifferenceKind::Changed => "Changed",
            DifferenceKind::Added => "Added",
            DifferenceKind::Removed => "Removed",
        }
    }
}

/// One field of one item that differs. For an added item `before` is empty; for a removed one,
/// `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub part: &'static str,
    pub item: String,
    pub field: String,
    pub kind: DifferenceKind,
    pub before: String,
    pub after: String,
}

/// Everything that differs between `before` and `after`, in the document's order of parts.
pub fn differences(before: &PlanContent, after: &PlanContent) -> Vec<Difference> {
    let mut found = Vec::new();
    let parts: [(&'static str, Vec<Item>, Vec<Item>); 9] = [
        (
            "Sections",
            sections(&before.sections),
            sections(&after.sections),
        ),
        ("Funding", funding(&before.funding), funding(&after.funding)),
        (
            "Notified minimum",
            minimums(&before.minimums),
            minimums(&after.minimums),
        ),
        ("Schemes", schemes(&before.schemes), schemes(&after.schemes)),
        ("Metrics", metrics(&before.metrics), metrics(&after.metrics)),
        (
            "National conditions",
            conditions(&before.conditions),
            conditions(&after.conditions),
        ),
        (
            "Engagement log",
            engagement(&before.engagement),
            engagement(&after.engagement),
        ),
        ("Risk register", risks(&before.risks), risks(&after.risks)),
        ("Plan", vec![plan_item(before)], vec![plan_item(after)]),
    ];
    for (part, before, after) in parts {
        compare(part, before, after, &mut found);
    }
    found
}

/// An item of a part: what identifies it, what people call it, and its fields as they read.
struct Item {
    key: String,
    label: String,
    fields: Vec<(String, String)>,
}

fn compare(part: &'static str, before: Vec<Item>, after: Vec<Item>, found: &mut Vec<Difference>) {
    let mut before: Vec<Option<Item>> = before.into_iter().map(Some).collect();
    for item in after {
        let earlier = before
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(|old| old.key == item.key))
            .and_then(Option::take);
        match earlier {
            Some(old) => {
                for (field, now) in &item.fields {
                    let was = old
                        .fields
                        .iter()
                        .find(|(name, _)| name == field)
                        .map_or("", |(_, value)| value.as_str());
                    if was != now {
                        found.push(difference(
                            part,
                            &item.label,
                            field,
                            DifferenceKind::Changed,
                            was,
                            now,
                        ));
                    }
                }
                for (field, was) in &old.fields {
                    if !item.fields.iter().any(|(name, _)| name == field) && !was.is_empty() {
                        found.push(difference(
                            part,
                            &item.label,
                            field,
                            DifferenceKind::Changed,
                            was,
                            "",
                        ));
                    }
                }
            }
            None => whole(part, &item, DifferenceKind::Added, found),
        }
    }
    for old in before.into_iter().flatten() {
        whole(part, &old, DifferenceKind::Removed, found);
    }
}

/// An added or removed item, field by field (its empty fields left out).
fn whole(part: &'static str, item: &Item, kind: DifferenceKind, found: &mut Vec<Difference>) {
    for (field, value) in item.fields.iter().filter(|(_, value)| !value.is_empty()) {
        let (before, after) = match kind {
            DifferenceKind::Removed => (value.as_str(), ""),
            _ => ("", value.as_str()),
        };
        found.push(difference(part, &item.label, field, kind, before, after));
    }
}

fn difference(
    part: &'static str,
    item: &str,
    field: &str,
    kind: DifferenceKind,
    before: &str,
    after: &str,
) -> Difference {
    Difference {
        part,
        item: item.to_owned(),
        field: field.to_owned(),
        kind,
        before: before.to_owned(),
        after: after.to_owned(),
    }
}

fn field(name: impl Into<String>, value: impl Into<String>) -> (String, String) {
    (name.into(), value.into())
}

pub(super) fn money(pence: i64) -> String {
    Pence::new(pence).to_string()
}

pub(super) fn value(hundredths: i64) -> String {
    MetricValue::from_hundredths(hundredths).to_string()
}

/// "4 × 4 = 16 (High)".
pub(super) fn rated(rating: &RiskRating) -> String {
    format!(
        "{} × {} = {} ({})",
        rating.likelihood, rating.impact, rating.score, rating.band
    )
}

/// "Agree a contingency (Finance leads, due 2014-01-31, done)".
pub(super) fn action_text(action: &RiskAction) -> String {
    format!(
        "{} ({}, due {}{})",
        action.description,
        action.owner,
        action.due,
        if action.done { ", done" } else { "" }
    )
}

/// "Kent County Council 60%, Ashford CCG 40%".
pub(super) fn sharing_text(sharing: &[RiskShare]) -> String {
    sharing
        .iter()
        .map(|share| format!("{} {}", share.organisation, percent(share.basis_points)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plan_item(content: &PlanContent) -> Item {
    Item {
        key: String::new(),
        label: "The plan".to_owned(),
        fields: vec![
            field("Area", content.area.clone()),
            field("Template", content.template_name.clone()),
        ],
    }
}

fn sections(sections: &[SectionContent]) -> Vec<Item> {
    let mut items = Vec::new();
    for section in sections {
        items.push(Item {
            key: section.key.clone(),
            label: section.title.clone(),
            fields: vec![
                field(
                    "Assigned to",
                    section.assigned_organisation.clone().unwrap_or_default(),
                ),
                field("Text", section.body.clone()),
            ],
        });
        for contribution in &section.contributions {
            items.push(Item {
                key: format!("{}\u{1f}{}", section.key, contribution.organisation),
                label: format!("{}: {}", section.title, contribution.organisation),
                fields: vec![field("Contribution", contribution.body.clone())],
            });
        }
    }
    items
}

fn funding(lines: &[FundingLineContent]) -> Vec<Item> {
    lines
        .iter()
        .map(|line| Item {
            key: format!(
                "{}\u{1f}{}\u{1f}{}",
                line.year, line.organisation, line.stream
            ),
            label: format!("{}, {}, {}", line.organisation, line.year, line.stream),
            fields: vec![field("Amount", money(line.pence))],
        })
        .collect()
}

fn minimums(minimums: &[MinimumContent]) -> Vec<Item> {
    minimums
        .iter()
        .map(|minimum| Item {
            key: minimum.year.clone(),
            label: minimum.year.clone(),
            fields: vec![field("Notified minimum", money(minimum.pence))],
        })
        .collect()
}

fn schemes(schemes: &[SchemeEntry]) -> Vec<Item> {
    schemes
        .iter()
        .map(|scheme| {
            let mut fields = vec![
                field("Name", scheme.name.clone()),
                field("Type", scheme.scheme_type.clone()),
                field("Objective", scheme.objective.clone()),
                field("Lead commissioner", scheme.lead_commissioner.clone()),
                field("Provider", scheme.provider.clone()),
                field("Funding source", scheme.funding_source.clone()),
            ];
            for year in &scheme.years {
                fields.push(field(
                    format!("Spend {}", year.year),
                    money(year.spend_pence),
                ));
                fields.push(field(
                    format!("Benefit {}", year.year),
                    money(year.benefit_pence),
                ));
            }
            fields.push(field("Metrics", scheme.metrics.join(", ")));
            fields.push(field("Risks", scheme.risks.join(", ")));
            Item {
                key: scheme.number.to_string(),
                label: format!("Scheme {}: {}", scheme.number, scheme.name),
                fields,
            }
        })
        .collect()
}

fn metrics(metrics: &[MetricEntry]) -> Vec<Item> {
    metrics
        .iter()
        .map(|metric| {
            let mut fields = vec![field(
                "Baseline",
                metric
                    .baseline
                    .as_ref()
                    .map(|b| format!("{} ({})", value(b.hundredths), b.period))
                    .unwrap_or_default(),
            )];
            for goal in &metric.goals {
                fields.push(field(
                    format!("Goal {}", goal.period),
                    value(goal.hundredths),
                ));
            }
            fields.push(field(
                "Pay for performance",
                metric
                    .pay_for_performance_pence
                    .map(money)
                    .unwrap_or_default(),
            ));
            fields.push(field("Rationale", metric.rationale.clone()));
            Item {
                key: metric.name.clone(),
                label: metric.name.clone(),
                fields,
            }
        })
        .collect()
}

fn conditions(conditions: &[ConditionEntry]) -> Vec<Item> {
    conditions
        .iter()
        .map(|condition| Item {
            key: condition.title.clone(),
            label: condition.title.clone(),
            fields: vec![
                field("Status", condition.status.clone()),
                field("How it is met", condition.how.clone()),
            ],
        })
        .collect()
}

fn engagement(entries: &[EngagementEntry]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for entry in entries {
        let base = format!("{}\u{1f}{}", entry.held_on, entry.audience);
        // Two entries on one day with one audience are told apart by their order.
        let repeat = items
            .iter()
            .filter(|item| item.key.starts_with(&base))
            .count();
        items.push(Item {
            key: format!("{base}\u{1f}{repeat}"),
            label: format!("{}, {}", entry.held_on, entry.audience),
            fields: vec![
                field("What was done", entry.what_done.clone()),
                field("What changed", entry.what_changed.clone()),
            ],
        });
    }
    items
}

fn risks(risks: &[RiskEntry]) -> Vec<Item> {
    risks
        .iter()
        .map(|risk| {
            let mut fields = vec![
                field("Title", risk.title.clone()),
                field("Cause", risk.cause.clone()),
                field("Event", risk.event.clone()),
                field("Effect", risk.effect.clone()),
                field("Category", risk.category.clone()),
                field(
                    "Owner",
                    format!("{} ({})", risk.owner_person, risk.owner_organisation),
                ),
                field("Raised", risk.raised.clone()),
                field("Likelihood × impact", rated(&risk.current)),
                field("Controls", risk.controls.clone()),
                field("Residual", rated(&risk.residual)),
            ];
            for (index, action) in risk.actions.iter().enumerate() {
                fields.push(field(format!("Action {}", index + 1), action_text(action)));
            }
            fields.push(field("Risk sharing", sharing_text(&risk.sharing)));
            fields.push(field(
                "Financial exposure",
                risk.exposure_pence.map(money).unwrap_or_default(),
            ));
            fields.push(field("Review", risk.review.clone()));
            fields.push(field("Status", risk.status.clone()));
            fields.push(field(
                "Closure reason",
                risk.closure_reason.clone().unwrap_or_default(),
            ));
            Item {
                key: risk.reference.clone(),
                label: format!("{}: {}", risk.reference, risk.title),
                fields,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::content;
    use super::*;

    #[test]
    fn the_same_content_has_no_differences() {
        assert!(differences(&content(), &content()).is_empty());
    }

    #[test]
    fn a_changed_field_is_named_with_its_part_item_and_both_values() {
        let mut after = content();
        after.funding[0].pence = 200_000_000;
        after.risks[0].residual.likelihood = 1;
        after.sections[0].body = "Care at home.".into();
        let found = differences(&content(), &after);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0],
            Difference {
                part: "Sections",
                item: "Vision".into(),
                field: "Text".into(),
                kind: DifferenceKind::Changed,
                before: "Care closer to home.".into(),
                after: "Care at home.".into(),
            }
        );
        assert_eq!(found[1].part, "Funding");
        assert_eq!(found[1].item, "Ashford CCG, 2015/16, CCG minimum");
        assert_eq!(
            (found[1].before.as_str(), found[1].after.as_str()),
            ("£1,234,567", "£2,000,000")
        );
        assert_eq!(found[2].part, "Risk register");
        assert_eq!(found[2].field, "Residual");
        assert_eq!(found[2].after, "1 × 4 = 8 (Moderate)");
    }

    #[test]
    fn added_and_removed_items_are_listed_field_by_field() {
        let mut after = content();
        let mut second = after.schemes[0].clone();
        second.number = 2;
        second.name = "Carers' breaks".into();
        after.schemes.push(second);
        after.conditions.clear();
        let found = differences(&content(), &after);
        let added: Vec<&Difference> = found
            .iter()
            .filter(|d| d.kind == DifferenceKind::Added)
            .collect();
        assert!(
            added
                .iter()
                .all(|d| d.item == "Scheme 2: Carers' breaks" && d.before.is_empty())
        );
        assert!(
            added
                .iter()
                .any(|d| d.field == "Name" && d.after == "Carers' breaks")
        );
        assert!(
            added
                .iter()
                .any(|d| d.field == "Spend 2015/16" && d.after == "£500,000")
        );
        let removed: Vec<&Difference> = found
            .iter()
            .filter(|d| d.kind == DifferenceKind::Removed)
            .collect();
        assert_eq!(removed.len(), 2);
        assert!(
            removed
                .iter()
                .all(|d| d.part == "National conditions" && d.after.is_empty())
        );
        assert_eq!(found.len(), added.len() + removed.len());
    }

    #[test]
    fn contributions_and_metric_goals_compare_by_organisation_and_period() {
        let mut after = content();
        after.sections[0].contributions[0].body = "Our new part.".into();
        after.metrics[0].goals[0].hundredths = 59_000;
        let found = differences(&content(), &after);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].item, "Vision: Ashford CCG");
        assert_eq!(found[1].field, "Goal 2015/16");
        assert_eq!(
            (found[1].before.as_str(), found[1].after.as_str()),
            ("600.5", "590")
        );
    }
}
