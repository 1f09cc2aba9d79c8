//! Where a delegation with dietary needs eats: lunch at a venue near the day's route and the
//! banquet at a venue near the hotel, each among the bases that declare every need, receive
//! the whole group and are open for the whole meal.
//!
//! The plan keeps time for it before the search: on such a day the lunch break is planned
//! [`LUNCH_DETOUR_MINUTES`] longer on each side, and the day's driving cap is lowered by as
//! much, so a venue at most that far off the route fits whatever the search chose. A day with
//! no such venue keeps a plain lunch and the itinerary's checklist says so.

use super::settings::DaySpec;
use super::travel::{base_place, Place, TravelTimes};
use crate::domain::{serves, ClockTime, Diet, DivisionRegistry, ExchangeBase};
use crate::planner::Duration;

/// Most minutes the drive to a lunch venue may take, and the most its round trip may add.
pub(crate) const LUNCH_DETOUR_MINUTES: i64 = 15;

/// Longest drive from the hotel to a banquet venue.
pub(crate) const BANQUET_DRIVE_MINUTES: i64 = 30;

/// A base that hosts meals the delegation can eat.
#[derive(Debug, Clone)]
pub(crate) struct Venue {
    pub(crate) base: ExchangeBase,
    pub(crate) place: Place,
}

/// The venues among `bases` that serve every one of `diets` and receive `group_size` people.
pub(crate) fn venues(bases: Vec<ExchangeBase>, diets: &[Diet], group_size: u16, divisions: &DivisionRegistry) -> Vec<Venue> {
    bases
        .into_iter()
        .filter(|base| serves(&base.meals, diets) && base.max_group_size >= group_size)
        .map(|base| Venue { place: base_place(divisions, &base), base })
        .collect()
}

/// Whether `base` serves a meal from `from` to `to` on `day`: it receives guests that day
/// (its calendar hours on a date) from before the meal to after it. A midday pause in its
/// visiting hours is when its canteen serves, so the meal may fall in it.
fn open_during(base: &ExchangeBase, day: &DaySpec, from: Duration, to: Duration) -> bool {
    let hours = match day.date {
        Some(date) => base.hours_on(date),
        None => base.opening_hours.on(day.weekday),
    };
    let minutes = |t: ClockTime| Duration(t.minutes() as i64);
    match (hours.first(), hours.last()) {
        (Some(first), Some(last)) => minutes(first.open) <= from && to <= minutes(last.close),
        _ => false,
    }
}

/// A lunch taken at a venue off the route.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LunchStop {
    /// Index into the venues.
    pub(crate) venue: usize,
    /// Minutes from where the group is to the venue.
    pub(crate) to: Duration,
    /// Minutes from the venue to where the group goes next.
    pub(crate) from: Duration,
}

/// The venue for a lunch break that starts at `start` where the group stands (`here`) before
/// it drives on to `next`: the one adding the least driving, reached within
/// [`LUNCH_DETOUR_MINUTES`], adding at most twice that, no leg beyond `max_leg` (or the direct
/// drive when longer), open from arrival for `length` minutes.
pub(crate) fn lunch_stop(
    venues: &[Venue],
    travel: &TravelTimes,
    day: &DaySpec,
    (here, next): (&Place, &Place),
    start: Duration,
    length: Duration,
    max_leg: Duration,
) -> Option<LunchStop> {
    let drive = |a: &Place, b: &Place| Duration(travel.minutes(a, b) as i64);
    let direct = drive(here, next);
    venues
        .iter()
        .enumerate()
        .filter_map(|(i, venue)| {
            let (to, from) = (drive(here, &venue.place), drive(&venue.place, next));
            let fits = to.0 <= LUNCH_DETOUR_MINUTES
                && (to + from).0 <= direct.0 + 2 * LUNCH_DETOUR_MINUTES
                && from.0 <= max_leg.0.max(direct.0)
                && open_during(&venue.base, day, start + to, start + to + length);
            fits.then_some(LunchStop { venue: i, to, from })
        })
        .min_by_key(|stop| ((stop.to + stop.from).0, venues[stop.venue].base.id.clone()))
}

/// The venue for a banquet from `start` for `length` minutes on `day`, nearest the hotel
/// within [`BANQUET_DRIVE_MINUTES`], with the drive to it.
pub(crate) fn banquet_venue(venues: &[Venue], travel: &TravelTimes, day: &DaySpec, hotel: &Place, start: Duration, length: Duration) -> Option<(usize, Duration)> {
    venues
        .iter()
        .enumerate()
        .map(|(i, venue)| (i, Duration(travel.minutes(hotel, &venue.place) as i64)))
        .filter(|(i, drive)| drive.0 <= BANQUET_DRIVE_MINUTES && open_during(&venues[*i].base, day, start, start + length))
        .min_by_key(|(i, drive)| (drive.0, venues[*i].base.id.clone()))
}
