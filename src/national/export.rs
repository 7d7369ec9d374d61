//! The national view as files: the same columns as the page, one row per area and a totals row,
//! as CSV (UTF-8 with a byte-order mark, money in pounds as plain numbers) and as an Excel
//! workbook (money and metric values as numbers, formatted; the submission day as a date). Text
//! that a spreadsheet would run as a formula is neutralised, as the risk register's exports do.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use time::Date;

use super::table::{Row, Totals};
use crate::plans::parts::metrics::MetricValue;
use crate::plans::templates::structure::CycleStructure;
use crate::risks::transfer::neutralise;
use crate::risks::transfer::xlsx::{DATE_FORMAT, MONEY_FORMAT, excel_date};
use crate::web::money::Pence;

/// One cell of an export.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Money(Pence),
    Decimal(MetricValue),
    Date(Date),
}

/// The header row and the rows (the areas', then the totals'), as the files hold them.
pub fn table(
    structure: &CycleStructure,
    rows: &[Row],
    totals: &Totals,
) -> (Vec<String>, Vec<Vec<Value>>) {
    let mut headers: Vec<String> = vec!["Area".into(), "Region".into(), "Plan state".into()];
    for year in structure.years() {
        headers.push(format!("Pooled fund {} (£)", year.label));
    }
    for year in structure.years() {
        headers.push(format!("Scheme spend {} (£)", year.label));
    }
    for metric in structure.metrics() {
        for what in [
            "baseline",
            "baseline period",
            "goal",
            "goal period",
            "planned change",
        ] {
            headers.push(format!("{}: {what}", metric.name));
        }
    }
    headers.push("Submitted".into());
    headers.push("On time or late".into());

    let money = |amount: &Option<Pence>| amount.map_or(Value::Empty, Value::Money);
    let text = |text: String| {
        if text.is_empty() {
            Value::Empty
        } else {
            Value::Text(text)
        }
    };
    let mut lines: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| {
            let mut line = vec![
                Value::Text(row.area.name.clone()),
                text(row.area.region.clone().unwrap_or_default()),
                Value::Text(row.state.label().to_owned()),
            ];
            line.extend(row.pooled.iter().map(money));
            line.extend(row.spend.iter().map(money));
            for metric in &row.metrics {
                let baseline = metric.baseline.as_ref();
                line.push(baseline.map_or(Value::Empty, |b| Value::Decimal(b.value)));
                line.push(text(baseline.map(|b| b.period.clone()).unwrap_or_default()));
                let goal = metric.goal.as_ref();
                line.push(goal.map_or(Value::Empty, |(_, value)| Value::Decimal(*value)));
                line.push(text(
                    goal.map(|(period, _)| period.clone()).unwrap_or_default(),
                ));
                line.push(text(
                    metric.change.map(|c| c.describe()).unwrap_or_default(),
                ));
            }
            line.push(row.submitted_on().map_or(Value::Empty, Value::Date));
            line.push(Value::Text(row.punctuality_words()));
            line
        })
        .collect();
    let mut total = vec![
        Value::Text(format!("Total ({} areas)", rows.len())),
        Value::Empty,
        Value::Empty,
    ];
    total.extend(totals.pooled.iter().copied().map(Value::Money));
    total.extend(totals.spend.iter().copied().map(Value::Money));
    total.resize(headers.len(), Value::Empty);
    lines.push(total);
    (headers, lines)
}

const BOM: &str = "\u{feff}";

/// The CSV file.
pub fn csv(headers: &[String], rows: &[Vec<Value>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    writer.write_record(headers.iter().map(|header| neutralise(header)))?;
    for row in rows {
        writer.write_record(row.iter().map(|value| match value {
            Value::Empty => String::new(),
            Value::Text(text) => neutralise(text),
            Value::Money(pence) => {
                let pence = pence.get();
                format!("{}.{:02}", pence / 100, pence % 100)
            }
            Value::Decimal(value) => {
                let hundredths = value.hundredths();
                format!("{}.{:02}", hundredths / 100, hundredths % 100)
            }
            Value::Date(day) => crate::risks::content::iso(*day),
        }))?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// The number format of metric values.
const DECIMAL_FORMAT: &str = "#,##0.00";

/// The Excel workbook: one sheet, a bold frozen header row, filters on the areas' rows.
pub fn xlsx(headers: &[String], rows: &[Vec<Value>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("National view")?;
    let heading = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let decimal = Format::new().set_num_format(DECIMAL_FORMAT);
    let date = Format::new().set_num_format(DATE_FORMAT);
    let column = |index: usize| u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError);
    for (index, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, column(index)?, neutralise(header), &heading)?;
        sheet.set_column_width(column(index)?, if index == 0 { 28 } else { 18 })?;
    }
    for (index, row) in rows.iter().enumerate() {
        let at = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (index, value) in row.iter().enumerate() {
            let to = column(index)?;
            match value {
                Value::Empty => {}
                Value::Text(text) => {
                    sheet.write_string(at, to, neutralise(text))?;
                }
                Value::Money(pence) => {
                    // Exact: whole pence are well within a double's precision at these sums.
                    let pounds = pence.get() as f64 / 100.0;
                    sheet.write_number_with_format(at, to, pounds, &money)?;
                }
                Value::Decimal(value) => {
                    let number = value.hundredths() as f64 / 100.0;
                    sheet.write_number_with_format(at, to, number, &decimal)?;
                }
                Value::Date(day) => {
                    sheet.write_date_with_format(at, to, &excel_date(*day)?, &date)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    // Filters over the areas' rows (the totals row, last, stays out of them).
    if let (Some(last), Some(areas)) = (headers.len().checked_sub(1), rows.len().checked_sub(1))
        && areas > 0
    {
        let last_row = u32::try_from(areas).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.autofilter(0, 0, last_row, column(last)?)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_writes_money_and_values_as_plain_numbers_and_neutralises_formulas() {
        let headers = vec!["Area".to_owned(), "Pooled fund 2014/15 (£)".to_owned()];
        let rows = vec![vec![
            Value::Text("=Kent".into()),
            Value::Money(Pence::new(123_456_789)),
        ]];
        let bytes = csv(&headers, &rows).expect("written");
        let text = String::from_utf8(bytes).expect("UTF-8");
        assert_eq!(
            text,
            "\u{feff}Area,Pooled fund 2014/15 (£)\n'=Kent,1234567.89\n"
        );
        let decimal = csv(
            &headers[..1],
            &[vec![Value::Decimal(MetricValue::from_hundredths(5))]],
        )
        .expect("written");
        assert!(
            String::from_utf8(decimal)
                .expect("UTF-8")
                .ends_with("\n0.05\n")
        );
    }
}
