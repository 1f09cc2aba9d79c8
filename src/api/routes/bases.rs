//! `GET /v1/bases`, `POST /v1/bases/search` and `GET /v1/bases/{id}`: reading the base library.
//! Anonymous callers and viewers get the public view (no restricted bases, no contact details);
//! officers and admins also see restricted bases and contacts. Writes are in [`super::base_writes`].

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::Visibility;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::responses::{BodyNotJson, NotDeclaredJson, ParameterInvalid, TokenInvalid};
use crate::api::extract::{path_id, AppJson, CommaList, Params, QueryParams};
use crate::api::{run_blocking, AppState};
use crate::domain::{FieldCode, FieldError};
use crate::domain::{is_valid_base_id, BaseKind, ExchangeBase, TaxonomyMatch, SUPPORTED_LANGUAGES};
use crate::app::library::BaseLibrary;
use crate::search::{BaseFilters, BaseQuery, SearchHit, SortOrder};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_bases)).routes(routes!(search_bases)).routes(routes!(get_base))
}

/// Largest page size.
pub const MAX_LIMIT: u32 = 100;
/// Deepest offset; beyond it, narrow the query instead of paging.
pub const MAX_OFFSET: u32 = 10_000;
/// Most values of one list filter (`division`, `kind`, `industry`, `language`).
pub const MAX_FILTER_VALUES: usize = 50;
/// Longest accepted query text, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// Search and filter parameters, as a JSON body (`POST /v1/bases/search`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"q": "footwear design", "division": ["lucheng", "ouhai"], "language": ["en"], "group_size": 20, "limit": 10}))]
pub struct BaseSearchRequest {
    /// Free text in any language (Chinese, English, Italian, German, French, Spanish, Japanese…).
    pub q: Option<String>,
    /// Division or functional-zone codes; a county-level code includes its zones.
    #[serde(default)]
    pub division: Vec<String>,
    /// Kind codes (`enterprise`, `university`, …).
    #[serde(default)]
    pub kind: Vec<String>,
    /// Industry codes from the taxonomy; a code includes the industries below it.
    #[serde(default)]
    pub industry: Vec<String>,
    /// Guide language codes; a base matches when it offers any of them.
    #[serde(default)]
    pub language: Vec<String>,
    /// Smallest number of employees.
    pub employees_min: Option<u32>,
    /// Largest number of employees.
    pub employees_max: Option<u32>,
    /// Only bases that can receive a group of this many people.
    pub group_size: Option<u32>,
    /// `relevance` (default; by id when there is no text) or `id`.
    pub sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// Hits to skip, 0 to 10000 (default 0).
    pub offset: Option<u32>,
}

/// Query parameters of `GET /v1/bases`. List parameters take comma-separated values and may
/// be repeated.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BaseListParams {
    /// Free text in any language, e.g. `鞋`, `footwear`, `calzature`, `Schuhe`.
    #[param(example = "footwear")]
    q: Option<String>,
    /// Division or zone codes, comma-separated (`lucheng,wz_etdz`).
    #[serde(default)]
    #[param(value_type = Option<String>)]
    division: CommaList,
    /// Kind codes, comma-separated.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    kind: CommaList,
    /// Industry codes, comma-separated.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    industry: CommaList,
    /// Guide language codes, comma-separated.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    language: CommaList,
    /// Smallest number of employees.
    employees_min: Option<u32>,
    /// Largest number of employees.
    employees_max: Option<u32>,
    /// Only bases that can receive a group of this many people.
    group_size: Option<u32>,
    /// `relevance` or `id`.
    sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<u32>,
    /// Hits to skip, 0 to 10000.
    offset: Option<u32>,
}

impl QueryParams for BaseListParams {
    const LISTS: &'static [&'static str] = &["division", "kind", "industry", "language"];
}

/// The listing's parameters are the search body's, spelled as a query string; both are checked
/// by [`to_base_query`].
impl From<BaseListParams> for BaseSearchRequest {
    fn from(params: BaseListParams) -> BaseSearchRequest {
        BaseSearchRequest {
            q: params.q,
            division: params.division.0,
            kind: params.kind.0,
            industry: params.industry.0,
            language: params.language.0,
            employees_min: params.employees_min,
            employees_max: params.employees_max,
            group_size: params.group_size,
            sort: params.sort,
            limit: params.limit,
            offset: params.offset,
        }
    }
}

/// One page of bases.
#[derive(Debug, Serialize, ToSchema)]
pub struct BasePage {
    /// Bases matching over all pages.
    pub total: usize,
    /// Hits skipped.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
    /// This page, best match first (or by id without text).
    pub items: Vec<SearchHit>,
    /// Industries the query text named, with the term that named each.
    pub query_industries: Vec<TaxonomyMatch>,
}

/// Search and list exchange bases.
///
/// Without `q`, lists bases by id. With `q`, ranks them by relevance: the text is segmented
/// (jieba for Chinese, stemming for English) and matched against names, descriptions, needs,
/// promotion points and tags, and any industry it names in any language is expanded through
/// the taxonomy. Restricted bases and contact details appear only for officers and admins.
#[utoipa::path(
    get, path = "/v1/bases", tag = "bases",
    params(BaseListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of bases", body = BasePage),
        ParameterInvalid,
        TokenInvalid,
    )
)]
async fn list_bases(State(state): State<AppState>, caller: Caller, Params(params): Params<BaseListParams>) -> Result<Json<BasePage>, ApiError> {
    let request = BaseSearchRequest::from(params);
    search(state.library, request, caller.visibility()).await.map_err(|e| match e {
        SearchFailure::Invalid(errors) => ApiError::InvalidQuery(errors),
        SearchFailure::Api(error) => error,
    })
}

/// Search exchange bases with a JSON body (same semantics as `GET /v1/bases`).
#[utoipa::path(
    post, path = "/v1/bases/search", tag = "bases",
    request_body = BaseSearchRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of bases", body = BasePage),
        BodyNotJson,
        TokenInvalid,
        NotDeclaredJson,
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn search_bases(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(request): AppJson<BaseSearchRequest>,
) -> Result<Json<BasePage>, ApiError> {
    search(state.library, request, caller.visibility()).await.map_err(|e| match e {
        SearchFailure::Invalid(errors) => ApiError::InvalidBody(errors),
        SearchFailure::Api(error) => error,
    })
}

/// One exchange base by id, with its version in the `ETag` header (send it back as `If-Match`
/// to change the base).
#[utoipa::path(
    get, path = "/v1/bases/{id}", tag = "bases",
    params(("id" = String, Path, description = "Base id", example = "lucheng-001")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The base", body = ExchangeBase,
         headers(("ETag" = String, description = "Version of the base, for If-Match"))),
        (status = 400, description = "The id is malformed", body = Problem, content_type = "application/problem+json"),
        TokenInvalid,
        (status = 404, description = "No such base (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_base(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let id = base_id_from_path(path)?;
    let library = state.library.clone();
    let visibility = caller.visibility();
    let (base, etag) = run_blocking(move || library.get_with_etag(&id, visibility)).await??;
    Ok(with_etag(&etag, Json(base)))
}

/// The base id of a path, checked.
pub(crate) fn base_id_from_path(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let id = path_id(path)?;
    if !is_valid_base_id(&id) {
        return Err(ApiError::InvalidPath(FieldError::new("id", FieldCode::InvalidValue, "a base id uses only a-z, 0-9 and '-'")));
    }
    Ok(id)
}

/// A 201 answer with the new resource's `Location` and `ETag`.
pub(crate) fn created<T: serde::Serialize>(location: &str, etag: &str, body: T) -> axum::response::Response {
    let mut response = with_etag(etag, (axum::http::StatusCode::CREATED, Json(body)));
    if let Ok(value) = axum::http::HeaderValue::from_str(location) {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    response
}

/// A response with an `ETag` header.
pub(crate) fn with_etag<T: axum::response::IntoResponse>(etag: &str, body: T) -> axum::response::Response {
    let mut response = body.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(etag) {
        response.headers_mut().insert(axum::http::header::ETAG, value);
    }
    response
}

enum SearchFailure {
    Invalid(Vec<FieldError>),
    Api(ApiError),
}

async fn search(library: Arc<BaseLibrary>, request: BaseSearchRequest, visibility: Visibility) -> Result<Json<BasePage>, SearchFailure> {
    let mut query = to_base_query(&request, &library).map_err(SearchFailure::Invalid)?;
    query.include_restricted = visibility.sees_restricted();
    let (offset, limit) = (query.offset, query.limit);
    let results = run_blocking(move || library.search(&query))
        .await
        .map_err(SearchFailure::Api)?
        .map_err(|e| SearchFailure::Api(e.into()))?;
    Ok(Json(BasePage {
        total: results.total,
        offset,
        limit,
        items: results
            .hits
            .into_iter()
            .filter_map(|hit| visibility.show(hit.base).map(|base| SearchHit { score: hit.score, base }))
            .collect(),
        query_industries: results.query_industries,
    }))
}

/// Checks values against the reference data and limits, and builds the index query.
fn to_base_query(request: &BaseSearchRequest, library: &BaseLibrary) -> Result<BaseQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (field, len) in [
        ("division", request.division.len()),
        ("kind", request.kind.len()),
        ("industry", request.industry.len()),
        ("language", request.language.len()),
    ] {
        if len > MAX_FILTER_VALUES {
            errors.push(FieldError::new(field, FieldCode::TooMany, format!("lists {len} values; at most {MAX_FILTER_VALUES} are allowed")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = request.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(String::from);
    if text.as_ref().is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
        errors.push(FieldError::new("q", FieldCode::InvalidValue, format!("is longer than {MAX_QUERY_CHARS} characters")));
    }
    for code in &request.division {
        if library.divisions().get(code).is_none() {
            errors.push(FieldError::new("division", FieldCode::InvalidValue, format!("`{code}` is not a division or zone code; see GET /v1/divisions")));
        }
    }
    let mut kinds = Vec::new();
    for code in &request.kind {
        match BaseKind::from_code(code) {
            Some(kind) => kinds.push(kind),
            None => {
                let known: Vec<&str> = BaseKind::ALL.iter().map(|k| k.code()).collect();
                errors.push(FieldError::new("kind", FieldCode::InvalidValue, format!("`{code}` is not a kind; use {}", known.join(", "))));
            }
        }
    }
    for code in &request.industry {
        if library.taxonomy().get(code).is_none() {
            errors.push(FieldError::new("industry", FieldCode::InvalidValue, format!("`{code}` is not an industry code; see GET /v1/industries")));
        }
    }
    for lang in &request.language {
        if !SUPPORTED_LANGUAGES.contains(&lang.as_str()) {
            errors.push(FieldError::new("language", FieldCode::InvalidValue, format!("`{lang}` is not a supported language code")));
        }
    }
    if let (Some(min), Some(max)) = (request.employees_min, request.employees_max)
        && min > max {
            errors.push(FieldError::new("employees_min", FieldCode::InvalidValue, format!("{min} is above employees_max {max}")));
        }
    let group_size = match request.group_size {
        Some(0) => {
            errors.push(FieldError::new("group_size", FieldCode::InvalidValue, "must be at least 1"));
            None
        }
        Some(n) if n > u32::from(u16::MAX) => {
            errors.push(FieldError::new("group_size", FieldCode::InvalidValue, format!("{n} is not a plausible group size")));
            None
        }
        other => other.map(|n| n as u16),
    };
    let sort = match request.sort.as_deref() {
        None | Some("relevance") => SortOrder::Relevance,
        Some("id") => SortOrder::Id,
        Some(other) => {
            errors.push(FieldError::new("sort", FieldCode::InvalidValue, format!("`{other}` must be relevance or id")));
            SortOrder::Relevance
        }
    };
    let limit = request.limit.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_LIMIT}, got {limit}")));
    }
    let offset = request.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        errors.push(FieldError::new("offset", FieldCode::InvalidValue, format!("must be at most {MAX_OFFSET}, got {offset}")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(BaseQuery {
        text,
        filters: BaseFilters {
            divisions: request.division.clone(),
            kinds,
            industries: request.industry.clone(),
            languages: request.language.clone(),
            employees_min: request.employees_min,
            employees_max: request.employees_max,
            group_size,
        },
        offset: offset as usize,
        limit: limit as usize,
        include_restricted: false,
        sort,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::extract::read_params;

    #[test]
    fn list_query_accepts_comma_lists_and_repeats() {
        let (params, errors) = read_params::<BaseListParams>(Some("q=%E9%9E%8B&division=lucheng,ouhai&division=yueqing&limit=5")).unwrap();
        assert_eq!(errors, Vec::new());
        let request = BaseSearchRequest::from(params);
        assert_eq!(request.q.as_deref(), Some("鞋"));
        assert_eq!(request.division, vec!["lucheng", "ouhai", "yueqing"]);
        assert_eq!(request.limit, Some(5));
    }

    #[test]
    fn list_query_reports_every_bad_parameter() {
        let (params, errors) = read_params::<BaseListParams>(Some("limit=ten&colour=red&offset=1&offset=2")).unwrap();
        assert_eq!(params.offset, Some(1), "the parameters that read are kept");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["limit", "colour", "offset"]);
    }
}
