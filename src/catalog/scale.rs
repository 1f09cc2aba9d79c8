//! Scaling the fixtures to large synthetic catalogs for benchmarks (`visitmatch generate`).
//!
//! Copies of the fixture bases get new ids, nearby coordinates, shuffled needs and promotion
//! points and a different size, so a 100k-base catalog keeps the fixtures' mix of industries,
//! divisions, kinds, hours and group limits without being 300 identical blocks.

use crate::domain::geo::{WENZHOU_LAT, WENZHOU_LON};
use crate::domain::ExchangeBase;
use crate::rng::SplitMix64;

/// `count` bases built from `fixtures` (the originals first, then variations).
pub fn scale_bases(fixtures: &[ExchangeBase], count: usize, seed: u64) -> Vec<ExchangeBase> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut base = fixtures[i % fixtures.len()].clone();
        let copy = i / fixtures.len();
        if copy > 0 {
            base.id = format!("{}-s{copy}", base.id);
            base.name_zh = format!("{}（{copy}号基地）", base.name_zh);
            base.location.lat = (base.location.lat + (rng.unit() - 0.5) * 0.04).clamp(WENZHOU_LAT.0, WENZHOU_LAT.1);
            base.location.lon = (base.location.lon + (rng.unit() - 0.5) * 0.04).clamp(WENZHOU_LON.0, WENZHOU_LON.1);
            let needs_len = base.needs.len().max(1);
            base.needs.rotate_left(rng.next_u64() as usize % needs_len);
            let promo_len = base.promotion_points.len().max(1);
            base.promotion_points.rotate_left(rng.next_u64() as usize % promo_len);
            if let Some(employees) = base.size.employees {
                base.size.employees = Some(((employees as f64) * (0.5 + rng.unit())).round() as u32);
            }
        }
        out.push(base);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{parse_records, to_record, validate_record, RecordFormat};
    use crate::domain::{DivisionRegistry, Taxonomy};

    #[test]
    fn scaled_bases_are_valid_unique_and_deterministic() {
        let (taxonomy, divisions) = (Taxonomy::embedded(), DivisionRegistry::embedded());
        let fixtures = parse_records(crate::catalog::EMBEDDED_BASES, RecordFormat::Jsonl, &taxonomy, &divisions).unwrap();
        let scaled = scale_bases(&fixtures, 1000, 7);
        assert_eq!(scaled.len(), 1000);
        let ids: std::collections::HashSet<&str> = scaled.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids.len(), 1000);
        for base in &scaled {
            validate_record(&to_record(base), &taxonomy, &divisions).unwrap();
        }
        assert_eq!(scale_bases(&fixtures, 1000, 7), scaled);
    }
}
