//! The workbook's pages: the downloads (the workbook, a CSV per part) for everyone who reads
//! the plan, and the import: upload, a preview of what would be added and changed (nothing
//! written), then confirming it all or nothing. The pending import is kept server-side
//! (`store`), so the confirm form only names it.

use crate::areas::frozen::EditingClosed;
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::import::{self, Current, ImportPlan, Importer, Membership, Organisation, RowError};
use super::sheets::PlanData;
use super::store::{self, ImportId, LineState, PendingImport, SchemeState};
use super::xlsx::{self, FileProblem};
use super::{Sheet, may_import};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::content::ContentEdit;
use crate::areas::frozen;
use crate::areas::store::{self as areas, AreaSummary};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::parts::checks::facts::{check_plan, sections};
use crate::plans::parts::schemes::{self, FieldChange, Names};
use crate::plans::parts::{conditions, engagement, funding, metrics};
use crate::plans::store::PlanSummary;
use crate::risks::RiskId;
use crate::risks::store as risks;
use crate::risks::transfer::columns::Partner;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::shown;
use crate::web::routes::{Route, get, post};
use crate::web::upload::{UploadProblem, read_upload};
use crate::web::{AppError, Layout, format, page};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans/{plan}/workbook.xlsx", workbook_xlsx),
        get("/areas/{slug}/plans/{plan}/funding.csv", funding_csv),
        get("/areas/{slug}/plans/{plan}/schemes.csv", schemes_csv),
        get("/areas/{slug}/plans/{plan}/metrics.csv", metrics_csv),
        get("/areas/{slug}/plans/{plan}/conditions.csv", conditions_csv),
        get("/areas/{slug}/plans/{plan}/engagement.csv", engagement_csv),
        get("/areas/{slug}/plans/{plan}/import", import_page),
        post("/areas/{slug}/plans/{plan}/import", upload),
        get("/areas/{slug}/plans/{plan}/import/{id}", preview),
        post("/areas/{slug}/plans/{plan}/import/{id}", confirm),
    ]
}

keyed_enum! {
    /// What the workbook page's success banner says after an import (`?done=<key>`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Imported = ("imported", "The import has been applied to the plan"),
    }
}

const PART: &str = "import";
/// Why an import that adds schemes is refused once others have been added since its upload.
const SCHEMES_ADDED: &str =
    "Schemes were added since you uploaded the file; upload it again to see what it would do now.";
/// The most row errors a page lists: enough to see what is wrong with a file.
const ERRORS_SHOWN: usize = 100;

type PlanPath = (String, String);
type ImportPath = (String, String, String);

// --- export ------------------------------------------------------------------------------------

/// The organisations files name: the area's members, then those the plan's lines and schemes
/// still name that have left the area since (so our own export names them and reads back).
async fn organisations(
    state: &AppState,
    plan: &PlanInCycle,
) -> Result<Vec<Organisation>, AppError> {
    let members = areas::list_members(&state.pool, plan.area.id).await?;
    let former = store::former_members(&state.pool, plan.plan.id, plan.area.id).await?;
    Ok(members
        .into_iter()
        .map(|member| Organisation {
            id: member.organisation_id,
            name: member.name,
            membership: if member.signs_plan {
                Membership::Signs
            } else {
                Membership::TakesPart
            },
        })
        .chain(former.into_iter().map(|partner| Organisation {
            id: partner.id,
            name: partner.name,
            membership: Membership::Former,
        }))
        .collect())
}

/// Everything the workbook shows, read from each part's store (a fixed number of queries).
struct Exported {
    partners: Vec<Partner>,
    lines: Vec<funding::FundingLine>,
    minimums: Vec<funding::NotifiedMinimum>,
    schemes: Vec<(i32, schemes::SchemeContent)>,
    risk_numbers: BTreeMap<RiskId, i32>,
    goals: BTreeMap<String, metrics::GoalSet>,
    answers: Vec<conditions::ConditionAnswer>,
    engagement: Vec<engagement::Entry>,
    checks: Vec<crate::plans::parts::checks::CheckResult>,
}

impl Exported {
    async fn load(state: &AppState, plan: &PlanInCycle) -> Result<Exported, AppError> {
        let pool = &state.pool;
        let plan_id = plan.plan.id;
        Ok(Exported {
            partners: organisations(state, plan)
                .await?
                .into_iter()
                .map(|organisation| Partner {
                    id: organisation.id,
                    name: organisation.name,
                })
                .collect(),
            lines: funding::store::lines(pool, plan_id).await?,
            minimums: funding::store::current_minimums(pool, plan_id).await?,
            schemes: store::schemes(pool, plan_id)
                .await?
                .into_iter()
                .map(|scheme| (scheme.number, scheme.content))
                .collect(),
            risk_numbers: risks::list_risks(pool, plan.area.id)
                .await?
                .into_iter()
                .map(|risk| (risk.id, risk.number))
                .collect(),
            goals: metrics::store::current_versions(pool, plan_id)
                .await?
                .into_iter()
                .map(|version| (version.metric_key, version.set))
                .collect(),
            answers: conditions::store::current_answers(pool, plan_id).await?,
            engagement: engagement::store::list_entries(pool, plan_id)
                .await?
                .into_iter()
                .map(|stored| stored.entry)
                .collect(),
            checks: check_plan(
                state,
                &plan.area,
                &plan.plan,
                &plan.structure,
                sections(state, &plan.plan).await?,
            )
            .await?,
        })
    }

    fn data<'a>(&'a self, plan: &'a PlanInCycle) -> PlanData<'a> {
        PlanData {
            structure: &plan.structure,
            partners: &self.partners,
            lines: &self.lines,
            minimums: &self.minimums,
            schemes: &self.schemes,
            risk_numbers: &self.risk_numbers,
            goals: &self.goals,
            answers: &self.answers,
            engagement: &self.engagement,
            checks: &self.checks,
        }
    }
}

/// A file to save, named after the area, the plan and today:
/// kent-2014-16-funding-2015-03-27.csv.
fn download(
    state: &AppState,
    plan: &PlanInCycle,
    what: &str,
    extension: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let today = format::in_london(state.clock.now()).date();
    let name = format!(
        "{}-{}-{what}-{}.{extension}",
        plan.area.slug,
        plan.plan.template_key,
        crate::risks::content::iso(today)
    );
    page::attachment(&name, content_type, bytes)
}

async fn workbook_xlsx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<PlanPath>,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let exported = Exported::load(&state, &plan).await?;
    let sheets = exported.data(&plan).sheets();
    let bytes = tokio::task::spawn_blocking(move || xlsx::write(&sheets))
        .await?
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok(download(
        &state,
        &plan,
        "workbook",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

/// One part's sheet as CSV.
async fn part_csv(
    state: AppState,
    signed_in: SignedIn,
    (slug, plan_key): PlanPath,
    what: &str,
    sheet: impl FnOnce(&PlanData<'_>) -> Sheet,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let exported = Exported::load(&state, &plan).await?;
    let bytes = super::csv(&sheet(&exported.data(&plan)))
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok(download(
        &state,
        &plan,
        what,
        "csv",
        "text/csv; charset=utf-8",
        bytes,
    ))
}

async fn funding_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<PlanPath>,
) -> Result<Response, AppError> {
    part_csv(state, signed_in, path, "funding", |data| data.funding()).await
}

async fn schemes_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<PlanPath>,
) -> Result<Response, AppError> {
    part_csv(state, signed_in, path, "schemes", |data| data.schemes()).await
}

async fn metrics_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<PlanPath>,
) -> Result<Response, AppError> {
    part_csv(state, signed_in, path, "metrics", |data| data.metrics()).await
}

async fn conditions_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<PlanPath>,
) -> Result<Response, AppError> {
    part_csv(state, signed_in, path, "conditions", |data| {
        data.conditions()
    })
    .await
}

async fn engagement_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<PlanPath>,
) -> Result<Response, AppError> {
    part_csv(state, signed_in, path, "engagement", |data| {
        data.engagement()
    })
    .await
}

// --- the workbook page and the upload ------------------------------------------------------------

/// A download the page offers.
struct Download {
    label: &'static str,
    href: String,
}

/// The problems of one sheet of an uploaded file.
struct SheetErrors {
    sheet: &'static str,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "plans/parts/workbook/import.html")]
struct ImportPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    may_import: bool,
    workbook: String,
    downloads: Vec<Download>,
    /// The message by the file field: the file as a whole, or that some rows are wrong.
    file_error: String,
    errors: Vec<SheetErrors>,
    more_errors: usize,
    /// After a file that matches the plan: that it did, and how many rows it had.
    nothing_to_change: bool,
    unchanged: usize,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

impl ImportPage {
    fn new(signed_in: &SignedIn, plan: PlanInCycle, banner: &'static str) -> ImportPage {
        let url = plan.url();
        let download = |label, what: &str| Download {
            label,
            href: format!("{url}/{what}.csv"),
        };
        ImportPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            may_import: may_import(&signed_in.user.principal(), plan.area.id),
            workbook: format!("{url}/workbook.xlsx"),
            downloads: vec![
                download("Funding", "funding"),
                download("Schemes", "schemes"),
                download("Metrics", "metrics"),
                download("National conditions", "conditions"),
                download("Engagement log", "engagement"),
            ],
            approval: plan.approval,
            area: plan.area,
            plan: plan.plan,
            part: PART,
            banner,
            file_error: String::new(),
            errors: Vec::new(),
            more_errors: 0,
            nothing_to_change: false,
            unchanged: 0,
            frozen: None,
        }
    }

    fn refusing_file(mut self, problem: &FileProblem) -> ImportPage {
        self.file_error = problem.to_string();
        self
    }

    fn refusing_rows(mut self, errors: &[RowError]) -> ImportPage {
        self.file_error = format!(
            "The file has {} problem{}: fix {} and upload it again. Nothing has been imported.",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "it" } else { "them" }
        );
        for error in errors.iter().take(ERRORS_SHOWN) {
            match self
                .errors
                .iter_mut()
                .find(|group| group.sheet == error.sheet)
            {
                Some(group) => group.errors.push(error.to_string()),
                None => self.errors.push(SheetErrors {
                    sheet: error.sheet,
                    errors: vec![error.to_string()],
                }),
            }
        }
        self.more_errors = errors.len().saturating_sub(ERRORS_SHOWN);
        self
    }
}

async fn import_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<PlanPath>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let frozen = plan.editing_closed(&state).await?;
    let mut page = ImportPage::new(&signed_in, plan, done.banner::<Done>());
    page.may_import &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

/// The plan, if `signed_in` may import into it; refused otherwise.
async fn importing_plan(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
) -> Result<PlanInCycle, AppError> {
    let plan = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
    if !may_import(&signed_in.user.principal(), plan.area.id) {
        return Err(AppError::Forbidden);
    }
    Ok(plan)
}

/// The plan as it stands, as an import compares with it.
struct Standing {
    organisations: Vec<Organisation>,
    /// The plan's scheme counter, read before its schemes.
    scheme_counter: i32,
    lines: Vec<LineState>,
    schemes: Vec<SchemeState>,
    risks: Vec<(i32, RiskId, bool)>,
}

impl Standing {
    async fn load(state: &AppState, plan: &PlanInCycle) -> Result<Standing, AppError> {
        Ok(Standing {
            organisations: organisations(state, plan).await?,
            scheme_counter: schemes::store::last_number(&state.pool, plan.plan.id).await?,
            lines: store::lines(&state.pool, plan.plan.id).await?,
            schemes: store::schemes(&state.pool, plan.plan.id).await?,
            risks: risks::list_risks(&state.pool, plan.area.id)
                .await?
                .into_iter()
                .map(|risk| (risk.number, risk.id, risk.content.status.is_open()))
                .collect(),
        })
    }

    fn partner(&self, id: OrganisationId) -> String {
        self.organisations
            .iter()
            .find(|organisation| organisation.id == id)
            .map_or_else(
                || format!("Organisation {id}"),
                |organisation| organisation.name.clone(),
            )
    }

    fn risk(&self, id: RiskId) -> String {
        self.risks
            .iter()
            .find(|(_, risk, _)| *risk == id)
            .map_or_else(
                || format!("Risk {id}"),
                |(number, ..)| crate::risks::reference(*number),
            )
    }
}

async fn upload(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<PlanPath>,
    request: Request,
) -> Result<Response, AppError> {
    let plan = importing_plan(&state, &signed_in, &slug, &plan_key).await?;
    let refuse = |status: StatusCode, problem: FileProblem, plan: PlanInCycle| {
        let page = ImportPage::new(&signed_in, plan, "").refusing_file(&problem);
        Ok::<Response, AppError>((status, page::render(&page)?).into_response())
    };
    let upload = match read_upload(request, xlsx::MAX_FILE_BYTES).await {
        Ok(upload) => upload,
        Err(UploadProblem::TooLarge) => {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, FileProblem::TooLarge, plan);
        }
        Err(UploadProblem::NoFile) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, FileProblem::NoFile, plan);
        }
        Err(UploadProblem::Unreadable(detail)) => {
            let problem = FileProblem::Unreadable(detail);
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, problem, plan);
        }
    };
    // Reading a large workbook is work for a blocking thread, not the server's.
    let file_name = upload.name;
    let bytes = upload.bytes;
    let book = match tokio::task::spawn_blocking(move || xlsx::read(&bytes)).await? {
        Ok(book) => book,
        Err(problem) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, problem, plan),
    };
    let standing = Standing::load(&state, &plan).await?;
    let principal = signed_in.user.principal();
    let area_id = plan.area.id;
    let may_edit_lines =
        |organisation: OrganisationId| funding::may_edit_lines(&principal, area_id, organisation);
    let planned = import::plan(
        &book,
        &Current {
            structure: &plan.structure,
            organisations: &standing.organisations,
            lines: &standing.lines,
            schemes: &standing.schemes,
            risks: &standing.risks,
        },
        &Importer {
            may_edit_lines: &may_edit_lines,
            may_edit_schemes: schemes::may_edit(&principal, area_id),
        },
    );
    let mut import_plan = match planned {
        Ok(import_plan) => import_plan,
        Err(errors) => {
            return page::unprocessable(
                &ImportPage::new(&signed_in, plan, "").refusing_rows(&errors),
            );
        }
    };
    if import_plan.changes_nothing() {
        // Nothing to confirm, so nothing kept: the plan already says what the file says.
        let mut page = ImportPage::new(&signed_in, plan, "");
        page.nothing_to_change = true;
        page.unchanged = import_plan.lines_unchanged + import_plan.schemes_unchanged;
        return page::ok(&page);
    }
    import_plan.scheme_counter = standing.scheme_counter;
    let file_name: String = shown(&file_name).chars().take(255).collect();
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let id = store::save_import(
        change.db(),
        plan.plan.id,
        signed_in.user.id,
        now,
        &file_name,
        &import_plan,
    )
    .await?;
    change
        .commit(
            &Event::new(
                actor(&signed_in),
                "workbook.import_uploaded",
                "workbook_import",
            )
            .target(id)
            .area(area_id)
            .details(json!({
                "plan": plan.plan.template_key,
                "file": file_name,
                "lines": import_plan.lines.len(),
                "lines_unchanged": import_plan.lines_unchanged,
                "schemes_added": import_plan.additions.len(),
                "schemes_changed": import_plan.amendments.len(),
                "schemes_unchanged": import_plan.schemes_unchanged,
            })),
        )
        .await?;
    Ok(page::see_other(&format!("{}/import/{id}", plan.url())))
}

// --- preview and confirm -----------------------------------------------------------------------

/// A funding line the import would add or change.
struct LineRow {
    row: usize,
    organisation: String,
    year: String,
    stream: String,
    before: String,
    after: String,
    /// Changed by someone since the file was uploaded: confirming will refuse.
    changed_since: bool,
}

/// A table of funding lines on the preview.
struct LineTable {
    id: &'static str,
    caption: &'static str,
    rows: Vec<LineRow>,
    /// "2 funding lines to add".
    summary: String,
}

fn line_table(
    id: &'static str,
    caption: &'static str,
    what: &str,
    rows: Vec<LineRow>,
) -> LineTable {
    LineTable {
        summary: format!(
            "{} funding line{} to {what}",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        ),
        id,
        caption,
        rows,
    }
}

/// A scheme the import would add.
struct AdditionRow {
    row: usize,
    name: String,
    kind: &'static str,
    source: String,
    spend: String,
}

/// A scheme the import would change, field by field against the plan now.
struct AmendmentRow {
    row: usize,
    reference: String,
    number: i32,
    name: String,
    changes: Vec<FieldChange>,
    changed_since: bool,
}

#[derive(Template)]
#[template(path = "plans/parts/workbook/preview.html")]
struct PreviewPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    url: String,
    id: ImportId,
    file_name: String,
    uploaded: String,
    /// The lines to add, then those to change.
    line_tables: [LineTable; 2],
    lines_unchanged: usize,
    additions: Vec<AdditionRow>,
    amendments: Vec<AmendmentRow>,
    schemes_unchanged: usize,
    /// Why it cannot be confirmed as it is (empty: it can).
    refusal: String,
}

/// How the money of a line reads: £1,000.00, or "none".
fn amount(pence: Option<crate::web::money::Pence>) -> String {
    pence.map_or_else(|| "None".to_owned(), |pence| pence.to_string())
}

fn preview_page(
    signed_in: &SignedIn,
    plan: PlanInCycle,
    import: &PendingImport,
    standing: &Standing,
) -> PreviewPage {
    let structure = &plan.structure;
    let import_plan: &ImportPlan = &import.plan;
    let organisation = |id: OrganisationId| standing.partner(id);
    let risk = |id: RiskId| standing.risk(id);
    let names = Names {
        structure,
        organisation: &organisation,
        risk: &risk,
    };
    let mut stale = Vec::new();
    let (mut line_additions, mut line_changes) = (Vec::new(), Vec::new());
    for line in &import_plan.lines {
        let now = standing.lines.iter().find(|stored| {
            stored.organisation_id == line.organisation_id
                && stored.year_key == line.year_key
                && stored.stream_key == line.stream_key
        });
        let changed_since = now.map_or(0, |stored| stored.version) != line.version;
        let year = structure
            .years()
            .iter()
            .find(|year| year.key == line.year_key)
            .map_or_else(|| line.year_key.clone(), |year| year.label.clone());
        let stream = structure
            .streams()
            .iter()
            .find(|stream| stream.key == line.stream_key)
            .map_or_else(|| line.stream_key.clone(), |stream| stream.name.clone());
        let row = LineRow {
            row: line.row,
            organisation: standing.partner(line.organisation_id),
            before: amount(
                now.and_then(|stored| stored.amount)
                    .map(crate::web::money::Pence::new),
            ),
            after: amount(line.after),
            changed_since,
            year,
            stream,
        };
        if changed_since {
            stale.push(format!(
                "{}’s {} in {}",
                row.organisation, row.stream, row.year
            ));
        }
        if line.before.is_none() {
            line_additions.push(row);
        } else {
            line_changes.push(row);
        }
    }
    let amendments: Vec<AmendmentRow> = import_plan
        .amendments
        .iter()
        .map(|amendment| {
            let now = standing
                .schemes
                .iter()
                .find(|scheme| scheme.id == amendment.scheme_id);
            let changed_since = now.is_none_or(|scheme| scheme.version != amendment.version);
            if changed_since {
                stale.push(schemes::reference(amendment.number));
            }
            AmendmentRow {
                row: amendment.row,
                reference: schemes::reference(amendment.number),
                number: amendment.number,
                name: amendment.content.name.clone(),
                changes: match (now, amendment.content.content()) {
                    (Some(scheme), Some(after)) => {
                        schemes::changes(&scheme.content, &after, &names)
                    }
                    _ => Vec::new(),
                },
                changed_since,
            }
        })
        .collect();
    let mut refusals = Vec::new();
    if !stale.is_empty() {
        refusals.push(format!(
            "Someone has changed {} since the file was uploaded, so importing it would overwrite their changes. Nothing has been imported: export the workbook again, make your changes and upload it.",
            stale.join(", ")
        ));
    }
    // The file's new schemes may be the ones added meanwhile (the same file imported twice).
    if !import_plan.additions.is_empty() && standing.scheme_counter != import_plan.scheme_counter {
        refusals.push(SCHEMES_ADDED.to_owned());
    }
    let refusal = refusals.join(" ");
    let stream_name = |key: &str| {
        structure
            .streams()
            .iter()
            .find(|stream| stream.key == key)
            .map_or_else(|| key.to_owned(), |stream| stream.name.clone())
    };
    PreviewPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        url: plan.url(),
        id: import.id,
        file_name: import.file_name.clone(),
        uploaded: format::date_time(import.created_at),
        line_tables: [
            line_table(
                "line-additions",
                "Funding lines to add",
                "add",
                line_additions,
            ),
            line_table(
                "line-changes",
                "Funding lines to change",
                "change",
                line_changes,
            ),
        ],
        lines_unchanged: import_plan.lines_unchanged,
        additions: import_plan
            .additions
            .iter()
            .map(|addition| AdditionRow {
                row: addition.row,
                name: addition.content.name.clone(),
                kind: schemes::SchemeType::parse(&addition.content.scheme_type)
                    .map_or("", schemes::SchemeType::label),
                source: stream_name(&addition.content.funding_source),
                spend: funding::sum(addition.content.amounts.iter().map(|(_, spend, _)| *spend))
                    .to_string(),
            })
            .collect(),
        amendments,
        schemes_unchanged: import_plan.schemes_unchanged,
        refusal,
        approval: plan.approval,
        area: plan.area,
        plan: plan.plan,
        part: PART,
    }
}

/// The pending import named in the URL: only its creator's, for this plan, not expired.
async fn pending(
    state: &AppState,
    signed_in: &SignedIn,
    plan: &PlanInCycle,
    id: &str,
) -> Result<PendingImport, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    store::find_import(
        &state.pool,
        plan.plan.id,
        ImportId::new(id),
        signed_in.user.id,
        state.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound)
}

async fn preview(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, id)): Path<ImportPath>,
) -> Result<Response, AppError> {
    let plan = importing_plan(&state, &signed_in, &slug, &plan_key).await?;
    let import = pending(&state, &signed_in, &plan, &id).await?;
    let standing = Standing::load(&state, &plan).await?;
    let frozen = plan.editing_closed(&state).await?;
    let mut page = preview_page(&signed_in, plan, &import, &standing);
    if let Some(closed) = frozen {
        // In sign-off: the preview can be read, but not applied.
        page.refusal = closed.heading;
    }
    page::ok(&page)
}

async fn confirm(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, id)): Path<ImportPath>,
    Form(_fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let plan = importing_plan(&state, &signed_in, &slug, &plan_key).await?;
    let import = pending(&state, &signed_in, &plan, &id).await?;
    let standing = Standing::load(&state, &plan).await?;
    let principal = signed_in.user.principal();
    let area_id = plan.area.id;
    let import_plan = &import.plan;
    // The policy may have changed since the upload: every change is asked again.
    if import_plan
        .lines
        .iter()
        .any(|line| !funding::may_edit_lines(&principal, area_id, line.organisation_id))
        || (import_plan.changes_schemes() && !schemes::may_edit(&principal, area_id))
    {
        return Err(AppError::Forbidden);
    }
    let plan_id = plan.plan.id;
    let template_key = plan.plan.template_key.clone();
    let url = plan.url();
    let page = preview_page(&signed_in, plan, &import, &standing);
    if !page.refusal.is_empty() {
        // Kept, so the page can still be read; nothing else happened.
        return page::conflict(&page);
    }
    let now = state.clock.now();
    let who = actor(&signed_in);
    let mut change = Change::begin(&state.pool, now).await?;
    let back = format!("{url}/import/{}", import.id);
    let edit = ContentEdit::Plan(plan_id.get());
    frozen::ask_guard(change.db(), area_id, edit, &back).await?;
    // Confirmed twice at once: the second finds it gone.
    if !store::remove_import(change.db(), import.id).await? {
        return Err(AppError::NotFound);
    }
    // Each write is based on the version the preview showed: one that moved on since (after
    // the check above) leaves the whole import unwritten.
    let moved_on = |page: PreviewPage, what: String| {
        let mut page = page;
        page.refusal = format!(
            "Someone changed {what} while the import was being applied. Nothing has been imported: look at the preview again."
        );
        page::conflict(&page)
    };
    for line in &import_plan.lines {
        let version = funding::store::write_line(
            change.db(),
            plan_id,
            line.organisation_id,
            &line.year_key,
            &line.stream_key,
            line.after,
            line.version,
            now,
            signed_in.user.id,
        )
        .await?;
        let Some(version) = version else {
            drop(change);
            return moved_on(page, "a funding line".to_owned());
        };
        change
            .record(
                &Event::new(who.clone(), "funding.changed", "funding")
                    .target(format!(
                        "{plan_id}:{}:{}",
                        line.organisation_id, line.year_key
                    ))
                    .area(area_id)
                    .details(json!({
                        "plan": template_key,
                        "organisation_id": line.organisation_id,
                        "organisation": standing.partner(line.organisation_id),
                        "year": line.year_key,
                        "changes": [{
                            "stream": line.stream_key,
                            "before": line.before.map(|pence| pence.get()),
                            "after": line.after.map(|pence| pence.get()),
                            "version": version,
                        }],
                        "import": import.id,
                    })),
            )
            .await?;
    }
    let mut changed = Vec::new();
    for (amendment, row) in import_plan.amendments.iter().zip(&page.amendments) {
        let content = amendment
            .content
            .content()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a pending scheme's type")))?;
        let saved = schemes::store::update(
            change.db(),
            amendment.scheme_id,
            amendment.version,
            &content,
            now,
            signed_in.user.id,
        )
        .await?;
        let Some(version) = saved else {
            drop(change);
            return moved_on(page, schemes::reference(amendment.number));
        };
        change
            .record(
                &Event::new(who.clone(), "scheme.changed", "scheme")
                    .target(amendment.scheme_id)
                    .area(area_id)
                    .details(json!({
                        "plan": template_key,
                        "scheme": schemes::reference(amendment.number),
                        "version": version,
                        "changes": row.changes.iter().map(|change| json!({
                            "field": change.label,
                            "before": change.before,
                            "after": change.after,
                        })).collect::<Vec<_>>(),
                        "import": import.id,
                    })),
            )
            .await?;
        changed.push(schemes::reference(amendment.number));
    }
    let mut added = Vec::new();
    for addition in &import_plan.additions {
        let content = addition
            .content
            .content()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a pending scheme's type")))?;
        let created =
            schemes::store::create_if_room(change.db(), plan_id, &content, now, signed_in.user.id)
                .await?;
        let Some((scheme_id, number)) = created else {
            // All or nothing: a plan at its most schemes takes none of the file's.
            drop(change);
            let mut page = page;
            page.refusal = format!(
                "The file adds {} schemes, more than the plan has room for. {}",
                import_plan.additions.len(),
                schemes::full_message()
            );
            return page::conflict(&page);
        };
        // Numbers are handed out in turn (the counter row stays locked until this commits):
        // any other than the next after the upload's means another import or person added
        // schemes since the check above.
        if added.is_empty() && number != import_plan.scheme_counter + 1 {
            drop(change);
            let mut page = page;
            page.refusal = SCHEMES_ADDED.to_owned();
            return page::conflict(&page);
        }
        change
            .record(
                &Event::new(who.clone(), "scheme.added", "scheme")
                    .target(scheme_id)
                    .area(area_id)
                    .details(json!({
                        "plan": template_key,
                        "scheme": schemes::reference(number),
                        "import": import.id,
                    })),
            )
            .await?;
        added.push(schemes::reference(number));
    }
    change
        .commit(
            &Event::new(who, "workbook.import_confirmed", "workbook_import")
                .target(import.id)
                .area(area_id)
                .details(json!({
                    "plan": template_key,
                    "file": import.file_name,
                    "lines": import_plan.lines.len(),
                    "schemes_added": added,
                    "schemes_changed": changed,
                })),
        )
        .await?;
    Ok(see_done(&format!("{url}/import"), Done::Imported))
}
