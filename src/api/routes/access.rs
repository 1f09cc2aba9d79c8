//! Tokens and the audit log: `POST`/`GET /v1/tokens`, `DELETE /v1/tokens/{id}` and
//! `GET /v1/audit`. Admins only.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
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
use crate::api::responses::{AdminRequired, BodyNotJson, NotDeclaredJson, ParameterInvalid, TokenRequired};
use crate::api::extract::{path_id, AppJson, Params, QueryParams};
use crate::api::{run_blocking, AppState};
use crate::app::BaseLibrary;
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
#[schema(example = json!({"name": "wangli-laptop", "role": "officer", "user": "wangli"}))]
pub struct TokenRequest {
    /// Who or what will hold it (1–64 printable characters).
    pub name: String,
    /// What it allows.
    pub role: Role,
    /// The staff account it is issued to: the token then acts as that person (at most their
    /// role; dead while the account is disabled, revoked when it is disabled or its password
    /// changes). Over HTTP only the caller's own account (the server's command line issues to
    /// anyone). Without it the token is a script's, and may not take the steps a person
    /// answers for (filing or signing off a trip application).
    #[serde(default)]
    pub user: Option<String>,
}

/// Make a bearer token (admin). The secret is in this answer and nowhere else.
#[utoipa::path(
    post, path = "/v1/tokens", tag = "access",
    request_body = TokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; keep the secret", body = NewToken),
        BodyNotJson,
        TokenRequired,
        AdminRequired,
        NotDeclaredJson,
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    Admin(actor): Admin,
    AppJson(request): AppJson<TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let library = state.library.clone();
    let token = run_blocking(move || app::access::create_token(&library, &request.name, request.role, request.user.as_deref(), &actor)).await??;
    Ok((StatusCode::CREATED, Json(token)))
}

/// Every token, newest first (admin). Secrets are never shown.
#[utoipa::path(
    get, path = "/v1/tokens", tag = "access",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tokens", body = Vec<TokenInfo>),
        TokenRequired,
        AdminRequired,
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
        TokenRequired,
        AdminRequired,
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
pub struct AuditParams {
    /// Only this target: `base:{id}`, `token:{id}`, `visit:{id}`, `route:{id}` or `trip:{id}`.
    #[param(example = "base:lucheng-001")]
    target: Option<String>,
    /// Only changes by this actor: a username (with what they did through tokens issued to
    /// them), `token:{name}` for a script's token, `cli:{user}`.
    actor: Option<String>,
    /// Only this action (`create`, `replace`, `patch`, `delete`, `import`, …).
    action: Option<String>,
    /// Only entries older than this id: the `next_before` of the previous page.
    before: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

impl QueryParams for AuditParams {
    fn check(&self, _library: &BaseLibrary) -> Vec<FieldError> {
        match self.limit {
            Some(limit) if !(1..=MAX_AUDIT_LIMIT).contains(&limit) => {
                vec![FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_AUDIT_LIMIT}, got `{limit}`"))]
            }
            _ => Vec::new(),
        }
    }
}

impl From<AuditParams> for AuditQuery {
    fn from(params: AuditParams) -> AuditQuery {
        AuditQuery {
            target: params.target,
            actor: params.actor,
            action: params.action,
            before_id: params.before,
            limit: params.limit.map_or(50, |limit| limit as usize),
        }
    }
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
        ParameterInvalid,
        TokenRequired,
        AdminRequired,
    )
)]
async fn read_audit(State(state): State<AppState>, _admin: Admin, Params(params): Params<AuditParams>) -> Result<Json<AuditPage>, ApiError> {
    let query = AuditQuery::from(params);
    let limit = query.limit;
    let library = state.library.clone();
    let items = run_blocking(move || app::access::audit(&library, &query)).await??;
    let next_before = if items.len() == limit { items.last().map(|entry| entry.id) } else { None };
    Ok(Json(AuditPage { items, next_before }))
}
