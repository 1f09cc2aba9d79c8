//! The outbound-route library over HTTP: list, read, suggest from needs, check a trip plan,
//! and officers' writes (same token, ETag and audit rules as bases).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bases::{created, with_etag};
use crate::app;
use crate::api::auth::{if_match, Caller, Officer};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{AppJson, path_id, query_pairs};
use crate::api::{run_blocking, AppState};
use crate::domain::{FieldCode, FieldError};
use crate::domain::is_valid_base_id;
use crate::outbound::suggest::BaseLink;
use crate::outbound::{NeedsQuery, OutboundCountry, OutboundRoute, Suggestions, TripCheck, TripPlan};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_routes, create_route))
        .routes(routes!(get_route, replace_route, delete_route))
        .routes(routes!(suggest_routes))
        .routes(routes!(check_trip))
}

/// Query parameters of `GET /v1/outbound-routes`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; they are parsed by hand to report every error.
struct RouteListParams {
    /// Theme: `fashion_smart_manufacturing`, `services`, `fintech`, `talent`, `culture_tourism`.
    theme: Option<String>,
    /// Country code (`IT`).
    country: Option<String>,
    /// Industry code; includes the industries below it.
    industry: Option<String>,
}

/// Outbound routes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutePage {
    /// Number of routes.
    pub total: usize,
    /// Routes by id.
    pub items: Vec<OutboundRoute>,
}

/// A route with its country's features, partner cities and past exchanges.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouteDetail {
    /// The route.
    pub route: OutboundRoute,
    /// Country name in Chinese.
    pub country_zh: String,
    /// Country name in English.
    pub country_en: String,
    /// The country's industry features and links, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<OutboundCountry>,
    /// Wenzhou bases whose main needs the route serves.
    pub bases_served: Vec<BaseLink>,
    /// Bases to promote in the country.
    pub bases_to_promote: Vec<BaseLink>,
}

/// List outbound routes (出访线路库), narrowed by theme, country and industry.
#[utoipa::path(
    get, path = "/v1/outbound-routes", tag = "outbound",
    params(RouteListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Routes", body = RoutePage),
        (status = 400, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The bearer token sent is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_routes(State(state): State<AppState>, _caller: Caller, RawQuery(raw): RawQuery) -> Result<Json<RoutePage>, ApiError> {
    let (mut theme, mut country, mut industry) = (None, None, None);
    let mut errors = Vec::new();
    for (name, value) in query_pairs(raw.as_deref()) {
        match name.as_str() {
            "theme" => theme = Some(value),
            "country" => country = Some(value),
            "industry" => industry = Some(value),
            other => errors.push(FieldError::new(other, FieldCode::UnknownParameter, "is not a parameter of this route; use theme, country, industry")),
        }
    }
    errors.extend(app::outbound::check_filters(&state.library, theme.as_deref(), country.as_deref(), industry.as_deref()));
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let library = state.library.clone();
    let items = run_blocking(move || app::outbound::routes(&library, theme.as_deref(), country.as_deref(), industry.as_deref())).await??;
    Ok(Json(RoutePage { total: items.len(), items }))
}

fn route_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let id = path_id(path)?;
    if !is_valid_base_id(&id) {
        return Err(ApiError::InvalidPath(FieldError::new("id", FieldCode::InvalidValue, "a route id uses only a-z, 0-9 and '-'")));
    }
    Ok(id)
}

/// One outbound route with its country's features and links, the Wenzhou bases whose needs it
/// serves and the bases to promote there; its version is in `ETag`.
#[utoipa::path(
    get, path = "/v1/outbound-routes/{id}", tag = "outbound",
    params(("id" = String, Path, description = "Route id", example = "fsm-it-footwear-design")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The route", body = RouteDetail, headers(("ETag" = String, description = "Version of the route"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The bearer token sent is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such route", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_route(State(state): State<AppState>, _caller: Caller, path: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let id = route_id(path)?;
    let library = state.library.clone();
    let (route, etag, (bases_served, bases_to_promote)) = run_blocking(move || -> crate::Result<_> {
        let (route, etag) = app::outbound::route(&library, &id)?;
        let links = app::outbound::links(&library, &route)?;
        Ok((route, etag, links))
    })
    .await??;
    let names = state.library.relations().country(&route.country);
    let detail = RouteDetail {
        bases_served,
        bases_to_promote,
        country_zh: names.map(|c| c.zh.clone()).unwrap_or_default(),
        country_en: names.map(|c| c.en.clone()).unwrap_or_default(),
        country: state.library.outbound_reference().country(&route.country).cloned(),
        route,
    };
    Ok(with_etag(&etag, Json(detail)))
}

/// Add an outbound route (officer). Every failing field is listed.
#[utoipa::path(
    post, path = "/v1/outbound-routes", tag = "outbound",
    request_body = OutboundRoute,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = OutboundRoute,
         headers(("ETag" = String, description = "Version of the route"), ("Location" = String, description = "URL of the route"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A route with this id exists", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_route(State(state): State<AppState>, Officer(actor): Officer, AppJson(route): AppJson<OutboundRoute>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let (route, etag) = run_blocking(move || app::outbound::create_route(&library, &route, &actor).map(|etag| (route, etag))).await??;
    Ok(created(&format!("/v1/outbound-routes/{}", route.id), &etag, route))
}

/// Replace an outbound route (officer), if unchanged since read. Needs `If-Match`.
#[utoipa::path(
    put, path = "/v1/outbound-routes/{id}", tag = "outbound",
    params(
        ("id" = String, Path, description = "Route id", example = "fsm-it-footwear-design"),
        ("If-Match" = String, Header, description = "The ETag the route was read with"),
    ),
    request_body = OutboundRoute,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = OutboundRoute, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such route", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The route changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn replace_route(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(route): AppJson<OutboundRoute>,
) -> Result<Response, ApiError> {
    let id = route_id(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    let (route, etag) = run_blocking(move || app::outbound::replace_route(&library, &id, &route, &expected, &actor).map(|etag| (route, etag))).await??;
    Ok(with_etag(&etag, Json(route)))
}

/// Remove an outbound route (officer), if unchanged since read. Needs `If-Match`.
#[utoipa::path(
    delete, path = "/v1/outbound-routes/{id}", tag = "outbound",
    params(
        ("id" = String, Path, description = "Route id", example = "fsm-it-footwear-design"),
        ("If-Match" = String, Header, description = "The ETag the route was read with"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is a viewer's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such route", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The route changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_route(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = route_id(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    run_blocking(move || app::outbound::delete_route(&library, &id, &expected, &actor)).await??;
    Ok(StatusCode::NO_CONTENT)
}

/// Suggest outbound routes and countries for the city's needs.
///
/// Needs are free text in any language, industries, and/or bases whose main needs should be
/// served. Each route comes with its score parts, reasons in Chinese and English, the bases
/// whose needs it serves and the bases to promote there.
#[utoipa::path(
    post, path = "/v1/outbound-routes/suggest", tag = "outbound",
    request_body = NeedsQuery,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Routes and countries, best first", body = Suggestions),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The bearer token sent is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn suggest_routes(State(state): State<AppState>, _caller: Caller, AppJson(query): AppJson<NeedsQuery>) -> Result<Json<Suggestions>, ApiError> {
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::outbound::suggest(&library, &query)).await??))
}

/// Check an outbound trip plan (有事才去、因事定人、完事即回) and write its application summary.
///
/// Days beyond the stops plus travel, members beyond one head plus one per task, and anything
/// beyond the rules (countries, days by number of countries, members) are flagged.
#[utoipa::path(
    post, path = "/v1/outbound-routes/check", tag = "outbound",
    request_body = TripPlan,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The application summary with its flags", body = TripCheck),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The bearer token sent is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields are invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn check_trip(State(state): State<AppState>, _caller: Caller, AppJson(plan): AppJson<TripPlan>) -> Result<Json<TripCheck>, ApiError> {
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::outbound::check_trip(&library, &plan)).await??))
}
