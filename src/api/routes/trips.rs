//! Trip applications (因公出国（境）网上申报与审签): `POST`/`GET /v1/trips`,
//! `GET`/`PUT /v1/trips/{id}`, `GET /v1/trips/{id}/review`, `POST /v1/trips/{id}/submit`,
//! `POST /v1/trips/{id}/decision` and `GET /v1/trips/{id}/revisions`. Officers file and submit;
//! approvers sign off. The rules of who may do what are in `app::trips`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bases::{created, with_etag};
use crate::api::auth::{if_match, Approver, Officer};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{path_id, AppJson, CommaList, Params, QueryParams};
use crate::api::responses::{
    ApplicantRequired, ApproverRequired, BodyNotJson, FieldsInvalid, IfMatchMissing, NotDeclaredJson, OfficerRequired, ParameterInvalid, PersonRequired, TokenRequired,
};
use crate::api::{run_blocking, AppState};
use crate::app;
use crate::app::trips::TripReview;
use crate::app::BaseLibrary;
use crate::catalog::TripFilter;
use crate::domain::{FieldCode, FieldError, FlagAnswer, TripDecision, TripInput, TripRecord, TripReport, TripStatus};
use crate::outbound::{AssessBy, AssessmentRow};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file_trip, list_trips))
        .routes(routes!(get_trip, revise_trip))
        .routes(routes!(review_trip))
        .routes(routes!(submit_trip))
        .routes(routes!(decide_trip))
        .routes(routes!(trip_revisions))
        .routes(routes!(report_trip))
        .routes(routes!(trip_assessment))
}

/// Most justifications one submission may carry.
const MAX_ANSWERS: usize = 20;

/// File a trip application (officer). It is saved as a draft: change it with `PUT`, see what
/// the pre-review raises with `GET …/review`, and submit it with `POST …/submit`.
#[utoipa::path(
    post, path = "/v1/trips", tag = "trips",
    request_body = TripInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed as a draft", body = TripRecord,
         headers(("ETag" = String, description = "Version of the application"), ("Location" = String, description = "URL of the application"))),
        BodyNotJson,
        TokenRequired,
        PersonRequired,
        NotDeclaredJson,
        FieldsInvalid,
    )
)]
async fn file_trip(State(state): State<AppState>, Officer(actor): Officer, AppJson(application): AppJson<TripInput>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::trips::file(&library, &application, &actor)).await??;
    Ok(created(&format!("/v1/trips/{}", record.id), &etag, record))
}

/// Query parameters of `GET /v1/trips`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TripListParams {
    /// Statuses, comma-separated (`submitted` is the sign-off queue).
    #[serde(default)]
    #[param(value_type = Option<String>)]
    status: CommaList,
    /// Only this department's applications.
    department: Option<String>,
    /// `true`: only signed-off trips whose results are overdue (back for longer than the rules'
    /// `report_within_days` without a report).
    overdue: Option<bool>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<u32>,
    /// Applications to skip.
    offset: Option<u32>,
}

impl QueryParams for TripListParams {
    const LISTS: &'static [&'static str] = &["status"];

    fn check(&self, _library: &BaseLibrary) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for code in &self.status.0 {
            if TripStatus::from_code(code).is_none() {
                errors.push(FieldError::new("status", FieldCode::InvalidValue, format!("`{code}` must be draft, submitted, returned, approved or rejected")));
            }
        }
        if self.department.as_ref().is_some_and(|d| d.chars().count() > crate::outbound::MAX_TRIP_FIELD_CHARS) {
            errors.push(FieldError::new("department", FieldCode::InvalidValue, "is too long"));
        }
        if let Some(limit) = self.limit
            && !(1..=MAX_TRIP_LIMIT).contains(&limit)
        {
            errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_TRIP_LIMIT}, got `{limit}`")));
        }
        errors
    }
}

/// Largest page of applications.
pub const MAX_TRIP_LIMIT: u32 = 500;

/// A page of applications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripList {
    /// Applications matching over all pages.
    pub total: usize,
    /// This page.
    pub items: Vec<TripRecord>,
}

/// List trip applications (officer): `?status=submitted` is the sign-off queue.
#[utoipa::path(
    get, path = "/v1/trips", tag = "trips",
    params(TripListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Applications", body = TripList),
        ParameterInvalid,
        TokenRequired,
        OfficerRequired,
    )
)]
async fn list_trips(State(state): State<AppState>, _officer: Officer, Params(query): Params<TripListParams>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let department = query.department.as_deref().map(|name| app::trips::department(&state.library, name));
    let filter = TripFilter { status: query.status.0.iter().filter_map(|c| TripStatus::from_code(c)).collect(), department };
    let (offset, limit) = (query.offset.unwrap_or(0) as usize, query.limit.unwrap_or(100) as usize);
    let overdue = query.overdue == Some(true);
    let trips = run_blocking(move || -> crate::Result<Vec<TripRecord>> {
        if overdue {
            let today = chrono::Utc::now().date_naive();
            Ok(app::trips::overdue(&library, today)?.into_iter().filter(|t| filter.department.as_ref().is_none_or(|d| &t.application.department == d)).collect())
        } else {
            app::trips::list(&library, &filter)
        }
    })
    .await??;
    let total = trips.len();
    Ok(Json(TripList { total, items: trips.into_iter().skip(offset).take(limit).collect() }).into_response())
}

/// One application (officer) with its history, each step with who and when; its version in `ETag`.
#[utoipa::path(
    get, path = "/v1/trips/{id}", tag = "trips",
    params(("id" = String, Path, description = "Application id", example = "trip-000001")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application", body = TripRecord, headers(("ETag" = String, description = "Version of the application"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_trip(State(state): State<AppState>, _officer: Officer, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::trips::get(&library, &id)).await??;
    Ok(with_etag(&etag, Json(record)))
}

/// Change a draft or returned application (the applicant). A returned one becomes a new
/// revision; the submitted revisions stay as they were. Needs `If-Match`.
#[utoipa::path(
    put, path = "/v1/trips/{id}", tag = "trips",
    params(
        ("id" = String, Path, description = "Application id", example = "trip-000001"),
        ("If-Match" = String, Header, description = "The ETag the application was read with"),
    ),
    request_body = TripInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = TripRecord, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        ApplicantRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is submitted, signed off or turned down, or was returned 20 times (`trip_step_not_applicable`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The application changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
    )
)]
async fn revise_trip(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(application): AppJson<TripInput>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::trips::revise(&library, &id, &application, &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(record)))
}

/// The pre-review (预审) of an application as it stands: its summary (出访申请摘要) and every
/// flag with the rule that raised it (officer).
#[utoipa::path(
    get, path = "/v1/trips/{id}/review", tag = "trips",
    params(("id" = String, Path, description = "Application id", example = "trip-000001")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pre-review", body = TripReview),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn review_trip(State(state): State<AppState>, _officer: Officer, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let library = state.library.clone();
    let review = run_blocking(move || app::trips::current_review(&library, &id)).await??;
    Ok(Json(review).into_response())
}

/// What a submission carries: an answer to each flag of the pre-review.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"justifications": [{"key": "members_over_tasks", "justification": "外方要求增派翻译一名"}]}))]
pub struct Submission {
    /// One answer per flag, by the flag's `key`.
    #[serde(default)]
    pub justifications: Vec<FlagAnswer>,
}

/// Submit an application (the applicant): the pre-review runs and every flag must be answered
/// (a 422 names `justifications.{code}` for each one that is not); the revision is then frozen
/// and waits for sign-off. Needs `If-Match`.
#[utoipa::path(
    post, path = "/v1/trips/{id}/submit", tag = "trips",
    params(
        ("id" = String, Path, description = "Application id", example = "trip-000001"),
        ("If-Match" = String, Header, description = "The ETag the application was read with"),
    ),
    request_body = Submission,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = TripRecord, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        ApplicantRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft or returned application (`trip_step_not_applicable`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The application changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
    )
)]
async fn submit_trip(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(submission): AppJson<Submission>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let expected = if_match(&headers)?;
    if submission.justifications.len() > MAX_ANSWERS {
        return Err(ApiError::InvalidBody(vec![FieldError::new("justifications", FieldCode::TooMany, format!("at most {MAX_ANSWERS} answers"))]));
    }
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::trips::submit(&library, &id, &submission.justifications, &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(record)))
}

/// A sign-off decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "return", "comment": "请压缩在外天数至5天"}))]
pub struct DecisionBody {
    /// `approve`, `return` (for changes) or `reject`.
    pub decision: TripDecision,
    /// Required to return or reject; at most 1,000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Sign off, return or reject a submitted application (approver; never one's own). Needs `If-Match`.
#[utoipa::path(
    post, path = "/v1/trips/{id}/decision", tag = "trips",
    params(
        ("id" = String, Path, description = "Application id", example = "trip-000001"),
        ("If-Match" = String, Header, description = "The ETag the application was read with"),
    ),
    request_body = DecisionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided", body = TripRecord, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        ApproverRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is not waiting for sign-off", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The application changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
    )
)]
async fn decide_trip(
    State(state): State<AppState>,
    Approver(actor): Approver,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(body): AppJson<DecisionBody>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::trips::decide(&library, &id, body.decision, body.comment.as_deref(), &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(record)))
}

/// Submitted revisions of an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripRevisions {
    /// Each revision as it was submitted, oldest first.
    pub items: Vec<TripRecord>,
}

/// Every submitted revision of an application, as it was submitted (officer).
#[utoipa::path(
    get, path = "/v1/trips/{id}/revisions", tag = "trips",
    params(("id" = String, Path, description = "Application id", example = "trip-000001")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revisions", body = TripRevisions),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn trip_revisions(State(state): State<AppState>, _officer: Officer, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let library = state.library.clone();
    let items = run_blocking(move || app::trips::revisions(&library, &id)).await??;
    Ok(Json(TripRevisions { items }).into_response())
}

/// Record what a signed-off trip achieved (the applicant, once back): one outcome per task its
/// stops serve, agreements, follow-up projects, the bases that benefited and contacts. Needs `If-Match`.
#[utoipa::path(
    post, path = "/v1/trips/{id}/report", tag = "trips",
    params(
        ("id" = String, Path, description = "Application id", example = "trip-000001"),
        ("If-Match" = String, Header, description = "The ETag the application was read with"),
    ),
    request_body = TripReport,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reported", body = TripRecord, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        ApplicantRequired,
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not signed off, or the group is not back yet (`trip_step_not_applicable`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The application changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
    )
)]
async fn report_trip(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(report): AppJson<TripReport>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let expected = if_match(&headers)?;
    if report.tasks.len() > MAX_REPORTED_TASKS {
        return Err(ApiError::InvalidBody(vec![FieldError::new("tasks", FieldCode::TooMany, format!("at most {MAX_REPORTED_TASKS} outcomes"))]));
    }
    let library = state.library.clone();
    let (record, etag) = run_blocking(move || app::trips::report(&library, &id, &report, &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(record)))
}

/// Most task outcomes one report may carry.
const MAX_REPORTED_TASKS: usize = 50;

/// Query parameters of `GET /v1/trips/assessment`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessmentParams {
    /// `route` (default), `theme`, `country`, `department` or `year`.
    #[param(value_type = Option<String>)]
    by: Option<String>,
    /// Only trips leaving in this year.
    year: Option<i32>,
    /// Only this department's trips.
    department: Option<String>,
    /// `json` (default) or `xlsx` (the table as a workbook, 出访成果绩效考核.xlsx).
    format: Option<String>,
}

impl AssessmentParams {
    fn by(&self) -> Option<AssessBy> {
        match self.by.as_deref() {
            None | Some("route") => Some(AssessBy::Route),
            Some("theme") => Some(AssessBy::Theme),
            Some("country") => Some(AssessBy::Country),
            Some("department") => Some(AssessBy::Department),
            Some("year") => Some(AssessBy::Year),
            Some(_) => None,
        }
    }
}

impl QueryParams for AssessmentParams {
    fn check(&self, _library: &BaseLibrary) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.by().is_none() {
            errors.push(FieldError::new("by", FieldCode::InvalidValue, "must be route, theme, country, department or year"));
        }
        if self.format.as_deref().is_some_and(|f| f != "json" && f != "xlsx") {
            errors.push(FieldError::new("format", FieldCode::InvalidValue, "must be json or xlsx"));
        }
        if self.year.is_some_and(|y| !(2000..=2100).contains(&y)) {
            errors.push(FieldError::new("year", FieldCode::InvalidValue, "must be a year from 2000 to 2100"));
        }
        if self.department.as_ref().is_some_and(|d| d.chars().count() > crate::outbound::MAX_TRIP_FIELD_CHARS) {
            errors.push(FieldError::new("department", FieldCode::InvalidValue, "is too long"));
        }
        errors
    }
}

/// The assessment table.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    /// How the rows are grouped.
    pub by: AssessBy,
    /// One row per group, best share of tasks met first.
    pub rows: Vec<AssessmentRow>,
}

/// The assessment of reported trips (出访成果绩效考核, officer): per route, theme, country,
/// department or year, the share of tasks met, agreements and follow-ups per member-day, and
/// days used against the days the rules allow.
#[utoipa::path(
    get, path = "/v1/trips/assessment", tag = "trips",
    params(AssessmentParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The assessment (JSON), or with `format=xlsx` as a workbook", content(
            (Assessment = "application/json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        ParameterInvalid,
        TokenRequired,
        OfficerRequired,
    )
)]
async fn trip_assessment(State(state): State<AppState>, _officer: Officer, Params(query): Params<AssessmentParams>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let by = query.by().unwrap_or_default();
    let department = query.department.as_deref().map(|name| app::trips::department(&state.library, name));
    let year = query.year;
    let rows = run_blocking(move || app::trips::assessment(&library, by, year, department.as_deref())).await??;
    if query.format.as_deref() == Some("xlsx") {
        let bytes = crate::outbound::assessment_workbook(&rows, by).map_err(|e| ApiError::Internal(format!("the assessment workbook: {e}")))?;
        let disposition = super::exports::attachment("trip-assessment.xlsx", "出访成果绩效考核.xlsx");
        return Ok((
            [(axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()), (axum::http::header::CONTENT_DISPOSITION, disposition)],
            bytes,
        )
            .into_response());
    }
    Ok(Json(Assessment { by, rows }).into_response())
}
