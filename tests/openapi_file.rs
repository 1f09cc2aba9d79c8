//! `openapi/openapi.json` must be exactly what the code generates.

#[test]
fn committed_openapi_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = visitmatch::api::openapi_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with `cargo run -- openapi --out openapi/openapi.json`"
    );
}

#[test]
fn every_error_response_is_documented_as_problem_json() {
    let spec: serde_json::Value = serde_json::from_str(&visitmatch::api::openapi_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(response["content"]["application/problem+json"].is_object(), "{method} {path} {status}");
                }
            }
        }
    }
}
