//! The plan as the national workbook had it (issue 10, item 10): one Excel workbook with a sheet
//! per part (funding, notified minimums, schemes, metrics, conditions, engagement, and the
//! checks with their failures), a CSV file per part with the same columns, and importing the
//! workbook's funding lines and schemes back: a preview of what would be added and changed
//! (nothing written), then confirming it all or nothing, refused if anything it changes has
//! changed since the preview.
//!
//! Follows the risk register's export and import (`risks::transfer`): text neutralised against
//! formula injection, money as numbers formatted as £, dates as dates, the pending import kept
//! server-side for an hour for its uploader, errors naming the cell.
//!
//! Here: the values and sheets, CSV, and who may import. The sheets' columns and rows in
//! [`sheets`]; the workbook file in [`xlsx`]; what an import would do in [`import`]; SQL in
//! [`store`]; pages in [`routes`].

pub mod import;
pub mod routes;
pub mod sheets;
pub mod store;
pub mod xlsx;

use time::Date;

use crate::areas::AreaId;
use crate::auth::policy::Principal;
use crate::plans::parts::{funding, schemes};
use crate::plans::rules;
use crate::risks::transfer::neutralise;
use crate::web::money::Pence;

/// A value of one cell as exported: each kind gets its own cell type.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Money(Pence),
    Date(Date),
}

impl Value {
    /// Text, or an empty cell for none.
    pub fn text(text: &str) -> Value {
        if text.is_empty() {
            Value::Empty
        } else {
            Value::Text(text.to_owned())
        }
    }
}

/// One sheet of the workbook (or one CSV file): its name, header row and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub name: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

const BOM: &str = "\u{feff}";

/// The sheet as CSV, as the risk register's: UTF-8 with a byte-order mark (so that Excel reads
/// £ and accents), text neutralised, money in pounds with its pence, dates as 2015-03-31.
pub fn csv(sheet: &Sheet) -> Result<Vec<u8>, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(BOM.as_bytes().to_vec());
    writer.write_record(sheet.headers.iter().map(|header| neutralise(header)))?;
    for row in &sheet.rows {
        writer.write_record(row.iter().map(|value| match value {
            Value::Empty => String::new(),
            Value::Text(text) => neutralise(text),
            Value::Number(number) => number.to_string(),
            Value::Money(pence) => {
                let (sign, pence) = (if pence.get() < 0 { "-" } else { "" }, pence.get().abs());
                format!("{sign}{}.{:02}", pence / 100, pence % 100)
            }
            Value::Date(date) => crate::risks::content::iso(*date),
        }))?;
    }
    writer
        .into_inner()
        .map_err(|error| ::csv::Error::from(error.into_error()))
}

/// Who may import a workbook: whoever may change some of what it holds — their organisation's
/// funding lines, or the schemes (any editor of the area), and the lead (everything).
pub fn may_import(principal: &Principal<'_>, area_id: AreaId) -> bool {
    schemes::may_edit(principal, area_id)
        || funding::may_edit_lines(principal, area_id, rules::own_organisation(principal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_neutralised_text_money_in_pounds_and_iso_dates() {
        let sheet = Sheet {
            name: "Funding",
            headers: vec!["Name".into(), "Amount".into(), "Date".into(), "n".into()],
            rows: vec![vec![
                Value::Text("=SUM(A1)".into()),
                Value::Money(Pence::new(150_000_050)),
                Value::Date(time::macros::date!(2015 - 03 - 31)),
                Value::Number(12.5),
            ]],
        };
        let text = String::from_utf8(csv(&sheet).unwrap()).unwrap();
        assert_eq!(
            text,
            "\u{feff}Name,Amount,Date,n\n'=SUM(A1),1500000.50,2015-03-31,12.5\n"
        );
    }
}
