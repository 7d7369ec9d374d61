//! The register's risks on a section page: the risks linked to the section, the others that
//! could be linked, and, on a "Risks and contingency" section, the register in brief; and
//! linking and unlinking a risk. The links belong to the register (`risks::store`): plans
//! depend on risks, never the other way round.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::section_page::{PageProblem, problem_page};
use super::{Done, SectionContext, SectionPath};
use crate::AppState;
use crate::areas::AreaId;
use crate::areas::kept::{KeptForAreas, StampReading};
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::plans::rules::SectionRights;
use crate::plans::section::SectionKind;
use crate::plans::store::Section;
use crate::risks::content::RiskContent;
use crate::risks::reference;
use crate::risks::store::{self as risks, CurrentRisk};
use crate::risks::summary::{BandTally, RegisterSummary};
use crate::risks::{Matrix, RiskId};
use crate::web::AppError;
use crate::web::banner::done_url;
use crate::web::choice::{Choice, prompted};
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::format;
use crate::web::page::see_other;

/// Where the panel is on the section page, for redirects back to it.
const PANEL: &str = "risks";

/// A risk as the panel lists it.
pub(super) struct RiskLine {
    pub number: i32,
    pub reference: String,
    pub title: String,
    pub band: String,
    pub colour: &'static str,
    pub status: &'static str,
    /// The risk's page.
    pub url: String,
}

impl RiskLine {
    fn of(area: &AreaSummary, number: i32, content: &RiskContent) -> RiskLine {
        RiskLine {
            number,
            reference: reference(number),
            title: content.title.clone(),
            band: content.current.band.name.clone(),
            colour: content.current.band.colour.key(),
            status: content.status.label(),
            url: format!("/areas/{}/risks/{number}", area.slug),
        }
    }
}

/// The register in brief, for a "Risks and contingency" section.
pub(super) struct SummaryView {
    pub bands: Vec<BandTally>,
    pub open: usize,
    pub overdue_reviews: usize,
    pub highest: Vec<RiskLine>,
}

/// The section page's panel of linked risks.
pub(super) struct RisksPanel {
    pub linked: Vec<RiskLine>,
    /// The register's risks not linked yet, for the select that links one.
    pub choices: Vec<Choice>,
    pub may_link: bool,
    pub summary: Option<SummaryView>,
    /// The area's register.
    pub register: String,
}

/// What the section pages' risk panels read of an area: every risk as it stands, by number,
/// every link between them and plan sections, and the matrix in use. The same for every
/// section and everyone, kept until the area changes (`areas::kept`): otherwise each view of
/// a section page reads and parses every risk's current version.
pub struct AreaRisks {
    risks: Vec<CurrentRisk>,
    /// (plan section, risk).
    links: HashSet<(i64, RiskId)>,
    /// The area's matrix, or the NPSA 5×5 one until it has its own.
    matrix: Matrix,
}

/// The areas' risks as the panels read them, kept per server (in `AppState`).
pub type KeptAreaRisks = KeptForAreas<AreaId, AreaRisks>;

/// The most areas' risks a server keeps (each every risk of an area as it stands).
pub const MOST_AREA_RISKS_KEPT: usize = 256;

/// The area's risks: kept while the area's stamp (read by the page, first) has not moved, else
/// read (three statements) and kept.
async fn area_risks(
    state: &AppState,
    area: &AreaSummary,
    reading: Option<StampReading>,
) -> Result<Arc<AreaRisks>, AppError> {
    let read = async {
        Ok::<_, AppError>(AreaRisks {
            risks: risks::list_risks(&state.pool, area.id).await?,
            links: risks::links_in_area(&state.pool, area.id)
                .await?
                .into_iter()
                .collect(),
            matrix: risks::current_matrix(&state.pool, area.id)
                .await?
                .map_or_else(Matrix::npsa_5x5, |(_, matrix)| matrix),
        })
    };
    state
        .area_risks
        .get_or_read_at(reading, area.id, read)
        .await
}

/// A risk of the area, and whether it is linked to the section the panel is for.
struct SectionRisk<'a> {
    risk: &'a CurrentRisk,
    linked: bool,
}

impl RisksPanel {
    /// The panel for `section`: no statement while the area's risks are kept at `reading` (the
    /// area's stamp, read by the page), three when the area has changed since.
    pub(super) async fn load(
        state: &AppState,
        area: &AreaSummary,
        section: &Section,
        may_link: bool,
        reading: Option<StampReading>,
    ) -> Result<RisksPanel, AppError> {
        let area_risks = area_risks(state, area, reading).await?;
        let register: Vec<SectionRisk> = area_risks
            .risks
            .iter()
            .map(|risk| SectionRisk {
                risk,
                linked: area_risks.links.contains(&(section.id.get(), risk.id)),
            })
            .collect();
        let summary = if section.kind == SectionKind::Risks {
            Some(summary(state, area, &area_risks.matrix, &register))
        } else {
            None
        };
        let linked = register
            .iter()
            .filter(|entry| entry.linked)
            .map(|entry| RiskLine::of(area, entry.risk.number, &entry.risk.content))
            .collect();
        let choices = prompted(
            "Choose a risk",
            register.iter().filter(|entry| !entry.linked).map(|entry| {
                let risk = &entry.risk;
                (
                    risk.number,
                    format!(
                        "{}: {} ({})",
                        reference(risk.number),
                        risk.content.title,
                        risk.content.current.band.name
                    ),
                )
            }),
            "",
        );
        Ok(RisksPanel {
            linked,
            // Only the prompt: nothing left to link.
            choices: if choices.len() > 1 {
                choices
            } else {
                Vec::new()
            },
            may_link,
            summary,
            register: format!("/areas/{}/risks", area.slug),
        })
    }
}

fn summary(
    state: &AppState,
    area: &AreaSummary,
    matrix: &Matrix,
    register: &[SectionRisk],
) -> SummaryView {
    let today = format::in_london(state.clock.now()).date();
    let contents: Vec<(i32, &RiskContent)> = register
        .iter()
        .map(|entry| (entry.risk.number, &entry.risk.content))
        .collect();
    let summary = RegisterSummary::of(matrix, &contents, today);
    let highest = summary
        .highest
        .iter()
        .filter_map(|number| contents.iter().find(|(n, _)| n == number))
        .map(|(number, content)| RiskLine::of(area, *number, content))
        .collect();
    SummaryView {
        bands: summary.bands,
        open: summary.open,
        overdue_reviews: summary.overdue_reviews,
        highest,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LinkForm {
    risk: String,
}

/// The section, checked: the person may link its risks.
async fn linkable_section(
    state: &AppState,
    signed_in: &SignedIn,
    path: &SectionPath,
) -> Result<SectionContext, AppError> {
    let context = SectionContext::load(state, signed_in, path).await?;
    if SectionRights::of(&signed_in.user.principal(), context.facts()).link_risks() {
        Ok(context)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A risk of the area by the number typed or in the URL; `None` for anything else.
async fn risk_numbered(
    state: &AppState,
    context: &SectionContext,
    typed: &str,
) -> Result<Option<CurrentRisk>, AppError> {
    match typed.trim().parse::<i32>() {
        Ok(number) => Ok(risks::find_risk(&state.pool, context.area.id, number).await?),
        Err(_) => Ok(None),
    }
}

fn event(
    signed_in: &SignedIn,
    action: &'static str,
    context: &SectionContext,
    risk: &CurrentRisk,
) -> Event {
    Event::new(actor(signed_in), action, "risk")
        .target(risk.id)
        .area(context.area.id)
        .details(json!({
            "plan": context.plan.template_key,
            "section": context.section.key,
            "reference": reference(risk.number),
        }))
}

pub(super) async fn link_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<SectionPath>,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let context = linkable_section(&state, &signed_in, &path).await?;
    let Some(risk) = risk_numbered(&state, &context, &form.risk).await? else {
        let problem = PageProblem::message("risk", "Choose a risk from the register to link");
        return problem_page(&state, &signed_in, context, problem).await;
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let chosen = Typed::text(
        "Risk to link",
        &format!("{}: {}", reference(risk.number), risk.content.title),
    );
    context
        .ask_guard(&mut change)
        .await
        .map_err(|error| error.keeping(chosen))?;
    // Linked already (a second click, or someone else first): nothing to record.
    if risks::link_risk(
        change.db(),
        risk.id,
        context.section.id.get(),
        now,
        signed_in.user.id,
    )
    .await?
    {
        change
            .commit(&event(&signed_in, "risk.linked", &context, &risk))
            .await?;
    }
    Ok(see_other(&done_url(
        &context.url(),
        Done::RiskLinked,
        Some(PANEL),
    )))
}

pub(super) async fn unlink_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, section_key, number)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let context = linkable_section(&state, &signed_in, &(slug, plan_key, section_key)).await?;
    let risk = risk_numbered(&state, &context, &number)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context.ask_guard(&mut change).await?;
    // Unlinked already: nothing to record.
    if risks::unlink_risk(change.db(), risk.id, context.section.id.get()).await? {
        change
            .commit(&event(&signed_in, "risk.unlinked", &context, &risk))
            .await?;
    }
    Ok(see_other(&done_url(
        &context.url(),
        Done::RiskUnlinked,
        Some(PANEL),
    )))
}
