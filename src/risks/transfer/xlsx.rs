//! The register as an Excel workbook (one sheet: a bold, frozen header row, filters, money as
//! numbers formatted as £, dates as dates, text neutralised against formula injection); and
//! reading one back, streaming its cells so that a hostile sheet cannot make us build a huge
//! grid, and refusing formulas.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::columns::Value;
use super::{Cell, FileProblem, MAX_COLUMNS, MAX_ROWS, Row, Table, cell_name, neutralise};

/// The number format of money: pounds with thousands separators and pence.
pub const MONEY_FORMAT: &str = "£#,##0.00";
/// The number format of dates: 27/03/2014, as people in England write them.
pub const DATE_FORMAT: &str = "dd/mm/yyyy";

/// The workbook: the header row, then one row per risk.
pub fn write(headers: &[String], rows: &[Vec<Value>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Risk register")?;
    let heading = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let date = Format::new().set_num_format(DATE_FORMAT);
    let plain = Format::new();
    for (column, header) in headers.iter().enumerate() {
        let column = column_number(column)?;
        sheet.write_string_with_format(0, column, neutralise(header), &heading)?;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (index, row) in rows.iter().enumerate() {
        let at = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (column, value) in row.iter().enumerate() {
            let shown = match value {
                Value::Empty => 0,
                Value::Text(text) => {
                    sheet.write_string_with_format(
                        at,
                        column_number(column)?,
                        neutralise(text),
                        &plain,
                    )?;
                    text.chars().count()
                }
                Value::Number(number) => {
                    sheet.write_number_with_format(at, column_number(column)?, *number, &plain)?;
                    3
                }
                Value::Date(day) => {
                    let day = excel_date(*day)?;
                    sheet.write_date_with_format(at, column_number(column)?, &day, &date)?;
                    10
                }
                Value::Money(pence) => {
                    // Exact: under £10bn, whole pence are well within a double's precision.
                    let pounds = pence.get() as f64 / 100.0;
                    sheet.write_number_with_format(at, column_number(column)?, pounds, &money)?;
                    16
                }
                Value::Percent(points) => {
                    sheet.write_number_with_format(
                        at,
                        column_number(column)?,
                        f64::from(*points) / 100.0,
                        &plain,
                    )?;
                    6
                }
            };
            if let Some(width) = widths.get_mut(column) {
                *width = (*width).max(shown);
            }
        }
    }
    for (column, width) in widths.iter().enumerate() {
        // Wide enough to read, never wider than a screen's third.
        let width = (*width + 2).clamp(8, 50);
        sheet.set_column_width(column_number(column)?, u32::try_from(width).unwrap_or(50))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if let (Some(last), false) = (headers.len().checked_sub(1), rows.is_empty()) {
        let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.autofilter(0, 0, last_row, column_number(last)?)?;
    }
    workbook.save_to_buffer()
}

/// A day as Excel keeps dates.
pub fn excel_date(day: time::Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?,
        u8::from(day.month()),
        day.day(),
    )
}

fn column_number(column: usize) -> Result<u16, XlsxError> {
    u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Reads the first sheet of a workbook: its cells' values, or the first cell holding a formula.
pub fn read(bytes: &[u8]) -> Result<Table, FileProblem> {
    let unreadable = |error: calamine::XlsxError| FileProblem::Unreadable {
        format: "an Excel workbook",
        detail: error.to_string(),
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(first) = workbook.sheet_names().first().cloned() else {
        return Err(FileProblem::Empty);
    };
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable)?;
    let mut table = Table::default();
    let mut current: Option<Row> = None;
    let mut rows = 0;
    while let Some(record) = cells
        .next_cell_with_formula_metadata()
        .map_err(unreadable)?
    {
        let (row, column) = (record.pos.0 as usize, record.pos.1 as usize);
        if record.formula.is_some() {
            return Err(FileProblem::Formula {
                cell: cell_name(row, column),
            });
        }
        let cell = cell_of(record.value);
        if cell == Cell::Empty {
            continue;
        }
        if column >= MAX_COLUMNS {
            return Err(FileProblem::TooManyColumns);
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
                    cells: Vec::new(),
                });
            }
        }
        if let Some(open) = current.as_mut() {
            if open.cells.len() <= column {
                open.cells.resize(column + 1, Cell::Empty);
            }
            open.cells[column] = cell;
        }
    }
    if let Some(done) = current {
        table.rows.push(done);
    }
    if rows > MAX_ROWS {
        return Err(FileProblem::TooManyRows { rows });
    }
    Ok(table)
}

/// A cell's value as an import reads it (shared with the plan's workbook import).
pub(crate) fn cell_of(value: DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(text) if text.trim().is_empty() => Cell::Empty,
        DataRef::SharedString(text) if text.trim().is_empty() => Cell::Empty,
        DataRef::String(text) => Cell::Text(text),
        DataRef::SharedString(text) => Cell::Text(text.to_owned()),
        DataRef::Int(number) => Cell::Number(number as f64),
        DataRef::Float(number) => Cell::Number(number),
        DataRef::Bool(yes) => Cell::Bool(yes),
        DataRef::DateTime(moment) if moment.is_datetime() => {
            let (year, month, day, ..) = moment.to_ymd_hms_milli();
            time::Month::try_from(month)
                .ok()
                .and_then(|month| time::Date::from_calendar_date(i32::from(year), month, day).ok())
                .map_or(Cell::Number(moment.as_f64()), Cell::Date)
        }
        DataRef::DateTime(duration) => Cell::Number(duration.as_f64()),
        // "2014-03-27T00:00:00": the date is what matters.
        DataRef::DateTimeIso(text) => Cell::Text(text.split('T').next().unwrap_or("").to_owned()),
        DataRef::DurationIso(text) => Cell::Text(text),
        DataRef::Error(error) => Cell::Text(format!("#{error:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::money::Pence;

    #[test]
    fn written_and_read_back_with_types() {
        let day = time::macros::date!(2014 - 03 - 27);
        let headers = vec!["Reference".to_owned(), "Title".to_owned()];
        let rows = vec![
            vec![
                Value::Text("@SUM(1)".to_owned()),
                Value::Date(day),
                Value::Money(Pence::new(150_000_050)),
                Value::Number(4),
                Value::Percent(6_250),
            ],
            vec![Value::Empty, Value::Text("Second".to_owned())],
        ];
        let bytes = write(&headers, &rows).unwrap();
        let table = read(&bytes).unwrap();
        assert_eq!(table.headers, headers);
        assert_eq!(
            table.rows[0].cells,
            [
                Cell::Text("'@SUM(1)".to_owned()),
                Cell::Date(day),
                Cell::Number(1_500_000.5),
                Cell::Number(4.0),
                Cell::Number(62.5),
            ]
        );
        assert_eq!(table.rows[1].index, 2);
        assert_eq!(
            table.rows[1].cells,
            [Cell::Empty, Cell::Text("Second".to_owned())]
        );
    }

    #[test]
    fn formulas_are_refused_by_their_cell() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "Title").unwrap();
        sheet.write_formula(3, 2, "=1+1").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(
            read(&bytes),
            Err(FileProblem::Formula {
                cell: "C4".to_owned()
            })
        );
    }

    #[test]
    fn a_zip_that_is_not_a_workbook_is_unreadable() {
        assert!(matches!(
            read(b"PK\x03\x04 not really a zip"),
            Err(FileProblem::Unreadable { .. })
        ));
    }
}
