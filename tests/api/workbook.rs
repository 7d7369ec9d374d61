//! The plan's workbook over HTTP: the XLSX read back cell by cell (money as numbers formatted as
//! £, dates as dates, the checks sheet listing the failures), each part's CSV, and importing
//! the workbook's funding lines and schemes: the preview writes nothing, confirming applies all
//! of it, errors name their cell, a file with any error writes nothing, a stale preview is
//! refused, our own unchanged export changes nothing, officers import only what they may
//! change, two imports confirmed at once over the same line apply once, the same new schemes
//! imported twice are added once, our export reads back after an organisation left the area,
//! and only partners who sign the plan lead imported schemes.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use itf_planner::auth::policy::Role;
use rust_xlsxwriter::Workbook;

use crate::helpers::{TestApp, form_fields_in, location, spawn_app};

const PLAN: &str = "/areas/kent/plans/2014-16";
const IMPORT: &str = "/areas/kent/plans/2014-16/import";
const WORKBOOK: &str = "/areas/kent/plans/2014-16/workbook.xlsx";
const DFG: &str = "disabled-facilities-grant";

async fn person(app: &TestApp, role: Role, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some("kent"), organisation).await;
    browser.sign_in(&user).await;
    browser
}

async fn lead(app: &TestApp) -> TestApp {
    person(app, Role::AreaLead, "Kent County Council").await
}

/// Kent's stored 2015/16 amount of `organisation` from `stream`, in pence.
async fn line(app: &TestApp, organisation: &str, stream: &str) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT l.amount FROM funding_lines l
         JOIN plans p ON p.id = l.plan_id JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         JOIN organisations o ON o.id = l.organisation_id
         WHERE a.slug = 'kent' AND t.key = '2014-16'
           AND o.name = $1 AND l.year_key = '2015-16' AND l.stream_key = $2",
    )
    .bind(organisation)
    .bind(stream)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
    .flatten()
}

/// Kent's scheme names by number.
async fn scheme_names(app: &TestApp) -> Vec<(i32, String)> {
    sqlx::query_as(
        "SELECT s.number, s.name FROM schemes s
         JOIN plans p ON p.id = s.plan_id JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id
         WHERE a.slug = 'kent' AND t.key = '2014-16' ORDER BY s.number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn pending_imports(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM workbook_imports")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn download(browser: &TestApp, path: &str, what: &str) -> Vec<u8> {
    let response = browser.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let extension = path.rsplit('.').next().unwrap();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"kent-2014-16-{what}-"))
            && disposition.ends_with(&format!(".{extension}\"")),
        "{disposition}"
    );
    response.bytes().await.unwrap().to_vec()
}

/// A sheet of a workbook, every cell.
fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

/// The number format of a cell ("£#,##0.00").
fn number_format(bytes: &[u8], sheet: &str, row: usize, column: usize) -> String {
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    workbook
        .worksheet_style(sheet)
        .unwrap()
        .get((row as u32, column as u32))
        .and_then(|style| style.number_format.clone())
        .map(|format| format.format_code)
        .unwrap_or_default()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(text) => text.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn column(rows: &[Vec<Data>], heading: &str) -> usize {
    rows[0]
        .iter()
        .position(|cell| text(cell) == heading)
        .unwrap_or_else(|| panic!("no column {heading}"))
}

/// The row whose `heading` cell reads `value` (and, if given, whose `and` cell reads its value).
fn row_where(rows: &[Vec<Data>], heading: &str, value: &str, and: Option<(&str, &str)>) -> usize {
    let at = column(rows, heading);
    (1..rows.len())
        .find(|row| {
            text(&rows[*row][at]) == value
                && and.is_none_or(|(heading, value)| {
                    text(&rows[*row][column(rows, heading)]) == value
                })
        })
        .unwrap_or_else(|| panic!("no row with {heading} {value}"))
}

/// A cell that a workbook built by [`workbook`] makes a formula.
const FORMULA: &str = "=FORMULA=";

/// A workbook with these sheets: strings, numbers, and [`FORMULA`] cells as formulas.
fn workbook(sheets: &[(&str, &[Vec<Data>])]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (row, cells) in rows.iter().enumerate() {
            for (column, cell) in cells.iter().enumerate() {
                let (row, column) = (row as u32, column as u16);
                match cell {
                    Data::String(text) if text == FORMULA => {
                        sheet.write_formula(row, column, "=1+1").unwrap();
                    }
                    Data::String(text) => {
                        sheet.write_string(row, column, text).unwrap();
                    }
                    Data::Float(number) => {
                        sheet.write_number(row, column, *number).unwrap();
                    }
                    Data::Int(number) => {
                        sheet.write_number(row, column, *number as f64).unwrap();
                    }
                    _ => {}
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The plan's Funding and Schemes sheets as exported, to edit.
struct Export {
    funding: Vec<Vec<Data>>,
    schemes: Vec<Vec<Data>>,
}

impl Export {
    async fn of(browser: &TestApp) -> Export {
        let bytes = download(browser, WORKBOOK, "workbook").await;
        Export {
            funding: sheet(&bytes, "Funding"),
            schemes: sheet(&bytes, "Schemes"),
        }
    }

    fn set_funding(&mut self, row: usize, heading: &str, value: Data) {
        let at = column(&self.funding, heading);
        self.funding[row][at] = value;
    }

    fn set_scheme(&mut self, row: usize, heading: &str, value: Data) {
        let at = column(&self.schemes, heading);
        self.schemes[row][at] = value;
    }

    /// The council's Disabled Facilities Grant line's row.
    fn council_dfg(&self) -> usize {
        row_where(
            &self.funding,
            "Organisation",
            "Kent County Council",
            Some(("Stream key", DFG)),
        )
    }

    fn ashford_row(&self) -> usize {
        row_where(&self.funding, "Organisation", "NHS Ashford CCG", None)
    }

    fn file(&self) -> Vec<u8> {
        workbook(&[("Funding", &self.funding), ("Schemes", &self.schemes)])
    }
}

fn s(text: &str) -> Data {
    Data::String(text.to_owned())
}

async fn upload(browser: &TestApp, bytes: Vec<u8>) -> (u16, String, String) {
    let response = browser.post_file(IMPORT, "plan.xlsx", bytes).await;
    let status = response.status().as_u16();
    let to = location(&response);
    (status, to, response.text().await.unwrap())
}

#[tokio::test]
async fn the_workbook_reads_back_cell_by_cell_with_money_dates_and_the_checks() {
    let app = spawn_app().await;
    let signatory = person(&app, Role::Signatory, "NHS West Kent CCG").await;
    // Everyone who reads the plan may download it.
    let bytes = download(&signatory, WORKBOOK, "workbook").await;
    let book = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Funding",
            "Minimums",
            "Schemes",
            "Metrics",
            "Conditions",
            "Engagement",
            "Checks"
        ]
    );
    let money_format =
        |sheet: &str, row: usize, column: usize| number_format(&bytes, sheet, row, column);

    let funding = sheet(&bytes, "Funding");
    assert_eq!(
        funding[0].iter().map(text).collect::<Vec<_>>(),
        ["Organisation", "Year", "Stream", "Stream key", "Amount"]
    );
    let row = row_where(
        &funding,
        "Organisation",
        "Kent County Council",
        Some(("Stream key", DFG)),
    );
    assert_eq!(funding[row][1], s("2015/16"));
    assert_eq!(funding[row][2], s("Disabled Facilities Grant"));
    assert_eq!(funding[row][4], Data::Float(6_600_000.0));
    assert_eq!(money_format("Funding", row, 4), "£#,##0.00");

    let schemes = sheet(&bytes, "Schemes");
    assert_eq!(
        schemes[0][..10].iter().map(text).collect::<Vec<_>>(),
        [
            "Number",
            "Name",
            "Type",
            "Objective",
            "Lead commissioner",
            "Provider",
            "Funding source",
            "Funding source key",
            "Spend 2014/15",
            "Spend 2015/16"
        ]
    );
    let s1 = row_where(&schemes, "Number", "S1", None);
    assert_eq!(schemes[s1][1], s("Integrated discharge teams"));
    assert_eq!(schemes[s1][2], s("Intermediate care"));
    assert_eq!(schemes[s1][4], s("NHS West Kent CCG"));
    assert_eq!(schemes[s1][6], s("CCG minimum contribution"));
    assert_eq!(schemes[s1][7], s("ccg-minimum-contribution"));
    let spend = column(&schemes, "Spend 2015/16");
    assert_eq!(schemes[s1][spend], Data::Float(12_000_000.0));
    assert_eq!(money_format("Schemes", s1, spend), "£#,##0.00");
    assert_eq!(
        schemes[s1][column(&schemes, "Benefit 2015/16")],
        Data::Float(2_000_000.0)
    );
    assert!(text(&schemes[s1][column(&schemes, "Metrics")]).contains("; "));

    let minimums = sheet(&bytes, "Minimums");
    let year = row_where(&minimums, "Year", "2015/16", None);
    assert!(matches!(minimums[year][2], Data::Float(pool) if pool > 0.0));

    let metrics = sheet(&bytes, "Metrics");
    assert_eq!(
        metrics[0][..4].iter().map(text).collect::<Vec<_>>(),
        ["Metric", "Metric key", "Baseline", "Baseline period"]
    );
    assert!(
        metrics[1..]
            .iter()
            .any(|row| matches!(row[2], Data::Float(_))),
        "a metric's baseline is a number"
    );

    let engagement = sheet(&bytes, "Engagement");
    assert_eq!(text(&engagement[0][0]), "Date");
    let Data::DateTime(held) = &engagement[1][0] else {
        panic!("the date is a date cell, not {:?}", engagement[1][0]);
    };
    assert!(held.is_datetime());
    let date_format = number_format(&bytes, "Engagement", 1, 0);
    assert_eq!(date_format, "dd/mm/yyyy");

    let conditions = sheet(&bytes, "Conditions");
    assert_eq!(
        conditions[0].iter().map(text).collect::<Vec<_>>(),
        ["Condition", "Status", "How it is met"]
    );

    // The checks sheet lists each failure the checks page shows, with where to fix it.
    let checks = sheet(&bytes, "Checks");
    assert_eq!(
        checks[0].iter().map(text).collect::<Vec<_>>(),
        ["Check", "Result", "What is wrong", "Where to fix it"]
    );
    let failed: Vec<&Vec<Data>> = checks[1..]
        .iter()
        .filter(|row| text(&row[1]) == "Failed")
        .collect();
    assert!(!failed.is_empty(), "Kent's demo plan fails some checks");
    let page = signatory.get_html(&format!("{PLAN}/checks")).await;
    for row in &failed {
        assert!(text(&row[3]).starts_with("/areas/kent/"), "{row:?}");
        assert!(
            page.contains(&text(&row[3]).replace('\'', "&#39;")),
            "the page links {}",
            text(&row[3])
        );
    }
    let sources = row_where(
        &checks,
        "Check",
        "Funding sources equal scheme spend in each year",
        None,
    );
    assert_eq!(checks[sources][1], s("Failed"));
}

#[tokio::test]
async fn each_parts_csv_has_the_sheets_columns_and_rows() {
    let app = spawn_app().await;
    let officer = person(&app, Role::Officer, "NHS Ashford CCG").await;
    for (part, header, row_start) in [
        (
            "funding",
            "Organisation,Year,Stream,Stream key,Amount",
            "Kent County Council,2015/16,Disabled Facilities Grant,disabled-facilities-grant,6600000.00",
        ),
        (
            "schemes",
            "Number,Name,Type,Objective,Lead commissioner,Provider,Funding source,Funding source key,Spend 2014/15,Spend 2015/16,Benefit 2014/15,Benefit 2015/16,Metrics,Linked risks",
            "S1,Integrated discharge teams,Intermediate care,",
        ),
        ("metrics", "Metric,Metric key,Baseline,Baseline period,", ""),
        ("conditions", "Condition,Status,How it is met", ""),
        (
            "engagement",
            "Date,Audience,What was done,What changed",
            "20",
        ),
    ] {
        let bytes = download(&officer, &format!("{PLAN}/{part}.csv"), part).await;
        let text = String::from_utf8(bytes).unwrap();
        let text = text
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark for Excel");
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with(header), "{part}: {text}");
        let rows: Vec<&str> = lines.collect();
        assert!(!rows.is_empty(), "{part} has rows");
        assert!(
            rows.iter().any(|row| row.starts_with(row_start)),
            "{part}: no row starting {row_start}: {text}"
        );
    }
    // The workbook page links every download, for everyone who reads the plan.
    let page = officer.get_html(IMPORT).await;
    for part in ["funding", "schemes", "metrics", "conditions", "engagement"] {
        assert!(page.contains(&format!("{PLAN}/{part}.csv")), "{part}");
    }
    assert!(page.contains(WORKBOOK));
}

#[tokio::test]
async fn our_own_unchanged_export_imported_changes_nothing() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let bytes = download(&lead, WORKBOOK, "workbook").await;
    let audit_before = app.audit_actions().await.len();
    let (status, _, page) = upload(&lead, bytes).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"nothing-to-change\""), "{page}");
    assert_eq!(pending_imports(&app).await, 0, "nothing kept to confirm");
    assert_eq!(app.audit_actions().await.len(), audit_before);
    // As rewritten by a spreadsheet, keeping only the two sheets imported.
    let export = Export::of(&lead).await;
    let (status, _, page) = upload(&lead, export.file()).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"nothing-to-change\""), "{page}");
}

#[tokio::test]
async fn the_preview_shows_what_would_change_and_writes_nothing_until_confirmed() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let mut export = Export::of(&lead).await;
    let dfg = export.council_dfg();
    // Money as people type it; a new line for a stream named by its name, key left empty.
    export.set_funding(dfg, "Amount", s("£6,700,000"));
    let mut new_line = export.funding[dfg].clone();
    new_line[2] = s("Carers' breaks funding");
    new_line[3] = Data::Empty;
    new_line[4] = Data::Float(125_000.5);
    export.funding.push(new_line);
    let s1 = row_where(&export.schemes, "Number", "S1", None);
    export.set_scheme(s1, "Name", s("Integrated discharge teams, seven days"));
    let mut new_scheme = export.schemes[s1].clone();
    new_scheme[0] = Data::Empty;
    new_scheme[1] = s("Imported scheme");
    export.schemes.push(new_scheme);
    let schemes_before = scheme_names(&app).await;

    let (status, to, page) = upload(&lead, export.file()).await;
    assert_eq!(status, 303, "{page}");
    assert!(to.starts_with(&format!("{IMPORT}/")), "{to}");
    let preview = lead.get_html(&to).await;
    for summary in [
        "1 funding line to add",
        "1 funding line to change",
        "1 scheme to add",
        "1 scheme to change",
    ] {
        assert!(preview.contains(summary), "{summary}: {preview}");
    }
    assert!(preview.contains("£6,600,000") && preview.contains("£6,700,000"));
    assert!(preview.contains("£125,000.50"));
    assert!(preview.contains("Integrated discharge teams, seven days"));
    // Nothing written yet.
    assert_eq!(
        line(&app, "Kent County Council", DFG).await,
        Some(660_000_000)
    );
    assert_eq!(scheme_names(&app).await, schemes_before);

    let response = lead.post_form(&to, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{IMPORT}?done=imported"));
    assert!(
        lead.get_html(&location(&response))
            .await
            .contains("The import has been applied to the plan")
    );
    assert_eq!(
        line(&app, "Kent County Council", DFG).await,
        Some(670_000_000)
    );
    assert_eq!(
        line(&app, "Kent County Council", "carers-breaks").await,
        Some(12_500_050)
    );
    let names = scheme_names(&app).await;
    assert_eq!(names.len(), schemes_before.len() + 1);
    assert_eq!(names[0].1, "Integrated discharge teams, seven days");
    assert_eq!(names.last().unwrap().1, "Imported scheme");
    let actions = app.audit_actions().await;
    for action in [
        "workbook.import_uploaded",
        "workbook.import_confirmed",
        "scheme.changed",
        "scheme.added",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}");
    }
    assert!(actions.iter().filter(|a| *a == "funding.changed").count() >= 2);
    // Confirmed once: it is gone.
    assert_eq!(lead.post_form(&to, &[]).await.status(), 404);
    assert_eq!(pending_imports(&app).await, 0);
}

#[tokio::test]
async fn row_errors_name_their_cells_and_a_file_with_any_writes_nothing() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let mut export = Export::of(&lead).await;
    let dfg = export.council_dfg();
    let ashford = export.ashford_row();
    // A good change beside the bad rows: all or nothing.
    export.set_funding(dfg, "Amount", Data::Float(1.0));
    let mut bad = export.funding[dfg].clone();
    bad[4] = s("abc");
    export.funding.push(bad);
    let bad_amount_row = export.funding.len();
    export.set_funding(ashford, "Stream key", Data::Empty);
    export.set_funding(ashford, "Stream", s("Discharge Fund"));
    let mut stranger = export.funding[dfg].clone();
    stranger[0] = s("NHS Elsewhere CCG");
    stranger[3] = s("carers-breaks");
    export.funding.push(stranger);
    let stranger_row = export.funding.len();
    let mut formula = export.funding[dfg].clone();
    formula[3] = s("additional-council-contribution");
    formula[4] = s(FORMULA);
    export.funding.push(formula);
    let formula_row = export.funding.len();
    let s1 = row_where(&export.schemes, "Number", "S1", None);
    export.set_scheme(s1, "Spend 2015/16", s("£1.2m"));

    let audit_before = app.audit_actions().await.len();
    let (status, _, page) = upload(&lead, export.file()).await;
    assert_eq!(status, 422, "{page}");
    for message in [
        format!(
            "Row {bad_amount_row}, column Amount (E{bad_amount_row}): Enter the amount as one number in pounds"
        ),
        format!(
            "Row {}, column Stream (C{}): “Discharge Fund” is not a funding stream of this plan",
            ashford + 1,
            ashford + 1
        ),
        format!(
            "Row {stranger_row}, column Organisation (A{stranger_row}): “NHS Elsewhere CCG” is not a partner organisation of this area"
        ),
        format!(
            "Row {formula_row}, column Amount (E{formula_row}) holds a formula; enter the value"
        ),
        format!(
            "Row {}, column Spend 2015/16 (J{}): Spend in 2015/16: write the amount in full",
            s1 + 1,
            s1 + 1
        ),
    ] {
        assert!(page.contains(&message), "{message}: {page}");
    }
    assert!(page.contains("govuk-error-summary"));
    assert!(page.contains("The file has 5 problems"));
    assert_eq!(
        line(&app, "Kent County Council", DFG).await,
        Some(660_000_000),
        "the good row is not written either"
    );
    assert_eq!(pending_imports(&app).await, 0);
    assert_eq!(app.audit_actions().await.len(), audit_before);

    // Not a workbook at all.
    let (status, _, page) = upload(&lead, b"Organisation,Amount\n".to_vec()).await;
    assert_eq!(status, 422);
    assert!(page.contains("The file is not an Excel workbook (.xlsx)"));
}

#[tokio::test]
async fn a_preview_made_stale_by_an_edit_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let officer = person(&app, Role::Officer, "Kent County Council").await;
    let mut export = Export::of(&lead).await;
    export.set_funding(export.council_dfg(), "Amount", Data::Float(7_000_000.0));
    let s1 = row_where(&export.schemes, "Number", "S1", None);
    export.set_scheme(s1, "Name", s("Renamed by the import"));
    let (status, to, _) = upload(&lead, export.file()).await;
    assert_eq!(status, 303);

    // The council's officer changes the same line meanwhile, through its form.
    let council: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind("Kent County Council")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let path = format!("{PLAN}/funding/{council}/2015-16");
    let form = officer.get_html(&path).await;
    let mut fields = form_fields_in(&form, &path).unwrap();
    fields.retain(|(name, _)| name != &format!("amount-{DFG}"));
    fields.push((format!("amount-{DFG}"), "6,800,000".to_owned()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(officer.post_form(&path, &fields).await.status(), 303);

    let preview = lead.get_html(&to).await;
    assert!(preview.contains("Changed since the upload"));
    assert!(!preview.contains("Apply the import"));
    let response = lead.post_form(&to, &[]).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Someone has changed Kent County Council’s Disabled Facilities Grant in 2015/16 since the file was uploaded"),
        "{page}"
    );
    assert_eq!(
        line(&app, "Kent County Council", DFG).await,
        Some(680_000_000)
    );
    assert_eq!(
        scheme_names(&app).await[0].1,
        "Integrated discharge teams",
        "nothing of the import written, not even the scheme"
    );
}

#[tokio::test]
async fn officers_import_only_what_they_may_change_and_readers_none() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let officer = person(&app, Role::Officer, "Kent County Council").await;
    let mut export = Export::of(&lead).await;
    let ashford = export.ashford_row();
    export.set_funding(ashford, "Amount", Data::Float(1.0));
    let (status, _, page) = upload(&officer, export.file()).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(&format!(
            "Row {}, column Organisation (A{}): only NHS Ashford CCG’s own officers or the area lead can change its funding",
            ashford + 1,
            ashford + 1
        )),
        "{page}"
    );
    // Their own line, and the schemes (any officer of the area), they may.
    let mut export = Export::of(&lead).await;
    export.set_funding(export.council_dfg(), "Amount", Data::Float(1.0));
    export.set_scheme(1, "Provider", s("A new provider"));
    let (status, to, _) = upload(&officer, export.file()).await;
    assert_eq!(status, 303);
    // An import is its uploader's alone.
    assert_eq!(lead.get(&to).await.status(), 404);
    assert_eq!(lead.post_form(&to, &[]).await.status(), 404);
    assert_eq!(officer.post_form(&to, &[]).await.status(), 303);
    assert_eq!(line(&app, "Kent County Council", DFG).await, Some(100));

    // Readers download but do not import.
    let signatory = person(&app, Role::Signatory, "NHS West Kent CCG").await;
    let page = signatory.get_html(IMPORT).await;
    assert!(page.contains(WORKBOOK));
    assert!(!page.contains("Preview the import"));
    let response = signatory
        .post_file(IMPORT, "plan.xlsx", export.file())
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(signatory.get(&format!("{IMPORT}/1")).await.status(), 403);
    // Another area's officer is told the plan does not exist.
    let rotherham = app.another_browser();
    let user = app
        .create_user(Role::Officer, Some("rotherham"), "NHS Rotherham CCG")
        .await;
    rotherham.sign_in(&user).await;
    assert_eq!(rotherham.get(WORKBOOK).await.status(), 404);
    assert_eq!(
        rotherham.get(&format!("{PLAN}/funding.csv")).await.status(),
        404
    );
}

#[tokio::test]
async fn two_imports_of_the_same_line_confirmed_at_once_apply_one_and_refuse_the_other() {
    const ROUNDS: usize = 4;
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let officer = person(&app, Role::Officer, "Kent County Council").await;
    for round in 0..ROUNDS {
        let mut files = Vec::new();
        for pounds in [1_000 + round, 2_000 + round] {
            let mut export = Export::of(&lead).await;
            export.set_funding(export.council_dfg(), "Amount", Data::Float(pounds as f64));
            files.push(export.file());
        }
        let (status, lead_import, _) = upload(&lead, files.remove(0)).await;
        assert_eq!(status, 303);
        let (status, officer_import, _) = upload(&officer, files.remove(0)).await;
        assert_eq!(status, 303);
        let (first, second) = tokio::join!(
            lead.post_form(&lead_import, &[]),
            officer.post_form(&officer_import, &[])
        );
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        let winner = if statuses[0] == 303 { 1_000 } else { 2_000 } + round as i64;
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "round {round}");
        assert_eq!(
            line(&app, "Kent County Council", DFG).await,
            Some(winner * 100),
            "round {round}: the winner's figure, whole"
        );
    }
    // One import confirmed twice at once applies once.
    let mut export = Export::of(&lead).await;
    export.set_funding(export.council_dfg(), "Amount", Data::Float(5.0));
    let (_, to, _) = upload(&lead, export.file()).await;
    let (first, second) = tokio::join!(lead.post_form(&to, &[]), lead.post_form(&to, &[]));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    // The loser is refused either way: the preview already used (404), or, when it read the
    // preview before the winner finished, the plan changed since the preview (409).
    assert!(
        statuses == [303, 404] || statuses == [303, 409],
        "one applied, one refused: {statuses:?}"
    );
    let confirmed = app
        .audit_actions()
        .await
        .iter()
        .filter(|action| *action == "workbook.import_confirmed")
        .count();
    assert_eq!(confirmed, ROUNDS + 1);
    // An import left for over an hour is gone.
    let mut export = Export::of(&lead).await;
    export.set_funding(export.council_dfg(), "Amount", Data::Float(6.0));
    let (_, to, _) = upload(&lead, export.file()).await;
    sqlx::query("UPDATE workbook_imports SET created_at = created_at - interval '61 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(lead.get(&to).await.status(), 404);
}

/// Kent's membership of `organisation`: removed (`None`) or signing the plan or not.
async fn set_membership(app: &TestApp, organisation: &str, signs_plan: Option<bool>) {
    let query = match signs_plan {
        None => {
            "DELETE FROM area_members WHERE area_id = (SELECT id FROM areas WHERE slug = 'kent')
                   AND organisation_id = (SELECT id FROM organisations WHERE name = $1)"
        }
        Some(_) => {
            "UPDATE area_members SET signs_plan = $2
                    WHERE area_id = (SELECT id FROM areas WHERE slug = 'kent')
                      AND organisation_id = (SELECT id FROM organisations WHERE name = $1)"
        }
    };
    let done = sqlx::query(query)
        .bind(organisation)
        .bind(signs_plan.unwrap_or(false))
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "{organisation}");
}

/// The export with one new scheme (a copy of S1, unnumbered).
async fn adding_a_scheme(browser: &TestApp, name: &str) -> Vec<u8> {
    let mut export = Export::of(browser).await;
    let s1 = row_where(&export.schemes, "Number", "S1", None);
    let mut new_scheme = export.schemes[s1].clone();
    new_scheme[0] = Data::Empty;
    new_scheme[1] = s(name);
    export.schemes.push(new_scheme);
    export.file()
}

#[tokio::test]
async fn the_same_new_schemes_imported_twice_are_added_once() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let officer = person(&app, Role::Officer, "Kent County Council").await;
    let schemes_before = scheme_names(&app).await.len();
    // Two pending imports of one file (two tabs, two people).
    let file = adding_a_scheme(&lead, "Imported once").await;
    let (status, first, _) = upload(&lead, file.clone()).await;
    assert_eq!(status, 303);
    let (status, second, _) = upload(&officer, file).await;
    assert_eq!(status, 303);
    assert_eq!(lead.post_form(&first, &[]).await.status(), 303);
    let audit_before = app.audit_actions().await.len();
    // The preview says so before anyone tries.
    assert!(
        officer
            .get_html(&second)
            .await
            .contains("Schemes were added since you uploaded the file")
    );
    let response = officer.post_form(&second, &[]).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(
            "Schemes were added since you uploaded the file; upload it again to see what it would do now"
        ),
        "{page}"
    );
    let names = scheme_names(&app).await;
    assert_eq!(names.len(), schemes_before + 1);
    assert_eq!(
        names
            .iter()
            .filter(|(_, name)| name == "Imported once")
            .count(),
        1
    );
    assert_eq!(
        app.audit_actions().await.len(),
        audit_before,
        "nothing written"
    );

    // Confirmed at once, the counter decides: one adds, the other is refused.
    let file = adding_a_scheme(&lead, "Imported at once").await;
    let (_, first, _) = upload(&lead, file.clone()).await;
    let (_, second, _) = upload(&officer, file).await;
    let (one, other) = tokio::join!(lead.post_form(&first, &[]), officer.post_form(&second, &[]));
    let mut statuses = [one.status().as_u16(), other.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409]);
    let names = scheme_names(&app).await;
    assert_eq!(
        names
            .iter()
            .filter(|(_, name)| name == "Imported at once")
            .count(),
        1
    );
    assert_eq!(names.len(), schemes_before + 2);
}

#[tokio::test]
async fn our_own_export_reads_back_after_an_organisation_left_the_area() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    // West Kent CCG has funding lines and leads S1.
    set_membership(&app, "NHS West Kent CCG", None).await;
    let bytes = download(&lead, WORKBOOK, "workbook").await;
    let schemes = sheet(&bytes, "Schemes");
    let s1 = row_where(&schemes, "Number", "S1", None);
    assert_eq!(
        text(&schemes[s1][column(&schemes, "Lead commissioner")]),
        "NHS West Kent CCG"
    );
    let (status, _, page) = upload(&lead, bytes).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"nothing-to-change\""), "{page}");
    assert_eq!(pending_imports(&app).await, 0);

    // Changing what it holds is refused, by the cell.
    let mut export = Export::of(&lead).await;
    let west_kent = row_where(&export.funding, "Organisation", "NHS West Kent CCG", None);
    export.set_funding(west_kent, "Amount", Data::Float(1.0));
    export.set_scheme(s1, "Name", s("Renamed"));
    let (status, _, page) = upload(&lead, export.file()).await;
    assert_eq!(status, 422, "{page}");
    for message in [
        format!(
            "Row {0}, column Organisation (A{0}): “NHS West Kent CCG” is no longer a partner of this area",
            west_kent + 1
        ),
        format!(
            "Row {0}, column Lead commissioner (E{0}): “NHS West Kent CCG” is no longer a partner of this area",
            s1 + 1
        ),
    ] {
        assert!(page.contains(&message), "{message}: {page}");
    }
    assert_eq!(pending_imports(&app).await, 0);
}

#[tokio::test]
async fn only_a_partner_who_signs_the_plan_may_lead_an_imported_scheme() {
    let app = spawn_app().await;
    let lead = lead(&app).await;
    set_membership(&app, "NHS Swale CCG", Some(false)).await;
    let mut export = Export::of(&lead).await;
    let s1 = row_where(&export.schemes, "Number", "S1", None);
    export.set_scheme(s1, "Lead commissioner", s("NHS Swale CCG"));
    let mut new_scheme = export.schemes[s1].clone();
    new_scheme[0] = Data::Empty;
    export.schemes.push(new_scheme);
    let added = export.schemes.len();
    let (status, _, page) = upload(&lead, export.file()).await;
    assert_eq!(status, 422, "{page}");
    for row in [s1 + 1, added] {
        let message = format!(
            "Row {row}, column Lead commissioner (E{row}): “NHS Swale CCG” does not sign the plan, so cannot lead commissioning a scheme"
        );
        assert!(page.contains(&message), "{message}: {page}");
    }
    assert_eq!(pending_imports(&app).await, 0);
    // A partner who signs it may.
    export.set_scheme(s1, "Lead commissioner", s("NHS Ashford CCG"));
    export.set_scheme(added - 1, "Lead commissioner", s("NHS Ashford CCG"));
    let (status, _, page) = upload(&lead, export.file()).await;
    assert_eq!(status, 303, "{page}");
}

#[tokio::test]
async fn an_import_adding_schemes_to_a_full_plan_adds_none_and_says_why() {
    use itf_planner::plans::parts::schemes::MAX_SCHEMES;
    let app = spawn_app().await;
    let lead = lead(&app).await;
    let file = adding_a_scheme(&lead, "One too many").await;
    let (status, preview, _) = upload(&lead, file).await;
    assert_eq!(status, 303);
    // Meanwhile the plan fills to its most schemes (copies of a demo scheme, numbered out of
    // the way of the counter).
    let plan: i64 = sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id
         JOIN templates t ON t.id = p.template_id WHERE a.slug = 'kent' AND t.key = '2014-16'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO schemes (plan_id, number, name, scheme_type, objective,
                              lead_commissioner_id, provider, funding_source, version,
                              created_at, updated_at)
         SELECT s.plan_id, 100000 + g, 'Filler ' || g, s.scheme_type, s.objective,
                s.lead_commissioner_id, s.provider, s.funding_source, 1, s.created_at, s.updated_at
         FROM (SELECT * FROM schemes WHERE plan_id = $1 ORDER BY number LIMIT 1) s,
              generate_series(1, $2 - (SELECT count(*) FROM schemes WHERE plan_id = $1)) g",
    )
    .bind(plan)
    .bind(MAX_SCHEMES)
    .execute(&app.pool)
    .await
    .unwrap();
    let audit_before = app.audit_actions().await.len();
    let response = lead.post_form(&preview, &[]).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("more than the plan has room for"), "{page}");
    assert!(
        !scheme_names(&app)
            .await
            .iter()
            .any(|(_, name)| name == "One too many"),
        "nothing added"
    );
    assert_eq!(
        app.audit_actions().await.len(),
        audit_before,
        "nothing recorded"
    );
}
