//! The area's risk matrix: the current one as a table (each cell's score and band), its
//! history, and for the area lead the form changing it. A change stores a new matrix; scores
//! made before it keep the matrix (and band) they were made under. The form carries the id of
//! the matrix it was based on, so a change saved meanwhile by someone else is shown (409)
//! rather than overwritten.

use crate::areas::frozen::EditingClosed;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{ask_guard, editing_closed, readable_area};
use crate::AppState;
use crate::areas::store::AreaSummary;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::risks::matrix::{Axis, BandColour, MAX_BANDS, Matrix};
use crate::risks::matrix_form::{self, MatrixForm, Sizes};
use crate::risks::store::{self, MatrixRecord};
use crate::risks::{MatrixId, rules};
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{Choice, prompted};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::{AppError, Layout, format, page};

keyed_enum! {
    /// What the matrix page's banner says after a save (`?done=<key>`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Changed = ("changed", "The risk matrix has been changed. Risks are scored under it from their next edit"),
        Unchanged = ("unchanged", "Nothing was saved: the matrix is the same as the one in use"),
    }
}

/// The size step's query (`?likelihood_levels=4&impact_levels=4`) and the banner's.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MatrixQuery {
    likelihood_levels: String,
    impact_levels: String,
    done: Option<String>,
}

/// What the `based_on` field says of the matrix the form was made from: its id, or `none`
/// while the area still has none stored (the default is shown).
fn based_on(id: Option<MatrixId>) -> String {
    id.map_or_else(|| "none".to_owned(), |id| id.to_string())
}

/// "The risk matrix changed on 3 March 2014 by Kent lead." for a matrix that replaced an
/// earlier one; `None` for an area's first.
pub(super) fn change_note(record: &MatrixRecord) -> Option<String> {
    record.replaced_earlier.then(|| {
        format!(
            "The risk matrix changed on {} by {}.",
            format::date(format::in_london(record.made_at).date()),
            record
                .made_by
                .as_deref()
                .unwrap_or("someone no longer known")
        )
    })
}

struct Cell {
    score: u16,
    band: String,
    colour: &'static str,
}

struct Row {
    level: u8,
    label: String,
    cells: Vec<Cell>,
}

/// The matrix as a table, likelihood from highest down, and its bands' ranges.
struct MatrixTable {
    impacts: Vec<(u8, String)>,
    rows: Vec<Row>,
    /// Each band: name, colour, lowest and highest score this matrix gives in it.
    bands: Vec<(String, &'static str, u16, u16)>,
}

impl MatrixTable {
    fn of(matrix: &Matrix) -> MatrixTable {
        let mut likelihoods: Vec<(u8, &str)> = matrix.likelihoods().collect();
        likelihoods.reverse();
        MatrixTable {
            impacts: matrix
                .impacts()
                .map(|(level, label)| (level, label.to_owned()))
                .collect(),
            rows: likelihoods
                .into_iter()
                .map(|(level, label)| Row {
                    level,
                    label: label.to_owned(),
                    cells: matrix
                        .impacts()
                        .map(|(impact, _)| {
                            let score = u16::from(level) * u16::from(impact);
                            let band = matrix.band_for(score);
                            Cell {
                                score,
                                band: band.name.clone(),
                                colour: band.colour.key(),
                            }
                        })
                        .collect(),
                })
                .collect(),
            bands: matrix
                .band_ranges()
                .into_iter()
                .map(|(band, low, high)| (band.name.clone(), band.colour.key(), low, high))
                .collect(),
        }
    }
}

/// A label box of the form: its field and its label.
struct LevelField {
    field: String,
    label: String,
}

/// One band row of the form.
struct BandRow {
    row: usize,
    name: String,
    from: String,
    colours: Vec<Choice>,
}

struct HistoryRow {
    when: String,
    who: String,
    size: String,
    bands: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "risks/matrix.html")]
struct MatrixPage {
    layout: Layout,
    area: AreaSummary,
    banner: &'static str,
    table: MatrixTable,
    size: String,
    /// When and by whom the matrix in use was made, or that it is the default.
    made: String,
    may_change: bool,
    /// Set while a plan of the area is in sign-off.
    frozen: Option<EditingClosed>,
    errors: FormErrors,
    /// The size step's boxes, as typed.
    likelihood_levels: String,
    impact_levels: String,
    form: MatrixForm,
    /// The sizes the label boxes are for, sent with the form.
    sizes: Sizes,
    based_on: String,
    likelihood_fields: Vec<LevelField>,
    impact_fields: Vec<LevelField>,
    band_rows: Vec<BandRow>,
    /// Set when someone else changed the matrix while this form was open.
    conflict: String,
    history: Vec<HistoryRow>,
}

fn size(matrix: &Matrix) -> String {
    format!(
        "{} × {}",
        matrix.likelihood_levels(),
        matrix.impact_levels()
    )
}

/// The page around `form`, showing the area's current matrix (`history[0]`, or the default).
fn matrix_page(
    signed_in: &SignedIn,
    area: AreaSummary,
    history: &[MatrixRecord],
    form: MatrixForm,
    sizes: Sizes,
    errors: FormErrors,
) -> MatrixPage {
    let current = history.first();
    let default = Matrix::npsa_5x5();
    let matrix = current.map_or(&default, |record| &record.matrix);
    let level_fields = |axis: Axis, count: usize| {
        (1..=count)
            .map(|level| LevelField {
                field: matrix_form::level_field(axis, level),
                label: match level {
                    1 => "1 (lowest)".to_owned(),
                    top if top == count => format!("{top} (highest)"),
                    other => other.to_string(),
                },
            })
            .collect()
    };
    let band_rows = (1..=MAX_BANDS)
        .map(|row| {
            let colour = form.get(&matrix_form::band_field(row, "colour"));
            BandRow {
                row,
                name: form.get(&matrix_form::band_field(row, "name")).to_owned(),
                from: form.get(&matrix_form::band_field(row, "from")).to_owned(),
                colours: prompted(
                    "Choose a colour",
                    BandColour::ALL.iter().map(|c| (c.key(), c.label())),
                    colour,
                ),
            }
        })
        .collect();
    MatrixPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner: "",
        table: MatrixTable::of(matrix),
        size: size(matrix),
        made: match current {
            None => {
                "This is the default, the NPSA 5 × 5. It is stored when the first risk is added."
                    .to_owned()
            }
            Some(record) => format!(
                "In use since {}, made by {}.",
                format::date_time(record.made_at),
                record
                    .made_by
                    .as_deref()
                    .unwrap_or("someone no longer known")
            ),
        },
        may_change: rules::may_change_matrix(&signed_in.user.principal(), area.id),
        frozen: None,
        likelihood_levels: form
            .get(&matrix_form::size_field(Axis::Likelihood))
            .to_owned(),
        impact_levels: form.get(&matrix_form::size_field(Axis::Impact)).to_owned(),
        likelihood_fields: level_fields(Axis::Likelihood, sizes.likelihoods),
        impact_fields: level_fields(Axis::Impact, sizes.impacts),
        band_rows,
        sizes,
        based_on: based_on(current.map(|record| record.id)),
        form,
        errors,
        conflict: String::new(),
        history: history
            .iter()
            .enumerate()
            .map(|(index, record)| HistoryRow {
                when: format::date_time(record.made_at),
                who: record
                    .made_by
                    .clone()
                    .unwrap_or_else(|| "Unknown".to_owned()),
                size: size(&record.matrix),
                bands: record
                    .matrix
                    .band_ranges()
                    .iter()
                    .map(|(band, low, high)| format!("{} {low}–{high}", band.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                current: index == 0,
            })
            .collect(),
        area,
    }
}

pub(super) async fn show_matrix(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(query): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let area = readable_area(&state, &signed_in, &slug).await?;
    let frozen = editing_closed(&state, &area).await?;
    let history = store::matrix_history(&state.pool, area.id).await?;
    let current = history
        .first()
        .map_or_else(Matrix::npsa_5x5, |record| record.matrix.clone());
    let own = Sizes::of(&current);
    let asked = !query.likelihood_levels.is_empty() || !query.impact_levels.is_empty();
    let (form, sizes, errors) = if asked {
        match matrix_form::parse_sizes(&query.likelihood_levels, &query.impact_levels) {
            Ok(sizes) => (
                MatrixForm::from_matrix(&current, sizes),
                sizes,
                FormErrors::new(),
            ),
            Err(errors) => {
                // The form stays at the matrix's own size; the size boxes keep what was typed.
                let mut form = MatrixForm::from_matrix(&current, own);
                form.0.retain(|(name, _)| !name.ends_with("_levels"));
                form.0.extend([
                    (
                        matrix_form::size_field(Axis::Likelihood),
                        query.likelihood_levels.clone(),
                    ),
                    (
                        matrix_form::size_field(Axis::Impact),
                        query.impact_levels.clone(),
                    ),
                ]);
                (form, own, errors)
            }
        }
    } else {
        (
            MatrixForm::from_matrix(&current, own),
            own,
            FormErrors::new(),
        )
    };
    let refused = !errors.is_empty();
    let mut page = matrix_page(&signed_in, area, &history, form, sizes, errors);
    page.banner = DoneQuery { done: query.done }.banner::<Done>();
    page.may_change &= frozen.is_none();
    page.frozen = frozen;
    if refused {
        page::unprocessable(&page)
    } else {
        page::ok(&page)
    }
}

pub(super) async fn change_matrix(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kept = Typed::from_fields(fields.clone());
    change(&state, &signed_in, &slug, MatrixForm(fields))
        .await
        .map_err(|error| error.keeping(kept))
}

async fn change(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    form: MatrixForm,
) -> Result<Response, AppError> {
    let area = readable_area(state, signed_in, slug).await?;
    if !rules::may_change_matrix(&signed_in.user.principal(), area.id) {
        return Err(AppError::Forbidden);
    }
    let path = format!("/areas/{}/risks/matrix", area.slug);
    let matrix = match form.parse() {
        Ok(matrix) => matrix,
        Err(errors) => {
            let history = store::matrix_history(&state.pool, area.id).await?;
            let sizes = form.sizes().unwrap_or_else(|_| {
                history
                    .first()
                    .map_or_else(|| Sizes::of(&Matrix::npsa_5x5()), |r| Sizes::of(&r.matrix))
            });
            // Saving again stays based on the matrix the form was made from.
            let based_on = form.get("based_on").to_owned();
            let mut page = matrix_page(signed_in, area, &history, form, sizes, errors);
            page.based_on = based_on;
            return page::unprocessable(&page);
        }
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    ask_guard(
        &mut change,
        &area,
        &format!("/areas/{}/risks/matrix", area.slug),
    )
    .await?;
    store::lock_register(change.db(), area.id).await?;
    let current = store::current_matrix(change.db(), area.id).await?;
    if form.get("based_on").trim() != based_on(current.as_ref().map(|(id, _)| *id)) {
        drop(change);
        return conflict(state, signed_in, area, form).await;
    }
    let unchanged = current
        .as_ref()
        .map_or(Matrix::npsa_5x5() == matrix, |(_, current)| {
            *current == matrix
        });
    if unchanged {
        return Ok(see_done(&path, Done::Unchanged));
    }
    let id = store::store_matrix(change.db(), area.id, &matrix, now, signed_in.user.id).await?;
    change
        .commit(
            &Event::new(actor(signed_in), "risk.matrix_changed", "risk_matrix")
                .target(id)
                .area(area.id)
                .details(json!({
                    "replaced": current.map(|(id, _)| id),
                    "matrix": matrix,
                })),
        )
        .await?;
    Ok(see_done(&path, Done::Changed))
}

/// The 409 page: the matrix now in use (saved by someone else since the form was opened) in
/// the table, and the person's form as they typed it, now based on that matrix, so that
/// saving it again is deliberate.
async fn conflict(
    state: &AppState,
    signed_in: &SignedIn,
    area: AreaSummary,
    form: MatrixForm,
) -> Result<Response, AppError> {
    let history = store::matrix_history(&state.pool, area.id).await?;
    let sizes = form
        .sizes()
        .unwrap_or_else(|_| Sizes::of(&Matrix::npsa_5x5()));
    let conflict = history.first().map_or_else(|| "The risk matrix has changed since you opened this form. Your changes, below, have not been saved: check them and save again.".to_owned(), |record| {
        format!(
            "{} changed the risk matrix on {} while you were editing it. The matrix now in use is shown above. Your changes, below, have not been saved: check them against it and save again to replace it.",
            record.made_by.as_deref().unwrap_or("Someone"),
            format::date_time(record.made_at)
        )
    });
    let mut page = matrix_page(signed_in, area, &history, form, sizes, FormErrors::new());
    page.conflict = conflict;
    page::conflict(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_change_note_names_the_day_in_london_and_who_only_for_a_replacement() {
        let record = |replaced_earlier| MatrixRecord {
            id: MatrixId::new(2),
            matrix: Matrix::npsa_5x5(),
            // 12:30am on 3 June in London (BST), still 2 June in UTC.
            made_at: datetime!(2014-06-02 23:30 UTC),
            made_by: Some("Kent lead".to_owned()),
            replaced_earlier,
        };
        assert_eq!(
            change_note(&record(true)).as_deref(),
            Some("The risk matrix changed on 3 June 2014 by Kent lead.")
        );
        assert_eq!(change_note(&record(false)), None);
        assert_eq!(based_on(None), "none");
        assert_eq!(based_on(Some(MatrixId::new(7))), "7");
    }
}
