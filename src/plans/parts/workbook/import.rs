//! What importing a workbook would do to the plan: the funding lines it would add and change,
//! the schemes it would add (rows without a number) and change (rows whose number is the
//! plan's and whose content differs), how many rows match the plan already, and every problem,
//! on its cell. Each scheme row is parsed by the scheme form's own rules; money is read as a
//! number or as people type it; streams by name, alias or key; organisations by name.
//!
//! Rows say nothing about what is not in the file: a line or scheme left out stays as it is.
//! A scheme number the plan does not have is an error, not an addition (numbers are handed out
//! by the plan, so a stranger one means a row from elsewhere).

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::sheets::{FUNDING, FUNDING_HEADINGS, SCHEME_HEADINGS, SCHEMES, scheme_headings};
use super::store::{LineState, SchemeState};
use super::xlsx::{Book, Row, Table};
use crate::areas::OrganisationId;
use crate::plans::parts::funding;
use crate::plans::parts::schemes::{
    self, Options, SchemeContent, SchemeForm, SchemeId, SchemeType, YearAmount, benefit_field,
    spend_field,
};
use crate::plans::templates::structure::CycleStructure;
use crate::risks::RiskId;
use crate::risks::transfer::columns::parse_reference;
use crate::risks::transfer::{Cell, cell_name, restore};
use crate::web::form::shown;
use crate::web::money::Pence;

/// A funding line the import adds (`before` none) or changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineChange {
    /// The row of the sheet, as the spreadsheet numbers it.
    pub row: usize,
    pub organisation_id: OrganisationId,
    pub year_key: String,
    pub stream_key: String,
    pub before: Option<Pence>,
    /// `None`: the amount emptied.
    pub after: Option<Pence>,
    /// The line's version the preview was based on (0: there was none): confirming refuses if
    /// it has moved on since.
    pub version: i32,
}

/// A scheme's content as kept between the preview and the confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeValues {
    pub name: String,
    pub scheme_type: String,
    pub objective: String,
    pub lead_commissioner: OrganisationId,
    pub provider: String,
    pub funding_source: String,
    /// (year key, spend, benefit).
    pub amounts: Vec<(String, Pence, Pence)>,
    pub metrics: Vec<String>,
    pub risks: Vec<RiskId>,
}

impl From<&SchemeContent> for SchemeValues {
    fn from(content: &SchemeContent) -> Self {
        SchemeValues {
            name: content.name.clone(),
            scheme_type: content.scheme_type.key().to_owned(),
            objective: content.objective.clone(),
            lead_commissioner: content.lead_commissioner,
            provider: content.provider.clone(),
            funding_source: content.funding_source.clone(),
            amounts: content
                .amounts
                .iter()
                .map(|amount| (amount.year_key.clone(), amount.spend, amount.benefit))
                .collect(),
            metrics: content.metrics.clone(),
            risks: content.risks.clone(),
        }
    }
}

impl SchemeValues {
    /// The content again; `None` only if the stored type is not one we know.
    pub fn content(&self) -> Option<SchemeContent> {
        Some(SchemeContent {
            name: self.name.clone(),
            scheme_type: SchemeType::parse(&self.scheme_type)?,
            objective: self.objective.clone(),
            lead_commissioner: self.lead_commissioner,
            provider: self.provider.clone(),
            funding_source: self.funding_source.clone(),
            amounts: self
                .amounts
                .iter()
                .map(|(year_key, spend, benefit)| YearAmount {
                    year_key: year_key.clone(),
                    spend: *spend,
                    benefit: *benefit,
                })
                .collect(),
            metrics: self.metrics.clone(),
            risks: self.risks.clone(),
        })
    }
}

/// A scheme the import adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeAddition {
    pub row: usize,
    pub content: SchemeValues,
}

/// A scheme the import changes, and the version it was compared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeAmendment {
    pub row: usize,
    pub scheme_id: SchemeId,
    pub number: i32,
    pub version: i32,
    pub content: SchemeValues,
}

/// What an import would do; nothing in it is written until it is confirmed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub lines: Vec<LineChange>,
    pub lines_unchanged: usize,
    pub additions: Vec<SchemeAddition>,
    pub amendments: Vec<SchemeAmendment>,
    pub schemes_unchanged: usize,
    /// The plan's scheme counter when the file was uploaded (`schemes::store::last_number`):
    /// confirming additions refuses if it has moved since, so that two imports of the same
    /// file cannot both add its new schemes. Older pending imports had none: 0.
    #[serde(default)]
    pub scheme_counter: i32,
}

impl ImportPlan {
    pub fn changes_nothing(&self) -> bool {
        self.lines.is_empty() && self.additions.is_empty() && self.amendments.is_empty()
    }

    pub fn changes_schemes(&self) -> bool {
        !self.additions.is_empty() || !self.amendments.is_empty()
    }
}

/// A problem with the file, on one sheet: "Row 4, column Amount (E4): …".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub sheet: &'static str,
    pub text: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How an organisation a file names stands with the area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    /// A partner who signs the plan: may lead commissioning a scheme.
    Signs,
    /// A member who takes part without signing.
    TakesPart,
    /// No longer a member, but the plan's lines or schemes still name it: their rows may be
    /// read back unchanged, not changed.
    Former,
}

/// An organisation a file may name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub membership: Membership,
}

/// The plan as an import compares with it.
pub struct Current<'a> {
    pub structure: &'a CycleStructure,
    /// The area's members, then the former members the plan still names.
    pub organisations: &'a [Organisation],
    pub lines: &'a [LineState],
    pub schemes: &'a [SchemeState],
    /// The register's risks: number, id, and whether open (only open risks may be newly linked).
    pub risks: &'a [(i32, RiskId, bool)],
}

/// What the importer may change: an organisation's funding lines, the schemes.
pub struct Importer<'a> {
    pub may_edit_lines: &'a dyn Fn(OrganisationId) -> bool,
    pub may_edit_schemes: bool,
}

/// Works out what importing `book` would do, or every problem it has.
pub fn plan(
    book: &Book,
    current: &Current<'_>,
    importer: &Importer<'_>,
) -> Result<ImportPlan, Vec<RowError>> {
    let mut plan = ImportPlan::default();
    let mut errors = Vec::new();
    if let Some(table) = &book.funding {
        funding_rows(table, current, importer, &mut plan, &mut errors);
    }
    if let Some(table) = &book.schemes {
        scheme_rows(table, current, importer, &mut plan, &mut errors);
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

// --- columns -------------------------------------------------------------------------------------

/// Which column of a sheet holds which of the expected headings.
struct Layout {
    sheet: &'static str,
    expected: Vec<String>,
    /// Per column of the sheet: the index of its heading in `expected`, none without one.
    columns: Vec<Option<usize>>,
    /// The sheet's own headings, as typed.
    headers: Vec<String>,
}

fn heading_text(header: &str) -> String {
    restore(header.trim()).trim().to_owned()
}

impl Layout {
    /// Matches the sheet's headings (in any order and case) to `expected`; unknown and repeated
    /// headings are errors, and so is a missing one unless `optional`.
    fn read(
        sheet: &'static str,
        table: &Table,
        expected: Vec<String>,
        optional: &[&str],
    ) -> Result<Layout, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut columns = Vec::new();
        for (column, header) in table.headers.iter().enumerate() {
            let heading = heading_text(header);
            if heading.is_empty() {
                columns.push(None);
                continue;
            }
            let found = expected
                .iter()
                .position(|wanted| wanted.eq_ignore_ascii_case(&heading));
            match found {
                Some(index) if columns.contains(&Some(index)) => {
                    errors.push(sheet_error(
                        sheet,
                        format!("the {sheet} sheet has the column “{heading}” twice"),
                    ));
                    columns.push(None);
                }
                Some(index) => columns.push(Some(index)),
                None => {
                    errors.push(sheet_error(
                        sheet,
                        format!(
                            "the {sheet} sheet has a column this import does not know (cell {}): “{heading}”",
                            cell_name(0, column)
                        ),
                    ));
                    columns.push(None);
                }
            }
        }
        for column in &table.header_formulas {
            errors.push(sheet_error(
                sheet,
                format!(
                    "Row 1, column {} holds a formula; enter the heading",
                    cell_name(0, *column)
                ),
            ));
        }
        for (index, wanted) in expected.iter().enumerate() {
            if !columns.contains(&Some(index)) && !optional.contains(&wanted.as_str()) {
                errors.push(sheet_error(
                    sheet,
                    format!("the {sheet} sheet has no column “{wanted}”"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Layout {
                sheet,
                expected,
                columns,
                headers: table.headers.clone(),
            })
        } else {
            Err(errors)
        }
    }

    fn column(&self, heading: usize) -> Option<usize> {
        self.columns.iter().position(|at| *at == Some(heading))
    }

    /// What the cell under `heading` holds, as text a person would have typed.
    fn typed(&self, row: &Row, heading: usize) -> String {
        self.column(heading)
            .map_or_else(String::new, |column| typed(row.cell(column)))
    }

    fn at(&self, row: &Row, column: usize) -> String {
        let heading = self
            .headers
            .get(column)
            .map(|header| heading_text(header))
            .filter(|heading| !heading.is_empty())
            .unwrap_or_else(|| "without a heading".to_owned());
        format!(
            "Row {}, column {heading} ({})",
            row.index + 1,
            cell_name(row.index, column)
        )
    }

    /// A message on the cell under `heading` (on the row, if the sheet has no such column).
    fn error(&self, row: &Row, heading: usize, message: impl fmt::Display) -> RowError {
        let text = match self.column(heading) {
            Some(column) => format!("{}: {message}", self.at(row, column)),
            None => format!("Row {}: {message}", row.index + 1),
        };
        RowError {
            sheet: self.sheet,
            text,
        }
    }

    fn row_error(&self, row: &Row, message: impl fmt::Display) -> RowError {
        RowError {
            sheet: self.sheet,
            text: format!("Row {}: {message}", row.index + 1),
        }
    }

    /// The row's cells that cannot be read: formulas, and anything under no heading.
    fn unreadable(&self, row: &Row) -> Vec<RowError> {
        let mut errors: Vec<RowError> = row
            .formulas
            .iter()
            .map(|column| RowError {
                sheet: self.sheet,
                text: format!("{} holds a formula; enter the value", self.at(row, *column)),
            })
            .collect();
        for (column, cell) in row.cells.iter().enumerate() {
            if *cell != Cell::Empty
                && self.columns.get(column).copied().flatten().is_none()
                && !row.formulas.contains(&column)
            {
                errors.push(RowError {
                    sheet: self.sheet,
                    text: format!(
                        "{}: this column has no heading; give it one of the sheet's, or empty it",
                        self.at(row, column)
                    ),
                });
            }
        }
        errors
    }

    fn heading(&self, name: &str) -> usize {
        self.expected
            .iter()
            .position(|heading| heading == name)
            .unwrap_or(usize::MAX)
    }
}

fn sheet_error(sheet: &'static str, message: String) -> RowError {
    let mut chars = message.chars();
    let text = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    RowError { sheet, text }
}

/// A cell as the text a person would have typed, neutralisation undone.
fn typed(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => shown(restore(text)),
        // Shortest exact form: 1500000.5 (money checks its own pence).
        Cell::Number(number) => number.to_string(),
        Cell::Date(date) => crate::risks::content::iso(*date),
        Cell::Bool(yes) => if *yes { "TRUE" } else { "FALSE" }.to_owned(),
    }
}

/// The organisation named `typed`: a member before a former member of the same name.
fn organisation_named<'a>(
    organisations: &'a [Organisation],
    typed: &str,
) -> Option<&'a Organisation> {
    let named =
        |organisation: &&Organisation| organisation.name.trim().eq_ignore_ascii_case(typed.trim());
    organisations
        .iter()
        .filter(|organisation| organisation.membership != Membership::Former)
        .find(named)
        .or_else(|| organisations.iter().find(named))
}

fn former_partner(typed: &str) -> String {
    format!("“{}” is no longer a partner of this area", typed.trim())
}

fn unknown_partner(typed: &str) -> String {
    format!(
        "“{}” is not a partner organisation of this area",
        typed.trim()
    )
}

// --- funding -------------------------------------------------------------------------------------

fn funding_rows(
    table: &Table,
    current: &Current<'_>,
    importer: &Importer<'_>,
    plan: &mut ImportPlan,
    errors: &mut Vec<RowError>,
) {
    let expected: Vec<String> = FUNDING_HEADINGS.iter().map(|h| (*h).to_owned()).collect();
    let layout = match Layout::read(FUNDING, table, expected, &["Stream", "Stream key"]) {
        Ok(layout) => layout,
        Err(problems) => return errors.extend(problems),
    };
    let [organisation, year, stream, stream_key, amount] =
        FUNDING_HEADINGS.map(|heading| layout.heading(heading));
    if layout.column(stream).is_none() && layout.column(stream_key).is_none() {
        errors.push(sheet_error(
            FUNDING,
            "the Funding sheet has no column “Stream”".to_owned(),
        ));
        return;
    }
    let structure = current.structure;
    let mut seen: HashMap<(OrganisationId, String, String), usize> = HashMap::new();
    for row in &table.rows {
        let unreadable = layout.unreadable(row);
        if !unreadable.is_empty() {
            errors.extend(unreadable);
            continue;
        }
        let mut problems = Vec::new();
        let typed_organisation = layout.typed(row, organisation);
        let named = organisation_named(current.organisations, &typed_organisation);
        let organisation_id = match named {
            Some(found) => Some(found.id),
            None if typed_organisation.trim().is_empty() => {
                problems.push(layout.error(row, organisation, "Enter the organisation"));
                None
            }
            None => {
                problems.push(layout.error(
                    row,
                    organisation,
                    unknown_partner(&typed_organisation),
                ));
                None
            }
        };
        let typed_year = layout.typed(row, year);
        let year_key = structure
            .years()
            .iter()
            .find(|y| {
                y.label.eq_ignore_ascii_case(typed_year.trim())
                    || y.key.eq_ignore_ascii_case(typed_year.trim())
            })
            .map(|y| y.key.clone());
        if year_key.is_none() {
            let years: Vec<&str> = structure.years().iter().map(|y| y.label.as_str()).collect();
            problems.push(layout.error(
                row,
                year,
                format!(
                    "“{}” is not a year of this plan: use one of {}",
                    typed_year.trim(),
                    years.join(", ")
                ),
            ));
        }
        // The key, where given, says which stream; else the name (or an alias, or the key).
        let by_key = layout.typed(row, stream_key);
        let (heading, typed_stream) = if by_key.trim().is_empty() {
            (stream, layout.typed(row, stream))
        } else {
            (stream_key, by_key)
        };
        let stream_key_found = structure
            .stream_named(&typed_stream)
            .map(|found| found.key.clone());
        if stream_key_found.is_none() {
            problems.push(layout.error(
                row,
                heading,
                if typed_stream.trim().is_empty() {
                    "Enter the funding stream".to_owned()
                } else {
                    format!(
                        "“{}” is not a funding stream of this plan",
                        typed_stream.trim()
                    )
                },
            ));
        }
        let after = match funding::optional_amount(&layout.typed(row, amount)) {
            Ok(after) => Some(after),
            Err(problem) => {
                problems.push(layout.error(row, amount, problem));
                None
            }
        };
        let (Some(organisation_id), Some(year_key), Some(stream_key_found), Some(after)) =
            (organisation_id, year_key, stream_key_found, after)
        else {
            errors.extend(problems);
            continue;
        };
        let line = row.index + 1;
        let key = (organisation_id, year_key.clone(), stream_key_found.clone());
        if let Some(first) = seen.insert(key, line) {
            errors.push(layout.row_error(
                row,
                format!("this organisation, year and stream are also on row {first}: each line may be on one row only"),
            ));
            continue;
        }
        let stored = current.lines.iter().find(|stored| {
            stored.organisation_id == organisation_id
                && stored.year_key == year_key
                && stored.stream_key == stream_key_found
        });
        let before = stored.and_then(|stored| stored.amount).map(Pence::new);
        if before == after {
            plan.lines_unchanged += 1;
            continue;
        }
        if named.is_some_and(|found| found.membership == Membership::Former) {
            errors.push(layout.error(
                row,
                organisation,
                format!(
                    "{}, so its funding cannot be added or changed",
                    former_partner(&typed_organisation)
                ),
            ));
            continue;
        }
        if !(importer.may_edit_lines)(organisation_id) {
            errors.push(layout.error(
                row,
                organisation,
                format!(
                    "only {}’s own officers or the area lead can change its funding",
                    typed_organisation.trim()
                ),
            ));
            continue;
        }
        plan.lines.push(LineChange {
            row: line,
            organisation_id,
            year_key,
            stream_key: stream_key_found,
            before,
            after,
            version: stored.map_or(0, |stored| stored.version),
        });
    }
}

// --- schemes -------------------------------------------------------------------------------------

/// The scheme with an amount for each year of the plan, as its form would save it: a year
/// with nothing recorded is nothing spent, so a row saying £0 for it changes nothing.
fn normalised(content: &SchemeContent, structure: &CycleStructure) -> SchemeContent {
    let mut amounts: Vec<YearAmount> = structure
        .years()
        .iter()
        .map(|year| {
            let (spend, benefit) = content.amount(&year.key);
            YearAmount {
                year_key: year.key.clone(),
                spend,
                benefit,
            }
        })
        .collect();
    amounts.sort_by(|a, b| a.year_key.cmp(&b.year_key));
    SchemeContent {
        amounts,
        ..content.clone()
    }
}

/// A scheme's number as typed: "S3", "s3" or "3".
fn scheme_number(typed: &str) -> Option<i32> {
    let typed = typed.trim();
    let digits = typed.strip_prefix(['S', 's']).unwrap_or(typed);
    digits
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The items of a list cell: "A; B" (and one a line).
fn items(typed: &str, separators: &[char]) -> Vec<String> {
    typed
        .split(|c| separators.contains(&c))
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn scheme_rows(
    table: &Table,
    current: &Current<'_>,
    importer: &Importer<'_>,
    plan: &mut ImportPlan,
    errors: &mut Vec<RowError>,
) {
    let structure = current.structure;
    let optional = ["Funding source", "Funding source key"];
    let layout = match Layout::read(SCHEMES, table, scheme_headings(structure), &optional) {
        Ok(layout) => layout,
        Err(problems) => return errors.extend(problems),
    };
    let heading = |name: &str| layout.heading(name);
    let [
        number,
        name,
        kind,
        objective,
        lead,
        provider,
        source,
        source_key,
    ] = SCHEME_HEADINGS.map(heading);
    if layout.column(source).is_none() && layout.column(source_key).is_none() {
        errors.push(sheet_error(
            SCHEMES,
            "the Schemes sheet has no column “Funding source”".to_owned(),
        ));
        return;
    }
    let years = structure.years();
    let spend_at = |index: usize| SCHEME_HEADINGS.len() + index;
    let benefit_at = |index: usize| SCHEME_HEADINGS.len() + years.len() + index;
    let metrics_at = SCHEME_HEADINGS.len() + 2 * years.len();
    let risks_at = metrics_at + 1;
    // The form is given every organisation the file may name, so that a row naming one that
    // may not lead a new or changed scheme reads back unchanged if it is; changing it is refused
    // below, by the lead commissioner's cell.
    let organisation_ids: Vec<OrganisationId> =
        current.organisations.iter().map(|o| o.id).collect();
    let by_number: HashMap<i32, &SchemeState> = current
        .schemes
        .iter()
        .map(|scheme| (scheme.number, scheme))
        .collect();
    let mut seen: HashMap<i32, usize> = HashMap::new();
    for row in &table.rows {
        let unreadable = layout.unreadable(row);
        if !unreadable.is_empty() {
            errors.extend(unreadable);
            continue;
        }
        let line = row.index + 1;
        let typed_number = layout.typed(row, number);
        let existing = if typed_number.trim().is_empty() {
            None
        } else {
            let Some(found) = scheme_number(&typed_number) else {
                errors.push(layout.error(
                    row,
                    number,
                    "enter a scheme number like S3, or leave it empty for a new scheme",
                ));
                continue;
            };
            if let Some(first) = seen.insert(found, line) {
                errors.push(layout.error(
                    row,
                    number,
                    format!(
                        "{} is also on row {first}: each scheme may be on one row only",
                        schemes::reference(found)
                    ),
                ));
                continue;
            }
            match by_number.get(&found) {
                Some(scheme) => Some(*scheme),
                None => {
                    errors.push(layout.error(
                        row,
                        number,
                        format!(
                            "{} is not a scheme of this plan: leave the number empty to add a new scheme",
                            schemes::reference(found)
                        ),
                    ));
                    continue;
                }
            }
        };
        // The row as the scheme form would have sent it; names turned into the form's values.
        let mut problems = Vec::new();
        let mut fields: Vec<(String, String)> = vec![
            ("name".to_owned(), layout.typed(row, name)),
            ("objective".to_owned(), layout.typed(row, objective)),
            ("provider".to_owned(), layout.typed(row, provider)),
        ];
        let typed_kind = layout.typed(row, kind);
        match SchemeType::ALL.iter().find(|t| {
            t.label().eq_ignore_ascii_case(typed_kind.trim())
                || t.key().eq_ignore_ascii_case(typed_kind.trim())
        }) {
            Some(found) => fields.push(("scheme_type".to_owned(), found.key().to_owned())),
            None if typed_kind.trim().is_empty() => {}
            None => problems.push(layout.error(
                row,
                kind,
                format!("“{}” is not a type of scheme", typed_kind.trim()),
            )),
        }
        let typed_lead = layout.typed(row, lead);
        let lead_named = organisation_named(current.organisations, &typed_lead);
        match lead_named {
            Some(found) => fields.push(("lead_commissioner".to_owned(), found.id.to_string())),
            None if typed_lead.trim().is_empty() => {}
            None => problems.push(layout.error(row, lead, unknown_partner(&typed_lead))),
        }
        let by_key = layout.typed(row, source_key);
        let (source_heading, typed_source) = if by_key.trim().is_empty() {
            (source, layout.typed(row, source))
        } else {
            (source_key, by_key)
        };
        match structure.stream_named(&typed_source) {
            Some(found) => fields.push(("funding_source".to_owned(), found.key.clone())),
            None if typed_source.trim().is_empty() => {}
            None => problems.push(layout.error(
                row,
                source_heading,
                format!(
                    "“{}” is not a funding stream of this plan",
                    typed_source.trim()
                ),
            )),
        }
        for (index, year) in years.iter().enumerate() {
            fields.push((spend_field(&year.key), layout.typed(row, spend_at(index))));
            fields.push((
                benefit_field(&year.key),
                layout.typed(row, benefit_at(index)),
            ));
        }
        for metric in items(&layout.typed(row, metrics_at), &[';', '\n']) {
            match structure.metrics().iter().find(|m| {
                m.name.eq_ignore_ascii_case(&metric) || m.key.eq_ignore_ascii_case(&metric)
            }) {
                Some(found) => fields.push(("metrics".to_owned(), found.key.clone())),
                None => problems.push(layout.error(
                    row,
                    metrics_at,
                    format!("“{metric}” is not a metric of this plan"),
                )),
            }
        }
        for risk in items(&layout.typed(row, risks_at), &[';', ',', '\n']) {
            match parse_reference(&risk) {
                Some(found) => fields.push(("risks".to_owned(), found.to_string())),
                None => problems.push(layout.error(
                    row,
                    risks_at,
                    format!("“{risk}” is not a risk reference like R-07"),
                )),
            }
        }
        if !problems.is_empty() {
            errors.extend(problems);
            continue;
        }
        // Open risks may be linked; those the scheme links already stay linkable.
        let linked: BTreeSet<RiskId> = existing
            .map(|scheme| scheme.content.risks.iter().copied().collect())
            .unwrap_or_default();
        let linkable: Vec<(i32, RiskId)> = current
            .risks
            .iter()
            .filter(|(_, id, open)| *open || linked.contains(id))
            .map(|(number, id, _)| (*number, *id))
            .collect();
        let parsed = SchemeForm(fields).parse(&Options {
            structure,
            partners: &organisation_ids,
            risks: &linkable,
        });
        let content = match parsed {
            Ok(content) => content,
            Err(form_errors) => {
                for error in form_errors.iter() {
                    let field = error.field.as_ref();
                    let at = match field {
                        "name" => name,
                        "scheme_type" => kind,
                        "objective" => objective,
                        "lead_commissioner" => lead,
                        "provider" => provider,
                        "funding_source" => source_heading,
                        "metrics" => metrics_at,
                        "risks" => risks_at,
                        _ => years
                            .iter()
                            .position(|year| spend_field(&year.key) == field)
                            .map(spend_at)
                            .or_else(|| {
                                years
                                    .iter()
                                    .position(|year| benefit_field(&year.key) == field)
                                    .map(benefit_at)
                            })
                            .unwrap_or(usize::MAX),
                    };
                    errors.push(layout.error(row, at, &error.message));
                }
                continue;
            }
        };
        if existing.is_some_and(|scheme| normalised(&scheme.content, structure) == content) {
            plan.schemes_unchanged += 1;
            continue;
        }
        if !importer.may_edit_schemes {
            errors.push(layout.row_error(
                row,
                "only the area’s officers and its lead can add or change schemes",
            ));
            continue;
        }
        // As the scheme form: only a partner who signs the plan may lead commissioning it.
        match lead_named.map(|found| found.membership) {
            Some(Membership::Former) => {
                errors.push(layout.error(
                    row,
                    lead,
                    format!(
                        "{}: choose one of its partners who sign the plan",
                        former_partner(&typed_lead)
                    ),
                ));
                continue;
            }
            Some(Membership::TakesPart) => {
                errors.push(layout.error(
                    row,
                    lead,
                    format!(
                        "“{}” does not sign the plan, so cannot lead commissioning a scheme: choose a partner who signs it",
                        typed_lead.trim()
                    ),
                ));
                continue;
            }
            Some(Membership::Signs) | None => {}
        }
        let content = SchemeValues::from(&content);
        match existing {
            Some(scheme) => plan.amendments.push(SchemeAmendment {
                row: line,
                scheme_id: scheme.id,
                number: scheme.number,
                version: scheme.version,
                content,
            }),
            None => plan.additions.push(SchemeAddition { row: line, content }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::parts::workbook::Value;
    use crate::plans::parts::workbook::sheets::PlanData;
    use crate::plans::templates::structure::{
        Direction, FinancialYear, FundingStream, Metric, Period, Spending, StructureParts,
    };
    use crate::risks::transfer::columns::Partner;
    use std::collections::BTreeMap;

    const COUNCIL: OrganisationId = OrganisationId::new(3);
    const CCG: OrganisationId = OrganisationId::new(4);
    const RISK: RiskId = RiskId::new(70);

    fn structure() -> CycleStructure {
        let stream = |key: &str, name: &str, aliases: &[&str]| FundingStream {
            key: key.to_owned(),
            name: name.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            mandated: true,
            spending: Spending::Revenue,
            unverified: None,
        };
        let year = |key: &str, label: &str| FinancialYear {
            key: key.to_owned(),
            label: label.to_owned(),
        };
        let date = |y, m| time::Date::from_calendar_date(y, m, 1).unwrap();
        CycleStructure::new(StructureParts {
            years: vec![year("2014-15", "2014/15"), year("2015-16", "2015/16")],
            streams: vec![
                stream("carers", "Carers' breaks funding", &[]),
                stream("labcg", "Local Authority Better Care Grant", &["iBCF"]),
            ],
            metrics: vec![Metric {
                key: "admissions".to_owned(),
                name: "Emergency admissions, per 100,000".to_owned(),
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
        .unwrap()
    }

    fn organisations() -> Vec<Organisation> {
        vec![
            Organisation {
                id: COUNCIL,
                name: "Kent County Council".to_owned(),
                membership: Membership::Signs,
            },
            Organisation {
                id: CCG,
                name: "NHS Ashford CCG".to_owned(),
                membership: Membership::Signs,
            },
        ]
    }

    fn scheme() -> SchemeContent {
        SchemeContent {
            name: "Carers' support".to_owned(),
            scheme_type: SchemeType::Carers,
            objective: "=Keep carers caring".to_owned(),
            lead_commissioner: COUNCIL,
            provider: "Carers' centre".to_owned(),
            funding_source: "carers".to_owned(),
            amounts: vec![
                YearAmount {
                    year_key: "2014-15".to_owned(),
                    spend: Pence::ZERO,
                    benefit: Pence::ZERO,
                },
                YearAmount {
                    year_key: "2015-16".to_owned(),
                    spend: Pence::new(60_000_050),
                    benefit: Pence::new(123_450),
                },
            ],
            metrics: vec!["admissions".to_owned()],
            risks: vec![RISK],
        }
    }

    fn line(organisation_id: OrganisationId, stream: &str, pence: i64) -> LineState {
        LineState {
            organisation_id,
            year_key: "2015-16".to_owned(),
            stream_key: stream.to_owned(),
            amount: Some(pence),
            version: 3,
        }
    }

    /// The plan's export as a spreadsheet gives it back: money and numbers as numbers.
    fn as_read(sheet: &crate::plans::parts::workbook::Sheet) -> Table {
        Table {
            headers: sheet.headers.clone(),
            header_formulas: Vec::new(),
            rows: sheet
                .rows
                .iter()
                .enumerate()
                .map(|(index, values)| Row {
                    index: index + 1,
                    cells: values
                        .iter()
                        .map(|value| match value {
                            Value::Empty => Cell::Empty,
                            Value::Text(text) => {
                                Cell::Text(crate::risks::transfer::neutralise(text))
                            }
                            Value::Number(n) => Cell::Number(*n),
                            Value::Money(p) => Cell::Number(p.get() as f64 / 100.0),
                            Value::Date(d) => Cell::Date(*d),
                        })
                        .collect(),
                    formulas: Vec::new(),
                })
                .collect(),
        }
    }

    struct Fixture {
        structure: CycleStructure,
        organisations: Vec<Organisation>,
        lines: Vec<LineState>,
        schemes: Vec<SchemeState>,
        risks: Vec<(i32, RiskId, bool)>,
    }

    fn fixture() -> Fixture {
        Fixture {
            structure: structure(),
            organisations: organisations(),
            lines: vec![
                line(COUNCIL, "carers", 100_000),
                line(CCG, "labcg", 250_000_000),
            ],
            schemes: vec![SchemeState {
                id: SchemeId::new(9),
                number: 1,
                version: 2,
                content: scheme(),
            }],
            risks: vec![(1, RISK, true)],
        }
    }

    impl Fixture {
        fn current(&self) -> Current<'_> {
            Current {
                structure: &self.structure,
                organisations: &self.organisations,
                lines: &self.lines,
                schemes: &self.schemes,
                risks: &self.risks,
            }
        }

        /// The Funding and Schemes sheets as exported.
        fn exported(&self) -> Book {
            let lines: Vec<funding::FundingLine> = self
                .lines
                .iter()
                .map(|stored| funding::FundingLine {
                    organisation_id: stored.organisation_id,
                    organisation_name: self
                        .organisations
                        .iter()
                        .find(|p| p.id == stored.organisation_id)
                        .unwrap()
                        .name
                        .clone(),
                    year_key: stored.year_key.clone(),
                    stream_key: stored.stream_key.clone(),
                    amount: Pence::new(stored.amount.unwrap()),
                    version: stored.version,
                    updated_at: time::OffsetDateTime::UNIX_EPOCH,
                    updated_by: None,
                })
                .collect();
            let schemes: Vec<(i32, SchemeContent)> = self
                .schemes
                .iter()
                .map(|s| (s.number, s.content.clone()))
                .collect();
            let risk_numbers = BTreeMap::from([(RISK, 1)]);
            let goals = BTreeMap::new();
            let partners: Vec<Partner> = self
                .organisations
                .iter()
                .map(|o| Partner {
                    id: o.id,
                    name: o.name.clone(),
                })
                .collect();
            let data = PlanData {
                structure: &self.structure,
                partners: &partners,
                lines: &lines,
                minimums: &[],
                schemes: &schemes,
                risk_numbers: &risk_numbers,
                goals: &goals,
                answers: &[],
                engagement: &[],
                checks: &[],
            };
            Book {
                funding: Some(as_read(&data.funding())),
                schemes: Some(as_read(&data.schemes())),
            }
        }
    }

    fn anyone(_: OrganisationId) -> bool {
        true
    }

    const LEAD: Importer<'static> = Importer {
        may_edit_lines: &anyone,
        may_edit_schemes: true,
    };

    fn texts(errors: &[RowError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    fn set(table: &mut Table, row: usize, heading: &str, cell: Cell) {
        let column = table.headers.iter().position(|h| h == heading).unwrap();
        let cells = &mut table.rows[row].cells;
        if cells.len() <= column {
            cells.resize(column + 1, Cell::Empty);
        }
        cells[column] = cell;
    }

    #[test]
    fn the_unchanged_export_changes_nothing() {
        let fixture = fixture();
        let plan = plan(&fixture.exported(), &fixture.current(), &LEAD).unwrap();
        assert!(plan.changes_nothing());
        assert_eq!((plan.lines_unchanged, plan.schemes_unchanged), (2, 1));
    }

    #[test]
    fn a_scheme_with_no_amounts_recorded_for_a_year_reads_back_unchanged() {
        let mut fixture = fixture();
        fixture.schemes[0].content.amounts.remove(0);
        let plan = plan(&fixture.exported(), &fixture.current(), &LEAD).unwrap();
        assert!(plan.changes_nothing());
    }

    #[test]
    fn edited_rows_are_changes_and_new_rows_additions() {
        let fixture = fixture();
        let mut book = fixture.exported();
        let funding = book.funding.as_mut().unwrap();
        set(funding, 0, "Amount", Cell::Text("£2,000".into()));
        let mut new_line = funding.rows[0].clone();
        new_line.index = 3;
        funding.rows.push(new_line);
        set(funding, 2, "Stream key", Cell::Empty);
        set(funding, 2, "Stream", Cell::Text("ibcf".into()));
        let schemes = book.schemes.as_mut().unwrap();
        set(schemes, 0, "Spend 2015/16", Cell::Number(700_000.0));
        let mut new_scheme = schemes.rows[0].clone();
        new_scheme.index = 2;
        schemes.rows.push(new_scheme);
        set(schemes, 1, "Number", Cell::Empty);
        set(schemes, 1, "Name", Cell::Text("Another".into()));
        let plan = plan(&book, &fixture.current(), &LEAD).unwrap();
        assert_eq!(plan.lines.len(), 2);
        assert_eq!(
            plan.lines[0],
            LineChange {
                row: 2,
                organisation_id: COUNCIL,
                year_key: "2015-16".into(),
                stream_key: "carers".into(),
                before: Some(Pence::new(100_000)),
                after: Some(Pence::new(200_000)),
                version: 3,
            }
        );
        assert_eq!(
            (plan.lines[1].stream_key.as_str(), plan.lines[1].version),
            ("labcg", 0)
        );
        assert_eq!(plan.amendments.len(), 1);
        assert_eq!(plan.amendments[0].version, 2);
        assert_eq!(
            plan.amendments[0].content.amounts[1].1,
            Pence::new(70_000_000)
        );
        assert_eq!(plan.additions.len(), 1);
        assert_eq!(plan.additions[0].content.name, "Another");
        assert_eq!(plan.additions[0].row, 3);
    }

    #[test]
    fn bad_cells_are_named_and_formulas_refused() {
        let fixture = fixture();
        let mut book = fixture.exported();
        let funding = book.funding.as_mut().unwrap();
        set(funding, 0, "Amount", Cell::Text("abc".into()));
        set(
            funding,
            1,
            "Organisation",
            Cell::Text("NHS Elsewhere".into()),
        );
        set(funding, 1, "Stream key", Cell::Text("nowhere".into()));
        let mut formula = funding.rows[0].clone();
        formula.index = 4;
        formula.formulas = vec![4];
        funding.rows.push(formula);
        let schemes = book.schemes.as_mut().unwrap();
        set(schemes, 0, "Spend 2015/16", Cell::Text("-5".into()));
        set(schemes, 0, "Linked risks", Cell::Text("R-09".into()));
        let Err(errors) = plan(&book, &fixture.current(), &LEAD) else {
            panic!("refused");
        };
        assert_eq!(
            texts(&errors),
            [
                "Row 2, column Amount (E2): Enter the amount as one number in pounds, like £1,234,567 or 1234567.50",
                "Row 3, column Organisation (A3): “NHS Elsewhere” is not a partner organisation of this area",
                "Row 3, column Stream key (D3): “nowhere” is not a funding stream of this plan",
                "Row 5, column Amount (E5) holds a formula; enter the value",
                "Row 2, column Spend 2015/16 (J2): Spend in 2015/16: the amount cannot be negative",
                "Row 2, column Linked risks (N2): Choose open risks of the area's register: \"9\" is not one of them",
            ]
        );
        assert_eq!(errors[4].sheet, SCHEMES);
    }

    #[test]
    fn an_officer_changes_only_their_organisations_lines_and_no_schemes() {
        let fixture = fixture();
        let mut book = fixture.exported();
        let funding = book.funding.as_mut().unwrap();
        set(funding, 0, "Amount", Cell::Number(5.0));
        set(funding, 1, "Amount", Cell::Number(5.0));
        let schemes = book.schemes.as_mut().unwrap();
        set(schemes, 0, "Name", Cell::Text("Renamed".into()));
        let council = |id: OrganisationId| id == COUNCIL;
        let officer = Importer {
            may_edit_lines: &council,
            may_edit_schemes: false,
        };
        let Err(errors) = plan(&book, &fixture.current(), &officer) else {
            panic!("refused");
        };
        assert_eq!(
            texts(&errors),
            [
                "Row 3, column Organisation (A3): only NHS Ashford CCG’s own officers or the area lead can change its funding",
                "Row 2: only the area’s officers and its lead can add or change schemes",
            ]
        );
        // Unchanged, the others' rows are no business of the import.
        let mut book = fixture.exported();
        set(
            book.funding.as_mut().unwrap(),
            0,
            "Amount",
            Cell::Number(5.0),
        );
        let plan = plan(&book, &fixture.current(), &officer).unwrap();
        assert_eq!((plan.lines.len(), plan.lines_unchanged), (1, 1));
        assert_eq!(plan.schemes_unchanged, 1);
    }

    #[test]
    fn a_former_members_rows_read_back_unchanged_but_are_not_changed() {
        let mut fixture = fixture();
        fixture.organisations[1].membership = Membership::Former;
        fixture.schemes[0].content.lead_commissioner = CCG;
        let unchanged = plan(&fixture.exported(), &fixture.current(), &LEAD).unwrap();
        assert!(unchanged.changes_nothing());
        assert_eq!(
            (unchanged.lines_unchanged, unchanged.schemes_unchanged),
            (2, 1)
        );

        let mut book = fixture.exported();
        let funding = book.funding.as_mut().unwrap();
        set(funding, 1, "Amount", Cell::Number(5.0));
        let schemes = book.schemes.as_mut().unwrap();
        set(schemes, 0, "Name", Cell::Text("Renamed".into()));
        let mut new_scheme = schemes.rows[0].clone();
        new_scheme.index = 2;
        schemes.rows.push(new_scheme);
        set(schemes, 1, "Number", Cell::Empty);
        let Err(errors) = plan(&book, &fixture.current(), &LEAD) else {
            panic!("refused");
        };
        assert_eq!(
            texts(&errors),
            [
                "Row 3, column Organisation (A3): “NHS Ashford CCG” is no longer a partner of this area, so its funding cannot be added or changed",
                "Row 2, column Lead commissioner (E2): “NHS Ashford CCG” is no longer a partner of this area: choose one of its partners who sign the plan",
                "Row 3, column Lead commissioner (E3): “NHS Ashford CCG” is no longer a partner of this area: choose one of its partners who sign the plan",
            ]
        );
    }

    #[test]
    fn only_a_partner_who_signs_the_plan_leads_a_new_or_changed_scheme() {
        let mut fixture = fixture();
        fixture.organisations.push(Organisation {
            id: OrganisationId::new(5),
            name: "Carers' Trust".to_owned(),
            membership: Membership::TakesPart,
        });
        let mut book = fixture.exported();
        let schemes = book.schemes.as_mut().unwrap();
        set(
            schemes,
            0,
            "Lead commissioner",
            Cell::Text("carers' trust".into()),
        );
        let Err(errors) = plan(&book, &fixture.current(), &LEAD) else {
            panic!("refused");
        };
        assert_eq!(
            texts(&errors),
            [
                "Row 2, column Lead commissioner (E2): “carers' trust” does not sign the plan, so cannot lead commissioning a scheme: choose a partner who signs it"
            ]
        );
        // A scheme it leads already (it signed then) reads back unchanged.
        fixture.schemes[0].content.lead_commissioner = OrganisationId::new(5);
        let plan = plan(&fixture.exported(), &fixture.current(), &LEAD).unwrap();
        assert!(plan.changes_nothing());
    }

    #[test]
    fn columns_unknown_missing_or_repeated_are_refused() {
        let fixture = fixture();
        let mut book = fixture.exported();
        let funding = book.funding.as_mut().unwrap();
        funding.headers[4] = "Money".into();
        let schemes = book.schemes.as_mut().unwrap();
        schemes.headers[1] = "number".into();
        let Err(errors) = plan(&book, &fixture.current(), &LEAD) else {
            panic!("refused");
        };
        assert_eq!(
            texts(&errors),
            [
                "The Funding sheet has a column this import does not know (cell E1): “Money”",
                "The Funding sheet has no column “Amount”",
                "The Schemes sheet has the column “number” twice",
                "The Schemes sheet has no column “Name”",
            ]
        );
    }

    #[test]
    fn numbers_and_references_as_people_type_them() {
        assert_eq!(scheme_number("S3"), Some(3));
        assert_eq!(scheme_number("s12"), Some(12));
        assert_eq!(scheme_number("4"), Some(4));
        assert_eq!(scheme_number("S-1"), None);
        assert_eq!(items("A; B;\nC;", &[';', '\n']), ["A", "B", "C"]);
    }
}
