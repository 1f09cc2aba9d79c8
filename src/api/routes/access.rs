//! Tokens and the audit log: `POST`/`GET /v1/tokens`, `DELETE /v1/tokens/{id}` and
//! `GET /v1/audit`. Admins only.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app;
use crate::access::Role;
use crate::api::auth::Admin;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{AppJson, path_id, query_pairs};
use crate::api::{run_blocking, AppState};
use crate::catalog::{AuditEntry, AuditQuery, NewToken, TokenInfo};
use crate::domain::{FieldCode, FieldError};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token, list_tokens)).routes(routes!(revoke_token)).routes(routes!(read_audit))
}

/// Largest audit page.
pub const MAX_AUDIT_LIMIT: u32 = 200;

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "wang-li", "role": "officer"}))]
pub struct TokenRequest {
    /// Who or what will hold it (1–64 printable characters).
    pub name: String,
    /// What it allows.
    pub role: Role,
}

/// Make a bearer token (admin). The secret is in this answer and nowhere else.
#[utoipa::path(
    post, path = "/v1/tokens", tag = "access",
    request_body = TokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; keep the secret", body = NewToken),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an admin's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    Admin(actor): Admin,
    AppJson(request): AppJson<TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let library = state.library.clone();
    let token = run_blocking(move || app::access::create_token(&library, &request.name, request.role, &actor)).await??;
    Ok((StatusCode::CREATED, Json(token)))
}

/// Every token, newest first (admin). Secrets are never shown.
#[utoipa::path(
    get, path = "/v1/tokens", tag = "access",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tokens", body = Vec<TokenInfo>),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an admin's", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_tokens(State(state): State<AppState>, _admin: Admin) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::access::tokens(&library)).await??))
}

/// Revoke a token at once (admin).
#[utoipa::path(
    delete, path = "/v1/tokens/{id}", tag = "access",
    params(("id" = String, Path, description = "Token id (`tok_…`)", example = "tok_3f9a0c12be4d")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = TokenInfo),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an admin's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    Admin(actor): Admin,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<TokenInfo>, ApiError> {
    let id = path_id(path)?;
    let library = state.library.clone();
    Ok(Json(run_blocking(move || app::access::revoke_token(&library, &id, &actor)).await??))
}

/// Query parameters of `GET /v1/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; parsing is done by `parse_audit_query` to report every error.
pub struct AuditParams {
    /// Only this target: `base:{id}`, `token:{id}` or `visit:{id}`.
    #[param(example = "base:lucheng-001")]
    target: Option<String>,
    /// Only changes by this actor (`token:{name}`, `cli:{user}`).
    actor: Option<String>,
    /// Only this action (`create`, `replace`, `patch`, `delete`, `import`, …).
    action: Option<String>,
    /// Only entries older than this id: the `next_before` of the previous page.
    before: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// Who changed what and when, with the state before and after (admin).
#[utoipa::path(
    get, path = "/v1/audit", tag = "access",
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the audit log", body = AuditPage),
        (status = 400, description = "A parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an admin's", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn read_audit(State(state): State<AppState>, _admin: Admin, RawQuery(raw): RawQuery) -> Result<Json<AuditPage>, ApiError> {
    let query = parse_audit_query(raw.as_deref()).map_err(ApiError::InvalidQuery)?;
    let limit = query.limit;
    let library = state.library.clone();
    let items = run_blocking(move || app::access::audit(&library, &query)).await??;
    let next_before = if items.len() == limit { items.last().map(|entry| entry.id) } else { None };
    Ok(Json(AuditPage { items, next_before }))
}

fn parse_audit_query(raw: Option<&str>) -> Result<AuditQuery, Vec<FieldError>> {
    let mut query = AuditQuery { limit: 50, ..AuditQuery::default() };
    let mut errors = Vec::new();
    for (name, value) in query_pairs(raw) {
        match name.as_str() {
            "target" => query.target = Some(value),
            "actor" => query.actor = Some(value),
            "action" => query.action = Some(value),
            "before" => match value.trim().parse::<i64>() {
                Ok(id) => query.before_id = Some(id),
                Err(_) => errors.push(FieldError::new("before", FieldCode::InvalidValue, format!("must be a whole number, got `{value}`"))),
            },
            "limit" => match value.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_AUDIT_LIMIT).contains(&n) => query.limit = n as usize,
                _ => errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_AUDIT_LIMIT}, got `{value}`"))),
            },
            other => errors.push(FieldError::new(other, FieldCode::UnknownParameter, "is not a parameter of this route; use target, actor, action, before, limit")),
        }
    }
    if errors.is_empty() { Ok(query) } else { Err(errors) }
}
