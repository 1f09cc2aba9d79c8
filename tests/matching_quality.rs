//! Ranking quality on the judged set (`fixtures/judged/`): the full matcher must beat the
//! BM25-only baseline clearly and hold its own against BM25 behind the same hard rules. The figures themselves are reported in `benches/README.md`
//! (`visitmatch evaluate-matching`); this test guards against a regression below the baseline.

mod common;

use visitmatch::app;
use visitmatch::scoring::evaluate::{read_judged, Metrics};
use visitmatch::scoring::MatchOptions;

#[test]
fn full_ranker_beats_bm25_baseline_on_the_judged_set() {
    let data = common::TempDataDir::new();
    let library = data.open();
    let judged = read_judged(include_str!("../fixtures/judged/profiles.jsonl")).unwrap();
    let results = app::matching::evaluate_matching(&library, &judged, &MatchOptions::default()).unwrap();
    let full = Metrics::mean(&results.iter().map(|r| r.full).collect::<Vec<_>>());
    let baseline = Metrics::mean(&results.iter().map(|r| r.baseline).collect::<Vec<_>>());
    assert!(full.ndcg_10 >= baseline.ndcg_10 + 0.05, "NDCG@10 full {:.3} vs baseline {:.3}", full.ndcg_10, baseline.ndcg_10);
    assert!(full.p_5 > baseline.p_5, "P@5 full {:.3} vs baseline {:.3}", full.p_5, baseline.p_5);
    assert!(full.recall_20 > baseline.recall_20, "R@20 full {:.3} vs baseline {:.3}", full.recall_20, baseline.recall_20);
    // Behind the same hard rules, BM25 is the honest baseline: the full ranker must not fall
    // below it on any metric by more than the set's noise.
    let ruled = Metrics::mean(&results.iter().map(|r| r.baseline_rules).collect::<Vec<_>>());
    for (name, full, ruled) in [("NDCG@10", full.ndcg_10, ruled.ndcg_10), ("P@5", full.p_5, ruled.p_5), ("R@20", full.recall_20, ruled.recall_20)] {
        assert!(full >= ruled - 0.02, "{name}: full {full:.3} vs BM25 + hard rules {ruled:.3}");
    }
    // The rule filter alone never makes BM25 worse: it removes only bases graded 0.
    assert!(ruled.ndcg_10 >= baseline.ndcg_10, "BM25 + rules {:.3} vs BM25 {:.3}", ruled.ndcg_10, baseline.ndcg_10);
}
