//! From a request and the base library to a signed-off-ready itinerary: build the planning
//! problem (minutes since midnight), solve it, and explain every base left out.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::request::{ItineraryRequest, PlaceRef, Settings};
use super::travel::{Place, TravelTimes};
use crate::access::Visibility;
use crate::cancel::CancelFlag;
use crate::catalog::FieldError;
use crate::domain::{ClockTime, DelegationProfile, ExchangeBase, Hotel, Weekday};
use crate::library::BaseLibrary;
use crate::planner::{self, time_tour, Break, Duration, Infeasible, Preferences, Problem, SearchParams, Site, Stop, Tour, Window};
use crate::scoring::MatchOptions;
use crate::Error;

/// Prize units per unit of match score (scores are 0..1).
const PRIZE_SCALE: f32 = 1000.0;
/// Prize of a must-visit base or an appointment: more than all other visits together.
const REQUIRED_PRIZE: i64 = 1_000_000;
/// Charged for each extra cluster in a day: a visit outside the day's cluster must be worth
/// clearly more than one inside it.
const EXTRA_CLUSTER_PENALTY: i64 = 150;
/// Charged per minute of driving, so equal plans prefer less time on the road.
const TRAVEL_COST_PER_MINUTE: i64 = 1;
/// Wall-clock safety limit of one search.
const MAX_SEARCH_SECONDS: f64 = 5.0;

/// What an itinerary event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Leave the hotel.
    Depart,
    /// Drive to the next stop.
    Travel,
    /// Visit an exchange base.
    Visit,
    /// A fixed appointment.
    Appointment,
    /// Lunch.
    Lunch,
    /// Back at the hotel.
    Return,
    /// Evening banquet.
    Banquet,
}

/// One line of a day's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Event {
    /// What happens.
    pub kind: EventKind,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
    /// Minutes.
    pub minutes: u32,
    /// Activity in Chinese.
    pub title_zh: String,
    /// Activity in English.
    pub title_en: String,
    /// Place in Chinese.
    pub place_zh: String,
    /// Place in English.
    pub place_en: String,
    /// The base visited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_id: Option<String>,
    /// Division code of the place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Latitude of the place.
    pub lat: f64,
    /// Longitude of the place.
    pub lon: f64,
    /// The base's opening hours that weekday, e.g. `08:30-11:30, 13:30-17:00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    /// Match score of the base (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Minutes waited on arrival before the visit could start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_minutes: Option<u32>,
    /// Why this base, in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_zh: Option<String>,
    /// Why this base, in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
    /// Kept from the request's locked visits or appointments.
    pub locked: bool,
}

/// One day of the itinerary.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DayPlan {
    /// Day number, 1-based.
    pub day: u8,
    /// Date, when the profile gives dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub date: Option<chrono::NaiveDate>,
    /// Weekday.
    pub weekday: Weekday,
    /// The cluster most of the day's visits lie in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Hotel the day starts from.
    pub start_hotel: String,
    /// Hotel of the night.
    pub end_hotel: String,
    /// The schedule, in time order.
    pub events: Vec<Event>,
    /// Number of base visits.
    pub visits: usize,
    /// Minutes of driving (buffers not included).
    pub travel_minutes: u32,
    /// Minutes of waiting plus the time left before the day's end.
    pub slack_minutes: u32,
}

/// Why a candidate base is not in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeftOutReason {
    /// Closed on every visit day (weekday hours or a closed date).
    ClosedThatDay,
    /// Too far from the hotel for the transfer or driving limits, or for a day's length.
    TooFar,
    /// The group is larger than the base can receive.
    GroupTooLarge,
    /// Worth a place, but the days were full.
    NoTimeLeft,
    /// Fits, but every day already holds better-scoring visits.
    Outscored,
    /// Not open to foreign visitors.
    Restricted,
    /// On the delegation's avoid list.
    Avoided,
}

/// A candidate base left out, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeftOut {
    /// Base id.
    pub base_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// Match score (0..1).
    pub score: f32,
    /// Reason code.
    pub reason: LeftOutReason,
    /// Details.
    pub detail: String,
}

/// What re-planning changed for one base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// New in this plan.
    Added,
    /// In the earlier plan, not in this one.
    Removed,
    /// Another day or time.
    Moved,
}

/// One change against the earlier plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    /// Base id.
    pub base_id: String,
    /// What changed.
    pub change: ChangeKind,
    /// Day and time before (`day 2 10:15`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Day and time now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// How the search ran.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchSummary {
    /// Seed used.
    pub seed: u64,
    /// Iterations run.
    pub iterations: u64,
    /// Wall-clock milliseconds of planning (matching included).
    pub millis: u64,
}

/// A complete itinerary: what `POST /v1/itineraries` returns.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Itinerary {
    /// Country of the delegation.
    pub country: String,
    /// Delegation size.
    pub group_size: u16,
    /// Who accompanies the delegation.
    pub escort: String,
    /// The days.
    pub days: Vec<DayPlan>,
    /// Candidate bases not in the plan, each with a reason.
    pub left_out: Vec<LeftOut>,
    /// Sum of the match scores of the planned visits.
    pub total_score: f32,
    /// Number of base visits.
    pub visits: usize,
    /// Candidate bases considered.
    pub candidates: usize,
    /// Changes against `previous`, when it was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
    /// Search details.
    pub search: SearchSummary,
}

/// A candidate base with what the plan needs to know about it.
struct CandidateBase {
    base: ExchangeBase,
    score: f32,
    reason_zh: Option<String>,
    reason_en: Option<String>,
    must_visit: bool,
}

/// What a site of the problem stands for.
enum SiteRole {
    Base(usize),
    Appointment(usize),
}

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
    let divisions = library.divisions();
    let settings = request.settings(divisions).map_err(Error::Invalid)?;
    let profile = &request.profile;
    let candidates = gather_candidates(library, request, &settings, visibility)?;

    // Hard rules first: these bases never enter the problem.
    let mut left_out = Vec::new();
    let mut infeasible = Vec::new();
    let mut eligible = Vec::new();
    let avoided: std::collections::HashSet<&str> = profile.avoid.iter().map(String::as_str).collect();
    for (i, candidate) in candidates.iter().enumerate() {
        let base = &candidate.base;
        let rule = if base.restricted {
            Some((LeftOutReason::Restricted, "not open to foreign visitors".to_string()))
        } else if avoided.contains(base.id.as_str()) {
            Some((LeftOutReason::Avoided, "on the delegation's avoid list".to_string()))
        } else if base.max_group_size < profile.size {
            Some((LeftOutReason::GroupTooLarge, format!("receives at most {} people, the delegation has {}", base.max_group_size, profile.size)))
        } else {
            None
        };
        match rule {
            Some((reason, detail)) => {
                if let Some(field) = required_field(request, &base.id) {
                    infeasible.push(FieldError::new(&field, "itinerary_infeasible", format!("`{}` cannot be visited: {detail}", base.id)));
                }
                left_out.push(LeftOut { base_id: base.id.clone(), name_zh: base.name_zh.clone(), score: candidate.score, reason, detail });
            }
            None => eligible.push(i),
        }
    }
    if !infeasible.is_empty() {
        return Err(Error::Infeasible(infeasible));
    }

    let build = build_problem(library, travel, request, &settings, &candidates, &eligible, visibility)?;
    let params = SearchParams { seed: settings.seed, ..SearchParams::default() };
    let stop = Stop {
        max_iterations: Some(settings.iterations as u64),
        max_runtime: Some(std::time::Duration::from_secs_f64(MAX_SEARCH_SECONDS)),
        cancel: Some(cancel.clone()),
    };
    let solution = planner::solve(&build.problem, &params, stop);

    // Required sites left unvisited make the request impossible: say which and why.
    for &site in &solution.unvisited {
        let s = &build.problem.sites()[site];
        if !s.required {
            continue;
        }
        let (field, what) = match build.roles[site] {
            SiteRole::Base(c) => {
                let id = &candidates[c].base.id;
                (required_field(request, id).unwrap_or_else(|| "profile.must_visit".into()), format!("`{id}`"))
            }
            SiteRole::Appointment(a) => (format!("appointments[{a}]"), format!("the appointment `{}`", request.appointments[a].title_zh)),
        };
        let (reason, why) = why_not_alone(&build.problem, site, &settings);
        let why = if reason == LeftOutReason::NoTimeLeft {
            "it fits on its own, but not together with the appointments, locked visits and other must-visit bases".to_string()
        } else {
            why
        };
        infeasible.push(FieldError::new(&field, "itinerary_infeasible", format!("{what} cannot be fitted: {why}")));
    }
    if !infeasible.is_empty() {
        return Err(Error::Infeasible(infeasible));
    }

    let mut days = Vec::with_capacity(settings.days.len());
    let mut planned_prizes: Vec<Vec<i64>> = vec![Vec::new(); settings.days.len()];
    for tour in &solution.tours {
        let schedule = time_tour(&build.problem, tour.tour, &tour.visits, tour.meal_after)
            .map_err(|why| Error::Invalid(vec![FieldError::new("(plan)", "internal", format!("planned day {} does not hold: {why:?}", tour.tour + 1))]))?;
        for visit in &schedule.visits {
            if let SiteRole::Base(_) = build.roles[visit.site] {
                planned_prizes[tour.tour].push(build.problem.sites()[visit.site].prize);
            }
        }
        days.push(day_plan(library, request, &settings, &build, &candidates, &schedule));
    }

    // Every eligible candidate not planned gets its reason.
    for (site, role) in build.roles.iter().enumerate() {
        let SiteRole::Base(c) = *role else { continue };
        if !solution.unvisited.contains(&site) {
            continue;
        }
        let candidate = &candidates[c];
        let (mut reason, mut detail) = why_not_alone(&build.problem, site, &settings);
        if reason == LeftOutReason::NoTimeLeft {
            // It fits on its own: was it crowded out by better visits, or just by time?
            let prize = build.problem.sites()[site].prize;
            let open_days: Vec<usize> = (0..settings.days.len()).filter(|&t| !build.problem.windows(site, t).is_empty()).collect();
            let full = |t: usize| planned_prizes[t].len() >= settings.max_visits_per_day;
            let beaten_everywhere = open_days.iter().all(|&t| full(t) && planned_prizes[t].iter().all(|&p| p >= prize));
            if beaten_everywhere {
                reason = LeftOutReason::Outscored;
                detail = "every day it could join already holds better-scoring visits".into();
            } else if open_days.iter().all(|&t| full(t)) {
                detail = format!(
                    "every day it could join already has {} visits; it would cost a better-placed visit (other cluster or longer drive)",
                    settings.max_visits_per_day
                );
            } else {
                detail = "no day had time left for it around the chosen visits, appointments and opening hours".into();
            }
        }
        left_out.push(LeftOut { base_id: candidate.base.id.clone(), name_zh: candidate.base.name_zh.clone(), score: candidate.score, reason, detail });
    }
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

/// The request field that makes `base_id` required, if any.
fn required_field(request: &ItineraryRequest, base_id: &str) -> Option<String> {
    if let Some(i) = request.locked.iter().position(|l| l.base_id == base_id) {
        return Some(format!("locked[{i}]"));
    }
    request.profile.must_visit.iter().position(|id| id == base_id).map(|i| format!("profile.must_visit[{i}]"))
}

fn gather_candidates(library: &BaseLibrary, request: &ItineraryRequest, settings: &Settings, visibility: Visibility) -> Result<Vec<CandidateBase>, Error> {
    let profile = &request.profile;
    let mut out: Vec<CandidateBase> = Vec::new();
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut unknown = Vec::new();
    let fetch = |id: &str, field: String, unknown: &mut Vec<FieldError>| -> Result<Option<ExchangeBase>, Error> {
        match library.get(id, visibility) {
            Ok(base) => Ok(Some(base)),
            Err(Error::NotFound(_)) => {
                unknown.push(FieldError::new(&field, "unknown_base", format!("no base with id `{id}`")));
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
            let outcome = library.match_profile(profile, &options)?;
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

/// The problem and what its sites and locations stand for.
struct Built {
    problem: Problem,
    roles: Vec<SiteRole>,
    /// Per day: the hotel it starts from and the hotel of its night.
    hotels: Vec<(NamedPlace, NamedPlace)>,
    /// Per appointment: its place and printed name.
    appointment_places: Vec<(Place, String, Option<String>)>,
}

/// A place with its printed Chinese and English names.
#[derive(Debug, Clone)]
struct NamedPlace {
    place: Place,
    zh: String,
    en: String,
}

impl NamedPlace {
    /// `zh / en`, or the one name when both are the same.
    fn label(&self) -> String {
        if self.zh == self.en {
            self.zh.clone()
        } else {
            format!("{} / {}", self.zh, self.en)
        }
    }
}

/// The seat of a (validated) division as a place, with the division for its names.
fn division_place<'a>(library: &'a BaseLibrary, code: &str) -> (Place, &'a crate::domain::Division) {
    let d = library.divisions().get(code).expect("validated division");
    (Place { key: Some(code.to_string()), lat: d.lat, lon: d.lon, mountain: d.area_type == "mountain" }, d)
}

fn hotel_place(library: &BaseLibrary, hotel: &Hotel) -> NamedPlace {
    match hotel {
        Hotel::Division { division } => {
            let (place, d) = division_place(library, division);
            NamedPlace { place, zh: format!("{}酒店", d.zh), en: format!("hotel in {}", d.en) }
        }
        Hotel::Point { lat, lon, name } => {
            // A hotel name may be given bilingually as `中文 / English`.
            let name = name.clone().unwrap_or_else(|| "酒店 / hotel".into());
            let (zh, en) = name.split_once(" / ").map(|(zh, en)| (zh.to_string(), en.to_string())).unwrap_or((name.clone(), name.clone()));
            NamedPlace { place: Place { key: None, lat: *lat, lon: *lon, mountain: false }, zh, en }
        }
    }
}

fn base_place(library: &BaseLibrary, base: &ExchangeBase) -> Place {
    let mountain = library.divisions().county_level(&base.location.division).is_some_and(|d| d.area_type == "mountain");
    Place { key: Some(base.id.clone()), lat: base.location.lat, lon: base.location.lon, mountain }
}

fn minutes(t: ClockTime) -> Duration {
    Duration(t.minutes() as i64)
}

fn build_problem(
    library: &BaseLibrary,
    travel: &TravelTimes,
    request: &ItineraryRequest,
    settings: &Settings,
    candidates: &[CandidateBase],
    eligible: &[usize],
    visibility: Visibility,
) -> Result<Built, Error> {
    let day_count = settings.days.len();
    let buffer = Duration(settings.buffer_minutes as i64);
    let mut places: Vec<Place> = Vec::new();
    let mut hotels = Vec::with_capacity(day_count);
    let mut tours = Vec::with_capacity(day_count);
    for (d, day) in settings.days.iter().enumerate() {
        let previous_night = if d == 0 { &settings.days[0].hotel } else { &settings.days[d - 1].hotel };
        let start_hotel = hotel_place(library, previous_night);
        let end_hotel = hotel_place(library, &day.hotel);
        places.push(start_hotel.place.clone());
        places.push(end_hotel.place.clone());
        let mut return_by = minutes(day.end);
        if let Some((banquet_day, start, ..)) = &settings.banquet
            && *banquet_day == d {
                return_by = return_by.min(minutes(*start));
            }
        let (lunch_from, lunch_to, lunch_minutes) = settings.lunch;
        let meal = Break {
            earliest: minutes(lunch_from),
            latest: minutes(lunch_to) - Duration(lunch_minutes as i64),
            length: Duration(lunch_minutes as i64),
        };
        // Only a day that spans lunch time takes the break (a morning arrival day does not).
        let spans_lunch = minutes(day.start) <= meal.latest && return_by >= meal.earliest + meal.length;
        tours.push(Tour {
            start: 2 * d,
            end: 2 * d + 1,
            depart: minutes(day.start),
            return_by,
            max_visits: settings.max_visits_per_day + request.appointments.iter().filter(|a| a.day as usize == d + 1).count(),
            max_travel: Duration(settings.max_driving_minutes as i64),
            meal: spans_lunch.then_some(meal),
        });
        hotels.push((start_hotel, end_hotel));
    }

    let mut sites = Vec::new();
    let mut roles = Vec::new();
    let mut appointment_places = Vec::new();
    for (a, appointment) in request.appointments.iter().enumerate() {
        let (place, name_zh, name_en) = match &appointment.place {
            PlaceRef::Base { base_id } => {
                let field = format!("appointments[{a}].place.base_id");
                let base = match library.get(base_id, visibility) {
                    Ok(base) => base,
                    Err(Error::NotFound(_)) => {
                        return Err(Error::Invalid(vec![FieldError::new(&field, "unknown_base", format!("no base with id `{base_id}`"))]));
                    }
                    Err(other) => return Err(other),
                };
                if base.restricted {
                    // Only officers get here; a restricted site is never part of a visit.
                    return Err(Error::Infeasible(vec![FieldError::new(
                        &field,
                        "itinerary_infeasible",
                        format!("`{base_id}` cannot be visited: not open to foreign visitors"),
                    )]));
                }
                (base_place(library, &base), base.name_zh.clone(), base.name_en.clone())
            }
            PlaceRef::Division { division } => {
                let (place, d) = division_place(library, division);
                (place, d.zh.clone(), Some(d.en.clone()))
            }
            PlaceRef::Point { lat, lon, name } => (Place { key: None, lat: *lat, lon: *lon, mountain: false }, name.clone().unwrap_or_default(), name.clone()),
        };
        let (day, start) = settings.appointments[a];
        let mut windows = vec![Vec::new(); day_count];
        windows[day] = vec![Window { open: minutes(start), close: minutes(start) }];
        places.push(place.clone());
        sites.push(Site {
            location: places.len() - 1,
            prize: REQUIRED_PRIZE,
            service: Duration(appointment.minutes as i64) + buffer,
            windows,
            cluster: None,
            required: true,
            fixed_tour: Some(day),
        });
        roles.push(SiteRole::Appointment(a));
        appointment_places.push((place, name_zh, name_en));
    }

    let cluster_codes: Vec<String> = library.divisions().clusters().iter().map(|c| c.code.clone()).collect();
    let mut lock_errors = Vec::new();
    for &c in eligible {
        let candidate = &candidates[c];
        let base = &candidate.base;
        let visit = Duration(base.visit_minutes as i64);
        let mut windows = Vec::with_capacity(day_count);
        for day in &settings.days {
            let closed = day.date.is_some_and(|date| base.closed_dates.contains(&date));
            let day_windows: Vec<Window> = if closed {
                Vec::new()
            } else {
                base.opening_hours
                    .on(day.weekday)
                    .iter()
                    .filter_map(|range| {
                        // The visit must end by closing time.
                        let close = minutes(range.close) - visit;
                        (close >= minutes(range.open)).then_some(Window { open: minutes(range.open), close })
                    })
                    .collect()
            };
            windows.push(day_windows);
        }
        let locked = request.locked.iter().position(|l| l.base_id == base.id);
        let mut fixed_tour = None;
        if let Some(l) = locked {
            let (day, start) = settings.locked[l];
            fixed_tour = Some(day);
            if let Some(start) = start {
                let at = minutes(start);
                let inside = windows[day].iter().any(|w| w.open <= at && at <= w.close);
                if !inside {
                    lock_errors.push(FieldError::new(
                        &format!("locked[{l}].start"),
                        "itinerary_infeasible",
                        format!("`{}` cannot start a visit at {start} on day {}: open {}", base.id, day + 1, hours_text(base, settings.days[day].weekday)),
                    ));
                }
                windows[day] = vec![Window { open: at, close: at }];
            }
        }
        let cluster = library
            .divisions()
            .county_level(&base.location.division)
            .and_then(|d| cluster_codes.iter().position(|c| *c == d.cluster))
            .map(|i| i as u16);
        let required = candidate.must_visit || locked.is_some();
        places.push(base_place(library, base));
        sites.push(Site {
            location: places.len() - 1,
            prize: ((candidate.score * PRIZE_SCALE).round() as i64).max(1) + if required { REQUIRED_PRIZE } else { 0 },
            service: visit + buffer,
            windows,
            cluster,
            required,
            fixed_tour,
        });
        roles.push(SiteRole::Base(c));
    }
    if !lock_errors.is_empty() {
        return Err(Error::Infeasible(lock_errors));
    }

    let n = places.len();
    let mut matrix = Vec::with_capacity(n * n);
    for a in &places {
        for b in &places {
            matrix.push(Duration(travel.minutes(a, b) as i64));
        }
    }
    let preferences = Preferences { extra_cluster_penalty: EXTRA_CLUSTER_PENALTY, travel_cost: TRAVEL_COST_PER_MINUTE };
    let problem = Problem::new(sites, tours, matrix, Some(Duration(settings.max_transfer_minutes as i64)), preferences)
        .map_err(|errors| Error::Invalid(errors.into_iter().map(|e| FieldError::new("(plan)", e.code, e.message)).collect()))?;
    Ok(Built { problem, roles, hotels, appointment_places })
}

fn hours_text(base: &ExchangeBase, weekday: Weekday) -> String {
    let ranges = base.opening_hours.on(weekday);
    if ranges.is_empty() {
        "closed".into()
    } else {
        ranges.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// Why a site would not be in a plan even alone: the reason and a sentence. Returns
/// `NoTimeLeft` when it fits on some day by itself.
fn why_not_alone(problem: &Problem, site: usize, settings: &Settings) -> (LeftOutReason, String) {
    let open_days: Vec<usize> = (0..problem.tours().len()).filter(|&t| !problem.windows(site, t).is_empty()).collect();
    if open_days.is_empty() {
        return (LeftOutReason::ClosedThatDay, "closed on every visit day".into());
    }
    let mut too_far = false;
    for &t in &open_days {
        let meal_after = problem.tours()[t].meal.map(|_| 0);
        let attempts = if meal_after.is_some() { vec![Some(0), Some(1)] } else { vec![None] };
        for meal in attempts {
            match time_tour(problem, t, &[site], meal) {
                Ok(_) => return (LeftOutReason::NoTimeLeft, String::new()),
                Err(Infeasible::LegTooLong { .. }) | Err(Infeasible::TooMuchDriving { .. }) => too_far = true,
                Err(_) => {}
            }
        }
    }
    if too_far {
        (
            LeftOutReason::TooFar,
            format!(
                "a transfer would exceed {} minutes or the day's driving {} minutes",
                settings.max_transfer_minutes, settings.max_driving_minutes
            ),
        )
    } else {
        (LeftOutReason::TooFar, "the round trip and visit do not fit in the hours it is open on the visit days".into())
    }
}

fn clock(t: Duration) -> String {
    let m = t.0.clamp(0, 24 * 60 * 2);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn day_plan(
    library: &BaseLibrary,
    request: &ItineraryRequest,
    settings: &Settings,
    build: &Built,
    candidates: &[CandidateBase],
    schedule: &planner::TourSchedule,
) -> DayPlan {
    let d = schedule.tour;
    let day = &settings.days[d];
    let (start_hotel, end_hotel) = &build.hotels[d];
    let buffer = Duration(settings.buffer_minutes as i64);
    let mut events = Vec::new();
    let place_event = |kind, start: Duration, end: Duration, title: (String, String), place: (&Place, String, String)| Event {
        kind,
        start: clock(start),
        end: clock(end),
        minutes: (end - start).0.max(0) as u32,
        title_zh: title.0,
        title_en: title.1,
        place_zh: place.1,
        place_en: place.2,
        base_id: None,
        division: None,
        lat: place.0.lat,
        lon: place.0.lon,
        opening_hours: None,
        score: None,
        wait_minutes: None,
        reason_zh: None,
        reason_en: None,
        locked: false,
    };
    let (start_place, start_zh, start_en) = (&start_hotel.place, start_hotel.zh.clone(), start_hotel.en.clone());
    let (end_place, end_zh, end_en) = (&end_hotel.place, end_hotel.zh.clone(), end_hotel.en.clone());
    // Leave as late as the first stop allows, so nobody waits at a closed gate.
    let first_leg = schedule.visits.first().map(|v| v.travel).unwrap_or(Duration::ZERO);
    let depart = match (schedule.visits.first(), schedule.meal) {
        (_, Some(meal)) if meal.after_visits == 0 => schedule.depart,
        (Some(first), _) => schedule.depart.max(first.start - first_leg),
        (None, _) => schedule.depart,
    };
    events.push(place_event(EventKind::Depart, depart, depart, ("从酒店出发".into(), "Leave the hotel".into()), (start_place, start_zh.clone(), start_en.clone())));
    let mut here: (Place, String, String) = (start_place.clone(), start_zh, start_en);
    let mut leave = depart;
    let mut clusters: HashMap<u16, usize> = HashMap::new();
    let mut visits = 0;
    let mut wait_total = Duration::ZERO;
    let push_lunch = |events: &mut Vec<Event>, here: &(Place, String, String), meal: &planner::schedule::TimedBreak| {
        events.push(place_event(
            EventKind::Lunch,
            meal.start,
            meal.end,
            ("工作午餐".into(), "Working lunch".into()),
            (&here.0, format!("{}附近", here.1), format!("near {}", here.2)),
        ));
    };
    if let Some(meal) = schedule.meal.filter(|m| m.after_visits == 0) {
        push_lunch(&mut events, &here, &meal);
        leave = meal.end;
    }
    for (k, visit) in schedule.visits.iter().enumerate() {
        let site = &build.problem.sites()[visit.site];
        let drive_start = visit.arrival - visit.travel;
        let drive_start = drive_start.max(leave);
        let (target_place, target_zh, target_en, mut event) = match build.roles[visit.site] {
            SiteRole::Base(c) => {
                let candidate = &candidates[c];
                let base = &candidate.base;
                let division = library.divisions().get(&base.location.division);
                let place = base_place(library, base);
                let place_zh = format!("{}（{}）", base.location.address_zh, division.map(|d| d.zh.as_str()).unwrap_or(""));
                let place_en = base.location.address_en.clone().unwrap_or_else(|| division.map(|d| d.en.clone()).unwrap_or_default());
                let end = visit.start + (site.service - buffer);
                let mut event = place_event(
                    EventKind::Visit,
                    visit.start,
                    end,
                    (format!("参观{}", base.name_zh), format!("Visit {}", base.name_en.clone().unwrap_or_else(|| base.name_zh.clone()))),
                    (&place, place_zh.clone(), place_en.clone()),
                );
                event.base_id = Some(base.id.clone());
                event.division = Some(base.location.division.clone());
                event.opening_hours = Some(hours_text(base, day.weekday));
                event.score = Some(candidate.score);
                event.reason_zh = candidate.reason_zh.clone();
                event.reason_en = candidate.reason_en.clone();
                event.locked = request.locked.iter().any(|l| l.base_id == base.id);
                if let Some(cluster) = site.cluster {
                    *clusters.entry(cluster).or_default() += 1;
                }
                visits += 1;
                (place, place_zh, place_en, event)
            }
            SiteRole::Appointment(a) => {
                let appointment = &request.appointments[a];
                let (place, name_zh, name_en) = &build.appointment_places[a];
                let end = visit.start + Duration(appointment.minutes as i64);
                let mut event = place_event(
                    EventKind::Appointment,
                    visit.start,
                    end,
                    (appointment.title_zh.clone(), appointment.title_en.clone().unwrap_or_else(|| appointment.title_zh.clone())),
                    (place, name_zh.clone(), name_en.clone().unwrap_or_else(|| name_zh.clone())),
                );
                event.locked = true;
                (place.clone(), name_zh.clone(), name_en.clone().unwrap_or_else(|| name_zh.clone()), event)
            }
        };
        if visit.travel > Duration::ZERO {
            events.push(place_event(
                EventKind::Travel,
                drive_start,
                drive_start + visit.travel,
                (format!("乘车前往{}", target_zh), format!("Drive to {}", target_en)),
                (&target_place, target_zh.clone(), target_en.clone()),
            ));
        }
        let wait = visit.start - visit.arrival.max(drive_start + visit.travel).min(visit.start);
        if wait > Duration::ZERO {
            event.wait_minutes = Some(wait.0 as u32);
            wait_total += wait;
        }
        events.push(event);
        here = (target_place, target_zh, target_en);
        leave = visit.end;
        if let Some(meal) = schedule.meal.filter(|m| m.after_visits == k + 1) {
            push_lunch(&mut events, &here, &meal);
            leave = meal.end;
        }
    }
    if schedule.return_travel > Duration::ZERO {
        let drive_start = schedule.arrival - schedule.return_travel;
        events.push(place_event(
            EventKind::Travel,
            drive_start,
            schedule.arrival,
            ("返回酒店".into(), "Back to the hotel".into()),
            (end_place, end_zh.clone(), end_en.clone()),
        ));
    }
    events.push(place_event(EventKind::Return, schedule.arrival, schedule.arrival, ("抵达酒店".into(), "Arrive at the hotel".into()), (end_place, end_zh.clone(), end_en.clone())));
    if let Some((banquet_day, start, length, title_zh, title_en)) = &settings.banquet
        && *banquet_day == d {
            let start = minutes(*start);
            events.push(place_event(
                EventKind::Banquet,
                start,
                start + Duration(*length as i64),
                (title_zh.clone(), title_en.clone()),
                (end_place, end_zh.clone(), end_en.clone()),
            ));
        }
    let cluster = clusters
        .into_iter()
        .max_by_key(|(code, count)| (*count, std::cmp::Reverse(*code)))
        .map(|(code, _)| library.divisions().clusters()[code as usize].code.clone());
    let return_by = build.problem.tours()[d].return_by;
    DayPlan {
        day: (d + 1) as u8,
        date: day.date,
        weekday: day.weekday,
        cluster,
        start_hotel: start_hotel.label(),
        end_hotel: end_hotel.label(),
        events,
        visits,
        travel_minutes: schedule.travel.0 as u32,
        slack_minutes: (wait_total + (return_by - schedule.arrival)).0.max(0) as u32,
    }
}

fn compare(previous: &[super::request::PreviousVisit], days: &[DayPlan]) -> Vec<Change> {
    let now: HashMap<&str, String> = days
        .iter()
        .flat_map(|d| d.events.iter().filter(|e| e.kind == EventKind::Visit).map(move |e| (e.base_id.as_deref().unwrap_or(""), format!("day {} {}", d.day, e.start))))
        .collect();
    let before: HashMap<&str, String> = previous.iter().map(|p| (p.base_id.as_str(), format!("day {} {}", p.day, p.start))).collect();
    let mut changes = Vec::new();
    for p in previous {
        match now.get(p.base_id.as_str()) {
            None => changes.push(Change { base_id: p.base_id.clone(), change: ChangeKind::Removed, before: before.get(p.base_id.as_str()).cloned(), after: None }),
            Some(after) if Some(after) != before.get(p.base_id.as_str()) => changes.push(Change {
                base_id: p.base_id.clone(),
                change: ChangeKind::Moved,
                before: before.get(p.base_id.as_str()).cloned(),
                after: Some(after.clone()),
            }),
            _ => {}
        }
    }
    for day in days {
        for e in day.events.iter().filter(|e| e.kind == EventKind::Visit) {
            let id = e.base_id.as_deref().unwrap_or("");
            if !before.contains_key(id) {
                changes.push(Change { base_id: id.to_string(), change: ChangeKind::Added, before: None, after: now.get(id).cloned() });
            }
        }
    }
    changes
}

/// A plan for `profile` with every default (what `visitmatch plan --profile` runs).
pub fn plan_profile(library: &BaseLibrary, travel: &TravelTimes, profile: DelegationProfile) -> Result<Itinerary, Error> {
    plan(library, travel, &ItineraryRequest::for_profile(profile), Visibility::Internal, &CancelFlag::new())
}
