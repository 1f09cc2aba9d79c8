//! How sure a measured figure is, as IR evaluation tools report it: a percentile bootstrap
//! confidence interval for a mean over topics (profiles or visits), and a paired randomisation
//! test between two configurations measured on the same topics.
//!
//! Both are seeded, so a report is reproducible to the digit.

use serde::Serialize;

use crate::rng::SplitMix64;

/// Resamples drawn for a bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// Up to this many topics the randomisation test enumerates every sign pattern exactly.
const EXACT_TEST_TOPICS: usize = 20;

/// Sign patterns drawn when there are too many topics to enumerate.
const SAMPLED_SIGN_PATTERNS: usize = 50_000;

const SEED: u64 = 0x5eed_2026;

/// A mean with its 95 % percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The mean over topics.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
    /// Number of topics.
    pub n: usize,
}

/// The mean of `values` with its 95 % percentile bootstrap interval (topics resampled with
/// replacement, [`BOOTSTRAP_RESAMPLES`] times).
pub fn bootstrap_mean(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate { mean: 0.0, low: 0.0, high: 0.0, n };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let mut rng = SplitMix64::new(SEED);
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES).map(|_| (0..n).map(|_| values[rng.below(n)]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (means.len() - 1) as f64).round() as usize).min(means.len() - 1)];
    Estimate { mean, low: at(0.025), high: at(0.975), n }
}

/// A paired comparison of two configurations on the same topics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedTest {
    /// Mean of `a - b` with its bootstrap interval.
    pub difference: Estimate,
    /// Two-sided p-value of the randomisation (sign-flip) test: the chance of a mean
    /// difference at least this large if the two were interchangeable on every topic.
    pub p_value: f64,
    /// Whether every sign pattern was enumerated (otherwise [`SAMPLED_SIGN_PATTERNS`] drawn).
    pub exact: bool,
}

/// Compares `a` with `b`, topic by topic (the same topics in the same order).
pub fn paired_test(a: &[f64], b: &[f64]) -> PairedTest {
    assert_eq!(a.len(), b.len(), "paired values");
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = differences.len();
    let observed = differences.iter().sum::<f64>().abs();
    // A tolerance so that patterns equal to the observed one up to rounding count as extreme.
    let extreme = |sum: f64| sum.abs() >= observed - 1e-12;
    let (hits, total, exact) = if n <= EXACT_TEST_TOPICS {
        let patterns = 1u64 << n;
        let hits = (0..patterns)
            .filter(|pattern| extreme(differences.iter().enumerate().map(|(i, d)| if pattern >> i & 1 == 1 { -d } else { *d }).sum()))
            .count();
        (hits, patterns as usize, true)
    } else {
        let mut rng = SplitMix64::new(SEED);
        let hits = (0..SAMPLED_SIGN_PATTERNS)
            .filter(|_| extreme(differences.iter().map(|d| if rng.next_u64() & 1 == 1 { -d } else { *d }).sum()))
            .count();
        // The observed pattern counts as one of the draws (a p-value is never zero).
        (hits + 1, SAMPLED_SIGN_PATTERNS + 1, false)
    };
    PairedTest { difference: bootstrap_mean(&differences), p_value: hits as f64 / total as f64, exact }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_holds_the_mean_and_shrinks_with_agreement() {
        let spread = bootstrap_mean(&[0.1, 0.9, 0.2, 0.8, 0.5, 0.4, 0.6, 0.3]);
        assert!((spread.mean - 0.475).abs() < 1e-12);
        assert!(spread.low < spread.mean && spread.mean < spread.high);
        let tight = bootstrap_mean(&[0.5; 8]);
        assert_eq!((tight.low, tight.high), (0.5, 0.5));
    }

    #[test]
    fn the_sign_flip_test_agrees_with_a_hand_count() {
        // Three topics, all favouring a by 1: of the 8 sign patterns only the two with all
        // signs equal reach |sum| = 3, so p = 2/8.
        let test = paired_test(&[1.0, 1.0, 1.0], &[0.0, 0.0, 0.0]);
        assert!(test.exact);
        assert!((test.p_value - 0.25).abs() < 1e-12, "{}", test.p_value);
        // No difference at all: every pattern is as extreme.
        assert_eq!(paired_test(&[0.3, 0.4], &[0.3, 0.4]).p_value, 1.0);
        // Thirty topics all favouring a: sampled, and tiny.
        let many = paired_test(&[1.0; 30], &[0.0; 30]);
        assert!(!many.exact && many.p_value < 0.001, "{}", many.p_value);
    }
}
