//! From a checked request and its candidates to the planning problem: one tour a day between
//! the hotels, a site per appointment and per eligible base, with opening windows, clusters,
//! prizes and the travel matrix.

use super::request::{ItineraryRequest, PlaceRef};
use super::settings::{DaySpec, Settings};
use super::meals::{banquet_venue, BanquetVenue, Venue, LUNCH_DETOUR_MINUTES};
pub(crate) use super::travel::base_place;
use super::travel::{Place, TravelTimes};
use crate::domain::{ClockTime, DivisionRegistry, ExchangeBase, FieldCode, FieldError, Hotel};
use crate::scoring::rules::VisitRules;
use crate::planner::{Break, Duration, Infeasible, Preferences, Problem, Site, Tour, Window};
use crate::Error;

/// Finds a base the caller may see by id (`None` when there is none).
pub type BaseLookup<'a> = &'a dyn Fn(&str) -> Result<Option<ExchangeBase>, Error>;

/// Prize units per unit of match score (scores are 0..1).
pub(crate) const PRIZE_SCALE: f32 = 1000.0;
/// Prize of a must-visit base or an appointment: more than all other visits together.
pub(crate) const REQUIRED_PRIZE: i64 = 1_000_000;
/// Charged for each extra cluster in a day: a visit outside the day's cluster must be worth
/// clearly more than one inside it.
pub(crate) const EXTRA_CLUSTER_PENALTY: i64 = 150;
/// Charged per minute of driving, so equal plans prefer less time on the road.
pub(crate) const TRAVEL_COST_PER_MINUTE: i64 = 1;

/// A candidate base with what the plan needs to know about it.
pub struct CandidateBase {
    /// The base.
    pub base: ExchangeBase,
    /// Its match score (0..1).
    pub score: f32,
    /// Why it was proposed, in Chinese (from matching).
    pub reason_zh: Option<String>,
    /// Why it was proposed, in English.
    pub reason_en: Option<String>,
    /// Whether the plan must hold it (must-visit or locked).
    pub must_visit: bool,
}

/// What a site of the problem stands for.
pub(crate) enum SiteRole {
    Base(usize),
    Appointment(usize),
}

/// The problem and what its sites and locations stand for.
pub(crate) struct Built {
    pub(crate) problem: Problem,
    pub(crate) roles: Vec<SiteRole>,
    /// Per day: the hotel it starts from and the hotel of its night.
    pub(crate) hotels: Vec<(NamedPlace, NamedPlace)>,
    /// Per appointment: its place and printed name.
    pub(crate) appointment_places: Vec<(Place, String, Option<String>)>,
    /// Per day: the banquet's venue (index into the venues) and the drive to it from the
    /// hotel, when the delegation has dietary needs and a venue was found.
    pub(crate) banquet_venues: Vec<Option<BanquetVenue>>,
    /// Whether lunch breaks keep time for a drive to a venue ([`super::meals`]).
    pub(crate) lunch_detour: bool,
}

/// A place with its printed Chinese and English names.
#[derive(Debug, Clone)]
pub(crate) struct NamedPlace {
    pub(crate) place: Place,
    pub(crate) zh: String,
    pub(crate) en: String,
}

impl NamedPlace {
    /// `zh / en`, or the one name when both are the same.
    pub(crate) fn label(&self) -> String {
        if self.zh == self.en {
            self.zh.clone()
        } else {
            format!("{} / {}", self.zh, self.en)
        }
    }
}

/// The seat of a (validated) division as a place, with the division for its names.
pub(crate) fn division_place<'a>(divisions: &'a DivisionRegistry, code: &str) -> (Place, &'a crate::domain::Division) {
    let d = divisions.get(code).expect("validated division");
    (Place { key: Some(code.to_string()), lat: d.lat, lon: d.lon, mountain: divisions.is_mountain(code) }, d)
}

fn hotel_place(divisions: &DivisionRegistry, hotel: &Hotel) -> NamedPlace {
    match hotel {
        Hotel::Division { division } => {
            let (place, d) = division_place(divisions, division);
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

pub(crate) fn minutes(t: ClockTime) -> Duration {
    Duration(t.minutes() as i64)
}

/// The planning problem of `request`: one tour a day between its hotels, one site per
/// appointment and per eligible candidate. `lookup` finds the base an appointment is held at
/// (only among the bases the caller may see).
pub(crate) fn build_problem(
    divisions: &DivisionRegistry,
    travel: &TravelTimes,
    request: &ItineraryRequest,
    settings: &Settings,
    candidates: &[CandidateBase],
    eligible: &[usize],
    venues: &[Venue],
    lookup: BaseLookup<'_>,
) -> Result<Built, Error> {
    let day_count = settings.days.len();
    // Lunch keeps time for a venue only when the delegation has dietary needs, some venue
    // serves them, and the lunch window leaves room for the drives.
    let (lunch_from, lunch_to, lunch_length) = settings.lunch;
    let room_for_detour = minutes(lunch_to) - Duration(lunch_length as i64) - Duration(LUNCH_DETOUR_MINUTES) >= minutes(lunch_from);
    let lunch_detour = !settings.diets.is_empty() && !venues.is_empty() && room_for_detour;
    let mut banquet_venues = vec![None; day_count];
    let buffer = Duration(settings.buffer_minutes as i64);
    let mut places: Vec<Place> = Vec::new();
    let mut hotels = Vec::with_capacity(day_count);
    let mut tours = Vec::with_capacity(day_count);
    for (d, day) in settings.days.iter().enumerate() {
        // A day starts where the group slept: the profile's hotel on the first day.
        let previous_night = if d == 0 { &settings.first_hotel } else { &settings.days[d - 1].hotel };
        let start_hotel = hotel_place(divisions, previous_night);
        let end_hotel = hotel_place(divisions, &day.hotel);
        places.push(start_hotel.place.clone());
        places.push(end_hotel.place.clone());
        // Moving hotel, the group leaves after checking out and arrives in time to check in.
        let (check_out, check_in) = if day.changes_hotel {
            (Duration(settings.check_out_minutes as i64), Duration(settings.check_in_minutes as i64))
        } else {
            (Duration::ZERO, Duration::ZERO)
        };
        let depart = minutes(day.start) + check_out;
        let mut return_by = minutes(day.end) - check_in;
        let mut max_travel = Duration(settings.max_driving_minutes as i64);
        if let Some((banquet_day, start, length, ..)) = &settings.banquet
            && *banquet_day == d {
                let start = minutes(*start);
                let venue = if settings.diets.is_empty() { None } else { banquet_venue(venues, travel, day, &end_hotel.place, start, Duration(*length as i64)) };
                // The group goes back to the hotel first, then drives to the venue and back.
                let (there, back) = venue.map_or((Duration::ZERO, Duration::ZERO), |v| (v.there, v.back));
                return_by = return_by.min(start - there - check_in);
                max_travel = max_travel - there - back;
                banquet_venues[d] = venue;
            }
        let lunch = Duration(lunch_length as i64);
        let meal = if lunch_detour {
            // Time to reach a venue off the route and come back to it (see `meals`).
            let detour = Duration(LUNCH_DETOUR_MINUTES);
            max_travel = max_travel - detour - detour;
            Break { earliest: minutes(lunch_from), latest: minutes(lunch_to) - lunch - detour, length: lunch + detour + detour }
        } else {
            Break { earliest: minutes(lunch_from), latest: minutes(lunch_to) - lunch, length: lunch }
        };
        // Only a day that spans lunch time takes the break (a morning arrival day does not).
        let spans_lunch = depart <= meal.latest && return_by >= meal.earliest + meal.length;
        tours.push(Tour {
            start: 2 * d,
            end: 2 * d + 1,
            depart,
            return_by,
            max_visits: settings.max_visits_per_day + request.appointments.iter().filter(|a| a.day as usize == d + 1).count(),
            max_travel: max_travel.max(Duration::ZERO),
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
                let Some(base) = lookup(base_id)? else {
                    return Err(Error::Invalid(vec![FieldError::new(&field, FieldCode::UnknownBase, format!("no base with id `{base_id}`"))]));
                };
                if let Some((_, why)) = VisitRules::never_visitable(&base) {
                    // Only officers get here; a hidden site is never part of a visit.
                    return Err(Error::Infeasible(vec![FieldError::new(
                        &field,
                        FieldCode::ItineraryInfeasible,
                        format!("`{base_id}` cannot be visited: {why}"),
                    )]));
                }
                (base_place(divisions, &base), base.name_zh.clone(), base.name_en.clone())
            }
            PlaceRef::Division { division } => {
                let (place, d) = division_place(divisions, division);
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

    let cluster_codes: Vec<String> = divisions.clusters().iter().map(|c| c.code.clone()).collect();
    let mut lock_errors = Vec::new();
    for &c in eligible {
        let candidate = &candidates[c];
        let base = &candidate.base;
        let visit = Duration(base.visit_minutes as i64);
        let mut windows = Vec::with_capacity(day_count);
        for day in &settings.days {
            let hours = base.hours_for(day.date, day.weekday);
            let day_windows: Vec<Window> = hours
                .iter()
                .filter_map(|range| {
                    // The visit must end by closing time.
                    let close = minutes(range.close) - visit;
                    (close >= minutes(range.open)).then_some(Window { open: minutes(range.open), close })
                })
                .collect();
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
                        FieldCode::ItineraryInfeasible,
                        format!("`{}` cannot start a visit at {start} on day {}: open {}", base.id, day + 1, hours_text(base, &settings.days[day])),
                    ));
                }
                windows[day] = vec![Window { open: at, close: at }];
            }
        }
        let cluster = divisions
            .county_level(&base.location.division)
            .and_then(|d| cluster_codes.iter().position(|c| *c == d.cluster))
            .map(|i| i as u16);
        let required = candidate.must_visit || locked.is_some();
        places.push(base_place(divisions, base));
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
        .map_err(|errors| Error::Internal(format!("the planning problem does not hold: {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))))?;
    let hotel_errors = hotel_moves_that_do_not_fit(&problem, travel, request, settings, &hotels);
    if !hotel_errors.is_empty() {
        return Err(Error::Infeasible(hotel_errors));
    }
    Ok(Built { problem, roles, hotels, appointment_places, banquet_venues, lunch_detour })
}

/// The days whose drive from the night's hotel to the next one does not fit even with no
/// visit at all: each named at the request field that moved the hotel, with why.
fn hotel_moves_that_do_not_fit(problem: &Problem, travel: &TravelTimes, request: &ItineraryRequest, settings: &Settings, hotels: &[(NamedPlace, NamedPlace)]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (d, (from, to)) in hotels.iter().enumerate() {
        let meal = problem.tours()[d].meal.map(|_| 0);
        let Err(why) = crate::planner::time_tour(problem, d, &[], meal) else { continue };
        let drive = travel.minutes(&from.place, &to.place);
        let reason = match why {
            Infeasible::LegTooLong { .. } => format!("longer than the longest transfer ({} minutes); raise max_transfer_minutes or break the journey", settings.max_transfer_minutes),
            Infeasible::TooMuchDriving { .. } => format!("more than the day's driving cap ({} minutes, less the time kept for meals)", settings.max_driving_minutes),
            _ if settings.days[d].changes_hotel => format!(
                "it does not fit between {} and {} with lunch, check-out ({} minutes) and check-in ({} minutes)",
                settings.days[d].start, settings.days[d].end, settings.check_out_minutes, settings.check_in_minutes
            ),
            _ => format!("it does not fit between {} and {} with lunch", settings.days[d].start, settings.days[d].end),
        };
        let moved_here = request.days.get(d).is_some_and(|day| day.hotel.is_some());
        let field = if moved_here { format!("days[{d}].hotel") } else { format!("days[{d}]") };
        errors.push(FieldError::new(&field, FieldCode::ItineraryInfeasible, format!("day {}: the drive from {} to {} takes {drive} minutes, {reason}", d + 1, from.label(), to.label())));
    }
    errors
}

/// The hours a base keeps on a visit day, as printed (`08:30-11:30, 13:30-17:00` or `closed`).
pub(crate) fn hours_text(base: &ExchangeBase, day: &DaySpec) -> String {
    let ranges = base.hours_for(day.date, day.weekday);
    if ranges.is_empty() {
        "closed".into()
    } else {
        ranges.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

