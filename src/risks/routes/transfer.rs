//! Exporting the register (CSV and Excel) and importing one: upload, a preview of what would be
//! added and changed (nothing written), then confirming it, all or nothing, under optimistic
//! locking. The pending import is kept server-side (`store::imports`), so the confirm form only
//! names it. The file's rules are in `risks::transfer`; a row obeys the risk form's own.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Done, Partners, ask_guard, editing_closed, readable_area, reference, today};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::risks::content::{self, FieldChange};
use crate::risks::rules;
use crate::risks::store::{self, CurrentRisk, ImportId, PendingImport};
use crate::risks::transfer::columns::{self, CellError, Partner};
use crate::risks::transfer::plan::{self, Existing, Importer, Plan, Refusal};
use crate::risks::transfer::{FileKind, FileProblem, MAX_FILE_BYTES, csv, xlsx};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::form::shown;
use crate::web::page::see_other;
use crate::web::upload::read_upload;
use crate::web::{AppError, Layout, format, page};

/// The most row errors a page lists: enough to see what is wrong with a file.
const ERRORS_SHOWN: usize = 100;

impl Partners {
    fn for_files(&self) -> Vec<Partner> {
        self.members
            .iter()
            .map(|member| Partner {
                id: member.organisation_id,
                name: member.name.clone(),
            })
            .collect()
    }
}

// --- export ------------------------------------------------------------------------------------

pub(super) async fn export_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (area, headers, rows) = export_rows(&state, &signed_in, &slug).await?;
    let bytes = csv::write(&headers, &rows).map_err(|error| AppError::Internal(error.into()))?;
    Ok(download(
        &state,
        &area,
        "csv",
        "text/csv; charset=utf-8",
        bytes,
    ))
}

pub(super) async fn export_xlsx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (area, headers, rows) = export_rows(&state, &signed_in, &slug).await?;
    let bytes = xlsx::write(&headers, &rows).map_err(|error| AppError::Internal(error.into()))?;
    Ok(download(
        &state,
        &area,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

type ExportRows = (AreaSummary, Vec<String>, Vec<Vec<columns::Value>>);

/// The register as it stands, by number, as the files' rows: for everyone who reads it.
async fn export_rows(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
) -> Result<ExportRows, AppError> {
    let area = readable_area(state, signed_in, slug).await?;
    let risks = store::list_risks(&state.pool, area.id).await?;
    let partners = Partners::load(state, &area).await?;
    let numbered: Vec<(i32, &content::RiskContent)> = risks
        .iter()
        .map(|risk| (risk.number, &risk.content))
        .collect();
    let (headers, rows) = columns::export(&numbered, &partners.for_files());
    Ok((area, headers, rows))
}

/// A file to save, named after the area and today: kent-risk-register-2014-03-27.csv.
fn download(
    state: &AppState,
    area: &AreaSummary,
    extension: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let name = format!(
        "{}-risk-register-{}.{extension}",
        area.slug,
        content::iso(today(state))
    );
    page::attachment(&name, content_type, bytes)
}

// --- upload ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "risks/import.html")]
struct ImportPage {
    layout: Layout,
    area: AreaSummary,
    /// The message by the file field: the file as a whole, or that some rows are wrong.
    file_error: String,
    /// The rows' problems, each naming its cell; the first of them.
    row_errors: Vec<String>,
    more_errors: usize,
    /// After a file that matches the register: that it did, and how many rows it had.
    nothing_to_change: bool,
    unchanged: usize,
}

impl ImportPage {
    fn new(signed_in: &SignedIn, area: AreaSummary) -> ImportPage {
        ImportPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            area,
            file_error: String::new(),
            row_errors: Vec::new(),
            more_errors: 0,
            nothing_to_change: false,
            unchanged: 0,
        }
    }

    fn refusing_file(mut self, problem: &FileProblem) -> ImportPage {
        self.file_error = problem.to_string();
        self
    }

    fn refusing_rows(mut self, errors: &[CellError]) -> ImportPage {
        self.file_error = format!(
            "The file has {} problem{}: fix {} and upload it again. Nothing has been imported.",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "it" } else { "them" }
        );
        self.row_errors = errors
            .iter()
            .take(ERRORS_SHOWN)
            .map(ToString::to_string)
            .collect();
        self.more_errors = errors.len().saturating_sub(ERRORS_SHOWN);
        self
    }
}

/// The area, if `signed_in` may import into its register (officers and the lead).
async fn importing_area(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
) -> Result<AreaSummary, AppError> {
    let area = readable_area(state, signed_in, slug).await?;
    if !rules::may_add(&signed_in.user.principal(), area.id) {
        return Err(AppError::Forbidden);
    }
    Ok(area)
}

pub(super) async fn import_form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = importing_area(&state, &signed_in, &slug).await?;
    if editing_closed(&state, &area).await?.is_some() {
        // In sign-off: the register says so, and offers no import.
        return Ok(see_other(&format!("/areas/{}/risks", area.slug)));
    }
    page::ok(&ImportPage::new(&signed_in, area))
}

pub(super) async fn upload(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let area = importing_area(&state, &signed_in, &slug).await?;
    let refuse = |status: StatusCode,
                  problem: FileProblem,
                  area: AreaSummary|
     -> Result<Response, AppError> {
        let page = ImportPage::new(&signed_in, area).refusing_file(&problem);
        Ok((status, page::render(&page)?).into_response())
    };
    let upload = match read_upload(request, MAX_FILE_BYTES)
        .await
        .map_err(FileProblem::from)
    {
        Ok(upload) => upload,
        Err(FileProblem::TooLarge) => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, FileProblem::TooLarge, area);
        }
        Err(problem) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, problem, area),
    };
    // Parsing a large workbook is work for a blocking thread, not the server's.
    let read = tokio::task::spawn_blocking(move || {
        FileKind::of(&upload.bytes)
            .and_then(|kind| kind.read(&upload.bytes))
            .map(|table| (upload.name, table))
    })
    .await?;
    let (file_name, table) = match read {
        Ok(read) => read,
        Err(problem) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, problem, area),
    };
    let partners = Partners::load(&state, &area).await?;
    let principal = signed_in.user.principal();
    let may_edit = |owner: OrganisationId| rules::may_edit(&principal, area.id, owner);
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    store::lock_register(change.db(), area.id).await?;
    let (matrix_id, matrix) =
        store::ensure_matrix(change.db(), area.id, now, signed_in.user.id).await?;
    let risks = store::list_risks(change.db(), area.id).await?;
    let planned = plan::plan(
        &table,
        &partners.for_files(),
        &matrix,
        &existing(&risks),
        &Importer {
            may_edit: &may_edit,
        },
    );
    let plan = match planned {
        Ok(plan) => plan,
        Err(Refusal::File(problem)) => {
            drop(change);
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, problem, area);
        }
        Err(Refusal::Rows(errors)) => {
            drop(change);
            return page::unprocessable(&ImportPage::new(&signed_in, area).refusing_rows(&errors));
        }
    };
    if plan.changes_nothing() {
        // Nothing to confirm, so nothing kept: the register already says what the file says.
        drop(change);
        let mut page = ImportPage::new(&signed_in, area);
        page.nothing_to_change = true;
        page.unchanged = plan.unchanged;
        return page::ok(&page);
    }
    let file_name: String = shown(&file_name).chars().take(255).collect();
    let id = store::save_import(
        change.db(),
        area.id,
        signed_in.user.id,
        now,
        matrix_id,
        &file_name,
        &plan,
    )
    .await?;
    change
        .commit(
            &Event::new(actor(&signed_in), "risk.import_uploaded", "risk_import")
                .target(id)
                .area(area.id)
                .details(json!({
                    "file": file_name,
                    "additions": plan.additions.len(),
                    "amendments": plan.amendments.len(),
                    "unchanged": plan.unchanged,
                })),
        )
        .await?;
    Ok(page::see_other(&format!(
        "/areas/{}/risks/import/{id}",
        area.slug
    )))
}

fn existing(risks: &[CurrentRisk]) -> Vec<Existing<'_>> {
    risks
        .iter()
        .map(|risk| Existing {
            id: risk.id,
            number: risk.number,
            version: risk.version,
            content: &risk.content,
        })
        .collect()
}

// --- preview and confirm -----------------------------------------------------------------------

/// A risk the import would add, as the preview lists it.
struct AdditionRow {
    row: usize,
    title: String,
    owner: String,
    score: String,
}

/// A risk the import would change, field by field against the register now.
struct AmendmentRow {
    row: usize,
    reference: String,
    number: i32,
    title: String,
    changes: Vec<FieldChange>,
    /// Changed by someone since the file was uploaded: confirming will refuse.
    changed_since: bool,
}

#[derive(Template)]
#[template(path = "risks/import_preview.html")]
struct PreviewPage {
    layout: Layout,
    area: AreaSummary,
    id: ImportId,
    file_name: String,
    uploaded: String,
    additions: Vec<AdditionRow>,
    amendments: Vec<AmendmentRow>,
    unchanged: usize,
    /// Why it cannot be confirmed as it is (empty: it can).
    refusal: String,
}

fn preview_page(
    signed_in: &SignedIn,
    area: AreaSummary,
    import: &PendingImport,
    risks: &[CurrentRisk],
    partners: &Partners,
    matrix_changed: bool,
) -> PreviewPage {
    let name = |id: OrganisationId| partners.name(id);
    let plan: &Plan = &import.plan;
    let amendments: Vec<AmendmentRow> = plan
        .amendments
        .iter()
        .map(|amendment| {
            let now = risks.iter().find(|risk| risk.id == amendment.risk_id);
            AmendmentRow {
                row: amendment.row,
                reference: reference(amendment.number),
                number: amendment.number,
                title: amendment.content.title.clone(),
                changes: now
                    .map(|risk| content::changes(&risk.content, &amendment.content, &name))
                    .unwrap_or_default(),
                changed_since: now.is_none_or(|risk| risk.version != amendment.version),
            }
        })
        .collect();
    let stale: Vec<&str> = amendments
        .iter()
        .filter(|row| row.changed_since)
        .map(|row| row.reference.as_str())
        .collect();
    let refusal = if matrix_changed {
        "The area’s risk matrix has changed since the file was uploaded, so its scores would be out of date. Nothing has been imported: upload the file again.".to_owned()
    } else if stale.is_empty() {
        String::new()
    } else {
        format!(
            "Someone has changed {} since the file was uploaded, so importing it would overwrite their changes. Nothing has been imported: export the register again, make your changes and upload it.",
            stale.join(", ")
        )
    };
    PreviewPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        id: import.id,
        file_name: import.file_name.clone(),
        uploaded: format::date_time(import.created_at),
        additions: plan
            .additions
            .iter()
            .map(|addition| AdditionRow {
                row: addition.row,
                title: addition.content.title.clone(),
                owner: partners.name(addition.content.owner_organisation_id),
                score: format!(
                    "{} ({})",
                    addition.content.current.value, addition.content.current.band.name
                ),
            })
            .collect(),
        amendments,
        unchanged: plan.unchanged,
        refusal,
        area,
    }
}

/// The pending import named in the URL: only its creator's, in its area, not expired.
async fn pending(
    state: &AppState,
    signed_in: &SignedIn,
    area: &AreaSummary,
    id: &str,
) -> Result<PendingImport, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    store::find_import(
        &state.pool,
        area.id,
        ImportId::new(id),
        signed_in.user.id,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub(super) async fn preview(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let area = importing_area(&state, &signed_in, &slug).await?;
    let import = pending(&state, &signed_in, &area, &id).await?;
    let risks = store::list_risks(&state.pool, area.id).await?;
    let matrix = store::current_matrix(&state.pool, area.id).await?;
    let partners = Partners::load(&state, &area).await?;
    let matrix_changed = matrix.is_some_and(|(id, _)| id != import.matrix_id);
    let frozen = editing_closed(&state, &area).await?;
    let mut page = preview_page(&signed_in, area, &import, &risks, &partners, matrix_changed);
    if let Some(closed) = frozen {
        // In sign-off: the preview can be read, but not applied.
        page.refusal = closed.heading;
    }
    page::ok(&page)
}

pub(super) async fn confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, id)): Path<(String, String)>,
    Form(_fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let area = importing_area(&state, &signed_in, &slug).await?;
    let import = pending(&state, &signed_in, &area, &id).await?;
    let partners = Partners::load(&state, &area).await?;
    let principal = signed_in.user.principal();
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let back = format!("/areas/{}/risks/import/{}", area.slug, import.id);
    ask_guard(&mut change, &area, &back).await?;
    store::lock_register(change.db(), area.id).await?;
    // Confirmed twice at once: the second finds it gone.
    if !store::remove_import(change.db(), import.id).await? {
        return Err(AppError::NotFound);
    }
    let matrix = store::current_matrix(change.db(), area.id).await?;
    let risks = store::list_risks(change.db(), area.id).await?;
    let matrix_changed = matrix.is_none_or(|(id, _)| id != import.matrix_id);
    let page = preview_page(&signed_in, area, &import, &risks, &partners, matrix_changed);
    if !page.refusal.is_empty() {
        // Kept, so the page can still be read; nothing else happened.
        drop(change);
        return page::conflict(&page);
    }
    let area = page.area;
    let plan = &import.plan;
    // The policy may have changed since the upload: every owner is asked again.
    let mut owners = plan
        .additions
        .iter()
        .map(|addition| addition.content.owner_organisation_id)
        .chain(plan.amendments.iter().flat_map(|amendment| {
            let was = risks
                .iter()
                .find(|risk| risk.id == amendment.risk_id)
                .map(|risk| risk.content.owner_organisation_id);
            [Some(amendment.content.owner_organisation_id), was]
                .into_iter()
                .flatten()
        }));
    if owners.any(|owner| !rules::may_edit(&principal, area.id, owner)) {
        drop(change);
        return Err(AppError::Forbidden);
    }
    let who = actor(&signed_in);
    let mut changed = Vec::new();
    for amendment in &plan.amendments {
        let saved = store::update_risk(
            change.db(),
            amendment.risk_id,
            amendment.version,
            import.matrix_id,
            &amendment.content,
            now,
            signed_in.user.id,
        )
        .await?;
        // Under the register's lock, with the versions just checked: cannot happen, but if it
        // did, nothing is kept.
        let Some(version) = saved else {
            drop(change);
            return Err(AppError::Internal(anyhow::anyhow!(
                "risk {} moved on under the register's lock",
                amendment.number
            )));
        };
        let before = risks.iter().find(|risk| risk.id == amendment.risk_id);
        let name = |id: OrganisationId| partners.name(id);
        let fields: Vec<&str> = before
            .map(|risk| content::changes(&risk.content, &amendment.content, &name))
            .unwrap_or_default()
            .iter()
            .map(|change| change.label)
            .collect();
        change
            .record(
                &Event::new(who.clone(), "risk.updated", "risk")
                    .target(amendment.risk_id)
                    .area(area.id)
                    .details(json!({
                        "reference": reference(amendment.number),
                        "version": version,
                        "changed": fields,
                        "import": import.id,
                    })),
            )
            .await?;
        changed.push(reference(amendment.number));
    }
    let mut added = Vec::new();
    for addition in &plan.additions {
        let (risk_id, number) = store::create_risk(
            change.db(),
            area.id,
            import.matrix_id,
            &addition.content,
            now,
            signed_in.user.id,
        )
        .await?;
        change
            .record(
                &Event::new(who.clone(), "risk.created", "risk")
                    .target(risk_id)
                    .area(area.id)
                    .details(json!({
                        "reference": reference(number),
                        "version": 1,
                        "score": addition.content.current.value,
                        "band": addition.content.current.band.name,
                        "import": import.id,
                    })),
            )
            .await?;
        added.push(reference(number));
    }
    change
        .commit(
            &Event::new(who, "risk.import_confirmed", "risk_import")
                .target(import.id)
                .area(area.id)
                .details(json!({
                    "file": import.file_name,
                    "added": added,
                    "changed": changed,
                })),
        )
        .await?;
    Ok(see_done(
        &format!("/areas/{}/risks", area.slug),
        Done::Imported,
    ))
}
