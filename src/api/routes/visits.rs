//! Visit records: `POST`/`GET /v1/visits`, `GET`/`PUT /v1/visits/{id}`. Officers and admins.
//!
//! A record follows a visit from planned to confirmed to completed (with its outcome). Confirmed
//! and completed visits lower the rotation feature of their bases at once; completed ones can be
//! listed as a past-visits CSV (`?format=csv`), the input of `POST /v1/evaluations` and
//! `visitmatch evaluate`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
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
use crate::api::responses::{BodyNotJson, FieldsInvalid, IfMatchMissing, NotDeclaredJson, OfficerRequired, ParameterInvalid, TokenRequired};
use crate::api::extract::{path_id, AppJson, CommaList, Params, QueryParams};
use crate::api::{run_blocking, AppState};
use crate::app::BaseLibrary;
use crate::catalog::VisitFilter;
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
        BodyNotJson,
        TokenRequired,
        OfficerRequired,
        NotDeclaredJson,
        FieldsInvalid,
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
pub struct VisitListParams {
    /// Statuses, comma-separated (`confirmed,completed`).
    #[serde(default)]
    #[param(value_type = Option<String>)]
    status: CommaList,
    /// Visits starting on or after this date (YYYY-MM-DD).
    from: Option<String>,
    /// Visits starting on or before this date (YYYY-MM-DD).
    to: Option<String>,
    /// Visits that include this base.
    base: Option<String>,
    /// `json` (default) or `csv`: the completed visits as a past-visits table for the evaluation.
    #[param(value_type = Option<String>)]
    format: Option<ListFormat>,
    /// Page size, 1 to 500 (default 100; JSON only).
    limit: Option<u32>,
    /// Records to skip (JSON only).
    offset: Option<u32>,
}

/// How `GET /v1/visits` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ListFormat {
    Json,
    Csv,
}

impl QueryParams for VisitListParams {
    const LISTS: &'static [&'static str] = &["status"];

    fn check(&self, _library: &BaseLibrary) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for code in &self.status.0 {
            if VisitStatus::from_code(code).is_none() {
                errors.push(FieldError::new("status", FieldCode::InvalidValue, format!("`{code}` must be planned, confirmed, completed or cancelled")));
            }
        }
        for (name, date) in [("from", &self.from), ("to", &self.to)] {
            if let Some(date) = date
                && chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").is_err()
            {
                errors.push(FieldError::new(name, FieldCode::InvalidValue, format!("`{date}` is not a date (YYYY-MM-DD)")));
            }
        }
        if let Some(limit) = self.limit
            && !(1..=MAX_VISIT_LIMIT).contains(&limit)
        {
            errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_VISIT_LIMIT}, got `{limit}`")));
        }
        errors
    }
}

impl VisitListParams {
    /// The store's filter; the dates are read in the same form as they were checked.
    fn filter(&self) -> VisitFilter {
        let date = |text: &Option<String>| text.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()).map(|d| d.to_string());
        VisitFilter {
            status: self.status.0.iter().filter_map(|code| VisitStatus::from_code(code)).collect(),
            from: date(&self.from),
            to: date(&self.to),
            base: self.base.clone(),
        }
    }
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
        ParameterInvalid,
        TokenRequired,
        OfficerRequired,
    )
)]
async fn list_visits(State(state): State<AppState>, _officer: Officer, Params(query): Params<VisitListParams>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let filter = query.filter();
    if query.format == Some(ListFormat::Csv) {
        let filter = VisitFilter { status: vec![VisitStatus::Completed], ..filter };
        let csv = run_blocking(move || -> crate::Result<Vec<u8>> {
            let table = crate::evaluation::table_from_records(&app::visits::list(&library, &filter)?, library.divisions());
            let mut out = Vec::new();
            crate::evaluation::write_csv(&table, &mut out).map_err(|e| crate::Error::Io { path: "(csv)".into(), source: e.into() })?;
            Ok(out)
        })
        .await??;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response());
    }
    let (offset, limit) = (query.offset.unwrap_or(0) as usize, query.limit.unwrap_or(100) as usize);
    let visits = run_blocking(move || app::visits::list(&library, &filter)).await??;
    let total = visits.len();
    let items = visits.into_iter().skip(offset).take(limit).collect();
    Ok(Json(VisitPage { total, items }).into_response())
}

/// One visit record (officer), with its version in `ETag`.
#[utoipa::path(
    get, path = "/v1/visits/{id}", tag = "visits",
    params(("id" = String, Path, description = "Visit id", example = "visit-000001")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record", body = VisitRecord, headers(("ETag" = String, description = "Version of the record"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        OfficerRequired,
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
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such visit", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The record changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
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
