//! The read-only JSON API (`/api/v1/…`), for the programme team's own tools: the areas, and
//! every area's plan of a cycle as the national view shows it. Authenticated by a bearer token
//! (`Authorization: Bearer itf_…`) that an assurer or administrator made; a token is worth its
//! maker's current roles. No session and no CSRF: the API only reads (GET), and a browser's
//! session cookie gives it nothing. Errors are JSON too: `{"error": "…"}`.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::{NationalQuery, NotSelected, Selection};
use crate::AppState;
use crate::areas::store::list_areas;
use crate::auth::policy::{self, Action, Decision, Grant, Principal, Target};
use crate::national::store::find_holder;
use crate::national::table::Row;
use crate::national::tokens;
use crate::signoff::state::Timeliness;
use crate::web::extract::Query;
use crate::web::money::Pence;
use crate::web::routes::{Route, get};

pub fn routes() -> Vec<Route> {
    vec![get("/api/v1/areas", areas), get("/api/v1/plans", plans)]
}

/// An API error, answered as JSON with its status.
#[derive(Debug)]
pub enum ApiError {
    /// No token, or one unknown, revoked or of a disabled account: 401.
    Unauthorized,
    /// The token's maker may not read national data (no longer an assurer or administrator).
    Forbidden,
    NotFound(String),
    BadRequest(String),
    Internal(sqlx::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "A valid API token is required: send it as Authorization: Bearer <token>"
                    .to_owned(),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "This token's owner may no longer read national data".to_owned(),
            ),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, message),
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            ApiError::Internal(error) => {
                tracing::error!(error = %error, "an API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side; try again later".to_owned(),
                )
            }
        };
        let mut response = json_response(status, &json!({ "error": message }));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"itf-planner\""),
            );
        }
        response
    }
}

/// `value` as the body of a JSON response with `status`.
fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        value.to_string(),
    )
        .into_response()
}

/// A request carrying a live token whose maker may read the national view.
pub struct ApiCaller {
    pub token_id: i64,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(tokens::bearer)
            .ok_or(ApiError::Unauthorized)?;
        let holder = find_holder(&state.pool, &tokens::token_hash(token))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let grants: Vec<Grant> = holder
            .global_roles
            .iter()
            .map(|role| Grant {
                role: *role,
                area_id: None,
            })
            .collect();
        let principal = Principal {
            organisation_id: holder.organisation_id,
            grants: &grants,
        };
        match policy::decide(
            &principal,
            Action::ViewNationalAggregation,
            Target::everywhere(),
        ) {
            Decision::Allow => Ok(ApiCaller {
                token_id: holder.token_id,
            }),
            Decision::Forbidden | Decision::NotFound => Err(ApiError::Forbidden),
        }
    }
}

#[derive(Serialize)]
struct AreaJson {
    slug: String,
    name: String,
    region: Option<String>,
}

async fn areas(State(state): State<AppState>, _caller: ApiCaller) -> Result<Response, ApiError> {
    let areas: Vec<AreaJson> = list_areas(&state.pool)
        .await?
        .into_iter()
        .map(|area| AreaJson {
            slug: area.slug,
            name: area.name,
            region: area.region,
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "areas": areas })))
}

#[derive(Serialize)]
struct MetricJson {
    key: String,
    baseline: Option<f64>,
    baseline_period: Option<String>,
    goal: Option<f64>,
    goal_period: Option<String>,
    planned_change: Option<String>,
}

#[derive(Serialize)]
struct SubmissionJson {
    /// RFC 3339.
    submitted_at: String,
    /// The day in England, YYYY-MM-DD.
    submitted_on: String,
    deadline: Option<String>,
    /// "on-time", "late", or none without a deadline.
    timeliness: Option<&'static str>,
    days_late: i64,
}

#[derive(Serialize)]
struct PlanJson {
    area: AreaJson,
    has_plan: bool,
    state: &'static str,
    state_label: &'static str,
    /// By year key, in pence.
    pooled_fund_pence: BTreeMap<String, i64>,
    scheme_spend_pence: BTreeMap<String, i64>,
    metrics: Vec<MetricJson>,
    submission: Option<SubmissionJson>,
}

fn hundredths(value: i64) -> f64 {
    value as f64 / 100.0
}

impl PlanJson {
    fn of(row: &Row, years: &[String], metrics: &[String]) -> PlanJson {
        let by_year = |amounts: &[Option<Pence>]| -> BTreeMap<String, i64> {
            years
                .iter()
                .zip(amounts)
                .filter_map(|(year, amount)| Some((year.clone(), amount.as_ref()?.get())))
                .collect()
        };
        PlanJson {
            area: AreaJson {
                slug: row.area.slug.clone(),
                name: row.area.name.clone(),
                region: row.area.region.clone(),
            },
            has_plan: row.has_plan,
            state: row.state.key(),
            state_label: row.state.label(),
            pooled_fund_pence: by_year(&row.pooled),
            scheme_spend_pence: by_year(&row.spend),
            metrics: metrics
                .iter()
                .zip(&row.metrics)
                .map(|(key, cell)| MetricJson {
                    key: key.clone(),
                    baseline: cell
                        .baseline
                        .as_ref()
                        .map(|b| hundredths(b.value.hundredths())),
                    baseline_period: cell.baseline.as_ref().map(|b| b.period.clone()),
                    goal: cell.goal.as_ref().map(|(_, v)| hundredths(v.hundredths())),
                    goal_period: cell.goal.as_ref().map(|(period, _)| period.clone()),
                    planned_change: cell.change.map(|change| change.describe()),
                })
                .collect(),
            submission: row.submitted.map(|submitted| SubmissionJson {
                submitted_at: submitted.at.format(&Rfc3339).unwrap_or_default(),
                submitted_on: row
                    .submitted_on()
                    .map(crate::risks::content::iso)
                    .unwrap_or_default(),
                deadline: submitted.deadline.map(crate::risks::content::iso),
                timeliness: submitted.timeliness.map(|timeliness| match timeliness {
                    Timeliness::OnTime => "on-time",
                    Timeliness::LateByDays(_) => "late",
                }),
                days_late: match submitted.timeliness {
                    Some(Timeliness::LateByDays(days)) => days,
                    _ => 0,
                },
            }),
        }
    }
}

async fn plans(
    State(state): State<AppState>,
    _caller: ApiCaller,
    query: Result<Query<NationalQuery>, crate::web::AppError>,
) -> Result<Response, ApiError> {
    let Query(query) =
        query.map_err(|_| ApiError::BadRequest("The query string cannot be read".to_owned()))?;
    let selection = match Selection::load(
        &state.pool,
        &state.national,
        &state.structures,
        &query,
        true,
    )
    .await
    {
        Ok(selection) => selection,
        Err(NotSelected::NoSuchTemplate) => {
            return Err(ApiError::NotFound(format!(
                "No template \"{}\"",
                query.template.as_deref().unwrap_or_default()
            )));
        }
        Err(NotSelected::BadFilter(message)) => return Err(ApiError::BadRequest(message)),
        Err(NotSelected::Database(error)) => return Err(error.into()),
    };
    let selected = selection.select();
    let structure = &selection.structure;
    let years: Vec<String> = structure.years().iter().map(|y| y.key.clone()).collect();
    let metrics: Vec<String> = structure.metrics().iter().map(|m| m.key.clone()).collect();
    let totals = |amounts: &[Pence]| -> BTreeMap<String, i64> {
        years
            .iter()
            .zip(amounts)
            .map(|(year, amount)| (year.clone(), amount.get()))
            .collect()
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "template": { "key": selection.key, "name": selection.name },
            "years": structure.years().iter().map(|y| json!({ "key": y.key, "label": y.label })).collect::<Vec<_>>(),
            "metrics": structure.metrics().iter().map(|m| json!({
                "key": m.key,
                "name": m.name,
                "unit": m.unit,
                "better": m.better.key(),
            })).collect::<Vec<_>>(),
            "plans": selected.rows.iter().map(|row| PlanJson::of(row, &years, &metrics)).collect::<Vec<_>>(),
            "totals": {
                "areas": selected.rows.len(),
                "pooled_fund_pence": totals(&selected.totals.pooled),
                "scheme_spend_pence": totals(&selected.totals.spend),
            },
        }),
    ))
}
