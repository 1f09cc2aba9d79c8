//! The load benchmark: a bounded, mixed load against a running server on 127.0.0.1.
//!
//! Usage: `cargo run --release --example load_mixed -- URL REQUESTS CONCURRENCY [ADMIN_TOKEN]`
//! (for example `http://127.0.0.1:8097 5000 8 vm_…`). Prints one JSON object: requests/s,
//! latency percentiles overall and per kind, status counts, 5xx count. Exits non-zero when any
//! request failed on the server's side. `benches/load_mixed.sh` starts a server and runs it.

#[path = "../tests/common/load.rs"]
mod load;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let requests: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let concurrency: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(8);
    let report = load::run(&url, args.get(4).map(String::as_str), requests, concurrency);
    println!("{}", serde_json::to_string_pretty(&report.to_json()).expect("JSON"));
    if report.server_errors() > 0 || report.transport_errors > 0 || !report.unexpected.is_empty() {
        eprintln!("failures: {:?}", &report.unexpected[..report.unexpected.len().min(20)]);
        std::process::exit(1);
    }
}
