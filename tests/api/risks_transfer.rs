//! Exporting the risk register (CSV and Excel, read back cell by cell) and importing one: the
//! preview writes nothing, confirming applies all of it, errors name their cell, an unchanged
//! export changes nothing, officers import only their organisation's risks, a stale preview is
//! refused, and every kind of bad file is refused with a message by the file field.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, location, spawn_app};

const REGISTER: &str = "/areas/kent/risks";
const IMPORT: &str = "/areas/kent/risks/import";

async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn browser(app: &TestApp, role: Role, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some("kent"), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// Adds a risk owned by `owner` as `browser`, with `extra` fields on top of a valid risk.
async fn add(browser: &TestApp, owner: i64, title: &str, extra: &[(&str, &str)]) {
    let owner = owner.to_string();
    let mut fields = vec![
        ("title", title),
        ("cause", "Emergency admissions keep rising"),
        ("event", "The pooled fund overspends"),
        ("effect", "Partners bear the overspend"),
        ("category", "financial"),
        ("owner_organisation", owner.as_str()),
        ("owner_person", "Director of finance"),
        ("raised", "1/12/2013"),
        ("likelihood", "4"),
        ("impact", "4"),
        ("action_1_description", "Agree a contingency fund"),
        ("action_1_owner", "Finance leads"),
        ("action_1_due", "31/1/2014"),
        ("residual_likelihood", "2"),
        ("residual_impact", "3"),
        ("review", "1/3/2014"),
        ("status", "open"),
    ];
    fields.extend_from_slice(extra);
    let response = browser.post_form("/areas/kent/risks/new", &fields).await;
    assert_eq!(response.status(), 303, "adding {title}");
}

/// Kent's register with two risks: R-01 (the council's, shared with Ashford, with money and a
/// formula-like title) and R-02 (Ashford's). Returns the lead, the council's officer and
/// Ashford's officer.
async fn register(app: &TestApp) -> (TestApp, TestApp, TestApp) {
    let council = organisation_id(app, "Kent County Council").await;
    let ashford = organisation_id(app, "NHS Ashford CCG").await;
    let lead = browser(app, Role::AreaLead, "Kent County Council").await;
    let officer = browser(app, Role::Officer, "Kent County Council").await;
    let ashford_officer = browser(app, Role::Officer, "NHS Ashford CCG").await;
    let (council_share, ashford_share) = (format!("share_{council}"), format!("share_{ashford}"));
    add(
        &lead,
        council,
        "=HYPERLINK(\"http://evil.example\")",
        &[
            ("exposure", "£1,500,000.50"),
            (&council_share, "62.5"),
            (&ashford_share, "37.5"),
        ],
    )
    .await;
    add(&lead, ashford, "Ashford's discharge delays", &[]).await;
    (lead, officer, ashford_officer)
}

async fn versions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM risk_versions")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn download(browser: &TestApp, path: &str) -> Vec<u8> {
    let response = browser.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let extension = path.rsplit('.').next().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"kent-risk-register-")
            && disposition.ends_with(&format!(".{extension}\"")),
        "{disposition}"
    );
    response.bytes().await.unwrap().to_vec()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn csv_file(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

fn column(rows: &[Vec<String>], heading: &str) -> usize {
    rows[0]
        .iter()
        .position(|header| header == heading)
        .unwrap_or_else(|| panic!("no column {heading}"))
}

async fn upload(browser: &TestApp, name: &str, bytes: Vec<u8>) -> (u16, String, String) {
    let response = browser.post_file(IMPORT, name, bytes).await;
    let status = response.status().as_u16();
    let to = location(&response);
    (status, to, response.text().await.unwrap())
}

#[tokio::test]
async fn the_excel_export_reads_back_cell_by_cell_with_money_and_dates_typed() {
    let app = spawn_app().await;
    let (lead, _, _) = register(&app).await;
    let signatory = browser(&app, Role::Signatory, "NHS West Kent CCG").await;
    // Everyone who reads the register may download it.
    let bytes = download(&signatory, "/areas/kent/risks/export.xlsx").await;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("Risk register").unwrap();
    let styles = workbook.worksheet_style("Risk register").unwrap();
    let headers: Vec<String> = (0..sheet.width())
        .map(|c| sheet.get((0, c)).unwrap().to_string())
        .collect();
    let at = |heading: &str| headers.iter().position(|h| h == heading).unwrap();
    assert_eq!(
        headers[..14],
        [
            "Reference",
            "Title",
            "Cause",
            "Event",
            "Effect",
            "Category",
            "Owner organisation",
            "Owner",
            "Date raised",
            "Likelihood",
            "Impact",
            "Score",
            "Band",
            "Existing controls"
        ]
    );
    assert_eq!(headers.last().unwrap(), "Financial exposure (£)");
    let cell = |row: usize, heading: &str| sheet.get((row, at(heading))).unwrap().clone();
    assert_eq!(cell(1, "Reference"), Data::String("R-01".to_owned()));
    // A title that a spreadsheet would run as a formula is neutralised.
    assert_eq!(
        cell(1, "Title"),
        Data::String("'=HYPERLINK(\"http://evil.example\")".to_owned())
    );
    assert_eq!(cell(1, "Category"), Data::String("Financial".to_owned()));
    assert_eq!(
        cell(1, "Owner organisation"),
        Data::String("Kent County Council".to_owned())
    );
    assert_eq!(cell(1, "Likelihood"), Data::Float(4.0));
    assert_eq!(cell(1, "Score"), Data::Float(16.0));
    assert_eq!(cell(1, "Band"), Data::String("Extreme".to_owned()));
    assert_eq!(cell(1, "Residual score"), Data::Float(6.0));
    assert_eq!(cell(1, "Action 1 done"), Data::String("No".to_owned()));
    assert_eq!(cell(1, "Status"), Data::String("Open".to_owned()));
    assert_eq!(cell(1, "Share: Kent County Council (%)"), Data::Float(62.5));
    assert_eq!(cell(1, "Share: NHS Ashford CCG (%)"), Data::Float(37.5));
    assert_eq!(cell(1, "Financial exposure (£)"), Data::Float(1_500_000.5));
    let format_of = |row: u32, heading: &str| {
        styles
            .get((row, at(heading) as u32))
            .and_then(|style| style.number_format.clone())
            .map(|format| format.format_code)
            .unwrap_or_default()
    };
    assert_eq!(format_of(1, "Financial exposure (£)"), "£#,##0.00");
    for heading in ["Date raised", "Action 1 due", "Review date"] {
        let Data::DateTime(date) = cell(1, heading) else {
            panic!("{heading} is a date cell, not {:?}", cell(1, heading));
        };
        assert!(date.is_datetime(), "{heading}");
        assert_eq!(format_of(1, heading), "dd/mm/yyyy");
    }
    let Data::DateTime(raised) = cell(1, "Date raised") else {
        unreachable!()
    };
    assert_eq!(raised.to_ymd_hms_milli().0..=raised.to_ymd_hms_milli().0, 2013..=2013);
    assert_eq!(
        (raised.to_ymd_hms_milli().1, raised.to_ymd_hms_milli().2),
        (12, 1)
    );
    // Ashford's risk: no money, no shares, no second action.
    assert_eq!(cell(2, "Reference"), Data::String("R-02".to_owned()));
    assert_eq!(cell(2, "Financial exposure (£)"), Data::Empty);
    assert_eq!(cell(2, "Action 2"), Data::Empty);
    // The register page links to both downloads.
    let page = lead.get_html(REGISTER).await;
    assert!(page.contains("/areas/kent/risks/export.csv") && page.contains("/areas/kent/risks/export.xlsx"));
}

#[tokio::test]
async fn the_csv_export_reads_back_with_formulas_neutralised() {
    let app = spawn_app().await;
    let (lead, _, _) = register(&app).await;
    let rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    assert_eq!(rows.len(), 3);
    let at = |heading: &str| column(&rows, heading);
    assert_eq!(rows[1][at("Reference")], "R-01");
    assert_eq!(rows[1][at("Title")], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(rows[1][at("Date raised")], "2013-12-01");
    assert_eq!(rows[1][at("Action 1 due")], "2014-01-31");
    assert_eq!(rows[1][at("Score")], "16");
    assert_eq!(rows[1][at("Share: Kent County Council (%)")], "62.5");
    assert_eq!(rows[1][at("Financial exposure (£)")], "1500000.50");
    assert_eq!(rows[2][at("Owner organisation")], "NHS Ashford CCG");
    assert_eq!(rows[2][at("Financial exposure (£)")], "");
}

#[tokio::test]
async fn an_unchanged_export_imported_in_either_format_changes_nothing() {
    let app = spawn_app().await;
    let (lead, _, _) = register(&app).await;
    let before = versions(&app).await;
    for (name, path) in [
        ("register.csv", "/areas/kent/risks/export.csv"),
        ("register.xlsx", "/areas/kent/risks/export.xlsx"),
    ] {
        let bytes = download(&lead, path).await;
        let (status, _, page) = upload(&lead, name, bytes).await;
        assert_eq!(status, 200, "{name}: {page}");
        assert!(page.contains("Nothing to change"), "{name}: {page}");
        assert!(page.contains("all 2 risks in the file match"), "{name}");
    }
    assert_eq!(versions(&app).await, before, "nothing written");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM risk_imports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(pending, 0, "nothing kept to confirm");
}

/// The CSV export with R-01's title and likelihood edited and a new risk added at the end.
async fn edited_export(lead: &TestApp) -> Vec<Vec<String>> {
    let mut rows = csv_rows(&download(lead, "/areas/kent/risks/export.csv").await);
    let (title, likelihood, reference) = (
        column(&rows, "Title"),
        column(&rows, "Likelihood"),
        column(&rows, "Reference"),
    );
    rows[1][title] = "Activity does not fall as planned".to_owned();
    rows[1][likelihood] = "2".to_owned();
    let mut new = rows[2].clone();
    new[reference] = String::new();
    new[title] = "-Care home fees rise".to_owned();
    rows.push(new);
    rows
}

#[tokio::test]
async fn the_preview_shows_what_would_change_and_writes_nothing_until_confirmed() {
    let app = spawn_app().await;
    let (lead, _, _) = register(&app).await;
    let before = versions(&app).await;
    let (status, to, _) = upload(&lead, "edited.csv", csv_file(&edited_export(&lead).await)).await;
    assert_eq!(status, 303);
    assert!(to.starts_with("/areas/kent/risks/import/"), "{to}");
    assert_eq!(versions(&app).await, before, "the upload writes nothing to the register");

    let preview = lead.get_html(&to).await;
    assert!(preview.contains("1 risk to add"), "{preview}");
    assert!(preview.contains("1 risk to change"));
    assert!(preview.contains("1 row already matching the register"));
    assert!(preview.contains("-Care home fees rise"), "the neutralising quote is undone");
    let changes = preview.split("id=\"changes-1\"").nth(1).unwrap();
    assert!(changes.contains("Title") && changes.contains("Activity does not fall as planned"));
    assert!(changes.contains("16 (likelihood 4 × impact 4), Extreme"));
    assert!(changes.contains("8 (likelihood 2 × impact 4), High"));
    assert_eq!(versions(&app).await, before, "the preview writes nothing");

    // Only its creator sees or confirms it.
    let other_lead = browser(&app, Role::AreaLead, "Kent County Council").await;
    assert_eq!(other_lead.get(&to).await.status(), 404);
    assert_eq!(other_lead.post_form(&to, &[]).await.status(), 404);

    let response = lead.post_form(&to, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/areas/kent/risks?done=imported");
    assert_eq!(versions(&app).await, before + 2, "one change and one addition");
    let register = lead.get_html(REGISTER).await;
    assert!(register.contains("The import has been applied to the register"));
    assert!(register.contains("Activity does not fall as planned"));
    assert!(register.contains("-Care home fees rise") && register.contains("R-03"));
    let actions = app.audit_actions().await;
    for action in ["risk.import_uploaded", "risk.updated", "risk.created", "risk.import_confirmed"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    // Confirmed once: it is gone.
    assert_eq!(lead.post_form(&to, &[]).await.status(), 404);
}

#[tokio::test]
async fn a_preview_made_stale_by_an_edit_is_refused_naming_the_risk() {
    let app = spawn_app().await;
    let (lead, officer, _) = register(&app).await;
    let (_, to, _) = upload(&lead, "edited.csv", csv_file(&edited_export(&lead).await)).await;
    // The council's officer edits R-01 meanwhile, through its form.
    let form_page = officer.get_html("/areas/kent/risks/1").await;
    let mut fields = crate::helpers::form_fields_in(&form_page, "/areas/kent/risks/1").unwrap();
    let council = organisation_id(&app, "Kent County Council").await;
    for (name, value) in [
        ("title", "Edited meanwhile"),
        ("cause", "Emergency admissions keep rising"),
        ("event", "The pooled fund overspends"),
        ("effect", "Partners bear the overspend"),
        ("category", "financial"),
        ("owner_person", "Director of finance"),
        ("raised", "1/12/2013"),
        ("likelihood", "4"),
        ("impact", "4"),
        ("residual_likelihood", "2"),
        ("residual_impact", "3"),
        ("review", "1/3/2014"),
        ("status", "open"),
    ] {
        fields.push((name.to_owned(), value.to_owned()));
    }
    fields.push(("owner_organisation".to_owned(), council.to_string()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(officer.post_form("/areas/kent/risks/1", &fields).await.status(), 303);
    let before = versions(&app).await;

    let preview = lead.get_html(&to).await;
    assert!(preview.contains("Changed since the upload"));
    assert!(!preview.contains("Apply the import"));
    let response = lead.post_form(&to, &[]).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(page.contains("Someone has changed R-01 since the file was uploaded"), "{page}");
    assert_eq!(versions(&app).await, before, "nothing of the import written, not even the addition");
    assert!(lead.get_html(REGISTER).await.contains("Edited meanwhile"));
}

#[tokio::test]
async fn an_officer_may_not_import_changes_to_another_organisations_risk() {
    let app = spawn_app().await;
    let (lead, officer, _) = register(&app).await;
    let mut rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    let title = column(&rows, "Title");
    rows[2][title] = "Changed by the council".to_owned();
    let before = versions(&app).await;
    let (status, _, page) = upload(&officer, "register.csv", csv_file(&rows)).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Row 3, column Owner organisation (G3): R-02 is NHS Ashford CCG’s risk: only the area lead or its own officers can change it"),
        "{page}"
    );
    // Their own risk, changed, with Ashford's left as it is: fine.
    let mut rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    rows[1][title] = "Changed by the council".to_owned();
    let (status, to, _) = upload(&officer, "register.csv", csv_file(&rows)).await;
    assert_eq!(status, 303);
    assert_eq!(officer.post_form(&to, &[]).await.status(), 303);
    assert_eq!(versions(&app).await, before + 1);
    // A signatory may not import at all.
    let signatory = browser(&app, Role::Signatory, "NHS West Kent CCG").await;
    assert_eq!(signatory.get(IMPORT).await.status(), 403);
    let (status, _, _) = upload(&signatory, "register.csv", csv_file(&rows)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn errors_in_rows_name_their_cell_and_nothing_is_written() {
    let app = spawn_app().await;
    let (lead, _, _) = register(&app).await;
    let mut rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    let at = |heading: &str| column(&rows, heading);
    let (likelihood, share, exposure, status) = (
        at("Likelihood"),
        at("Share: Kent County Council (%)"),
        at("Financial exposure (£)"),
        at("Status"),
    );
    let share_letters = letters(share);
    let exposure_letters = letters(exposure);
    rows[1][likelihood] = "9".to_owned();
    rows[1][share] = "50".to_owned();
    rows[2][exposure] = "£1.2.3".to_owned();
    rows[2][status] = "Closed".to_owned();
    let before = versions(&app).await;
    let (code, _, page) = upload(&lead, "register.csv", csv_file(&rows)).await;
    assert_eq!(code, 422);
    assert!(page.contains("Row 2, column Likelihood (J2): Likelihood must be between 1 and 5"), "{page}");
    assert!(page.contains(&format!("Row 2, column Share: Kent County Council (%) ({share_letters}2): ")), "{page}");
    assert!(page.contains("12.5% is not yet shared"), "says by how much: {page}");
    assert!(page.contains(&format!("Row 3, column Financial exposure (£) ({exposure_letters}3): ")), "{page}");
    assert!(page.contains("Row 3, column Reason for closing"), "{page}");
    assert!(page.contains("Enter why the risk is being closed"));
    assert!(page.contains("Nothing has been imported"));
    assert_eq!(versions(&app).await, before);
}

fn letters(column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        letters.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[tokio::test]
async fn bad_files_are_refused_by_the_file_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let (lead, _, _) = register(&app).await;
    let before = versions(&app).await;
    let audit_before = app.audit_actions().await.len();
    let export = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);

    let mut unknown = export.clone();
    unknown[0].push("Colour".to_owned());
    let missing: Vec<Vec<String>> = export
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .filter(|(c, _)| *c != column(&export, "Cause") && *c != column(&export, "Review date"))
                .map(|(_, cell)| cell.clone())
                .collect()
        })
        .collect();
    let mut many = export[..1].to_vec();
    for n in 0..10_000 {
        let mut row = export[1].clone();
        row[0] = String::new();
        row[1] = format!("Risk {n}");
        many.push(row);
    }
    let formula = {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, heading) in export[0].iter().enumerate() {
            sheet.write_string(0, c as u16, heading).unwrap();
        }
        sheet.write_string(1, 1, "A risk").unwrap();
        sheet.write_formula(1, 9, "=2+2").unwrap();
        workbook.save_to_buffer().unwrap()
    };
    for (name, bytes, status, message) in [
        (
            "picture.csv",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            422,
            "The file is not a CSV or Excel (.xlsx) file".to_owned(),
        ),
        (
            "old.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            422,
            "save it as an Excel Workbook (.xlsx)".to_owned(),
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 not a workbook at all".to_vec(),
            422,
            "The file could not be read as an Excel workbook".to_owned(),
        ),
        (
            "unknown.csv",
            csv_file(&unknown),
            422,
            "The file has a column the register does not know: “Colour”".to_owned(),
        ),
        (
            "missing.csv",
            csv_file(&missing),
            422,
            "The file has no column “Cause”, “Review date”".to_owned(),
        ),
        (
            "formula.xlsx",
            formula,
            422,
            "Cell J2 holds a formula".to_owned(),
        ),
        (
            "many.csv",
            csv_file(&many),
            422,
            "The file has 10,000 rows of risks; an import can hold at most 2,000".to_owned(),
        ),
        ("empty.csv", Vec::new(), 422, "The file is empty".to_owned()),
        (
            "huge.csv",
            vec![b'a'; 21 * 1024 * 1024],
            413,
            "The file must be 20 MB or smaller".to_owned(),
        ),
    ] {
        let (code, _, page) = upload(&lead, name, bytes).await;
        assert_eq!(code, status, "{name}: {page}");
        assert!(page.contains(&message), "{name}: expected {message:?} in {page}");
        assert!(page.contains("id=\"file-error\""), "{name}: the message is by the file field");
    }
    // No file chosen at all.
    let token = lead.csrf_token().await;
    let response = lead
        .client
        .post(lead.url(&format!("{IMPORT}?csrf_token={token}")))
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("Choose a CSV or Excel (.xlsx) file"));
    // Without the token in the address, the upload is refused as a forgery.
    let response = lead
        .client
        .post(lead.url(IMPORT))
        .multipart(reqwest::multipart::Form::new().text("file", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(versions(&app).await, before);
    assert_eq!(app.audit_actions().await.len(), audit_before, "nothing recorded");
}
