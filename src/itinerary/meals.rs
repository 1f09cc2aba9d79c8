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

/// The venues among `bases` (each already passing the delegation's rule book) that serve every
/// one of `diets`.
pub(crate) fn venues(bases: Vec<ExchangeBase>, diets: &[Diet], divisions: &DivisionRegistry) -> Vec<Venue> {
    bases
        .into_iter()
        .filter(|base| serves(&base.meals, diets))
        .map(|base| Venue { place: base_place(divisions, &base), base })
        .collect()
}

/// Whether `base` serves a meal from `from` to `to` on `day`: it receives guests that day
/// (its calendar hours on a date) from before the meal to after it. A midday pause in its
/// visiting hours is when its canteen serves, so the meal may fall in it.
fn open_during(base: &ExchangeBase, day: &DaySpec, from: Duration, to: Duration) -> bool {
    let hours = base.hours_for(day.date, day.weekday);
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
    /// When the group leaves for the venue.
    pub(crate) leave: Duration,
    /// Minutes from where the group is to the venue.
    pub(crate) to: Duration,
    /// When the meal begins.
    pub(crate) eat: Duration,
    /// Minutes from the venue to where the group goes next.
    pub(crate) from: Duration,
}

/// The planned lunch break a venue must fit in: the group is free from `free`, the break
/// begins at `start` and the meal lasts `length`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LunchBreak {
    pub(crate) free: Duration,
    pub(crate) start: Duration,
    pub(crate) length: Duration,
}

/// The venue for a lunch break where the group stands (`here`) before it drives on to `next`:
/// the one adding the least driving, reached within [`LUNCH_DETOUR_MINUTES`] (and `max_leg`),
/// adding at most twice that, no later leg beyond `max_leg` (or the direct drive when longer),
/// and open for the whole meal. The group leaves early enough to sit down when the break
/// begins, if the morning allows, and never eats before the break begins.
pub(crate) fn lunch_stop(venues: &[Venue], travel: &TravelTimes, day: &DaySpec, (here, next): (&Place, &Place), lunch: LunchBreak, max_leg: Duration) -> Option<LunchStop> {
    let drive = |a: &Place, b: &Place| Duration(travel.minutes(a, b) as i64);
    let direct = drive(here, next);
    venues
        .iter()
        .enumerate()
        .filter_map(|(i, venue)| {
            let (to, from) = (drive(here, &venue.place), drive(&venue.place, next));
            let leave = lunch.free.max(lunch.start - to);
            let eat = (leave + to).max(lunch.start);
            let fits = to.0 <= LUNCH_DETOUR_MINUTES.min(max_leg.0)
                && (to + from).0 <= direct.0 + 2 * LUNCH_DETOUR_MINUTES
                && from.0 <= max_leg.0.max(direct.0)
                && open_during(&venue.base, day, eat, eat + lunch.length);
            fits.then_some(LunchStop { venue: i, leave, to, eat, from })
        })
        .min_by_key(|stop| ((stop.to + stop.from).0, venues[stop.venue].base.id.clone()))
}

/// Where a banquet is held away from the hotel, with the drives there and back (the road model
/// is not symmetric: the last kilometres into a mountain area are slower).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BanquetVenue {
    /// Index into the venues.
    pub venue: usize,
    /// Hotel to venue.
    pub there: Duration,
    /// Venue back to the hotel.
    pub back: Duration,
}

/// The venue for a banquet from `start` for `length` minutes on `day`, nearest the hotel with
/// both drives within [`BANQUET_DRIVE_MINUTES`].
pub(crate) fn banquet_venue(venues: &[Venue], travel: &TravelTimes, day: &DaySpec, hotel: &Place, start: Duration, length: Duration) -> Option<BanquetVenue> {
    venues
        .iter()
        .enumerate()
        .map(|(venue, v)| BanquetVenue {
            venue,
            there: Duration(travel.minutes(hotel, &v.place) as i64),
            back: Duration(travel.minutes(&v.place, hotel) as i64),
        })
        .filter(|b| b.there.0.max(b.back.0) <= BANQUET_DRIVE_MINUTES && open_during(&venues[b.venue].base, day, start, start + length))
        .min_by_key(|b| ((b.there + b.back).0, venues[b.venue].base.id.clone()))
}
