//! Measuring ranking quality on a judged set: NDCG@10, P@5 and recall@20 of the full matcher
//! against two baselines, plain BM25 and BM25 behind the same hard rules.
//!
//! The judged set (`fixtures/judged/profiles.jsonl`) pairs delegation profiles with graded
//! relevance (0-3) for the fixture bases, graded by the rubric in `fixtures/judged/RUBRIC.md`,
//! and puts each profile in the development half or the held-out half.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::DelegationProfile;

/// One judged profile.
#[derive(Debug, Clone, Deserialize)]
pub struct JudgedProfile {
    /// Identifier.
    pub id: String,
    /// Language of the profile's text.
    pub lang: String,
    /// The profile.
    pub profile: DelegationProfile,
    /// Grade (1-3) per base id; unlisted bases are grade 0.
    pub judgments: HashMap<String, u8>,
    /// Which half of the set the profile is in.
    pub split: Split,
}

/// The two halves of the judged set: tuning looks at the development half only; the held-out
/// half tells whether what was tuned holds on delegations nobody tuned for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The development half.
    Dev,
    /// The held-out half.
    HeldOut,
}

/// Grade at or above which a base counts as relevant for precision and recall.
pub const RELEVANT_GRADE: u8 = 2;

/// Discounted cumulative gain of the first `k` ids, gain `2^grade - 1`.
fn dcg(ranking: &[String], judgments: &HashMap<String, u8>, k: usize) -> f64 {
    ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| {
            let grade = judgments.get(id).copied().unwrap_or(0);
            (2f64.powi(i32::from(grade)) - 1.0) / ((i + 2) as f64).log2()
        })
        .sum()
}

/// NDCG@k: DCG of the ranking over DCG of the ideal ranking of every judged base.
pub fn ndcg_at(ranking: &[String], judgments: &HashMap<String, u8>, k: usize) -> f64 {
    let mut ideal: Vec<(String, u8)> = judgments.iter().map(|(id, g)| (id.clone(), *g)).collect();
    ideal.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let ideal_ids: Vec<String> = ideal.into_iter().map(|(id, _)| id).collect();
    let best = dcg(&ideal_ids, judgments, k);
    if best == 0.0 { 0.0 } else { dcg(ranking, judgments, k) / best }
}

/// Share of the first `k` positions holding a relevant base (a short list counts its gaps).
pub fn precision_at(ranking: &[String], judgments: &HashMap<String, u8>, k: usize) -> f64 {
    let hits = ranking.iter().take(k).filter(|id| judgments.get(*id).copied().unwrap_or(0) >= RELEVANT_GRADE).count();
    hits as f64 / k as f64
}

/// Share of all relevant bases found in the first `k` positions.
pub fn recall_at(ranking: &[String], judgments: &HashMap<String, u8>, k: usize) -> f64 {
    let relevant = judgments.values().filter(|g| **g >= RELEVANT_GRADE).count();
    if relevant == 0 {
        return 0.0;
    }
    let hits = ranking.iter().take(k).filter(|id| judgments.get(*id).copied().unwrap_or(0) >= RELEVANT_GRADE).count();
    hits as f64 / relevant as f64
}

/// Metrics of one ranker on one profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// NDCG@10.
    pub ndcg_10: f64,
    /// Precision@5.
    pub p_5: f64,
    /// Recall@20.
    pub recall_20: f64,
}

impl Metrics {
    /// The three metrics of a ranking.
    pub fn of(ranking: &[String], judgments: &HashMap<String, u8>) -> Metrics {
        Metrics { ndcg_10: ndcg_at(ranking, judgments, 10), p_5: precision_at(ranking, judgments, 5), recall_20: recall_at(ranking, judgments, 20) }
    }

    /// The mean of several.
    pub fn mean(all: &[Metrics]) -> Metrics {
        let n = all.len().max(1) as f64;
        Metrics {
            ndcg_10: all.iter().map(|m| m.ndcg_10).sum::<f64>() / n,
            p_5: all.iter().map(|m| m.p_5).sum::<f64>() / n,
            recall_20: all.iter().map(|m| m.recall_20).sum::<f64>() / n,
        }
    }
}

/// Reads a judged set (JSON Lines), reporting the line of a bad record.
pub fn read_judged(text: &str) -> Result<Vec<JudgedProfile>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgments() -> HashMap<String, u8> {
        [("a", 3), ("b", 2), ("c", 1)].into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ideal_ranking_has_ndcg_one_and_reversed_less() {
        let j = judgments();
        assert!((ndcg_at(&ids(&["a", "b", "c"]), &j, 10) - 1.0).abs() < 1e-12);
        let reversed = ndcg_at(&ids(&["c", "b", "a"]), &j, 10);
        assert!(reversed < 1.0 && reversed > 0.0);
        assert_eq!(ndcg_at(&ids(&["x", "y"]), &j, 10), 0.0);
    }

    #[test]
    fn precision_and_recall_count_grade_two_and_up() {
        let j = judgments();
        assert_eq!(precision_at(&ids(&["a", "c", "x", "b", "y"]), &j, 5), 0.4);
        assert_eq!(recall_at(&ids(&["a", "c"]), &j, 20), 0.5);
        assert_eq!(precision_at(&ids(&["a"]), &j, 5), 0.2, "a short list counts its gaps");
    }

    #[test]
    fn the_committed_judged_set_reads_and_is_large_enough() {
        let judged = read_judged(include_str!("../../fixtures/judged/profiles.jsonl")).unwrap();
        assert!(judged.len() >= 30);
        let languages: std::collections::HashSet<&str> = judged.iter().map(|j| j.lang.as_str()).collect();
        assert!(languages.len() >= 6, "{languages:?}");
        assert!(judged.iter().all(|j| j.judgments.values().any(|g| *g >= RELEVANT_GRADE)), "every profile has a relevant base");
        let held_out = judged.iter().filter(|j| j.split == Split::HeldOut).count();
        assert_eq!(held_out * 2, judged.len(), "the halves are equal");
    }
}
