//! Accepted labels: the office's own words for industries, read by every import.
//! `GET /v1/accepted-labels` (officer), `POST` (admin), `DELETE /v1/accepted-labels/{label}` (admin).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::auth::{Admin, Officer};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::AppJson;
use crate::api::responses::{AdminRequired, BodyNotJson, FieldsInvalid, NotDeclaredJson, OfficerRequired, TokenRequired};
use crate::api::{run_blocking, AppState};
use crate::app;
use crate::catalog::AcceptedLabel;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_labels, accept_labels)).routes(routes!(forget_label))
}

/// Labels to accept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"labels": [{"label": "鞋材", "industry": "鞋业"}, {"label": "汽摩配", "industry": "auto_parts"}]}))]
pub struct AcceptRequest {
    /// Each label with the industry to read it as (a code or a label), at most 500.
    pub labels: Vec<LabelPair>,
}

/// One label and its industry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelPair {
    /// The label as written in survey returns, at most 40 characters.
    pub label: String,
    /// The industry: a code or a label of the taxonomy.
    pub industry: String,
}

/// How many labels changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// Labels added or read as another industry from now on.
    pub changed: usize,
}

/// The accepted labels (officer): survey labels the office has mapped to industries once.
#[utoipa::path(
    get, path = "/v1/accepted-labels", tag = "screening",
    security(("bearer" = [])),
    responses((status = 200, description = "Every accepted label, by label", body = Vec<AcceptedLabel>), TokenRequired, OfficerRequired)
)]
async fn list_labels(State(state): State<AppState>, Officer(_officer): Officer) -> Result<Json<Vec<AcceptedLabel>>, ApiError> {
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::vocabulary::accepted(&library)).await??))
}

/// Accept labels (admin): from now on every import reads each label as its industry and keeps
/// the label as a tag. A label the taxonomy already knows is refused; audited.
#[utoipa::path(
    post, path = "/v1/accepted-labels", tag = "screening",
    request_body = AcceptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Accepted", body = Accepted),
        BodyNotJson,
        TokenRequired,
        AdminRequired,
        NotDeclaredJson,
        FieldsInvalid,
    )
)]
async fn accept_labels(State(state): State<AppState>, Admin(actor): Admin, AppJson(request): AppJson<AcceptRequest>) -> Result<Json<Accepted>, ApiError> {
    let library = state.library.clone();
    let pairs: Vec<(String, String)> = request.labels.into_iter().map(|pair| (pair.label, pair.industry)).collect();
    let changed = run_blocking(move || app::vocabulary::accept(&library, &pairs, &actor)).await??;
    Ok(Json(Accepted { changed }))
}

/// Forget an accepted label (admin; audited).
#[utoipa::path(
    delete, path = "/v1/accepted-labels/{label}", tag = "screening",
    params(("label" = String, Path, description = "The label", example = "鞋材")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Forgotten"),
        (status = 400, description = "The path is not valid UTF-8", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        AdminRequired,
        (status = 422, description = "Not an accepted label", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn forget_label(
    State(state): State<AppState>,
    Admin(actor): Admin,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, ApiError> {
    let label = crate::api::extract::path_id(path)?;
    let library = state.library.clone();
    run_blocking(move || app::vocabulary::forget(&library, &label, &actor)).await??;
    Ok(StatusCode::NO_CONTENT)
}
