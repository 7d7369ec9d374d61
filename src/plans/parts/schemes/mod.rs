//! The plan's schemes: what the pooled money buys (issue 10, item 3). Each scheme (S1, S2, …,
//! numbered per plan, never reused) has a name, a type from the national expenditure list, an
//! objective, a lead commissioner (one of the area's partners), a provider, a funding source (a
//! stream of the plan's structure), its spend and expected benefit (savings) in each of the
//! plan's years, the metrics it moves and the register risks linked to it.
//!
//! Here: the form parsed into a [`SchemeContent`] with a message by each field, the scheme read
//! field by field (for the read view, the conflict page and the audit log), who may change
//! schemes, and the list's filters, order and pages. SQL in `store`, pages in `routes`.

pub mod routes;
pub mod store;

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::areas::{AreaId, OrganisationId};
use crate::auth::policy::Principal;
use crate::db::id::row_id;
use crate::keyed::keyed_enum;
use crate::plans::rules;
use crate::plans::templates::structure::CycleStructure;
use crate::risks::RiskId;
use crate::web::form::{FormErrors, shown};
use crate::web::money::Pence;

row_id! {
    /// A scheme's row id.
    pub struct SchemeId;
}

keyed_enum! {
    /// The kind of service a scheme pays for: the national workbook's expenditure types
    /// (`../shared/reference/bcf-2025-26.md`, 8.4), as a fixed list so that lines compare across
    /// areas and cycles.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum SchemeType {
        HomeCare = ("home-care", "Home care"),
        Reablement = ("reablement", "Reablement"),
        IntermediateCare = ("intermediate-care", "Intermediate care"),
        Carers = ("carers", "Carers' services"),
        DisabledFacilitiesGrant = ("disabled-facilities-grant", "Disabled Facilities Grant"),
        AssistiveTechnology = ("assistive-technology", "Assistive technology"),
        IntegratedCarePlanning = ("integrated-care-planning", "Integrated care planning"),
        ResidentialPlacements = ("residential-placements", "Residential placements"),
        Prevention = ("prevention", "Prevention and early help"),
        Enablers = ("enablers", "Enablers"),
        Other = ("other", "Other"),
    }
}

/// The longest name or provider, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest objective, in characters.
pub const MAX_OBJECTIVE_CHARS: usize = 2_000;
/// The most a scheme may spend (or save) in a year.
pub const MAX_AMOUNT: Pence = Pence::pounds(10_000_000_000);
/// Schemes on one page of the list.
pub const PAGE_SIZE: i64 = 50;
/// The most schemes one plan may have: far above any real plan (Coventry had 104). Adding
/// stops here, and what reads a plan's schemes (the checks, the workbook) reads this many.
pub const MAX_SCHEMES: i64 = 5_000;

/// Whether a plan with `existing` schemes may have another.
pub fn room_for_another(existing: i64) -> bool {
    existing < MAX_SCHEMES
}

/// Why a scheme was not added to a plan that has [`MAX_SCHEMES`] already.
pub fn full_message() -> String {
    format!(
        "This plan already has {MAX_SCHEMES} schemes, the most a plan may have, so this one was not added. Remove a scheme that is no longer needed, then add this one again."
    )
}

/// The reference people use for a scheme: S3.
pub fn reference(number: i32) -> String {
    format!("S{number}")
}

/// Who may add, change and remove a plan's schemes: any editor of the area (the schemes are
/// shared by its partners, like unassigned text) and the area lead.
pub fn may_edit(principal: &Principal<'_>, area_id: AreaId) -> bool {
    rules::may_write_text(principal, area_id, None) || rules::is_lead(principal, area_id)
}

/// A scheme's spend and expected benefit in one financial year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearAmount {
    pub year_key: String,
    pub spend: Pence,
    pub benefit: Pence,
}

/// A scheme as saved: everything its form sets. Lists are kept in one order (years and
/// metrics by key, risks by id), so two contents compare equal when they say the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeContent {
    pub name: String,
    pub scheme_type: SchemeType,
    pub objective: String,
    pub lead_commissioner: OrganisationId,
    pub provider: String,
    /// A funding stream key of the plan's structure.
    pub funding_source: String,
    /// One per year of the plan's structure.
    pub amounts: Vec<YearAmount>,
    /// Metric keys of the plan's structure.
    pub metrics: Vec<String>,
    pub risks: Vec<RiskId>,
}

impl SchemeContent {
    /// The amounts of `year_key` (nothing spent or saved if none is recorded).
    pub fn amount(&self, year_key: &str) -> (Pence, Pence) {
        self.amounts
            .iter()
            .find(|amount| amount.year_key == year_key)
            .map_or((Pence::ZERO, Pence::ZERO), |amount| {
                (amount.spend, amount.benefit)
            })
    }
}

/// What a scheme may be given: the plan's structure (years, funding streams, metrics), the
/// area's partners (who may lead commissioning) and the risks that may be linked, by number.
pub struct Options<'a> {
    pub structure: &'a CycleStructure,
    pub partners: &'a [OrganisationId],
    pub risks: &'a [(i32, RiskId)],
}

/// The fields of a scheme form, as typed (`name=value` pairs; checkboxes repeat their name).
#[derive(Clone, Debug, Default)]
pub struct SchemeForm(pub Vec<(String, String)>);

/// The form field of a year's spend: `spend-2015-16`.
pub fn spend_field(year_key: &str) -> String {
    format!("spend-{year_key}")
}

/// The form field of a year's expected benefit: `benefit-2015-16`.
pub fn benefit_field(year_key: &str) -> String {
    format!("benefit-{year_key}")
}

impl SchemeForm {
    /// What was typed in `name` ("" for nothing).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// Every value sent under `name` (a group of checkboxes).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the checkbox `value` of the group `name` is ticked.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).any(|sent| sent == value)
    }

    /// The form showing `content`, as the edit page fills it in; risks by their number.
    pub fn from_content(
        content: &SchemeContent,
        structure: &CycleStructure,
        risk_number: &dyn Fn(RiskId) -> Option<i32>,
    ) -> SchemeForm {
        let mut fields = vec![
            ("name".to_owned(), content.name.clone()),
            (
                "scheme_type".to_owned(),
                content.scheme_type.key().to_owned(),
            ),
            ("objective".to_owned(), content.objective.clone()),
            (
                "lead_commissioner".to_owned(),
                content.lead_commissioner.to_string(),
            ),
            ("provider".to_owned(), content.provider.clone()),
            ("funding_source".to_owned(), content.funding_source.clone()),
        ];
        for year in structure.years() {
            let (spend, benefit) = content.amount(&year.key);
            fields.push((spend_field(&year.key), typed_amount(spend)));
            fields.push((benefit_field(&year.key), typed_amount(benefit)));
        }
        for metric in &content.metrics {
            fields.push(("metrics".to_owned(), metric.clone()));
        }
        for risk in &content.risks {
            if let Some(number) = risk_number(*risk) {
                fields.push(("risks".to_owned(), number.to_string()));
            }
        }
        SchemeForm(fields)
    }

    /// A required text of at most `max` characters, called `what` ("scheme's name"); a
    /// message by it otherwise.
    fn text(&self, name: &'static str, what: &str, max: usize, errors: &mut FormErrors) -> String {
        let value = shown(self.get(name)).trim().to_owned();
        if value.is_empty() {
            errors.add(name, format!("Enter the {what}"));
        } else if value.chars().count() > max {
            errors.add(
                name,
                format!("The {what} must be {max} characters or fewer"),
            );
        }
        value
    }

    /// An amount of money: nothing typed is nothing spent.
    fn money(&self, field: String, what: &str, errors: &mut FormErrors) -> Pence {
        let typed = self.get(&field).trim();
        if typed.is_empty() {
            return Pence::ZERO;
        }
        match Pence::parse(typed, MAX_AMOUNT) {
            Ok(amount) => amount,
            Err(problem) => {
                errors.add(
                    field,
                    format!("{what}: {}", lower_first(&problem.to_string())),
                );
                Pence::ZERO
            }
        }
    }

    /// Parses the form into a scheme with what `options` allows; or a message per field, in
    /// the order of the form.
    pub fn parse(&self, options: &Options<'_>) -> Result<SchemeContent, FormErrors> {
        let mut errors = FormErrors::new();
        let name = self.text("name", "scheme's name", MAX_NAME_CHARS, &mut errors);
        let scheme_type = SchemeType::parse(self.get("scheme_type"));
        if scheme_type.is_none() {
            errors.add("scheme_type", "Choose the type of scheme");
        }
        let objective = self.text(
            "objective",
            "scheme's objective",
            MAX_OBJECTIVE_CHARS,
            &mut errors,
        );
        let lead_commissioner = self
            .get("lead_commissioner")
            .trim()
            .parse::<i64>()
            .ok()
            .map(OrganisationId::new)
            .filter(|id| options.partners.contains(id));
        if lead_commissioner.is_none() {
            errors.add(
                "lead_commissioner",
                "Choose the lead commissioner from the area's partners",
            );
        }
        let provider = self.text("provider", "scheme's provider", MAX_NAME_CHARS, &mut errors);
        let funding_source = self.get("funding_source").trim().to_owned();
        if funding_source.is_empty() {
            errors.add("funding_source", "Choose the scheme's funding source");
        } else if !options
            .structure
            .streams()
            .iter()
            .any(|stream| stream.key == funding_source)
        {
            errors.add(
                "funding_source",
                format!(
                    "Choose a funding source of this plan: \"{}\" is not one of its funding streams",
                    shown(&funding_source)
                ),
            );
        }
        let mut amounts: Vec<YearAmount> = options
            .structure
            .years()
            .iter()
            .map(|year| YearAmount {
                spend: self.money(
                    spend_field(&year.key),
                    &format!("Spend in {}", year.label),
                    &mut errors,
                ),
                benefit: self.money(
                    benefit_field(&year.key),
                    &format!("Expected benefit in {}", year.label),
                    &mut errors,
                ),
                year_key: year.key.clone(),
            })
            .collect();
        amounts.sort_by(|a, b| a.year_key.cmp(&b.year_key));
        let mut metrics = BTreeSet::new();
        for key in self.all("metrics") {
            if options
                .structure
                .metrics()
                .iter()
                .any(|metric| metric.key == key)
            {
                metrics.insert(key.to_owned());
            } else {
                errors.add(
                    "metrics",
                    format!(
                        "Choose metrics of this plan: \"{}\" is not one of them",
                        shown(key)
                    ),
                );
            }
        }
        let mut risks = BTreeSet::new();
        for typed in self.all("risks") {
            match options
                .risks
                .iter()
                .find(|(number, _)| typed.trim().parse::<i32>() == Ok(*number))
            {
                Some((_, id)) => {
                    risks.insert(*id);
                }
                None => errors.add(
                    "risks",
                    format!(
                        "Choose open risks of the area's register: \"{}\" is not one of them",
                        shown(typed)
                    ),
                ),
            }
        }
        match (scheme_type, lead_commissioner) {
            (Some(scheme_type), Some(lead_commissioner)) if errors.is_empty() => {
                Ok(SchemeContent {
                    name,
                    scheme_type,
                    objective,
                    lead_commissioner,
                    provider,
                    funding_source,
                    amounts,
                    metrics: metrics.into_iter().collect(),
                    risks: risks.into_iter().collect(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// An amount as its box shows it, beside the box's "£": "1,234,567.50", or empty for nothing.
fn typed_amount(amount: Pence) -> String {
    if amount == Pence::ZERO {
        String::new()
    } else {
        amount.to_string().trim_start_matches('£').to_owned()
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How a scheme's organisations and risks read: by name, and R-07 with its title.
pub struct Names<'a> {
    pub structure: &'a CycleStructure,
    pub organisation: &'a dyn Fn(OrganisationId) -> String,
    pub risk: &'a dyn Fn(RiskId) -> String,
}

impl Names<'_> {
    fn stream(&self, key: &str) -> String {
        self.structure.stream_name(key)
    }

    fn metric(&self, key: &str) -> String {
        self.structure.metric_name(key)
    }
}

/// One field of a scheme as people read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The form field it is set by (the id to link to).
    pub id: String,
    pub label: String,
    pub value: String,
}

/// Every field of `content`, in the order of the form.
pub fn fields(content: &SchemeContent, names: &Names<'_>) -> Vec<Field> {
    let field = |id: &str, label: &str, value: String| Field {
        id: id.to_owned(),
        label: label.to_owned(),
        value,
    };
    let listed = |items: Vec<String>| {
        if items.is_empty() {
            "None".to_owned()
        } else {
            items.join("; ")
        }
    };
    let mut fields = vec![
        field("name", "Name", content.name.clone()),
        field(
            "scheme_type",
            "Type",
            content.scheme_type.label().to_owned(),
        ),
        field("objective", "Objective", content.objective.clone()),
        field(
            "lead_commissioner",
            "Lead commissioner",
            (names.organisation)(content.lead_commissioner),
        ),
        field("provider", "Provider", content.provider.clone()),
        field(
            "funding_source",
            "Funding source",
            names.stream(&content.funding_source),
        ),
    ];
    for year in names.structure.years() {
        let (spend, benefit) = content.amount(&year.key);
        fields.push(field(
            &spend_field(&year.key),
            &format!("Spend in {}", year.label),
            spend.to_string(),
        ));
        fields.push(field(
            &benefit_field(&year.key),
            &format!("Expected benefit in {}", year.label),
            benefit.to_string(),
        ));
    }
    fields.push(field(
        "metrics",
        "Metrics it moves",
        listed(
            content
                .metrics
                .iter()
                .map(|key| names.metric(key))
                .collect(),
        ),
    ));
    fields.push(field(
        "risks",
        "Linked risks",
        listed(content.risks.iter().map(|id| (names.risk)(*id)).collect()),
    ));
    fields
}

/// A field whose value differs between two versions of a scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub id: String,
    pub label: String,
    pub before: String,
    pub after: String,
}

/// The fields that differ from `before` to `after`, in the order of the form.
pub fn changes(
    before: &SchemeContent,
    after: &SchemeContent,
    names: &Names<'_>,
) -> Vec<FieldChange> {
    fields(before, names)
        .into_iter()
        .zip(fields(after, names))
        .filter(|(was, now)| was.value != now.value)
        .map(|(was, now)| FieldChange {
            id: now.id,
            label: now.label,
            before: was.value,
            after: now.value,
        })
        .collect()
}

keyed_enum! {
    /// The order of the list.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Sort {
        Number = ("number", "Number"),
        Name = ("name", "Name"),
        /// Largest total spend first: what a board reads first.
        Spend = ("spend", "Spend, largest first"),
    }
}

/// The list's filters and order as its form sends them (`?type=&source=&lead=&q=&sort=&page=`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    #[serde(rename = "type")]
    pub scheme_type: String,
    pub source: String,
    pub lead: String,
    pub q: String,
    pub sort: String,
    pub page: String,
    pub done: Option<String>,
}

/// The filters in force, each `None` when not asked for (or not one the plan has).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub scheme_type: Option<SchemeType>,
    pub funding_source: Option<String>,
    pub lead_commissioner: Option<OrganisationId>,
    /// Words the name must contain, as typed (trimmed).
    pub search: Option<String>,
}

/// The longest name search, in characters.
const MAX_SEARCH_CHARS: usize = 200;

impl Filter {
    /// The filters of `query`; values that name nothing the plan has are left out.
    pub fn of(
        query: &ListQuery,
        structure: &CycleStructure,
        partners: &[OrganisationId],
    ) -> Filter {
        let search = shown(query.q.trim());
        Filter {
            scheme_type: SchemeType::parse(&query.scheme_type),
            funding_source: structure
                .streams()
                .iter()
                .find(|stream| stream.key == query.source)
                .map(|stream| stream.key.clone()),
            lead_commissioner: query
                .lead
                .parse::<i64>()
                .ok()
                .map(OrganisationId::new)
                .filter(|id| partners.contains(id)),
            search: (!search.is_empty()).then(|| search.chars().take(MAX_SEARCH_CHARS).collect()),
        }
    }

    pub fn is_filtered(&self) -> bool {
        *self != Filter::default()
    }

    /// The search as a `LIKE` pattern matching names containing it, its wildcards escaped.
    pub fn name_pattern(&self) -> Option<String> {
        self.search.as_ref().map(|search| {
            let mut pattern = String::from("%");
            for c in search.chars() {
                if matches!(c, '\\' | '%' | '_') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            pattern
        })
    }
}

/// The page asked for, from 1, within the `pages` there are.
pub fn page_number(typed: &str, pages: i64) -> i64 {
    typed
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, pages.max(1))
}

/// How many pages `count` schemes fill.
pub fn pages(count: i64) -> i64 {
    ((count + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// The page links to show around `current` of `pages`: the first, the last, and the current
/// one with its neighbours; `None` where pages are left out (an ellipsis).
pub fn page_items(current: i64, pages: i64) -> Vec<Option<i64>> {
    let mut items = Vec::new();
    for page in 1..=pages {
        if page == 1 || page == pages || (page - current).abs() <= 1 {
            items.push(Some(page));
        } else if items.last() != Some(&None) {
            items.push(None);
        }
    }
    items
}

impl ListQuery {
    /// The query string of the list with these filters and order on `page` (empty values left
    /// out), for pagination links.
    pub fn with_page(&self, page: i64) -> String {
        let page = page.to_string();
        let pairs: Vec<(&str, &str)> = [
            ("type", self.scheme_type.as_str()),
            ("source", self.source.as_str()),
            ("lead", self.lead.as_str()),
            ("q", self.q.as_str()),
            ("sort", self.sort.as_str()),
            ("page", page.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::policy::{Grant, Role};
    use crate::plans::templates::structure::{
        Direction, FinancialYear, FundingStream, Metric, Period, Spending, StructureParts,
    };

    const AREA: AreaId = AreaId::new(1);
    const COUNCIL: OrganisationId = OrganisationId::new(10);
    const CCG: OrganisationId = OrganisationId::new(20);

    fn structure() -> CycleStructure {
        let stream = |key: &str, name: &str| FundingStream {
            key: key.to_owned(),
            name: name.to_owned(),
            aliases: Vec::new(),
            mandated: true,
            spending: Spending::Revenue,
            unverified: None,
        };
        let year = |key: &str, label: &str| FinancialYear {
            key: key.to_owned(),
            label: label.to_owned(),
        };
        let date = |year, month| time::Date::from_calendar_date(year, month, 1).expect("a date");
        CycleStructure::new(StructureParts {
            years: vec![year("2014-15", "2014/15"), year("2015-16", "2015/16")],
            streams: vec![
                stream("carers-breaks", "Carers' breaks funding"),
                stream("disabled-facilities-grant", "Disabled Facilities Grant"),
            ],
            metrics: vec![Metric {
                key: "emergency-admissions".to_owned(),
                name: "Emergency admissions".to_owned(),
                definition: "Admissions".to_owned(),
                unit: "admissions".to_owned(),
                better: Direction::Lower,
                periods: vec![Period {
                    key: "2015-16".to_owned(),
                    label: "2015/16".to_owned(),
                    starts: date(2015, time::Month::April),
                    ends: date(2016, time::Month::March),
                }],
                pay_for_performance: false,
                unverified: None,
            }],
            conditions: Vec::new(),
            dates: Vec::new(),
            sign_off: Default::default(),
        })
        .expect("a valid structure")
    }

    fn form(fields: &[(&str, &str)]) -> SchemeForm {
        SchemeForm(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("name", "  Carers' support "),
            ("scheme_type", "carers"),
            ("objective", "Keep carers caring"),
            ("lead_commissioner", "10"),
            ("provider", "Carers' centre"),
            ("funding_source", "carers-breaks"),
            ("spend-2014-15", ""),
            ("spend-2015-16", "£600,000"),
            ("benefit-2015-16", "1234.5"),
            ("metrics", "emergency-admissions"),
            ("risks", "3"),
        ]
    }

    const RISK: RiskId = RiskId::new(77);

    fn parse(fields: &[(&str, &str)]) -> Result<SchemeContent, FormErrors> {
        let structure = structure();
        form(fields).parse(&Options {
            structure: &structure,
            partners: &[COUNCIL, CCG],
            risks: &[(3, RISK)],
        })
    }

    #[test]
    fn a_good_form_becomes_a_scheme_with_an_amount_for_every_year() {
        let content = parse(&good()).expect("parses");
        assert_eq!(content.name, "Carers' support");
        assert_eq!(content.scheme_type, SchemeType::Carers);
        assert_eq!(content.lead_commissioner, COUNCIL);
        assert_eq!(content.amount("2014-15"), (Pence::ZERO, Pence::ZERO));
        assert_eq!(
            content.amount("2015-16"),
            (Pence::pounds(600_000), Pence::new(123_450))
        );
        assert_eq!(content.amounts.len(), 2);
        assert_eq!(content.metrics, ["emergency-admissions"]);
        assert_eq!(content.risks, [RISK]);
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let fields = [
            ("name", " "),
            ("scheme_type", "bogus"),
            ("objective", "Keep carers caring"),
            ("lead_commissioner", "99"),
            ("provider", "Carers' centre"),
            ("funding_source", "ccg-minimum-contribution"),
            ("spend-2014-15", "-5"),
            ("benefit-2014-15", "1e9"),
            ("spend-2015-16", "£1.234"),
            ("benefit-2015-16", "£20,000,000,000"),
            ("metrics", "emergency-admissions"),
            ("metrics", "made-up"),
            ("risks", "9"),
        ];
        let errors = parse(&fields).expect_err("refused");
        assert_eq!(errors.message("name"), "Enter the scheme's name");
        assert_eq!(errors.message("scheme_type"), "Choose the type of scheme");
        assert!(
            errors
                .message("lead_commissioner")
                .starts_with("Choose the lead")
        );
        assert!(
            errors
                .message("funding_source")
                .contains("\"ccg-minimum-contribution\" is not one of its funding streams")
        );
        assert_eq!(
            errors.message("spend-2014-15"),
            "Spend in 2014/15: the amount cannot be negative"
        );
        assert!(errors.message("benefit-2014-15").contains("one number"));
        assert!(errors.message("spend-2015-16").contains("2 decimal places"));
        assert!(
            errors
                .message("benefit-2015-16")
                .contains("£10,000,000,000 or less")
        );
        assert!(errors.message("metrics").contains("\"made-up\""));
        assert!(errors.message("risks").contains("\"9\""));
    }

    #[test]
    fn long_text_is_refused_by_its_field() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        let mut fields: Vec<(&str, &str)> = good();
        fields.retain(|(name, _)| *name != "provider");
        fields.push(("provider", &long));
        let errors = parse(&fields).expect_err("refused");
        assert_eq!(
            errors.message("provider"),
            "The scheme's provider must be 200 characters or fewer"
        );
    }

    #[test]
    fn the_form_of_a_scheme_reads_back_as_the_same_scheme() {
        let content = parse(&good()).expect("parses");
        let structure = structure();
        let again = SchemeForm::from_content(&content, &structure, &|id| (id == RISK).then_some(3));
        assert_eq!(again.get("spend-2015-16"), "600,000");
        assert_eq!(again.get("spend-2014-15"), "");
        let reparsed = again
            .parse(&Options {
                structure: &structure,
                partners: &[COUNCIL],
                risks: &[(3, RISK)],
            })
            .expect("parses");
        assert_eq!(reparsed, content);
    }

    #[test]
    fn changes_name_each_field_that_differs() {
        let before = parse(&good()).expect("parses");
        let mut after = before.clone();
        after.lead_commissioner = CCG;
        after.amounts[1].spend = Pence::pounds(650_000);
        let structure = structure();
        let names = Names {
            structure: &structure,
            organisation: &|id| if id == COUNCIL { "Council" } else { "CCG" }.to_owned(),
            risk: &|_| "R-03 Overspend".to_owned(),
        };
        let changed = changes(&before, &after, &names);
        assert_eq!(
            changed,
            [
                FieldChange {
                    id: "lead_commissioner".to_owned(),
                    label: "Lead commissioner".to_owned(),
                    before: "Council".to_owned(),
                    after: "CCG".to_owned(),
                },
                FieldChange {
                    id: "spend-2015-16".to_owned(),
                    label: "Spend in 2015/16".to_owned(),
                    before: "£600,000".to_owned(),
                    after: "£650,000".to_owned(),
                },
            ]
        );
        let all = fields(&before, &names);
        assert!(
            all.iter()
                .any(|f| f.label == "Funding source" && f.value == "Carers' breaks funding")
        );
        assert!(
            all.iter()
                .any(|f| f.id == "risks" && f.value == "R-03 Overspend")
        );
    }

    #[test]
    fn editors_and_the_lead_change_schemes_others_read_them() {
        let principal = |grants: &[Grant]| -> bool {
            may_edit(
                &Principal {
                    organisation_id: COUNCIL.get(),
                    grants,
                },
                AREA,
            )
        };
        let grant = |role: Role, area: Option<i64>| {
            vec![Grant {
                role,
                area_id: if role.is_global() { None } else { area },
            }]
        };
        assert!(principal(&grant(Role::Officer, Some(1))));
        assert!(principal(&grant(Role::AreaLead, Some(1))));
        for role in [
            Role::Signatory,
            Role::BoardSecretary,
            Role::Assurer,
            Role::Admin,
        ] {
            assert!(!principal(&grant(role, Some(1))), "{role:?}");
        }
        assert!(!principal(&grant(Role::Officer, Some(2))));
    }

    #[test]
    fn filters_keep_only_what_the_plan_has_and_escape_the_search() {
        let structure = structure();
        let query = ListQuery {
            scheme_type: "reablement".to_owned(),
            source: "not-a-stream".to_owned(),
            lead: "20".to_owned(),
            q: " 50%_off\\ ".to_owned(),
            ..ListQuery::default()
        };
        let filter = Filter::of(&query, &structure, &[COUNCIL, CCG]);
        assert_eq!(filter.scheme_type, Some(SchemeType::Reablement));
        assert_eq!(filter.funding_source, None);
        assert_eq!(filter.lead_commissioner, Some(CCG));
        assert_eq!(filter.name_pattern().as_deref(), Some("%50\\%\\_off\\\\%"));
        assert!(filter.is_filtered());
        assert!(!Filter::of(&ListQuery::default(), &structure, &[]).is_filtered());
    }

    #[test]
    fn pages_hold_fifty_schemes_and_a_page_asked_for_stays_within_them() {
        assert_eq!(pages(0), 1);
        assert_eq!(pages(50), 1);
        assert_eq!(pages(51), 2);
        assert_eq!(pages(120), 3);
        assert_eq!(page_number("", 3), 1);
        assert_eq!(page_number("2", 3), 2);
        assert_eq!(page_number("9", 3), 3);
        assert_eq!(page_number("-1", 3), 1);
        assert_eq!(page_number("abc", 3), 1);
        assert_eq!(reference(3), "S3");
        assert_eq!(page_items(1, 1), [Some(1)]);
        assert_eq!(page_items(2, 3), [Some(1), Some(2), Some(3)]);
        assert_eq!(
            page_items(5, 9),
            [Some(1), None, Some(4), Some(5), Some(6), None, Some(9)]
        );
        let query = ListQuery {
            q: "care & support".to_owned(),
            sort: "spend".to_owned(),
            ..ListQuery::default()
        };
        assert_eq!(query.with_page(2), "q=care+%26+support&sort=spend&page=2");
    }

    #[test]
    fn a_plan_may_have_schemes_up_to_the_cap_and_no_more() {
        assert!(room_for_another(0));
        assert!(room_for_another(MAX_SCHEMES - 1));
        assert!(!room_for_another(MAX_SCHEMES));
        assert!(!room_for_another(MAX_SCHEMES + 1));
        assert!(full_message().contains("already has 5000 schemes"));
    }
}
