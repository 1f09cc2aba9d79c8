//! Replaying past visits through the matcher and the planner, per configuration, in
//! parallel: the evaluation use case. The metrics and the report are the evaluation engine's
//! ([`crate::evaluation`]).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::domain::{ClockTime, ExchangeBase};
use crate::evaluation::metrics::{ndcg_at, EvaluateOptions, NamedRanker, Ranker, VisitOutcome};
use crate::evaluation::PastVisit;
use crate::itinerary::request::Candidate;
use crate::itinerary::{EventKind, ItineraryRequest, TravelTimes};
use crate::app::library::BaseLibrary;
use crate::scoring::rules::VisitRules;
use crate::scoring::MatchOptions;
use crate::Error;

/// Whether `base` breaks a hard rule of the rule book for this visit's delegation.
fn breaks_a_rule(base: &ExchangeBase, visit: &PastVisit) -> bool {
    VisitRules::of(&visit.profile).violation(base).is_some()
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
            let ids = crate::app::matching::bm25_baseline(library, &visit.profile, k)?;
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
            let outcome = crate::app::matching::match_profile(&library, &visit.profile, &options)?;
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
        match super::planning::plan(library, travel, &request, crate::access::Visibility::Public, &options.cancel) {
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

