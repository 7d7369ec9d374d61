//! The register as CSV: UTF-8 with a byte-order mark (so that Excel reads £ and accents), one
//! header row, text neutralised against formula injection; and reading one back.

use super::columns::Value;
use super::{Cell, FileProblem, MAX_COLUMNS, MAX_ROWS, Row, Table, neutralise};

const BOM: &str = "\u{feff}";

/// The file: the header row, then one row per risk.
pub fn write(headers: &[String], rows: &[Vec<Value>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    writer.write_record(headers.iter().map(|header| neutralise(header)))?;
    for row in rows {
        writer.write_record(row.iter().map(text))?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// How a value is written in CSV: dates as 2014-03-27, money in pounds with its pence.
fn text(value: &Value) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Text(text) => neutralise(text),
        Value::Number(number) => number.to_string(),
        Value::Date(date) => crate::risks::content::iso(*date),
        Value::Money(pence) => {
            let pence = pence.get();
            format!("{}.{:02}", pence / 100, pence % 100)
        }
        Value::Percent(points) => super::columns::percent_number(*points),
    }
}

/// Reads a CSV file: every cell as text (neutralisation undone later, with the column known);
/// rows left wholly empty are skipped.
pub fn read(bytes: &[u8]) -> Result<Table, FileProblem> {
    let bytes = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut table = Table::default();
    let mut rows = 0;
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|error| FileProblem::Unreadable {
            format: "CSV",
            detail: error.to_string(),
        })?;
        if record.len() > MAX_COLUMNS {
            return Err(FileProblem::TooManyColumns);
        }
        if index == 0 {
            table.headers = record
                .iter()
                .map(|header| header.trim().to_owned())
                .collect();
            continue;
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows <= MAX_ROWS {
            table.rows.push(Row {
                index,
                cells: record
                    .iter()
                    .map(|cell| {
                        if cell.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(cell.to_owned())
                        }
                    })
                    .collect(),
            });
        }
    }
    if rows > MAX_ROWS {
        return Err(FileProblem::TooManyRows { rows });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::money::Pence;

    #[test]
    fn written_and_read_back() {
        let date = time::macros::date!(2014 - 03 - 27);
        let headers: Vec<String> = [
            "Title",
            "Date raised",
            "Exposure",
            "Impact",
            "Share",
            "Owner",
        ]
        .map(str::to_owned)
        .to_vec();
        let rows = vec![vec![
            Value::Text("=HYPERLINK(\"x\")".to_owned()),
            Value::Date(date),
            Value::Money(Pence::new(150_000_050)),
            Value::Number(4),
            Value::Percent(6_250),
            Value::Empty,
        ]];
        let bytes = write(&headers, &rows).unwrap();
        assert!(bytes.starts_with(BOM.as_bytes()));
        let table = read(&bytes).unwrap();
        assert_eq!(table.headers, headers);
        assert_eq!(
            table.rows,
            [Row {
                index: 1,
                cells: vec![
                    Cell::Text("'=HYPERLINK(\"x\")".to_owned()),
                    Cell::Text("2014-03-27".to_owned()),
                    Cell::Text("1500000.50".to_owned()),
                    Cell::Text("4".to_owned()),
                    Cell::Text("62.5".to_owned()),
                    Cell::Empty,
                ]
            }]
        );
    }

    #[test]
    fn too_many_rows_are_counted_and_refused() {
        let mut file = String::from("Reference,Title\n");
        for n in 0..10_000 {
            file.push_str(&format!(",Risk {n}\n"));
        }
        assert_eq!(
            read(file.as_bytes()),
            Err(FileProblem::TooManyRows { rows: 10_000 })
        );
        // Empty rows (as spreadsheets leave them) are not risks.
        let table = read(b"Reference,Title\n,,\n,A risk\n\n").unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].index, 2);
    }
}
