//! Screening and survey progress (officers): `POST /v1/bases/{id}/review`, the review queue
//! `GET /v1/screening` and the survey table `GET /v1/survey`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bases::{base_id_from_path, with_etag};
use crate::api::auth::Officer;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{AppJson, Params, QueryParams};
use crate::api::responses::{BodyNotJson, FieldsInvalid, NotDeclaredJson, OfficerRequired, ParameterInvalid, TokenRequired};
use crate::api::{run_blocking, AppState};
use crate::app::screening::{QueueQuery, ReviewQueue, ReviewRequest};
use crate::app::survey::Survey;
use crate::app;
use crate::domain::ExchangeBase;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(review_base)).routes(routes!(review_queue)).routes(routes!(survey))
}

/// Review a base (officer): approve or reject a candidate, suspend or reactivate a base of the
/// library, reopen a rejected one.
///
/// Only an active base is searched publicly, matched and planned, so approval is what puts a
/// surveyed base in front of delegations. Rejecting and suspending need a note saying why. The
/// decision is entered in the audit log as `review:{decision}` with the officer's name. Send the
/// `ETag` you read as `If-Match` to be sure nobody changed the base in between (optional).
#[utoipa::path(
    post, path = "/v1/bases/{id}/review", tag = "screening",
    params(
        ("id" = String, Path, description = "Base id", example = "lucheng-001"),
        ("If-Match" = Option<String>, Header, description = "The ETag the base was read with"),
    ),
    request_body = ReviewRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reviewed: the base with its new status", body = ExchangeBase, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        BodyNotJson,
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such base", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The decision does not apply to the base's status (`review_not_applicable`; the field is `decision`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The base changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
    )
)]
async fn review_base(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(request): AppJson<ReviewRequest>,
) -> Result<Response, ApiError> {
    let id = base_id_from_path(path)?;
    let if_match = headers.get(axum::http::header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let library = state.library.clone();
    let (base, etag) = run_blocking(move || app::screening::review(&library, &id, &request, if_match.as_deref(), &actor)).await??;
    Ok(with_etag(&etag, Json(base)))
}

/// Query parameters of `GET /v1/screening`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueParams {
    /// `candidate` (default), `rejected`, `suspended` or `active` (or 待审, 未通过, 停用, 入库).
    status: Option<String>,
    /// Only bases of this division or zone (a code or a name; a county-level division includes
    /// its zones).
    division: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
    /// Bases to skip.
    offset: Option<u32>,
}

impl QueryParams for QueueParams {}

/// The review queue (officer): the bases waiting for review, each with the bases of the library
/// it may duplicate.
///
/// A near-duplicate has the same name (legal form, city and punctuation aside), or the same
/// address and a similar name. Ask for `status=suspended` or `rejected` to see those instead.
#[utoipa::path(
    get, path = "/v1/screening", tag = "screening",
    params(QueueParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the queue, by id", body = ReviewQueue),
        ParameterInvalid,
        TokenRequired,
        OfficerRequired,
    )
)]
async fn review_queue(State(state): State<AppState>, Officer(_officer): Officer, Params(query): Params<QueueParams>) -> Result<Json<ReviewQueue>, ApiError> {
    let library = state.library.clone();
    let queue = run_blocking(move || -> Result<ReviewQueue, ApiError> {
        let (offset, limit) = (query.offset.unwrap_or(0) as usize, query.limit.unwrap_or(50) as usize);
        let checked = QueueQuery::check(&library, query.status.as_deref(), query.division.as_deref(), offset, limit).map_err(ApiError::InvalidQuery)?;
        Ok(app::screening::queue(&library, &checked)?)
    })
    .await??;
    Ok(Json(queue))
}

/// Survey progress (排摸进度, officer): per division and functional zone, bases by screening
/// status, active bases by kind and by theme, and the themes a division has no active base in.
#[utoipa::path(
    get, path = "/v1/survey", tag = "screening",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The survey table", body = Survey),
        TokenRequired,
        OfficerRequired,
    )
)]
async fn survey(State(state): State<AppState>, Officer(_officer): Officer) -> Result<Json<Survey>, ApiError> {
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::survey::survey(&library)).await??))
}
