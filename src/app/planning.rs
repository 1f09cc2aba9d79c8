//! Planning a delegation's visit, the whole flow on one screen: check the request once, gather
//! the candidates (the request's own list or the best matches, with every must-visit and
//! locked base), and hand them to the itinerary engine with a lookup that sees only what the
//! caller may see.

use std::collections::HashMap;

use crate::access::Visibility;
use crate::cancel::CancelFlag;
use crate::domain::{DelegationProfile, ExchangeBase, FieldCode, FieldError};
use crate::itinerary::build::CandidateBase;
use crate::itinerary::plan::{plan_candidates, PlanInput};
use crate::itinerary::settings::Settings;
use crate::itinerary::{Itinerary, ItineraryRequest, TravelTimes};
use crate::app::library::BaseLibrary;
use crate::scoring::profile::CheckedProfile;
use crate::scoring::MatchOptions;
use crate::Error;

/// Plans the itinerary of `request` against `library`.
///
/// Errors: [`Error::Invalid`] for bad fields (each named), [`Error::Infeasible`] when a
/// must-visit base, a locked visit or an appointment cannot be fitted (each named, with why).
///
/// `visibility` is the caller's: a base they may not see is an unknown id wherever the request
/// names one (candidates, must-visit, locked visits, appointments), so the answer never tells
/// a restricted base from a missing one. A raised `cancel` ends the search early (the request
/// was abandoned, or the server is stopping).
pub fn plan(library: &BaseLibrary, travel: &TravelTimes, request: &ItineraryRequest, visibility: Visibility, cancel: &CancelFlag) -> Result<Itinerary, Error> {
    let started = std::time::Instant::now();
    let accepted = library.accepted_labels();
    let (profile, settings) = request.check(library.taxonomy(), library.divisions(), &accepted).map_err(Error::Invalid)?;
    // The rule book reads the profile with its labels read as codes.
    let checked_profile: DelegationProfile = (*profile).clone();
    let candidates = gather_candidates(library, request, profile, &settings, visibility)?;
    let lookup = |id: &str| match library.get(id, visibility) {
        Ok(base) => Ok(Some(base)),
        Err(Error::BaseNotFound(_)) => Ok(None),
        Err(other) => Err(other),
    };
    let meal_venues = meal_venues(library, request, &settings, visibility)?;
    let mut itinerary = plan_candidates(PlanInput {
        request,
        profile: &checked_profile,
        settings: &settings,
        candidates,
        taxonomy: library.taxonomy(),
        divisions: library.divisions(),
        travel,
        meal_venues,
        lookup: &lookup,
        cancel,
        started,
    })?;
    // The printed heading names the country as people do.
    itinerary.country_name = library.relations().country(&itinerary.country).map(|c| (c.zh.clone(), c.en.clone()));
    Ok(itinerary)
}

/// The bases the caller may see that can host the delegation's meals; none when it has no
/// dietary needs (its meals are then not placed).
fn meal_venues(library: &BaseLibrary, request: &ItineraryRequest, settings: &Settings, visibility: Visibility) -> Result<Vec<ExchangeBase>, Error> {
    if settings.diets.is_empty() {
        return Ok(Vec::new());
    }
    let table = library.base_table()?;
    let mut venues = Vec::new();
    // Only rows that could host this group are read from the store (the rule book decides the rest).
    let group_size = request.profile.size;
    for row in table.rows().iter().filter(|row| crate::domain::serves(&row.meals, &settings.diets) && row.max_group_size >= group_size) {
        match library.get(&row.id, visibility) {
            Ok(base) => venues.push(base),
            Err(Error::BaseNotFound(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(venues)
}

/// A plan for `profile` with every default (what `visitmatch plan --profile` runs).
pub fn plan_profile(library: &BaseLibrary, travel: &TravelTimes, profile: DelegationProfile) -> Result<Itinerary, Error> {
    plan(library, travel, &ItineraryRequest::for_profile(profile), Visibility::Internal, &CancelFlag::new())
}

/// The candidates of a plan: the request's own list, or the best matches; then every
/// must-visit and locked base, whatever the ranking did with it. An id the caller may not see
/// is an unknown base.
fn gather_candidates(
    library: &BaseLibrary,
    request: &ItineraryRequest,
    profile: CheckedProfile<'_>,
    settings: &Settings,
    visibility: Visibility,
) -> Result<Vec<CandidateBase>, Error> {
    let mut out: Vec<CandidateBase> = Vec::new();
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut unknown = Vec::new();
    let fetch = |id: &str, field: String, unknown: &mut Vec<FieldError>| -> Result<Option<ExchangeBase>, Error> {
        match library.get(id, visibility) {
            Ok(base) => Ok(Some(base)),
            Err(Error::BaseNotFound(_)) => {
                unknown.push(FieldError::new(&field, FieldCode::UnknownBase, format!("no base with id `{id}`")));
                Ok(None)
            }
            Err(other) => Err(other),
        }
    };
    match &request.candidates {
        Some(given) => {
            for (i, c) in given.iter().enumerate() {
                if taken.contains_key(&c.base_id) {
                    continue;
                }
                if let Some(base) = fetch(&c.base_id, format!("candidates[{i}].base_id"), &mut unknown)? {
                    taken.insert(base.id.clone(), out.len());
                    out.push(CandidateBase { base, score: c.score, reason_zh: None, reason_en: None, must_visit: false });
                }
            }
        }
        None => {
            let options = MatchOptions { top: settings.top_candidates, visibility, ..MatchOptions::default() };
            let outcome = crate::app::matching::run(&library, &profile, &options)?;
            for item in outcome.items {
                let base = library.get(&item.id, visibility)?;
                taken.insert(base.id.clone(), out.len());
                out.push(CandidateBase {
                    base,
                    score: item.score,
                    reason_zh: Some(item.reason_zh),
                    reason_en: Some(item.reason_en),
                    must_visit: item.must_visit,
                });
            }
        }
    }
    // Must-visit and locked bases are always candidates, whatever the ranking did with them.
    let required: Vec<(String, String)> = profile
        .must_visit
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), format!("profile.must_visit[{i}]")))
        .chain(request.locked.iter().enumerate().map(|(i, l)| (l.base_id.clone(), format!("locked[{i}].base_id"))))
        .collect();
    for (id, field) in required {
        if let Some(&existing) = taken.get(&id) {
            out[existing].must_visit = true;
            continue;
        }
        if let Some(base) = fetch(&id, field, &mut unknown)? {
            taken.insert(base.id.clone(), out.len());
            out.push(CandidateBase { base, score: 1.0, reason_zh: None, reason_en: None, must_visit: true });
        }
    }
    if !unknown.is_empty() {
        return Err(Error::Invalid(unknown));
    }
    Ok(out)
}

