//! `GET /health`: is the service up, and does its index reflect the catalog?

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::responses::{TokenInvalid};
use crate::api::{run_blocking, AppState};
use crate::search::IndexStatus;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Service health.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "version": "0.1.0", "bases": 307, "indexed": 307, "index": "fresh"}))]
pub struct Health {
    /// `ok` when the catalog answers and the index is fresh, `degraded` when the index is stale.
    pub status: String,
    /// Service version.
    pub version: String,
    /// Bases in the catalog that the caller may see (restricted ones only for officers and admins).
    pub bases: usize,
    /// Documents in the search index that the caller may find.
    pub indexed: u64,
    /// `fresh` or `stale`.
    pub index: String,
}

/// Health check.
#[utoipa::path(
    get, path = "/health", tag = "service",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Service health; counts are of the bases the caller may see", body = Health),
        TokenInvalid,
    )
)]
async fn health(State(state): State<AppState>, caller: Caller) -> Result<Json<Health>, ApiError> {
    let library = state.library.clone();
    let visibility = caller.visibility();
    let (bases, indexed, fresh) = run_blocking(move || -> crate::Result<_> {
        Ok((library.count_visible(visibility)?, library.indexed_count_visible(visibility)?, library.index_status()? == IndexStatus::Fresh))
    })
    .await??;
    Ok(Json(Health {
        status: if fresh { "ok" } else { "degraded" }.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        bases,
        indexed,
        index: if fresh { "fresh" } else { "stale" }.to_string(),
    }))
}
