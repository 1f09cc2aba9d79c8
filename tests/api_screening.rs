//! Screening on a real server: a survey return imported as candidates, reviewed by an officer,
//! and counted by the survey.
//!
//! Properties covered:
//! 1. Candidates imported from an office spreadsheet (Chinese headers and labels) are invisible
//!    below officer exactly as a missing base is: their page, search, listing and matching.
//! 2. Officers see them in the review queue, with a near-duplicate of a library base flagged.
//! 3. Review decisions follow the workflow (a wrong one is 409 on `decision`, a rejection without
//!    a reason is 422 on `note`), are officers' only, and land in the audit log by name.
//! 4. Approval makes a base public and matchable; suspension hides it again; a later write that
//!    states no status keeps the status.
//! 5. The survey counts every status per division and in total.

mod common;

use common::TestServer;
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{json, Value};
use visitmatch::access::{Actor, Role};
use visitmatch::app;

struct Tokens {
    admin: String,
    officer: String,
    viewer: String,
}

fn server_with_tokens() -> (TestServer, Tokens) {
    let mut tokens = None;
    let server = TestServer::start_with(|state| {
        let make = |name: &str, role| app::access::create_token(&state.library, name, role, None, &Actor::command_line()).expect("a token").secret;
        tokens = Some(Tokens { admin: make("admin-a", Role::Admin), officer: make("officer-wang", Role::Officer), viewer: make("viewer-v", Role::Viewer) });
        state
    });
    (server, tokens.expect("tokens were made"))
}

fn send(request: RequestBuilder, token: Option<&str>) -> (u16, Value) {
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn client() -> Client {
    Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

/// A survey return as Lucheng would send it: Chinese headers, labels, no ids. The second row
/// is the library's `lucheng-001` under its registered name written another way.
const RETURN_CSV: &str = "基地名称,类型,产业类型,所在地区,地址,纬度,经度,主要需求,推介要点,简介,参观时长（分钟）,开放时间,最大接待人数,讲解语言\n\
测试量子锁芯研发中心,企业,低压电器,鹿城区,温州市鹿城区测试路1号,28.01,120.65,寻找欧洲量子锁芯合作伙伴,量子锁芯生产线,专注量子锁芯研发的测试企业。,60,周一至周五 9:00-17:00,30,中文、英语\n\
温州宏鼎鞋业集团,企业,鞋业,鹿城区,温州市鹿城区七都街道7号,27.9938,120.6754,建设海外仓,年产皮鞋,重复申报的测试记录。,60,周一至周五 9:00-17:00,30,中文\n";

const UNIQUE_WORD: &str = "量子锁芯";

fn import_return(server: &TestServer, token: &str, query: &str) -> (u16, Value) {
    send(
        client().post(server.url(&format!("/v1/bases/import?{query}"))).header("content-type", "text/csv").body(RETURN_CSV.as_bytes().to_vec()),
        Some(token),
    )
}

fn found_by_search(server: &TestServer, token: Option<&str>) -> Vec<Value> {
    let (status, page) = send(client().get(server.url(&format!("/v1/bases?q={UNIQUE_WORD}&limit=50"))), token);
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().iter().map(|i| i["base"].clone()).filter(|b| b["name_zh"].as_str().unwrap().contains(UNIQUE_WORD)).collect()
}

/// Whether matching proposes base `id`, and the reason it gives for leaving it out when the
/// delegation asks for it by name (officers are told; below officer it is an unknown id).
fn matched(server: &TestServer, id: &str, token: Option<&str>) -> (bool, Option<String>) {
    let profile = json!({"country": "DE", "organisation_type": "business_association", "size": 10,
        "visit": {"weekdays": ["tue", "wed"]}, "days": 2, "hotel": {"division": "lucheng"},
        "interests": format!("{UNIQUE_WORD} 低压电器 quantum lock cores"), "industries_sought": ["electrical"], "languages": ["en"],
        "must_visit": [id]});
    let (status, outcome) = send(client().post(server.url("/v1/matches")).json(&json!({"profile": profile, "top": 100, "explain_excluded": true})), token);
    assert_eq!(status, 200, "{outcome}");
    let proposed = outcome["items"].as_array().unwrap().iter().any(|i| i["id"] == id);
    let excluded = outcome["excluded"].as_array().and_then(|e| e.iter().find(|x| x["id"] == id)).map(|x| x["reason"].as_str().unwrap().to_string());
    (proposed, excluded)
}

fn review(server: &TestServer, id: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    send(client().post(server.url(&format!("/v1/bases/{id}/review"))).json(&body), token)
}

#[test]
fn a_survey_return_waits_for_review_unseen_then_enters_the_library() {
    let (server, tokens) = server_with_tokens();

    // A dry run says what would happen, flags the duplicate, and writes nothing.
    let (status, dry) = import_return(&server, &tokens.admin, "as_candidates=true&submitted_by=鹿城区&dry_run=true");
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["preview"]["arrival"], "candidate");
    assert_eq!(dry["preview"]["inserted"].as_array().unwrap().len(), 2);
    let flagged = dry["preview"]["near_duplicates"].as_array().unwrap();
    assert!(flagged.iter().any(|d| d["other_id"] == "lucheng-001" && d["reason"] == "same_name"), "{dry}");
    assert!(found_by_search(&server, Some(&tokens.officer)).is_empty(), "a dry run wrote nothing");

    // A submission cannot place its own rows in the library.
    let stated = RETURN_CSV.replacen("讲解语言\n", "讲解语言,状态\n", 1).replace("中文、英语\n", "中文、英语,入库\n").replace(",中文\n", ",中文,\n");
    let (status, refused) = send(
        client().post(server.url("/v1/bases/import?as_candidates=true")).header("content-type", "text/csv").body(stated.into_bytes()),
        Some(&tokens.admin),
    );
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "status", "{refused}");

    let (status, imported) = import_return(&server, &tokens.admin, "as_candidates=true&submitted_by=鹿城区");
    assert_eq!(status, 200, "{imported}");
    assert_eq!(imported["inserted"], 2);

    // Officers see the candidate; below officer it does not exist.
    let officer_hits = found_by_search(&server, Some(&tokens.officer));
    assert_eq!(officer_hits.len(), 1, "{officer_hits:?}");
    let candidate = officer_hits[0].clone();
    let id = candidate["id"].as_str().unwrap().to_string();
    assert_eq!((candidate["status"].as_str(), candidate["submitted_by"].as_str()), (Some("candidate"), Some("lucheng")));
    for token in [None, Some(tokens.viewer.as_str())] {
        assert!(found_by_search(&server, token).is_empty(), "search below officer");
        let (status, hidden) = send(client().get(server.url(&format!("/v1/bases/{id}"))), token);
        let (_, missing) = send(client().get(server.url("/v1/bases/lucheng-zz-missing")), token);
        assert_eq!(status, 404);
        assert_eq!(hidden["code"], missing["code"]);
        assert_eq!(hidden["detail"].as_str().unwrap().replace(&id, "ID"), missing["detail"].as_str().unwrap().replace("lucheng-zz-missing", "ID"));
        let (status, listing) = send(client().get(server.url("/v1/bases?status=candidate&limit=100")), token);
        assert_eq!((status, listing["total"].as_u64()), (200, Some(0)), "{listing}");
    }
    // Nobody's matching proposes it; officers are told why.
    assert_eq!(matched(&server, &id, None), (false, None));
    assert_eq!(matched(&server, &id, Some(&tokens.officer)), (false, Some("not_active".to_string())));

    // The review queue: both candidates, the duplicate flagged beside the library base.
    let (status, queue) = send(client().get(server.url("/v1/screening?division=鹿城区")), Some(&tokens.officer));
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["total"], 2, "{queue}");
    let duplicate = queue["items"].as_array().unwrap().iter().find(|i| i["base"]["name_zh"] == "温州宏鼎鞋业集团").unwrap();
    assert_eq!(duplicate["near_duplicates"][0]["other_id"], "lucheng-001");
    assert_eq!(send(client().get(server.url("/v1/screening")), Some(&tokens.viewer)).0, 403);
    let (status, wrong) = send(client().get(server.url("/v1/screening?status=pending-ish")), Some(&tokens.officer));
    assert_eq!((status, wrong["errors"][0]["field"].as_str()), (400, Some("status")), "{wrong}");

    // The survey counts them.
    let (status, survey) = send(client().get(server.url("/v1/survey")), Some(&tokens.officer));
    assert_eq!(status, 200, "{survey}");
    assert_eq!(survey["totals"]["candidate"], 2);
    let lucheng = survey["divisions"].as_array().unwrap().iter().find(|d| d["division"]["code"] == "lucheng").unwrap();
    assert_eq!(lucheng["by_status"]["candidate"], 2);
    assert_eq!(survey["candidates_by_submitter"]["lucheng"], 2);
    assert_eq!(send(client().get(server.url("/v1/survey")), None).0, 401);

    // Review: the workflow's rules, then approval.
    let duplicate_id = duplicate["base"]["id"].as_str().unwrap().to_string();
    let (status, no_reason) = review(&server, &duplicate_id, json!({"decision": "reject"}), Some(&tokens.officer));
    assert_eq!((status, no_reason["errors"][0]["field"].as_str()), (422, Some("note")), "{no_reason}");
    assert_eq!(review(&server, &duplicate_id, json!({"decision": "reject", "note": "与 lucheng-001 重复"}), Some(&tokens.officer)).0, 200);
    assert_eq!(review(&server, &id, json!({"decision": "approve"}), Some(&tokens.viewer)).0, 403);
    let (status, approved) = review(&server, &id, json!({"decision": "approve", "note": "材料齐全"}), Some(&tokens.officer));
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "active");
    let (status, again) = review(&server, &id, json!({"decision": "approve"}), Some(&tokens.officer));
    assert_eq!((status, again["code"].as_str(), again["errors"][0]["field"].as_str()), (409, Some("review_not_applicable"), Some("decision")), "{again}");

    let (status, audit) = send(client().get(server.url(&format!("/v1/audit?target=base:{id}"))), Some(&tokens.admin));
    assert_eq!(status, 200, "{audit}");
    let entries = audit["items"].as_array().expect("audit entries");
    let approval = entries.iter().find(|e| e["action"] == "review:approve").expect("the approval is audited");
    assert_eq!(approval["actor"], "token:officer-wang");
    assert_eq!(approval["before"]["status"], "candidate");
    assert_eq!(approval["after"]["status"], "active");

    // In the library now: public, and matched; the screening trail stays the office's.
    assert_eq!(found_by_search(&server, None).len(), 1);
    let (status, public) = send(client().get(server.url(&format!("/v1/bases/{id}"))), None);
    assert_eq!(status, 200);
    assert!(public.get("review_note").is_none() && public.get("submitted_by").is_none(), "{public}");
    assert!(found_by_search(&server, None)[0].get("review_note").is_none());
    assert!(matched(&server, &id, None).0, "an active base that fits is proposed");

    // Suspended: hidden again. A write that states no status keeps it suspended.
    assert_eq!(review(&server, &id, json!({"decision": "suspend"}), Some(&tokens.officer)).0, 422, "suspending needs a reason");
    assert_eq!(review(&server, &id, json!({"decision": "suspend", "note": "装修停业"}), Some(&tokens.officer)).0, 200);
    assert!(found_by_search(&server, None).is_empty());
    assert_eq!(matched(&server, &id, Some(&tokens.officer)), (false, Some("not_active".to_string())));
    let response = client().get(server.url(&format!("/v1/bases/{id}"))).bearer_auth(&tokens.admin).send().unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let (status, patched) = send(
        client().patch(server.url(&format!("/v1/bases/{id}"))).header("if-match", etag).header("content-type", "application/merge-patch+json").body(r#"{"max_group_size": 25}"#),
        Some(&tokens.admin),
    );
    assert_eq!(status, 200, "{patched}");
    assert_eq!((patched["status"].as_str(), patched["review_note"].as_str()), (Some("suspended"), Some("装修停业")));
    // A write cannot move it: statuses change by review only.
    let etag = client().get(server.url(&format!("/v1/bases/{id}"))).bearer_auth(&tokens.admin).send().unwrap().headers()["etag"].to_str().unwrap().to_string();
    let (status, refused) = send(
        client().patch(server.url(&format!("/v1/bases/{id}"))).header("if-match", etag).header("content-type", "application/merge-patch+json").body(r#"{"status": "active"}"#),
        Some(&tokens.admin),
    );
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("status")), "{refused}");
    assert!(found_by_search(&server, None).is_empty(), "still suspended");
    // A survey return never replaces the library.
    let (status, refused) = import_return(&server, &tokens.admin, "as_candidates=true&mode=replace&dry_run=true");
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("mode")), "{refused}");

    let (_, survey) = send(client().get(server.url("/v1/survey")), Some(&tokens.officer));
    assert_eq!((survey["totals"]["candidate"].as_u64(), survey["totals"]["rejected"].as_u64(), survey["totals"]["suspended"].as_u64()), (Some(0), Some(1), Some(1)));
}

#[test]
fn officers_download_the_library_as_the_office_sheet_and_it_imports_back_unchanged() {
    let (server, tokens) = server_with_tokens();
    let download = |format: &str, token: Option<&str>| {
        let request = client().get(server.url(&format!("/v1/exports/bases?format={format}")));
        let response = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
        .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().unwrap().to_vec())
    };
    assert_eq!(download("xlsx", None).0, 401);
    assert_eq!(download("xlsx", Some(&tokens.viewer)).0, 403, "the export holds restricted bases and contacts");
    let (status, headers, wrong) = download("pdf", Some(&tokens.officer));
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&wrong));
    assert_eq!(headers["content-type"], "application/problem+json");

    for (format, media_type) in [("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("csv", "text/csv")] {
        let (status, headers, bytes) = download(format, Some(&tokens.officer));
        assert_eq!(status, 200);
        assert!(headers["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''%E5%9F%BA%E5%9C%B0%E5%BA%93."), "{headers:?}");
        if format == "csv" {
            assert!(bytes.starts_with("\u{feff}编号".as_bytes()), "a byte-order mark, then the Chinese headers");
        }
        let (status, preview) = send(
            client().post(server.url("/v1/bases/import?dry_run=true")).header("content-type", media_type).body(bytes),
            Some(&tokens.admin),
        );
        assert_eq!(status, 200, "{preview}");
        assert_eq!((preview["inserted"].as_u64(), preview["preview"]["updated"].as_array().map(Vec::len)), (Some(0), Some(0)), "{format}: {preview}");
    }
}

#[test]
fn an_import_refused_for_unknown_labels_lists_them_with_proposals_and_takes_a_mapping() {
    let (server, tokens) = server_with_tokens();
    let csv = RETURN_CSV.replace(",低压电器,", ",智能电表,").replace(",鞋业,", ",鞋材,");
    let post = |query: &str| {
        send(client().post(server.url(&format!("/v1/bases/import?{query}"))).header("content-type", "text/csv").body(csv.clone().into_bytes()), Some(&tokens.admin))
    };
    let (status, refused) = post("dry_run=true");
    assert_eq!(status, 422, "{refused}");
    let unknown = refused["unknown_labels"].as_array().expect("unknown labels gathered");
    let labels: Vec<(&str, &str, u64)> = unknown.iter().map(|u| (u["label"].as_str().unwrap(), u["proposed"].as_str().unwrap(), u["lines"][0].as_u64().unwrap())).collect();
    assert_eq!(labels, vec![("智能电表", "smart_grid", 2), ("鞋材", "footwear", 3)]);
    assert_eq!(refused["errors"][0]["value"], "智能电表");

    let (status, wrong) = post("map=鞋材:no-such-industry");
    assert_eq!((status, wrong["errors"][0]["field"].as_str()), (400, Some("map")), "checked before the file is read: {wrong}");
    let (status, malformed) = post("map=鞋材");
    assert_eq!((status, malformed["errors"][0]["field"].as_str()), (400, Some("map")), "{malformed}");

    let (status, imported) = post("map=智能电表:低压电器&accept_suggestions=true");
    assert_eq!(status, 200, "{imported}");
    assert_eq!(imported["inserted"], 2);
    let (_, page) = send(client().get(server.url("/v1/bases?q=智能电表&industry=低压电器")), None);
    let hit = page["items"].as_array().unwrap().iter().find(|i| i["base"]["name_zh"].as_str().unwrap().contains(UNIQUE_WORD)).expect("found by its own label");
    assert!(hit["base"]["tags"].as_array().unwrap().iter().any(|t| t == "智能电表"));

    // Accepted labels: admins add them, officers read them, imports use them.
    let accept = |body: Value, token: &str| send(client().post(server.url("/v1/accepted-labels")).json(&body), Some(token));
    assert_eq!(accept(json!({"labels": [{"label": "鞋材", "industry": "鞋业"}]}), &tokens.officer).0, 403);
    let (status, wrong) = accept(json!({"labels": [{"label": "鞋业", "industry": "鞋业"}, {"label": "鞋面", "industry": "鞋类制品"}]}), &tokens.admin);
    assert_eq!(status, 422, "{wrong}");
    let fields: Vec<&str> = wrong["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["labels[0].label", "labels[1].industry"]);
    let (status, accepted) = accept(json!({"labels": [{"label": "鞋材", "industry": "鞋业"}, {"label": "智能电表", "industry": "low_voltage"}]}), &tokens.admin);
    assert_eq!((status, accepted["changed"].as_u64()), (200, Some(2)), "{accepted}");
    let (status, listed) = send(client().get(server.url("/v1/accepted-labels")), Some(&tokens.officer));
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().iter().map(|l| (l["label"].as_str().unwrap(), l["industry"].as_str().unwrap())).collect::<Vec<_>>(), vec![("智能电表", "low_voltage"), ("鞋材", "footwear")]);
    let (status, preview) = post("dry_run=true");
    assert_eq!(status, 200, "accepted labels need no mapping: {preview}");
    // They read as their industry wherever an industry is asked for: filters and profiles.
    let (status, page) = send(client().get(server.url("/v1/bases?industry=鞋材&limit=100")), None);
    assert_eq!(status, 200, "{page}");
    let (_, footwear) = send(client().get(server.url("/v1/bases?industry=footwear&limit=100")), None);
    assert_eq!(page["total"], footwear["total"]);
    let profile = json!({"country": "IT", "organisation_type": "business_association", "size": 10, "visit": {"weekdays": ["tue"]}, "days": 1,
        "hotel": {"division": "lucheng"}, "interests": "", "industries_sought": ["鞋材"]});
    let (status, outcome) = send(client().post(server.url("/v1/matches")).json(&json!({"profile": profile, "top": 5})), None);
    assert_eq!(status, 200, "{outcome}");
    let sought: Vec<&str> = outcome["sought_industries"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap()).collect();
    assert_eq!(sought, vec!["footwear"], "the accepted label is read as its industry: {outcome}");
    let (status, _) = send(client().delete(server.url("/v1/accepted-labels/鞋材")), Some(&tokens.admin));
    assert_eq!(status, 204);
    assert_eq!(post("dry_run=true").0, 422, "forgotten: unknown again");
}
