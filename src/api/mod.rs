//! The HTTP API (axum) and its OpenAPI description (utoipa).
//!
//! [`app`] builds the whole router from one [`AppState`]; tests call it in-process or serve it
//! on a loopback port. Handlers stay thin: extract, validate, call the [`BaseLibrary`] on a
//! blocking thread, map the result. Every error leaves as `application/problem+json`
//! ([`error`]). The OpenAPI document is generated from the handlers' annotations, served at
//! `/openapi.json`, browsable at `/docs`, and committed as `openapi/openapi.json`.

pub mod auth;
pub mod connection;
pub mod error;
pub mod responses;
pub mod extract;
pub mod jobs;
pub mod routes;
pub mod web;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::Router;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::library::BaseLibrary;
use error::ApiError;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest a request may run by default (an inline evaluation of 200 visits takes a few
/// seconds; larger ones become jobs).
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Heavy requests (planning, evaluation) served at once per core; more get 503.
pub const HEAVY_REQUESTS_PER_CORE: usize = 2;

/// Takes a heavy-request permit, or answers 503 with Retry-After when all are in use.
pub fn heavy_permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, error::ApiError> {
    heavy_permits(state, 1)
}

/// Takes one heavy-request permit per thread the work will use (an evaluation uses one per
/// core), or answers 503 with Retry-After when not that many are free.
pub fn heavy_permits(state: &AppState, threads: usize) -> Result<tokio::sync::OwnedSemaphorePermit, error::ApiError> {
    let wanted = u32::try_from(threads.max(1)).unwrap_or(u32::MAX);
    state.heavy.clone().try_acquire_many_owned(wanted).map_err(|_| error::ApiError::Busy)
}

/// Takes one of the slots for an evaluation upload whose body is being read and parsed, or
/// answers 503 when all are taken. Slots bound the memory of uploads in flight; heavy permits
/// are taken only once a body is in, so a slow upload never keeps plans waiting.
pub fn upload_slot(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, error::ApiError> {
    state.uploads.clone().try_acquire_owned().map_err(|_| error::ApiError::Busy)
}

/// Evaluation uploads read and parsed at once (each at most 16 MiB).
pub const UPLOAD_SLOTS: usize = 4;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The base library (catalog + index).
    pub library: Arc<BaseLibrary>,
    /// Driving times for itineraries.
    pub travel: Arc<crate::itinerary::TravelTimes>,
    /// Evaluation jobs.
    pub jobs: Arc<jobs::Jobs>,
    /// Permits for heavy requests (itineraries, evaluations): when none is free the request
    /// gets 503 with Retry-After at once instead of piling up behind the others.
    pub heavy: Arc<tokio::sync::Semaphore>,
    /// Slots for evaluation uploads being read and parsed ([`upload_slot`]).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Longest a request may take before it is answered 503 `request_timeout`.
    pub request_timeout: std::time::Duration,
    /// Raised when the server stops: every piece of long work watches it (through a child
    /// flag of its own) and stops at its next step.
    pub shutdown: crate::cancel::CancelFlag,
    /// Staff sign-in: session policy, throttle, password-check permits.
    pub sign_in: Arc<auth::SignInDesk>,
}

impl AppState {
    /// State serving `library` with the road model's travel times.
    pub fn new(library: Arc<BaseLibrary>) -> AppState {
        AppState::with_travel(library, crate::itinerary::TravelTimes::road_model())
    }

    /// State serving `library` with these travel times.
    pub fn with_travel(library: Arc<BaseLibrary>, travel: crate::itinerary::TravelTimes) -> AppState {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        AppState {
            library,
            travel: Arc::new(travel),
            jobs: jobs::new_jobs(),
            heavy: Arc::new(tokio::sync::Semaphore::new(HEAVY_REQUESTS_PER_CORE * cores)),
            uploads: Arc::new(tokio::sync::Semaphore::new(UPLOAD_SLOTS)),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown: crate::cancel::CancelFlag::new(),
            sign_in: Arc::new(auth::SignInDesk::new(crate::access::staff::SessionPolicy::default(), false)),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "visitmatch",
        description = "Exchange-base library of the Wenzhou foreign affairs office (对外交流基地备选库): \
search, filter and read bases, rank them for a delegation profile with reasons, and plan the visit \
day by day; and the outbound visit-route library (出访线路库). Every error is \
`application/problem+json` with a stable `code`.",
        license(name = "MIT", identifier = "MIT")
    ),
    modifiers(&BearerSecurity),
    tags(
        (name = "bases", description = "The exchange-base library: public reads; officers also see restricted bases and contacts; admins write"),
        (name = "screening", description = "Survey returns and their review (排摸 · 筛选 · 入库): officers review candidates, suspend and reactivate bases, and follow survey progress"),
        (name = "matching", description = "Rank bases for a delegation profile, with reasons"),
        (name = "planning", description = "Day-by-day visit itineraries and their exports"),
        (name = "evaluation", description = "Replay past visits and measure the suggestions"),
        (name = "outbound", description = "The outbound visit-route library (出访线路库): themed routes by country, suggestions from the city's needs, trip discipline checks"),
        (name = "visits", description = "Visit records (officers): planned, confirmed and completed visits and their outcomes"),
        (name = "trips", description = "Official trips abroad (因公出国（境）): applications filed by officers, pre-reviewed, signed off by approvers"),
        (name = "access", description = "Bearer tokens and the audit log (admins)"),
        (name = "reference", description = "Divisions, zones and the industry taxonomy"),
        (name = "service", description = "Health"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the routes refer to.
struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A token made with `visitmatch token create --role viewer|officer|approver|admin` or `POST /v1/tokens`"))
            .build();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        // Wherever a route takes the bearer token, a person signed in on the page may send the
        // session cookie instead (with X-CSRF-Token on changes).
        let cookie = utoipa::openapi::security::ApiKeyValue::with_description(
            crate::access::staff::SESSION_COOKIE,
            "The session cookie set by POST /v1/session (staff accounts made with `visitmatch user create`). Accepted wherever `bearer` is; a change (POST, PUT, PATCH, DELETE) also needs the session's CSRF token in `X-CSRF-Token`.",
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(cookie)));
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::bases::router())
        .merge(routes::base_writes::router())
        .merge(routes::screening::router())
        .merge(routes::exports::router())
        .merge(routes::labels::router())
        .merge(routes::visits::router())
        .merge(routes::trips::router())
        .merge(routes::access::router())
        .merge(routes::session::router())
        .merge(routes::outbound::router())
        .merge(routes::reference::router())
        .merge(routes::matches::router())
        .merge(routes::itineraries::router())
        .merge(routes::evaluations::router())
}

/// The OpenAPI document of the API, as generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = api_router().split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_string();
    api
}

/// The OpenAPI document as pretty JSON with a final newline: the form committed in `openapi/`.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().expect("the OpenAPI document always serialises");
    json.push('\n');
    json
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let (router, _) = api_router().split_for_parts();
    let router = router
        .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi()))
        .merge(web::router())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_duration));
    with_guards(router.with_state(state))
}

/// The outer layers every answer passes through: a panic becomes a 500 problem for its request
/// alone, and an error answer that is not a problem document is rewritten into one.
fn with_guards(router: Router) -> Router {
    router
        .layer(axum::middleware::from_fn(problems_only))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_answer))
        .layer(TraceLayer::new_for_http())
}

/// A panic in a handler becomes a 500 problem for that request alone; the server, its locks
/// and every other request carry on.
fn panic_answer(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("(no message)");
    ApiError::Internal(format!("a request handler panicked: {message}")).into_response()
}

/// Every error leaves as problem+json: an error answer built outside our handlers (an
/// extractor's plain-text rejection, a path that is not UTF-8) is rewritten into the problem
/// document for its status.
async fn problems_only(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(error::PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let mut problem = ApiError::Protocol(status).into_response();
    // Keep what the original answer said about retrying or authenticating.
    for name in [axum::http::header::RETRY_AFTER, axum::http::header::WWW_AUTHENTICATE, axum::http::header::ALLOW] {
        if let Some(value) = response.headers().get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}

/// Answers 503 `request_timeout` (problem+json, Retry-After) when a request runs longer than
/// the state's limit. Blocking work already started finishes in the background; its result is
/// dropped.
async fn limit_duration(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(state.request_timeout.as_secs().max(1)).into_response(),
    }
}

async fn route_not_found(uri: Uri) -> ApiError {
    ApiError::PathNotFound(uri.path().to_string())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Runs blocking library work (SQLite, tantivy) off the async threads; a panic there becomes a
/// 500, not a crash.
pub async fn run_blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))
}

/// How long open connections get to finish once the server is told to stop.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Serves the app on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, state, shutdown_signal()).await
}

/// Serves the app on `listener` until `stop` completes. Then it stops accepting, raises the
/// shutdown flag (every evaluation, inline or job, stops at its next visit), gives open
/// connections [`SHUTDOWN_GRACE`] to finish, and returns.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let shutdown = state.shutdown.clone();
    let jobs = state.jobs.clone();
    let signal = async move {
        stop.await;
        tracing::info!("stopping: no new connections; cancelling running work");
        shutdown.cancel();
        jobs.cancel_all();
        let _ = stopping_tx.send(true);
    };
    // The peer's address reaches handlers (the sign-in throttle counts failures by address).
    let service = app(state).into_make_service_with_connect_info::<connection::PeerAddress>();
    let server = axum::serve(connection::ProblemListener(listener), service).with_graceful_shutdown(signal);
    let mut stopping = stopping_rx;
    let deadline = async move {
        let _ = stopping.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(grace = ?SHUTDOWN_GRACE, "connections still open after the grace period; closing them");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    async fn answer(router: &Router, path: &str) -> (StatusCode, String, serde_json::Value) {
        let response = router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, media, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn a_panic_answers_its_own_request_with_a_problem_and_the_next_one_is_served() {
        let router = with_guards(
            Router::new()
                .route("/bug", get(|| async {
                    let bug: Option<&str> = None;
                    bug.expect("a bug in a handler")
                }))
                .route("/ok", get(|| async { axum::Json(serde_json::json!({"ok": true})) }))
                .route("/plain", get(|| async { (StatusCode::BAD_REQUEST, "plain text") })),
        );
        let (status, media, problem) = answer(&router, "/bug").await;
        assert_eq!((status, media.as_str(), problem["code"].as_str()), (StatusCode::INTERNAL_SERVER_ERROR, error::PROBLEM_JSON, Some("internal_error")));
        assert!(!problem.to_string().contains("a bug in a handler"), "the panic message is logged, not sent");
        for _ in 0..3 {
            let (status, _, body) = answer(&router, "/ok").await;
            assert_eq!((status, body["ok"].as_bool()), (StatusCode::OK, Some(true)));
        }
        let (status, media, problem) = answer(&router, "/plain").await;
        assert_eq!((status, media.as_str(), problem["code"].as_str()), (StatusCode::BAD_REQUEST, error::PROBLEM_JSON, Some("bad_request")));
    }
}
