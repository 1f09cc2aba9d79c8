//! `POST /v1/evaluations`: replay past visits (CSV, Parquet or JSON rows) and report how well
//! the suggestions fit. Small inputs are answered at once; large ones become a job with a
//! status URL and a result URL.

use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{path_id, read_body, Params, QueryParams};
use crate::api::jobs::JobStatus;
use crate::api::responses::{Busy, TokenInvalid};
use crate::api::{run_blocking, AppState};
use crate::app;
use crate::app::evaluation::{check_upload, summarise, EvaluationRequest, Upload, MAX_ITINERARY_SAMPLE};
use crate::app::BaseLibrary;
use crate::domain::{FieldCode, FieldError};
use crate::evaluation::EvaluateOptions;

/// Inputs with at most this many visits are evaluated within the request.
pub const INLINE_VISITS: usize = 200;
/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_evaluation))
        .routes(routes!(evaluation_status, cancel_evaluation))
        .routes(routes!(evaluation_result))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// Replay past visits through the matcher and the planner.
///
/// The body is CSV (`text/csv`), Parquet (`application/vnd.apache.parquet`) or JSON
/// (`application/json`, see `EvaluationRequest`). The BM25 baseline and the default
/// configuration are always compared. With at most 200 visits the summary comes back at once
/// (200); larger inputs start a job (202) whose `status_url` tells progress and whose
/// `result_url` gives the summary. Every bad cell gives a 422 naming its line and column.
#[utoipa::path(
    post, path = "/v1/evaluations", tag = "evaluation",
    params(EvaluationParams),
    request_body(content(
        (EvaluationRequest = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.apache.parquet"),
    )),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The summary (small inputs)", body = serde_json::Value),
        (status = 202, description = "A job was started", body = JobStatus),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = "application/problem+json"),
        TokenInvalid,
        (status = 413, description = "The body is larger than 16 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported body type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cell is invalid, or the upload is over a limit (visits, columns, variants, cell length)", body = Problem, content_type = "application/problem+json"),
        Busy,
    )
)]
async fn create_evaluation(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<EvaluationParams>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    // The cheap checks first, then an upload slot, and only then is the body read: a request
    // that would be refused, or that the server has no room for, costs no buffering. The
    // permits for the work are taken once the body is in, so a slow upload holds only its slot.
    let (k, sample) = (query.k.unwrap_or(10), query.itinerary_sample.unwrap_or(EvaluateOptions::default().itinerary_sample));
    let upload = upload_kind(&headers)?;
    let threads = evaluation_threads();
    if state.heavy.available_permits() < threads {
        // No room for the work now: say so before the client sends its upload.
        return Err(ApiError::Busy);
    }
    let slot = crate::api::upload_slot(&state)?;
    let body = read_body(body, MAX_UPLOAD_BYTES).await?;
    let permit = crate::api::heavy_permits(&state, threads)?;
    let library = state.library.clone();
    let visibility = caller.visibility();
    let cancel = state.shutdown.child();
    let options = EvaluateOptions { k: k as usize, itinerary_sample: sample, threads, cancel: cancel.clone(), ..EvaluateOptions::default() };
    // The slot and the permits go with the parsing thread: if this request is abandoned while
    // it parses, they are released when the parsing ends, not before.
    let (checked, permit) = run_blocking(move || {
        let _slot = slot;
        check_upload(&body, upload, options, &library, visibility).map(|checked| (checked, permit))
    })
    .await??;
    let library = state.library.clone();

    if checked.visits.len() <= INLINE_VISITS {
        // Abandoned (client gone, or the request timed out): the guard raises the flag and the
        // workers stop at their next visit, releasing the permits.
        let _abandon = cancel.cancel_on_drop();
        let summary = run_blocking(move || -> Result<serde_json::Value, crate::Error> {
            let _permit = permit;
            summarise(&library, &checked)
        })
        .await??;
        return Ok(Json(summary).into_response());
    }

    let total = checked.visits.len() * checked.rankers.len();
    let status = state.jobs.start(caller.holder().map(str::to_string), total, cancel, permit, move |progress| {
        app::evaluation::run(&library, &checked, &|done, _| progress(done)).map(|(_, summary)| summary)
    })?;
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, status.status_url.clone())], Json(status)).into_response())
}

/// Query parameters of `POST /v1/evaluations`.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EvaluationParams {
    /// Cut-off of the ranked lists, 1 to 100 (default 10; a JSON body's `k` wins)
    k: Option<u32>,
    /// Most visits per configuration also planned as itineraries, 0 to 2000 (default 1000)
    itinerary_sample: Option<usize>,
}

impl QueryParams for EvaluationParams {
    fn check(&self, _library: &BaseLibrary) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(k) = self.k.filter(|k| !(1..=100).contains(k)) {
            errors.push(FieldError::new("k", FieldCode::InvalidValue, format!("must be between 1 and 100, got `{k}`")));
        }
        if let Some(sample) = self.itinerary_sample.filter(|sample| *sample > MAX_ITINERARY_SAMPLE) {
            errors.push(FieldError::new("itinerary_sample", FieldCode::InvalidValue, format!("must be between 0 and {MAX_ITINERARY_SAMPLE}, got `{sample}`")));
        }
        errors
    }
}

/// Worker threads of one evaluation: one per core. Each holds a heavy-request permit.
fn evaluation_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn upload_kind(headers: &HeaderMap) -> Result<Upload, ApiError> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    match media.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "text/csv" => Ok(Upload::Csv),
        "application/vnd.apache.parquet" | "application/octet-stream" => Ok(Upload::Parquet),
        "application/json" => Ok(Upload::Json),
        _ => Err(ApiError::UnsupportedMediaType("text/csv, application/vnd.apache.parquet or application/json")),
    }
}

/// Status of an evaluation job (whoever started it, or an officer).
#[utoipa::path(
    get, path = "/v1/evaluations/{id}", tag = "evaluation",
    params(("id" = String, Path, description = "Job id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The job's status", body = JobStatus),
        TokenInvalid,
        (status = 404, description = "No such job, or started by another caller", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn evaluation_status(State(state): State<AppState>, caller: Caller, path: Result<Path<String>, PathRejection>) -> Result<Json<JobStatus>, ApiError> {
    Ok(Json(state.jobs.status(&path_id(path)?, &caller)?))
}

/// Stop an evaluation job, or forget a finished one (whoever started it, or an officer).
///
/// A running job is cancelled: its workers stop at their next visit and release their permits,
/// and its status says `cancelled` (200). A finished job is removed with its result (204).
#[utoipa::path(
    delete, path = "/v1/evaluations/{id}", tag = "evaluation",
    params(("id" = String, Path, description = "Job id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The running job was cancelled", body = JobStatus),
        (status = 204, description = "The finished job was removed"),
        TokenInvalid,
        (status = 404, description = "No such job, or started by another caller", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn cancel_evaluation(State(state): State<AppState>, caller: Caller, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    match state.jobs.cancel_or_forget(&path_id(path)?, &caller)? {
        Some(status) => Ok(Json(status).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// Result of a finished evaluation job: the summary with every configuration and breakdown.
#[utoipa::path(
    get, path = "/v1/evaluations/{id}/result", tag = "evaluation",
    params(("id" = String, Path, description = "Job id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The summary", body = serde_json::Value),
        TokenInvalid,
        (status = 404, description = "No such job, or started by another caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job has not finished (or failed, or was cancelled)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn evaluation_result(State(state): State<AppState>, caller: Caller, path: Result<Path<String>, PathRejection>) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(state.jobs.result(&path_id(path)?, &caller)?))
}

