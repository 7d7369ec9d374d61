//! An audit row as people read it: the kinds of thing the log names, the action as words, and
//! the stored JSON details as a list of "field: before → after" lines. Pure: the audit log page
//! (`admin::audit_log`) shows these beside the raw JSON, which stays the record.

use serde_json::{Map, Value};

use super::store::Target;
use crate::keyed::keyed_enum;
use crate::web::money::Pence;

keyed_enum! {
    /// The kinds of thing audit rows name (`target_kind`), as the log's "thing" filter offers
    /// them. A row whose kind is not listed still shows, with its kind in words.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TargetKind {
        User = ("user", "User account"),
        Organisation = ("organisation", "Organisation"),
        Area = ("area", "Area"),
        Invitation = ("invitation", "Invitation"),
        Plan = ("plan", "Plan"),
        PlanSection = ("plan_section", "Plan section"),
        Contribution = ("contribution", "Contribution"),
        Comment = ("comment", "Comment"),
        Funding = ("funding", "Funding line"),
        NotifiedMinimum = ("notified_minimum", "Notified minimum"),
        Scheme = ("scheme", "Scheme"),
        MetricGoalSet = ("metric_goal_set", "Metric ambitions"),
        ConditionAnswer = ("condition_answer", "National condition answer"),
        EngagementEntry = ("engagement_entry", "Engagement entry"),
        WorkbookImport = ("workbook_import", "Workbook import"),
        Risk = ("risk", "Risk"),
        RiskMatrix = ("risk_matrix", "Risk matrix"),
        RiskImport = ("risk_import", "Risk register import"),
        SignoffRound = ("signoff_round", "Sign-off round"),
        SignoffDecision = ("signoff_decision", "Partner decision"),
        BoardDecision = ("board_decision", "Board decision"),
        Submission = ("submission", "Submission"),
        AssuranceOutcome = ("assurance_outcome", "Assurance outcome"),
        AssuranceCondition = ("assurance_condition", "Assurance condition"),
        LocalDeadline = ("local_deadline", "Local deadline"),
        DeadlineDone = ("deadline_done", "Deadline met"),
        CalendarFeed = ("calendar_feed", "Calendar feed"),
        Template = ("template", "Template"),
        TemplateSection = ("template_section", "Template section"),
        TemplateStructure = ("template_structure", "Template structure"),
        ApiToken = ("api_token", "API token"),
        Mail = ("mail", "Email"),
        Notice = ("notice", "Notification"),
    }
}

/// A kind as people read it: its label, or its key in words for a kind not listed.
pub fn kind_label(kind: &str) -> String {
    match TargetKind::parse(kind) {
        Some(known) => known.label().to_owned(),
        None => sentence(kind),
    }
}

/// `grant.added` as "Grant added", `signoff.round_opened` as "Signoff round opened".
pub fn action_label(action: &str) -> String {
    sentence(action)
}

/// A key in words: underscores and dots become spaces, the first letter a capital.
fn sentence(key: &str) -> String {
    let words = key.replace(['_', '.'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A row's target as shown: what it is, by name where its table still has it, and the page
/// it is on (none for things without a page an administrator can open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetView {
    pub text: String,
    pub link: Option<String>,
}

/// The target of a row of kind `kind` with id `target_id`, as resolved into `found` (see
/// `store::browse`). A thing no longer there (a removed scheme) or of a kind with no table
/// shows as its kind and id; the raw record still says the rest.
pub fn target(kind: &str, target_id: Option<&str>, found: &Target) -> TargetView {
    let id = target_id.unwrap_or_default();
    let name = found.target_name.as_deref();
    let detail = found.target_detail.as_deref();
    let number = found.target_number;
    let area = found.target_area.as_deref().map(segment);
    let plan = area.as_ref().and_then(|area| {
        let plan = found.target_plan.as_deref().map(segment)?;
        Some(format!("/areas/{area}/plans/{plan}"))
    });
    let section = plan.as_ref().and_then(|plan| {
        let section = found.target_part.as_deref().map(segment)?;
        Some(format!("{plan}/sections/{section}"))
    });
    let unresolved = || TargetView {
        text: match target_id {
            Some(id) => format!("{} {id}", kind_label(kind)),
            None => kind_label(kind),
        },
        link: None,
    };
    let view = |text: String, link: Option<String>| TargetView { text, link };
    let Some(known) = TargetKind::parse(kind) else {
        return unresolved();
    };
    use TargetKind as K;
    match (known, name) {
        (K::User, Some(name)) => view(name.to_owned(), Some(format!("/admin/users/{id}"))),
        (K::Organisation, Some(name)) => {
            view(name.to_owned(), Some(format!("/admin/organisations/{id}")))
        }
        (K::Area, Some(name)) => view(
            name.to_owned(),
            area.map(|area| format!("/admin/areas/{area}")),
        ),
        (K::Invitation, Some(email)) => view(
            format!("Invitation for {email}"),
            area.map(|area| format!("/areas/{area}/people")),
        ),
        (K::Plan, Some(name)) => view(name.to_owned(), plan),
        (K::PlanSection, Some(title)) => view(title.to_owned(), section),
        (K::Contribution, Some(title)) => view(
            match detail {
                Some(organisation) => format!("{title}: {organisation}'s part"),
                None => format!("{title}: a partner's part"),
            },
            section,
        ),
        (K::Comment, Some(title)) => view(
            format!("Comment on {title}"),
            section.map(|section| match number {
                Some(thread) => format!("{section}#comment-{thread}"),
                None => section,
            }),
        ),
        (K::Funding, Some(organisation)) => view(
            match detail {
                Some(year) => format!("Funding from {organisation}, {year}"),
                None => format!("Funding from {organisation}"),
            },
            plan.map(|plan| format!("{plan}/funding")),
        ),
        (K::NotifiedMinimum, Some(plan_name)) => view(
            format!("Notified minimum, {plan_name}"),
            plan.map(|plan| format!("{plan}/funding")),
        ),
        (K::Scheme, Some(name)) => view(
            match number.and_then(|number| i32::try_from(number).ok()) {
                Some(number) => {
                    format!("{} {name}", crate::plans::parts::schemes::reference(number))
                }
                None => name.to_owned(),
            },
            plan.zip(number)
                .map(|(plan, number)| format!("{plan}/schemes/{number}")),
        ),
        (K::MetricGoalSet, Some(metric)) => view(
            format!("Ambitions for metric {metric}"),
            plan.map(|plan| format!("{plan}/metrics/{}", segment(metric))),
        ),
        (K::ConditionAnswer, Some(condition)) => view(
            format!("Answer on national condition {condition}"),
            plan.map(|plan| format!("{plan}/conditions")),
        ),
        (K::EngagementEntry, Some(audience)) => view(
            format!("Engagement with {audience}"),
            plan.map(|plan| format!("{plan}/engagement/{id}")),
        ),
        (K::WorkbookImport, Some(file)) => view(
            format!("Workbook import of {file}"),
            plan.map(|plan| format!("{plan}/import/{id}")),
        ),
        (K::Risk, _) if area.is_some() && number.is_some() => {
            let number = number.unwrap_or_default();
            let reference = i32::try_from(number)
                .map(crate::risks::reference)
                .unwrap_or_else(|_| number.to_string());
            view(
                match name {
                    Some(title) => format!("{reference} {title}"),
                    None => reference,
                },
                area.map(|area| format!("/areas/{area}/risks/{number}")),
            )
        }
        (K::RiskMatrix, _) if area.is_some() => view(
            "Risk matrix".to_owned(),
            area.map(|area| format!("/areas/{area}/risks/matrix")),
        ),
        (K::RiskImport, Some(file)) => view(
            format!("Risk register import of {file}"),
            area.map(|area| format!("/areas/{area}/risks/import/{id}")),
        ),
        (
            K::SignoffRound
            | K::SignoffDecision
            | K::BoardDecision
            | K::Submission
            | K::AssuranceOutcome
            | K::AssuranceCondition,
            Some(round),
        ) => view(
            match number {
                Some(number) => format!("{}, round {number}: {round}", known.label()),
                None => format!("{}, {round}", known.label()),
            },
            plan.map(|plan| format!("{plan}/sign-off")),
        ),
        (K::LocalDeadline, Some(title)) => view(
            format!("Deadline: {title}"),
            area.map(|area| format!("/areas/{area}/deadlines")),
        ),
        (K::DeadlineDone, _) if area.is_some() => view(
            "A deadline met".to_owned(),
            area.map(|area| format!("/areas/{area}/deadlines")),
        ),
        (K::Template | K::TemplateSection | K::TemplateStructure, Some(template)) => view(
            match known {
                K::Template => template.to_owned(),
                _ => format!("{} of {template}", known.label()),
            },
            found
                .target_part
                .as_deref()
                .map(|key| format!("/admin/templates/{}", segment(key))),
        ),
        (K::ApiToken, Some(name)) => view(format!("API token ‘{name}’"), None),
        (K::Mail, Some(subject)) => view(
            format!("Email ‘{subject}’"),
            Some(format!("/admin/outbox/{id}")),
        ),
        (K::Notice, Some(title)) => view(format!("Notification ‘{title}’"), None),
        _ => unresolved(),
    }
}

/// A key or slug as one URL path segment.
fn segment(text: &str) -> String {
    urlencoding::encode(text).into_owned()
}

/// One line of a row's details: a field and its value before and after. A fact (no change)
/// has only `after`; something removed has only `before`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Line {
    fn fact(field: &str, value: &Value, money: bool) -> Line {
        Line {
            field: field_label(field),
            before: None,
            after: Some(value_text(value, money)),
        }
    }

    /// The line as plain text: "Name: Kent → Kent and Medway".
    pub fn text(&self) -> String {
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => format!("{}: {before} → {after}", self.field),
            (None, Some(after)) => format!("{}: {after}", self.field),
            (Some(before), None) => format!("{}: {before} → (removed)", self.field),
            (None, None) => self.field.clone(),
        }
    }
}

/// The most characters of one value shown; the raw JSON has the rest.
const VALUE_MAX: usize = 200;

/// The field a bare before/after pair (not an object of fields) is about, by action.
fn bare_field(action: &str) -> &'static str {
    match action {
        "section.status_changed" | "section.reopened" => "Status",
        "section.assigned" => "Assigned to",
        "funding.minimum_set" => "Notified minimum",
        _ => "Value",
    }
}

/// The details of a row with action `action`, stored as `details` (canonical JSON), as lines:
/// first what changed (`before`/`after` objects or values, or a `changes` list of
/// `{field or stream, before, after}`), then the other facts recorded. Amounts in pence
/// (funding rows) show as money. Details that are not a JSON object show as one line.
pub fn lines(action: &str, details: &str) -> Vec<Line> {
    let money = action.starts_with("funding.");
    let Ok(value) = serde_json::from_str::<Value>(details) else {
        return vec![Line {
            field: "Details".to_owned(),
            before: None,
            after: Some(truncated(details)),
        }];
    };
    let Value::Object(object) = value else {
        return vec![Line::fact("details", &value, money)];
    };
    let mut lines = Vec::new();
    let (before, after) = (object.get("before"), object.get("after"));
    match (before, after) {
        (Some(Value::Object(_)) | None, Some(Value::Object(_)) | None)
            if before.is_some() || after.is_some() =>
        {
            let empty = Map::new();
            let before = before.and_then(Value::as_object);
            let after = after.and_then(Value::as_object);
            lines.extend(object_changes(
                before.unwrap_or(&empty),
                after.unwrap_or(&empty),
                before.is_some(),
                after.is_some(),
                money,
            ));
        }
        (None, None) => {}
        // A value without its other side is what it was (a reopened section's status) or
        // what it became.
        (Some(before), None) => lines.push(Line {
            field: format!("{} before", bare_field(action)),
            before: None,
            after: Some(value_text(before, money)),
        }),
        (before, after) => lines.push(Line {
            field: bare_field(action).to_owned(),
            before: before.map(|value| value_text(value, money)),
            after: after.map(|value| value_text(value, money)),
        }),
    }
    if let Some(Value::Array(changes)) = object.get("changes") {
        for change in changes {
            let Value::Object(change) = change else {
                lines.push(Line::fact("change", change, money));
                continue;
            };
            let field = ["field", "stream"]
                .iter()
                .find_map(|key| change.get(*key).and_then(Value::as_str))
                .unwrap_or("change");
            lines.push(Line {
                // Already words ("Provider") or a stream's key, as the plan names it.
                field: field.to_owned(),
                before: Some(value_text(
                    change.get("before").unwrap_or(&Value::Null),
                    money,
                )),
                after: Some(value_text(
                    change.get("after").unwrap_or(&Value::Null),
                    money,
                )),
            });
        }
    }
    for (key, value) in &object {
        let described =
            matches!(key.as_str(), "before" | "after") || (key == "changes" && value.is_array());
        if described || is_id_of_named(key, &object) {
            continue;
        }
        lines.push(Line::fact(key, value, money));
    }
    lines
}

/// The fields of `before` and `after` that differ, in the order they were written (before's
/// fields, then those only after has). A field in only one of them was set or removed.
fn object_changes(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    has_before: bool,
    has_after: bool,
    money: bool,
) -> Vec<Line> {
    let keys = before
        .keys()
        .chain(after.keys().filter(|key| !before.contains_key(*key)));
    let mut lines = Vec::new();
    for key in keys {
        let whole = if has_after { after } else { before };
        if is_id_of_named(key, whole) {
            continue;
        }
        let (old, new) = (before.get(key), after.get(key));
        if old == new {
            continue;
        }
        lines.push(Line {
            field: field_label(key),
            // A field missing on one side of an edit was empty there.
            before: match old {
                Some(old) => Some(value_text(old, money)),
                None if has_before => Some(value_text(&Value::Null, money)),
                None => None,
            },
            after: match new {
                Some(new) => Some(value_text(new, money)),
                None if has_after => Some(value_text(&Value::Null, money)),
                None => None,
            },
        });
    }
    lines
}

/// `board_id` beside `board`: the name says it; the id stays in the raw JSON.
fn is_id_of_named(key: &str, object: &Map<String, Value>) -> bool {
    key.strip_suffix("_id")
        .is_some_and(|named| object.get(named).is_some_and(Value::is_string))
}

/// A field's key in words.
fn field_label(key: &str) -> String {
    sentence(key)
}

/// A value as people read it: text as it is, yes/no, "none" for null, money for amounts in
/// pence (`money`), lists joined with commas, objects as "field: value" pairs.
fn value_text(value: &Value, money: bool) -> String {
    let text = match value {
        Value::Null => "none".to_owned(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::Number(number) => match (money, number.as_i64()) {
            (true, Some(pence)) => Pence::new(pence).to_string(),
            _ => number.to_string(),
        },
        Value::String(text) if text.is_empty() => "(empty)".to_owned(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "none".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|item| value_text(item, money))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(fields) => fields
            .iter()
            .map(|(key, value)| format!("{}: {}", field_label(key), value_text(value, money)))
            .collect::<Vec<_>>()
            .join("; "),
    };
    truncated(&text)
}

fn truncated(text: &str) -> String {
    if text.chars().count() <= VALUE_MAX {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(VALUE_MAX).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(action: &str, details: &str) -> Vec<String> {
        lines(action, details).iter().map(Line::text).collect()
    }

    #[test]
    fn an_edit_lists_only_the_fields_that_changed() {
        let details = r#"{"after":{"board":"Kent HWB","board_id":3,"name":"Kent and Medway","region":"South East"},"before":{"board":"Kent HWB","board_id":3,"name":"Kent","region":null}}"#;
        assert_eq!(
            texts("area.updated", details),
            ["Name: Kent → Kent and Medway", "Region: none → South East"]
        );
    }

    #[test]
    fn something_created_lists_its_fields_and_something_removed_says_so() {
        assert_eq!(
            texts(
                "grant.added",
                r#"{"after":{"area":"kent","role":"officer"}}"#
            ),
            ["Area: kent", "Role: officer"]
        );
        assert_eq!(
            texts(
                "area_member.removed",
                r#"{"before":{"organisation":"NHS Thanet CCG","signs_plan":true}}"#
            ),
            [
                "Organisation: NHS Thanet CCG → (removed)",
                "Signs plan: yes → (removed)"
            ]
        );
    }

    #[test]
    fn bare_values_are_named_by_the_action() {
        assert_eq!(
            texts(
                "section.status_changed",
                r#"{"after":"Completed","before":"In progress","section":"vision"}"#
            ),
            ["Status: In progress → Completed", "Section: vision"]
        );
        assert_eq!(
            texts(
                "section.reopened",
                r#"{"before":"Completed","section":"vision"}"#
            ),
            ["Status before: Completed", "Section: vision"]
        );
    }

    #[test]
    fn change_lists_and_pence_read_as_money() {
        let details = r#"{"changes":[{"after":150000000,"before":null,"stream":"ccg-minimum"}],"organisation":"NHS Thanet CCG","organisation_id":4,"plan":"2014-16","year":"2014-15"}"#;
        assert_eq!(
            texts("funding.changed", details),
            [
                "ccg-minimum: none → £1,500,000",
                "Organisation: NHS Thanet CCG",
                "Plan: 2014-16",
                "Year: 2014-15"
            ]
        );
        let scheme = r#"{"changes":[{"after":"Age UK","before":"","field":"Provider"}],"plan":"2014-16","scheme":"S3","version":2}"#;
        assert_eq!(
            texts("scheme.changed", scheme),
            [
                "Provider: (empty) → Age UK",
                "Plan: 2014-16",
                "Scheme: S3",
                "Version: 2"
            ]
        );
    }

    #[test]
    fn other_facts_lists_and_objects_read_plainly() {
        assert_eq!(
            texts(
                "comment.added",
                r#"{"mentioned":["a@x.example","b@x.example"],"section":"vision","thread":7}"#
            ),
            [
                "Mentioned: a@x.example, b@x.example",
                "Section: vision",
                "Thread: 7"
            ]
        );
        assert_eq!(
            texts("user.signed_in", r#"{"second_factor":{"method":"totp"}}"#),
            ["Second factor: Method: totp"]
        );
        assert!(texts("notice.read", "{}").is_empty());
    }

    #[test]
    fn long_values_are_cut_and_broken_details_shown_as_they_are() {
        let long = "x".repeat(500);
        let shown = texts("section.saved", &format!(r#"{{"note":"{long}"}}"#));
        assert_eq!(shown[0].chars().count(), "Note: ".len() + VALUE_MAX + 1);
        assert!(shown[0].ends_with('…'));
        assert_eq!(texts("x.y", "not json"), ["Details: not json"]);
    }

    fn found(name: Option<&str>) -> Target {
        Target {
            target_name: name.map(str::to_owned),
            target_area: Some("kent".to_owned()),
            target_plan: Some("2014-16".to_owned()),
            ..Target::default()
        }
    }

    #[test]
    fn targets_are_named_and_linked_to_their_pages() {
        let user = target("user", Some("7"), &found(Some("Sam Jones")));
        assert_eq!(user.text, "Sam Jones");
        assert_eq!(user.link.as_deref(), Some("/admin/users/7"));

        let section = Target {
            target_detail: Some("NHS Thanet CCG".to_owned()),
            target_part: Some("vision".to_owned()),
            ..found(Some("Vision for health and care"))
        };
        let contribution = target("contribution", Some("12:4"), &section);
        assert_eq!(
            contribution.text,
            "Vision for health and care: NHS Thanet CCG's part"
        );
        assert_eq!(
            contribution.link.as_deref(),
            Some("/areas/kent/plans/2014-16/sections/vision")
        );
        let comment = target(
            "comment",
            Some("31"),
            &Target {
                target_number: Some(30),
                ..section.clone()
            },
        );
        assert_eq!(
            comment.link.as_deref(),
            Some("/areas/kent/plans/2014-16/sections/vision#comment-30")
        );

        let risk = target(
            "risk",
            Some("40"),
            &Target {
                target_number: Some(7),
                ..found(Some("Care homes close"))
            },
        );
        assert_eq!(risk.text, "R-07 Care homes close");
        assert_eq!(risk.link.as_deref(), Some("/areas/kent/risks/7"));

        let scheme = target(
            "scheme",
            Some("9"),
            &Target {
                target_number: Some(3),
                ..found(Some("Home from hospital"))
            },
        );
        assert_eq!(scheme.text, "S3 Home from hospital");
        assert_eq!(
            scheme.link.as_deref(),
            Some("/areas/kent/plans/2014-16/schemes/3")
        );
    }

    #[test]
    fn targets_gone_or_unknown_show_their_kind_and_id() {
        let gone = target("scheme", Some("9"), &Target::default());
        assert_eq!(gone.text, "Scheme 9");
        assert_eq!(gone.link, None);
        assert_eq!(
            target("calendar_feed", None, &Target::default()).text,
            "Calendar feed"
        );
        assert_eq!(
            target("brand_new", Some("x"), &found(Some("Anything"))).text,
            "Brand new x"
        );
    }

    #[test]
    fn kinds_and_actions_read_as_words() {
        assert_eq!(kind_label("plan_section"), "Plan section");
        assert_eq!(kind_label("something_new"), "Something new");
        assert_eq!(action_label("signoff.round_opened"), "Signoff round opened");
        for kind in TargetKind::ALL {
            assert_eq!(TargetKind::parse(kind.key()), Some(kind));
        }
    }
}
