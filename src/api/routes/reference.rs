//! `GET /v1/divisions`, `GET /v1/industries` and `GET /v1/departments`: the reference data
//! filters and forms use.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::AppState;
use crate::domain::{Cluster, Division, IndustryNode, Theme};
use crate::outbound::Department;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_divisions)).routes(routes!(list_industries)).routes(routes!(list_departments))
}

/// Divisions, functional zones and geographic clusters.
#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionList {
    /// The 12 county-level units, then the functional zones (each with its parent).
    pub divisions: Vec<Division>,
    /// Geographic clusters used to keep an itinerary day compact.
    pub clusters: Vec<Cluster>,
}

/// The industry taxonomy and the outbound-route themes.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndustryList {
    /// Industries, parents before children, with synonyms by language.
    pub industries: Vec<IndustryNode>,
    /// Outbound-route themes.
    pub themes: Vec<Theme>,
}

/// All divisions and functional zones.
#[utoipa::path(get, path = "/v1/divisions", tag = "reference", responses((status = 200, description = "Divisions and zones", body = DivisionList)))]
async fn list_divisions(State(state): State<AppState>) -> Json<DivisionList> {
    let registry = state.library.divisions();
    Json(DivisionList { divisions: registry.all().to_vec(), clusters: registry.clusters().to_vec() })
}

/// The bilingual industry taxonomy.
#[utoipa::path(get, path = "/v1/industries", tag = "reference", responses((status = 200, description = "Industry taxonomy", body = IndustryList)))]
async fn list_industries(State(state): State<AppState>) -> Json<IndustryList> {
    let taxonomy = state.library.taxonomy();
    Json(IndustryList { industries: taxonomy.industries().to_vec(), themes: taxonomy.themes().to_vec() })
}

/// The units that file trip applications (申报单位).
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    /// City departments, then the county-level governments; an application may name one by
    /// any of its names and keeps the Chinese one.
    pub departments: Vec<Department>,
}

/// The units that file trip applications.
#[utoipa::path(get, path = "/v1/departments", tag = "reference", responses((status = 200, description = "Departments", body = DepartmentList)))]
async fn list_departments(State(state): State<AppState>) -> Json<DepartmentList> {
    Json(DepartmentList { departments: state.library.outbound_reference().departments.all().to_vec() })
}
