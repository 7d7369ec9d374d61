//! Comparing any two versions of a risk, field by field (not only neighbours).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::{Partners, load_risk, readable_area, reference};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::risks::content::{self, FieldChange};
use crate::risks::store;
use crate::web::extract::{Path, Query};
use crate::web::{AppError, Layout, format, page};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CompareQuery {
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "risks/compare.html")]
struct ComparePage {
    layout: Layout,
    area: AreaSummary,
    reference: String,
    number: i32,
    from: i32,
    to: i32,
    from_when: String,
    to_when: String,
    changes: Vec<FieldChange>,
}

pub(super) async fn compare(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, number)): Path<(String, String)>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let area = readable_area(&state, &signed_in, &slug).await?;
    let risk = load_risk(&state, &area, &number).await?;
    let versions = store::versions(&state.pool, risk.id).await?;
    let pick = |typed: &str, default: i32| {
        let wanted = if typed.trim().is_empty() {
            default
        } else {
            typed.trim().parse().map_err(|_| AppError::NotFound)?
        };
        versions
            .iter()
            .find(|version| version.version == wanted)
            .ok_or(AppError::NotFound)
    };
    let from = pick(&query.from, (risk.version - 1).max(1))?;
    let to = pick(&query.to, risk.version)?;
    let partners = Partners::load(&state, &area).await?;
    let name = |id: OrganisationId| partners.name(id);
    page::ok(&ComparePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        reference: reference(risk.number),
        number: risk.number,
        from: from.version,
        to: to.version,
        from_when: format::date_time(from.recorded_at),
        to_when: format::date_time(to.recorded_at),
        changes: content::changes(&from.content, &to.content, &name),
        area,
    })
}
