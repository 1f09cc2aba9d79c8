//! The HTTP API (axum) and its OpenAPI description (utoipa).
//!
//! [`app`] builds the whole router from one [`AppState`]; tests call it in-process or serve it
//! on a loopback port. Handlers stay thin: extract, validate, call the [`BaseLibrary`] on a
//! blocking thread, map the result. Every error leaves as `application/problem+json`
//! ([`error`]). The OpenAPI document is generated from the handlers' annotations, served at
//! `/openapi.json`, browsable at `/docs`, and committed as `openapi/openapi.json`.

pub mod auth;
pub mod error;
pub mod extract;
pub mod routes;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::Router;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::library::BaseLibrary;
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
    state.heavy.clone().try_acquire_owned().map_err(|_| error::ApiError::Busy)
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The base library (catalog + index).
    pub library: Arc<BaseLibrary>,
    /// Driving times for itineraries.
    pub travel: Arc<crate::itinerary::TravelTimes>,
    /// Evaluation jobs.
    pub jobs: Arc<routes::evaluations::Jobs>,
    /// Permits for heavy requests (itineraries, evaluations): when none is free the request
    /// gets 503 with Retry-After at once instead of piling up behind the others.
    pub heavy: Arc<tokio::sync::Semaphore>,
    /// Longest a request may take before it is answered 503 `request_timeout`.
    pub request_timeout: std::time::Duration,
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
            jobs: routes::evaluations::new_jobs(),
            heavy: Arc::new(tokio::sync::Semaphore::new(HEAVY_REQUESTS_PER_CORE * cores)),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
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
        (name = "matching", description = "Rank bases for a delegation profile, with reasons"),
        (name = "planning", description = "Day-by-day visit itineraries and their exports"),
        (name = "evaluation", description = "Replay past visits and measure the suggestions"),
        (name = "outbound", description = "The outbound visit-route library (出访线路库): themed routes by country, suggestions from the city's needs, trip discipline checks"),
        (name = "visits", description = "Visit records (officers): planned, confirmed and completed visits and their outcomes"),
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
            .description(Some("A token made with `visitmatch token create --role viewer|officer|admin` or `POST /v1/tokens`"))
            .build();
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::bases::router())
        .merge(routes::base_writes::router())
        .merge(routes::visits::router())
        .merge(routes::access::router())
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
    router
        .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi()))
        .merge(web::router())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_duration))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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
    ApiError::RouteNotFound(uri.path().to_string())
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

/// Serves the app on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
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
