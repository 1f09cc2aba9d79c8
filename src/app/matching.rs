//! Matching a delegation to the base library: the profile is checked once, then ranked by the
//! scoring engine over the current base table, with the office's rotation (how often each base
//! and county was proposed lately) taken into account. Also the offline measure of the ranking
//! against judged profiles, beside its BM25 baseline.

use crate::domain::{DelegationProfile, FieldCode, FieldError};
use crate::scoring::evaluate::{JudgedProfile, Metrics};
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
    /// Full matcher.
    pub full: Metrics,
    /// BM25-only baseline.
    pub baseline: Metrics,
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

/// Runs the full matcher and the BM25 baseline on every judged profile.
pub fn evaluate_matching(library: &BaseLibrary, judged: &[JudgedProfile], options: &MatchOptions) -> Result<Vec<JudgedResult>, Error> {
    let mut results = Vec::new();
    for case in judged {
        let full = match_profile(library, &case.profile, &MatchOptions { top: 20, ..options.clone() })?;
        let full_ids: Vec<String> = full.items.into_iter().map(|item| item.id).collect();
        let baseline_ids = bm25_baseline(library, &case.profile, 20)?;
        results.push(JudgedResult {
            id: case.id.clone(),
            lang: case.lang.clone(),
            full: Metrics::of(&full_ids, &case.judgments),
            baseline: Metrics::of(&baseline_ids, &case.judgments),
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
