//! `POST /v1/matches`: rank exchange bases for a delegation profile, with reasons.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app;
use crate::access::Role;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::responses::{BodyNotJson, NotDeclaredJson};
use crate::api::extract::AppJson;
use crate::api::{run_blocking, AppState};
use crate::domain::{FieldCode, FieldError};
use crate::domain::DelegationProfile;
use crate::scoring::{MatchOptions, MatchOutcome, MatchWeights};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_match))
}

/// Most bases one match returns.
pub const MAX_TOP: u32 = 100;

/// A match request: the delegation's profile and ranking options.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "profile": {
        "country": "IT", "city": "Prato", "organisation_type": "business_association", "size": 12,
        "visit": {"dates": ["2026-12-07", "2026-12-08"]}, "days": 2, "hotel": {"division": "lucheng"},
        "interests": "Italian fashion and footwear companies looking for manufacturing partners and design cooperation",
        "industries_sought": ["footwear", "garments"], "offers": ["Italian design talent", "European distribution channels"],
        "seeks": ["OEM production partners", "smart manufacturing"], "languages": ["it", "en"]
    },
    "top": 10, "explain_excluded": true
}))]
pub struct MatchRequest {
    /// The delegation.
    pub profile: DelegationProfile,
    /// How many bases to return, 1 to 100 (default 10).
    pub top: Option<u32>,
    /// Also list relevant bases left out by a hard rule, with the reason.
    #[serde(default)]
    pub explain_excluded: bool,
    /// MMR diversity from 0 (pure relevance) to 1; the configured default when absent.
    pub diversity: Option<f32>,
    /// Whether past exposure lowers scores; the configured default when absent.
    pub rotation: Option<bool>,
    /// Weights replacing the configured ones for this request.
    pub weights: Option<MatchWeights>,
    /// Record the returned bases as proposed (feeds rotation). Changes the library's state, so
    /// it needs an officer's token.
    #[serde(default)]
    pub record_exposure: bool,
}

/// Rank exchange bases for a delegation.
///
/// Hard rules are never broken: restricted bases, bases whose largest group is smaller than
/// the delegation, bases closed on every visit day and avoided bases are left out. Each result
/// carries its total score (0..1), a per-feature explanation tree, the matched terms and a
/// one-line reason in Chinese and English.
#[utoipa::path(
    post, path = "/v1/matches", tag = "matching",
    request_body = MatchRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 401, description = "`record_exposure` without a token, or an invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`record_exposure` with a viewer's token", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "Ranked bases", body = MatchOutcome),
        BodyNotJson,
        NotDeclaredJson,
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_match(State(state): State<AppState>, caller: Caller, AppJson(request): AppJson<MatchRequest>) -> Result<Json<MatchOutcome>, ApiError> {
    if request.record_exposure {
        caller.require(Role::Officer)?;
    }
    let top = request.top.unwrap_or(10);
    let mut errors = Vec::new();
    if !(1..=MAX_TOP).contains(&top) {
        errors.push(FieldError::new("top", FieldCode::InvalidValue, format!("must be between 1 and {MAX_TOP}, got {top}")));
    }
    if let Some(diversity) = request.diversity
        && !(0.0..=1.0).contains(&diversity) {
            errors.push(FieldError::new("diversity", FieldCode::InvalidValue, format!("must be between 0 and 1, got {diversity}")));
        }
    if !errors.is_empty() {
        return Err(ApiError::InvalidBody(errors));
    }
    let options = MatchOptions {
        top: top as usize,
        explain_excluded: request.explain_excluded,
        diversity: request.diversity,
        rotation: request.rotation,
        weights: request.weights,
        explain: true,
        visibility: caller.visibility(),
    };
    let library = state.library.clone();
    let record = request.record_exposure;
    let outcome = run_blocking(move || -> crate::Result<_> {
        let started = std::time::Instant::now();
        let outcome = app::matching::match_profile(&library, &request.profile, &options)?;
        tracing::debug!(micros = started.elapsed().as_micros() as u64, candidates = outcome.candidates, "matched");
        if record {
            app::matching::record_exposures(&library, &outcome.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>())?;
        }
        Ok(outcome)
    })
    .await??;
    Ok(Json(outcome))
}
