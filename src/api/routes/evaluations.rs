//! `POST /v1/evaluations`: replay past visits (CSV, Parquet or JSON rows) and report how well
//! the suggestions fit. Small inputs are answered at once; large ones become a job with a
//! status URL and a result URL.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::Visibility;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::responses::{Busy, TokenInvalid};
use crate::api::extract::{path_id, read_body, Params, QueryParams};
use crate::api::{run_blocking, AppState};
use crate::cancel::CancelFlag;
use crate::domain::{FieldCode, FieldError};
use crate::domain::ExchangeBase;
use crate::evaluation::visits::{check_csv_shape, check_parquet_shape, read_bytes, JsonVisitRows, PastVisit, RawTable};
use crate::app::evaluation::evaluate;
use crate::evaluation::{check_visits, report, EvaluateOptions, NamedRanker, Ranker, VisitFormat};
use crate::app::library::BaseLibrary;
use crate::scoring::MatchConfig;

/// Inputs with at most this many visits are evaluated within the request.
pub const INLINE_VISITS: usize = 200;
/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;
/// Most weight variants compared in one evaluation (besides BM25 and the default).
pub const MAX_VARIANTS: usize = 8;
/// Longest variant name, in characters.
pub const MAX_VARIANT_NAME_CHARS: usize = 64;
/// Most visits per configuration also planned as itineraries.
pub const MAX_ITINERARY_SAMPLE: usize = 2_000;
/// Jobs kept for their results; when full, the oldest finished job makes room. Running jobs
/// are never dropped (they are bounded by the heavy-request permits anyway).
const KEPT_JOBS: usize = 32;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_evaluation))
        .routes(routes!(evaluation_status, cancel_evaluation))
        .routes(routes!(evaluation_result))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// Where an evaluation job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting or replaying.
    Running,
    /// Finished; the result is ready.
    Done,
    /// Stopped by an error.
    Failed,
    /// Stopped by `DELETE` or by the server shutting down.
    Cancelled,
}

impl JobState {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// A job's status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobStatus {
    /// Job id: random and unguessable; only whoever started the job (or an officer) reads it.
    pub id: String,
    /// State.
    pub state: JobState,
    /// Visit replays done (visits × configurations).
    pub done: usize,
    /// Visit replays in all.
    pub total: usize,
    /// This status, to poll.
    pub status_url: String,
    /// The summary, once done.
    pub result_url: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

struct Job {
    /// The token name that started it; `None` for an anonymous caller, whose only key is the
    /// unguessable id.
    owner: Option<String>,
    status: JobStatus,
    result: Option<serde_json::Value>,
    cancel: CancelFlag,
    /// When it stopped running: the oldest finished job makes room for a new one.
    finished: Option<std::time::Instant>,
}

/// The evaluation jobs of this server (in memory).
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Job>>,
}

impl Jobs {
    /// The table; a panic elsewhere while it was held leaves it usable (every change to it is
    /// a single assignment, so it is never half-updated).
    fn table(&self) -> MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Raises every job's cancel flag (the server is stopping).
    pub fn cancel_all(&self) {
        for job in self.table().values() {
            job.cancel.cancel();
        }
    }

    /// Adds a running job, making room by dropping the oldest finished one; 503 when every
    /// kept job is still running.
    fn insert(&self, id: String, job: Job) -> Result<(), ApiError> {
        let mut table = self.table();
        if table.len() >= KEPT_JOBS {
            let oldest = table.iter().filter_map(|(id, job)| job.finished.map(|at| (at, id.clone()))).min();
            match oldest {
                Some((_, old)) => {
                    table.remove(&old);
                }
                None => return Err(ApiError::Busy),
            }
        }
        table.insert(id, job);
        Ok(())
    }

    /// Runs `read` on job `id` if `caller` may see it; otherwise 404, as for a job that does
    /// not exist.
    fn with_job<T>(&self, id: &str, caller: &Caller, read: impl FnOnce(&mut Job) -> T) -> Result<T, ApiError> {
        let mut table = self.table();
        match table.get_mut(id) {
            Some(job) if may_read(job, caller) => Ok(read(job)),
            _ => Err(ApiError::JobNotFound(id.to_string())),
        }
    }
}

fn may_read(job: &Job, caller: &Caller) -> bool {
    caller.visibility() == Visibility::Internal || job.owner.as_deref() == caller.holder()
}

/// JSON input: rows keyed by column (lists may be arrays), and optional weight variants.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visits": [{
    "visit_id": "v2024-0001", "start_date": "2024-05-13", "days": 2, "country": "IT", "city": "Prato",
    "organisation_type": "business_association", "size": 12, "hotel_division": "lucheng",
    "interests": "Knitwear and footwear partners", "industries_sought": ["knitwear", "footwear"],
    "languages": ["it", "en"], "theme": "fashion_smart_manufacturing",
    "visited_bases": ["lucheng-005", "ouhai-006"], "productive_bases": ["lucheng-005"],
    "agreements_signed": 1, "follow_up_projects": 0, "satisfaction": 4
}], "k": 10}))]
pub struct EvaluationRequest {
    /// Past visits, one object per visit (columns as in `fixtures/past_visits/README.md`), at
    /// most 20,000.
    #[schema(value_type = Vec<Object>)]
    pub visits: JsonVisitRows,
    /// Extra configurations (at most 8): a name and weights replacing the default ones.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Cut-off of the ranked lists (default 10).
    pub k: Option<u32>,
}

/// A named weight variant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Name in the results.
    pub name: String,
    /// Weights.
    pub weights: crate::scoring::MatchWeights,
}

/// What an upload's body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upload {
    Csv,
    Parquet,
    Json,
}

/// An evaluation checked and ready to run: nothing in it is unbounded any more.
struct CheckedEvaluation {
    visits: Vec<PastVisit>,
    bases: Vec<ExchangeBase>,
    rankers: Vec<NamedRanker>,
    options: EvaluateOptions,
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

    let id = format!("eval_{}", crate::access::random_hex::<16>());
    let status = JobStatus {
        id: id.clone(),
        state: JobState::Running,
        done: 0,
        total: checked.visits.len() * checked.rankers.len(),
        status_url: format!("/v1/evaluations/{id}"),
        result_url: format!("/v1/evaluations/{id}/result"),
        error: None,
    };
    let job = Job { owner: caller.holder().map(str::to_string), status: status.clone(), result: None, cancel, finished: None };
    state.jobs.insert(id.clone(), job)?;
    let jobs = state.jobs.clone();
    tokio::task::spawn_blocking(move || {
        // The job holds its permits for exactly as long as it runs.
        let _permit = permit;
        let progress = |done: usize, _total: usize| {
            if let Some(job) = jobs.table().get_mut(&id) {
                job.status.done = done;
            }
        };
        // A panic in the evaluation fails this job (it is never left `running`).
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            evaluate(&library, &checked.bases, &checked.visits, &checked.rankers, &checked.options, &progress)
                .and_then(|outcomes| report::build(&outcomes, &checked.bases).map_err(internal_report_error))
                .map(|built| report::summary_json(&built, checked.options.k, checked.visits.len()))
        }))
        .unwrap_or_else(|_| Err(internal_report_error("the evaluation panicked".into())));
        if let Some(job) = jobs.table().get_mut(&id) {
            job.finished = Some(std::time::Instant::now());
            if job.status.state == JobState::Cancelled {
                // Cancelled while its last visit was replayed: it stays cancelled.
                return;
            }
            match outcome {
                Ok(summary) => {
                    job.status.state = JobState::Done;
                    job.result = Some(summary);
                }
                Err(crate::Error::Cancelled) => job.status.state = JobState::Cancelled,
                Err(error) => {
                    tracing::error!(job = %id, %error, "evaluation job failed");
                    job.status.state = JobState::Failed;
                    job.status.error = Some("the evaluation failed; the error has been logged".into());
                }
            }
        }
    });
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

/// Reads and checks an upload (on a blocking thread): its shape against the limits before it
/// is parsed, then every cell, against the bases this caller may see.
fn check_upload(body: &[u8], upload: Upload, mut options: EvaluateOptions, library: &BaseLibrary, visibility: Visibility) -> Result<CheckedEvaluation, ApiError> {
    let default = MatchConfig::default_config();
    let mut rankers = vec![
        NamedRanker { name: "bm25".into(), ranker: Ranker::Bm25 },
        NamedRanker { name: "default".into(), ranker: Ranker::Full(Box::new(default)) },
    ];
    let table: RawTable = match upload {
        Upload::Csv => {
            check_csv_shape(body).map_err(|e| ApiError::InvalidBody(vec![e]))?;
            read_bytes(body, VisitFormat::Csv).map_err(ApiError::UnreadableBody)?
        }
        Upload::Parquet => {
            check_parquet_shape(body).map_err(ApiError::UnreadableBody)?;
            read_bytes(body, VisitFormat::Parquet).map_err(ApiError::UnreadableBody)?
        }
        Upload::Json => {
            let request: EvaluationRequest = serde_json::from_slice(body).map_err(json_upload_error)?;
            if let Some(v) = request.k {
                if !(1..=100).contains(&v) {
                    return Err(ApiError::InvalidBody(vec![FieldError::new("k", FieldCode::InvalidValue, format!("must be between 1 and 100, got {v}"))]));
                }
                options.k = v as usize;
            }
            if request.variants.len() > MAX_VARIANTS {
                return Err(ApiError::InvalidBody(vec![FieldError::new(
                    "variants",
                    FieldCode::TooMany,
                    format!("{} variants; at most {MAX_VARIANTS} are compared at once", request.variants.len()),
                )]));
            }
            let mut names: HashSet<String> = rankers.iter().map(|r| r.name.clone()).collect();
            for (i, variant) in request.variants.into_iter().enumerate() {
                if variant.name.trim().is_empty() || variant.name.chars().count() > MAX_VARIANT_NAME_CHARS {
                    return Err(ApiError::InvalidBody(vec![FieldError::new(&format!("variants[{i}].name"), FieldCode::InvalidValue, format!("must be 1 to {MAX_VARIANT_NAME_CHARS} characters"))]));
                }
                if let Err(message) = variant.weights.validate() {
                    return Err(ApiError::InvalidBody(vec![FieldError::new(&format!("variants[{i}].weights"), FieldCode::InvalidValue, message)]));
                }
                if !names.insert(variant.name.clone()) {
                    return Err(ApiError::InvalidBody(vec![FieldError::new(&format!("variants[{i}].name"), FieldCode::InvalidValue, format!("`{}` is used twice", variant.name))]));
                }
                let mut config = default;
                config.weights = variant.weights;
                rankers.push(NamedRanker { name: variant.name, ranker: Ranker::Full(Box::new(config)) });
            }
            request.visits.0
        }
    };
    let mut bases = Vec::new();
    library.for_each_base(|b| bases.push(b))?;
    // The one visibility rule: a restricted base is an unknown id below officer.
    let known: HashSet<String> = bases.iter().filter(|b| visibility.sees(b.restricted)).map(|b| b.id.clone()).collect();
    let visits = check_visits(&table, &known, library.divisions()).map_err(ApiError::InvalidBody)?;
    Ok(CheckedEvaluation { visits, bases, rankers, options })
}

/// A JSON upload that does not parse: a data error names its field (`visits[3].colour`), a
/// syntax error is malformed JSON.
fn json_upload_error(error: serde_json::Error) -> ApiError {
    let text = error.to_string();
    if error.is_data() {
        let (field, message) = match text.split_once(": ") {
            Some((field, message)) if field.starts_with("visits") && !field.contains(' ') => (field.to_string(), message.to_string()),
            _ => ("(body)".to_string(), text.clone()),
        };
        let code = if message.contains("at most") {
            FieldCode::TooMany
        } else if message.contains("is not a column") {
            FieldCode::UnknownColumn
        } else {
            FieldCode::InvalidValue
        };
        ApiError::InvalidBody(vec![FieldError::new(&field, code, message)])
    } else {
        ApiError::MalformedJson(text)
    }
}

fn summarise(library: &BaseLibrary, checked: &CheckedEvaluation) -> Result<serde_json::Value, crate::Error> {
    let outcomes = evaluate(library, &checked.bases, &checked.visits, &checked.rankers, &checked.options, &|_, _| {})?;
    let built = report::build(&outcomes, &checked.bases).map_err(internal_report_error)?;
    Ok(report::summary_json(&built, checked.options.k, checked.visits.len()))
}

/// A report that cannot be built is our failure, not the caller's.
fn internal_report_error(message: String) -> crate::Error {
    crate::Error::Io { path: "(evaluation report)".into(), source: std::io::Error::other(message) }
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
    let id = path_id(path)?;
    state.jobs.with_job(&id, &caller, |job| Json(job.status.clone()))
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
    let id = path_id(path)?;
    // A job is forgotten only once its workers have stopped; until then a DELETE cancels it
    // (again) and answers its status, so a running job is never dropped.
    let status = state.jobs.with_job(&id, &caller, |job| {
        if job.finished.is_none() {
            job.cancel.cancel();
            job.status.state = JobState::Cancelled;
            Some(job.status.clone())
        } else {
            None
        }
    })?;
    match status {
        Some(status) => Ok(Json(status).into_response()),
        None => {
            state.jobs.table().remove(&id);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
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
    let id = path_id(path)?;
    state.jobs.with_job(&id, &caller, |job| job.result.clone().map(Json).ok_or_else(|| ApiError::JobNotDone(id.clone(), job.status.state.code())))?
}

/// Shared job table, for the app state.
pub fn new_jobs() -> Arc<Jobs> {
    Arc::new(Jobs::default())
}
