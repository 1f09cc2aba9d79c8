//! A bounded load generator for `POST /v1/matches` against a server on loopback.
//!
//! Usage: `cargo run --release --example load_matches -- URL REQUESTS CONCURRENCY`
//! (for example `http://127.0.0.1:8097 2000 2`). It sends exactly REQUESTS requests, cycling
//! through the profiles in `fixtures/profiles/`, from CONCURRENCY threads, and prints one JSON
//! line with latency percentiles in milliseconds, throughput and the count of non-200 answers.
//! It refuses any host other than 127.0.0.1 or localhost.

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let requests: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let concurrency: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(2).max(1);
    assert!(
        url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"),
        "load tests only target 127.0.0.1"
    );
    let profiles_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles");
    let mut bodies = Vec::new();
    for entry in std::fs::read_dir(&profiles_dir).expect("fixtures/profiles") {
        let path = entry.expect("a profile").path();
        let profile: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        bodies.push(serde_json::json!({"profile": profile, "top": 10}).to_string());
    }
    bodies.sort();
    let endpoint = format!("{url}/v1/matches");

    // Warm up: the first match builds the in-memory base table.
    let warm = reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().expect("client");
    for body in &bodies {
        let _ = warm.post(&endpoint).header("content-type", "application/json").body(body.clone()).send();
    }

    let started = Instant::now();
    let per_thread = requests.div_ceil(concurrency);
    let handles: Vec<_> = (0..concurrency)
        .map(|t| {
            let (endpoint, bodies) = (endpoint.clone(), bodies.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
                let mut latencies = Vec::with_capacity(per_thread);
                let mut failures = 0usize;
                for i in 0..per_thread {
                    let body = &bodies[(t + i) % bodies.len()];
                    let sent = Instant::now();
                    match client.post(&endpoint).header("content-type", "application/json").body(body.clone()).send() {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes();
                        }
                        _ => failures += 1,
                    }
                    latencies.push(sent.elapsed());
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for handle in handles {
        let (l, f) = handle.join().expect("a load thread");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1).min(latencies.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "requests": latencies.len(), "concurrency": concurrency, "non_200": failures,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": pct(1.0),
            "requests_per_s": latencies.len() as f64 / elapsed.as_secs_f64(),
        })
    );
}
