//! A bounded, mixed load on a server at 127.0.0.1: searches, reads, matches, plans, malformed
//! bodies and conditional admin writes from several threads at once. Shared by the load test
//! (`tests/load.rs`, in CI) and the load benchmark (`examples/load_mixed.rs`).

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{json, Value};

/// What one run measured.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Requests sent.
    pub requests: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Answers by status code.
    pub statuses: BTreeMap<u16, usize>,
    /// Requests that got no HTTP answer at all.
    pub transport_errors: usize,
    /// Latencies by kind of request.
    pub latencies: BTreeMap<&'static str, Vec<Duration>>,
    /// Answers whose status does not fit the request (e.g. 422 for a valid body).
    pub unexpected: Vec<String>,
}

impl LoadReport {
    /// Answers with a 5xx status other than the documented 503 back-pressure.
    pub fn server_errors(&self) -> usize {
        self.statuses.iter().filter(|(status, _)| **status >= 500 && **status != 503).map(|(_, n)| n).sum()
    }

    /// The `p`-quantile latency of all requests, in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut all: Vec<Duration> = self.latencies.values().flatten().copied().collect();
        all.sort();
        percentile(&all, p)
    }

    /// One JSON object with the figures.
    pub fn to_json(&self) -> Value {
        let kinds: BTreeMap<&str, Value> = self
            .latencies
            .iter()
            .map(|(kind, values)| {
                let mut sorted = values.clone();
                sorted.sort();
                (*kind, json!({"count": sorted.len(), "p50_ms": percentile(&sorted, 0.5), "p99_ms": percentile(&sorted, 0.99)}))
            })
            .collect();
        json!({
            "requests": self.requests,
            "seconds": self.elapsed.as_secs_f64(),
            "requests_per_s": self.requests as f64 / self.elapsed.as_secs_f64(),
            "p50_ms": self.percentile_ms(0.5), "p99_ms": self.percentile_ms(0.99), "max_ms": self.percentile_ms(1.0),
            "statuses": self.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "server_errors_5xx": self.server_errors(),
            "transport_errors": self.transport_errors,
            "unexpected": self.unexpected.len(),
            "by_kind": kinds,
        })
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1).min(sorted.len() - 1);
    sorted[index].as_secs_f64() * 1000.0
}

const TERMS: &[&str] = &["鞋", "footwear", "calzature", "valves", "电气", "Schuhe", "tea", "教育", "光电", "fintech", "服装", "海洋"];
const BASES: &[&str] = &["lucheng-001", "lucheng-002", "ouhai-003", "yueqing-001", "ruian-002", "longwan-001"];

/// Sends `requests` requests from `concurrency` threads to `url` (127.0.0.1 only). Admin
/// writes are sent when `admin_token` is given.
pub fn run(url: &str, admin_token: Option<&str>, requests: usize, concurrency: usize) -> LoadReport {
    assert!(url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"), "load tests only target 127.0.0.1");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile: Value = serde_json::from_str(&std::fs::read_to_string(root.join("fixtures/profiles/prato_fashion_it.json")).unwrap()).unwrap();
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(root.join("fixtures/itineraries/prato_3_days.json")).unwrap()).unwrap();
    plan["iterations"] = json!(500);
    let started = Instant::now();
    let per_thread = requests.div_ceil(concurrency.max(1));
    let threads: Vec<_> = (0..concurrency.max(1))
        .map(|t| {
            let (url, token, profile, plan) = (url.to_string(), admin_token.map(String::from), profile.clone(), plan.clone());
            std::thread::spawn(move || {
                let client = Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
                let mut report = LoadReport::default();
                for i in 0..per_thread {
                    let n = t * per_thread + i;
                    let (kind, request, acceptable): (&'static str, _, &[u16]) = match n % 20 {
                        0..=7 => ("search", client.get(format!("{url}/v1/bases?q={}&limit=10", encode(TERMS[n % TERMS.len()]))), &[200]),
                        8 | 9 => ("read", client.get(format!("{url}/v1/bases/{}", BASES[n % BASES.len()])), &[200]),
                        10 => ("filter", client.get(format!("{url}/v1/bases?division=lucheng&kind=enterprise&group_size=10")), &[200]),
                        11..=14 => ("match", client.post(format!("{url}/v1/matches")).json(&json!({"profile": profile, "top": 10})), &[200]),
                        15 => ("plan", client.post(format!("{url}/v1/itineraries")).json(&plan), &[200, 503]),
                        16 => ("malformed", client.post(format!("{url}/v1/matches")).header("content-type", "application/json").body("{\"profile\": "), &[400]),
                        17 => ("invalid", client.get(format!("{url}/v1/bases?limit=5000")), &[400]),
                        _ => match &token {
                            Some(token) => ("write", patch_request(&client, &url, token, BASES[n % BASES.len()], n), &[200, 412]),
                            None => ("read", client.get(format!("{url}/v1/bases/{}", BASES[n % BASES.len()])), &[200]),
                        },
                    };
                    let sent = Instant::now();
                    match request.send() {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes();
                            *report.statuses.entry(status).or_default() += 1;
                            if !acceptable.contains(&status) {
                                report.unexpected.push(format!("{kind} #{n}: {status}"));
                            }
                        }
                        Err(_) => report.transport_errors += 1,
                    }
                    report.latencies.entry(kind).or_default().push(sent.elapsed());
                    report.requests += 1;
                }
                report
            })
        })
        .collect();
    let mut total = LoadReport::default();
    for thread in threads {
        let part = thread.join().expect("a load thread");
        total.requests += part.requests;
        total.transport_errors += part.transport_errors;
        total.unexpected.extend(part.unexpected);
        for (status, n) in part.statuses {
            *total.statuses.entry(status).or_default() += n;
        }
        for (kind, values) in part.latencies {
            total.latencies.entry(kind).or_default().extend(values);
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// A conditional change of a base's group size (read for the ETag, then PATCH): 412 when
/// another thread changed it in between, which is the point of If-Match.
fn patch_request(client: &Client, url: &str, token: &str, id: &str, n: usize) -> reqwest::blocking::RequestBuilder {
    let etag = client
        .get(format!("{url}/v1/bases/{id}"))
        .send()
        .ok()
        .and_then(|r| r.headers().get("etag").and_then(|v| v.to_str().ok()).map(String::from))
        .unwrap_or_default();
    client
        .patch(format!("{url}/v1/bases/{id}"))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&json!({"max_group_size": 20 + (n % 30)}))
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
