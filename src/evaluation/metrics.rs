//! What an evaluation compares and measures: the ranking configurations, the per-visit
//! outcome, and the ranking metrics (NDCG with graded gains, Gini of exposure).

use crate::scoring::MatchConfig;

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
