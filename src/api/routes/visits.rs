//! Visit records: `POST`/`GET /v1/visits`, `GET`/`PUT /v1/visits/{id}`. Officers and admins.
//!
//! A record follows a visit from planned to confirmed to completed (with its outcome). Confirmed
//! and completed visits lower the rotation feature of their bases at once; completed ones can be
//! listed as a past-visits CSV (`?format=csv`), the input of `POST /v1/evaluations` and
//! `visitmatch evaluate`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bases::{created, with_etag};
use crate::app;
use crate::api::auth::{if_match, Officer};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{AppJson, path_id, query_pairs};
use crate::api::{run_blocking, AppState};
use crate::catalog::{VisitFilter};
use crate::domain::{FieldCode, FieldError};
use crate::domain::{VisitInput, VisitRecord, VisitStatus};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(record_visit, list_visits)).routes(routes!(get_visit, replace_visit))
}

/// Largest page of visits.
pub const MAX_VISIT_LIMIT: u32 = 500;

/// Record a visit (officer).
///
/// The profile must carry the visit's dates; bases must exist; a completed visit records its
/// outcome. Every failing field is listed.
#[utoipa::path(
    post, path = "/v1/visits", tag = "visits",
    request_body(content = VisitInput, example = json!({
        "status": "completed",
        "profile": {"country": "IT", "city": "Prato", "organisation_type": "business_association", "size": 12,
                    "visit": {"dates": ["2026-03-10", "2026-03-11"]}, "days": 2, "hotel": {"division": "lucheng"},
                    "interests": "footwear design and leather", "industries_sought": ["footwear"], "languages": ["it", "en"]},
        "theme": "fashion_smart_manufacturing",
        "bases": ["lucheng-001", "lucheng-002"],
        "outcome": {"productive_bases": ["lucheng-001"], "agreements_signed": 1, "follow_up_projects": 2, "satisfaction": 5}
    })),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = VisitRecord,
         headers(("ETag" = String, description = "Version of the record"), ("Location" = String, description = "URL of the record"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn record_visit(State(state): State<AppState>, Officer(actor): Officer, AppJson(visit): AppJson<VisitInput>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::visits::record(&library, &visit, &actor)).await??;
    Ok(created(&format!("/v1/visits/{}", record.id), &etag, record))
}

/// Query parameters of `GET /v1/visits`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; parsing is done by `parse_visit_query` to report every error.
pub struct VisitListParams {
    /// Statuses, comma-separated (`confirmed,completed`).
    status: Option<String>,
    /// Visits starting on or after this date (YYYY-MM-DD).
    from: Option<String>,
    /// Visits starting on or before this date (YYYY-MM-DD).
    to: Option<String>,
    /// Visits that include this base.
    base: Option<String>,
    /// `json` (default) or `csv`: the completed visits as a past-visits table for the evaluation.
    format: Option<String>,
    /// Page size, 1 to 500 (default 100; JSON only).
    limit: Option<u32>,
    /// Records to skip (JSON only).
    offset: Option<u32>,
}

/// A page of visit records.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPage {
    /// Records matching over all pages.
    pub total: usize,
    /// This page, by start date.
    pub items: Vec<VisitRecord>,
}

/// List visit records (officer), or export the completed ones as a past-visits CSV.
#[utoipa::path(
    get, path = "/v1/visits", tag = "visits",
    params(VisitListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Visits (JSON), or completed visits as CSV with `format=csv`", content(
            (VisitPage = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_visits(State(state): State<AppState>, _officer: Officer, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let query = parse_visit_query(raw.as_deref()).map_err(ApiError::InvalidQuery)?;
    let library = state.library.clone();
    if query.csv {
        let filter = VisitFilter { status: vec![VisitStatus::Completed], ..query.filter };
        let csv = run_blocking(move || -> crate::Result<Vec<u8>> {
            let table = crate::evaluation::table_from_records(&app::visits::list(&library, &filter)?, library.divisions());
            let mut out = Vec::new();
            crate::evaluation::write_csv(&table, &mut out).map_err(|e| crate::Error::Io { path: "(csv)".into(), source: e.into() })?;
            Ok(out)
        })
        .await??;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response());
    }
    let (offset, limit) = (query.offset, query.limit);
    let visits = run_blocking(move || app::visits::list(&library, &query.filter)).await??;
    let total = visits.len();
    let items = visits.into_iter().skip(offset).take(limit).collect();
    Ok(Json(VisitPage { total, items }).into_response())
}

struct VisitQuery {
    filter: VisitFilter,
    csv: bool,
    limit: usize,
    offset: usize,
}

fn parse_visit_query(raw: Option<&str>) -> Result<VisitQuery, Vec<FieldError>> {
    let mut query = VisitQuery { filter: VisitFilter::default(), csv: false, limit: 100, offset: 0 };
    let mut errors = Vec::new();
    let date = |name: &str, value: &str, errors: &mut Vec<FieldError>| match chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d.to_string()),
        Err(_) => {
            errors.push(FieldError::new(name, FieldCode::InvalidValue, format!("`{value}` is not a date (YYYY-MM-DD)")));
            None
        }
    };
    for (name, value) in query_pairs(raw) {
        match name.as_str() {
            "status" => {
                for code in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    match VisitStatus::from_code(code) {
                        Some(status) => query.filter.status.push(status),
                        None => errors.push(FieldError::new("status", FieldCode::InvalidValue, format!("`{code}` must be planned, confirmed, completed or cancelled"))),
                    }
                }
            }
            "from" => query.filter.from = date("from", &value, &mut errors),
            "to" => query.filter.to = date("to", &value, &mut errors),
            "base" => query.filter.base = Some(value),
            "format" => match value.as_str() {
                "json" => query.csv = false,
                "csv" => query.csv = true,
                other => errors.push(FieldError::new("format", FieldCode::InvalidValue, format!("`{other}` must be json or csv"))),
            },
            "limit" => match value.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_VISIT_LIMIT).contains(&n) => query.limit = n as usize,
                _ => errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_VISIT_LIMIT}, got `{value}`"))),
            },
            "offset" => match value.trim().parse::<u32>() {
                Ok(n) => query.offset = n as usize,
                Err(_) => errors.push(FieldError::new("offset", FieldCode::InvalidValue, format!("must be a whole number, got `{value}`"))),
            },
            other => errors.push(FieldError::new(
                other,
                FieldCode::UnknownParameter,
                "is not a parameter of this route; use status, from, to, base, format, limit, offset",
            )),
        }
    }
    if errors.is_empty() { Ok(query) } else { Err(errors) }
}

/// One visit record (officer), with its version in `ETag`.
#[utoipa::path(
    get, path = "/v1/visits/{id}", tag = "visits",
    params(("id" = String, Path, description = "Visit id", example = "visit-000001")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record", body = VisitRecord, headers(("ETag" = String, description = "Version of the record"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_visit(State(state): State<AppState>, _officer: Officer, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::visits::get(&library, &id)).await??;
    Ok(with_etag(&etag, Json(record)))
}

/// Replace a visit record (officer), e.g. to confirm it or record its outcome. Needs `If-Match`.
#[utoipa::path(
    put, path = "/v1/visits/{id}", tag = "visits",
    params(
        ("id" = String, Path, description = "Visit id", example = "visit-000001"),
        ("If-Match" = String, Header, description = "The ETag the record was read with"),
    ),
    request_body = VisitInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = VisitRecord, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The record changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn replace_visit(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(visit): AppJson<VisitInput>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::visits::replace(&library, &id, &visit, &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(record)))
}
