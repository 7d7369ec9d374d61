//! The register's columns, in the order of the reference ("Risk registers" in
//! `shared/reference/itf-2014.md`): what each holds when exported, and how a row read back
//! becomes the same [`RiskForm`] the web form sends, so an import obeys the form's rules.

use std::collections::HashMap;
use std::fmt;

use time::Date;

use super::{Cell, FileProblem, Row, cell_name, restore};
use crate::areas::OrganisationId;
use crate::risks::content::{ACTION_ROWS, Category, RiskContent, RiskForm, iso};
use crate::risks::status::RiskStatus;
use crate::web::form::{FormErrors, shown};
use crate::web::money::Pence;

/// A partner of the area, as files name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partner {
    pub id: OrganisationId,
    pub name: String,
}

/// What one column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Reference,
    Title,
    Cause,
    Event,
    Effect,
    Category,
    OwnerOrganisation,
    OwnerPerson,
    Raised,
    Likelihood,
    Impact,
    Score,
    Band,
    Controls,
    ActionDescription(usize),
    ActionOwner(usize),
    ActionDue(usize),
    ActionDone(usize),
    ResidualLikelihood,
    ResidualImpact,
    ResidualScore,
    ResidualBand,
    Review,
    Status,
    ClosureReason,
    Share(OrganisationId),
    Exposure,
}

impl Field {
    /// Every column, in the reference's order: each partner's share before the exposure.
    pub fn all(partners: &[Partner]) -> Vec<Field> {
        use Field::*;
        let mut fields = vec![
            Reference,
            Title,
            Cause,
            Event,
            Effect,
            Category,
            OwnerOrganisation,
            OwnerPerson,
            Raised,
            Likelihood,
            Impact,
            Score,
            Band,
            Controls,
        ];
        for n in 1..=ACTION_ROWS {
            fields.extend([
                ActionDescription(n),
                ActionOwner(n),
                ActionDue(n),
                ActionDone(n),
            ]);
        }
        fields.extend([
            ResidualLikelihood,
            ResidualImpact,
            ResidualScore,
            ResidualBand,
            Review,
            Status,
            ClosureReason,
        ]);
        fields.extend(partners.iter().map(|partner| Share(partner.id)));
        fields.push(Exposure);
        fields
    }

    /// The column's heading.
    pub fn header(self, partners: &[Partner]) -> String {
        use Field::*;
        match self {
            Reference => "Reference".to_owned(),
            Title => "Title".to_owned(),
            Cause => "Cause".to_owned(),
            Event => "Event".to_owned(),
            Effect => "Effect".to_owned(),
            Category => "Category".to_owned(),
            OwnerOrganisation => "Owner organisation".to_owned(),
            OwnerPerson => "Owner".to_owned(),
            Raised => "Date raised".to_owned(),
            Likelihood => "Likelihood".to_owned(),
            Impact => "Impact".to_owned(),
            Score => "Score".to_owned(),
            Band => "Band".to_owned(),
            Controls => "Existing controls".to_owned(),
            ActionDescription(n) => format!("Action {n}"),
            ActionOwner(n) => format!("Action {n} owner"),
            ActionDue(n) => format!("Action {n} due"),
            ActionDone(n) => format!("Action {n} done"),
            ResidualLikelihood => "Residual likelihood".to_owned(),
            ResidualImpact => "Residual impact".to_owned(),
            ResidualScore => "Residual score".to_owned(),
            ResidualBand => "Residual band".to_owned(),
            Review => "Review date".to_owned(),
            Status => "Status".to_owned(),
            ClosureReason => "Reason for closing".to_owned(),
            Share(id) => {
                let name = partners
                    .iter()
                    .find(|partner| partner.id == id)
                    .map(|partner| partner.name.as_str())
                    .unwrap_or("an organisation");
                format!("Share: {name} (%)")
            }
            Exposure => "Financial exposure (£)".to_owned(),
        }
    }

    /// Worked out from other columns: exported for people to read, ignored on import.
    pub fn is_computed(self) -> bool {
        matches!(
            self,
            Field::Score | Field::Band | Field::ResidualScore | Field::ResidualBand
        )
    }

    /// Whether an import needs the column: every column people fill in, except the shares
    /// (a partner without a column takes no share).
    fn is_required(self) -> bool {
        !self.is_computed() && !matches!(self, Field::Share(_))
    }

    /// The risk form's field the column fills (none for the reference and computed columns).
    pub fn form_name(self) -> Option<String> {
        use Field::*;
        let name = match self {
            Reference | Score | Band | ResidualScore | ResidualBand => return None,
            Title => "title",
            Cause => "cause",
            Event => "event",
            Effect => "effect",
            Category => "category",
            OwnerOrganisation => "owner_organisation",
            OwnerPerson => "owner_person",
            Raised => "raised",
            Likelihood => "likelihood",
            Impact => "impact",
            Controls => "controls",
            ActionDescription(n) => return Some(format!("action_{n}_description")),
            ActionOwner(n) => return Some(format!("action_{n}_owner")),
            ActionDue(n) => return Some(format!("action_{n}_due")),
            ActionDone(n) => return Some(format!("action_{n}_done")),
            ResidualLikelihood => "residual_likelihood",
            ResidualImpact => "residual_impact",
            Review => "review",
            Status => "status",
            ClosureReason => "closure_reason",
            Share(id) => return Some(format!("share_{id}")),
            Exposure => "exposure",
        };
        Some(name.to_owned())
    }
}

/// A value as exported: the formats give each kind its own cell type.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(u16),
    Date(Date),
    Money(Pence),
    /// A share, in basis points, written as a percentage number (62.5).
    Percent(u16),
}

/// The reference people use for a risk: R-07.
pub fn reference(number: i32) -> String {
    format!("R-{number:02}")
}

/// A risk's reference as typed: "R-07", "R07", "r-7" or "7" (the plan's workbook reads
/// linked risks so too).
pub(crate) fn parse_reference(typed: &str) -> Option<i32> {
    let typed = typed.trim();
    let digits = typed
        .strip_prefix(['R', 'r'])
        .map(|rest| rest.strip_prefix('-').unwrap_or(rest))
        .unwrap_or(typed);
    digits
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Basis points as a percentage number: 62.5, 33.33, 100.
pub fn percent_number(points: u16) -> String {
    let (whole, rest) = (points / 100, points % 100);
    match rest {
        0 => whole.to_string(),
        _ if rest % 10 == 0 => format!("{whole}.{}", rest / 10),
        _ => format!("{whole}.{rest:02}"),
    }
}

/// What `field` holds for risk `number`.
pub fn value(field: Field, number: i32, risk: &RiskContent, partners: &[Partner]) -> Value {
    use Field::*;
    let text = |text: &str| {
        if text.is_empty() {
            Value::Empty
        } else {
            Value::Text(text.to_owned())
        }
    };
    let action = |n: usize| risk.actions.get(n - 1);
    match field {
        Reference => Value::Text(reference(number)),
        Title => text(&risk.title),
        Cause => text(&risk.cause),
        Event => text(&risk.event),
        Effect => text(&risk.effect),
        Category => text(risk.category.label()),
        OwnerOrganisation => text(
            &partners
                .iter()
                .find(|partner| partner.id == risk.owner_organisation_id)
                .map(|partner| partner.name.clone())
                .unwrap_or_else(|| format!("Organisation {}", risk.owner_organisation_id)),
        ),
        OwnerPerson => text(&risk.owner_person),
        Raised => Value::Date(risk.raised),
        Likelihood => Value::Number(u16::from(risk.current.likelihood)),
        Impact => Value::Number(u16::from(risk.current.impact)),
        Score => Value::Number(risk.current.value),
        Band => text(&risk.current.band.name),
        Controls => text(&risk.controls),
        ActionDescription(n) => action(n).map_or(Value::Empty, |a| text(&a.description)),
        ActionOwner(n) => action(n).map_or(Value::Empty, |a| text(&a.owner)),
        ActionDue(n) => action(n).map_or(Value::Empty, |a| Value::Date(a.due)),
        ActionDone(n) => {
            action(n).map_or(Value::Empty, |a| text(if a.done { "Yes" } else { "No" }))
        }
        ResidualLikelihood => Value::Number(u16::from(risk.residual.likelihood)),
        ResidualImpact => Value::Number(u16::from(risk.residual.impact)),
        ResidualScore => Value::Number(risk.residual.value),
        ResidualBand => text(&risk.residual.band.name),
        Review => Value::Date(risk.review),
        Status => text(risk.status.label()),
        ClosureReason => risk
            .closure_reason
            .as_ref()
            .map_or(Value::Empty, |reason| text(reason.as_str())),
        Share(id) => risk
            .shares
            .as_ref()
            .and_then(|shares| shares.of(id))
            .map_or(Value::Empty, |share| Value::Percent(share.basis_points())),
        Exposure => risk
            .exposure
            .map_or(Value::Empty, |exposure| Value::Money(exposure.pence())),
    }
}

/// The export: headings, then a row per risk (by number).
pub fn export(
    risks: &[(i32, &RiskContent)],
    partners: &[Partner],
) -> (Vec<String>, Vec<Vec<Value>>) {
    let fields = Field::all(partners);
    let headers = fields.iter().map(|field| field.header(partners)).collect();
    let rows = risks
        .iter()
        .map(|(number, risk)| {
            fields
                .iter()
                .map(|field| value(*field, *number, risk, partners))
                .collect()
        })
        .collect();
    (headers, rows)
}

/// A problem with one row of an import, naming the cell when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    /// The row as the spreadsheet numbers it (the header row is 1).
    pub row: usize,
    /// The column's heading and the cell's name ("J4").
    pub cell: Option<(String, String)>,
    pub message: String,
}

/// "Row 4, column Likelihood (J4): Likelihood must be between 1 and 5".
impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cell {
            Some((heading, cell)) => write!(
                f,
                "Row {}, column {heading} ({cell}): {}",
                self.row, self.message
            ),
            None => write!(f, "Row {}: {}", self.row, self.message),
        }
    }
}

/// Which column of a file holds what, read from its header row.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Per column of the file: its field, or none for a column without a heading.
    columns: Vec<Option<Field>>,
    headers: Vec<String>,
}

/// One row as the web form would have sent it, with the reference it names (none: a new risk).
#[derive(Clone, Debug)]
pub struct RowForm {
    pub reference: Option<i32>,
    pub form: RiskForm,
}

impl Layout {
    /// Matches the headings (in any order, in any case) to the register's columns; unknown,
    /// repeated and missing columns are named.
    pub fn read(headers: &[String], partners: &[Partner]) -> Result<Layout, FileProblem> {
        let fields = Field::all(partners);
        let by_heading: HashMap<String, Field> = fields
            .iter()
            .map(|field| (field.header(partners).to_lowercase(), *field))
            .collect();
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        let mut seen = Vec::new();
        for header in headers {
            let heading = restore(header.trim()).trim();
            if heading.is_empty() {
                columns.push(None);
                continue;
            }
            match by_heading.get(&heading.to_lowercase()) {
                Some(field) if seen.contains(field) => {
                    unknown.push(format!("“{heading}” (a second time)"))
                }
                Some(field) => {
                    seen.push(*field);
                    columns.push(Some(*field));
                }
                None => unknown.push(format!("“{heading}”")),
            }
        }
        if !unknown.is_empty() {
            return Err(FileProblem::UnknownColumns(unknown.join(", ")));
        }
        let missing: Vec<String> = fields
            .iter()
            .filter(|field| field.is_required() && !seen.contains(field))
            .map(|field| format!("“{}”", field.header(partners)))
            .collect();
        if !missing.is_empty() {
            return Err(FileProblem::MissingColumns(missing.join(", ")));
        }
        Ok(Layout {
            columns,
            headers: headers.to_vec(),
        })
    }

    fn column_of(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .position(|column| *column == Some(field))
    }

    fn error(&self, row: &Row, column: Option<usize>, message: impl Into<String>) -> CellError {
        CellError {
            row: row.index + 1,
            cell: column.map(|column| {
                let heading = self
                    .headers
                    .get(column)
                    .map(|heading| restore(heading.trim()).trim().to_owned())
                    .filter(|heading| !heading.is_empty())
                    .unwrap_or_else(|| "without a heading".to_owned());
                (heading, cell_name(row.index, column))
            }),
            message: message.into(),
        }
    }

    /// The row as a risk form, each cell turned into what the form's field takes; or what is
    /// wrong with cells that cannot be (an unknown category or organisation, say).
    pub fn form(&self, row: &Row, partners: &[Partner]) -> Result<RowForm, Vec<CellError>> {
        let mut errors = Vec::new();
        let mut reference = None;
        let mut fields = Vec::new();
        for (column, cell) in row.cells.iter().enumerate() {
            let Some(field) = self.columns.get(column).copied().flatten() else {
                // Something in a column without a heading would otherwise be silently lost.
                if *cell != Cell::Empty {
                    errors.push(self.error(
                        row,
                        Some(column),
                        "This column has no heading: give it one of the register's, or empty it",
                    ));
                }
                continue;
            };
            let typed = typed_text(field, cell);
            if field == Field::Reference {
                if !typed.trim().is_empty() {
                    match parse_reference(&typed) {
                        Some(number) => reference = Some(number),
                        None => errors.push(self.error(
                            row,
                            Some(column),
                            "Enter a reference like R-07, or leave it empty for a new risk",
                        )),
                    }
                }
                continue;
            }
            let Some(name) = field.form_name() else {
                continue;
            };
            match form_value(field, &typed, partners) {
                Ok(value) => fields.push((name, value)),
                Err(message) => errors.push(self.error(row, Some(column), message)),
            }
        }
        if errors.is_empty() {
            Ok(RowForm {
                reference,
                form: RiskForm(fields),
            })
        } else {
            Err(errors)
        }
    }

    /// The form's messages, each on the cell of its field (on the row, if its column is absent:
    /// the shares' total when the first partner has no column, say).
    pub fn form_errors(
        &self,
        row: &Row,
        errors: &FormErrors,
        partners: &[Partner],
    ) -> Vec<CellError> {
        let by_name: HashMap<String, Field> = Field::all(partners)
            .into_iter()
            .filter_map(|field| field.form_name().map(|name| (name, field)))
            .collect();
        errors
            .iter()
            .map(|error| {
                let column = by_name
                    .get(error.field.as_ref())
                    .and_then(|field| self.column_of(*field))
                    .or_else(|| {
                        // A message about the shares as a whole: on the first share column.
                        error
                            .field
                            .starts_with("share_")
                            .then(|| {
                                self.columns
                                    .iter()
                                    .position(|column| matches!(column, Some(Field::Share(_))))
                            })
                            .flatten()
                    });
                self.error(row, column, error.message.clone())
            })
            .collect()
    }

    /// A message on `field`'s cell of `row`.
    pub fn error_at(&self, row: &Row, field: Field, message: impl Into<String>) -> CellError {
        self.error(row, self.column_of(field), message)
    }
}

/// A cell as the text a person would have typed, neutralisation undone (and without NUL
/// characters, which no database text can hold).
fn typed_text(field: Field, cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => shown(restore(text)),
        // Shortest exact form: 3, 62.5, 1500000.5 (money checks its own pence).
        Cell::Number(number) => number.to_string(),
        Cell::Date(date) => iso(*date),
        Cell::Bool(yes) => match (field, yes) {
            (Field::ActionDone(_), true) => "yes".to_owned(),
            (Field::ActionDone(_), false) => "no".to_owned(),
            (_, true) => "TRUE".to_owned(),
            (_, false) => "FALSE".to_owned(),
        },
    }
}

/// What the web form's field would hold for a cell typed as `typed`: choices go by their label
/// (as exported) or their key, organisations by name.
fn form_value(field: Field, typed: &str, partners: &[Partner]) -> Result<String, String> {
    let trimmed = typed.trim();
    let is = |label: &str, key: &str| {
        trimmed.eq_ignore_ascii_case(label) || trimmed.eq_ignore_ascii_case(key)
    };
    match field {
        Field::Category if !trimmed.is_empty() => Category::ALL
            .iter()
            .find(|category| is(category.label(), category.key()))
            .map(|category| category.key().to_owned())
            .ok_or_else(|| {
                let labels: Vec<&str> = Category::ALL.iter().map(|c| c.label()).collect();
                format!("The category must be one of: {}", labels.join(", "))
            }),
        Field::Status if !trimmed.is_empty() => RiskStatus::ALL
            .iter()
            .find(|status| is(status.label(), status.key()))
            .map(|status| status.key().to_owned())
            .ok_or_else(|| "The status must be Open, Closed or Reopened".to_owned()),
        Field::OwnerOrganisation if !trimmed.is_empty() => partners
            .iter()
            .find(|partner| partner.name.trim().eq_ignore_ascii_case(trimmed))
            .map(|partner| partner.id.to_string())
            .ok_or_else(|| format!("“{trimmed}” is not a partner in this area")),
        Field::ActionDone(_) => match trimmed.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "done" => Ok("yes".to_owned()),
            "no" | "n" | "false" | "" => Ok(String::new()),
            _ => Err("Enter Yes or No".to_owned()),
        },
        _ => Ok(typed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risks::Matrix;

    const KCC: OrganisationId = OrganisationId::new(3);
    const CCG: OrganisationId = OrganisationId::new(4);

    fn partners() -> Vec<Partner> {
        vec![
            Partner {
                id: KCC,
                name: "Kent County Council".to_owned(),
            },
            Partner {
                id: CCG,
                name: "NHS Ashford CCG".to_owned(),
            },
        ]
    }

    fn risk() -> RiskContent {
        let form: Vec<(String, String)> = [
            ("title", "=Activity does not fall"),
            ("cause", "Admissions keep rising"),
            ("event", "The pooled fund overspends"),
            ("effect", "-Partners bear the overspend"),
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
            ("action_1_done", "yes"),
            ("residual_likelihood", "2"),
            ("residual_impact", "3"),
            ("review", "2014-03-01"),
            ("status", "closed"),
            ("closure_reason", "Rebalanced"),
            ("share_3", "62.5"),
            ("share_4", "37.5"),
            ("exposure", "£1,500,000.50"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        RiskForm(form)
            .parse(&Matrix::npsa_5x5(), &[KCC, CCG])
            .unwrap()
    }

    /// A row as a spreadsheet gives it back: typed cells where the export wrote them.
    fn as_read(values: &[Value]) -> Row {
        Row {
            index: 4,
            cells: values
                .iter()
                .map(|value| match value {
                    Value::Empty => Cell::Empty,
                    Value::Text(text) => Cell::Text(super::super::neutralise(text)),
                    Value::Number(n) => Cell::Number(f64::from(*n)),
                    Value::Date(date) => Cell::Date(*date),
                    Value::Money(pence) => Cell::Number(pence.get() as f64 / 100.0),
                    Value::Percent(points) => Cell::Number(f64::from(*points) / 100.0),
                })
                .collect(),
        }
    }

    #[test]
    fn columns_follow_the_reference_and_a_row_reads_back_as_the_same_risk() {
        let partners = partners();
        let risk = risk();
        let (headers, rows) = export(&[(7, &risk)], &partners);
        assert_eq!(headers[0], "Reference");
        assert_eq!(headers[11], "Score");
        assert_eq!(
            headers[14..18],
            [
                "Action 1",
                "Action 1 owner",
                "Action 1 due",
                "Action 1 done"
            ]
        );
        assert_eq!(
            headers[headers.len() - 3..],
            [
                "Share: Kent County Council (%)",
                "Share: NHS Ashford CCG (%)",
                "Financial exposure (£)"
            ]
        );
        let row = &rows[0];
        assert_eq!(row[0], Value::Text("R-07".to_owned()));
        assert_eq!(row[11], Value::Number(16));
        assert_eq!(row[12], Value::Text("Extreme".to_owned()));
        assert_eq!(row[row.len() - 1], Value::Money(Pence::new(150_000_050)));
        assert_eq!(row[row.len() - 3], Value::Percent(6_250));

        let layout = Layout::read(&headers, &partners).unwrap();
        let read = layout.form(&as_read(row), &partners).unwrap();
        assert_eq!(read.reference, Some(7));
        let again = read.form.parse(&Matrix::npsa_5x5(), &[KCC, CCG]).unwrap();
        assert_eq!(again, risk);
    }

    #[test]
    fn headings_in_any_order_and_case_but_none_unknown_or_missing() {
        let partners = partners();
        let (mut headers, _) = export(&[], &partners);
        headers.reverse();
        headers[0] = headers[0].to_uppercase();
        assert!(Layout::read(&headers, &partners).is_ok());
        let mut unknown = headers.clone();
        unknown.push("Colour".to_owned());
        assert_eq!(
            Layout::read(&unknown, &partners).unwrap_err(),
            FileProblem::UnknownColumns("“Colour”".to_owned())
        );
        let missing: Vec<String> = headers
            .iter()
            .filter(|h| *h != "Title" && *h != "Likelihood")
            .cloned()
            .collect();
        assert_eq!(
            Layout::read(&missing, &partners).unwrap_err(),
            FileProblem::MissingColumns("“Title”, “Likelihood”".to_owned())
        );
        // Computed columns and shares may be left out.
        let fewer: Vec<String> = headers
            .iter()
            .filter(|h| !h.contains("score") && !h.contains("Score") && !h.starts_with("Share"))
            .cloned()
            .collect();
        assert!(Layout::read(&fewer, &partners).is_ok());
    }

    #[test]
    fn cells_that_cannot_be_form_values_are_named() {
        let partners = partners();
        let risk = risk();
        let (headers, rows) = export(&[(7, &risk)], &partners);
        let layout = Layout::read(&headers, &partners).unwrap();
        let mut row = as_read(&rows[0]);
        row.cells[5] = Cell::Text("Weather".to_owned());
        row.cells[6] = Cell::Text("NHS Elsewhere CCG".to_owned());
        row.cells[0] = Cell::Text("Seven".to_owned());
        let errors = layout.form(&row, &partners).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown[0],
            "Row 5, column Reference (A5): Enter a reference like R-07, or leave it empty for a new risk"
        );
        assert!(
            shown[1]
                .starts_with("Row 5, column Category (F5): The category must be one of: Financial")
        );
        assert_eq!(
            shown[2],
            "Row 5, column Owner organisation (G5): “NHS Elsewhere CCG” is not a partner in this area"
        );

        // The form's own rules, on the cell of their field.
        let mut row = as_read(&rows[0]);
        row.cells[9] = Cell::Number(6.0);
        let form = layout.form(&row, &partners).unwrap().form;
        let errors = form.parse(&Matrix::npsa_5x5(), &[KCC, CCG]).unwrap_err();
        let cells = layout.form_errors(&row, &errors, &partners);
        assert_eq!(
            cells[0].to_string(),
            "Row 5, column Likelihood (J5): Likelihood must be between 1 and 5"
        );
    }

    #[test]
    fn references_as_people_type_them() {
        assert_eq!(parse_reference("R-07"), Some(7));
        assert_eq!(parse_reference("r7"), Some(7));
        assert_eq!(parse_reference("12"), Some(12));
        assert_eq!(parse_reference("R-0"), None);
        assert_eq!(parse_reference("R-+7"), None);
        assert_eq!(parse_reference("Seven"), None);
        assert_eq!(percent_number(6_250), "62.5");
        assert_eq!(percent_number(3_333), "33.33");
        assert_eq!(percent_number(10_000), "100");
    }
}
