//! Itinerary planning latency in process: the whole `POST /v1/itineraries` work (matching the
//! profile, building the problem, the search with its default iteration count, the schedule
//! and the reasons) on the embedded library.
//!
//! `cargo bench --bench planning`. The library is opened once under the build directory
//! (`bench-data/plan-lib`).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use visitmatch::access::Visibility;
use visitmatch::app::planning::plan;
use visitmatch::app::BaseLibrary;
use visitmatch::cancel::CancelFlag;
use visitmatch::itinerary::{ItineraryRequest, TravelTimes};

fn request(name: &str) -> ItineraryRequest {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/itineraries").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("an itinerary request")
}

fn bench_planning(c: &mut Criterion) {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_string());
    let dir = PathBuf::from(target).join("bench-data").join("plan-lib");
    let (library, _) = BaseLibrary::open(&dir, &|_, _| {}).expect("library opens");
    let travel = TravelTimes::road_model();
    let three_days = request("prato_3_days.json");
    let never_cancelled = CancelFlag::new();
    let mut group = c.benchmark_group("plan");
    group.sample_size(20);
    group.bench_function("prato_3_days", |b| b.iter(|| black_box(plan(&library, &travel, &three_days, Visibility::Public, &never_cancelled).expect("plans"))));
    group.finish();
}

criterion_group!(benches, bench_planning);
criterion_main!(benches);
