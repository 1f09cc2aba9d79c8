//! `POST /v1/evaluations` on a real server: CSV and JSON bodies answered at once, a large input
//! run as a job, and bad cells named by line and column.

mod common;

use common::TestServer;
use serde_json::{json, Value};

fn fixture_csv(rows: usize) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/past_visits/visits.csv");
    std::fs::read_to_string(path).unwrap().lines().take(rows + 1).map(|l| format!("{l}\n")).collect()
}

fn post(server: &TestServer, query: &str, media: &str, body: Vec<u8>) -> (u16, Option<String>, Value) {
    server.block_on(async {
        let response = reqwest::Client::new()
            .post(server.url(&format!("/v1/evaluations{query}")))
            .header("content-type", media)
            .body(body)
            .send()
            .await
            .unwrap();
        let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), location, response.json().await.unwrap())
    })
}

fn get(server: &TestServer, path: &str) -> (u16, Value) {
    server.block_on(async {
        let response = reqwest::get(server.url(path)).await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    })
}

#[test]
fn a_small_csv_is_answered_at_once() {
    let server = TestServer::start();
    let (status, _, summary) = post(&server, "?k=10&itinerary_sample=3", "text/csv", fixture_csv(30).into_bytes());
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["visits"], 30);
    let configs: Vec<&str> = summary["configs"].as_array().unwrap().iter().map(|c| c["config"].as_str().unwrap()).collect();
    assert_eq!(configs, ["bm25", "default"]);
    assert_eq!(summary["configs"][1]["violations"], 0);
    assert_eq!(summary["configs"][1]["planned"], 3);
    assert!(summary["breakdowns"]["theme"].as_array().unwrap().len() >= 2);
}

#[test]
fn json_rows_with_a_weight_variant_and_bad_cells() {
    let server = TestServer::start();
    let text = fixture_csv(12);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<Value> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Value::Object(headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), json!(v))).collect())
        })
        .collect();
    let weights = json!({"text": 0.5, "industry": 0.1, "offers_needs": 0.1, "seeks_promotion": 0.1, "location": 0.05,
                         "size": 0.05, "language": 0.05, "relationship": 0.03, "rotation": 0.02});
    let body = json!({"visits": rows, "variants": [{"name": "text_heavy", "weights": weights}], "k": 5});
    let (status, _, summary) = post(&server, "?itinerary_sample=0", "application/json", body.to_string().into_bytes());
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["k"], 5);
    assert_eq!(summary["configs"].as_array().unwrap().len(), 3);
    assert_eq!(summary["configs"][2]["config"], "text_heavy");

    // Row 2 has an unknown base, row 3 a satisfaction of 9: both named, line numbers as in CSV.
    let mut bad = rows.clone();
    bad[1]["visited_bases"] = json!("lucheng-001;atlantis-001");
    bad[2]["satisfaction"] = json!(9);
    let (status, _, problem) = post(&server, "", "application/json", json!({"visits": bad}).to_string().into_bytes());
    assert_eq!(status, 422, "{problem}");
    let errors = problem["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["line"] == 3 && e["field"] == "visited_bases" && e["code"] == "unknown_base"), "{errors:?}");
    assert!(errors.iter().any(|e| e["line"] == 4 && e["field"] == "satisfaction"), "{errors:?}");

    let (status, _, problem) = post(&server, "", "text/plain", b"hello".to_vec());
    assert_eq!(status, 415, "{problem}");
}

#[test]
fn a_large_input_becomes_a_job_with_status_and_result() {
    let server = TestServer::start();
    let (status, location, job) = post(&server, "?k=5&itinerary_sample=2", "text/csv", fixture_csv(260).into_bytes());
    assert_eq!(status, 202, "{job}");
    let status_url = job["status_url"].as_str().unwrap().to_string();
    assert_eq!(location.as_deref(), Some(status_url.as_str()));
    assert_eq!(job["total"], 2 * 260);
    let (code, early) = get(&server, job["result_url"].as_str().unwrap());
    assert!(code == 409 || code == 200, "{early}");
    // Poll, bounded: the job must finish within two minutes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (code, status) = get(&server, &status_url);
        assert_eq!(code, 200);
        if status["state"] == "done" {
            assert_eq!(status["done"], status["total"]);
            break;
        }
        assert_eq!(status["state"], "running", "{status}");
        assert!(std::time::Instant::now() < deadline, "job did not finish: {status}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (code, summary) = get(&server, job["result_url"].as_str().unwrap());
    assert_eq!(code, 200);
    assert_eq!(summary["visits"], 260);
    let (code, problem) = get(&server, "/v1/evaluations/eval-999");
    assert_eq!((code, problem["code"].as_str()), (404, Some("job_not_found")));
}

#[test]
fn a_parquet_upload_reads_like_the_csv() {
    use polars::prelude::*;
    let server = TestServer::start();
    let csv_text = fixture_csv(20);
    let mut frame = CsvReadOptions::default().with_has_header(true).into_reader_with_file_handle(std::io::Cursor::new(csv_text.clone().into_bytes())).finish().unwrap();
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet).finish(&mut frame).unwrap();
    let (status, _, from_parquet) = post(&server, "?itinerary_sample=2", "application/vnd.apache.parquet", parquet);
    assert_eq!(status, 200, "{from_parquet}");
    let (status, _, from_csv) = post(&server, "?itinerary_sample=2", "text/csv", csv_text.into_bytes());
    assert_eq!(status, 200);
    assert_eq!(from_parquet, from_csv);
    let (status, _, problem) = post(&server, "", "application/vnd.apache.parquet", b"not parquet".to_vec());
    assert_eq!((status, problem["code"].as_str()), (400, Some("unreadable_body")), "{problem}");
}

#[test]
fn a_small_parquet_file_that_unpacks_past_the_limit_is_refused_before_decoding() {
    use polars::prelude::*;
    let server = TestServer::start();
    // 20,000 distinct 4,000-character ids: about 80 MB once unpacked, well under 16 MiB packed.
    let ids: Vec<String> = (0..20_000).map(|i| format!("{i:06}{}", "a".repeat(3_994))).collect();
    let mut frame = DataFrame::new(ids.len(), vec![Column::new("visit_id".into(), ids)]).unwrap();
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet).with_compression(ParquetCompression::Zstd(None)).finish(&mut frame).unwrap();
    assert!(parquet.len() < 16 * 1024 * 1024, "the packed file is {} bytes", parquet.len());
    let (status, _, problem) = post(&server, "", "application/vnd.apache.parquet", parquet);
    assert_eq!((status, problem["code"].as_str()), (400, Some("unreadable_body")), "{problem}");
    // Refused by the declared sizes, before any page was decoded.
    assert!(problem["detail"].as_str().unwrap().contains("unpacks to"), "{problem}");
    let (status, health) = get(&server, "/health");
    assert_eq!(status, 200, "{health}");
}
