//! Replaying past visits through the matcher and the planner, per configuration, in
//! parallel: the evaluation use case. An upload (CSV, Parquet or JSON with weight variants) is
//! checked once into a [`CheckedEvaluation`], with every limit applied before it is parsed;
//! the metrics and the report are the evaluation engine's ([`crate::evaluation`]).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use utoipa::ToSchema;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::domain::{ClockTime, ExchangeBase};
use crate::evaluation::metrics::{ndcg_at, EvaluateOptions, NamedRanker, Ranker, VisitOutcome};
use crate::evaluation::visits::{check_csv_shape, check_parquet_shape, read_bytes, JsonVisitRows, RawTable};
use crate::evaluation::{check_visits, report, PastVisit, VisitFormat};
use crate::access::Visibility;
use crate::domain::{FieldCode, FieldError};
use crate::scoring::MatchConfig;
use crate::itinerary::request::Candidate;
use crate::itinerary::{EventKind, ItineraryRequest, TravelTimes};
use crate::app::library::BaseLibrary;
use crate::scoring::rules::VisitRules;
use crate::scoring::MatchOptions;
use crate::Error;

/// Most weight variants compared in one evaluation (besides BM25 and the default).
pub const MAX_VARIANTS: usize = 8;
/// Longest variant name, in characters.
pub const MAX_VARIANT_NAME_CHARS: usize = 64;
/// Most visits per configuration also planned as itineraries.
pub const MAX_ITINERARY_SAMPLE: usize = 2_000;

/// JSON input: rows keyed by column (lists may be arrays), and optional weight variants.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visits": [{
    "visit_id": "v2024-0001", "start_date": "2024-05-13", "days": 2, "country": "IT", "city": "Prato",
    "organisation_type": "business_association", "size": 12, "hotel_division": "lucheng",
    "interests": "Knitwear and footwear partners", "industries_sought": ["knitwear", "footwear"],
    "languages": ["it", "en"], "theme": "fashion_smart_manufacturing",
    "visited_bases": ["lucheng-005", "ouhai-006"], "productive_bases": ["lucheng-005"],
    "agreements_signed": 1, "follow_up_projects": 0, "satisfaction": 4
}], "k": 10}))]
pub struct EvaluationRequest {
    /// Past visits, one object per visit (columns as in `fixtures/past_visits/README.md`), at
    /// most 20,000.
    #[schema(value_type = Vec<Object>)]
    pub visits: JsonVisitRows,
    /// Extra configurations (at most 8): a name and weights replacing the default ones.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Cut-off of the ranked lists (default 10).
    pub k: Option<u32>,
}

/// A named weight variant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Name in the results.
    pub name: String,
    /// Weights.
    pub weights: crate::scoring::MatchWeights,
}

/// What an upload's body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// Comma-separated values with a header line.
    Csv,
    /// An Apache Parquet file.
    Parquet,
    /// An [`EvaluationRequest`].
    Json,
}

/// An evaluation checked and ready to run: nothing in it is unbounded any more.
pub struct CheckedEvaluation {
    /// The visits, every cell checked.
    pub visits: Vec<PastVisit>,
    /// Every base of the library, read once.
    pub bases: Vec<ExchangeBase>,
    /// The configurations compared: BM25, the default, then each variant.
    pub rankers: Vec<NamedRanker>,
    /// Cut-off, sample, threads and the cancel flag.
    pub options: EvaluateOptions,
    /// What the caller may see: staff reports also show the results of trips abroad.
    pub visibility: Visibility,
}

/// Reads and checks an upload (on a blocking thread): its shape against the limits before it
/// is parsed, then every cell, against the bases this caller may see.
pub fn check_upload(body: &[u8], upload: Upload, mut options: EvaluateOptions, library: &BaseLibrary, visibility: Visibility) -> Result<CheckedEvaluation, Error> {
    let default = MatchConfig::default_config();
    let mut rankers = baseline_rankers();
    let table: RawTable = match upload {
        Upload::Csv => {
            check_csv_shape(body).map_err(|e| Error::Invalid(vec![e]))?;
            read_bytes(body, VisitFormat::Csv).map_err(Error::Unreadable)?
        }
        Upload::Parquet => {
            check_parquet_shape(body).map_err(Error::Unreadable)?;
            read_bytes(body, VisitFormat::Parquet).map_err(Error::Unreadable)?
        }
        Upload::Json => {
            let request: EvaluationRequest = serde_json::from_slice(body).map_err(json_upload_error)?;
            if let Some(v) = request.k {
                if !(1..=100).contains(&v) {
                    return Err(Error::Invalid(vec![FieldError::new("k", FieldCode::InvalidValue, format!("must be between 1 and 100, got {v}"))]));
                }
                options.k = v as usize;
            }
            if request.variants.len() > MAX_VARIANTS {
                return Err(Error::Invalid(vec![FieldError::new(
                    "variants",
                    FieldCode::TooMany,
                    format!("{} variants; at most {MAX_VARIANTS} are compared at once", request.variants.len()),
                )]));
            }
            let mut names: HashSet<String> = rankers.iter().map(|r| r.name.clone()).collect();
            for (i, variant) in request.variants.into_iter().enumerate() {
                if variant.name.trim().is_empty() || variant.name.chars().count() > MAX_VARIANT_NAME_CHARS {
                    return Err(Error::Invalid(vec![FieldError::new(&format!("variants[{i}].name"), FieldCode::InvalidValue, format!("must be 1 to {MAX_VARIANT_NAME_CHARS} characters"))]));
                }
                if let Err(message) = variant.weights.validate() {
                    return Err(Error::Invalid(vec![FieldError::new(&format!("variants[{i}].weights"), FieldCode::InvalidValue, message)]));
                }
                if !names.insert(variant.name.clone()) {
                    return Err(Error::Invalid(vec![FieldError::new(&format!("variants[{i}].name"), FieldCode::InvalidValue, format!("`{}` is used twice", variant.name))]));
                }
                let mut config = default;
                config.weights = variant.weights;
                rankers.push(NamedRanker { name: variant.name, ranker: Ranker::Full(Box::new(config)) });
            }
            request.visits.0
        }
    };
    check_table(library, &table, rankers, options, visibility)
}

/// The two configurations every evaluation compares: plain BM25 and the default matcher.
pub fn baseline_rankers() -> Vec<NamedRanker> {
    vec![
        NamedRanker { name: "bm25".into(), ranker: Ranker::Bm25 },
        NamedRanker { name: "default".into(), ranker: Ranker::Full(Box::new(MatchConfig::default_config())) },
    ]
}

/// Checks every cell of a table of past visits against the bases a caller who sees
/// `visibility` may see (a restricted base is an unknown id below officer).
pub fn check_table(library: &BaseLibrary, table: &RawTable, rankers: Vec<NamedRanker>, options: EvaluateOptions, visibility: Visibility) -> Result<CheckedEvaluation, Error> {
    let mut bases = Vec::new();
    library.for_each_base(|b| bases.push(b))?;
    let known: HashSet<String> = bases.iter().filter(|b| visibility.sees(!b.is_public())).map(|b| b.id.clone()).collect();
    let visits = check_visits(table, &known, library.divisions()).map_err(Error::Invalid)?;
    Ok(CheckedEvaluation { visits, bases, rankers, options, visibility })
}

/// Runs a checked evaluation, every visit under every configuration, and builds its report
/// and summary. `progress(done, total)` is called as visits finish.
pub fn run(library: &BaseLibrary, checked: &CheckedEvaluation, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<(report::Report, serde_json::Value), Error> {
    let outcomes = evaluate(library, &checked.bases, &checked.visits, &checked.rankers, &checked.options, progress)?;
    let built = report::build(&outcomes, &checked.bases).map_err(internal_report_error)?;
    let mut summary = report::summary_json(&built, checked.options.k, checked.visits.len(), report_labels(library, &checked.rankers));
    // Trips abroad are internal: a staff report adds their assessment by route and by theme.
    if checked.visibility.sees_hidden() {
        let by = |by| super::trips::assessment(library, by, None, None);
        summary["trips"] = serde_json::json!({
            "by_route": by(crate::outbound::AssessBy::Route)?,
            "by_theme": by(crate::outbound::AssessBy::Theme)?,
        });
    }
    Ok((built, summary))
}

/// The words the report shows for the codes in its tables: countries, organisation types,
/// themes and configurations, Chinese first with English alongside.
fn report_labels(library: &BaseLibrary, rankers: &[NamedRanker]) -> serde_json::Value {
    let countries: serde_json::Map<String, serde_json::Value> =
        library.relations().countries().iter().map(|c| (c.code.clone(), format!("{} {}", c.zh, c.en).into())).collect();
    let organisation_types: serde_json::Map<String, serde_json::Value> = crate::domain::OrganisationType::ALL
        .iter()
        .filter_map(|t| {
            let code = serde_json::to_value(t).ok()?.as_str()?.to_string();
            let (zh, en) = t.labels();
            Some((code, format!("{zh} {en}").into()))
        })
        .collect();
    let themes: serde_json::Map<String, serde_json::Value> = library.taxonomy().themes().iter().map(|t| (t.code.clone(), format!("{} {}", t.zh, t.en).into())).collect();
    let configs: serde_json::Map<String, serde_json::Value> = rankers
        .iter()
        .map(|r| {
            let label = match r.name.as_str() {
                "bm25" => "仅 BM25 BM25 only".to_string(),
                "default" => "完整排序（默认）full ranker (default)".to_string(),
                other => format!("方案 {other}"),
            };
            (r.name.clone(), label.into())
        })
        .collect();
    serde_json::json!({"country": countries, "organisation_type": organisation_types, "theme": themes, "config": configs})
}

/// A JSON upload that does not parse: a data error names its field (`visits[3].colour`), a
/// syntax error is malformed JSON.
fn json_upload_error(error: serde_json::Error) -> Error {
    let text = error.to_string();
    if error.is_data() {
        let (field, message) = match text.split_once(": ") {
            Some((field, message)) if field.starts_with("visits") && !field.contains(' ') => (field.to_string(), message.to_string()),
            _ => ("(body)".to_string(), text.clone()),
        };
        let code = if message.contains("at most") {
            FieldCode::TooMany
        } else if message.contains("is not a column") {
            FieldCode::UnknownColumn
        } else {
            FieldCode::InvalidValue
        };
        Error::Invalid(vec![FieldError::new(&field, code, message)])
    } else {
        Error::MalformedJson(text)
    }
}

/// Runs a checked evaluation within the request and gives its summary.
pub fn summarise(library: &BaseLibrary, checked: &CheckedEvaluation) -> Result<serde_json::Value, Error> {
    run(library, checked, &|_, _| {}).map(|(_, summary)| summary)
}

/// A report that cannot be built is our failure, not the caller's.
fn internal_report_error(message: String) -> Error {
    Error::Internal(format!("the evaluation report cannot be built: {message}"))
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
    // A suggestion that breaks a hard rule of the rule book for this visit's delegation.
    let rules = VisitRules::of(&visit.profile, library.taxonomy(), library.divisions());
    let violations = suggested.iter().filter(|id| bases.get(id.as_str()).is_none_or(|b| rules.violation(*b).is_some())).count() as u32;
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

