//! `GET /v1/bases`, `POST /v1/bases/search` and `GET /v1/bases/{id}`: reading the base library.
//! Anonymous callers and viewers get the public view (no restricted bases, no contact details);
//! officers and admins also see restricted bases and contacts. Writes are in [`super::base_writes`].

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::Visibility;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{path_id, AppJson, CommaList, Params, QueryParams};
use crate::api::responses::{BodyNotJson, NotDeclaredJson, ParameterInvalid, TokenInvalid};
use crate::api::{run_blocking, AppState};
use crate::app;
use crate::app::bases::{BasePage, BaseSearchRequest};
use crate::domain::{is_valid_base_id, ExchangeBase, FieldCode, FieldError};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_bases)).routes(routes!(search_bases)).routes(routes!(get_base))
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
    /// Screening statuses, comma-separated (`candidate,suspended`): officers' listings; a
    /// public listing holds active bases only.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    status: CommaList,
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
    const LISTS: &'static [&'static str] = &["division", "kind", "industry", "language", "status"];
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
            status: params.status.0,
            employees_min: params.employees_min,
            employees_max: params.employees_max,
            group_size: params.group_size,
            sort: params.sort,
            limit: params.limit,
            offset: params.offset,
        }
    }
}

/// Search and list exchange bases.
///
/// Without `q`, lists bases by id. With `q`, ranks them by relevance: the text is segmented
/// (jieba for Chinese, stemming for English) and matched against names, descriptions, needs,
/// promotion points and tags, and any industry it names in any language is expanded through
/// the taxonomy. Restricted bases, bases not active in the library and contact details appear
/// only for officers and admins.
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
    search(&state, BaseSearchRequest::from(params), caller.visibility(), ApiError::InvalidQuery).await
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
    search(&state, request, caller.visibility(), ApiError::InvalidBody).await
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

/// Checks `request` (failures answered as `invalid` makes them) and searches, in one trip to a
/// blocking thread: an unknown label is compared with every known one, which is not work for
/// the async runtime.
async fn search(state: &AppState, request: BaseSearchRequest, visibility: Visibility, invalid: fn(Vec<FieldError>) -> ApiError) -> Result<Json<BasePage>, ApiError> {
    let library = state.library.clone();
    let page = run_blocking(move || -> Result<BasePage, ApiError> {
        let query = request.check(&library).map_err(invalid)?;
        Ok(app::bases::search(&library, query, visibility)?)
    })
    .await??;
    Ok(Json(page))
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
