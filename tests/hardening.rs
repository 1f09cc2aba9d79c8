//! What a stranger can and cannot do to the real server on 127.0.0.1.
//!
//! 1. Below officer, a restricted base and a base that does not exist get the same answer,
//!    apart from the id itself, on every route that takes a base id, and no count gives the
//!    restricted ones away.
//! 2. Inputs over a limit are refused at once, before any work, and the server stays healthy;
//!    work whose request is abandoned stops and gives its permits back.
//! 3. Evaluation jobs are owned: random ids, 404 for another caller, cancellable.
//! 4. Bodies are strict, and every error — even those the HTTP parser answers itself — is
//!    problem+json. An anonymous upload is refused before its body is read.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::TestServer;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use visitmatch::app;
use visitmatch::access::{Actor, Role};

/// A restricted base of the embedded fixtures, and an id of the same shape that does not exist.
const RESTRICTED: &str = "yueqing-020";
const MISSING: &str = "yueqing-920";

struct Tokens {
    viewer: String,
    viewer2: String,
    officer: String,
    admin: String,
}

fn server_with_tokens(adjust: impl FnOnce(visitmatch::api::AppState) -> visitmatch::api::AppState) -> (TestServer, Tokens) {
    let mut tokens = None;
    let server = TestServer::start_with(|state| {
        let make = |name: &str, role| app::access::create_token(&state.library, name, role, None, &Actor::command_line()).expect("a token").secret;
        tokens = Some(Tokens {
            viewer: make("viewer-a", Role::Viewer),
            // A second viewer token under the same name: ownership follows the token, not its name.
            viewer2: make("viewer-a", Role::Viewer),
            officer: make("officer-c", Role::Officer),
            admin: make("admin-d", Role::Admin),
        });
        adjust(state)
    });
    (server, tokens.expect("tokens were made"))
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

fn send(request: RequestBuilder, token: Option<&str>) -> (u16, String, Value) {
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response: Response = request.send().unwrap();
    let status = response.status().as_u16();
    let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let text = response.text().unwrap();
    (status, media, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn post_json(server: &TestServer, path: &str, body: &Value, token: Option<&str>) -> (u16, String, Value) {
    send(client().post(server.url(path)).json(body), token)
}

fn profile(must_visit: &[&str], avoid: &[&str]) -> Value {
    json!({
        "country": "DE", "city": "Giessen", "organisation_type": "business_association", "size": 10,
        "visit": {"dates": ["2026-12-08", "2026-12-09"]}, "days": 2, "hotel": {"division": "lucheng"},
        "interests": "electrical equipment, low-voltage switchgear and smart grids",
        "industries_sought": ["electrical"], "must_visit": must_visit, "avoid": avoid, "languages": ["de", "en"]
    })
}

/// An answer with the id replaced by a placeholder and run times removed, for comparing.
fn normalised(answer: &(u16, String, Value), id: &str) -> String {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("millis");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut body = answer.2.clone();
    strip(&mut body);
    format!("{} {} {}", answer.0, answer.1, body).replace(id, "<id>")
}

/// Sends the same request naming `RESTRICTED` and naming `MISSING` and asserts the answers are
/// the same apart from the id; returns the answer for further checks.
fn alike(what: &str, ask: impl Fn(&str) -> (u16, String, Value)) -> (u16, String, Value) {
    let restricted = ask(RESTRICTED);
    let missing = ask(MISSING);
    assert_eq!(normalised(&restricted, RESTRICTED), normalised(&missing, MISSING), "{what}: a restricted base is told apart from a missing one");
    let text = restricted.2.to_string();
    for secret in ["乐清电网调度中心", "not open to foreign visitors"] {
        assert!(!text.contains(secret), "{what}: the answer mentions `{secret}`: {text}");
    }
    restricted
}

fn itinerary(profile: Value, extra: Value) -> Value {
    let mut body = json!({"profile": profile, "iterations": 200});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn csv_with_visit_of(id: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/past_visits/visits.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let column = header.split(',').position(|c| c == "visited_bases").unwrap();
    let mut out = format!("{header}\n");
    for (i, line) in lines.take(3).enumerate() {
        let mut record = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let row = record.records().next().unwrap().unwrap();
        let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
        if i == 1 {
            cells[column] = format!("{};{id}", cells[column]);
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&cells).unwrap();
        out.push_str(&String::from_utf8(writer.into_inner().unwrap()).unwrap());
    }
    out
}

#[test]
fn below_officer_a_restricted_base_is_answered_exactly_like_a_missing_one() {
    let (server, tokens) = server_with_tokens(|s| s);
    for token in [None, Some(tokens.viewer.as_str())] {
        let who = if token.is_some() { "viewer" } else { "anonymous" };
        let (status, _, problem) = alike(&format!("{who}: GET /v1/bases/{{id}}"), |id| send(client().get(server.url(&format!("/v1/bases/{id}"))), token));
        assert_eq!((status, problem["code"].as_str()), (404, Some("base_not_found")));

        let (status, _, outcome) = alike(&format!("{who}: match must_visit"), |id| {
            post_json(&server, "/v1/matches", &json!({"profile": profile(&[id], &[]), "top": 5, "explain_excluded": true}), token)
        });
        assert_eq!(status, 200);
        assert!(outcome["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "unknown_base"), "{outcome}");
        // With the excluded bases explained, an avoided restricted base must not show up as one.
        alike(&format!("{who}: match avoid"), |id| {
            post_json(&server, "/v1/matches", &json!({"profile": profile(&[], &[id]), "top": 5, "explain_excluded": true}), token)
        });

        let plans: [(&str, Box<dyn Fn(&str) -> Value>); 4] = [
            ("appointment", Box::new(|id| itinerary(profile(&[], &[]), json!({"appointments": [{"day": 1, "start": "10:00", "minutes": 60, "title_zh": "会见", "place": {"base_id": id}}]})))),
            ("candidates", Box::new(|id| itinerary(profile(&[], &[]), json!({"candidates": [{"base_id": "lucheng-001", "score": 0.9}, {"base_id": id, "score": 0.8}]})))),
            ("locked", Box::new(|id| itinerary(profile(&[], &[]), json!({"locked": [{"base_id": id, "day": 1}]})))),
            ("must_visit", Box::new(|id| itinerary(profile(&[id], &[]), json!({})))),
        ];
        for (name, body) in &plans {
            for format in ["", "?format=html", "?format=ics", "?format=geojson"] {
                let (status, _, problem) = alike(&format!("{who}: itinerary {name} {format}"), |id| post_json(&server, &format!("/v1/itineraries{format}"), &body(id), token));
                assert_eq!((status, problem["code"].as_str()), (422, Some("invalid_request")), "{name}: {problem}");
            }
        }

        let (status, _, problem) = alike(&format!("{who}: evaluation"), |id| {
            send(client().post(server.url("/v1/evaluations?itinerary_sample=0")).header("content-type", "text/csv").body(csv_with_visit_of(id)), token)
        });
        assert_eq!(status, 422, "{problem}");
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["code"] == "unknown_base" && e["line"] == 3), "{problem}");

        alike(&format!("{who}: outbound suggestion"), |id| post_json(&server, "/v1/outbound-routes/suggest", &json!({"bases": [id]}), token));
        alike(&format!("{who}: visit record"), |id| {
            post_json(&server, "/v1/visits", &json!({"status": "planned", "profile": profile(&[], &[]), "bases": [id]}), token)
        });
    }

    // Counts: what the public listing totals, not what the catalog holds.
    let (_, _, health) = send(client().get(server.url("/health")), None);
    let (_, _, listing) = send(client().get(server.url("/v1/bases?limit=1")), None);
    assert_eq!(health["bases"], listing["total"], "{health} vs {listing}");
    assert_eq!(health["indexed"], listing["total"]);
    let (_, _, internal) = send(client().get(server.url("/health")), Some(&tokens.officer));
    assert!(internal["bases"].as_u64().unwrap() > health["bases"].as_u64().unwrap(), "officers count the restricted bases too");

    // Officers see the base, and it is still never planned.
    let (status, _, base) = send(client().get(server.url(&format!("/v1/bases/{RESTRICTED}"))), Some(&tokens.officer));
    assert_eq!((status, base["restricted"].as_bool()), (200, Some(true)));
    for body in [
        itinerary(profile(&[], &[]), json!({"appointments": [{"day": 1, "start": "10:00", "minutes": 60, "title_zh": "会见", "place": {"base_id": RESTRICTED}}]})),
        itinerary(profile(&[RESTRICTED], &[]), json!({})),
    ] {
        let (status, _, problem) = post_json(&server, "/v1/itineraries", &body, Some(&tokens.officer));
        assert_eq!((status, problem["code"].as_str()), (422, Some("itinerary_infeasible")), "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains("not open to foreign visitors"));
    }
    let _ = tokens.admin;
}

#[test]
fn inputs_over_a_limit_are_refused_at_once_and_the_server_stays_healthy() {
    let server = TestServer::start();
    let refused_quickly = |what: &str, request: RequestBuilder, status: u16, field: &str| {
        let started = Instant::now();
        let (got, media, problem) = send(request, None);
        let took = started.elapsed();
        assert_eq!(got, status, "{what}: {problem}");
        assert_eq!(media, "application/problem+json", "{what}");
        let fields: Vec<&str> = problem["errors"].as_array().map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect()).unwrap_or_default();
        assert!(fields.iter().any(|f| f.starts_with(field)), "{what}: {field} not named in {problem}");
        assert!(took < Duration::from_secs(1), "{what} took {took:?}");
        let (health, _, _) = send(client().get(server.url("/health")), None);
        assert_eq!(health, 200, "{what}: the server stays healthy");
    };

    // 50,000 rows with a distinct key each (what used to take the server down).
    let wide: Vec<Value> = (0..50_000).map(|i| json!({format!("k{i}"): 1})).collect();
    let body = json!({"visits": wide}).to_string();
    refused_quickly("distinct keys", client().post(server.url("/v1/evaluations")).header("content-type", "application/json").body(body), 422, "visits[0].k0");

    let long: Vec<Value> = (0..20_001).map(|i| json!({"visit_id": format!("v{i}")})).collect();
    let body = json!({"visits": long}).to_string();
    refused_quickly("too many JSON rows", client().post(server.url("/v1/evaluations")).header("content-type", "application/json").body(body), 422, "visits");

    let weights = json!({"text": 0.5, "industry": 0.1, "offers_needs": 0.1, "seeks_promotion": 0.1, "location": 0.05, "size": 0.05, "language": 0.05, "relationship": 0.03, "rotation": 0.02});
    let variants: Vec<Value> = (0..1000).map(|i| json!({"name": format!("v{i}"), "weights": weights})).collect();
    let body = json!({"visits": [], "variants": variants}).to_string();
    refused_quickly("1,000 variants", client().post(server.url("/v1/evaluations")).header("content-type", "application/json").body(body), 422, "variants");

    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let body = format!("{}\n{}\n", header.join(","), vec!["1"; 5000].join(","));
    refused_quickly("5,000 CSV columns", client().post(server.url("/v1/evaluations")).header("content-type", "text/csv").body(body), 422, "(header)");

    let body = format!("visit_id\n{}", (0..20_001).map(|i| format!("v{i}\n")).collect::<String>());
    refused_quickly("20,001 CSV rows", client().post(server.url("/v1/evaluations")).header("content-type", "text/csv").body(body), 422, "visits");

    refused_quickly("a huge sample", client().post(server.url("/v1/evaluations?itinerary_sample=100000")).header("content-type", "text/csv").body("x"), 400, "itinerary_sample");

    let many: Vec<String> = (0..5000).map(|i| format!("lucheng-{i:03}")).collect();
    let mut wide_profile = profile(&[], &[]);
    wide_profile["avoid"] = json!(many);
    refused_quickly("5,000 avoided bases", client().post(server.url("/v1/matches")).json(&json!({"profile": wide_profile})), 422, "profile.avoid");
    let mut wide_profile = profile(&[], &[]);
    wide_profile["must_visit"] = json!(many[..100]);
    refused_quickly("100 must-visit bases", client().post(server.url("/v1/itineraries")).json(&json!({"profile": wide_profile})), 422, "profile.must_visit");
    let appointments: Vec<Value> = (0..100).map(|_| json!({"day": 1, "start": "10:00", "minutes": 10, "title_zh": "会见", "place": {"division": "lucheng"}})).collect();
    refused_quickly(
        "100 appointments",
        client().post(server.url("/v1/itineraries")).json(&json!({"profile": profile(&[], &[]), "appointments": appointments})),
        422,
        "appointments",
    );
    let divisions = vec!["lucheng"; 51].join(",");
    refused_quickly("51 division filters", client().get(server.url(&format!("/v1/bases?division={divisions}"))), 400, "division");
    refused_quickly("51 kinds in a search body", client().post(server.url("/v1/bases/search")).json(&json!({"kind": vec!["enterprise"; 51]})), 422, "kind");
    let plan_with = |extra: Value| {
        let mut body = json!({"profile": profile(&[], &[])});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let banquet = plan_with(json!({"banquet": {"day": 1, "start": "18:00", "minutes": 90, "title_zh": "宴".repeat(201)}}));
    refused_quickly("a 201-character banquet title", client().post(server.url("/v1/itineraries")).json(&banquet), 422, "banquet.title_zh");
    let moved = plan_with(json!({"days": [{"hotel": {"lat": 31.2, "lon": 121.4, "name": "酒店".repeat(300)}}]}));
    refused_quickly("a day's hotel in Shanghai with a 600-character name", client().post(server.url("/v1/itineraries")).json(&moved), 422, "days[0].hotel.");
    let previous = plan_with(json!({"previous": [{"base_id": "../../etc/passwd", "day": 1, "start": "09:00"}]}));
    refused_quickly("a malformed previous base id", client().post(server.url("/v1/itineraries")).json(&previous), 422, "previous[0].base_id");
}

fn evaluation_body(visits: usize, variants: usize) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/past_visits/visits.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<Value> = reader
        .records()
        .take(visits)
        .map(|r| Value::Object(headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), json!(v))).collect()))
        .collect();
    let weights = json!({"text": 0.5, "industry": 0.1, "offers_needs": 0.1, "seeks_promotion": 0.1, "location": 0.05, "size": 0.05, "language": 0.05, "relationship": 0.03, "rotation": 0.02});
    let variants: Vec<Value> = (0..variants).map(|i| json!({"name": format!("variant-{i}"), "weights": weights})).collect();
    json!({"visits": rows, "variants": variants}).to_string()
}

/// Waits (bounded) until a plan is accepted again, i.e. the heavy permits are free.
fn plan_accepted_within(server: &TestServer, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let body = itinerary(profile(&[], &[]), json!({}));
    while started.elapsed() < limit {
        let (status, _, answer) = post_json(server, "/v1/itineraries", &body, None);
        match status {
            200 => return Some(started.elapsed()),
            503 => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    None
}

#[test]
fn an_abandoned_evaluation_stops_and_gives_its_permits_back() {
    let server = TestServer::start_with(|mut state| {
        state.request_timeout = Duration::from_secs(1);
        state
    });
    // Two of these hold every permit of a 2-core machine; each runs far longer than a second.
    let body = evaluation_body(200, 8);
    let mut answers = Vec::new();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let (url, body) = (server.url("/v1/evaluations?itinerary_sample=200"), body.clone());
                scope.spawn(move || send(client().post(url).header("content-type", "application/json").body(body), None))
            })
            .collect();
        answers = runs.into_iter().map(|r| r.join().unwrap()).collect();
    });
    for (status, media, problem) in &answers {
        assert!(*status == 503 && media == "application/problem+json", "{status} {problem}");
        assert!(problem["code"] == "request_timeout" || problem["code"] == "server_busy", "{problem}");
    }
    assert!(answers.iter().any(|a| a.2["code"] == "request_timeout"), "at least one evaluation started and timed out");
    // The abandoned work stops at its next visit and releases its permits.
    let waited = plan_accepted_within(&server, Duration::from_secs(20));
    assert!(waited.is_some(), "a plan was still refused 20 s after the evaluations were abandoned");
}

#[test]
fn evaluation_jobs_are_owned_unguessable_and_cancellable() {
    let (server, tokens) = server_with_tokens(|s| s);
    let body = evaluation_body(300, 8);
    let (status, _, job) = send(
        client().post(server.url("/v1/evaluations?itinerary_sample=300")).header("content-type", "application/json").body(body),
        Some(&tokens.viewer),
    );
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    assert!(id.len() == 37 && id.starts_with("eval_") && id[5..].chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let status_path = format!("/v1/evaluations/{id}");

    for (who, token) in [("anonymous", None), ("another viewer token of the same name", Some(tokens.viewer2.as_str()))] {
        for path in [status_path.clone(), format!("{status_path}/result")] {
            let (code, _, problem) = send(client().get(server.url(&path)), token);
            assert_eq!((code, problem["code"].as_str()), (404, Some("job_not_found")), "{who} reads {path}");
        }
        let (code, _, _) = send(client().delete(server.url(&status_path)), token);
        assert_eq!(code, 404, "{who} cancels");
    }
    let (code, _, status) = send(client().get(server.url(&status_path)), Some(&tokens.officer));
    assert_eq!((code, status["state"].as_str()), (200, Some("running")), "an officer reads any job");

    let (code, _, status) = send(client().delete(server.url(&status_path)), Some(&tokens.viewer));
    assert_eq!((code, status["state"].as_str()), (200, Some("cancelled")), "{status}");
    let (code, _, status) = send(client().get(server.url(&status_path)), Some(&tokens.viewer));
    assert_eq!((code, status["state"].as_str()), (200, Some("cancelled")));
    assert!(plan_accepted_within(&server, Duration::from_secs(20)).is_some(), "the cancelled job gave its permits back");
    let (code, _, _) = send(client().delete(server.url(&status_path)), Some(&tokens.viewer));
    assert_eq!(code, 204, "a stopped job is forgotten");
    let (code, _, _) = send(client().get(server.url(&status_path)), Some(&tokens.viewer));
    assert_eq!(code, 404);
}

#[test]
fn a_misspelt_field_is_refused_by_name() {
    let server = TestServer::start();
    let cases = [
        ("/v1/matches", "must_vist", json!({"profile": {"must_vist": ["lucheng-001"]}})),
        ("/v1/itineraries", "avoid_kind", json!({"profile": {"avoid_kind": ["enterprise"]}})),
        ("/v1/matches", "stars", json!({"profile": {"hotel": {"division": "lucheng", "stars": 5}}})),
        ("/v1/itineraries", "room", json!({"appointments": [{"day": 1, "start": "10:00", "minutes": 30, "title_zh": "会见", "place": {"division": "lucheng", "room": "3"}}]})),
    ];
    for (path, field, change) in cases {
        let mut body = json!({"profile": profile(&[], &[])});
        for (key, value) in change.as_object().unwrap() {
            match value {
                Value::Object(inner) if key == "profile" => {
                    for (k, v) in inner {
                        if let Value::Object(deeper) = v {
                            for (dk, dv) in deeper {
                                body["profile"][k][dk] = dv.clone();
                            }
                        } else {
                            body["profile"][k] = v.clone();
                        }
                    }
                }
                other => body[key] = other.clone(),
            }
        }
        let (status, media, problem) = post_json(&server, path, &body, None);
        assert_eq!((status, media.as_str()), (422, "application/problem+json"), "{path} {field}: {problem}");
        assert!(problem.to_string().contains(field), "{path}: `{field}` is named in {problem}");
    }
    let plan = |extra: Value| {
        let mut body = json!({"profile": profile(&[], &[])});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let whole_bodies = [
        ("/v1/bases/search", "divison", json!({"q": "鞋", "divison": ["lucheng"]})),
        ("/v1/outbound-routes/suggest", "bsaes", json!({"bsaes": ["lucheng-001"]})),
        ("/v1/itineraries", "top_candidate", plan(json!({"top_candidate": 10}))),
        ("/v1/itineraries", "titel_zh", plan(json!({"banquet": {"day": 1, "start": "18:00", "minutes": 90, "titel_zh": "晚宴"}}))),
        ("/v1/itineraries", "length", plan(json!({"lunch": {"from": "12:00", "to": "13:30", "length": 60}}))),
        ("/v1/itineraries", "hotle", plan(json!({"days": [{"hotle": {"division": "ouhai"}}]}))),
        ("/v1/itineraries", "base", plan(json!({"locked": [{"base": "lucheng-001", "day": 1}]}))),
        ("/v1/itineraries", "scores", plan(json!({"candidates": [{"base_id": "lucheng-001", "scores": 0.5}]}))),
    ];
    for (path, field, body) in whole_bodies {
        let (status, media, problem) = post_json(&server, path, &body, None);
        assert_eq!((status, media.as_str()), (422, "application/problem+json"), "{path} {field}: {problem}");
        assert!(problem.to_string().contains(field), "{path}: `{field}` is named in {problem}");
    }
}

/// Sends raw bytes and returns the whole answer (the server closes or the read times out).
fn raw(server: &TestServer, bytes: &[u8]) -> String {
    let address = server.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&chunk[..n]);
                if let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
                    let length = head.lines().find_map(|l| l.strip_prefix("content-length: ")).and_then(|v| v.trim().parse::<usize>().ok());
                    if length.is_some_and(|length| answer.len() >= head_end + 4 + length) {
                        break;
                    }
                }
            }
            Err(error) => panic!("no complete answer within 10 s ({error}); got {:?}", String::from_utf8_lossy(&answer)),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn assert_problem(what: &str, answer: &str, status: u16, code: &str) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{what}: no head in {answer:?}"));
    assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{what}: {head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{what}: {head}");
    let problem: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
    assert_eq!(problem["code"], code, "{what}: {problem}");
    assert_eq!(problem["status"], status, "{what}");
}

#[test]
fn every_error_is_problem_json_even_those_the_http_parser_answers() {
    let server = TestServer::start();
    let long_query = format!("GET /v1/bases?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(180 * 1024));
    assert_problem("180 KB query", &raw(&server, long_query.as_bytes()), 414, "uri_too_long");
    let big_header = format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(512 * 1024));
    assert_problem("512 KB header", &raw(&server, big_header.as_bytes()), 431, "headers_too_large");
    assert_problem("not HTTP", &raw(&server, b"HELLO THERE\r\n\r\n"), 400, "bad_request");
    for path in ["/v1/bases/%FF", "/v1/evaluations/%FF", "/v1/visits/%FF", "/v1/outbound-routes/%FF"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let answer = raw(&server, request.as_bytes());
        let (head, _) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 ") || head.starts_with("HTTP/1.1 401 "), "{path}: {head}");
        assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{path}: {head}");
    }
    // After all that, ordinary requests on new connections are answered as before.
    let (status, _, _) = send(client().get(server.url("/health")), None);
    assert_eq!(status, 200);
}

#[test]
fn an_anonymous_upload_is_refused_before_its_body_is_read() {
    let server = TestServer::start();
    for (path, media) in [("/v1/bases/import", "text/csv"), ("/v1/bases", "application/json")] {
        // Announce 60 MB and send none of it: the answer must come without waiting for the body.
        let request = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {media}\r\nContent-Length: 62914560\r\n\r\n");
        assert_problem(path, &raw(&server, request.as_bytes()), 401, "unauthenticated");
    }
}

#[test]
fn sigterm_stops_the_server_within_seconds_even_with_work_running() {
    let data = common::TempDataDir::new();
    let log = data.path().join("serve.log");
    // Port 0: the server takes a free port and names it in its log, so no other test's server
    // can be mistaken for this one.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_visitmatch"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let url = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let listening = text.lines().find(|l| l.contains("visitmatch listening"));
        if let Some(address) = listening.and_then(|l| l.split("addr=").nth(1)).and_then(|rest| rest.split_whitespace().next()) {
            break format!("http://{address}");
        }
        assert!(child.try_wait().unwrap().is_none(), "the server exited: {text}");
        assert!(Instant::now() < deadline, "the server did not start: {text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (status, _, _) = send(client().get(format!("{url}/health")), None);
    assert_eq!(status, 200);
    // A job that would run for minutes, and an inline evaluation in flight.
    let (status, _, job) = send(
        client().post(format!("{url}/v1/evaluations?itinerary_sample=1000")).header("content-type", "application/json").body(evaluation_body(360, 8)),
        None,
    );
    assert_eq!(status, 202, "{job}");
    let started = Instant::now();
    std::process::Command::new("sh").args(["-c", &format!("kill -TERM {}", child.id())]).status().unwrap();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if started.elapsed() > Duration::from_secs(15) {
            child.kill().unwrap();
            panic!("the server was still running 15 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    eprintln!("stopped {:?} after SIGTERM", started.elapsed());
    assert!(client().get(format!("{url}/health")).send().is_err(), "the port is closed");
}

/// Public search and match scores, in order, for comparing before and after a change.
fn public_scores(server: &TestServer) -> (Value, Value) {
    let (status, _, page) = send(client().get(server.url("/v1/bases?q=%E9%9E%8B%E5%B1%A5%E8%AE%BE%E8%AE%A1%20footwear&limit=50")), None);
    assert_eq!(status, 200, "{page}");
    let search: Vec<Value> = page["items"].as_array().unwrap().iter().map(|hit| json!([hit["base"]["id"], hit["score"]])).collect();
    let mut shoes = profile(&[], &[]);
    shoes["interests"] = json!("footwear design and leather shoes 鞋履设计");
    shoes["industries_sought"] = json!(["footwear"]);
    let (status, _, outcome) = post_json(server, "/v1/matches", &json!({"profile": shoes, "top": 20}), None);
    assert_eq!(status, 200, "{outcome}");
    assert!(outcome["items"][0]["id"].is_string(), "{outcome}");
    let matched: Vec<Value> = outcome["items"].as_array().unwrap().iter().map(|item| json!([item["id"], item["score"]])).collect();
    (json!({"total": page["total"], "hits": search}), Value::Array(matched))
}

#[test]
fn public_scores_do_not_move_when_a_restricted_base_comes_or_goes() {
    let (server, tokens) = server_with_tokens(|s| s);
    let before = public_scores(&server);
    // A restricted base full of the very words searched for: under whole-index statistics it
    // would lower every public hit's word weights and shift the average length.
    let secret = json!({
        "id": "lucheng-931", "name_zh": "鞋履设计保密试验室", "name_en": "Footwear design restricted laboratory", "kind": "research_institute",
        "industries": ["footwear"], "division": "lucheng", "address_zh": "温州市鹿城区鞋都大道99号",
        "lat": 28.01, "lon": 120.6, "employees": 40, "needs": ["鞋履设计 footwear design 鞋履设计"], "promotion_points": ["鞋履设计 footwear"],
        "description_zh": "鞋履设计、鞋履设计、鞋履设计的保密试验。footwear footwear footwear", "visit_minutes": 60,
        "opening_hours": {"mon": ["09:00-17:00"]}, "max_group_size": 20, "guide_languages": ["zh"],
        "restricted": true, "approval_required": true, "tags": ["鞋业"]
    });
    let (status, _, created) = post_json(&server, "/v1/bases", &secret, Some(&tokens.admin));
    assert_eq!(status, 201, "{created}");
    assert_eq!(public_scores(&server), before, "a new restricted base moved public scores");
    let (status, _, page) = send(client().get(server.url("/v1/bases?q=%E9%9E%8B%E5%B1%A5%E8%AE%BE%E8%AE%A1%20footwear&limit=50")), Some(&tokens.officer));
    assert_eq!(status, 200);
    assert!(page["items"].as_array().unwrap().iter().any(|hit| hit["base"]["id"] == "lucheng-931"), "officers find it: {page}");

    let etag = client().get(server.url("/v1/bases/lucheng-931")).bearer_auth(&tokens.officer).send().unwrap();
    let etag = etag.headers()["etag"].to_str().unwrap().to_string();
    let (status, _, _) = send(client().delete(server.url("/v1/bases/lucheng-931")).header("if-match", etag), Some(&tokens.admin));
    assert_eq!(status, 204);
    assert_eq!(public_scores(&server), before, "a deleted restricted base (not yet merged away) moved public scores");
}
