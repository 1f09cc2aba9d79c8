//! Changing the library over HTTP on a real server: tokens and roles, conditional writes, the
//! index following each write, the audit log, bulk import, visit records and time limits.
//!
//! Properties covered:
//! 1. Without a token every write is 401; a viewer gets 403; a bad token is 401 even on reads.
//! 2. An admin's edit is in search results and in the audit log (before and after) at once.
//! 3. Two writers holding the same ETag cannot both win: the second gets 412 with the new ETag;
//!    a change without If-Match gets 428.
//! 4. Invalid records list every failing field and change nothing; bulk import is all or nothing.
//! 5. Restricted bases are visible to officers only and never suggested.
//! 6. Visit records: recorded by officers, exported for the evaluation, and counted for rotation.
//! 7. Concurrent readers never see a half-applied import.
//! 8. A request over the time limit gets 503 `request_timeout` as problem+json.

mod common;

use common::TestServer;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use visitmatch::app;
use visitmatch::access::{Actor, Role};

struct Tokens {
    admin: String,
    admin2: String,
    officer: String,
    viewer: String,
}

fn server_with_tokens() -> (TestServer, Tokens) {
    let mut tokens = None;
    let server = TestServer::start_with(|state| {
        let make = |name: &str, role| app::access::create_token(&state.library, name, role, None, &Actor::command_line()).expect("a token").secret;
        tokens = Some(Tokens {
            admin: make("admin-a", Role::Admin),
            admin2: make("admin-b", Role::Admin),
            officer: make("officer-c", Role::Officer),
            viewer: make("viewer-d", Role::Viewer),
        });
        state
    });
    (server, tokens.expect("tokens were made"))
}

fn client() -> Client {
    Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

fn with_token(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

fn json_of(response: Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn get(server: &TestServer, path: &str, token: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    json_of(with_token(client().get(server.url(path)), token).send().unwrap())
}

fn etag_of(server: &TestServer, id: &str, token: &str) -> String {
    let (status, headers, body) = get(server, &format!("/v1/bases/{id}"), Some(token));
    assert_eq!(status, 200, "{body}");
    headers["etag"].to_str().unwrap().to_string()
}

fn search_ids(server: &TestServer, q: &str, token: Option<&str>) -> Vec<String> {
    let path = format!("/v1/bases?q={}&limit=20", urlencode(q));
    let (status, _, body) = get(server, &path, token);
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().iter().map(|i| i["base"]["id"].as_str().unwrap().to_string()).collect()
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn assert_problem(answer: &(u16, reqwest::header::HeaderMap, Value), status: u16, code: &str) {
    let (got, headers, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
}

fn new_record(id: &str, needs: &str) -> Value {
    json!({
        "id": id, "name_zh": "瓯江鞋履设计中心", "name_en": "Oujiang Footwear Design Centre", "kind": "enterprise",
        "industries": ["footwear"], "division": "lucheng", "address_zh": "温州市鹿城区双屿街道鞋都大道18号",
        "lat": 28.01, "lon": 120.6, "employees": 120, "needs": [needs], "promotion_points": ["鞋履设计打样中心"],
        "description_zh": "专注鞋履设计与打样的创新平台。", "visit_minutes": 60,
        "opening_hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
        "max_group_size": 20, "guide_languages": ["zh", "en"], "restricted": false, "approval_required": false,
        "tags": ["鞋业"], "contact_name": "王主任", "contact_phone": "0577-88000000"
    })
}

#[test]
fn writes_need_a_token_and_the_right_role() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    let record = new_record("lucheng-901", "引进设计人才");
    let etag = etag_of(&server, "lucheng-001", &tokens.admin);
    type Write<'a> = Box<dyn Fn(Option<&str>) -> RequestBuilder + 'a>;
    // Officers keep the library: they may add, edit and import (each request below passes the
    // role check and then fails on its own terms, so nothing changes). Removing a base, replacing
    // the whole library, tokens and the audit log are an admin's.
    let taken = new_record("lucheng-001", "引进设计人才");
    let officer_writes: Vec<(Write, u16)> = vec![
        (Box::new(|t| with_token(c.post(server.url("/v1/bases")).json(&taken), t)), 409),
        (Box::new(|t| with_token(c.put(server.url("/v1/bases/lucheng-001")).header("if-match", "\"stale\"").json(&taken), t)), 412),
        (Box::new(|t| with_token(c.patch(server.url("/v1/bases/lucheng-001")).header("if-match", "\"stale\"").json(&json!({"tags": ["x"]})), t)), 412),
        (Box::new(|t| with_token(c.post(server.url("/v1/bases/import")).header("content-type", "application/x-ndjson").body("{\"id\": \"x\"}\n"), t)), 422),
    ];
    let admin_writes: Vec<Write> = vec![
        Box::new(|t| with_token(c.delete(server.url("/v1/bases/lucheng-001")).header("if-match", &etag), t)),
        Box::new(|t| {
            with_token(c.post(server.url("/v1/bases/import?mode=replace")).header("content-type", "application/x-ndjson").body(record.to_string()), t)
        }),
        Box::new(|t| with_token(c.post(server.url("/v1/tokens")).json(&json!({"name": "x", "role": "admin"})), t)),
        Box::new(|t| with_token(c.get(server.url("/v1/tokens")), t)),
        Box::new(|t| with_token(c.get(server.url("/v1/audit")), t)),
    ];
    for (n, (write, officer_status)) in officer_writes.iter().enumerate() {
        let anonymous = json_of(write(None).send().unwrap());
        assert_problem(&anonymous, 401, "unauthenticated");
        assert!(anonymous.1["www-authenticate"].to_str().unwrap().starts_with("Bearer"), "write {n}");
        assert_problem(&json_of(write(Some(&tokens.viewer)).send().unwrap()), 403, "forbidden");
        assert_eq!(json_of(write(Some(&tokens.officer)).send().unwrap()).0, *officer_status, "officer write {n}");
    }
    for (n, write) in admin_writes.iter().enumerate() {
        let anonymous = json_of(write(None).send().unwrap());
        assert_problem(&anonymous, 401, "unauthenticated");
        assert!(anonymous.1["www-authenticate"].to_str().unwrap().starts_with("Bearer"), "write {n}");
        assert_problem(&json_of(write(Some(&tokens.viewer)).send().unwrap()), 403, "forbidden");
        assert_problem(&json_of(write(Some(&tokens.officer)).send().unwrap()), 403, "forbidden");
    }
    // Visit records are an officer's business: 401 without a token, 403 for a viewer.
    assert_problem(&get(&server, "/v1/visits", None), 401, "unauthenticated");
    assert_problem(&get(&server, "/v1/visits", Some(&tokens.viewer)), 403, "forbidden");
    assert_eq!(get(&server, "/v1/visits", Some(&tokens.officer)).0, 200);
    // Recording exposures changes rotation, so it needs an officer too.
    let profile: Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/prato_fashion_it.json")).unwrap(),
    )
    .unwrap();
    let exposure = |t| json_of(with_token(c.post(server.url("/v1/matches")).json(&json!({"profile": profile, "record_exposure": true})), t).send().unwrap());
    assert_problem(&exposure(None), 401, "unauthenticated");
    assert_eq!(exposure(Some(&tokens.officer)).0, 200);
    // A wrong or revoked token is refused even on a public read; reads without one still work.
    assert_problem(&get(&server, "/v1/bases/lucheng-001", Some("vm_0000000000000000000000000000000000000000")), 401, "invalid_token");
    assert_problem(&get(&server, "/v1/bases/lucheng-001", Some("not-a-token")), 401, "invalid_token");
    assert_eq!(get(&server, "/v1/bases/lucheng-001", None).0, 200);
    // Nothing above changed the library.
    assert_eq!(etag_of(&server, "lucheng-001", &tokens.admin), etag);
    assert_eq!(get(&server, "/v1/bases/lucheng-901", Some(&tokens.admin)).0, 404);
}

#[test]
fn an_admin_edit_shows_in_search_and_in_the_audit_log_at_once() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    let marker = "氢燃料电池叉车";
    assert!(search_ids(&server, marker, None).iter().all(|id| id != "lucheng-001"));
    let etag = etag_of(&server, "lucheng-001", &tokens.admin);
    let (status, headers, body) = json_of(
        c.patch(server.url("/v1/bases/lucheng-001"))
            .bearer_auth(&tokens.admin)
            .header("if-match", &etag)
            .header("content-type", "application/merge-patch+json")
            .body(json!({"needs": [format!("寻找{marker}技术合作")], "max_group_size": 25}).to_string())
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    let new_etag = headers["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);
    assert_eq!(body["max_group_size"], 25);
    assert_eq!(body["name_zh"], "宏鼎鞋业集团有限公司", "fields not in the patch are kept");
    // In search at once, for everybody.
    assert!(search_ids(&server, marker, None).iter().any(|id| id == "lucheng-001"));
    // And in the audit log, with who, before and after.
    let (status, _, audit) = get(&server, "/v1/audit?target=base:lucheng-001", Some(&tokens.admin));
    assert_eq!(status, 200, "{audit}");
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "patch");
    assert_eq!(entry["actor"], "token:admin-a");
    assert_eq!(entry["role"], "admin");
    assert_eq!(entry["before"]["max_group_size"], 10);
    assert_eq!(entry["after"]["max_group_size"], 25);
    assert!(entry["after"]["needs"][0].as_str().unwrap().contains(marker));
    // The matcher sees the change too.
    let (_, _, base) = get(&server, "/v1/bases/lucheng-001", None);
    assert_eq!(base["max_group_size"], 25);
}

#[test]
fn two_writers_with_the_same_etag_cannot_both_win() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    let etag = etag_of(&server, "lucheng-002", &tokens.admin);
    let (_, _, current) = get(&server, "/v1/bases/lucheng-002", Some(&tokens.admin));
    let put = |token: &str, etag: Option<&str>, group: u32| {
        let mut record = visitmatch::catalog::to_record(&serde_json::from_value(current.clone()).unwrap());
        record.insert("max_group_size".into(), json!(group));
        let request = c.put(server.url("/v1/bases/lucheng-002")).bearer_auth(token).json(&record);
        json_of(match etag {
            Some(etag) => request.header("if-match", etag),
            None => request,
        }
        .send()
        .unwrap())
    };
    let first = put(&tokens.admin, Some(&etag), 31);
    assert_eq!(first.0, 200, "{}", first.2);
    let second = put(&tokens.admin2, Some(&etag), 32);
    assert_problem(&second, 412, "precondition_failed");
    assert_eq!(second.1["etag"], first.1["etag"], "the 412 names the current version");
    assert_problem(&put(&tokens.admin2, None, 32), 428, "precondition_required");
    let (_, _, now) = get(&server, "/v1/bases/lucheng-002", None);
    assert_eq!(now["max_group_size"], 31, "the first write stands");
    // With the fresh ETag the second writer succeeds.
    let fresh = first.1["etag"].to_str().unwrap().to_string();
    assert_eq!(put(&tokens.admin2, Some(&fresh), 32).0, 200);
    // Deleting with a stale ETag fails too.
    let stale_delete = json_of(c.delete(server.url("/v1/bases/lucheng-002")).bearer_auth(&tokens.admin).header("if-match", &etag).send().unwrap());
    assert_problem(&stale_delete, 412, "precondition_failed");
}

#[test]
fn invalid_records_name_every_field_and_change_nothing() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    let mut bad = new_record("lucheng-902", "x");
    bad["lat"] = json!(40.0);
    bad["kind"] = json!("spaceport");
    bad["division"] = json!("atlantis");
    bad.as_object_mut().unwrap().remove("name_zh");
    let answer = json_of(c.post(server.url("/v1/bases")).bearer_auth(&tokens.admin).json(&bad).send().unwrap());
    assert_problem(&answer, 422, "invalid_request");
    let fields: Vec<&str> = answer.2["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for field in ["lat", "kind", "division", "name_zh"] {
        assert!(fields.contains(&field), "{field} not reported: {fields:?}");
    }
    assert_eq!(get(&server, "/v1/bases/lucheng-902", Some(&tokens.admin)).0, 404);
    let (_, _, audit) = get(&server, "/v1/audit?target=base:lucheng-902", Some(&tokens.admin));
    assert_eq!(audit["items"].as_array().unwrap().len(), 0);

    // A valid one is created, answered with its location and ETag, and searchable at once.
    let created = json_of(c.post(server.url("/v1/bases")).bearer_auth(&tokens.admin).json(&new_record("lucheng-902", "寻找钛合金鞋楦供应商")).send().unwrap());
    assert_eq!(created.0, 201, "{}", created.2);
    assert_eq!(created.1["location"], "/v1/bases/lucheng-902");
    assert_eq!(search_ids(&server, "钛合金鞋楦", None).first().map(String::as_str), Some("lucheng-902"));
    let again = json_of(c.post(server.url("/v1/bases")).bearer_auth(&tokens.admin).json(&new_record("lucheng-902", "y")).send().unwrap());
    assert_problem(&again, 409, "base_exists");
    // A PUT may not rename a base.
    let etag = created.1["etag"].to_str().unwrap().to_string();
    let renamed = json_of(
        c.put(server.url("/v1/bases/lucheng-902")).bearer_auth(&tokens.admin).header("if-match", &etag).json(&new_record("lucheng-903", "y")).send().unwrap(),
    );
    assert_problem(&renamed, 422, "invalid_request");
    // Deleted: gone from reads and from search.
    let deleted = c.delete(server.url("/v1/bases/lucheng-902")).bearer_auth(&tokens.admin).header("if-match", &etag).send().unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(get(&server, "/v1/bases/lucheng-902", Some(&tokens.admin)).0, 404);
    assert!(search_ids(&server, "钛合金鞋楦", Some(&tokens.admin)).iter().all(|id| id != "lucheng-902"));
    let (_, _, audit) = get(&server, "/v1/audit?target=base:lucheng-902", Some(&tokens.admin));
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["delete", "create"]);
}

#[test]
fn bulk_import_is_all_or_nothing_and_audited() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    // The admin's count: restricted bases included, like the import's `total`.
    let (_, _, health) = get(&server, "/health", Some(&tokens.admin));
    let before = health["bases"].as_u64().unwrap();
    let mut third = new_record("lucheng-913", "z");
    third["max_group_size"] = json!(-3);
    let lines = [new_record("lucheng-911", "寻找碳纤维鞋底合作"), new_record("lucheng-912", "y"), third.clone()];
    let body = lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let import = |body: String| {
        json_of(c.post(server.url("/v1/bases/import")).bearer_auth(&tokens.admin).header("content-type", "application/x-ndjson").body(body).send().unwrap())
    };
    let failed = import(body.clone());
    assert_problem(&failed, 422, "invalid_request");
    assert_eq!(failed.2["errors"][0]["line"], 3);
    assert_eq!(failed.2["errors"][0]["field"], "max_group_size");
    assert_eq!(get(&server, "/health", Some(&tokens.admin)).2["bases"].as_u64().unwrap(), before, "nothing was written");
    assert_eq!(get(&server, "/v1/bases/lucheng-911", None).0, 404);

    third["max_group_size"] = json!(30);
    let body = [lines[0].clone(), lines[1].clone(), third].iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    // A dry run answers base by base and writes nothing, not even to the audit log.
    let audited = |server: &TestServer| get(server, "/v1/audit?limit=200", Some(&tokens.admin)).2["items"].as_array().unwrap().len();
    let audit_before = audited(&server);
    let preview = json_of(
        c.post(server.url("/v1/bases/import?dry_run=true")).bearer_auth(&tokens.admin).header("content-type", "application/x-ndjson").body(body.clone()).send().unwrap(),
    );
    assert_eq!(preview.0, 200, "{}", preview.2);
    assert_eq!(preview.2["preview"]["inserted"], json!(["lucheng-911", "lucheng-912", "lucheng-913"]));
    assert_eq!((preview.2["inserted"].as_u64(), preview.2["total"].as_u64()), (Some(3), Some(before + 3)));
    assert_eq!(get(&server, "/health", Some(&tokens.admin)).2["bases"].as_u64().unwrap(), before, "a dry run writes nothing");
    assert_eq!(audited(&server), audit_before, "nor to the audit log");
    let done = import(body);
    assert_eq!(done.0, 200, "{}", done.2);
    assert_eq!(done.2["inserted"], 3);
    assert_eq!(done.2["total"].as_u64().unwrap(), before + 3);
    assert_eq!(search_ids(&server, "碳纤维鞋底", None).first().map(String::as_str), Some("lucheng-911"));
    let (_, _, audit) = get(&server, "/v1/audit?action=import&actor=token:admin-a&limit=10", Some(&tokens.admin));
    assert_eq!(audit["items"].as_array().unwrap().len(), 3);
    assert!(audit["items"].as_array().unwrap().iter().all(|e| e["actor"] == "token:admin-a" && e["before"].is_null()));
    // Wrong media type and wrong mode are refused with their own codes.
    let wrong_type = json_of(c.post(server.url("/v1/bases/import")).bearer_auth(&tokens.admin).header("content-type", "text/plain").body("x").send().unwrap());
    assert_problem(&wrong_type, 415, "unsupported_media_type");
    let wrong_mode = json_of(
        c.post(server.url("/v1/bases/import?mode=merge")).bearer_auth(&tokens.admin).header("content-type", "text/csv").body("id\n").send().unwrap(),
    );
    assert_problem(&wrong_mode, 400, "invalid_query_parameter");

    // A CSV as Excel saves it on a Chinese system (GBK, Chinese headers, labels) previews as an
    // update of the fields it changes; an unknown charset is refused before anything is read.
    let csv = "编号,基地名称,类型,产业类型,所在地区,地址,纬度,经度,简介,参观时长（分钟）,开放时间,最大接待人数,讲解语言\r\n\
               lucheng-911,新名称鞋业,企业,鞋业,鹿城区,温州市鹿城区双屿,28.0,120.6,一家测试企业。,60,周一至周五 9:00-17:00,20,中文、英语\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let changed = json_of(
        c.post(server.url("/v1/bases/import?dry_run=true")).bearer_auth(&tokens.admin).header("content-type", "text/csv; charset=gbk").body(gbk.into_owned()).send().unwrap(),
    );
    assert_eq!(changed.0, 200, "{}", changed.2);
    let updated = &changed.2["preview"]["updated"][0];
    assert_eq!(updated["id"], "lucheng-911");
    assert!(updated["fields"].as_array().unwrap().contains(&json!("name_zh")), "{updated}");
    assert_ne!(get(&server, "/v1/bases/lucheng-911", None).2["name_zh"], "新名称鞋业", "a previewed update is not applied");
    let odd = json_of(c.post(server.url("/v1/bases/import")).bearer_auth(&tokens.admin).header("content-type", "text/csv; charset=latin-1").body("x").send().unwrap());
    assert_problem(&odd, 415, "unsupported_media_type");
}

#[test]
fn restricted_bases_are_for_officers_and_never_suggested() {
    let (server, tokens) = server_with_tokens();
    let restricted = "wz-hitech-014";
    assert_problem(&get(&server, &format!("/v1/bases/{restricted}"), None), 404, "base_not_found");
    assert_problem(&get(&server, &format!("/v1/bases/{restricted}"), Some(&tokens.viewer)), 404, "base_not_found");
    let (status, _, base) = get(&server, &format!("/v1/bases/{restricted}"), Some(&tokens.officer));
    assert_eq!(status, 200);
    assert_eq!(base["restricted"], true);
    // Contacts are internal: officers see them, the public does not.
    let (_, _, public) = get(&server, "/v1/bases/lucheng-001", None);
    let (_, _, internal) = get(&server, "/v1/bases/lucheng-001", Some(&tokens.officer));
    assert!(public["contact"].get("phone").is_none());
    assert_eq!(internal["contact"]["phone"], "0577-78304383");
    // Listing by division: officers see the restricted base, the public does not.
    let listed = |token| {
        let (_, _, page) = get(&server, "/v1/bases?division=wz_hitech&limit=100", token);
        page["items"].as_array().unwrap().iter().any(|i| i["base"]["id"] == restricted)
    };
    assert!(!listed(None));
    assert!(listed(Some(&tokens.officer)));
    // Matching never suggests it, whatever the role, even for a delegation that asks for it.
    let profile = json!({"country": "DE", "organisation_type": "research", "size": 5, "visit": {"weekdays": ["tue"]}, "days": 1,
        "hotel": {"division": "wz_hitech"}, "interests": "photonics research laboratory 光电 涉密研发", "industries_sought": ["photonics", "research"],
        "must_visit": [restricted]});
    for token in [None, Some(tokens.officer.as_str()), Some(tokens.admin.as_str())] {
        let (status, _, outcome) = json_of(with_token(client().post(server.url("/v1/matches")), token).json(&json!({"profile": profile, "top": 50})).send().unwrap());
        assert_eq!(status, 200, "{outcome}");
        assert!(outcome["items"].as_array().unwrap().iter().all(|i| i["id"] != restricted), "{outcome}");
    }
}

fn visit_body(status: &str, bases: &[&str], outcome: Option<Value>) -> Value {
    let mut body = json!({
        "status": status,
        "profile": {"country": "IT", "city": "Prato", "organisation_type": "business_association", "size": 12,
                    "visit": {"dates": ["2026-03-10", "2026-03-11"]}, "days": 2, "hotel": {"division": "lucheng"},
                    "interests": "footwear design and leather", "industries_sought": ["footwear"], "languages": ["it", "en"]},
        "theme": "fashion_smart_manufacturing",
        "bases": bases,
    });
    if let Some(outcome) = outcome {
        body["outcome"] = outcome;
    }
    body
}

fn prato_matches(server: &TestServer) -> Value {
    let profile: Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles/prato_fashion_it.json")).unwrap(),
    )
    .unwrap();
    json_of(client().post(server.url("/v1/matches")).json(&json!({"profile": profile, "top": 100, "diversity": 0.0, "rotation": true})).send().unwrap()).2
}

fn top_two_matches(server: &TestServer) -> Vec<String> {
    prato_matches(server)["items"].as_array().unwrap().iter().take(2).map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn rotation_of(server: &TestServer, base: &str) -> f64 {
    let outcome = prato_matches(server);
    let item = outcome["items"].as_array().unwrap().iter().find(|i| i["id"] == base).unwrap_or_else(|| panic!("{base} not matched"));
    let features = item["explanation"]["details"].as_array().unwrap();
    features.iter().find(|f| f["feature"] == "rotation").unwrap_or_else(|| panic!("no rotation feature: {item}"))["value"].as_f64().unwrap()
}

#[test]
fn visit_records_are_kept_exported_for_evaluation_and_count_for_rotation() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    let post = |body: &Value| json_of(c.post(server.url("/v1/visits")).bearer_auth(&tokens.officer).json(body).send().unwrap());
    // Every failing field at once.
    let mut bad = visit_body("completed", &["lucheng-001", "nowhere-999", "lucheng-001"], None);
    bad["theme"] = json!("space");
    let answer = post(&bad);
    assert_problem(&answer, 422, "invalid_request");
    let fields: Vec<&str> = answer.2["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["theme", "bases[1]", "bases[2]", "outcome"], "{}", answer.2);

    let (first, second) = (top_two_matches(&server)[0].clone(), top_two_matches(&server)[1].clone());
    let rotation_before = rotation_of(&server, &first);
    let planned = post(&visit_body("planned", &[&first, &second], None));
    assert_eq!(planned.0, 201, "{}", planned.2);
    let id = planned.2["id"].as_str().unwrap().to_string();
    assert_eq!(planned.1["location"].to_str().unwrap(), format!("/v1/visits/{id}"));
    assert_eq!(rotation_of(&server, &first), rotation_before, "a planned visit does not take a base's time yet");

    // Completed with its outcome: counts for rotation and appears in the evaluation export.
    let etag = planned.1["etag"].to_str().unwrap().to_string();
    let outcome = json!({"productive_bases": [first], "agreements_signed": 1, "follow_up_projects": 2, "satisfaction": 5});
    let completed = json_of(
        c.put(server.url(&format!("/v1/visits/{id}")))
            .bearer_auth(&tokens.officer)
            .header("if-match", &etag)
            .json(&visit_body("completed", &[&first, &second], Some(outcome)))
            .send()
            .unwrap(),
    );
    assert_eq!(completed.0, 200, "{}", completed.2);
    assert_eq!(completed.2["recorded_by"], "token:officer-c");
    assert!(rotation_of(&server, &first) < rotation_before, "a completed visit lowers the rotation feature");
    let stale = json_of(
        c.put(server.url(&format!("/v1/visits/{id}"))).bearer_auth(&tokens.officer).header("if-match", &etag).json(&visit_body("cancelled", &["lucheng-001"], None)).send().unwrap(),
    );
    assert_problem(&stale, 412, "precondition_failed");

    let (status, _, page) = get(&server, "/v1/visits?status=completed", Some(&tokens.officer));
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    let csv = c.get(server.url("/v1/visits?format=csv")).bearer_auth(&tokens.officer).send().unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), format!("\u{feff}{}", visitmatch::evaluation::visits::VISIT_COLUMNS.join(",")), "a byte-order mark for Excel, then the columns");
    let row = lines.next().unwrap();
    assert!(row.starts_with(&format!("{id},2026-03-10,2,IT,Prato,business_association,12,lucheng,")), "{row}");
    assert!(row.ends_with(&format!("{first};{second},{first},1,2,5")), "{row}");
    // The export is accepted as it is by the evaluation.
    let (status, _, report) = json_of(c.post(server.url("/v1/evaluations")).header("content-type", "text/csv").body(csv).send().unwrap());
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["visits"], 1, "{report}");
    // The audit log has both states.
    let (_, _, audit) = get(&server, &format!("/v1/audit?target=visit:{id}"), Some(&tokens.admin));
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["visit_replace", "visit_create"]);
}

#[test]
fn tokens_made_over_the_api_work_until_revoked() {
    let (server, tokens) = server_with_tokens();
    let c = client();
    let (status, _, made) = json_of(c.post(server.url("/v1/tokens")).bearer_auth(&tokens.admin).json(&json!({"name": "li-na", "role": "officer"})).send().unwrap());
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().unwrap();
    assert_eq!(get(&server, "/v1/visits", Some(secret)).0, 200);
    let (_, _, listed) = get(&server, "/v1/tokens", Some(&tokens.admin));
    assert!(listed.as_array().unwrap().iter().all(|t| t.get("secret").is_none() && t.get("hash").is_none()));
    let id = made["id"].as_str().unwrap();
    let (status, _, revoked) = json_of(c.delete(server.url(&format!("/v1/tokens/{id}"))).bearer_auth(&tokens.admin).send().unwrap());
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    assert_problem(&get(&server, "/v1/visits", Some(secret)), 401, "invalid_token");
    let bad_role = json_of(c.post(server.url("/v1/tokens")).bearer_auth(&tokens.admin).json(&json!({"name": "x", "role": "root"})).send().unwrap());
    assert_problem(&bad_role, 422, "invalid_request");
}

#[test]
fn concurrent_readers_never_see_a_half_applied_import() {
    let (server, tokens) = server_with_tokens();
    let (_, _, health) = get(&server, "/health", None);
    let before = health["bases"].as_u64().unwrap();
    let query = format!("/v1/bases?q={}&limit=1", urlencode("半程马拉松鞋"));
    let matching_before = get(&server, &query, None).2["total"].as_u64().unwrap();
    let records: Vec<String> = (0..40).map(|n| new_record(&format!("lucheng-95{n:02}"), "寻找半程马拉松鞋合作").to_string()).collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = std::collections::BTreeSet::new();
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        let (status, _, page) = get(&server, &query, None);
                        assert_eq!(status, 200);
                        seen.insert(page["total"].as_u64().unwrap());
                    }
                    seen
                })
            })
            .collect();
        for _ in 0..2 {
            let answer = json_of(
                client().post(server.url("/v1/bases/import")).bearer_auth(&tokens.admin).header("content-type", "application/x-ndjson").body(records.join("\n")).send().unwrap(),
            );
            assert_eq!(answer.0, 200, "{}", answer.2);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        for reader in readers {
            let seen = reader.join().unwrap();
            assert!(
                seen.iter().all(|total| *total == matching_before || *total == matching_before + 40),
                "a reader saw part of an import: {seen:?} (before: {matching_before})"
            );
        }
    });
    assert_eq!(get(&server, "/health", None).2["bases"].as_u64().unwrap(), before + 40);
}

#[test]
fn a_request_over_the_time_limit_gets_a_problem_answer() {
    let server = TestServer::start_with(|mut state| {
        state.request_timeout = std::time::Duration::from_millis(1);
        state
    });
    let request = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/itineraries/prato_3_days.json")).unwrap();
    let answer = json_of(client().post(server.url("/v1/itineraries")).header("content-type", "application/json").body(request).send().unwrap());
    assert_problem(&answer, 503, "request_timeout");
    assert_eq!(answer.1["retry-after"], "1");
}
