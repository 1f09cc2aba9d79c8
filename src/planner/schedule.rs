//! The cost evaluator: times one tour from scratch and says whether, and why not, it is
//! feasible.
//!
//! The search keeps its own caches ([`super::route`]) to price moves in O(1); this module is
//! the independent reference those prices are tested against, and what the output is built
//! from.

use super::problem::{earliest_start, Duration, Problem};

/// One timed visit in a tour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedVisit {
    /// Site number.
    pub site: usize,
    /// Driving time from the previous stop.
    pub travel: Duration,
    /// Arrival time.
    pub arrival: Duration,
    /// Start of the visit (arrival plus any wait for opening).
    pub start: Duration,
    /// End of the visit.
    pub end: Duration,
}

/// The meal break as scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedBreak {
    /// Taken after this many visits (0 = before the first visit, at the start location).
    pub after_visits: usize,
    /// Start of the break.
    pub start: Duration,
    /// End of the break.
    pub end: Duration,
}

/// A tour timed from its departure to its return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TourSchedule {
    /// Tour number.
    pub tour: usize,
    /// Departure from the start location.
    pub depart: Duration,
    /// The visits in order.
    pub visits: Vec<TimedVisit>,
    /// The meal break, if the tour has one.
    pub meal: Option<TimedBreak>,
    /// Driving time of the last leg, back to the end location.
    pub return_travel: Duration,
    /// Arrival at the end location.
    pub arrival: Duration,
    /// Total driving time.
    pub travel: Duration,
    /// Sum of the visited sites' prizes.
    pub prize: i64,
    /// Number of distinct clusters visited.
    pub clusters: usize,
}

impl TourSchedule {
    /// Prize minus the soft-preference charges of this tour.
    pub fn value(&self, problem: &Problem) -> i64 {
        let prefs = problem.preferences();
        self.prize
            - prefs.extra_cluster_penalty * self.clusters.saturating_sub(1) as i64
            - prefs.travel_cost * self.travel.0
    }
}

/// Why a tour cannot be driven as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Infeasible {
    /// The site is closed on this tour's day, or belongs to another tour.
    Closed {
        /// The site.
        site: usize,
    },
    /// The visit would start after the site's latest start.
    TooLate {
        /// The site.
        site: usize,
        /// When the visit would start.
        start: Duration,
    },
    /// The meal break would start after its latest start.
    MealTooLate {
        /// When the break would start.
        start: Duration,
    },
    /// The tour would return after its deadline.
    ReturnsTooLate {
        /// When the tour would be back.
        arrival: Duration,
    },
    /// More visits than the tour allows.
    TooManyVisits,
    /// More driving than the tour allows.
    TooMuchDriving {
        /// Total driving.
        travel: Duration,
    },
    /// A leg longer than the longest allowed transfer.
    LegTooLong {
        /// The site the leg leads to (`None`: back to the end location).
        to_site: Option<usize>,
    },
    /// The same site twice.
    Repeated {
        /// The site.
        site: usize,
    },
    /// The meal position is past the last visit.
    MealMisplaced,
}

/// Times `visits` on `tour` with the meal break after `meal_after` visits.
///
/// `meal_after` is ignored for a tour without a meal and required for one with a meal.
pub fn time_tour(
    problem: &Problem,
    tour: usize,
    visits: &[usize],
    meal_after: Option<usize>,
) -> Result<TourSchedule, Infeasible> {
    let spec = &problem.tours()[tour];
    if visits.len() > spec.max_visits {
        return Err(Infeasible::TooManyVisits);
    }
    let meal = match (spec.meal, meal_after) {
        (Some(meal), Some(after)) if after <= visits.len() => Some((meal, after)),
        (Some(_), _) => return Err(Infeasible::MealMisplaced),
        (None, _) => None,
    };
    let mut seen = std::collections::HashSet::new();
    let mut timed = Vec::with_capacity(visits.len());
    let mut clusters = Vec::new();
    let mut place = spec.start;
    let mut clock = spec.depart;
    let mut travel = Duration::ZERO;
    let mut prize = 0;
    let mut meal_slot = None;
    let mut take_meal = |clock: &mut Duration, after: usize| -> Result<(), Infeasible> {
        if let Some((meal, at)) = meal
            && at == after {
                let start = (*clock).max(meal.earliest);
                if start > meal.latest {
                    return Err(Infeasible::MealTooLate { start });
                }
                *clock = start + meal.length;
                meal_slot = Some(TimedBreak { after_visits: after, start, end: *clock });
            }
        Ok(())
    };
    take_meal(&mut clock, 0)?;
    for (index, &site) in visits.iter().enumerate() {
        if !seen.insert(site) {
            return Err(Infeasible::Repeated { site });
        }
        let s = &problem.sites()[site];
        let windows = problem.windows(site, tour);
        if windows.is_empty() {
            return Err(Infeasible::Closed { site });
        }
        let leg = problem.travel(place, s.location);
        if leg == Duration::UNBOUNDED {
            return Err(Infeasible::LegTooLong { to_site: Some(site) });
        }
        let arrival = clock + leg;
        let start = earliest_start(windows, arrival).ok_or(Infeasible::TooLate { site, start: arrival })?;
        clock = start + s.service;
        timed.push(TimedVisit { site, travel: leg, arrival, start, end: clock });
        travel += leg;
        prize += s.prize;
        if let Some(cluster) = s.cluster
            && !clusters.contains(&cluster) {
                clusters.push(cluster);
            }
        place = s.location;
        take_meal(&mut clock, index + 1)?;
    }
    let return_travel = problem.travel(place, spec.end);
    if return_travel == Duration::UNBOUNDED {
        return Err(Infeasible::LegTooLong { to_site: None });
    }
    let arrival = clock + return_travel;
    travel += return_travel;
    if arrival > spec.return_by {
        return Err(Infeasible::ReturnsTooLate { arrival });
    }
    if travel > spec.max_travel {
        return Err(Infeasible::TooMuchDriving { travel });
    }
    Ok(TourSchedule {
        tour,
        depart: spec.depart,
        visits: timed,
        meal: meal_slot,
        return_travel,
        arrival,
        travel,
        prize,
        clusters: clusters.len(),
    })
}
