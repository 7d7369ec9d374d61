//! Exporting an area's register to CSV and Excel, and importing one back (issue 9, item 7).
//! The column list and the mapping of a row to and from a risk form are in [`columns`]; the two
//! file formats in [`csv`] and [`xlsx`]; what an import would do (adds, changes, unchanged rows
//! and errors naming the cell) in [`plan`]. All pure: the pages are in `routes/transfer.rs`, the
//! pending imports in `store/imports.rs`.

pub mod columns;
pub mod csv;
pub mod plan;
pub mod xlsx;

use time::Date;

use crate::web::upload::UploadProblem;

/// The most risks one import may hold: as many as a register lists (`store::MAX_RISKS`).
pub const MAX_ROWS: usize = 2_000;
/// The most columns read from a file: far above the register's, a bound on a hostile sheet.
pub const MAX_COLUMNS: usize = 200;
/// The largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// A value read from one cell of a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(Date),
    Bool(bool),
}

/// A sheet read from a file: the header row, and each row after it that holds anything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One row of a sheet: where it is (from 0, the header row being 0) and its cells, as wide as
/// it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub index: usize,
    pub cells: Vec<Cell>,
}

/// Why a file cannot be read as a register at all; the `Display` is shown by the file field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("Choose a CSV or Excel (.xlsx) file to import")]
    NoFile,
    #[error("The file must be 20 MB or smaller")]
    TooLarge,
    #[error("The file is not a CSV or Excel (.xlsx) file")]
    NotASpreadsheet,
    #[error(
        "The file is an old Excel (.xls) workbook: save it as an Excel Workbook (.xlsx) or as CSV and upload that"
    )]
    OldExcel,
    #[error("The file could not be read as {format}: {detail}")]
    Unreadable {
        format: &'static str,
        detail: String,
    },
    #[error("The file is empty: it needs a header row and a row for each risk")]
    Empty,
    #[error("The file has {} rows of risks; an import can hold at most 2,000", grouped(*.rows))]
    TooManyRows { rows: usize },
    #[error("The file has more than 200 columns")]
    TooManyColumns,
    #[error(
        "Cell {cell} holds a formula: the import takes values only, so replace formulas with their values (Paste Special, Values)"
    )]
    Formula { cell: String },
    #[error("The file has no column {0}")]
    MissingColumns(String),
    #[error("The file has a column the register does not know: {0}")]
    UnknownColumns(String),
}

/// What the register's import says when no file could be read from the request.
impl From<UploadProblem> for FileProblem {
    fn from(problem: UploadProblem) -> FileProblem {
        match problem {
            UploadProblem::NoFile => FileProblem::NoFile,
            UploadProblem::TooLarge => FileProblem::TooLarge,
            UploadProblem::Unreadable(detail) => FileProblem::Unreadable {
                format: "an upload",
                detail,
            },
        }
    }
}

/// A count with thousands separated: 10,000.
fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The kind of a file, told from its content (not its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// An .xlsx is a ZIP archive; an old .xls a compound document; CSV is text.
    pub fn of(bytes: &[u8]) -> Result<FileKind, FileProblem> {
        if bytes.is_empty() {
            return Err(FileProblem::Empty);
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(FileKind::Xlsx);
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(FileProblem::OldExcel);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| FileProblem::NotASpreadsheet)?;
        // Text with control characters other than tab and line ends is not a CSV.
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        {
            return Err(FileProblem::NotASpreadsheet);
        }
        Ok(FileKind::Csv)
    }

    /// Reads the table the file holds.
    pub fn read(self, bytes: &[u8]) -> Result<Table, FileProblem> {
        let table = match self {
            FileKind::Csv => csv::read(bytes)?,
            FileKind::Xlsx => xlsx::read(bytes)?,
        };
        if table.headers.iter().all(|header| header.trim().is_empty()) {
            return Err(FileProblem::Empty);
        }
        Ok(table)
    }
}

/// The characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
/// return, shift it into one).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text made safe to open in a spreadsheet: one beginning like a formula gets a leading `'`, and
/// so does one already beginning with `'`, so that [`restore`] gives back exactly the text.
pub fn neutralise(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) || text.starts_with('\'') {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Undoes [`neutralise`]: drops the leading `'` it added. A `'` before anything else was typed
/// by someone, and stays.
pub fn restore(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest,
        _ => text,
    }
}

/// A cell's name as a spreadsheet shows it: column letters and row number ("J4"), both from 0.
pub fn cell_name(row: usize, column: usize) -> String {
    format!("{}{}", column_letters(column), row + 1)
}

fn column_letters(column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised_and_restored_exactly() {
        for text in [
            "=SUM(A1:A2)",
            "+44 20 7946 0000",
            "-ve growth",
            "@risk",
            "\tindented",
            "\rreturn",
            "'quoted",
            "''=twice",
            "plain",
            "",
        ] {
            let safe = neutralise(text);
            assert!(!safe.starts_with(FORMULA_STARTS), "{safe:?}");
            assert_eq!(restore(&safe), text);
        }
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("plain"), "plain");
        // A quote typed by someone before ordinary text is theirs.
        assert_eq!(restore("'tis the season"), "'tis the season");
    }

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(3, 9), "J4");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(0, 701), "ZZ1");
        assert_eq!(cell_name(0, 702), "AAA1");
    }

    #[test]
    fn files_are_told_apart_by_their_content() {
        assert_eq!(FileKind::of(b"PK\x03\x04rest"), Ok(FileKind::Xlsx));
        assert_eq!(FileKind::of(b"Reference,Title\n"), Ok(FileKind::Csv));
        assert_eq!(
            FileKind::of(&[0xD0, 0xCF, 0x11, 0xE0, 0]),
            Err(FileProblem::OldExcel)
        );
        assert_eq!(
            FileKind::of(b"\x89PNG\r\n\x1a\n"),
            Err(FileProblem::NotASpreadsheet)
        );
        assert_eq!(FileKind::of(b""), Err(FileProblem::Empty));
        assert_eq!(
            FileProblem::TooManyRows { rows: 10_000 }.to_string(),
            "The file has 10,000 rows of risks; an import can hold at most 2,000"
        );
    }
}
