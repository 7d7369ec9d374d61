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

/// Adds a risk owned by `owner` as `browser`, with `extra` fields on top of a valid risk;
/// returns its reference.
async fn add(browser: &TestApp, owner: i64, title: &str, extra: &[(&str, &str)]) -> String {
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
    let number: i32 = location(&response)
        .strip_prefix("/areas/kent/risks/")
        .and_then(|rest| rest.strip_suffix("?done=added"))
        .and_then(|number| number.parse().ok())
        .expect("redirected to the new risk");
    format!("R-{number:02}")
}

/// Kent's register (the demo's risks, and two more) with the references of the two added.
struct Register {
    lead: TestApp,
    officer: TestApp,
    /// The council's risk, shared with Ashford, with money and a formula-like title.
    ours: String,
    /// NHS Ashford CCG's risk.
    theirs: String,
}

/// Kent's register with two risks added to the demo's (see [`Register`]).
async fn register(app: &TestApp) -> Register {
    let council = organisation_id(app, "Kent County Council").await;
    let ashford = organisation_id(app, "NHS Ashford CCG").await;
    let lead = browser(app, Role::AreaLead, "Kent County Council").await;
    let officer = browser(app, Role::Officer, "Kent County Council").await;
    let (council_share, ashford_share) = (format!("share_{council}"), format!("share_{ashford}"));
    let ours = add(
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
    let theirs = add(&lead, ashford, "Ashford's discharge delays", &[]).await;
    Register {
        lead,
        officer,
        ours,
        theirs,
    }
}

/// The row of the file holding `reference`.
fn row_of(rows: &[Vec<String>], reference: &str) -> usize {
    rows.iter()
        .position(|row| row[0] == reference)
        .unwrap_or_else(|| panic!("no row for {reference}"))
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
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn csv_file(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
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
    let Register {
        lead, ours, theirs, ..
    } = register(&app).await;
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
    let row_of = |reference: &str| {
        (1..sheet.height())
            .find(|row| sheet.get((*row, 0)) == Some(&Data::String(reference.to_owned())))
            .unwrap_or_else(|| panic!("no row for {reference}"))
    };
    let (row, other) = (row_of(&ours), row_of(&theirs));
    let cell = |row: usize, heading: &str| sheet.get((row, at(heading))).unwrap().clone();
    // A title that a spreadsheet would run as a formula is neutralised.
    assert_eq!(
        cell(row, "Title"),
        Data::String("'=HYPERLINK(\"http://evil.example\")".to_owned())
    );
    assert_eq!(cell(row, "Category"), Data::String("Financial".to_owned()));
    assert_eq!(
        cell(row, "Owner organisation"),
        Data::String("Kent County Council".to_owned())
    );
    assert_eq!(cell(row, "Likelihood"), Data::Float(4.0));
    assert_eq!(cell(row, "Score"), Data::Float(16.0));
    assert_eq!(cell(row, "Band"), Data::String("Extreme".to_owned()));
    assert_eq!(cell(row, "Residual score"), Data::Float(6.0));
    assert_eq!(cell(row, "Action 1 done"), Data::String("No".to_owned()));
    assert_eq!(cell(row, "Status"), Data::String("Open".to_owned()));
    assert_eq!(
        cell(row, "Share: Kent County Council (%)"),
        Data::Float(62.5)
    );
    assert_eq!(cell(row, "Share: NHS Ashford CCG (%)"), Data::Float(37.5));
    assert_eq!(
        cell(row, "Financial exposure (£)"),
        Data::Float(1_500_000.5)
    );
    let format_of = |row: u32, heading: &str| {
        styles
            .get((row, at(heading) as u32))
            .and_then(|style| style.number_format.clone())
            .map(|format| format.format_code)
            .unwrap_or_default()
    };
    assert_eq!(format_of(row as u32, "Financial exposure (£)"), "£#,##0.00");
    for heading in ["Date raised", "Action 1 due", "Review date"] {
        let Data::DateTime(date) = cell(row, heading) else {
            panic!("{heading} is a date cell, not {:?}", cell(row, heading));
        };
        assert!(date.is_datetime(), "{heading}");
        assert_eq!(format_of(row as u32, heading), "dd/mm/yyyy");
    }
    let Data::DateTime(raised) = cell(row, "Date raised") else {
        unreachable!()
    };
    let (year, month, day, ..) = raised.to_ymd_hms_milli();
    assert_eq!((year, month, day), (2013, 12, 1));
    // Ashford's risk: no money, no shares, no second action.
    assert_eq!(cell(other, "Financial exposure (£)"), Data::Empty);
    assert_eq!(cell(other, "Action 2"), Data::Empty);
    // The register page links to both downloads.
    let page = lead.get_html(REGISTER).await;
    assert!(
        page.contains("/areas/kent/risks/export.csv")
            && page.contains("/areas/kent/risks/export.xlsx")
    );
}

#[tokio::test]
async fn the_csv_export_reads_back_with_formulas_neutralised() {
    let app = spawn_app().await;
    let Register {
        lead, ours, theirs, ..
    } = register(&app).await;
    let rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    let at = |heading: &str| column(&rows, heading);
    let (row, other) = (row_of(&rows, &ours), row_of(&rows, &theirs));
    assert_eq!(
        rows[row][at("Title")],
        "'=HYPERLINK(\"http://evil.example\")"
    );
    assert_eq!(rows[row][at("Date raised")], "2013-12-01");
    assert_eq!(rows[row][at("Action 1 due")], "2014-01-31");
    assert_eq!(rows[row][at("Score")], "16");
    assert_eq!(rows[row][at("Share: Kent County Council (%)")], "62.5");
    assert_eq!(rows[row][at("Financial exposure (£)")], "1500000.50");
    assert_eq!(rows[other][at("Owner organisation")], "NHS Ashford CCG");
    assert_eq!(rows[other][at("Financial exposure (£)")], "");
}

#[tokio::test]
async fn an_unchanged_export_imported_in_either_format_changes_nothing() {
    let app = spawn_app().await;
    let Register { lead, .. } = register(&app).await;
    let before = versions(&app).await;
    for (name, path) in [
        ("register.csv", "/areas/kent/risks/export.csv"),
        ("register.xlsx", "/areas/kent/risks/export.xlsx"),
    ] {
        let bytes = download(&lead, path).await;
        let (status, _, page) = upload(&lead, name, bytes).await;
        assert_eq!(status, 200, "{name}: {page}");
        assert!(page.contains("Nothing to change"), "{name}: {page}");
    }
    assert_eq!(versions(&app).await, before, "nothing written");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM risk_imports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(pending, 0, "nothing kept to confirm");
}

/// The CSV export with `ours`'s title and likelihood edited and a new risk (a copy of
/// `theirs`) added at the end.
async fn edited_export(register: &Register) -> Vec<Vec<String>> {
    let mut rows = csv_rows(&download(&register.lead, "/areas/kent/risks/export.csv").await);
    let (ours, theirs) = (
        row_of(&rows, &register.ours),
        row_of(&rows, &register.theirs),
    );
    let (title, likelihood, reference) = (
        column(&rows, "Title"),
        column(&rows, "Likelihood"),
        column(&rows, "Reference"),
    );
    rows[ours][title] = "Activity does not fall as planned".to_owned();
    rows[ours][likelihood] = "2".to_owned();
    let mut new = rows[theirs].clone();
    new[reference] = String::new();
    new[title] = "-Care home fees rise".to_owned();
    rows.push(new);
    rows
}

#[tokio::test]
async fn the_preview_shows_what_would_change_and_writes_nothing_until_confirmed() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let lead = &register.lead;
    let before = versions(&app).await;
    let rows = edited_export(&register).await;
    // Every risk but the edited one, and the header and the new row.
    let unchanged = rows.len() - 3;
    let (status, to, _) = upload(lead, "edited.csv", csv_file(&rows)).await;
    assert_eq!(status, 303);
    assert!(to.starts_with("/areas/kent/risks/import/"), "{to}");
    assert_eq!(
        versions(&app).await,
        before,
        "the upload writes nothing to the register"
    );

    let preview = lead.get_html(&to).await;
    assert!(preview.contains("1 risk to add"), "{preview}");
    assert!(preview.contains("1 risk to change"));
    assert!(preview.contains(&format!("{unchanged} rows already matching the register")));
    assert!(
        preview.contains("-Care home fees rise"),
        "the neutralising quote is undone"
    );
    let number = register
        .ours
        .trim_start_matches("R-")
        .trim_start_matches('0');
    let changes = preview
        .split(&format!("id=\"changes-{number}\""))
        .nth(1)
        .unwrap();
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
    assert_eq!(
        versions(&app).await,
        before + 2,
        "one change and one addition"
    );
    let page = lead.get_html(&location(&response)).await;
    assert!(page.contains("The import has been applied to the register"));
    assert!(page.contains("Activity does not fall as planned"));
    assert!(page.contains("-Care home fees rise"));
    let actions = app.audit_actions().await;
    for action in [
        "risk.import_uploaded",
        "risk.updated",
        "risk.created",
        "risk.import_confirmed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    // Confirmed once: it is gone.
    assert_eq!(lead.post_form(&to, &[]).await.status(), 404);
}

#[tokio::test]
async fn a_preview_made_stale_by_an_edit_is_refused_naming_the_risk() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let (lead, officer) = (&register.lead, &register.officer);
    let (_, to, _) = upload(
        lead,
        "edited.csv",
        csv_file(&edited_export(&register).await),
    )
    .await;
    // The council's officer edits our risk meanwhile, through its form.
    let number = register
        .ours
        .trim_start_matches("R-")
        .trim_start_matches('0');
    let path = format!("/areas/kent/risks/{number}");
    let form_page = officer.get_html(&path).await;
    let mut fields = crate::helpers::form_fields_in(&form_page, &path).unwrap();
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
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(officer.post_form(&path, &fields).await.status(), 303);
    let before = versions(&app).await;

    let preview = lead.get_html(&to).await;
    assert!(preview.contains("Changed since the upload"));
    assert!(!preview.contains("Apply the import"));
    let response = lead.post_form(&to, &[]).await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "Someone has changed {} since the file was uploaded",
            register.ours
        )),
        "{page}"
    );
    assert_eq!(
        versions(&app).await,
        before,
        "nothing of the import written, not even the addition"
    );
    assert!(lead.get_html(REGISTER).await.contains("Edited meanwhile"));
}

#[tokio::test]
async fn an_officer_may_not_import_changes_to_another_organisations_risk() {
    let app = spawn_app().await;
    let Register {
        lead,
        officer,
        ours,
        theirs,
    } = register(&app).await;
    let mut rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    let title = column(&rows, "Title");
    let other = row_of(&rows, &theirs);
    rows[other][title] = "Changed by the council".to_owned();
    let before = versions(&app).await;
    let (status, _, page) = upload(&officer, "register.csv", csv_file(&rows)).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(&format!(
            "Row {line}, column Owner organisation (G{line}): {theirs} is NHS Ashford CCG’s risk: only the area lead or its own officers can change it",
            line = other + 1
        )),
        "{page}"
    );
    // Their own risk, changed, with Ashford's left as it is: fine.
    let mut rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    let own = row_of(&rows, &ours);
    rows[own][title] = "Changed by the council".to_owned();
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
    let Register {
        lead, ours, theirs, ..
    } = register(&app).await;
    let mut rows = csv_rows(&download(&lead, "/areas/kent/risks/export.csv").await);
    let (one, two) = (row_of(&rows, &ours), row_of(&rows, &theirs));
    let at = |heading: &str| column(&rows, heading);
    let (likelihood, share, exposure, status) = (
        at("Likelihood"),
        at("Share: Kent County Council (%)"),
        at("Financial exposure (£)"),
        at("Status"),
    );
    let exposure_letters = letters(exposure);
    rows[one][likelihood] = "9".to_owned();
    rows[one][share] = "50".to_owned();
    rows[two][exposure] = "£1.2.3".to_owned();
    rows[two][status] = "Closed".to_owned();
    let (one, two) = (one + 1, two + 1);
    let before = versions(&app).await;
    let (code, _, page) = upload(&lead, "register.csv", csv_file(&rows)).await;
    assert_eq!(code, 422);
    assert!(
        page.contains(&format!(
            "Row {one}, column Likelihood (J{one}): Likelihood must be between 1 and 5"
        )),
        "{page}"
    );
    // The total is said on the first partner's share.
    assert!(
        page.contains(&format!("Row {one}, column Share: ")),
        "{page}"
    );
    assert!(
        page.contains("12.5% is not yet shared"),
        "says by how much: {page}"
    );
    assert!(
        page.contains(&format!(
            "Row {two}, column Financial exposure (£) ({exposure_letters}{two}): "
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!("Row {two}, column Reason for closing")),
        "{page}"
    );
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
    let Register { lead, .. } = register(&app).await;
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
                .filter(|(c, _)| {
                    *c != column(&export, "Cause") && *c != column(&export, "Review date")
                })
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
        assert!(
            page.contains(&message),
            "{name}: expected {message:?} in {page}"
        );
        assert!(
            page.contains("id=\"file-error\""),
            "{name}: the message is by the file field"
        );
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
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose a CSV or Excel (.xlsx) file")
    );
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
    assert_eq!(
        app.audit_actions().await.len(),
        audit_before,
        "nothing recorded"
    );
}

#[tokio::test]
async fn an_import_confirmed_twice_at_once_applies_once_and_expires_unconfirmed() {
    let app = spawn_app().await;
    let register = register(&app).await;
    let lead = &register.lead;
    let rows = edited_export(&register).await;
    let (_, to, _) = upload(lead, "edited.csv", csv_file(&rows)).await;
    let before = versions(&app).await;
    let (first, second) = tokio::join!(lead.post_form(&to, &[]), lead.post_form(&to, &[]));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 404]);
    assert_eq!(versions(&app).await, before + 2, "applied once");

    // An import left for over an hour is gone.
    let (_, to, _) = upload(lead, "edited.csv", csv_file(&rows)).await;
    assert_eq!(lead.get(&to).await.status(), 200);
    // (Made an hour and a minute older, rather than the clock moved on, which would also end
    // the lead's session.)
    sqlx::query("UPDATE risk_imports SET created_at = created_at - interval '61 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(lead.get(&to).await.status(), 404);
    assert_eq!(lead.post_form(&to, &[]).await.status(), 404);
}
