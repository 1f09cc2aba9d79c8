//! A bounded load test in CI: 1 200 mixed requests (searches, reads, matches, plans, malformed
//! bodies, conditional admin writes) from 8 threads against the real server on 127.0.0.1.
//! Nothing may fail on our side: no 5xx other than the documented 503 back-pressure, no
//! connection errors, and every answer must be the one its request calls for. Speed is
//! measured by `examples/load_mixed.rs` (figures in benches/README.md), not asserted here.

mod common;

#[path = "common/load.rs"]
mod load;

use common::TestServer;
use visitmatch::app;
use visitmatch::access::{Actor, Role};

#[test]
fn mixed_load_gets_no_server_errors() {
    let mut token = None;
    let server = TestServer::start_with(|state| {
        token = Some(app::access::create_token(&state.library, "load", Role::Admin, None, &Actor::command_line()).unwrap().secret);
        state
    });
    let report = load::run(&server.base_url, token.as_deref(), 1200, 8);
    eprintln!("{}", report.to_json());
    assert_eq!(report.requests, 1200);
    assert_eq!(report.transport_errors, 0, "{}", report.to_json());
    assert_eq!(report.server_errors(), 0, "{}", report.to_json());
    assert!(report.unexpected.is_empty(), "{:?}", &report.unexpected[..report.unexpected.len().min(10)]);
    assert!(report.statuses.get(&200).copied().unwrap_or(0) > 900, "{}", report.to_json());
}
