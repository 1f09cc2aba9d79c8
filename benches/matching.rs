//! Match latency in process (no HTTP), at several catalog sizes.
//!
//! `cargo bench --bench matching` measures 1k and 10k bases; set
//! `VISITMATCH_BENCH_SIZES=1000,10000,100000` for 100k. Catalogs are scaled from the fixtures
//! with a fixed seed and cached under the build directory (`bench-data/lib-N`), so only the first
//! run pays for importing and indexing them.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use visitmatch::app;
use visitmatch::catalog::{parse_records, scale::scale_bases, to_record, RecordFormat, WriteMode};
use visitmatch::domain::{DelegationProfile, DivisionRegistry, Taxonomy};
use visitmatch::app::BaseLibrary;
use visitmatch::catalog::EMBEDDED_BASES;
use visitmatch::scoring::MatchOptions;

fn data_dir(size: usize) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_string());
    PathBuf::from(target).join("bench-data").join(format!("lib-{size}"))
}

fn library(size: usize) -> BaseLibrary {
    let dir = data_dir(size);
    let marker = dir.join(".imported");
    let (library, _) = BaseLibrary::open(&dir, &|_, _| {}).expect("bench library opens");
    if !marker.exists() {
        let fixtures = parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &Taxonomy::embedded(), &DivisionRegistry::embedded()).expect("fixtures");
        let lines: Vec<String> =
            scale_bases(&fixtures, size, 1).iter().map(|b| serde_json::to_string(&to_record(b)).expect("JSON")).collect();
        let text = lines.join("\n");
        let file = app::import::ImportFile { bytes: text.as_bytes(), format: RecordFormat::Jsonl, encoding: None, sheet: None };
        let options = app::import::ImportOptions { mode: WriteMode::Replace, ..app::import::ImportOptions::upsert() };
        app::import::run(&library, &file, &options, &visitmatch::access::Actor::command_line()).expect("import");
        std::fs::write(&marker, b"").expect("marker");
    }
    library
}

fn profiles() -> Vec<(String, DelegationProfile)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
    let mut profiles: Vec<(String, DelegationProfile)> = std::fs::read_dir(dir)
        .expect("fixtures/profiles")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_stem().unwrap_or_default().to_string_lossy().to_string();
            (name, serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("a profile"))
        })
        .collect();
    profiles.sort_by(|a, b| a.0.cmp(&b.0));
    profiles
}

fn bench_matching(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("VISITMATCH_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let profiles = profiles();
    for size in sizes {
        let library = library(size);
        library.base_table().expect("table");
        let mut group = c.benchmark_group(format!("match/{size}"));
        group.sample_size(50);
        for (name, profile) in &profiles {
            group.bench_function(name.as_str(), |b| {
                b.iter(|| black_box(app::matching::match_profile(&library, black_box(profile), &MatchOptions::default()).expect("match")))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_matching);
criterion_main!(benches);
