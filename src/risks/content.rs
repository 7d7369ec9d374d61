//! A risk as it stands in one version: every field of the register (issue 9, item 1), parsed
//! from a form with a message per field, and compared field by field with another version.
//! Each version is kept whole (`risk_versions.content`), so history and comparison only read.

use serde::{Deserialize, Serialize};
use time::Date;

use super::exposure::Exposure;
use super::matrix::{Matrix, RatingProblem, Score};
use super::sharing::{Percent, Shares};
use super::status::{ClosureReason, RiskStatus};
use crate::areas::OrganisationId;
use crate::keyed::keyed_enum;
use crate::web::form::{FormErrors, shown};

keyed_enum! {
    /// What kind of risk it is; the key is what forms and URLs carry.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Category {
        Financial = ("financial", "Financial"),
        Operational = ("operational", "Operational"),
        Clinical = ("clinical", "Clinical and quality"),
        Partnership = ("partnership", "Partnership and governance"),
        Reputational = ("reputational", "Reputational"),
        Other = ("other", "Other"),
    }
}

/// The longest short text (title, owner's name), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// The longest long text (cause, event, effect, controls), in characters.
pub const MAX_LONG_CHARS: usize = 5_000;
/// How many further actions the form offers.
pub const ACTION_ROWS: usize = 3;

/// A further action planned against the risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FurtherAction {
    pub description: String,
    pub owner: String,
    pub due: Date,
    pub done: bool,
}

/// The whole of a risk, as one version recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskContent {
    pub title: String,
    pub cause: String,
    pub event: String,
    pub effect: String,
    pub category: Category,
    pub owner_organisation_id: OrganisationId,
    pub owner_person: String,
    pub raised: Date,
    /// Likelihood and impact now, with the score and band they made under the version's matrix.
    pub current: Score,
    pub controls: String,
    pub actions: Vec<FurtherAction>,
    /// Likelihood and impact once the actions are done.
    pub residual: Score,
    pub review: Date,
    pub status: RiskStatus,
    pub closure_reason: Option<ClosureReason>,
    pub shares: Option<Shares>,
    pub exposure: Option<Exposure>,
}

/// The fields of a risk form, as typed (`name=value` pairs), read by name.
#[derive(Clone, Debug, Default)]
pub struct RiskForm(pub Vec<(String, String)>);

impl RiskForm {
    /// What was typed in `name` ("" for nothing).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// The form showing `content`, as the edit page fills it in.
    pub fn from_content(content: &RiskContent, partners: &[OrganisationId]) -> RiskForm {
        let mut fields = vec![
            ("title", content.title.clone()),
            ("cause", content.cause.clone()),
            ("event", content.event.clone()),
            ("effect", content.effect.clone()),
            ("category", content.category.key().to_owned()),
            (
                "owner_organisation",
                content.owner_organisation_id.to_string(),
            ),
            ("owner_person", content.owner_person.clone()),
            ("raised", iso(content.raised)),
            ("likelihood", content.current.likelihood.to_string()),
            ("impact", content.current.impact.to_string()),
            ("controls", content.controls.clone()),
            (
                "residual_likelihood",
                content.residual.likelihood.to_string(),
            ),
            ("residual_impact", content.residual.impact.to_string()),
            ("review", iso(content.review)),
            ("status", content.status.key().to_owned()),
            (
                "closure_reason",
                content
                    .closure_reason
                    .as_ref()
                    .map(|reason| reason.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            (
                "exposure",
                content
                    .exposure
                    .map(|exposure| pounds(exposure.pence().get()))
                    .unwrap_or_default(),
            ),
        ];
        let mut owned: Vec<(String, String)> = fields
            .drain(..)
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        for (index, action) in content.actions.iter().enumerate() {
            let n = index + 1;
            owned.push((
                format!("action_{n}_description"),
                action.description.clone(),
            ));
            owned.push((format!("action_{n}_owner"), action.owner.clone()));
            owned.push((format!("action_{n}_due"), iso(action.due)));
            if action.done {
                owned.push((format!("action_{n}_done"), "yes".to_owned()));
            }
        }
        if let Some(shares) = &content.shares {
            for partner in partners {
                let share = shares
                    .of(*partner)
                    .map(|share| percent_typed(share.basis_points()))
                    .unwrap_or_default();
                owned.push((format!("share_{partner}"), share));
            }
        }
        RiskForm(owned)
    }

    /// A text field that must be filled in, within `max` characters; a message by it otherwise.
    fn required_text(
        &self,
        name: &'static str,
        what: &str,
        max: usize,
        errors: &mut FormErrors,
    ) -> String {
        let value = shown(self.get(name)).trim().to_owned();
        if value.is_empty() {
            errors.add(name, format!("Enter {what}"));
        } else if value.chars().count() > max {
            errors.add(
                name,
                format!("{} must be {max} characters or fewer", capitalise(what)),
            );
        }
        value
    }

    /// Parses the form into a risk rated on `matrix`, with `partners` (the area's members) as
    /// who may own it and share it; or a message per field, in the order of the form.
    pub fn parse(
        &self,
        matrix: &Matrix,
        partners: &[OrganisationId],
    ) -> Result<RiskContent, FormErrors> {
        let mut errors = FormErrors::new();
        let title = self.required_text("title", "a title", MAX_SHORT_CHARS, &mut errors);
        let cause = self.required_text("cause", "the cause", MAX_LONG_CHARS, &mut errors);
        let event = self.required_text("event", "the event", MAX_LONG_CHARS, &mut errors);
        let effect = self.required_text("effect", "the effect", MAX_LONG_CHARS, &mut errors);
        let category = Category::parse(self.get("category"));
        if category.is_none() {
            errors.add("category", "Choose a category");
        }
        let owner_organisation = self
            .get("owner_organisation")
            .trim()
            .parse::<i64>()
            .ok()
            .map(OrganisationId::new)
            .filter(|id| partners.contains(id));
        if owner_organisation.is_none() {
            errors.add(
                "owner_organisation",
                "Choose the organisation that owns the risk",
            );
        }
        let owner_person = self.required_text(
            "owner_person",
            "the name of the person who owns the risk",
            MAX_SHORT_CHARS,
            &mut errors,
        );
        let raised = date_field(
            &mut errors,
            self.get("raised"),
            "raised",
            "the date the risk was raised",
        );
        let current = rating(
            &mut errors,
            matrix,
            self.get("likelihood"),
            self.get("impact"),
            "likelihood",
            "impact",
        );
        let controls = shown(self.get("controls")).trim().to_owned();
        if controls.chars().count() > MAX_LONG_CHARS {
            errors.add(
                "controls",
                format!("Existing controls must be {MAX_LONG_CHARS} characters or fewer"),
            );
        }
        let mut actions = Vec::new();
        for n in 1..=ACTION_ROWS {
            if let Some(action) = self.action(&mut errors, n, raised) {
                actions.push(action);
            }
        }
        let residual = rating(
            &mut errors,
            matrix,
            self.get("residual_likelihood"),
            self.get("residual_impact"),
            "residual_likelihood",
            "residual_impact",
        );
        let review = date_field(
            &mut errors,
            self.get("review"),
            "review",
            "the next review date",
        );
        let status = RiskStatus::parse(self.get("status"));
        let mut closure_reason = None;
        match status {
            None => errors.add("status", "Choose the risk's status"),
            Some(RiskStatus::Closed) => match ClosureReason::parse(self.get("closure_reason")) {
                Ok(reason) => closure_reason = Some(reason),
                Err(problem) => errors.add("closure_reason", problem.to_string()),
            },
            Some(_) => {}
        }
        let shares = self.shares(&mut errors, partners);
        let exposure = match self.get("exposure").trim() {
            "" => None,
            typed => match Exposure::parse(typed) {
                Ok(exposure) => Some(exposure),
                Err(problem) => {
                    errors.add("exposure", problem.to_string());
                    None
                }
            },
        };
        match (
            category,
            owner_organisation,
            raised,
            current,
            residual,
            review,
            status,
        ) {
            (
                Some(category),
                Some(owner_organisation_id),
                Some(raised),
                Some(current),
                Some(residual),
                Some(review),
                Some(status),
            ) if errors.is_empty() => Ok(RiskContent {
                title,
                cause,
                event,
                effect,
                category,
                owner_organisation_id,
                owner_person,
                raised,
                current,
                controls,
                actions,
                residual,
                review,
                status,
                closure_reason,
                shares,
                exposure,
            }),
            _ => Err(errors),
        }
    }

    /// Further action row `n`: none if left empty; due no earlier than the risk was raised.
    fn action(
        &self,
        errors: &mut FormErrors,
        n: usize,
        raised: Option<Date>,
    ) -> Option<FurtherAction> {
        let field = |part: &str| format!("action_{n}_{part}");
        let description = shown(self.get(&field("description"))).trim().to_owned();
        let owner = shown(self.get(&field("owner"))).trim().to_owned();
        let due_typed = self.get(&field("due")).trim();
        if description.is_empty() && owner.is_empty() && due_typed.is_empty() {
            return None;
        }
        if description.is_empty() {
            errors.add(field("description"), format!("Describe further action {n}"));
        } else if description.chars().count() > MAX_LONG_CHARS {
            errors.add(
                field("description"),
                format!("Further action {n} must be {MAX_LONG_CHARS} characters or fewer"),
            );
        }
        if owner.is_empty() {
            errors.add(field("owner"), format!("Enter who owns further action {n}"));
        } else if owner.chars().count() > MAX_SHORT_CHARS {
            errors.add(
                field("owner"),
                format!("The owner must be {MAX_SHORT_CHARS} characters or fewer"),
            );
        }
        let due = date_field(
            errors,
            due_typed,
            field("due"),
            &format!("the date further action {n} is due"),
        );
        if let (Some(due), Some(raised)) = (due, raised)
            && due < raised
        {
            errors.add(
                field("due"),
                format!("Further action {n} cannot be due before the risk was raised"),
            );
        }
        Some(FurtherAction {
            description,
            owner,
            due: due?,
            done: self.get(&field("done")) == "yes",
        })
    }

    /// The risk-sharing arrangement: none if every partner's box is empty.
    fn shares(&self, errors: &mut FormErrors, partners: &[OrganisationId]) -> Option<Shares> {
        let typed: Vec<(OrganisationId, String)> = partners
            .iter()
            .map(|partner| {
                (
                    *partner,
                    self.get(&format!("share_{partner}")).trim().to_owned(),
                )
            })
            .collect();
        if typed.iter().all(|(_, share)| share.is_empty()) {
            return None;
        }
        // A partner left empty has no part in the arrangement.
        let entries: Vec<(OrganisationId, &str)> = typed
            .iter()
            .filter(|(_, share)| !share.is_empty())
            .map(|(partner, share)| (*partner, share.as_str()))
            .collect();
        match Shares::parse(&entries) {
            Ok(shares) => Some(shares),
            Err(problem) => {
                for (_, partner, entry) in &problem.entries {
                    errors.add(format!("share_{partner}"), entry.to_string());
                }
                if let (Some(total), Some(first)) = (problem.total, partners.first()) {
                    errors.add(format!("share_{first}"), total.to_string());
                }
                None
            }
        }
    }
}

fn rating(
    errors: &mut FormErrors,
    matrix: &Matrix,
    likelihood: &str,
    impact: &str,
    likelihood_field: &'static str,
    impact_field: &'static str,
) -> Option<Score> {
    match matrix.rate(likelihood, impact) {
        Ok(score) => Some(score),
        Err(problems) => {
            let say = |problem: RatingProblem| problem.to_string();
            if let Some(problem) = problems.likelihood {
                errors.add(likelihood_field, say(problem));
            }
            if let Some(problem) = problems.impact {
                errors.add(impact_field, say(problem));
            }
            None
        }
    }
}

/// A date typed as 2014-03-27 or 27/3/2014.
pub fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let numbers: Vec<&str> = if raw.contains('-') {
        raw.split('-').collect()
    } else {
        let mut parts: Vec<&str> = raw.split('/').collect();
        parts.reverse();
        parts
    };
    let [year, month, day] = numbers.as_slice() else {
        return None;
    };
    let year: i32 = year
        .trim()
        .parse()
        .ok()
        .filter(|y| (1900..=2200).contains(y))?;
    let month: u8 = month.trim().parse().ok()?;
    let day: u8 = day.trim().parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

fn date_field(
    errors: &mut FormErrors,
    raw: &str,
    field: impl Into<std::borrow::Cow<'static, str>>,
    what: &str,
) -> Option<Date> {
    let field = field.into();
    if raw.trim().is_empty() {
        errors.add(field, format!("Enter {what}"));
        return None;
    }
    let date = parse_date(raw);
    if date.is_none() {
        errors.add(
            field,
            format!("Enter {what} as a real date, like 27/3/2014"),
        );
    }
    date
}

/// A date as forms show it: 2014-03-27.
pub fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Pence as typed pounds ("1234567.50", or "1234567" without pence).
fn pounds(pence: i64) -> String {
    if pence % 100 == 0 {
        (pence / 100).to_string()
    } else {
        format!("{}.{:02}", pence / 100, pence % 100)
    }
}

/// Basis points as a typed percentage ("62.5").
fn percent_typed(basis_points: u16) -> String {
    let whole = basis_points / 100;
    let rest = basis_points % 100;
    if rest == 0 {
        whole.to_string()
    } else if rest.is_multiple_of(10) {
        format!("{whole}.{}", rest / 10)
    } else {
        format!("{whole}.{rest:02}")
    }
}

/// One field that differs between two versions, as people read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

/// How a version shows each field, for comparing; `name` gives an organisation's name.
pub fn fields(
    content: &RiskContent,
    name: &dyn Fn(OrganisationId) -> String,
) -> Vec<(&'static str, String)> {
    let score = |score: &Score| {
        format!(
            "{} (likelihood {} × impact {}), {}",
            score.value, score.likelihood, score.impact, score.band.name
        )
    };
    let actions = content
        .actions
        .iter()
        .map(|action| {
            format!(
                "{} – {}, due {}{}",
                action.description,
                action.owner,
                crate::web::format::date(action.due),
                if action.done { " (done)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let shares = content
        .shares
        .as_ref()
        .map(|shares| {
            shares
                .iter()
                .map(|(partner, share)| format!("{} {}", name(partner), share))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    vec![
        ("Title", content.title.clone()),
        ("Cause", content.cause.clone()),
        ("Event", content.event.clone()),
        ("Effect", content.effect.clone()),
        ("Category", content.category.label().to_owned()),
        ("Owner organisation", name(content.owner_organisation_id)),
        ("Owner", content.owner_person.clone()),
        ("Date raised", crate::web::format::date(content.raised)),
        ("Current score", score(&content.current)),
        ("Existing controls", content.controls.clone()),
        ("Further actions", actions),
        ("Residual score", score(&content.residual)),
        ("Review date", crate::web::format::date(content.review)),
        ("Status", content.status.label().to_owned()),
        (
            "Reason for closing",
            content
                .closure_reason
                .as_ref()
                .map(|reason| reason.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("Risk sharing", shares),
        (
            "Financial exposure",
            content.exposure.map(|e| e.to_string()).unwrap_or_default(),
        ),
    ]
}

/// The fields that differ from `before` to `after`, in the order of the form.
pub fn changes(
    before: &RiskContent,
    after: &RiskContent,
    name: &dyn Fn(OrganisationId) -> String,
) -> Vec<FieldChange> {
    fields(before, name)
        .into_iter()
        .zip(fields(after, name))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((label, before), (_, after))| FieldChange {
            label,
            before,
            after,
        })
        .collect()
}

/// The share as shown ("62.5%"), for pages.
pub fn percent(basis_points: u16) -> String {
    Percent(u32::from(basis_points)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KCC: OrganisationId = OrganisationId::new(3);
    const CCG: OrganisationId = OrganisationId::new(4);

    fn good() -> RiskForm {
        RiskForm(
            [
                ("title", "Activity does not fall"),
                ("cause", "Admissions keep rising"),
                ("event", "The pooled fund overspends"),
                ("effect", "Partners bear the overspend"),
                ("category", "financial"),
                ("owner_organisation", "3"),
                ("owner_person", "Director of finance"),
                ("raised", "1/12/2013"),
                ("likelihood", "4"),
                ("impact", "4"),
                ("controls", "Monthly monitoring"),
                ("action_1_description", "Agree a contingency"),
                ("action_1_owner", "Finance leads"),
                ("action_1_due", "2014-01-31"),
                ("residual_likelihood", "2"),
                ("residual_impact", "3"),
                ("review", "2014-03-01"),
                ("status", "open"),
                ("share_3", "60"),
                ("share_4", "40"),
                ("exposure", "£1,500,000"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        )
    }

    fn with(form: &RiskForm, name: &str, value: &str) -> RiskForm {
        let mut fields: Vec<_> = form.0.iter().filter(|(k, _)| k != name).cloned().collect();
        fields.push((name.to_owned(), value.to_owned()));
        RiskForm(fields)
    }

    fn parse(form: &RiskForm) -> Result<RiskContent, FormErrors> {
        form.parse(&Matrix::npsa_5x5(), &[KCC, CCG])
    }

    #[test]
    fn a_complete_form_makes_a_scored_risk() {
        let risk = parse(&good()).unwrap();
        assert_eq!(risk.current.value, 16);
        assert_eq!(risk.current.band.name, "Extreme");
        assert_eq!(risk.residual.value, 6);
        assert_eq!(risk.residual.band.name, "Moderate");
        assert_eq!(risk.actions.len(), 1);
        assert_eq!(risk.exposure.unwrap().pence().get(), 150_000_000);
        assert_eq!(risk.shares.as_ref().unwrap().iter().count(), 2);
        assert_eq!(risk.owner_organisation_id, KCC);
        // Round trip through the edit form and through JSON.
        let again = parse(&RiskForm::from_content(&risk, &[KCC, CCG])).unwrap();
        assert_eq!(again, risk);
        let json = serde_json::to_value(&risk).unwrap();
        assert_eq!(serde_json::from_value::<RiskContent>(json).unwrap(), risk);
    }

    #[test]
    fn each_mistake_is_reported_by_its_field() {
        let form = with(&good(), "title", " ");
        let form = with(&form, "likelihood", "6");
        let form = with(&form, "action_1_due", "2013-11-30");
        let form = with(&form, "status", "closed");
        let form = with(&form, "share_4", "30");
        let form = with(&form, "exposure", "£1.2.3");
        let form = with(&form, "owner_organisation", "99");
        let errors = parse(&form).unwrap_err();
        assert_eq!(errors.message("title"), "Enter a title");
        assert_eq!(
            errors.message("likelihood"),
            "Likelihood must be between 1 and 5"
        );
        assert_eq!(
            errors.message("action_1_due"),
            "Further action 1 cannot be due before the risk was raised"
        );
        assert_eq!(
            errors.message("closure_reason"),
            "Enter why the risk is being closed"
        );
        assert!(
            errors.message("share_3").contains("10% is not yet shared"),
            "{}",
            errors.message("share_3")
        );
        assert!(!errors.message("exposure").is_empty());
        assert!(!errors.message("owner_organisation").is_empty());
        assert_eq!(errors.message("impact"), "");
    }

    #[test]
    fn closed_with_a_reason_and_optional_parts_left_out() {
        let form = with(&good(), "status", "closed");
        let form = with(&form, "closure_reason", "The fund was rebalanced");
        let form = with(&form, "share_3", "");
        let form = with(&form, "share_4", "");
        let form = with(&form, "exposure", "");
        let risk = parse(&form).unwrap();
        assert_eq!(risk.status, RiskStatus::Closed);
        assert_eq!(
            risk.closure_reason.unwrap().as_str(),
            "The fund was rebalanced"
        );
        assert!(risk.shares.is_none() && risk.exposure.is_none());
    }

    #[test]
    fn dates_parse_in_both_forms_and_not_otherwise() {
        let expected = Date::from_calendar_date(2014, time::Month::March, 27).unwrap();
        assert_eq!(parse_date("27/3/2014"), Some(expected));
        assert_eq!(parse_date("2014-03-27"), Some(expected));
        assert_eq!(parse_date("31/2/2014"), None);
        assert_eq!(parse_date("tomorrow"), None);
        assert_eq!(iso(expected), "2014-03-27");
    }

    #[test]
    fn changes_list_only_the_fields_that_differ() {
        let before = parse(&good()).unwrap();
        let after = parse(&with(
            &with(&good(), "impact", "2"),
            "title",
            "Activity holds",
        ))
        .unwrap();
        let name = |id: OrganisationId| format!("org {id}");
        let changes = changes(&before, &after, &name);
        let labels: Vec<_> = changes.iter().map(|c| c.label).collect();
        assert_eq!(labels, ["Title", "Current score"]);
        assert_eq!(changes[1].before, "16 (likelihood 4 × impact 4), Extreme");
        assert_eq!(changes[1].after, "8 (likelihood 4 × impact 2), High");
        assert!(super::changes(&before, &before, &name).is_empty());
    }
}
