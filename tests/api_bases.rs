//! The HTTP API against a real server on a loopback port.
//!
//! Properties covered:
//! 1. `/health` reports the seeded catalog and a fresh index.
//! 2. Shoe bases come first for `鞋`, `footwear`, `calzature` and `Schuhe`.
//! 3. Filters (division with zones, kind, industry, language, group size, employees) narrow results.
//! 4. Restricted bases never appear in public listings or by id; contacts are not public.
//! 5. Every error is `application/problem+json` with a stable code and the field at fault.
//! 6. `/docs` serves Swagger UI and `/openapi.json` the generated document.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn get(server: &TestServer, path: &str) -> (StatusCode, String, Value) {
    server.block_on(async {
        let response = reqwest::get(server.url(path)).await.expect("the server answers");
        let status = response.status();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
        let text = response.text().await.expect("a body");
        (status, content_type, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    })
}

fn post(server: &TestServer, path: &str, content_type: &str, body: &str) -> (StatusCode, String, Value) {
    server.block_on(async {
        let response = reqwest::Client::new()
            .post(server.url(path))
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
        let text = response.text().await.expect("a body");
        (status, content_type, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    })
}

fn item_industries(page: &Value) -> Vec<Vec<String>> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["base"]["industries"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .collect()
}

fn assert_problem(response: &(StatusCode, String, Value), status: u16, code: &str, field: Option<&str>) {
    let (actual_status, content_type, body) = response;
    assert_eq!(actual_status.as_u16(), status, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().ends_with(code));
    assert!(!body["title"].as_str().unwrap().is_empty());
    if let Some(field) = field {
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{field} not in {body}");
    }
}

#[test]
fn health_reports_seeded_catalog_and_fresh_index() {
    let server = TestServer::start();
    let (status, _, body) = get(&server, "/health");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["index"], "fresh");
    assert!(body["bases"].as_u64().unwrap() >= 300);
    assert_eq!(body["bases"], body["indexed"]);
}

#[test]
fn shoe_bases_come_first_in_chinese_english_italian_and_german() {
    let server = TestServer::start();
    for q in ["%E9%9E%8B" /* 鞋 */, "footwear", "calzature", "Schuhe"] {
        let (status, _, page) = get(&server, &format!("/v1/bases?q={q}&limit=10"));
        assert_eq!(status, StatusCode::OK, "{page}");
        let industries = item_industries(&page);
        assert_eq!(industries.len(), 10, "{q}: fewer than 10 hits");
        for (rank, codes) in industries.iter().enumerate() {
            assert!(codes.contains(&"footwear".to_string()), "{q}: hit {rank} is {codes:?}");
        }
        assert_eq!(page["query_industries"][0]["code"], "footwear", "{q}");
        let scores: Vec<f64> = page["items"].as_array().unwrap().iter().map(|i| i["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{q}: scores not descending {scores:?}");
    }
}

#[test]
fn filters_narrow_the_listing() {
    let server = TestServer::start();
    let (_, _, longwan) = get(&server, "/v1/bases?division=longwan&limit=100");
    let divisions: Vec<&str> = longwan["items"].as_array().unwrap().iter().map(|i| i["base"]["location"]["division"].as_str().unwrap()).collect();
    assert!(divisions.contains(&"longwan"));
    assert!(divisions.contains(&"wz_etdz"), "a county-level filter includes its functional zones");
    assert!(divisions.iter().all(|d| ["longwan", "wz_bay", "wz_etdz", "wz_hitech", "oujiangkou"].contains(d)), "{divisions:?}");

    let (_, _, universities) = get(&server, "/v1/bases?kind=university&language=en");
    assert!(universities["total"].as_u64().unwrap() >= 3);
    for item in universities["items"].as_array().unwrap() {
        assert_eq!(item["base"]["kind"], "university");
        assert!(item["base"]["guide_languages"].as_array().unwrap().contains(&json!("en")));
    }

    // Labels filter as their codes do: the office writes 高校 and 英语, not university and en.
    let (_, _, by_label) = get(&server, "/v1/bases?kind=%E9%AB%98%E6%A0%A1&language=%E8%8B%B1%E8%AF%AD");
    assert_eq!(by_label["total"], universities["total"], "{by_label}");
    let (_, _, shoes_in_lucheng) = get(&server, "/v1/bases?industry=%E9%9E%8B%E4%B8%9A&division=%E9%B9%BF%E5%9F%8E%E5%8C%BA&limit=100");
    let (_, _, by_code) = get(&server, "/v1/bases?industry=footwear&division=lucheng&limit=100");
    assert!(by_code["total"].as_u64().unwrap() > 0);
    assert_eq!(shoes_in_lucheng["items"], by_code["items"]);

    let (_, _, big_groups) = get(&server, "/v1/bases?industry=manufacturing&group_size=60&employees_min=1000&limit=100");
    assert!(big_groups["total"].as_u64().unwrap() > 0);
    for item in big_groups["items"].as_array().unwrap() {
        assert!(item["base"]["max_group_size"].as_u64().unwrap() >= 60);
        assert!(item["base"]["size"]["employees"].as_u64().unwrap() >= 1000);
    }

    let (_, _, all) = get(&server, "/v1/bases?limit=100");
    let (_, _, page2) = get(&server, "/v1/bases?limit=100&offset=100");
    assert_eq!(all["total"], page2["total"]);
    let last_first_page = all["items"][99]["base"]["id"].as_str().unwrap().to_string();
    let first_second_page = page2["items"][0]["base"]["id"].as_str().unwrap().to_string();
    assert!(last_first_page < first_second_page, "listing without text is ordered by id across pages");
}

#[test]
fn restricted_bases_and_contacts_never_appear_publicly() {
    let server = TestServer::start();
    let restricted: Vec<String> = server
        .data
        .open()
        .search(&visitmatch::search::BaseQuery { include_hidden: true, limit: 1000, ..Default::default() })
        .unwrap()
        .hits
        .into_iter()
        .filter(|hit| hit.base.restricted)
        .map(|hit| hit.base.id)
        .collect();
    assert!(restricted.len() >= 3, "fixtures carry a few restricted bases");
    let (_, _, all) = get(&server, "/v1/bases?limit=100&offset=0");
    let total = all["total"].as_u64().unwrap();
    let mut seen = Vec::new();
    for offset in (0..total).step_by(100) {
        let (_, _, page) = get(&server, &format!("/v1/bases?limit=100&offset={offset}"));
        for item in page["items"].as_array().unwrap() {
            seen.push(item["base"]["id"].as_str().unwrap().to_string());
            assert!(item["base"].get("contact").is_none_or(|c| c == &json!({})), "contact leaked: {item}");
        }
    }
    assert_eq!(seen.len() as u64, total);
    for id in &restricted {
        assert!(!seen.contains(id), "{id} listed publicly");
        assert_problem(&get(&server, &format!("/v1/bases/{id}")), 404, "base_not_found", None);
    }
    let (_, _, searched) = get(&server, "/v1/bases?q=%E6%B6%89%E5%AF%86"); // 涉密
    for item in searched["items"].as_array().unwrap() {
        assert_eq!(item["base"]["restricted"], false);
    }
}

#[test]
fn reads_one_base_by_id() {
    let server = TestServer::start();
    let (status, _, base) = get(&server, "/v1/bases/lucheng-001");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(base["id"], "lucheng-001");
    assert!(base["opening_hours"]["mon"].is_array());
    assert_problem(&get(&server, "/v1/bases/no-such-base"), 404, "base_not_found", None);
    assert_problem(&get(&server, "/v1/bases/Bad%20Id!"), 400, "invalid_path_parameter", Some("id"));
}

#[test]
fn bad_query_parameters_get_problem_details_naming_each_field() {
    let server = TestServer::start();
    let response = get(&server, "/v1/bases?limit=500&kind=factory&division=atlantis&colour=red&employees_min=x");
    assert_problem(&response, 400, "invalid_query_parameter", Some("colour"));
    let fields: Vec<&str> = response.2["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"employees_min"), "{fields:?}");
    // Parse failures are reported before value checks, so a second request shows those.
    let response = get(&server, "/v1/bases?limit=500&kind=factory&division=atlantis&industry=warp-drives&language=xx&offset=99999");
    for field in ["limit", "kind", "division", "industry", "language", "offset"] {
        assert_problem(&response, 400, "invalid_query_parameter", Some(field));
    }
}

#[test]
fn search_by_json_body_validates_the_body() {
    let server = TestServer::start();
    let (status, _, page) = post(&server, "/v1/bases/search", "application/json", r#"{"q": "valves", "division": ["yongjia"], "limit": 5}"#);
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(item_industries(&page).iter().all(|codes| codes.contains(&"pumps_valves".to_string())));

    assert_problem(&post(&server, "/v1/bases/search", "application/json", r#"{"q": "valves",,}"#), 400, "malformed_json", None);
    assert_problem(&post(&server, "/v1/bases/search", "application/json", r#"{"limit": "ten"}"#), 422, "invalid_request", Some("limit"));
    assert_problem(&post(&server, "/v1/bases/search", "application/json", r#"{"colour": "red"}"#), 422, "invalid_request", None);
    assert_problem(&post(&server, "/v1/bases/search", "application/json", r#"{"limit": 0}"#), 422, "invalid_request", Some("limit"));
    assert_problem(&post(&server, "/v1/bases/search", "text/plain", r#"{}"#), 415, "unsupported_media_type", None);
}

#[test]
fn unknown_routes_and_methods_are_problems_too() {
    let server = TestServer::start();
    assert_problem(&get(&server, "/v1/nothing-here"), 404, "route_not_found", None);
    assert_problem(&post(&server, "/v1/bases/lucheng-001", "application/json", "{}"), 405, "method_not_allowed", None);
}

#[test]
fn docs_and_openapi_are_served() {
    let server = TestServer::start();
    let (status, content_type, page) = get(&server, "/docs/");
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(page.as_str().unwrap().contains("swagger-ui"));
    let (status, _, spec) = get(&server, "/openapi.json");
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/v1/bases"]["get"].is_object());
    let (_, _, divisions) = get(&server, "/v1/divisions");
    assert_eq!(divisions["divisions"].as_array().unwrap().iter().filter(|d| d["kind"] != "functional_zone").count(), 12);
    let (_, _, industries) = get(&server, "/v1/industries");
    assert!(industries["industries"].as_array().unwrap().iter().any(|i| i["code"] == "footwear"));
}
