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
use super::request::ItineraryRequest;
use super::settings::Settings;
use crate::domain::Hotel;
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
    /// The request's profile, checked: its labels read as codes (what the rule book reads).
    pub profile: &'a crate::domain::DelegationProfile,
    /// The request's checked settings.
    pub settings: &'a Settings,
    /// The candidate bases, best first, must-visit and locked bases among them.
    pub candidates: Vec<CandidateBase>,
    /// The industry taxonomy (the rule book reads avoided industries with what lies below).
    pub taxonomy: &'a crate::domain::Taxonomy,
    /// Divisions, for hotels, places and clusters.
    pub divisions: &'a DivisionRegistry,
    /// Driving minutes between places.
    pub travel: &'a TravelTimes,
    /// The bases the caller may see that host meals, for a delegation with dietary needs
    /// (empty otherwise).
    pub meal_venues: Vec<crate::domain::ExchangeBase>,
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
    let PlanInput { request, profile, settings, candidates, taxonomy, divisions, travel, meal_venues, lookup, cancel, started } = input;

    // The rule book first: these bases never enter the problem.
    let rules = VisitRules::of(profile, taxonomy, divisions);
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

    // A venue obeys the same rules as a visit (not avoided, approved, open some day, large enough).
    let usable = meal_venues.into_iter().filter(|base| rules.violation(base).is_none()).collect();
    let venues = super::meals::venues(usable, &settings.diets, divisions);
    let build = build_problem(divisions, travel, request, settings, &candidates, &eligible, &venues, lookup)?;
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

    let (days, planned_prizes) = days_of(divisions, request, settings, &build, &candidates, (&venues, travel), &solution)?;
    left_out.extend(unplanned(&build, &solution, &candidates, settings, &planned_prizes));
    left_out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.base_id.cmp(&b.base_id)));

    // Where each day starts and where the group sleeps after it.
    let hotels: Vec<(Hotel, Hotel)> = settings
        .days
        .iter()
        .enumerate()
        .map(|(i, spec)| (if i == 0 { settings.first_hotel.clone() } else { settings.days[i - 1].hotel.clone() }, spec.hotel.clone()))
        .collect();
    let planned_bases: Vec<&crate::domain::ExchangeBase> = candidates.iter().map(|c| &c.base).chain(venues.iter().map(|v| &v.base)).collect();
    let mut checklist = super::checklist::local_consent(&days, &hotels, &planned_bases, divisions);
    checklist.extend(super::checklist::meals(&days, &settings.diets, profile.allergies.as_deref()));
    checklist.extend(super::checklist::calendar_unconfirmed(&days));
    let visits = days.iter().map(|d| d.visits).sum();
    let total_score = days.iter().flat_map(|d| &d.events).filter_map(|e| e.score).sum();
    let changes = request.previous.as_ref().map(|previous| compare(previous, &days));
    Ok(Itinerary {
        country: profile.country.clone(),
        country_name: None,
        city: profile.city.clone(),
        organisation_type: profile.organisation_type,
        group_size: profile.size,
        escort: request.escort.clone().unwrap_or_else(|| "市外办陪同 / Foreign Affairs Office escort".into()),
        days,
        left_out,
        checklist,
        total_score,
        visits,
        candidates: candidates.len(),
        changes,
        search: SearchSummary { seed: settings.seed, iterations: solution.iterations, millis: started.elapsed().as_millis() as u64 },
        calendar_id: settings.calendar_id.clone(),
        revision: settings.revision,
    })
}

#[cfg(test)]
mod tests {
    //! The engine alone: candidates made by hand, a lookup over them, the road model. Every
    //! check below reads the itinerary as an officer would (clock times as printed, opening
    //! hours as stored) and shares no arithmetic with the planner.

    use super::*;
    use crate::catalog::{parse_records, RecordFormat, EMBEDDED_BASES};
    use crate::domain::{ClockTime, DelegationProfile, ExchangeBase, Taxonomy};
    use crate::itinerary::model::{ChangeKind, EventKind};

    fn bases() -> Vec<ExchangeBase> {
        parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &Taxonomy::embedded(), &DivisionRegistry::embedded()).unwrap()
    }

    fn request(profile: serde_json::Value) -> ItineraryRequest {
        ItineraryRequest::for_profile(serde_json::from_value::<DelegationProfile>(profile).unwrap())
    }

    fn two_day_profile() -> serde_json::Value {
        serde_json::json!({
            "country": "IT", "organisation_type": "business_association", "size": 10, "visit": {"dates": ["2026-12-07", "2026-12-08"]}, "days": 2,
            "hotel": {"division": "lucheng"}, "interests": "footwear", "languages": ["en"]
        })
    }

    fn plan_of(request: &ItineraryRequest, candidates: Vec<CandidateBase>) -> Result<Itinerary, Error> {
        let divisions = DivisionRegistry::embedded();
        let taxonomy = crate::domain::Taxonomy::embedded();
        let (_, settings) = request.check(&taxonomy, &divisions, &crate::domain::LabelMapping::default()).unwrap();
        let known: Vec<ExchangeBase> = candidates.iter().map(|c| c.base.clone()).collect();
        let lookup = move |id: &str| Ok(known.iter().find(|b| b.id == id).cloned());
        plan_candidates(PlanInput {
            request,
            profile: &request.profile,
            settings: &settings,
            candidates,
            taxonomy: &taxonomy,
            divisions: &divisions,
            travel: &TravelTimes::road_model(),
            meal_venues: Vec::new(),
            lookup: &lookup,
            cancel: &CancelFlag::new(),
            started: Instant::now(),
        })
    }

    fn candidate(base: &ExchangeBase, score: f32, must_visit: bool) -> CandidateBase {
        CandidateBase { base: base.clone(), score, reason_zh: None, reason_en: None, must_visit }
    }

    fn clock(text: &str) -> u16 {
        text.parse::<ClockTime>().unwrap().minutes()
    }

    /// Open, unrestricted bases of one division that take a group of ten on Monday and Tuesday.
    fn open_bases_in(division: &str, count: usize) -> Vec<ExchangeBase> {
        bases()
            .into_iter()
            .filter(|b| b.location.division == division && !b.restricted && b.max_group_size >= 10)
            .filter(|b| [crate::domain::Weekday::Mon, crate::domain::Weekday::Tue].iter().all(|d| b.opening_hours.is_open_on(*d)))
            .take(count)
            .collect()
    }

    #[test]
    fn every_visit_falls_in_its_opening_hours_and_no_two_events_overlap() {
        let picked = open_bases_in("lucheng", 8);
        assert!(picked.len() >= 6, "the fixtures have open bases in Lucheng");
        let candidates = picked.iter().enumerate().map(|(i, b)| candidate(b, 1.0 - i as f32 * 0.05, i == 0)).collect();
        let itinerary = plan_of(&request(two_day_profile()), candidates).unwrap();
        assert_eq!(itinerary.days.len(), 2);
        assert!(itinerary.visits >= 4, "eight open bases nearby fill more than a morning: {}", itinerary.visits);
        let visited: Vec<&str> = itinerary.days.iter().flat_map(|d| &d.events).filter_map(|e| e.base_id.as_deref()).collect();
        assert!(visited.contains(&picked[0].id.as_str()), "the must-visit base is planned");
        for day in &itinerary.days {
            let mut previous_end = 0;
            for event in day.events.iter().filter(|e| e.minutes > 0) {
                let (start, end) = (clock(&event.start), clock(&event.end));
                assert!(start >= previous_end, "day {}: {} at {} overlaps the event before", day.day, event.title_en, event.start);
                assert_eq!(u32::from(end - start), event.minutes, "{} lasts what it says", event.title_en);
                previous_end = end;
                if event.kind == EventKind::Visit {
                    let base = picked.iter().find(|b| Some(b.id.as_str()) == event.base_id.as_deref()).unwrap();
                    let open = base.opening_hours.on(day.weekday);
                    assert!(
                        open.iter().any(|range| range.open.minutes() <= start && end <= range.close.minutes()),
                        "{} visited {}-{} outside its hours on {:?}",
                        base.id,
                        event.start,
                        event.end,
                        day.weekday
                    );
                }
            }
            assert_eq!(day.visits, day.events.iter().filter(|e| e.kind == EventKind::Visit).count());
        }
        // Every candidate is planned or left out with a reason, never both, never neither.
        for base in &picked {
            let planned = visited.contains(&base.id.as_str());
            let left = itinerary.left_out.iter().any(|l| l.base_id == base.id);
            assert!(planned != left, "{}: planned {planned}, left out {left}", base.id);
        }
    }

    #[test]
    fn the_rule_book_keeps_a_restricted_base_out_and_a_required_one_makes_the_plan_infeasible() {
        let mut picked = open_bases_in("lucheng", 3);
        picked[1].restricted = true;
        let candidates = picked.iter().map(|b| candidate(b, 0.9, false)).collect();
        let itinerary = plan_of(&request(two_day_profile()), candidates).unwrap();
        let left = itinerary.left_out.iter().find(|l| l.base_id == picked[1].id).expect("the restricted base is left out");
        assert_eq!(left.reason, LeftOutReason::Restricted);
        assert!(itinerary.days.iter().flat_map(|d| &d.events).all(|e| e.base_id.as_deref() != Some(picked[1].id.as_str())));

        let mut profile = two_day_profile();
        profile["must_visit"] = serde_json::json!([picked[1].id]);
        let candidates = picked.iter().map(|b| candidate(b, 0.9, b.id == picked[1].id)).collect();
        match plan_of(&request(profile), candidates) {
            Err(Error::Infeasible(errors)) => {
                assert_eq!(errors.len(), 1);
                assert_eq!((errors[0].field.as_str(), errors[0].code), ("profile.must_visit[0]", FieldCode::ItineraryInfeasible));
            }
            other => panic!("a restricted must-visit base cannot be planned: {other:?}"),
        }
    }

    #[test]
    fn a_replan_names_what_was_added_removed_and_moved() {
        let picked = open_bases_in("lucheng", 3);
        let candidates = picked.iter().map(|b| candidate(b, 0.9, true)).collect();
        let first = plan_of(&request(two_day_profile()), candidates).unwrap();
        let mut previous: Vec<crate::itinerary::request::PreviousVisit> = first
            .days
            .iter()
            .flat_map(|d| d.events.iter().filter(|e| e.kind == EventKind::Visit).map(move |e| (d.day, e)))
            .map(|(day, e)| crate::itinerary::request::PreviousVisit { base_id: e.base_id.clone().unwrap(), day, start: e.start.clone() })
            .collect();
        assert_eq!(previous.len(), 3);
        // Pretend the sent plan had the first visit elsewhere, and a fourth base since dropped.
        previous[0].start = "06:00".into();
        previous.push(crate::itinerary::request::PreviousVisit { base_id: "gone-001".into(), day: 1, start: "09:00".into() });
        let moved = previous[0].base_id.clone();
        let changes = super::compare(&previous[1..], &first.days);
        assert_eq!(changes.iter().map(|c| (c.base_id.as_str(), c.change)).collect::<Vec<_>>(), vec![("gone-001", ChangeKind::Removed), (moved.as_str(), ChangeKind::Added)]);
        let changes = super::compare(&previous, &first.days);
        assert!(changes.iter().any(|c| c.base_id == moved && c.change == ChangeKind::Moved && c.before.as_deref().is_some_and(|b| b.ends_with("06:00"))));
        assert!(!changes.iter().any(|c| c.change == ChangeKind::Added));
    }
}
