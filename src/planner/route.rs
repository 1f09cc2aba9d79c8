//! The search's mutable tour, with the caches that price an insertion in O(1).
//!
//! Positions run `0 ..= len + 1`: 0 is the start location, `1 ..= len` the visits, `len + 1`
//! the end location. For every position the route keeps the earliest start of service
//! (forward pass) and the latest start that still lets the rest of the tour finish in time
//! (backward pass). Inserting a site between `p` and `p + 1` is then feasible exactly when it
//! can start inside its window after leaving `p`, and the next stop is reached by its latest
//! start — two comparisons, whatever the tour's length. This is the orienteering form of
//! the "wait / max shift" bookkeeping, and plays the part of PyVRP's duration segments.
//!
//! The meal break is carried by one position (its departure is pushed to the end of the
//! break); after every change the route moves the break to the position that returns
//! earliest.

use super::problem::{earliest_start, latest_start, Duration, Problem, Window, WindowSpan};

/// A priced insertion of one site into one route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Insertion {
    /// The site goes between position `gap` and `gap + 1`.
    pub gap: usize,
    /// Time added before the next stop (driving, waiting and the visit itself).
    pub shift: Duration,
    /// Change in the route's driving time.
    pub travel_delta: Duration,
    /// Change in the route's value (prize, cluster and travel charges).
    pub value_delta: i64,
}

/// One tour under search.
#[derive(Debug, Clone)]
pub struct Route {
    /// Tour number in the problem.
    pub tour: usize,
    visits: Vec<usize>,
    location: Vec<usize>,
    window: Vec<WindowSpan>,
    service: Vec<Duration>,
    start: Vec<Duration>,
    leave: Vec<Duration>,
    latest: Vec<Duration>,
    travel: Duration,
    prize: i64,
    clusters: Vec<(u16, u32)>,
    meal: Option<super::problem::Break>,
    meal_at: Option<usize>,
}

impl Route {
    /// An empty tour (always feasible when the day itself is: a problem whose day cannot even
    /// fit the meal gives an empty route that `rebuild` reports infeasible).
    pub fn empty(problem: &Problem, tour: usize) -> Route {
        let mut route = Route {
            tour,
            visits: Vec::new(),
            location: Vec::new(),
            window: Vec::new(),
            service: Vec::new(),
            start: Vec::new(),
            leave: Vec::new(),
            latest: Vec::new(),
            travel: Duration::ZERO,
            prize: 0,
            clusters: Vec::new(),
            meal: None,
            meal_at: None,
        };
        route.rebuild(problem);
        route
    }

    /// The visited sites in order.
    pub fn visits(&self) -> &[usize] {
        &self.visits
    }

    /// Number of visits.
    pub fn len(&self) -> usize {
        self.visits.len()
    }

    /// No visits.
    pub fn is_empty(&self) -> bool {
        self.visits.is_empty()
    }

    /// Total driving time.
    pub fn travel(&self) -> Duration {
        self.travel
    }

    /// Number of visits the meal break follows, if the tour has one.
    pub fn meal_after(&self) -> Option<usize> {
        self.meal_at
    }

    /// Prize minus the soft-preference charges.
    pub fn value(&self, problem: &Problem) -> i64 {
        let prefs = problem.preferences();
        self.prize
            - prefs.extra_cluster_penalty * self.clusters.len().saturating_sub(1) as i64
            - prefs.travel_cost * self.travel.0
    }

    /// Replaces the visits and recomputes every cache; false if the new tour is infeasible
    /// (the route is then unusable until rebuilt with feasible visits).
    pub fn set_visits(&mut self, problem: &Problem, visits: Vec<usize>) -> bool {
        self.visits = visits;
        self.rebuild(problem)
    }

    /// Inserts `site` at `gap` (as priced by [`Route::price_insertion`]).
    pub fn insert(&mut self, problem: &Problem, site: usize, gap: usize) -> bool {
        self.visits.insert(gap, site);
        self.rebuild(problem)
    }

    /// Removes the visit at `index` (0-based among the visits); false, with the visit put
    /// back, when removing it would break the tour (possible when travel times do not obey
    /// the triangle inequality, or through the meal break).
    pub fn remove(&mut self, problem: &Problem, index: usize) -> bool {
        let site = self.visits.remove(index);
        if self.rebuild(problem) {
            return true;
        }
        self.visits.insert(index, site);
        self.rebuild(problem);
        false
    }

    #[inline]
    fn departure(&self, position: usize, start: Duration, meal_at: Option<usize>) -> Duration {
        let done = start + self.service[position];
        match (self.meal, meal_at) {
            (Some(meal), Some(at)) if at == position => done.max(meal.earliest) + meal.length,
            _ => done,
        }
    }

    /// Recomputes every cache from `visits`; false if the tour is infeasible.
    fn rebuild(&mut self, problem: &Problem) -> bool {
        let spec = &problem.tours()[self.tour];
        self.meal = spec.meal;
        let n = self.visits.len();
        for cache in [&mut self.start, &mut self.leave, &mut self.latest, &mut self.service] {
            cache.clear();
            cache.resize(n + 2, Duration::ZERO);
        }
        self.location.clear();
        self.window.clear();
        let (start_span, end_span) = problem.depot_spans(self.tour);
        self.location.push(spec.start);
        self.window.push(start_span);
        self.prize = 0;
        self.clusters.clear();
        let mut feasible = n <= spec.max_visits;
        for (k, &site) in self.visits.iter().enumerate() {
            let s = &problem.sites()[site];
            self.location.push(s.location);
            self.service[k + 1] = s.service;
            self.prize += s.prize;
            if let Some(cluster) = s.cluster {
                match self.clusters.iter_mut().find(|(c, _)| *c == cluster) {
                    Some((_, count)) => *count += 1,
                    None => self.clusters.push((cluster, 1)),
                }
            }
            let span = problem.site_span(site, self.tour);
            feasible &= !problem.span_windows(span).is_empty();
            self.window.push(span);
        }
        self.location.push(spec.end);
        self.window.push(end_span);
        self.travel = Duration::ZERO;
        for k in 0..=n {
            self.travel += problem.travel(self.location[k], self.location[k + 1]);
        }
        feasible &= self.travel <= spec.max_travel;
        self.meal_at = None;
        if self.meal.is_some() {
            // The break goes where the tour gets home earliest, which leaves the most room.
            let mut best: Option<(Duration, usize)> = None;
            for at in 0..=n {
                if let Some(arrival) = self.forward(problem, Some(at))
                    && best.is_none_or(|(earliest, _)| arrival < earliest) {
                        best = Some((arrival, at));
                    }
            }
            match best {
                Some((_, at)) => self.meal_at = Some(at),
                None => feasible = false,
            }
        }
        feasible &= self.forward(problem, self.meal_at).is_some();
        for k in 0..=n {
            self.leave[k] = self.departure(k, self.start[k], self.meal_at);
        }
        self.backward(problem);
        feasible
    }

    /// Earliest starts with the break at `meal_at`; the arrival at the end if feasible.
    fn forward(&mut self, problem: &Problem, meal_at: Option<usize>) -> Option<Duration> {
        let n = self.visits.len();
        self.start[0] = problem.tours()[self.tour].depart;
        let mut feasible = true;
        for k in 0..=n {
            if let (Some(meal), Some(at)) = (self.meal, meal_at)
                && at == k && self.start[k] + self.service[k] > meal.latest {
                    feasible = false;
                }
            let arrival = self.departure(k, self.start[k], meal_at)
                + problem.travel(self.location[k], self.location[k + 1]);
            match earliest_start(problem.span_windows(self.window[k + 1]), arrival) {
                Some(start) => self.start[k + 1] = start,
                None => {
                    feasible = false;
                    self.start[k + 1] = arrival;
                }
            }
        }
        feasible.then_some(self.start[n + 1])
    }

    /// Latest starts: how late each position may start so that the rest still fits.
    fn backward(&mut self, problem: &Problem) {
        let n = self.visits.len();
        self.latest[n + 1] = problem.tours()[self.tour].return_by;
        for k in (0..=n).rev() {
            let leave_by = self.latest[k + 1] - problem.travel(self.location[k], self.location[k + 1]);
            let mut latest = leave_by - self.service[k];
            if let (Some(meal), Some(at)) = (self.meal, self.meal_at)
                && at == k {
                    latest = if meal.earliest + meal.length > leave_by {
                        Duration::NEVER
                    } else {
                        (leave_by - meal.length - self.service[k]).min(meal.latest - self.service[k])
                    };
                }
            self.latest[k] = latest_start(problem.span_windows(self.window[k]), latest).unwrap_or(Duration::NEVER);
        }
    }

    /// Prices inserting `site` between position `gap` and `gap + 1`, without changing the
    /// route; `None` if the tour would become infeasible.
    pub fn price_insertion(&self, problem: &Problem, site: usize, gap: usize) -> Option<Insertion> {
        let windows = problem.windows(site, self.tour);
        if windows.is_empty() {
            return None;
        }
        self.price_insertion_within(problem, site, windows, gap)
    }

    /// The best insertion of `site` over `gaps` by `rank` (higher is better), if any gap fits.
    pub fn best_insertion(
        &self,
        problem: &Problem,
        site: usize,
        gaps: impl Iterator<Item = usize>,
        rank: impl Fn(&Insertion) -> Option<f64>,
    ) -> Option<(f64, Insertion)> {
        let windows = problem.windows(site, self.tour);
        if windows.is_empty() {
            return None;
        }
        let mut best: Option<(f64, Insertion)> = None;
        for gap in gaps {
            if let Some(insertion) = self.price_insertion_within(problem, site, windows, gap)
                && let Some(score) = rank(&insertion)
                    && best.is_none_or(|(b, _)| score > b) {
                        best = Some((score, insertion));
                    }
        }
        best
    }

    /// [`Route::price_insertion`] with the site's window on this tour already looked up.
    /// The checks run cheapest and most often failing first: this is the search's hot loop.
    #[inline]
    fn price_insertion_within(&self, problem: &Problem, site: usize, windows: &[Window], gap: usize) -> Option<Insertion> {
        let spec = &problem.tours()[self.tour];
        if self.visits.len() >= spec.max_visits {
            return None;
        }
        let s = &problem.sites()[site];
        let from = self.location[gap];
        let leave = self.leave[gap];
        let to_site = problem.travel(from, s.location);
        let to = self.location[gap + 1];
        let from_site = problem.travel(s.location, to);
        let kept = earliest_start(windows, leave + to_site)
            .map(|start| start + s.service + from_site)
            .filter(|&arrival| arrival <= self.latest[gap + 1]);
        // When the break follows the stop before the gap, it may instead follow the new
        // visit (lunch after it rather than before): the stops before are unaffected and the
        // stops after carry no break, so this stays O(1).
        let moved = match (self.meal, self.meal_at) {
            (Some(meal), Some(at)) if at == gap => {
                let leave_plain = self.start[gap] + self.service[gap];
                earliest_start(windows, leave_plain + to_site)
                    .filter(|&start| start + s.service <= meal.latest)
                    .map(|start| (start + s.service).max(meal.earliest) + meal.length + from_site)
                    .filter(|&arrival| arrival <= self.latest[gap + 1])
            }
            _ => None,
        };
        let next_arrival = match (kept, moved) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        let direct = problem.travel(from, to);
        let travel_delta = to_site + from_site - direct;
        if self.travel + travel_delta > spec.max_travel {
            return None;
        }
        let prefs = problem.preferences();
        let new_cluster = match s.cluster {
            Some(cluster) => !self.clusters.is_empty() && !self.clusters.iter().any(|(c, _)| *c == cluster),
            None => false,
        };
        let value_delta = s.prize
            - prefs.travel_cost * travel_delta.0
            - if new_cluster { prefs.extra_cluster_penalty } else { 0 };
        Some(Insertion { gap, shift: next_arrival - (leave + direct), travel_delta, value_delta })
    }

    /// 2-opt: reverses stretches of the tour while that shortens the driving and keeps every
    /// window. True if the tour changed.
    pub fn two_opt(&mut self, problem: &Problem) -> bool {
        let n = self.visits.len();
        let mut changed = false;
        let mut improved = true;
        let mut order = self.visits.clone();
        while improved {
            improved = false;
            for i in 0..n.saturating_sub(1) {
                for j in i + 1..n {
                    // Positions i + 1 ..= j + 1 are reversed; the edges (i, i+1) and (j+1, j+2)
                    // become (i, j+1) and (i+1, j+2).
                    let (a, b) = (self.location[i], self.location[i + 1]);
                    let (c, d) = (self.location[j + 1], self.location[j + 2]);
                    let before = problem.travel(a, b) + problem.travel(c, d);
                    let after = problem.travel(a, c) + problem.travel(b, d);
                    // With asymmetric times the reversed stretch's own legs change too.
                    let inner_before: Duration = (i + 1..=j).map(|k| problem.travel(self.location[k], self.location[k + 1])).fold(Duration::ZERO, |x, y| x + y);
                    let inner_after: Duration = (i + 1..=j).map(|k| problem.travel(self.location[k + 1], self.location[k])).fold(Duration::ZERO, |x, y| x + y);
                    if after + inner_after >= before + inner_before {
                        continue;
                    }
                    order.copy_from_slice(&self.visits);
                    order[i..=j].reverse();
                    let previous = std::mem::replace(&mut self.visits, order.clone());
                    if self.rebuild(problem) {
                        improved = true;
                        changed = true;
                    } else {
                        self.visits = previous;
                        self.rebuild(problem);
                    }
                }
            }
        }
        changed
    }

    /// Time saved by removing the visit at `index` (0-based among visits), ignoring waits.
    pub fn removal_saving(&self, problem: &Problem, index: usize) -> Duration {
        self.removal_travel_saving(problem, index) + self.service[index + 1]
    }

    /// Driving saved by removing the visit at `index` (0-based among visits).
    pub fn removal_travel_saving(&self, problem: &Problem, index: usize) -> Duration {
        let k = index + 1;
        problem.travel(self.location[k - 1], self.location[k]) + problem.travel(self.location[k], self.location[k + 1])
            - problem.travel(self.location[k - 1], self.location[k + 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::schedule::time_tour;
    use crate::planner::toptw;
    use crate::rng::SplitMix64;

    fn instance(name: &str) -> Problem {
        let path = format!("{}/tests/data/toptw/{name}.txt", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        toptw::parse(name, &text, 1).unwrap().problem
    }

    #[test]
    fn priced_insertions_agree_with_the_evaluator() {
        let problem = instance("rc104");
        let mut rng = SplitMix64::new(7);
        for _ in 0..200 {
            let mut route = Route::empty(&problem, 0);
            let mut order: Vec<usize> = (0..problem.sites().len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            for &site in &order {
                for gap in 0..=route.len() {
                    let mut visits = route.visits().to_vec();
                    visits.insert(gap, site);
                    let real = time_tour(&problem, 0, &visits, None);
                    let priced = route.price_insertion(&problem, site, gap);
                    assert_eq!(real.is_ok(), priced.is_some(), "site {site} gap {gap} in {:?}", route.visits());
                    if let (Ok(real), Some(priced)) = (real, priced) {
                        assert_eq!(real.travel - route.travel(), priced.travel_delta);
                    }
                }
                let best = (0..=route.len()).find(|&g| route.price_insertion(&problem, site, g).is_some());
                if let Some(gap) = best {
                    assert!(route.insert(&problem, site, gap));
                }
            }
        }
    }
}
