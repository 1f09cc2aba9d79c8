//! Planning an itinerary from its candidates, top to bottom: the rule book keeps out the bases
//! that may not be visited, the rest become a planning problem, the search solves it, and the
//! solution is printed as days with every left-out base explained.
//!
//! Gathering the candidates (matching, the bases a request names) is the application's part:
//! see `app::planning`. This module works on plain data and a base lookup.

use std::time::Instant;

use super::build::{build_problem, BaseLookup, CandidateBase};
use super::diff::compare;
use super::explain::{required_field, unplaced_required, unplanned};
use super::model::{Itinerary, LeftOut, LeftOutReason, SearchSummary};
use super::request::{ItineraryRequest, Settings};
use super::timeline::days_of;
use super::travel::TravelTimes;
use crate::cancel::CancelFlag;
use crate::domain::{DivisionRegistry, FieldCode, FieldError};
use crate::planner::{self, SearchParams, Stop};
use crate::scoring::rules::VisitRules;
use crate::Error;

/// Wall-clock safety limit of one search.
const MAX_SEARCH_SECONDS: f64 = 5.0;

/// Everything a plan is made from.
pub struct PlanInput<'a> {
    /// The request, already checked into `settings`.
    pub request: &'a ItineraryRequest,
    /// The request's checked settings.
    pub settings: &'a Settings,
    /// The candidate bases, best first, must-visit and locked bases among them.
    pub candidates: Vec<CandidateBase>,
    /// Divisions, for hotels, places and clusters.
    pub divisions: &'a DivisionRegistry,
    /// Driving minutes between places.
    pub travel: &'a TravelTimes,
    /// The bases the caller may see, for appointments held at a base.
    pub lookup: BaseLookup<'a>,
    /// Raised when nobody waits for the plan any more.
    pub cancel: &'a CancelFlag,
    /// When the request began (the plan reports its whole time).
    pub started: Instant,
}

/// Plans the days of `input`.
///
/// Errors: [`Error::Infeasible`] when a must-visit base, a locked visit or an appointment
/// cannot be fitted (each named, with why); [`Error::Invalid`] for an appointment at a base
/// the caller may not see.
pub fn plan_candidates(input: PlanInput<'_>) -> Result<Itinerary, Error> {
    let PlanInput { request, settings, candidates, divisions, travel, lookup, cancel, started } = input;
    let profile = &request.profile;

    // The rule book first: these bases never enter the problem.
    let rules = VisitRules::of(profile);
    let mut left_out: Vec<LeftOut> = Vec::new();
    let mut infeasible = Vec::new();
    let mut eligible = Vec::new();
    for (i, candidate) in candidates.iter().enumerate() {
        let base = &candidate.base;
        match rules.violation(base) {
            Some((reason, detail)) => {
                if let Some(field) = required_field(request, &base.id) {
                    infeasible.push(FieldError::new(&field, FieldCode::ItineraryInfeasible, format!("`{}` cannot be visited: {detail}", base.id)));
                }
                let reason = LeftOutReason::from(reason);
                left_out.push(LeftOut { base_id: base.id.clone(), name_zh: base.name_zh.clone(), score: candidate.score, reason, detail });
            }
            None => eligible.push(i),
        }
    }
    if !infeasible.is_empty() {
        return Err(Error::Infeasible(infeasible));
    }

    let build = build_problem(divisions, travel, request, settings, &candidates, &eligible, lookup)?;
    let params = SearchParams { seed: settings.seed, ..SearchParams::default() };
    let stop = Stop {
        max_iterations: Some(settings.iterations as u64),
        max_runtime: Some(std::time::Duration::from_secs_f64(MAX_SEARCH_SECONDS)),
        cancel: Some(cancel.clone()),
    };
    let solution = planner::solve(&build.problem, &params, stop);

    // Required sites left unvisited make the request impossible: say which and why.
    let infeasible = unplaced_required(&build, &solution, &candidates, request, settings);
    if !infeasible.is_empty() {
        return Err(Error::Infeasible(infeasible));
    }

    let (days, planned_prizes) = days_of(divisions, request, settings, &build, &candidates, &solution)?;
    left_out.extend(unplanned(&build, &solution, &candidates, settings, &planned_prizes));
    left_out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.base_id.cmp(&b.base_id)));

    let visits = days.iter().map(|d| d.visits).sum();
    let total_score = days.iter().flat_map(|d| &d.events).filter_map(|e| e.score).sum();
    let changes = request.previous.as_ref().map(|previous| compare(previous, &days));
    Ok(Itinerary {
        country: profile.country.clone(),
        group_size: profile.size,
        escort: request.escort.clone().unwrap_or_else(|| "市外办陪同 / Foreign Affairs Office escort".into()),
        days,
        left_out,
        total_score,
        visits,
        candidates: candidates.len(),
        changes,
        search: SearchSummary { seed: settings.seed, iterations: solution.iterations, millis: started.elapsed().as_millis() as u64 },
    })
}
