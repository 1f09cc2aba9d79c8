//! Matching a delegation to the base library: the profile is checked once, then ranked by the
//! scoring engine over the current base table, with the office's rotation (how often each base
//! and county was proposed lately) taken into account. Also the offline measure of the ranking
//! against judged profiles, beside its BM25 baseline.

use crate::domain::{DelegationProfile, FieldCode, FieldError};
use serde::Serialize;

use crate::evaluation::stats::{bootstrap_mean, paired_test, Estimate, PairedTest};
use crate::scoring::evaluate::{JudgedProfile, Metrics, Split};
use crate::scoring::profile::CheckedProfile;
use crate::scoring::{MatchOptions, MatchOutcome, Matcher};
use crate::Error;

use super::library::BaseLibrary;

/// Metrics of the full matcher and the baseline on one judged profile.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JudgedResult {
    /// Profile id.
    pub id: String,
    /// Profile language.
    pub lang: String,
    /// Which half of the judged set the profile is in.
    pub split: crate::scoring::evaluate::Split,
    /// Full matcher.
    pub full: Metrics,
    /// BM25-only baseline.
    pub baseline: Metrics,
    /// BM25 behind the same hard rules as the full matcher: the part of the margin that is the
    /// ranking, not the rule filter.
    pub baseline_rules: Metrics,
}

/// The judged-set figures of one part (the development half, the held-out half or the whole
/// set): each configuration's metrics with bootstrap intervals, and the full matcher compared
/// with each baseline by a paired test.
#[derive(Debug, Clone, Serialize)]
pub struct QualitySummary {
    /// `dev`, `held_out` or `all`.
    pub part: &'static str,
    /// Profiles in the part.
    pub profiles: usize,
    /// Per configuration: `full`, `bm25_rules`, `bm25`.
    pub configurations: Vec<ConfigurationFigures>,
    /// The full matcher against each baseline.
    pub comparisons: Vec<Comparison>,
}

/// One configuration's mean metrics, each with its 95 % bootstrap interval.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigurationFigures {
    /// `full`, `bm25_rules` or `bm25`.
    pub name: &'static str,
    /// NDCG@10.
    pub ndcg_10: Estimate,
    /// P@5.
    pub p_5: Estimate,
    /// Recall@20.
    pub recall_20: Estimate,
}

/// A paired comparison of two configurations on every metric.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The configuration compared.
    pub a: &'static str,
    /// The one it is compared with.
    pub b: &'static str,
    /// NDCG@10: difference a − b and the randomisation test.
    pub ndcg_10: PairedTest,
    /// P@5.
    pub p_5: PairedTest,
    /// Recall@20.
    pub recall_20: PairedTest,
}

/// The figures of the development half, the held-out half and the whole set.
pub fn summarise(results: &[JudgedResult]) -> Vec<QualitySummary> {
    let configurations: [(&'static str, fn(&JudgedResult) -> Metrics); 3] =
        [("full", |r| r.full), ("bm25_rules", |r| r.baseline_rules), ("bm25", |r| r.baseline)];
    let metric = |part: &[&JudgedResult], of: fn(&JudgedResult) -> Metrics, pick: fn(&Metrics) -> f64| -> Vec<f64> {
        part.iter().map(|r| pick(&of(r))).collect()
    };
    let parts: [(&'static str, Option<Split>); 3] = [("dev", Some(Split::Dev)), ("held_out", Some(Split::HeldOut)), ("all", None)];
    parts
        .into_iter()
        .map(|(name, split)| {
            let part: Vec<&JudgedResult> = results.iter().filter(|r| split.is_none_or(|s| r.split == s)).collect();
            let figures = configurations
                .iter()
                .map(|(config, of)| ConfigurationFigures {
                    name: config,
                    ndcg_10: bootstrap_mean(&metric(&part, *of, |m| m.ndcg_10)),
                    p_5: bootstrap_mean(&metric(&part, *of, |m| m.p_5)),
                    recall_20: bootstrap_mean(&metric(&part, *of, |m| m.recall_20)),
                })
                .collect();
            let (full_name, full) = configurations[0];
            let comparisons = configurations[1..]
                .iter()
                .map(|(baseline_name, baseline)| Comparison {
                    a: full_name,
                    b: baseline_name,
                    ndcg_10: paired_test(&metric(&part, full, |m| m.ndcg_10), &metric(&part, *baseline, |m| m.ndcg_10)),
                    p_5: paired_test(&metric(&part, full, |m| m.p_5), &metric(&part, *baseline, |m| m.p_5)),
                    recall_20: paired_test(&metric(&part, full, |m| m.recall_20), &metric(&part, *baseline, |m| m.recall_20)),
                })
                .collect();
            QualitySummary { part: name, profiles: part.len(), configurations: figures, comparisons }
        })
        .collect()
}

/// Records that `ids` were proposed to a delegation, lowering their rotation feature.
pub fn record_exposures(library: &BaseLibrary, ids: &[String]) -> Result<(), Error> {
    library.store().record_exposures(ids)?;
    library.reload_exposure()
}

/// The BM25-only baseline of the evaluation: bases ranked by plain BM25 of the profile's
/// interests, seeks and sought industries over the analysed fields, without taxonomy
/// expansion, features or hard rules (restricted bases are still never shown).
pub fn bm25_baseline(library: &BaseLibrary, profile: &DelegationProfile, top: usize) -> Result<Vec<String>, Error> {
    let table = library.base_table()?;
    let text = crate::scoring::profile::profile_text(profile);
    let keys = library.index().scored_keys(library.index().word_query(&text, &[]), top, false)?;
    Ok(keys.into_iter().filter_map(|(key, _)| table.by_key(key).map(|(_, row)| row.id.clone())).collect())
}

/// The BM25 baseline behind the rule book the full matcher obeys: the first `top` bases of the
/// BM25 ranking that break no hard rule for the delegation.
pub fn bm25_with_rules(library: &BaseLibrary, profile: &DelegationProfile, top: usize) -> Result<Vec<String>, Error> {
    let checked = CheckedProfile::check(profile, library.taxonomy(), library.divisions(), &library.accepted_labels()).map_err(Error::Invalid)?;
    let rules = crate::scoring::rules::VisitRules::of(&checked, library.taxonomy(), library.divisions());
    let table = library.base_table()?;
    // Enough of the ranking that the rules leave `top` (every base, at worst).
    let ranked = bm25_baseline(library, profile, table.len().max(top))?;
    Ok(ranked
        .into_iter()
        .filter(|id| table.by_id(id).is_some_and(|(_, row)| rules.violation(row).is_none()))
        .take(top)
        .collect())
}

/// Runs the full matcher and both baselines on every judged profile.
pub fn evaluate_matching(library: &BaseLibrary, judged: &[JudgedProfile], options: &MatchOptions) -> Result<Vec<JudgedResult>, Error> {
    let mut results = Vec::new();
    for case in judged {
        let full = match_profile(library, &case.profile, &MatchOptions { top: 20, ..options.clone() })?;
        let full_ids: Vec<String> = full.items.into_iter().map(|item| item.id).collect();
        let baseline_ids = bm25_baseline(library, &case.profile, 20)?;
        let ruled_ids = bm25_with_rules(library, &case.profile, 20)?;
        results.push(JudgedResult {
            id: case.id.clone(),
            lang: case.lang.clone(),
            split: case.split,
            full: Metrics::of(&full_ids, &case.judgments),
            baseline: Metrics::of(&baseline_ids, &case.judgments),
            baseline_rules: Metrics::of(&ruled_ids, &case.judgments),
        });
    }
    Ok(results)
}

/// Ranks bases for a delegation. Invalid profiles are rejected with every failing field.
pub fn match_profile(library: &BaseLibrary, profile: &DelegationProfile, options: &MatchOptions) -> Result<MatchOutcome, Error> {
    let profile = CheckedProfile::check(profile, library.taxonomy(), library.divisions(), &library.accepted_labels()).map_err(Error::Invalid)?;
    run(library, &profile, options)
}

/// Ranks bases for a delegation whose profile was checked already.
pub fn run(library: &BaseLibrary, profile: &CheckedProfile<'_>, options: &MatchOptions) -> Result<MatchOutcome, Error> {
    if let Some(weights) = &options.weights {
        weights.validate().map_err(|message| Error::Invalid(vec![FieldError::new("weights", FieldCode::InvalidValue, message)]))?;
    }
    let table = library.base_table()?;
    let exposure = library.exposure();
    let matcher = Matcher {
        index: library.index(),
        table: &table,
        taxonomy: library.taxonomy(),
        divisions: library.divisions(),
        relations: library.relations(),
        config: library.match_config(),
        exposure: &exposure,
    };
    matcher.run(&profile, options)
}
