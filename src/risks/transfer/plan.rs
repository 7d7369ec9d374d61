//! What importing a file would do to the register: the risks it would add (rows without a
//! reference), the risks it would change (rows whose reference is in the register and whose
//! content differs), how many rows match the register already, and every problem, on its cell.
//! A reference that is not in the register is an error, not an addition: references are handed
//! out by the register, so a stranger one means a row from elsewhere (another area's file, a
//! deleted row), and adding it under a new number would mislead.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::columns::{CellError, Field, Layout, Partner, reference};
use super::{FileProblem, Table};
use crate::areas::OrganisationId;
use crate::risks::RiskId;
use crate::risks::content::{self, RiskContent, RiskForm};
use crate::risks::matrix::Matrix;

/// A risk in the register now, as an import compares with it.
#[derive(Clone, Debug)]
pub struct Existing<'a> {
    pub id: RiskId,
    pub number: i32,
    pub version: i32,
    pub content: &'a RiskContent,
}

/// A risk the import adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addition {
    /// The row of the file, as the spreadsheet numbers it.
    pub row: usize,
    pub content: RiskContent,
}

/// A risk the import changes, and the version it was compared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub row: usize,
    pub risk_id: RiskId,
    pub number: i32,
    /// The version the preview showed: confirming refuses if the risk has moved on since.
    pub version: i32,
    pub content: RiskContent,
}

/// What an import would do; nothing in it is written until it is confirmed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub additions: Vec<Addition>,
    pub amendments: Vec<Amendment>,
    pub unchanged: usize,
}

impl Plan {
    pub fn changes_nothing(&self) -> bool {
        self.additions.is_empty() && self.amendments.is_empty()
    }
}

/// Why an import cannot go ahead: the file as a whole, or some of its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    File(FileProblem),
    Rows(Vec<CellError>),
}

/// Who may do what in this import: `may_edit(owner)` whether the importer may change or add a
/// risk owned by `owner` (the lead any; an officer their own organisation's).
pub struct Importer<'a> {
    pub may_edit: &'a dyn Fn(OrganisationId) -> bool,
}

/// Works out what importing `table` into a register holding `existing` would do, each row
/// parsed by the web form's own rules under the area's current `matrix`.
pub fn plan(
    table: &Table,
    partners: &[Partner],
    matrix: &Matrix,
    existing: &[Existing<'_>],
    importer: &Importer<'_>,
) -> Result<Plan, Refusal> {
    let layout = Layout::read(&table.headers, partners).map_err(Refusal::File)?;
    let ids: Vec<OrganisationId> = partners.iter().map(|partner| partner.id).collect();
    let name = |id: OrganisationId| {
        partners
            .iter()
            .find(|partner| partner.id == id)
            .map_or_else(
                || format!("Organisation {id}"),
                |partner| partner.name.clone(),
            )
    };
    let by_number: HashMap<i32, &Existing<'_>> =
        existing.iter().map(|risk| (risk.number, risk)).collect();
    let mut seen: HashMap<i32, usize> = HashMap::new();
    let mut plan = Plan::default();
    let mut errors = Vec::new();
    for row in &table.rows {
        let line = row.index + 1;
        let read = match layout.form(row, partners) {
            Ok(read) => read,
            Err(problems) => {
                errors.extend(problems);
                continue;
            }
        };
        let current = match read.reference {
            None => None,
            Some(number) => {
                if let Some(first) = seen.insert(number, line) {
                    errors.push(layout.error_at(
                        row,
                        Field::Reference,
                        format!(
                            "{} is also on row {first}: each risk may be on one row only",
                            reference(number)
                        ),
                    ));
                    continue;
                }
                match by_number.get(&number) {
                    Some(risk) => Some(*risk),
                    None => {
                        errors.push(layout.error_at(
                            row,
                            Field::Reference,
                            format!(
                                "{} is not in this register: leave the reference empty to add a new risk",
                                reference(number)
                            ),
                        ));
                        continue;
                    }
                }
            }
        };
        let content = match read.form.parse(matrix, &ids) {
            Ok(content) => content,
            // A row just as the risk stands is unchanged, even when today's rules would refuse
            // it (rated on a matrix the area has since changed, say): re-importing an export
            // never asks for work on rows nobody touched.
            Err(_) if current.is_some_and(|risk| reads_as(&read.form, risk.content, &ids)) => {
                plan.unchanged += 1;
                continue;
            }
            Err(problems) => {
                errors.extend(layout.form_errors(row, &problems, partners));
                continue;
            }
        };
        let owner = content.owner_organisation_id;
        match current {
            Some(risk) => {
                if content::changes(risk.content, &content, &name).is_empty() {
                    plan.unchanged += 1;
                    continue;
                }
                let was = risk.content.owner_organisation_id;
                if !(importer.may_edit)(was) {
                    errors.push(layout.error_at(
                        row,
                        Field::OwnerOrganisation,
                        format!(
                            "{} is {}’s risk: only the area lead or its own officers can change it",
                            reference(risk.number),
                            name(was)
                        ),
                    ));
                } else if !(importer.may_edit)(owner) {
                    errors.push(refused_owner(&layout, row));
                } else {
                    plan.amendments.push(Amendment {
                        row: line,
                        risk_id: risk.id,
                        number: risk.number,
                        version: risk.version,
                        content,
                    });
                }
            }
            None if !(importer.may_edit)(owner) => errors.push(refused_owner(&layout, row)),
            None => plan.additions.push(Addition { row: line, content }),
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(Refusal::Rows(errors))
    }
}

/// Whether every field of `form` holds what the risk's own form shows for it.
fn reads_as(form: &RiskForm, risk: &RiskContent, partners: &[OrganisationId]) -> bool {
    let shown = RiskForm::from_content(risk, partners);
    form.0
        .iter()
        .all(|(name, value)| shown.get(name).trim() == value.trim())
}

fn refused_owner(layout: &Layout, row: &super::Row) -> CellError {
    layout.error_at(
        row,
        Field::OwnerOrganisation,
        "Give the risk your own organisation: only the area lead can give a risk to another organisation",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risks::matrix::{Band, BandColour};
    use crate::risks::transfer::columns::{Value, export};
    use crate::risks::transfer::{Cell, Row, neutralise};

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

    fn risk(title: &str, owner: OrganisationId) -> RiskContent {
        let owner = owner.to_string();
        let form: Vec<(String, String)> = [
            ("title", title),
            ("cause", "Admissions keep rising"),
            ("event", "The pooled fund overspends"),
            ("effect", "Partners bear the overspend"),
            ("category", "financial"),
            ("owner_organisation", owner.as_str()),
            ("owner_person", "Director of finance"),
            ("raised", "1/12/2013"),
            ("likelihood", "4"),
            ("impact", "4"),
            ("residual_likelihood", "2"),
            ("residual_impact", "3"),
            ("review", "2014-03-01"),
            ("status", "open"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        RiskForm(form)
            .parse(&Matrix::npsa_5x5(), &[KCC, CCG])
            .unwrap()
    }

    /// The export of `risks` as a CSV file gives it back (every cell text).
    fn exported(risks: &[(i32, &RiskContent)]) -> Table {
        let (headers, rows) = export(risks, &partners());
        Table {
            headers,
            rows: rows
                .iter()
                .enumerate()
                .map(|(index, values)| Row {
                    index: index + 1,
                    cells: values
                        .iter()
                        .map(|value| match value {
                            Value::Empty => Cell::Empty,
                            Value::Text(text) => Cell::Text(neutralise(text)),
                            Value::Number(n) => Cell::Text(n.to_string()),
                            Value::Date(date) => Cell::Date(*date),
                            Value::Money(pence) => Cell::Text(pence.to_string()),
                            Value::Percent(points) => Cell::Number(f64::from(*points) / 100.0),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn existing<'a>(risks: &'a [(i32, RiskContent)]) -> Vec<Existing<'a>> {
        risks
            .iter()
            .map(|(number, content)| Existing {
                id: RiskId::new(i64::from(*number) * 10),
                number: *number,
                version: 2,
                content,
            })
            .collect()
    }

    fn anyone(_: OrganisationId) -> bool {
        true
    }

    const LEAD: Importer<'static> = Importer { may_edit: &anyone };

    #[test]
    fn an_unchanged_export_changes_nothing() {
        let register = [(1, risk("First", KCC)), (2, risk("Second", CCG))];
        let table = exported(&[(1, &register[0].1), (2, &register[1].1)]);
        let plan = plan(
            &table,
            &partners(),
            &Matrix::npsa_5x5(),
            &existing(&register),
            &LEAD,
        )
        .unwrap();
        assert!(plan.changes_nothing());
        assert_eq!(plan.unchanged, 2);
    }

    #[test]
    fn an_unchanged_export_of_risks_rated_on_an_earlier_matrix_changes_nothing() {
        // Rated 4 × 4 on the 5×5; the area now rates on a 3×3, where 4 is no level.
        let register = [(1, risk("First", KCC))];
        let table = exported(&[(1, &register[0].1)]);
        let labels = |n: usize| (1..=n).map(|level| format!("Level {level}")).collect();
        let three_by_three = Matrix::new(
            labels(3),
            labels(3),
            vec![
                Band::new("Low", BandColour::Green, 1),
                Band::new("High", BandColour::Red, 4),
            ],
        )
        .unwrap();
        let plan = plan(
            &table,
            &partners(),
            &three_by_three,
            &existing(&register),
            &LEAD,
        )
        .unwrap();
        assert!(plan.changes_nothing());
        assert_eq!(plan.unchanged, 1);
        // Changed, the same row is rated again and refused by its cell.
        let mut edited = table.clone();
        let title = edited.headers.iter().position(|h| h == "Title").unwrap();
        edited.rows[0].cells[title] = Cell::Text("First, renamed".into());
        assert!(matches!(
            plan_of(&edited, &three_by_three, &register),
            Err(Refusal::Rows(_))
        ));
    }

    fn plan_of(
        table: &Table,
        matrix: &Matrix,
        register: &[(i32, RiskContent)],
    ) -> Result<Plan, Refusal> {
        plan(table, &partners(), matrix, &existing(register), &LEAD)
    }

    #[test]
    fn rows_without_a_reference_are_added_and_edited_rows_changed() {
        let register = [(1, risk("First", KCC)), (2, risk("Second", CCG))];
        let edited = risk("First, edited", KCC);
        let new = risk("A new one", KCC);
        let mut table = exported(&[(1, &edited), (2, &register[1].1), (3, &new)]);
        table.rows[2].cells[0] = Cell::Empty;
        let plan = plan(
            &table,
            &partners(),
            &Matrix::npsa_5x5(),
            &existing(&register),
            &LEAD,
        )
        .unwrap();
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.amendments.len(), 1);
        assert_eq!(plan.amendments[0].number, 1);
        assert_eq!(plan.amendments[0].version, 2);
        assert_eq!(plan.amendments[0].row, 2);
        assert_eq!(plan.amendments[0].content, edited);
        assert_eq!(
            plan.additions,
            [Addition {
                row: 4,
                content: new
            }]
        );
    }

    #[test]
    fn an_officer_changes_only_their_organisations_risks() {
        let register = [(1, risk("Ours", KCC)), (2, risk("Theirs", CCG))];
        let table = exported(&[
            (1, &risk("Ours, edited", KCC)),
            (2, &risk("Theirs, edited", CCG)),
        ]);
        let officer = Importer {
            may_edit: &|owner| owner == KCC,
        };
        let Err(Refusal::Rows(errors)) = plan(
            &table,
            &partners(),
            &Matrix::npsa_5x5(),
            &existing(&register),
            &officer,
        ) else {
            panic!("the other organisation's risk is refused");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "Row 3, column Owner organisation (G3): R-02 is NHS Ashford CCG’s risk: only the area lead or its own officers can change it"
        );
        // Unchanged, the other organisation's row is no business of the import.
        let table = exported(&[(1, &risk("Ours, edited", KCC)), (2, &register[1].1)]);
        let plan = plan(
            &table,
            &partners(),
            &Matrix::npsa_5x5(),
            &existing(&register),
            &officer,
        )
        .unwrap();
        assert_eq!((plan.amendments.len(), plan.unchanged), (1, 1));
    }

    #[test]
    fn unknown_and_repeated_references_are_errors() {
        let register = [(1, risk("First", KCC))];
        let table = exported(&[
            (1, &risk("Edited", KCC)),
            (1, &risk("Again", KCC)),
            (9, &risk("Stray", KCC)),
        ]);
        let Err(Refusal::Rows(errors)) = plan(
            &table,
            &partners(),
            &Matrix::npsa_5x5(),
            &existing(&register),
            &LEAD,
        ) else {
            panic!("refused");
        };
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Row 3, column Reference (A3): R-01 is also on row 2: each risk may be on one row only",
                "Row 4, column Reference (A4): R-09 is not in this register: leave the reference empty to add a new risk",
            ]
        );
    }
}
