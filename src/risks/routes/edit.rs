//! Adding a risk, a risk's page (its details, edit form and history), and saving an edit: with
//! the version the form was based on, so that a save made meanwhile by someone else is shown
//! field by field (409) rather than overwritten.

use crate::areas::frozen::EditingClosed;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{
    Done, Partners, ask_guard, editing_closed, load_risk, readable_area, reference, today,
};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::risks::content::{self, ACTION_ROWS, Category, FieldChange, RiskContent, RiskForm};
use crate::risks::status::RiskStatus;
use crate::risks::store::{self, CurrentRisk, RiskVersion};
use crate::risks::{Matrix, MatrixId, rules};
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{Choice, prompted};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::page::see_other;
use crate::web::{AppError, Layout, format, page};

/// A partner's share box on the form.
struct ShareField {
    field: String,
    name: String,
}

/// What the form template needs, for adding and editing alike.
struct FormView {
    action: String,
    form: RiskForm,
    errors: FormErrors,
    version: i32,
    category_choices: Vec<Choice>,
    owner_choices: Vec<Choice>,
    likelihood_choices: Vec<Choice>,
    impact_choices: Vec<Choice>,
    residual_likelihood_choices: Vec<Choice>,
    residual_impact_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    action_rows: Vec<usize>,
    shares: Vec<ShareField>,
    button: &'static str,
}

impl FormView {
    fn new(
        action: String,
        form: RiskForm,
        errors: FormErrors,
        version: i32,
        matrix: &Matrix,
        partners: &Partners,
        button: &'static str,
    ) -> FormView {
        let level = |levels: Vec<(u8, String)>, typed: &str| {
            prompted(
                "Choose",
                levels
                    .into_iter()
                    .map(|(level, label)| (level, format!("{level} – {label}"))),
                typed,
            )
        };
        let likelihoods: Vec<(u8, String)> = matrix
            .likelihoods()
            .map(|(level, label)| (level, label.to_owned()))
            .collect();
        let impacts: Vec<(u8, String)> = matrix
            .impacts()
            .map(|(level, label)| (level, label.to_owned()))
            .collect();
        FormView {
            category_choices: prompted(
                "Choose a category",
                Category::ALL.iter().map(|c| (c.key(), c.label())),
                form.get("category"),
            ),
            owner_choices: prompted(
                "Choose an organisation",
                partners
                    .members
                    .iter()
                    .map(|m| (m.organisation_id.to_string(), m.name.clone())),
                form.get("owner_organisation"),
            ),
            likelihood_choices: level(likelihoods.clone(), form.get("likelihood")),
            impact_choices: level(impacts.clone(), form.get("impact")),
            residual_likelihood_choices: level(likelihoods, form.get("residual_likelihood")),
            residual_impact_choices: level(impacts, form.get("residual_impact")),
            status_choices: RiskStatus::ALL
                .iter()
                .map(|s| Choice::new(s.key(), s.label(), form.get("status")))
                .collect(),
            action_rows: (1..=ACTION_ROWS).collect(),
            shares: partners
                .members
                .iter()
                .map(|m| ShareField {
                    field: format!("share_{}", m.organisation_id),
                    name: m.name.clone(),
                })
                .collect(),
            action,
            form,
            errors,
            version,
            button,
        }
    }
}

#[derive(Template)]
#[template(path = "risks/new.html")]
struct NewPage {
    layout: Layout,
    area: AreaSummary,
    view: FormView,
}

/// A version in the history list.
struct HistoryRow {
    version: i32,
    when: String,
    who: String,
    changed: String,
    /// Scored under a matrix other than the one in use.
    earlier_matrix: bool,
}

#[derive(Template)]
#[template(path = "risks/risk.html")]
struct RiskPage {
    layout: Layout,
    area: AreaSummary,
    banner: &'static str,
    reference: String,
    number: i32,
    details: Vec<(&'static str, String)>,
    row: super::RiskRow,
    /// The edit form, shown only to those who may edit the risk.
    may_edit: bool,
    view: FormView,
    history: Vec<HistoryRow>,
    /// Says so when the current version was scored under an earlier matrix, or "".
    earlier_matrix: String,
    version_choices_from: Vec<Choice>,
    version_choices_to: Vec<Choice>,
    /// The plan sections that cite the risk: (address, section title, plan name).
    linked_sections: Vec<(String, String, String)>,
    /// Set while a plan of the area is in sign-off.
    frozen: Option<EditingClosed>,
}

#[derive(Template)]
#[template(path = "risks/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    reference: String,
    number: i32,
    theirs_by: String,
    differences: Vec<FieldChange>,
    view: FormView,
}

fn blank_form(signed_in: &SignedIn) -> RiskForm {
    RiskForm(vec![
        (
            "owner_organisation".to_owned(),
            signed_in.user.organisation_id.to_string(),
        ),
        ("status".to_owned(), RiskStatus::Open.key().to_owned()),
    ])
}

async fn matrix_of(state: &AppState, area: &AreaSummary) -> Result<Matrix, AppError> {
    Ok(store::current_matrix(&state.pool, area.id)
        .await?
        .map(|(_, matrix)| matrix)
        .unwrap_or_else(Matrix::npsa_5x5))
}

/// The risk's levels that the current matrix no longer has (it was rated on an earlier one),
/// each asked again by its field, so that the form never quietly offers another rating.
fn ratings_to_redo(content: &RiskContent, matrix: &Matrix) -> FormErrors {
    let mut errors = FormErrors::new();
    for (score, likelihood, impact) in [
        (&content.current, "likelihood", "impact"),
        (&content.residual, "residual_likelihood", "residual_impact"),
    ] {
        let misfits = matrix.misfits(score);
        for (field, problem) in [(likelihood, misfits.likelihood), (impact, misfits.impact)] {
            if let Some(problem) = problem {
                errors.add(field, problem.to_string());
            }
        }
    }
    errors
}

pub(super) async fn new_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let area = readable_area(&state, &signed_in, &slug).await?;
    if !rules::may_add(&signed_in.user.principal(), area.id) {
        return Err(AppError::Forbidden);
    }
    if editing_closed(&state, &area).await?.is_some() {
        // In sign-off: the register says so, and offers no form.
        return Ok(see_other(&format!("/areas/{}/risks", area.slug)));
    }
    let form = blank_form(&signed_in);
    new_page(&state, &signed_in, area, form, FormErrors::new(), false).await
}

async fn new_page(
    state: &AppState,
    signed_in: &SignedIn,
    area: AreaSummary,
    form: RiskForm,
    errors: FormErrors,
    refused: bool,
) -> Result<Response, AppError> {
    let partners = Partners::load(state, &area).await?;
    let matrix = matrix_of(state, &area).await?;
    let view = FormView::new(
        format!("/areas/{}/risks/new", area.slug),
        form,
        errors,
        0,
        &matrix,
        &partners,
        "Add the risk",
    );
    let page = NewPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        area,
        view,
    };
    if refused {
        page::unprocessable(&page)
    } else {
        page::ok(&page)
    }
}

fn typed(fields: &[(String, String)]) -> Typed {
    Typed::from_fields(fields.to_vec())
}

pub(super) async fn create_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kept = typed(&fields);
    create(&state, &signed_in, &slug, RiskForm(fields))
        .await
        .map_err(|error| error.keeping(kept))
}

async fn create(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    form: RiskForm,
) -> Result<Response, AppError> {
    let area = readable_area(state, signed_in, slug).await?;
    let principal = signed_in.user.principal();
    if !rules::may_add(&principal, area.id) {
        return Err(AppError::Forbidden);
    }
    let partners = Partners::load(state, &area).await?;
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let back_url = format!("/areas/{}/risks/new", area.slug);
    ask_guard(&mut change, &area, &back_url).await?;
    store::lock_register(change.db(), area.id).await?;
    let (matrix_id, matrix) =
        store::ensure_matrix(change.db(), area.id, now, signed_in.user.id).await?;
    let content = match parse_for(&form, &matrix, &partners, &principal, area.id) {
        Ok(content) => content,
        Err(errors) => {
            drop(change);
            return new_page(state, signed_in, area, form, errors, true).await;
        }
    };
    let (risk_id, number) = store::create_risk(
        change.db(),
        area.id,
        matrix_id,
        &content,
        now,
        signed_in.user.id,
    )
    .await?;
    change
        .commit(
            &Event::new(actor(signed_in), "risk.created", "risk")
                .target(risk_id)
                .area(area.id)
                .details(json!({
                    "reference": reference(number),
                    "version": 1,
                    "score": content.current.value,
                    "band": content.current.band.name,
                })),
        )
        .await?;
    Ok(see_done(
        &format!("/areas/{}/risks/{number}", area.slug),
        Done::Added,
    ))
}

/// The form parsed, and the owner one the person may give a risk.
fn parse_for(
    form: &RiskForm,
    matrix: &Matrix,
    partners: &Partners,
    principal: &crate::auth::policy::Principal<'_>,
    area_id: crate::areas::AreaId,
) -> Result<RiskContent, FormErrors> {
    let content = form.parse(matrix, &partners.ids())?;
    if !rules::may_edit(principal, area_id, content.owner_organisation_id) {
        let mut errors = FormErrors::new();
        errors.add(
            "owner_organisation",
            "Choose your own organisation: only the area lead can give a risk to another organisation",
        );
        return Err(errors);
    }
    Ok(content)
}

pub(super) async fn show_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, number)): Path<(String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let area = readable_area(&state, &signed_in, &slug).await?;
    let frozen = editing_closed(&state, &area).await?;
    let risk = load_risk(&state, &area, &number).await?;
    let form = RiskForm::from_content(&risk.content, &Partners::load(&state, &area).await?.ids());
    let mut page = risk_page(
        &state,
        &signed_in,
        area,
        risk,
        form,
        FormErrors::new(),
        done.banner::<Done>(),
    )
    .await?;
    page.may_edit &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

async fn risk_page(
    state: &AppState,
    signed_in: &SignedIn,
    area: AreaSummary,
    risk: CurrentRisk,
    form: RiskForm,
    errors: FormErrors,
    banner: &'static str,
) -> Result<RiskPage, AppError> {
    let partners = Partners::load(state, &area).await?;
    let record = store::matrix_record(&state.pool, area.id, None).await?;
    let matrix_id = record.as_ref().map(|record| record.id);
    let earlier_matrix = match &record {
        Some(record) if record.id != risk.matrix_id => format!(
            "{} This version was scored under an earlier matrix and keeps the score and band it was given then; saving the risk scores it under the matrix now in use.",
            super::matrix::change_note(record).unwrap_or_default()
        ),
        _ => String::new(),
    };
    let matrix = record.map_or_else(Matrix::npsa_5x5, |record| record.matrix);
    // Opened afresh, the form asks again for levels this matrix no longer has; sent back with
    // errors, parsing has already said so.
    let errors = if errors.is_empty() {
        ratings_to_redo(&risk.content, &matrix)
    } else {
        errors
    };
    let versions = store::versions(&state.pool, risk.id).await?;
    let linked_sections = store::sections_linked_to_risk(&state.pool, risk.id)
        .await?
        .into_iter()
        .map(|section| {
            (
                format!(
                    "/areas/{}/plans/{}/sections/{}",
                    area.slug, section.plan_key, section.section_key
                ),
                section.section_title,
                section.plan_name,
            )
        })
        .collect();
    let name = |id: OrganisationId| partners.name(id);
    let may_edit = rules::may_edit(
        &signed_in.user.principal(),
        area.id,
        risk.content.owner_organisation_id,
    );
    let view = FormView::new(
        format!("/areas/{}/risks/{}", area.slug, risk.number),
        form,
        errors,
        risk.version,
        &matrix,
        &partners,
        "Save changes",
    );
    let history = history(&versions, &name, matrix_id);
    let latest = risk.version.to_string();
    let previous = (risk.version - 1).max(1).to_string();
    let version_choice = |selected: &str| {
        versions
            .iter()
            .map(|v| Choice::new(v.version, format!("Version {}", v.version), selected))
            .collect()
    };
    Ok(RiskPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner,
        reference: reference(risk.number),
        number: risk.number,
        details: content::fields(&risk.content, &name),
        row: super::RiskRow::of(risk.number, &risk.content, &partners, today(state)),
        may_edit,
        view,
        history,
        earlier_matrix,
        version_choices_from: version_choice(&previous),
        version_choices_to: version_choice(&latest),
        linked_sections,
        frozen: None,
        area,
    })
}

fn history(
    versions: &[RiskVersion],
    name: &dyn Fn(OrganisationId) -> String,
    current_matrix: Option<MatrixId>,
) -> Vec<HistoryRow> {
    let mut rows: Vec<HistoryRow> = versions
        .iter()
        .enumerate()
        .map(|(index, version)| {
            let changed = match index.checked_sub(1).and_then(|i| versions.get(i)) {
                None => "Added to the register".to_owned(),
                Some(before) => {
                    let labels: Vec<&str> =
                        content::changes(&before.content, &version.content, name)
                            .iter()
                            .map(|change| change.label)
                            .collect();
                    if labels.is_empty() {
                        "Saved without changes".to_owned()
                    } else {
                        labels.join(", ")
                    }
                }
            };
            HistoryRow {
                version: version.version,
                when: format::date_time(version.recorded_at),
                who: version
                    .recorded_by
                    .clone()
                    .unwrap_or_else(|| "Unknown".to_owned()),
                changed,
                earlier_matrix: Some(version.matrix_id) != current_matrix,
            }
        })
        .collect();
    // Newest first, as people look for what changed last.
    rows.reverse();
    rows
}

pub(super) async fn update_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, number)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kept = typed(&fields);
    update(&state, &signed_in, &slug, &number, RiskForm(fields))
        .await
        .map_err(|error| error.keeping(kept))
}

async fn update(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    number: &str,
    form: RiskForm,
) -> Result<Response, AppError> {
    let area = readable_area(state, signed_in, slug).await?;
    let risk = load_risk(state, &area, number).await?;
    let principal = signed_in.user.principal();
    if !rules::may_edit(&principal, area.id, risk.content.owner_organisation_id) {
        return Err(AppError::Forbidden);
    }
    let partners = Partners::load(state, &area).await?;
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let back_url = format!("/areas/{}/risks/{}", area.slug, risk.number);
    ask_guard(&mut change, &area, &back_url).await?;
    store::lock_register(change.db(), area.id).await?;
    let (matrix_id, matrix) =
        store::ensure_matrix(change.db(), area.id, now, signed_in.user.id).await?;
    let parsed = parse_for(&form, &matrix, &partners, &principal, area.id);
    let version = form.get("version").trim().parse::<i32>().ok();
    let content = match (parsed, version) {
        (Ok(content), Some(version)) => (content, version),
        (parsed, _) => {
            drop(change);
            let mut errors = parsed.err().unwrap_or_default();
            if version.is_none() {
                errors.add("title", "This form was out of date, so nothing was saved. Check the risk and save again.");
            }
            let mut page = risk_page(state, signed_in, area, risk, form, errors, "").await?;
            // The form stays based on the version it was loaded with: a save made meanwhile
            // by someone else is still caught when this one is sent again.
            if let Some(version) = version {
                page.view.version = version;
            }
            return page::unprocessable(&page);
        }
    };
    let (content, version) = content;
    let saved = store::update_risk(
        change.db(),
        risk.id,
        version,
        matrix_id,
        &content,
        now,
        signed_in.user.id,
    )
    .await?;
    let Some(new_version) = saved else {
        drop(change);
        // Read again: someone saved after this form was loaded.
        let current = load_risk(state, &area, number).await?;
        return conflict(signed_in, area, current, content, form, &partners, &matrix);
    };
    let name = |id: OrganisationId| partners.name(id);
    let changed: Vec<&str> = content::changes(&risk.content, &content, &name)
        .iter()
        .map(|change| change.label)
        .collect();
    change
        .commit(
            &Event::new(actor(signed_in), "risk.updated", "risk")
                .target(risk.id)
                .area(area.id)
                .details(json!({
                    "reference": reference(risk.number),
                    "version": new_version,
                    "changed": changed,
                })),
        )
        .await?;
    Ok(see_done(
        &format!("/areas/{}/risks/{}", area.slug, risk.number),
        Done::Saved,
    ))
}

/// The 409 page: the person's values and the current ones, field by field, and the form again
/// holding the person's values against the current version, so saving it again is deliberate.
fn conflict(
    signed_in: &SignedIn,
    area: AreaSummary,
    current: CurrentRisk,
    yours: RiskContent,
    form: RiskForm,
    partners: &Partners,
    matrix: &Matrix,
) -> Result<Response, AppError> {
    let name = |id: OrganisationId| partners.name(id);
    let differences = content::changes(&current.content, &yours, &name);
    let view = FormView::new(
        format!("/areas/{}/risks/{}", area.slug, current.number),
        form,
        FormErrors::new(),
        current.version,
        matrix,
        partners,
        "Save my version",
    );
    page::conflict(&ConflictPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        reference: reference(current.number),
        number: current.number,
        theirs_by: format!(
            "{} saved version {} on {}",
            current
                .recorded_by
                .clone()
                .unwrap_or_else(|| "Someone".to_owned()),
            current.version,
            format::date_time(current.recorded_at)
        ),
        differences,
        view,
        area,
    })
}
