//! The workbook file: writing every sheet (bold, frozen header rows with filters, money as
//! numbers formatted as £, dates as dates, text neutralised), and reading back the sheets an
//! import takes, cell by cell as the file streams them, with the cells holding formulas noted
//! (each is refused on its row, by its cell).

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{Sheet, Value};
use crate::risks::transfer::xlsx::{DATE_FORMAT, MONEY_FORMAT, cell_of};
use crate::risks::transfer::{Cell, neutralise};

/// The most rows of one sheet an import reads: above any plan's funding lines or schemes.
pub const MAX_ROWS: usize = 10_000;
/// The most columns read from a sheet: far above ours, a bound on a hostile sheet.
pub const MAX_COLUMNS: usize = 200;

/// The workbook holding `sheets`.
pub fn write(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let heading = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let date = Format::new().set_num_format(DATE_FORMAT);
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(sheet.name)?;
        for (column, header) in sheet.headers.iter().enumerate() {
            worksheet.write_string_with_format(0, at(column)?, neutralise(header), &heading)?;
        }
        for (index, row) in sheet.rows.iter().enumerate() {
            let line = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (column, value) in row.iter().enumerate() {
                let column = at(column)?;
                match value {
                    Value::Empty => {}
                    Value::Text(text) => {
                        worksheet.write_string(line, column, neutralise(text))?;
                    }
                    Value::Number(number) => {
                        worksheet.write_number(line, column, *number)?;
                    }
                    Value::Money(pence) => {
                        // Exact: under £10bn, whole pence are well within a double's precision.
                        let pounds = pence.get() as f64 / 100.0;
                        worksheet.write_number_with_format(line, column, pounds, &money)?;
                    }
                    Value::Date(day) => {
                        let day = crate::risks::transfer::xlsx::excel_date(*day)?;
                        worksheet.write_date_with_format(line, column, &day, &date)?;
                    }
                }
            }
        }
        // Wide enough to read, never wider than a screen's third.
        worksheet.set_autofit_max_width(400).autofit();
        worksheet.set_freeze_panes(1, 0)?;
        if let (Some(last), false) = (sheet.headers.len().checked_sub(1), sheet.rows.is_empty()) {
            let last_row =
                u32::try_from(sheet.rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
            worksheet.autofilter(0, 0, last_row, at(last)?)?;
        }
    }
    workbook.save_to_buffer()
}

fn at(column: usize) -> Result<u16, XlsxError> {
    u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)
}

/// One row of a sheet read back: where it is (from 0, the header row being 0), its cells, and
/// the columns whose cells hold formulas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub index: usize,
    pub cells: Vec<Cell>,
    pub formulas: Vec<usize>,
}

impl Row {
    pub fn cell(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }
}

/// A sheet read back: its header row, and each row after it that holds anything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    /// The header row's own formulas, by column.
    pub header_formulas: Vec<usize>,
    pub rows: Vec<Row>,
}

/// The largest workbook an import takes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// Why a file cannot be imported at all; the `Display` is shown by the file field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("Choose the plan's workbook (.xlsx) to import")]
    NoFile,
    #[error("The file must be 20 MB or smaller")]
    TooLarge,
    #[error(
        "The file is not an Excel workbook (.xlsx): export the plan's workbook, edit it and upload it"
    )]
    NotAWorkbook,
    #[error("The file could not be read as an Excel workbook: {0}")]
    Unreadable(String),
    #[error(
        "The workbook has no sheet called Funding or Schemes: keep the sheets' names as exported"
    )]
    NoSheets,
    #[error("The {sheet} sheet has {rows} rows; an import can hold at most 10,000")]
    TooManyRows { sheet: &'static str, rows: usize },
    #[error("The {0} sheet has more than 200 columns")]
    TooManyColumns(&'static str),
}

/// The sheets an import takes, each if the workbook has it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Book {
    pub funding: Option<Table>,
    pub schemes: Option<Table>,
}

/// Reads the Funding and Schemes sheets of a workbook (its other sheets are not read).
pub fn read(bytes: &[u8]) -> Result<Book, FileProblem> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(FileProblem::NotAWorkbook);
    }
    let mut workbook = Xlsx::new(Cursor::new(bytes))
        .map_err(|error| FileProblem::Unreadable(error.to_string()))?;
    let names = workbook.sheet_names();
    let named = |wanted: &str| {
        names
            .iter()
            .find(|name| name.trim().eq_ignore_ascii_case(wanted))
            .cloned()
    };
    let (funding, schemes) = (named(super::sheets::FUNDING), named(super::sheets::SCHEMES));
    if funding.is_none() && schemes.is_none() {
        return Err(FileProblem::NoSheets);
    }
    let mut book = Book::default();
    if let Some(name) = funding {
        book.funding = Some(read_sheet(&mut workbook, &name, super::sheets::FUNDING)?);
    }
    if let Some(name) = schemes {
        book.schemes = Some(read_sheet(&mut workbook, &name, super::sheets::SCHEMES)?);
    }
    Ok(book)
}

fn read_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    sheet: &'static str,
) -> Result<Table, FileProblem> {
    let unreadable = |error: calamine::XlsxError| FileProblem::Unreadable(error.to_string());
    let mut cells = workbook.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut table = Table::default();
    let mut current: Option<Row> = None;
    let mut rows = 0;
    while let Some(record) = cells
        .next_cell_with_formula_metadata()
        .map_err(unreadable)?
    {
        let (row, column) = (record.pos.0 as usize, record.pos.1 as usize);
        let formula = record.formula.is_some();
        let cell = cell_of(record.value);
        if cell == Cell::Empty && !formula {
            continue;
        }
        if column >= MAX_COLUMNS {
            return Err(FileProblem::TooManyColumns(sheet));
        }
        if row == 0 {
            if table.headers.len() <= column {
                table.headers.resize(column + 1, String::new());
            }
            table.headers[column] = match cell {
                Cell::Text(text) => text.trim().to_owned(),
                Cell::Number(number) => number.to_string(),
                _ => String::new(),
            };
            if formula {
                table.header_formulas.push(column);
            }
            continue;
        }
        if current.as_ref().is_none_or(|open| open.index != row) {
            rows += 1;
            if let Some(done) = current.take() {
                table.rows.push(done);
            }
            if rows <= MAX_ROWS {
                current = Some(Row {
                    index: row,
                    ..Row::default()
                });
            }
        }
        if let Some(open) = current.as_mut() {
            if open.cells.len() <= column {
                open.cells.resize(column + 1, Cell::Empty);
            }
            open.cells[column] = cell;
            if formula {
                open.formulas.push(column);
            }
        }
    }
    if let Some(done) = current {
        table.rows.push(done);
    }
    if rows > MAX_ROWS {
        return Err(FileProblem::TooManyRows { sheet, rows });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::money::Pence;

    #[test]
    fn sheets_are_written_and_the_import_sheets_read_back_with_types_and_formulas() {
        let sheets = [
            Sheet {
                name: "Funding",
                headers: vec!["Organisation".into(), "Amount".into()],
                rows: vec![vec![
                    Value::Text("=HYPERLINK(1)".into()),
                    Value::Money(Pence::new(150_000_050)),
                ]],
            },
            Sheet {
                name: "Checks",
                headers: vec!["Check".into()],
                rows: Vec::new(),
            },
        ];
        let bytes = write(&sheets).unwrap();
        let book = read(&bytes).unwrap();
        let funding = book.funding.unwrap();
        assert_eq!(funding.headers, ["Organisation", "Amount"]);
        assert_eq!(
            funding.rows[0].cells,
            [
                Cell::Text("'=HYPERLINK(1)".into()),
                Cell::Number(1_500_000.5)
            ]
        );
        assert!(book.schemes.is_none());

        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Schemes").unwrap();
        sheet.write_string(0, 0, "Name").unwrap();
        sheet.write_string(1, 0, "A scheme").unwrap();
        sheet.write_formula(4, 3, "=1+1").unwrap();
        let book = read(&workbook.save_to_buffer().unwrap()).unwrap();
        let schemes = book.schemes.unwrap();
        assert_eq!(schemes.rows.len(), 2);
        assert_eq!(
            (schemes.rows[1].index, &schemes.rows[1].formulas[..]),
            (4, &[3][..])
        );
    }

    #[test]
    fn files_that_are_not_our_workbook_are_refused() {
        assert_eq!(
            read(b"Organisation,Amount\n"),
            Err(FileProblem::NotAWorkbook)
        );
        assert!(matches!(
            read(b"PK\x03\x04 not a zip"),
            Err(FileProblem::Unreadable(_))
        ));
        let mut workbook = Workbook::new();
        workbook.add_worksheet().set_name("Other").unwrap();
        assert_eq!(
            read(&workbook.save_to_buffer().unwrap()),
            Err(FileProblem::NoSheets)
        );
    }
}
