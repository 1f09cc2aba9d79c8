//! The search: adaptive large neighbourhood search with simulated-annealing acceptance.
//!
//! Each iteration removes a few visits (at random, a stretch of one tour, a site and its
//! neighbours, or the visits that give least for their time), then re-inserts greedily by
//! `gain² / time added` — the classic orienteering insertion ratio — with a little noise, and
//! accepts the result by simulated annealing. Removal operators that lead to improvements are
//! picked more often. The search restarts from the best plan when it has wandered without
//! improving for a while.
//!
//! The search state is [`Route`]s (mutable, cached); the output is a plain [`Solution`].

use std::time::Instant;

use crate::cancel::CancelFlag;

use super::problem::{Duration, Problem};
use super::route::{Insertion, Route};
use crate::rng::SplitMix64;

/// When to stop: whichever limit comes first. At least one of the iteration and time limits
/// must be set; a raised cancel flag ends the search at the next iteration with the best plan
/// found so far.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    /// Number of destroy-and-repair iterations.
    pub max_iterations: Option<u64>,
    /// Wall-clock limit.
    pub max_runtime: Option<std::time::Duration>,
    /// Raised when nobody waits for the plan any more.
    pub cancel: Option<CancelFlag>,
}

impl Stop {
    /// Stop after `n` iterations (reproducible across machines).
    pub fn iterations(n: u64) -> Stop {
        Stop { max_iterations: Some(n), ..Stop::default() }
    }

    /// Stop after `seconds` of search.
    pub fn seconds(seconds: f64) -> Stop {
        Stop { max_runtime: Some(std::time::Duration::from_secs_f64(seconds.max(0.0))), ..Stop::default() }
    }
}

/// Search settings; the defaults are what the benchmark was measured with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchParams {
    /// Seed of the random choices: the same seed and iteration limit give the same plan.
    pub seed: u64,
    /// Most visits removed in one iteration, as a share of the visits in the plan.
    pub max_removal_share: f64,
    /// Upper bound on visits removed in one iteration.
    pub max_removal: usize,
    /// Start temperature, as a share of the mean site prize.
    pub start_temperature: f64,
    /// Iterations without a new best plan before returning to the best.
    pub restart_after: u64,
    /// Relative noise on insertion ratios.
    pub insertion_noise: f64,
    /// Iterations without a better plan of this start before a single-tour search starts over
    /// from a new construction around a random site (the best plan of every start is kept);
    /// `None`: never.
    pub fresh_start_after: Option<u64>,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams {
            seed: 0,
            max_removal_share: 0.3,
            max_removal: 30,
            start_temperature: 1.0,
            // Measured on the TOPTW benchmark at 1 s (benches/README.md): 2,000 left the mean gap
            // at 1.03–1.06 %, 500 brought it to 0.90–0.91 % on two seeds of three.
            restart_after: 500,
            insertion_noise: 0.6,
            fresh_start_after: None,
        }
    }
}

/// One tour of a solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTour {
    /// Tour number.
    pub tour: usize,
    /// Sites in visiting order.
    pub visits: Vec<usize>,
    /// The meal break follows this many visits (tours with a meal only).
    pub meal_after: Option<usize>,
}

/// The best plan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// One entry per tour, in tour order.
    pub tours: Vec<PlannedTour>,
    /// Sum of prizes of the visited sites.
    pub prize: i64,
    /// Prize minus the soft-preference charges (the objective).
    pub value: i64,
    /// Total driving time.
    pub travel: Duration,
    /// Sites not visited.
    pub unvisited: Vec<usize>,
    /// Iterations run.
    pub iterations: u64,
}

#[derive(Debug, Clone)]
struct State {
    routes: Vec<Route>,
    route_of: Vec<Option<usize>>,
    value: i64,
    travel: Duration,
}

impl State {
    fn refresh_totals(&mut self, problem: &Problem) {
        self.value = self.routes.iter().map(|r| r.value(problem)).sum();
        self.travel = self.routes.iter().map(|r| r.travel()).fold(Duration::ZERO, |a, b| a + b);
    }

    /// Better: more value, or the same value with less driving.
    fn is_better_than(&self, other: &State) -> bool {
        (self.value, std::cmp::Reverse(self.travel)) > (other.value, std::cmp::Reverse(other.travel))
    }

    fn remove_site(&mut self, problem: &Problem, site: usize) -> bool {
        let Some(r) = self.route_of[site] else { return false };
        let route = &mut self.routes[r];
        let index = route.visits().iter().position(|&s| s == site).expect("route_of out of step");
        if route.remove(problem, index) {
            self.route_of[site] = None;
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    Random,
    Stretch,
    Related,
    Worst,
}

const REMOVALS: [Removal; 4] = [Removal::Random, Removal::Stretch, Removal::Related, Removal::Worst];

/// Solves `problem` until `stop`. Sites that are `required` and fixed to a tour are never
/// removed once placed; other required sites should carry prizes large enough that the search
/// keeps them (the itinerary builder does this).
pub fn solve(problem: &Problem, params: &SearchParams, stop: Stop) -> Solution {
    assert!(stop.max_iterations.is_some() || stop.max_runtime.is_some(), "a search needs a stopping limit");
    let started = Instant::now();
    let mut rng = SplitMix64::new(params.seed);
    let sites = problem.sites();
    // Sites that some tour can hold at all; the others never enter the search.
    let candidates: Vec<usize> = (0..sites.len())
        .filter(|&s| (0..problem.tours().len()).any(|t| !problem.windows(s, t).is_empty()))
        .collect();
    let pinned: Vec<bool> = sites.iter().map(|s| s.required && s.fixed_tour.is_some()).collect();
    let neighbours = nearest_sites(problem, &candidates, NEIGHBOURS);
    let mean_prize = sites.iter().map(|s| s.prize as f64).sum::<f64>() / sites.len().max(1) as f64;

    let mut current = State {
        routes: (0..problem.tours().len()).map(|t| Route::empty(problem, t)).collect(),
        route_of: vec![None; sites.len()],
        value: 0,
        travel: Duration::ZERO,
    };
    let empty = current.clone();
    let mut cache = InsertionCache::new(problem, &candidates, problem.tours().len());
    repair(problem, &mut current, &candidates, &mut cache, &mut rng, 0.0);
    current.refresh_totals(problem);
    let mut best = current.clone();
    // Only a single tour starts over: it settles in one region of the map, while several tours
    // cover the map between them and gain more from the time spent polishing (on TOPTW at 1 s,
    // fresh starts on every row cost 0.1 % of mean gap on the rows with 3 and 4 tours).
    let fresh_start_after = params.fresh_start_after.filter(|_| problem.tours().len() == 1);
    // The best plan of every start so far, once the search starts over (`fresh_start_after`).
    let mut best_of_starts: Option<State> = None;
    let mut last_new_best = 0u64;

    let mut weights = [1.0f64; REMOVALS.len()];
    let mut iteration = 0u64;
    let mut last_improvement = 0u64;
    loop {
        if stop.cancel.as_ref().is_some_and(CancelFlag::is_cancelled) {
            break;
        }
        let progress = match (stop.max_iterations, stop.max_runtime) {
            (Some(n), _) if iteration >= n => break,
            (_, Some(limit)) if started.elapsed() >= limit => break,
            (Some(n), Some(limit)) => (iteration as f64 / n as f64).max(started.elapsed().as_secs_f64() / limit.as_secs_f64()),
            (Some(n), None) => iteration as f64 / n as f64,
            (None, Some(limit)) => started.elapsed().as_secs_f64() / limit.as_secs_f64(),
            (None, None) => unreachable!(),
        };
        iteration += 1;
        let temperature = params.start_temperature * mean_prize * (1.0 - progress).max(0.0);

        let mut candidate = current.clone();
        let visited: usize = candidate.routes.iter().map(Route::len).sum();
        let most = ((visited as f64 * params.max_removal_share) as usize).clamp(MIN_REMOVAL.min(visited.max(1)), params.max_removal.max(1));
        let count = 1 + rng.below(most);
        let operator = pick_weighted(&weights, &mut rng);
        destroy(problem, &mut candidate, REMOVALS[operator], count, &pinned, &mut rng);
        let noise = params.insertion_noise * rng.unit();
        repair(problem, &mut candidate, &candidates, &mut cache, &mut rng, noise);
        if improve(problem, &mut candidate, &neighbours, &pinned) {
            repair(problem, &mut candidate, &candidates, &mut cache, &mut rng, 0.0);
        }
        candidate.refresh_totals(problem);

        let delta = (candidate.value - current.value) as f64;
        let mut reward = 0.0;
        if candidate.is_better_than(&best) {
            best = candidate.clone();
            last_improvement = iteration;
            last_new_best = iteration;
            reward = 3.0;
        } else if candidate.is_better_than(&current) {
            reward = 1.0;
        }
        if delta >= 0.0 || (temperature > 0.0 && rng.unit() < (delta / temperature).exp()) {
            current = candidate;
        }
        weights[operator] = 0.95 * weights[operator] + 0.05 * (1.0 + reward);
        if iteration - last_improvement > params.restart_after {
            current = best.clone();
            last_improvement = iteration;
        }
        if fresh_start_after.is_some_and(|after| iteration - last_new_best > after) {
            // Settled in one region: start over around a random site, keeping the best so far.
            if best_of_starts.as_ref().is_none_or(|kept| best.is_better_than(kept)) {
                best_of_starts = Some(best.clone());
            }
            current = empty.clone();
            let seed_site = candidates[rng.below(candidates.len())];
            let tour = rng.below(current.routes.len());
            if current.routes[tour].price_insertion(problem, seed_site, 0).is_some() && current.routes[tour].insert(problem, seed_site, 0) {
                current.route_of[seed_site] = Some(tour);
            }
            repair(problem, &mut current, &candidates, &mut cache, &mut rng, params.insertion_noise);
            current.refresh_totals(problem);
            best = current.clone();
            last_new_best = iteration;
            last_improvement = iteration;
        }
    }
    let best = match best_of_starts {
        Some(kept) if kept.is_better_than(&best) => kept,
        _ => best,
    };
    into_solution(problem, &best, iteration)
}

/// Removal size always allowed, however short the plan: small plans need big kicks.
const MIN_REMOVAL: usize = 6;

/// How many nearest sites the swap move looks at.
const NEIGHBOURS: usize = 12;

/// For each site, the `k` nearest candidate sites by driving time.
fn nearest_sites(problem: &Problem, candidates: &[usize], k: usize) -> Vec<Vec<usize>> {
    let sites = problem.sites();
    (0..sites.len())
        .map(|s| {
            let mut near: Vec<usize> = candidates.iter().copied().filter(|&c| c != s).collect();
            let key = |&c: &usize| problem.travel(sites[s].location, sites[c].location).min(problem.travel(sites[c].location, sites[s].location));
            if near.len() > k {
                near.select_nth_unstable_by_key(k, key);
                near.truncate(k);
            }
            near.sort_by_key(key);
            near
        })
        .collect()
}

/// Local search after repair: moves a visit to the place (same or other tour) where it
/// drives least, and swaps a visit for a nearby unvisited site worth more. True if anything
/// changed (freed time may let the repair insert more).
fn improve(problem: &Problem, state: &mut State, neighbours: &[Vec<usize>], pinned: &[bool]) -> bool {
    let mut changed = false;
    for route in &mut state.routes {
        changed |= route.two_opt(problem);
    }
    for r in 0..state.routes.len() {
        let mut index = 0;
        while index < state.routes[r].len() {
            let site = state.routes[r].visits()[index];
            if pinned[site] {
                index += 1;
                continue;
            }
            let saving = state.routes[r].removal_travel_saving(problem, index);
            let prize = problem.sites()[site].prize;
            let mut without = state.routes[r].clone();
            if !without.remove(problem, index) {
                index += 1;
                continue;
            }
            // A nearby unvisited site worth more, in the freed place or anywhere in the tour.
            let mut best_swap: Option<(i64, usize, usize)> = None;
            for &other in &neighbours[site] {
                if state.route_of[other].is_some() || problem.sites()[other].prize <= prize {
                    continue;
                }
                for gap in 0..=without.len() {
                    if let Some(ins) = without.price_insertion(problem, other, gap)
                        && best_swap.is_none_or(|(v, _, _)| ins.value_delta > v) {
                            best_swap = Some((ins.value_delta, other, gap));
                        }
                }
            }
            if let Some((_, other, gap)) = best_swap
                && without.insert(problem, other, gap) {
                    state.routes[r] = without;
                    state.route_of[site] = None;
                    state.route_of[other] = Some(r);
                    changed = true;
                    continue;
                }
            // The cheapest place to drive to it, in this tour or another.
            let mut best_move: Option<(Duration, usize, usize)> = None;
            for r2 in 0..state.routes.len() {
                let route = if r2 == r { &without } else { &state.routes[r2] };
                for gap in 0..=route.len() {
                    if let Some(ins) = route.price_insertion(problem, site, gap)
                        && ins.travel_delta < saving && best_move.is_none_or(|(d, _, _)| ins.travel_delta < d) {
                            best_move = Some((ins.travel_delta, r2, gap));
                        }
                }
            }
            if let Some((_, r2, gap)) = best_move {
                let mut target = if r2 == r { without } else { state.routes[r2].clone() };
                if target.insert(problem, site, gap) {
                    if r2 != r {
                        state.routes[r].remove(problem, index);
                    }
                    state.routes[r2] = target;
                    state.route_of[site] = Some(r2);
                    changed = true;
                    if r2 != r {
                        continue;
                    }
                }
            }
            index += 1;
        }
    }
    changed
}

impl SearchParams {
    /// The exploring member of the portfolio: ruins twice as large (up to 60 % of the plan, 90
    /// visits at once), and for a single tour a fresh start around a random site after 500
    /// iterations without a better plan. Small ruins polish a plan; a long single tour settles in one region of the
    /// map, which large ruins alone do not always leave (on TOPTW pr19 with one tour, plans of
    /// 484 and of 545 against a best known 562 are two such regions; pr16 with one tour has one
    /// at 614 against 674). Measured in benches/README.md.
    pub fn explorer(self) -> SearchParams {
        SearchParams { max_removal_share: 0.6, max_removal: 90, fresh_start_after: Some(500), ..self }
    }
}

/// Runs `threads` independent searches side by side (seeds `seed`, `seed + 1`, …), every
/// second one with [`SearchParams::explorer`], and keeps the best plan: a portfolio that
/// costs no extra wall-clock time on a multi-core machine and evens out both the luck of a
/// single run and the basins one kind of ruin gets stuck in.
pub fn solve_parallel(problem: &Problem, params: &SearchParams, stop: Stop, threads: usize) -> Solution {
    let threads = threads.max(1);
    if threads == 1 {
        return solve(problem, params, stop);
    }
    let solutions: Vec<Solution> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let seeded = SearchParams { seed: params.seed.wrapping_add(i as u64), ..*params };
                let params = if i % 2 == 1 { seeded.explorer() } else { seeded };
                let stop = stop.clone();
                scope.spawn(move || solve(problem, &params, stop))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("search thread panicked")).collect()
    });
    let iterations = solutions.iter().map(|s| s.iterations).sum();
    let mut best = solutions
        .into_iter()
        .max_by_key(|s| (s.value, std::cmp::Reverse(s.travel)))
        .expect("at least one search");
    best.iterations = iterations;
    best
}

fn pick_weighted(weights: &[f64], rng: &mut SplitMix64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut ticket = rng.unit() * total;
    for (i, w) in weights.iter().enumerate() {
        if ticket < *w {
            return i;
        }
        ticket -= w;
    }
    weights.len() - 1
}

fn destroy(problem: &Problem, state: &mut State, how: Removal, count: usize, pinned: &[bool], rng: &mut SplitMix64) {
    let visited: Vec<usize> = state.routes.iter().flat_map(|r| r.visits().iter().copied()).filter(|&s| !pinned[s]).collect();
    if visited.is_empty() {
        return;
    }
    let chosen: Vec<usize> = match how {
        Removal::Random => {
            let mut pool = visited;
            let mut chosen = Vec::with_capacity(count);
            while chosen.len() < count && !pool.is_empty() {
                chosen.push(pool.swap_remove(rng.below(pool.len())));
            }
            chosen
        }
        Removal::Stretch => {
            let busy: Vec<usize> = (0..state.routes.len()).filter(|&r| !state.routes[r].is_empty()).collect();
            let route = &state.routes[busy[rng.below(busy.len())]];
            let first = rng.below(route.len());
            route.visits()[first..].iter().copied().filter(|&s| !pinned[s]).take(count).collect()
        }
        Removal::Related => {
            let seed = visited[rng.below(visited.len())];
            let at = problem.sites()[seed].location;
            let mut by_distance = visited;
            by_distance.sort_by_key(|&s| problem.travel(at, problem.sites()[s].location));
            by_distance.truncate(count);
            by_distance
        }
        Removal::Worst => {
            let mut scored: Vec<(f64, usize)> = Vec::with_capacity(visited.len());
            for route in &state.routes {
                for (index, &site) in route.visits().iter().enumerate() {
                    if pinned[site] {
                        continue;
                    }
                    let saving = route.removal_saving(problem, index).0.max(0) as f64 + 1.0;
                    let ratio = problem.sites()[site].prize as f64 / saving;
                    scored.push((ratio * (0.7 + 0.6 * rng.unit()), site));
                }
            }
            scored.sort_by(|a, b| a.0.total_cmp(&b.0));
            scored.into_iter().take(count).map(|(_, s)| s).collect()
        }
    };
    for site in chosen {
        state.remove_site(problem, site);
    }
}

/// Best insertion of each candidate into each route, recomputed per route after it changes.
struct InsertionCache {
    routes: usize,
    best: Vec<Option<(f64, Insertion)>>,
    /// Granular neighbourhoods: `close[a * sites + b]` when either of sites `a` and `b` is among
    /// the other's [`GRANULAR_NEIGHBOURS`] nearest. A site is priced only in the gaps next to a
    /// close visit (and at the tour's ends): the far gaps are rarely worth it, and pricing them
    /// was most of the search's time. Empty: every gap (large problems, where the table would
    /// not pay for itself).
    close: Vec<bool>,
    sites: usize,
}

/// Nearest sites whose neighbourhood a site is priced in (see [`InsertionCache::close`]).
const GRANULAR_NEIGHBOURS: usize = 30;
/// Largest problem the granular table is built for (sites squared booleans).
const GRANULAR_MAX_SITES: usize = 4000;

impl InsertionCache {
    fn new(problem: &Problem, candidates: &[usize], routes: usize) -> Self {
        let sites = problem.sites().len();
        let mut close = Vec::new();
        if sites <= GRANULAR_MAX_SITES && candidates.len() > GRANULAR_NEIGHBOURS {
            close = vec![false; sites * sites];
            for (a, near) in nearest_sites(problem, candidates, GRANULAR_NEIGHBOURS).iter().enumerate() {
                for &b in near {
                    close[a * sites + b] = true;
                    close[b * sites + a] = true;
                }
            }
        }
        InsertionCache { routes, best: vec![None; candidates.len() * routes], close, sites }
    }

    /// The gaps of `route` where `site` is priced, in order, into `gaps`.
    fn gaps(&self, route: &Route, site: usize, gaps: &mut Vec<usize>) {
        gaps.clear();
        let len = route.len();
        if self.close.is_empty() {
            gaps.extend(0..=len);
            return;
        }
        let row = &self.close[site * self.sites..(site + 1) * self.sites];
        gaps.push(0);
        for (p, &visit) in route.visits().iter().enumerate() {
            if row[visit] {
                if gaps.last() != Some(&p) {
                    gaps.push(p);
                }
                gaps.push(p + 1);
            }
        }
        if gaps.last() != Some(&len) {
            gaps.push(len);
        }
    }
}

/// The greedy ratio: gain squared over the time the visit adds.
#[inline]
fn insertion_ratio(insertion: &Insertion) -> Option<f64> {
    (insertion.value_delta > 0).then(|| {
        let gain = insertion.value_delta as f64;
        gain * gain / (insertion.shift.0.max(0) as f64 + 1.0)
    })
}

/// Inserts unvisited candidates greedily until none fits. Required sites go first.
fn repair(
    problem: &Problem,
    state: &mut State,
    candidates: &[usize],
    cache: &mut InsertionCache,
    rng: &mut SplitMix64,
    noise: f64,
) {
    let m = cache.routes;
    let mut open: Vec<usize> = (0..candidates.len()).filter(|&c| state.route_of[candidates[c]].is_none()).collect();
    let mut gaps = Vec::new();
    let fill = |cache: &mut InsertionCache, state: &State, open: &[usize], r: usize, gaps: &mut Vec<usize>| {
        let route = &state.routes[r];
        for &c in open {
            cache.gaps(route, candidates[c], gaps);
            cache.best[c * m + r] = route.best_insertion(problem, candidates[c], gaps.iter().copied(), insertion_ratio);
        }
    };
    for r in 0..m {
        fill(cache, state, &open, r, &mut gaps);
    }
    // Without a meal break an insertion only delays what follows and tightens what precedes,
    // so a site that fitted nowhere can afterwards only fit next to the new visit.
    let monotone = |r: usize| problem.tours()[r].meal.is_none();
    loop {
        let mut choice: Option<(bool, f64, usize, usize)> = None;
        for (slot, &c) in open.iter().enumerate() {
            let required = problem.sites()[candidates[c]].required;
            for r in 0..m {
                if let Some((ratio, _)) = cache.best[c * m + r] {
                    let noisy = if noise > 0.0 { ratio * (1.0 + noise * (2.0 * rng.unit() - 1.0)) } else { ratio };
                    if choice.is_none_or(|(req, b, _, _)| (required, noisy) > (req, b)) {
                        choice = Some((required, noisy, slot, r));
                    }
                }
            }
        }
        let Some((_, _, slot, r)) = choice else { break };
        let c = open.swap_remove(slot);
        let site = candidates[c];
        let (_, insertion) = cache.best[c * m + r].expect("chosen insertion exists");
        if state.routes[r].insert(problem, site, insertion.gap) {
            state.route_of[site] = Some(r);
        } else {
            // Cannot happen when the price is right; keep the route usable and move on.
            let index = insertion.gap;
            state.routes[r].remove(problem, index);
        }
        if monotone(r) {
            let route = &state.routes[r];
            let new_gaps = insertion.gap..=(insertion.gap + 1).min(route.len());
            for &c in &open {
                let priced = if cache.best[c * m + r].is_some() {
                    cache.gaps(route, candidates[c], &mut gaps);
                    route.best_insertion(problem, candidates[c], gaps.iter().copied(), insertion_ratio)
                } else {
                    route.best_insertion(problem, candidates[c], new_gaps.clone(), insertion_ratio)
                };
                cache.best[c * m + r] = priced;
            }
        } else {
            fill(cache, state, &open, r, &mut gaps);
        }
    }
}

fn into_solution(problem: &Problem, state: &State, iterations: u64) -> Solution {
    let tours = state
        .routes
        .iter()
        .map(|r| PlannedTour { tour: r.tour, visits: r.visits().to_vec(), meal_after: r.meal_after() })
        .collect();
    let prize = state.routes.iter().flat_map(|r| r.visits()).map(|&s| problem.sites()[s].prize).sum();
    let unvisited = (0..problem.sites().len()).filter(|&s| state.route_of[s].is_none()).collect();
    Solution { tours, prize, value: state.value, travel: state.travel, unvisited, iterations }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::problem::{Break, Preferences, Site, Tour, Window};
    use crate::planner::schedule::time_tour;

    /// A random instance on a 60×60 grid: `sites` sites, `tours` tours of `day` minutes, with
    /// lunch closures and a meal break when `meals`.
    fn random_instance(seed: u64, sites: usize, tours: usize, meals: bool) -> Problem {
        let mut rng = SplitMix64::new(seed);
        let points: Vec<(i64, i64)> = (0..=sites).map(|_| (rng.below(60) as i64, rng.below(60) as i64)).collect();
        let n = points.len();
        let mut travel = Vec::with_capacity(n * n);
        for a in &points {
            for b in &points {
                let d = (((a.0 - b.0).pow(2) + (a.1 - b.1).pow(2)) as f64).sqrt();
                travel.push(Duration(d.floor() as i64));
            }
        }
        let day = 480;
        let site_list = (1..=sites)
            .map(|i| {
                let windows = (0..tours)
                    .map(|_| {
                        if rng.below(6) == 0 {
                            return Vec::new();
                        }
                        let open = rng.below(200) as i64;
                        if rng.below(2) == 0 {
                            // Morning and afternoon with a closure in between.
                            vec![
                                Window { open: Duration(open), close: Duration(open + 60) },
                                Window { open: Duration(open + 150), close: Duration(open + 260) },
                            ]
                        } else {
                            vec![Window { open: Duration(open), close: Duration(open + 40 + rng.below(200) as i64) }]
                        }
                    })
                    .collect();
                Site {
                    location: i,
                    prize: 1 + rng.below(30) as i64,
                    service: Duration(10 + rng.below(40) as i64),
                    windows,
                    cluster: Some(rng.below(3) as u16),
                    required: false,
                    fixed_tour: None,
                }
            })
            .collect();
        let meal = meals.then_some(Break { earliest: Duration(180), latest: Duration(240), length: Duration(60) });
        let tour = Tour {
            start: 0,
            end: 0,
            depart: Duration(0),
            return_by: Duration(day),
            max_visits: 6,
            max_travel: Duration(200),
            meal,
        };
        let prefs = Preferences { extra_cluster_penalty: if meals { 5 } else { 0 }, travel_cost: 0 };
        Problem::new(site_list, vec![tour; tours], travel, Some(Duration(70)), prefs).unwrap()
    }

    #[test]
    fn no_plan_ever_breaks_a_window_the_day_or_a_limit() {
        for seed in 0..40 {
            let meals = seed % 2 == 0;
            let problem = random_instance(seed, 25, 3, meals);
            let solution = solve(&problem, &SearchParams { seed, ..SearchParams::default() }, Stop::iterations(300));
            let mut seen = std::collections::HashSet::new();
            let mut value = 0;
            for tour in &solution.tours {
                let schedule = time_tour(&problem, tour.tour, &tour.visits, tour.meal_after)
                    .unwrap_or_else(|why| panic!("seed {seed}: tour {} infeasible: {why:?}", tour.tour));
                assert!(schedule.arrival <= problem.tours()[tour.tour].return_by);
                assert!(tour.visits.len() <= problem.tours()[tour.tour].max_visits);
                for v in &schedule.visits {
                    assert!(seen.insert(v.site), "seed {seed}: site {} planned twice", v.site);
                    assert!(problem.windows(v.site, tour.tour).iter().any(|w| w.open <= v.start && v.start <= w.close));
                }
                if let (Some(meal), Some(timed)) = (problem.tours()[tour.tour].meal, schedule.meal) {
                    assert!(meal.earliest <= timed.start && timed.start <= meal.latest);
                }
                value += schedule.value(&problem);
            }
            assert_eq!(value, solution.value, "seed {seed}: reported value differs from the evaluator's");
            assert_eq!(seen.len() + solution.unvisited.len(), problem.sites().len());
        }
    }

    #[test]
    fn priced_insertions_equal_the_real_change_with_meals_and_closures() {
        for seed in 0..30 {
            let problem = random_instance(100 + seed, 20, 1, true);
            let mut rng = SplitMix64::new(seed);
            let mut route = Route::empty(&problem, 0);
            for _ in 0..60 {
                let site = rng.below(problem.sites().len());
                if route.visits().contains(&site) {
                    continue;
                }
                let before = time_tour(&problem, 0, route.visits(), route.meal_after()).expect("route feasible");
                for gap in 0..=route.len() {
                    let mut visits = route.visits().to_vec();
                    visits.insert(gap, site);
                    // The priced move keeps the meal with the stop it follows or, when that
                    // stop is right before the gap, lets the new visit carry it.
                    let meal_after = route.meal_after().map(|m| if gap < m { m + 1 } else { m });
                    let mut real = time_tour(&problem, 0, &visits, meal_after);
                    if real.is_err() && route.meal_after() == Some(gap) {
                        real = time_tour(&problem, 0, &visits, Some(gap + 1));
                    }
                    let priced = route.price_insertion(&problem, site, gap);
                    assert_eq!(real.is_ok(), priced.is_some(), "seed {seed} site {site} gap {gap}: {real:?}");
                    if let (Ok(real), Some(priced)) = (real, priced) {
                        assert_eq!(real.travel - before.travel, priced.travel_delta);
                        assert_eq!(real.value(&problem) - before.value(&problem), priced.value_delta);
                    }
                }
                let gap = rng.below(route.len() + 1);
                if route.price_insertion(&problem, site, gap).is_some() {
                    assert!(route.insert(&problem, site, gap));
                }
            }
        }
    }

    /// The best plan by trying every assignment of sites to tours and every order.
    fn brute_force(problem: &Problem) -> i64 {
        let n = problem.sites().len();
        let m = problem.tours().len();
        let mut best = 0;
        let mut assignment = vec![0usize; n];
        loop {
            let mut total = 0;
            let mut feasible = true;
            for t in 0..m {
                let members: Vec<usize> = (0..n).filter(|&s| assignment[s] == t + 1).collect();
                match best_order(problem, t, &members) {
                    Some(v) => total += v,
                    None => feasible = false,
                }
            }
            if feasible {
                best = best.max(total);
            }
            // Next assignment in base m + 1.
            let mut i = 0;
            while i < n && assignment[i] == m {
                assignment[i] = 0;
                i += 1;
            }
            if i == n {
                return best;
            }
            assignment[i] += 1;
        }
    }

    fn best_order(problem: &Problem, tour: usize, members: &[usize]) -> Option<i64> {
        fn permute(problem: &Problem, tour: usize, rest: &mut Vec<usize>, order: &mut Vec<usize>, best: &mut Option<i64>) {
            if rest.is_empty() {
                if let Ok(s) = time_tour(problem, tour, order, None) {
                    *best = Some(best.map_or(s.prize, |b: i64| b.max(s.prize)));
                }
                return;
            }
            for i in 0..rest.len() {
                let site = rest.remove(i);
                order.push(site);
                permute(problem, tour, rest, order, best);
                order.pop();
                rest.insert(i, site);
            }
        }
        let mut best = None;
        permute(problem, tour, &mut members.to_vec(), &mut Vec::new(), &mut best);
        best
    }

    #[test]
    fn small_instances_reach_their_proven_optimum() {
        for seed in 0..12 {
            let mut problem = random_instance(500 + seed, 6, 2, false);
            // Tight days make the choice matter.
            let tours: Vec<Tour> = problem.tours().iter().map(|t| Tour { return_by: Duration(200), ..t.clone() }).collect();
            problem = Problem::new(problem.sites().to_vec(), tours, (0..49).map(|i| {
                let (a, b) = (i / 7, i % 7);
                let (sa, sb) = (if a == 0 { 0 } else { problem.sites()[a - 1].location }, if b == 0 { 0 } else { problem.sites()[b - 1].location });
                problem.travel(sa, sb)
            }).collect(), None, Preferences::default())
            .unwrap();
            let optimum = brute_force(&problem);
            let solution = solve(&problem, &SearchParams { seed, ..SearchParams::default() }, Stop::iterations(500));
            assert_eq!(solution.prize, optimum, "seed {seed}");
        }
    }

    #[test]
    fn a_site_out_of_reach_is_never_planned_and_fixed_sites_stay_on_their_tour() {
        let problem = random_instance(7, 10, 2, false);
        let mut sites = problem.sites().to_vec();
        // Site 0 only opens after the day is over; site 1 must be on tour 1.
        sites[0].windows = vec![vec![Window { open: Duration(10_000), close: Duration(10_100) }]; 2];
        sites[1].windows = vec![vec![Window { open: Duration(0), close: Duration(400) }]; 2];
        sites[1].fixed_tour = Some(1);
        sites[1].required = true;
        sites[1].prize = 1_000_000;
        let travel: Vec<Duration> = (0..121).map(|i| problem.travel(i / 11, i % 11)).collect();
        let problem = Problem::new(sites, problem.tours().to_vec(), travel, None, Preferences::default()).unwrap();
        let solution = solve(&problem, &SearchParams::default(), Stop::iterations(200));
        assert!(solution.unvisited.contains(&0));
        assert!(solution.tours[1].visits.contains(&1));
        assert!(!solution.tours[0].visits.contains(&1));
    }

    #[test]
    fn a_raised_cancel_flag_ends_the_search_at_once_with_a_plan() {
        let problem = random_instance(5, 30, 2, true);
        let flag = CancelFlag::new();
        flag.cancel();
        let stop = Stop { max_iterations: Some(u64::MAX), cancel: Some(flag), ..Stop::default() };
        let solution = solve_parallel(&problem, &SearchParams::default(), stop, 2);
        assert_eq!(solution.iterations, 0);
        // The greedy construction still stands: a cancelled search answers with what it has.
        assert!(solution.tours.iter().any(|tour| !tour.visits.is_empty()));
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let problem = random_instance(3, 30, 3, true);
        let a = solve(&problem, &SearchParams { seed: 9, ..SearchParams::default() }, Stop::iterations(200));
        let b = solve(&problem, &SearchParams { seed: 9, ..SearchParams::default() }, Stop::iterations(200));
        assert_eq!(a, b);
    }

    #[test]
    fn invalid_problems_are_reported_all_at_once() {
        let problem = random_instance(1, 3, 1, false);
        let mut sites = problem.sites().to_vec();
        sites[0].windows = vec![vec![Window { open: Duration(50), close: Duration(10) }]];
        sites[1].fixed_tour = Some(4);
        let errors = Problem::new(sites, problem.tours().to_vec(), vec![Duration(1); 15], None, Preferences::default()).unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["matrix_not_square", "window_reversed", "fixed_tour_unknown", "site_location_unknown"]);
    }
}
