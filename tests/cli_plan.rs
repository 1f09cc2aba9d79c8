//! The planner from the command line: `visitmatch plan` and `visitmatch toptw`, run as the real
//! binary.

mod common;

use std::collections::HashSet;

use common::{test_data, visitmatch, TempDataDir};

fn fixture(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn plan_prints_a_day_by_day_table_and_writes_exports() {
    let data = TempDataDir::new();
    let output = visitmatch(data.path()).args(["plan", "--profile"]).arg(fixture("fixtures/profiles/prato_fashion_it.json")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("Day 1 2026-12-07 mon") && table.contains("Day 2 2026-12-08 tue"), "{table}");
    assert!(table.contains("工作午餐"));

    let out = data.path().join("plan.html");
    let output = visitmatch(data.path())
        .args(["plan", "--request"])
        .arg(fixture("fixtures/itineraries/prato_3_days.json"))
        .args(["--format", "html", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("活动内容") && html.contains("市政府会见"));
    assert!(!out.with_extension("partial").exists());
}

#[test]
fn a_bad_travel_matrix_is_reported_by_line_and_field() {
    let data = TempDataDir::new();
    let matrix = data.path().join("matrix.csv");
    std::fs::write(&matrix, "from,to,minutes\nlucheng,ouhai,20\nlucheng,,15\nouhai,lucheng,soon\n").unwrap();
    let output = visitmatch(data.path())
        .args(["plan", "--profile"])
        .arg(fixture("fixtures/profiles/prato_fashion_it.json"))
        .arg("--travel-matrix")
        .arg(&matrix)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 3, field `to`"), "{stderr}");
    assert!(stderr.contains("line 4, field `minutes`"), "{stderr}");
}

#[test]
fn a_travel_matrix_replaces_the_road_model() {
    let data = TempDataDir::new();
    let profile: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture("fixtures/profiles/prato_fashion_it.json")).unwrap()).unwrap();
    let request = data.path().join("request.json");
    let body = serde_json::json!({"profile": profile, "candidates": [{"base_id": "lucheng-003", "score": 0.9}]});
    std::fs::write(&request, body.to_string()).unwrap();
    let first_leg = |extra: &[&str]| -> u64 {
        let output = visitmatch(data.path()).args(["plan", "--format", "json", "--request"]).arg(&request).args(extra).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let events = plan["days"][0]["events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["base_id"] == "lucheng-003"), "{plan}");
        events.iter().find(|e| e["kind"] == "travel").unwrap()["minutes"].as_u64().unwrap()
    };
    let modelled = first_leg(&[]);
    assert!(modelled < 75, "the road model gives {modelled} minutes inside Lucheng");
    // The hotel in Lucheng is keyed by its division code, the base by its id.
    let matrix = data.path().join("matrix.csv");
    std::fs::write(&matrix, "from,to,minutes\nlucheng,lucheng-003,75\n").unwrap();
    assert_eq!(first_leg(&["--travel-matrix", matrix.to_str().unwrap()]), 75);
}

#[test]
fn toptw_solves_a_benchmark_instance_and_reports_feasible_routes() {
    let data = TempDataDir::new();
    let output = visitmatch(data.path())
        .arg("toptw")
        .arg(test_data("toptw/c101.txt"))
        .args(["--tours", "2", "--iterations", "300", "--seed", "1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["instance"], "c101");
    assert_eq!(result["tours"], 2);
    assert_eq!(result["feasible"], true);
    let routes = result["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2);
    let mut seen = HashSet::new();
    for id in routes.iter().flat_map(|r| r.as_array().unwrap()) {
        let id = id.as_u64().unwrap();
        assert!((1..=100).contains(&id) && seen.insert(id), "vertex {id}");
    }
    // One tour of c101 scores at most 320 (proven optimum); two tours score more than one.
    let score = result["score"].as_u64().unwrap();
    assert!(score > 320 && score <= 1810, "score {score}");

    let output = visitmatch(data.path()).arg("toptw").arg(test_data("bases_new.jsonl")).args(["--tours", "1"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("bases_new.jsonl"));
}
