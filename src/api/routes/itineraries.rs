//! `POST /v1/itineraries`: a day-by-day visit plan for a delegation, as JSON or an export.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::responses::{Busy, NotDeclaredJson};
use crate::api::extract::{AppJson, Params, QueryParams};
use crate::api::{run_blocking, AppState};
use crate::itinerary::export::{render, ExportFormat};
use crate::app::planning::plan;
use crate::itinerary::{Itinerary, ItineraryRequest};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_itinerary))
}

/// Query parameters of `POST /v1/itineraries`.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ItineraryParams {
    /// Response format: `json` (default), `ics`, `csv`, `html` (printable), `geojson` or `xlsx` (the 日程表 workbook).
    #[param(inline)]
    format: Option<ExportFormat>,
}

impl QueryParams for ItineraryParams {}

/// Plan the visit: which bases on which day, in what order, at what time.
///
/// Candidate bases come from the matcher (the top `top_candidates` for the profile) or from
/// `candidates`. The plan respects each base's opening hours on the day, the group size, the
/// lunch window, appointments, locked visits, the longest transfer and the daily driving cap,
/// and prefers one geographic cluster per day. Every candidate left out has a reason code.
/// A must-visit base, locked visit or appointment that cannot be fitted gives a 422 with
/// code `itinerary_infeasible` naming the field and why.
#[utoipa::path(
    post, path = "/v1/itineraries", tag = "planning",
    params(ItineraryParams),
    request_body = ItineraryRequest,
    responses(
        (status = 200, description = "The itinerary", content(
            (Itinerary = "application/json"),
            (String = "text/calendar"),
            (String = "text/csv"),
            (String = "text/html"),
            (serde_json::Value = "application/geo+json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "The body is not JSON or a query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        (status = 422, description = "A field is invalid (`invalid_request`), or the request cannot be met (`itinerary_infeasible`)", body = Problem, content_type = "application/problem+json"),
        Busy,
    )
)]
async fn create_itinerary(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ItineraryParams>,
    AppJson(request): AppJson<ItineraryRequest>,
) -> Result<Response, ApiError> {
    let format = query.format.unwrap_or(ExportFormat::Json);
    let permit = crate::api::heavy_permit(&state)?;
    let visibility = caller.visibility();
    let library = state.library.clone();
    let travel = state.travel.clone();
    // Dropping this request (answered, timed out, abandoned) stops its search; so does shutdown.
    let cancel = state.shutdown.child();
    let _abandon = cancel.cancel_on_drop();
    let body = run_blocking(move || -> crate::Result<Vec<u8>> {
        let _permit = permit;
        let itinerary = plan(&library, &travel, &request, visibility, &cancel)?;
        render(&itinerary, format)
    })
    .await??;
    Ok(([(header::CONTENT_TYPE, format.media_type())], body).into_response())
}
