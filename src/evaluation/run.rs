//! Replaying past visits through the matcher and the planner, per configuration, and the
//! per-visit metrics.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::visits::PastVisit;
use crate::domain::{ClockTime, ExchangeBase};
use crate::itinerary::request::Candidate;
use crate::itinerary::{EventKind, ItineraryRequest, TravelTimes};
use crate::library::BaseLibrary;
use crate::scoring::{MatchConfig, MatchOptions};
use crate::Error;

/// One ranking configuration to evaluate.
#[derive(Debug, Clone)]
pub enum Ranker {
    /// Plain BM25 over the profile text (no taxonomy, features or hard rules).
    Bm25,
    /// The full matcher with this configuration's weights, diversity and rotation.
    Full(Box<MatchConfig>),
}

/// A named configuration.
#[derive(Debug, Clone)]
pub struct NamedRanker {
    /// Name in the reports (`bm25`, `default`, or a config file's stem).
    pub name: String,
    /// What ranks.
    pub ranker: Ranker,
}

/// Evaluation settings.
#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    /// Cut-off of the ranked list (hit rate, recall, NDCG, MRR, coverage all use it).
    pub k: usize,
    /// Most visits per configuration whose suggestions are also planned as an itinerary
    /// (spread evenly over the file); planning is the slow part.
    pub itinerary_sample: usize,
    /// Search iterations of each itinerary.
    pub itinerary_iterations: u32,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Raised when nobody waits for the result any more: the workers stop at the next visit.
    pub cancel: crate::cancel::CancelFlag,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions { k: 10, itinerary_sample: 1000, itinerary_iterations: 300, threads: 0, cancel: crate::cancel::CancelFlag::new() }
    }
}

/// The result of one visit under one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitOutcome {
    /// Configuration name.
    pub config: String,
    /// Visit id.
    pub visit_id: String,
    /// Year.
    pub year: i32,
    /// Country.
    pub country: String,
    /// Organisation type code.
    pub organisation_type: String,
    /// Outbound-route theme.
    pub theme: String,
    /// 1 if any visited base is in the top k.
    pub hit: f64,
    /// Share of visited bases in the top k.
    pub recall: f64,
    /// NDCG@k with the visit's graded gains.
    pub ndcg: f64,
    /// 1 / rank of the first visited base in the top k (0 if none).
    pub reciprocal_rank: f64,
    /// Suggested bases that break a hard rule (must be 0).
    pub violations: u32,
    /// The top k, in order.
    pub suggested: Vec<String>,
    /// Whether the suggestions were planned as an itinerary.
    pub planned: bool,
    /// Planned: the suggestions filled an itinerary with at least as many visits as the real one.
    pub feasible: Option<bool>,
    /// Planned: share of the touring day (departure to return) spent driving.
    pub travel_share: Option<f64>,
}

/// NDCG@k of `ranked` with gains `gain(id)` (exponential gain `2^g - 1`).
pub fn ndcg_at(ranked: &[String], k: usize, gain: impl Fn(&str) -> u8, all_gains: &[u8]) -> f64 {
    let dcg: f64 = ranked.iter().take(k).enumerate().map(|(i, id)| ((1u32 << gain(id)) - 1) as f64 / ((i + 2) as f64).log2()).sum();
    let mut ideal: Vec<u8> = all_gains.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(i, g)| ((1u32 << g) - 1) as f64 / ((i + 2) as f64).log2()).sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

/// Gini coefficient of non-negative counts (0 = perfectly even, → 1 = all on one).
pub fn gini(counts: &[u64]) -> f64 {
    let n = counts.len();
    let total: u64 = counts.iter().sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted.iter().enumerate().map(|(i, &c)| (i as f64 + 1.0) * c as f64).sum();
    (2.0 * weighted) / (n as f64 * total as f64) - (n as f64 + 1.0) / n as f64
}

/// Hard rules checked independently of the matcher: restricted, group too large, closed on
/// every visit day, avoided.
fn breaks_a_rule(base: &ExchangeBase, visit: &PastVisit) -> bool {
    let profile = &visit.profile;
    let open_some_day = match &profile.visit {
        crate::domain::VisitDays::Dates(dates) => {
            dates.iter().any(|d| !base.closed_dates.contains(d) && base.opening_hours.is_open_on(crate::domain::Weekday::of_date(*d)))
        }
        crate::domain::VisitDays::Weekdays(days) => days.iter().any(|d| base.opening_hours.is_open_on(*d)),
    };
    base.restricted || base.max_group_size < profile.size || !open_some_day || profile.avoid.contains(&base.id)
}

/// Replays `visits` under every configuration. `catalog` is every base of `library` (the
/// caller has read it already to check the visits). `progress(done, total)` is called as
/// visits finish.
pub fn evaluate(
    library: &BaseLibrary,
    catalog: &[ExchangeBase],
    visits: &[PastVisit],
    rankers: &[NamedRanker],
    options: &EvaluateOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<VisitOutcome>, Error> {
    let bases: HashMap<&str, &ExchangeBase> = catalog.iter().map(|b| (b.id.as_str(), b)).collect();
    let travel = TravelTimes::road_model();
    let total = visits.len() * rankers.len();
    let done = AtomicUsize::new(0);
    // Plan every `stride`-th visit, so the sample spreads over the whole file.
    let stride = if options.itinerary_sample == 0 { usize::MAX } else { visits.len().div_ceil(options.itinerary_sample).max(1) };
    let threads = if options.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { options.threads };
    let jobs: Vec<(usize, usize)> = (0..rankers.len()).flat_map(|r| (0..visits.len()).map(move |v| (r, v))).collect();
    let next = AtomicUsize::new(0);
    let results: Vec<Result<Vec<(usize, VisitOutcome)>, Error>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<Vec<(usize, VisitOutcome)>, Error> {
                    let mut out = Vec::new();
                    loop {
                        if options.cancel.is_cancelled() {
                            return Err(Error::Cancelled);
                        }
                        let job = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(r, v)) = jobs.get(job) else { break };
                        let plan_it = v % stride == 0;
                        out.push((job, replay(library, &bases, &travel, &rankers[r], &visits[v], options, plan_it)?));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    }
                    Ok(out)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("evaluation worker panicked")).collect()
    });
    let mut outcomes: Vec<(usize, VisitOutcome)> = Vec::with_capacity(total);
    for part in results {
        outcomes.extend(part?);
    }
    outcomes.sort_by_key(|(job, _)| *job);
    Ok(outcomes.into_iter().map(|(_, o)| o).collect())
}

fn replay(
    library: &BaseLibrary,
    bases: &HashMap<&str, &ExchangeBase>,
    travel: &TravelTimes,
    ranker: &NamedRanker,
    visit: &PastVisit,
    options: &EvaluateOptions,
    plan_it: bool,
) -> Result<VisitOutcome, Error> {
    let k = options.k;
    let (suggested, scores): (Vec<String>, Vec<f32>) = match &ranker.ranker {
        Ranker::Bm25 => {
            let ids = library.bm25_baseline(&visit.profile, k)?;
            let n = ids.len().max(1) as f32;
            // BM25 has no calibrated score: rank order, linearly from 1 down.
            let scores = (0..ids.len()).map(|i| 1.0 - i as f32 / n).collect();
            (ids, scores)
        }
        Ranker::Full(config) => {
            let options = MatchOptions {
                top: k,
                explain_excluded: false,
                diversity: Some(config.ranking.diversity),
                rotation: Some(config.ranking.rotation),
                weights: Some(config.weights),
                explain: false,
                visibility: crate::access::Visibility::Public,
            };
            let outcome = library.match_profile(&visit.profile, &options)?;
            outcome.items.into_iter().map(|i| (i.id, i.score)).unzip()
        }
    };
    let visited: HashSet<&str> = visit.visited.iter().map(String::as_str).collect();
    let found = suggested.iter().filter(|id| visited.contains(id.as_str())).count();
    let first = suggested.iter().position(|id| visited.contains(id.as_str()));
    let gains: Vec<u8> = visit.visited.iter().map(|id| visit.gain(id)).collect();
    let violations = suggested.iter().filter(|id| bases.get(id.as_str()).is_none_or(|b| breaks_a_rule(b, visit))).count() as u32;
    let (mut feasible, mut travel_share) = (None, None);
    if plan_it && !suggested.is_empty() {
        let mut request = ItineraryRequest::for_profile(visit.profile.clone());
        request.candidates = Some(suggested.iter().zip(&scores).map(|(id, s)| Candidate { base_id: id.clone(), score: s.clamp(0.0, 1.0) }).collect());
        request.iterations = Some(options.itinerary_iterations);
        match crate::itinerary::plan(library, travel, &request, crate::access::Visibility::Public, &options.cancel) {
            Ok(itinerary) => {
                feasible = Some(itinerary.visits >= visit.visited.len().min(suggested.len()));
                let (mut driving, mut span) = (0u32, 0u32);
                for day in &itinerary.days {
                    driving += day.travel_minutes;
                    let depart = day.events.iter().find(|e| e.kind == EventKind::Depart).and_then(|e| minutes(&e.start));
                    let back = day.events.iter().find(|e| e.kind == EventKind::Return).and_then(|e| minutes(&e.start));
                    if let (Some(a), Some(b)) = (depart, back) {
                        span += b.saturating_sub(a);
                    }
                }
                travel_share = Some(if span == 0 { 0.0 } else { driving as f64 / span as f64 });
            }
            Err(Error::Infeasible(_)) => feasible = Some(false),
            Err(other) => return Err(other),
        }
    }
    Ok(VisitOutcome {
        config: ranker.name.clone(),
        visit_id: visit.visit_id.clone(),
        year: visit.year,
        country: visit.profile.country.clone(),
        organisation_type: serde_json::to_value(visit.profile.organisation_type).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        theme: visit.theme.clone(),
        hit: f64::from(u8::from(found > 0)),
        recall: found as f64 / visit.visited.len().max(1) as f64,
        ndcg: ndcg_at(&suggested, k, |id| visit.gain(id), &gains),
        reciprocal_rank: first.map_or(0.0, |i| 1.0 / (i + 1) as f64),
        violations,
        suggested,
        planned: feasible.is_some(),
        feasible,
        travel_share,
    })
}

fn minutes(hhmm: &str) -> Option<u32> {
    hhmm.parse::<ClockTime>().ok().map(|t| u32::from(t.minutes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndcg_rewards_graded_gains_at_the_top() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let gain = |id: &str| match id {
            "a" => 3,
            "b" => 1,
            _ => 0,
        };
        assert!((ndcg_at(&ids(&["a", "b", "x"]), 10, gain, &[3, 1]) - 1.0).abs() < 1e-12);
        let swapped = ndcg_at(&ids(&["b", "a", "x"]), 10, gain, &[3, 1]);
        assert!(swapped < 1.0 && swapped > 0.5);
        assert_eq!(ndcg_at(&ids(&["x", "y"]), 10, gain, &[3, 1]), 0.0);
        // Cut at k: a relevant base at rank 3 does not count with k = 2.
        assert_eq!(ndcg_at(&ids(&["x", "y", "a"]), 2, gain, &[3]), 0.0);
    }

    #[test]
    fn gini_is_zero_when_even_and_high_when_concentrated() {
        assert_eq!(gini(&[5, 5, 5, 5]), 0.0);
        assert!((gini(&[0, 0, 0, 10]) - 0.75).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
    }
}
