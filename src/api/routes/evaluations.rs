//! `POST /v1/evaluations`: replay past visits (CSV, Parquet or JSON rows) and report how well
//! the suggestions fit. Small inputs are answered at once; large ones become a job with a
//! status URL and a result URL.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::error::{ApiError, Problem};
use crate::api::extract::query_pairs;
use crate::api::{run_blocking, AppState};
use crate::catalog::FieldError;
use crate::evaluation::visits::{read_bytes, table_from_json};
use crate::evaluation::{check_visits, evaluate, report, EvaluateOptions, NamedRanker, Ranker, VisitFormat};
use crate::scoring::MatchConfig;

/// Inputs with at most this many visits are evaluated within the request.
pub const INLINE_VISITS: usize = 200;
/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;
/// Finished jobs kept for their results (oldest dropped first).
const KEPT_JOBS: usize = 32;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_evaluation))
        .routes(routes!(evaluation_status))
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
}

/// A job's status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobStatus {
    /// Job id.
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
    status: JobStatus,
    result: Option<serde_json::Value>,
}

/// The evaluation jobs of this server (in memory).
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Job>>,
    order: Mutex<VecDeque<String>>,
    next: AtomicU64,
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
    /// Past visits, one object per visit (columns as in `fixtures/past_visits/README.md`).
    #[schema(value_type = Vec<Object>)]
    pub visits: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Extra configurations: a name and weights replacing the default ones.
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

/// Replay past visits through the matcher and the planner.
///
/// The body is CSV (`text/csv`), Parquet (`application/vnd.apache.parquet`) or JSON
/// (`application/json`, see `EvaluationRequest`). The BM25 baseline and the default
/// configuration are always compared. With at most 200 visits the summary comes back at once
/// (200); larger inputs start a job (202) whose `status_url` tells progress and whose
/// `result_url` gives the summary. Every bad cell gives a 422 naming its line and column.
#[utoipa::path(
    post, path = "/v1/evaluations", tag = "evaluation",
    params(
        ("k" = Option<u32>, Query, description = "Cut-off of the ranked lists (default 10; a JSON body's `k` wins)"),
        ("itinerary_sample" = Option<usize>, Query, description = "Most visits per configuration also planned as itineraries (default 1000)"),
    ),
    request_body(content(
        (EvaluationRequest = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.apache.parquet"),
    )),
    responses(
        (status = 200, description = "The summary (small inputs)", body = serde_json::Value),
        (status = 202, description = "A job was started", body = JobStatus),
        (status = 400, description = "The body cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported body type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cell is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many plans and evaluations at once (`server_busy`); retry after the `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_evaluation(State(state): State<AppState>, uri: axum::http::Uri, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let permit = crate::api::heavy_permit(&state)?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let mut k = 10u32;
    let mut sample = EvaluateOptions::default().itinerary_sample;
    for (key, value) in query_pairs(uri.query()) {
        match key.as_str() {
            "k" => match value.parse::<u32>() {
                Ok(v) if (1..=100).contains(&v) => k = v,
                _ => return Err(ApiError::InvalidQuery(vec![FieldError::new("k", "invalid_value", format!("must be between 1 and 100, got `{value}`"))])),
            },
            "itinerary_sample" => match value.parse::<usize>() {
                Ok(v) if v <= 100_000 => sample = v,
                _ => {
                    return Err(ApiError::InvalidQuery(vec![FieldError::new(
                        "itinerary_sample",
                        "invalid_value",
                        format!("must be between 0 and 100000, got `{value}`"),
                    )]))
                }
            },
            other => return Err(ApiError::InvalidQuery(vec![FieldError::new(other, "unknown_parameter", format!("`{other}` is not a parameter of this route"))])),
        }
    }
    let default = MatchConfig::default_config();
    let mut rankers = vec![
        NamedRanker { name: "bm25".into(), ranker: Ranker::Bm25 },
        NamedRanker { name: "default".into(), ranker: Ranker::Full(Box::new(default)) },
    ];
    let table = match media.as_str() {
        "text/csv" => run_blocking(move || read_bytes(&body, VisitFormat::Csv)).await?.map_err(ApiError::UnreadableBody)?,
        "application/vnd.apache.parquet" | "application/octet-stream" => {
            run_blocking(move || read_bytes(&body, VisitFormat::Parquet)).await?.map_err(ApiError::UnreadableBody)?
        }
        "application/json" => {
            let request: EvaluationRequest = serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
            if let Some(v) = request.k {
                if !(1..=100).contains(&v) {
                    return Err(ApiError::InvalidBody(vec![FieldError::new("k", "invalid_value", format!("must be between 1 and 100, got {v}"))]));
                }
                k = v;
            }
            let mut names: HashSet<String> = rankers.iter().map(|r| r.name.clone()).collect();
            for (i, variant) in request.variants.into_iter().enumerate() {
                if let Err(message) = variant.weights.validate() {
                    return Err(ApiError::InvalidBody(vec![FieldError::new(&format!("variants[{i}].weights"), "invalid_value", message)]));
                }
                if !names.insert(variant.name.clone()) {
                    return Err(ApiError::InvalidBody(vec![FieldError::new(&format!("variants[{i}].name"), "invalid_value", format!("`{}` is used twice", variant.name))]));
                }
                let mut config = default;
                config.weights = variant.weights;
                rankers.push(NamedRanker { name: variant.name, ranker: Ranker::Full(Box::new(config)) });
            }
            table_from_json(&request.visits)
        }
        _ => return Err(ApiError::UnsupportedMediaType("text/csv, application/vnd.apache.parquet or application/json")),
    };
    let library = state.library.clone();
    let (visits, bases) = run_blocking(move || -> crate::Result<_> {
        let mut bases = Vec::new();
        library.for_each_base(|b| bases.push(b))?;
        let known: HashSet<String> = bases.iter().map(|b| b.id.clone()).collect();
        Ok((check_visits(&table, &known, library.divisions()), bases))
    })
    .await??;
    let visits = visits.map_err(ApiError::InvalidBody)?;
    let options = EvaluateOptions { k: k as usize, itinerary_sample: sample, ..EvaluateOptions::default() };
    let library = state.library.clone();
    if visits.len() <= INLINE_VISITS {
        let summary = run_blocking(move || -> Result<serde_json::Value, crate::Error> {
            let _permit = permit;
            let outcomes = evaluate(&library, &bases, &visits, &rankers, &options, &|_, _| {})?;
            let built = report::build(&outcomes, &bases).map_err(|e| crate::Error::Invalid(vec![FieldError::new("(report)", "internal", e)]))?;
            Ok(report::summary_json(&built, options.k, visits.len()))
        })
        .await??;
        return Ok(Json(summary).into_response());
    }

    let jobs = state.jobs.clone();
    let id = format!("eval-{}", jobs.next.fetch_add(1, Ordering::Relaxed) + 1);
    let status = JobStatus {
        id: id.clone(),
        state: JobState::Running,
        done: 0,
        total: visits.len() * rankers.len(),
        status_url: format!("/v1/evaluations/{id}"),
        result_url: format!("/v1/evaluations/{id}/result"),
        error: None,
    };
    {
        let mut table = jobs.jobs.lock().expect("jobs lock");
        let mut order = jobs.order.lock().expect("jobs lock");
        while order.len() >= KEPT_JOBS {
            if let Some(old) = order.pop_front() {
                table.remove(&old);
            }
        }
        table.insert(id.clone(), Job { status: status.clone(), result: None });
        order.push_back(id.clone());
    }
    let worker_jobs = jobs.clone();
    let worker_id = id.clone();
    tokio::task::spawn_blocking(move || {
        // A running job holds its permit, so jobs count against the heavy-request limit too.
        let _permit = permit;
        let progress = |done: usize, _total: usize| {
            if let Some(job) = worker_jobs.jobs.lock().expect("jobs lock").get_mut(&worker_id) {
                job.status.done = done;
            }
        };
        let outcome = evaluate(&library, &bases, &visits, &rankers, &options, &progress)
            .map_err(|e| e.to_string())
            .and_then(|outcomes| report::build(&outcomes, &bases))
            .map(|built| report::summary_json(&built, options.k, visits.len()));
        if let Some(job) = worker_jobs.jobs.lock().expect("jobs lock").get_mut(&worker_id) {
            match outcome {
                Ok(summary) => {
                    job.status.state = JobState::Done;
                    job.result = Some(summary);
                }
                Err(error) => {
                    tracing::error!(job = %worker_id, %error, "evaluation job failed");
                    job.status.state = JobState::Failed;
                    job.status.error = Some("the evaluation failed; the error has been logged".into());
                }
            }
        }
    });
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, status.status_url.clone())], Json(status)).into_response())
}

/// Status of an evaluation job.
#[utoipa::path(
    get, path = "/v1/evaluations/{id}", tag = "evaluation",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job's status", body = JobStatus),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn evaluation_status(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<JobStatus>, ApiError> {
    let jobs = state.jobs.jobs.lock().expect("jobs lock");
    jobs.get(&id).map(|j| Json(j.status.clone())).ok_or(ApiError::JobNotFound(id))
}

/// Result of a finished evaluation job: the summary with every configuration and breakdown.
#[utoipa::path(
    get, path = "/v1/evaluations/{id}/result", tag = "evaluation",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, description = "The summary", body = serde_json::Value),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job has not finished (or failed)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn evaluation_result(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let jobs = state.jobs.jobs.lock().expect("jobs lock");
    let job = jobs.get(&id).ok_or_else(|| ApiError::JobNotFound(id.clone()))?;
    job.result.clone().map(Json).ok_or(ApiError::JobNotDone(id, job.status.state))
}

/// Shared job table, for the app state.
pub fn new_jobs() -> Arc<Jobs> {
    Arc::new(Jobs::default())
}
