//! The register: every risk of the area, filtered and sorted, with counts by band and the heat
//! map of current and residual scores, whose cells link to the risks in them.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use super::matrix::change_note as matrix_change_note;
use super::{Done, Partners, RiskRow, editing_closed, readable_area_stamped, today};
use crate::AppState;
use crate::areas::AreaId;
use crate::areas::frozen::EditingClosed;
use crate::areas::kept::{KeptForAreas, StampReading};
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::risks::content::{self, Category, RiskContent};
use crate::risks::rules;
use crate::risks::status::RiskStatus;
use crate::risks::store;
use crate::risks::store::MatrixRecord;
use crate::risks::{Matrix, MatrixId};
use crate::web::banner::DoneQuery;
use crate::web::choice::{Choice, prompted};
use crate::web::extract::{Path, Query};
use crate::web::{AppError, Layout, format, page};

/// The list's filters and order, as its form and the heat map's links send them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ListQuery {
    band: String,
    owner: String,
    status: String,
    category: String,
    sort: String,
    likelihood: String,
    impact: String,
    residual_likelihood: String,
    residual_impact: String,
    /// "yes": only open and reopened risks (what the heat map counts).
    open: String,
    /// A past date: the register as it stood at the end of that day.
    as_at: String,
    done: Option<String>,
}

impl ListQuery {
    fn keeps(&self, content: &RiskContent) -> bool {
        let matches = |typed: &str, value: &str| typed.is_empty() || typed == value;
        matches(&self.band, &content.current.band.name)
            && matches(&self.owner, &content.owner_organisation_id.to_string())
            && matches(&self.status, content.status.key())
            && matches(&self.category, content.category.key())
            && matches(&self.likelihood, &content.current.likelihood.to_string())
            && matches(&self.impact, &content.current.impact.to_string())
            && matches(
                &self.residual_likelihood,
                &content.residual.likelihood.to_string(),
            )
            && matches(&self.residual_impact, &content.residual.impact.to_string())
            && (self.open != "yes" || content.status.is_open())
    }

    /// Whether the filter is a band or a heat map cell, which belong to one matrix.
    fn names_a_place_on_the_matrix(&self) -> bool {
        [
            &self.band,
            &self.likelihood,
            &self.impact,
            &self.residual_likelihood,
            &self.residual_impact,
        ]
        .iter()
        .any(|value| !value.is_empty())
    }

    fn is_filtered(&self) -> bool {
        [
            &self.band,
            &self.owner,
            &self.status,
            &self.category,
            &self.likelihood,
            &self.impact,
            &self.residual_likelihood,
            &self.residual_impact,
            &self.open,
        ]
        .iter()
        .any(|value| !value.is_empty())
    }
}

/// One select of the list's filter form.
struct Filter {
    field: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
}

struct BandCount {
    name: String,
    colour: &'static str,
    count: usize,
    residual: usize,
}

struct HeatCell {
    score: u16,
    band: String,
    count: usize,
    link: String,
}

struct HeatRow {
    likelihood: u8,
    label: String,
    cells: Vec<HeatCell>,
}

struct HeatMap {
    caption: &'static str,
    impacts: Vec<(u8, String)>,
    rows: Vec<HeatRow>,
}

#[derive(Template)]
#[template(path = "risks/list.html")]
struct ListPage {
    layout: Layout,
    area: AreaSummary,
    banner: &'static str,
    /// Each row with, as at a past date, the link comparing its version then with today's.
    rows: Vec<(RiskRow, Option<String>)>,
    /// The past date shown ("4 December 2013"), or `None` for the register today.
    as_at: Option<String>,
    /// The date field as typed (or the date shown), its error and a note on future dates.
    as_at_value: String,
    as_at_error: String,
    as_at_note: String,
    total: usize,
    filtered: bool,
    may_add: bool,
    /// Set while a plan of the area is in sign-off.
    frozen: Option<EditingClosed>,
    bands: Vec<BandCount>,
    heat_maps: Vec<HeatMap>,
    /// When the matrix changed and how many risks are scored under an earlier one, or "".
    matrix_note: String,
    /// Open risks scored under an earlier matrix: left out of the heat map and band counts.
    open_earlier: usize,
    filters: Vec<Filter>,
    overdue_reviews: usize,
    overdue_actions: usize,
}

/// One risk as the list shows it: its content (now, or then) and, for a past date, the link
/// comparing that version with the current one.
struct Entry {
    number: i32,
    content: RiskContent,
    compare: Option<String>,
    /// The matrix it was scored under.
    matrix_id: MatrixId,
}

/// Which register the date field asks for.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    Today,
    /// A date after today: the register today, saying so.
    Future(Date),
    Past(Date),
    NotADate,
}

fn asked(typed: &str, today: Date) -> Asked {
    if typed.trim().is_empty() {
        return Asked::Today;
    }
    match content::parse_date(typed) {
        None => Asked::NotADate,
        Some(date) if date > today => Asked::Future(date),
        Some(date) if date == today => Asked::Today,
        Some(date) => Asked::Past(date),
    }
}

/// The first moment after `date` ends in London (midnight starting the next day, GMT or BST):
/// versions recorded before it stood on that date. `None` only for dates jiff cannot hold.
fn end_of_day_in_london(date: Date) -> Option<OffsetDateTime> {
    let next = date.next_day()?;
    let zone = jiff::tz::TimeZone::get("Europe/London").ok()?;
    let civil = jiff::civil::Date::new(
        i16::try_from(next.year()).ok()?,
        i8::try_from(u8::from(next.month())).ok()?,
        i8::try_from(next.day()).ok()?,
    )
    .ok()?;
    let start = civil.to_zoned(zone).ok()?;
    OffsetDateTime::from_unix_timestamp(start.timestamp().as_second()).ok()
}

/// The register, with what the list shows around it: the area's risks (now, or as at a past
/// date), the matrix they are placed on, the partners and whether editing is closed.
pub struct Register {
    frozen: Option<EditingClosed>,
    partners: Partners,
    record: Option<MatrixRecord>,
    entries: Vec<Entry>,
}

/// The registers as they stand, kept by area until the area changes (`areas::kept`): the same
/// for everyone who reads the area.
pub type KeptRegisters = KeptForAreas<AreaId, Register>;

/// The most registers a server keeps (each every risk of an area as it stands).
pub const MOST_KEPT: usize = 256;

/// The register as it stands: kept while the area's stamp (`reading`, read with the area) has
/// not moved, else read (four statements) and kept.
async fn current_register(
    state: &AppState,
    area: &AreaSummary,
    reading: StampReading,
) -> Result<Arc<Register>, AppError> {
    let read = read_register(state, area, None);
    state
        .registers
        .get_or_read_at(Some(reading), area.id, read)
        .await
}

/// The register as it stood just before `end`, or as it stands when `None`.
async fn read_register(
    state: &AppState,
    area: &AreaSummary,
    end: Option<OffsetDateTime>,
) -> Result<Register, AppError> {
    let frozen = editing_closed(state, area).await?;
    let partners = Partners::load(state, area).await?;
    let record = store::matrix_record(&state.pool, area.id, end).await?;
    let entries = match end {
        Some(end) => store::list_risks_as_at(&state.pool, area.id, end)
            .await?
            .into_iter()
            .map(|risk| Entry {
                number: risk.then.number,
                compare: Some(format!(
                    "/areas/{}/risks/{}/compare?from={}&to={}",
                    area.slug, risk.then.number, risk.then.version, risk.current_version
                )),
                matrix_id: risk.then.matrix_id,
                content: risk.then.content,
            })
            .collect(),
        None => store::list_risks(&state.pool, area.id)
            .await?
            .into_iter()
            .map(|risk| Entry {
                number: risk.number,
                matrix_id: risk.matrix_id,
                content: risk.content,
                compare: None,
            })
            .collect(),
    };
    Ok(Register {
        frozen,
        partners,
        record,
        entries,
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (area, reading) = readable_area_stamped(&state, &signed_in, &slug).await?;
    let principal = signed_in.user.principal();
    let now = today(&state);
    let asked = asked(&query.as_at, now);
    let past = match asked {
        Asked::Past(date) => end_of_day_in_london(date).map(|end| (date, end)),
        _ => None,
    };
    let (register, today) = match past {
        // Overdue as it was on that day.
        Some((date, end)) => (
            Arc::new(read_register(&state, &area, Some(end)).await?),
            date,
        ),
        None => (current_register(&state, &area, reading).await?, now),
    };
    let Register {
        frozen,
        partners,
        record,
        entries,
    } = &*register;
    let record = record.as_ref();
    // As at a past date, whether the matrix has changed since (one more query, only then).
    let changed_since = match (past, record) {
        (Some(_), Some(then)) => store::matrix_record(&state.pool, area.id, None)
            .await?
            .filter(|current| current.id != then.id)
            .map(|current| format::date(format::in_london(current.made_at).date())),
        _ => None,
    };
    let matrix_id = record.map(|record| record.id);
    let on_matrix = |entry: &Entry| Some(entry.matrix_id) == matrix_id;
    let earlier = entries.iter().filter(|entry| !on_matrix(entry)).count();
    let matrix_note = record
        .and_then(matrix_change_note)
        .map(|changed| {
            format!(
                "{changed} Scores made before then keep the matrix they were made under; {earlier} {} scored under an earlier matrix.",
                if earlier == 1 { "risk is" } else { "risks are" }
            )
        })
        .into_iter()
        .chain(changed_since.map(|date| {
            format!("The matrix changed again on {date}: this register is shown on the matrix in use then.")
        }))
        .collect::<Vec<_>>()
        .join(" ");
    let matrix = record.map_or_else(Matrix::npsa_5x5, |record| record.matrix.clone());
    let as_at_iso = past.map(|(date, _)| content::iso(date));
    // Links from the page keep to the same date.
    let date_param = as_at_iso
        .as_ref()
        .map(|iso| format!("as_at={iso}&"))
        .unwrap_or_default();
    // The heat map and the counts by band are drawn on the matrix in use: risks scored under an
    // earlier one are counted apart, not placed on cells or bands they were not scored on.
    let (open, open_earlier): (Vec<&Entry>, Vec<&Entry>) = entries
        .iter()
        .filter(|entry| entry.content.status.is_open())
        .partition(|entry| on_matrix(entry));
    let open: Vec<&RiskContent> = open.iter().map(|entry| &entry.content).collect();
    let bands = matrix
        .bands()
        .iter()
        .map(|band| BandCount {
            name: band.name.clone(),
            colour: band.colour.key(),
            count: open
                .iter()
                .filter(|c| c.current.band.name == band.name)
                .count(),
            residual: open
                .iter()
                .filter(|c| c.residual.band.name == band.name)
                .count(),
        })
        .collect();
    let heat_maps = vec![
        heat_map(&area, &matrix, &open, false, &date_param),
        heat_map(&area, &matrix, &open, true, &date_param),
    ];

    // A band or a cell of the heat map names a place on the matrix in use: risks scored under
    // an earlier one are not in it, as they are not counted in it.
    let mut kept: Vec<&Entry> = entries
        .iter()
        .filter(|entry| query.keeps(&entry.content))
        .filter(|entry| !query.names_a_place_on_the_matrix() || on_matrix(entry))
        .collect();
    match query.sort.as_str() {
        "review" => kept.sort_by_key(|risk| (risk.content.review, risk.number)),
        "number" => kept.sort_by_key(|risk| risk.number),
        // Highest score first: what a board reads first.
        _ => kept.sort_by_key(|risk| (std::cmp::Reverse(risk.content.current.value), risk.number)),
    }
    let rows: Vec<(RiskRow, Option<String>)> = kept
        .iter()
        .map(|entry| {
            (
                RiskRow::of(entry.number, &entry.content, partners, today),
                entry.compare.clone(),
            )
        })
        .collect();
    let all_rows: Vec<RiskRow> = entries
        .iter()
        .map(|risk| RiskRow::of(risk.number, &risk.content, partners, today))
        .collect();

    let done = DoneQuery {
        done: query.done.clone(),
    };
    let page = ListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner: done.banner::<Done>(),
        total: entries.len(),
        filtered: query.is_filtered(),
        // The past is read-only.
        may_add: past.is_none() && frozen.is_none() && rules::may_add(&principal, area.id),
        frozen: frozen.clone(),
        as_at: past.map(|(date, _)| format::date(date)),
        as_at_value: as_at_iso.unwrap_or_else(|| query.as_at.trim().to_owned()),
        as_at_error: if asked == Asked::NotADate {
            "Enter the date as a real date, like 4/12/2013".to_owned()
        } else {
            String::new()
        },
        as_at_note: match asked {
            Asked::Future(date) => format!(
                "{} is in the future, so this is the register as it stands today.",
                format::date(date)
            ),
            _ => String::new(),
        },
        bands,
        heat_maps,
        matrix_note,
        open_earlier: open_earlier.len(),
        filters: vec![
            Filter {
                field: "band",
                label: "Band",
                choices: prompted(
                    "Any band",
                    matrix
                        .bands()
                        .iter()
                        .map(|b| (b.name.clone(), b.name.clone())),
                    &query.band,
                ),
            },
            Filter {
                field: "owner",
                label: "Owner organisation",
                choices: prompted(
                    "Any organisation",
                    partners
                        .members
                        .iter()
                        .map(|m| (m.organisation_id.to_string(), m.name.clone())),
                    &query.owner,
                ),
            },
            Filter {
                field: "status",
                label: "Status",
                choices: prompted(
                    "Any status",
                    RiskStatus::ALL.iter().map(|s| (s.key(), s.label())),
                    &query.status,
                ),
            },
            Filter {
                field: "category",
                label: "Category",
                choices: prompted(
                    "Any category",
                    Category::ALL.iter().map(|c| (c.key(), c.label())),
                    &query.category,
                ),
            },
            Filter {
                field: "sort",
                label: "Sort by",
                choices: vec![
                    Choice::new("score", "Score, highest first", &query.sort),
                    Choice::new("review", "Review date, soonest first", &query.sort),
                    Choice::new("number", "Reference", &query.sort),
                ],
            },
        ],
        overdue_reviews: all_rows.iter().filter(|row| row.review_overdue).count(),
        overdue_actions: all_rows.iter().map(|row| row.overdue_actions).sum(),
        rows,
        area,
    };
    if asked == Asked::NotADate {
        page::unprocessable(&page)
    } else {
        page::ok(&page)
    }
}

/// The counts of open risks in each cell of the matrix, likelihood from highest down.
fn heat_map(
    area: &AreaSummary,
    matrix: &Matrix,
    open: &[&RiskContent],
    residual: bool,
    date_param: &str,
) -> HeatMap {
    let (caption, prefix) = if residual {
        (
            "Residual risk: open risks by residual likelihood and impact",
            "residual_",
        )
    } else {
        ("Current risk: open risks by likelihood and impact", "")
    };
    let impacts: Vec<(u8, String)> = matrix
        .impacts()
        .map(|(level, label)| (level, label.to_owned()))
        .collect();
    let mut likelihoods: Vec<(u8, String)> = matrix
        .likelihoods()
        .map(|(level, label)| (level, label.to_owned()))
        .collect();
    likelihoods.reverse();
    let rows = likelihoods
        .into_iter()
        .map(|(likelihood, label)| HeatRow {
            likelihood,
            label,
            cells: impacts
                .iter()
                .map(|&(impact, _)| {
                    let score = u16::from(likelihood) * u16::from(impact);
                    let count = open
                        .iter()
                        .filter(|content| {
                            let rating = if residual {
                                &content.residual
                            } else {
                                &content.current
                            };
                            rating.likelihood == likelihood && rating.impact == impact
                        })
                        .count();
                    HeatCell {
                        score,
                        band: matrix.band_for(score).name.clone(),
                        count,
                        link: format!(
                            "/areas/{}/risks?{date_param}{prefix}likelihood={likelihood}&{prefix}impact={impact}&open=yes",
                            area.slug
                        ),
                    }
                })
                .collect(),
        })
        .collect();
    HeatMap {
        caption,
        impacts,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::OrganisationId;
    use crate::risks::content::RiskForm;

    fn risk(likelihood: &str, status: &str) -> RiskContent {
        let fields = [
            ("title", "A risk"),
            ("cause", "c"),
            ("event", "e"),
            ("effect", "f"),
            ("category", "financial"),
            ("owner_organisation", "3"),
            ("owner_person", "p"),
            ("raised", "1/12/2013"),
            ("likelihood", likelihood),
            ("impact", "4"),
            ("residual_likelihood", "1"),
            ("residual_impact", "1"),
            ("review", "1/3/2014"),
            ("status", status),
            (
                "closure_reason",
                if status == "closed" { "Done" } else { "" },
            ),
        ];
        RiskForm(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
        .parse(&Matrix::npsa_5x5(), &[OrganisationId::new(3)])
        .unwrap()
    }

    #[test]
    fn a_day_ends_at_midnight_in_london_and_dates_are_read_against_today() {
        use time::macros::{date, datetime};
        // GMT in winter, BST in summer.
        assert_eq!(
            end_of_day_in_london(date!(2013 - 12 - 04)),
            Some(datetime!(2013-12-05 00:00 UTC))
        );
        assert_eq!(
            end_of_day_in_london(date!(2014 - 06 - 30)),
            Some(datetime!(2014-06-30 23:00 UTC))
        );
        let today = date!(2014 - 02 - 14);
        assert_eq!(asked("", today), Asked::Today);
        assert_eq!(asked("14/2/2014", today), Asked::Today);
        assert_eq!(
            asked("2013-12-04", today),
            Asked::Past(date!(2013 - 12 - 04))
        );
        assert_eq!(
            asked("4/12/2013", today),
            Asked::Past(date!(2013 - 12 - 04))
        );
        assert_eq!(
            asked("1/3/2014", today),
            Asked::Future(date!(2014 - 03 - 01))
        );
        assert_eq!(asked("31/2/2014", today), Asked::NotADate);
        assert_eq!(asked("yesterday", today), Asked::NotADate);
    }

    #[test]
    fn filters_keep_only_matching_risks() {
        let extreme = risk("4", "open");
        let closed = risk("4", "closed");
        let low = risk("1", "reopened");
        let query = |band: &str, open: &str| ListQuery {
            band: band.to_owned(),
            open: open.to_owned(),
            ..ListQuery::default()
        };
        assert!(!query("", "").is_filtered());
        assert!(query("", "").keeps(&closed));
        assert!(query("Extreme", "").keeps(&extreme));
        assert!(!query("Extreme", "").keeps(&low));
        // The heat map's links count open and reopened risks, not closed ones.
        assert!(query("", "yes").keeps(&low));
        assert!(!query("", "yes").keeps(&closed));
        let cell = ListQuery {
            likelihood: "4".to_owned(),
            impact: "4".to_owned(),
            ..ListQuery::default()
        };
        assert!(cell.is_filtered() && cell.keeps(&extreme) && !cell.keeps(&low));
    }
}
