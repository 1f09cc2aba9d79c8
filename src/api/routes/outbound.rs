//! The outbound-route library over HTTP: list, read, suggest from needs, check a trip plan,
//! and officers' writes (same token, ETag and audit rules as bases).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bases::{created, with_etag};
use crate::app;
use crate::api::auth::{if_match, Caller, Officer};
use crate::api::error::{ApiError, Problem};
use crate::api::responses::{BodyNotJson, FieldsInvalid, IfMatchMissing, NotDeclaredJson, OfficerRequired, ParameterInvalid, TokenInvalid, TokenRequired};
use crate::api::extract::{path_id, AppJson, Params, QueryParams};
use crate::api::{run_blocking, AppState};
use crate::app::BaseLibrary;
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
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RouteListParams {
    /// Theme: `fashion_smart_manufacturing`, `services`, `fintech`, `talent`, `culture_tourism`.
    theme: Option<String>,
    /// Country code (`IT`).
    country: Option<String>,
    /// Industry code; includes the industries below it.
    industry: Option<String>,
}

impl QueryParams for RouteListParams {
    fn check(&self, library: &BaseLibrary) -> Vec<FieldError> {
        app::outbound::check_filters(library, self.theme.as_deref(), self.country.as_deref(), self.industry.as_deref())
    }
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
        ParameterInvalid,
        TokenInvalid,
    )
)]
async fn list_routes(State(state): State<AppState>, _caller: Caller, Params(query): Params<RouteListParams>) -> Result<Json<RoutePage>, ApiError> {
    let RouteListParams { theme, country, industry } = query;
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
        TokenInvalid,
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
        BodyNotJson,
        TokenRequired,
        OfficerRequired,
        (status = 409, description = "A route with this id exists", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
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
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such route", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The route changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
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
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such route", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The route changed since it was read", body = Problem, content_type = "application/problem+json"),
        IfMatchMissing,
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
        BodyNotJson,
        TokenInvalid,
        NotDeclaredJson,
        FieldsInvalid,
    )
)]
async fn suggest_routes(State(state): State<AppState>, caller: Caller, AppJson(query): AppJson<NeedsQuery>) -> Result<Json<Suggestions>, ApiError> {
    let library = state.library.clone();
    let visibility = caller.visibility();
    Ok(Json(run_blocking(move || app::outbound::suggest(&library, &query, visibility)).await??))
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
        BodyNotJson,
        TokenInvalid,
        NotDeclaredJson,
        FieldsInvalid,
    )
)]
async fn check_trip(State(state): State<AppState>, _caller: Caller, AppJson(plan): AppJson<TripPlan>) -> Result<Json<TripCheck>, ApiError> {
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::outbound::check_trip(&library, &plan)).await??))
}
