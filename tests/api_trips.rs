//! Trip applications (因公出国（境）网上申报、预审与审签) over HTTP on a real server.
//!
//! Properties covered:
//! 1. An officer files a draft; the pre-review shows every flag with its rule; submitting
//!    without answering a flag is a 422 naming `justifications.{code}`; answered, the revision is
//!    frozen and waits in the sign-off queue.
//! 2. Nobody signs off their own application (403 `own_application`), whichever credential
//!    they file and sign with (a token issued to them, or their session on the page); a
//!    script's token takes no step (403 `person_required`); an officer cannot decide at all;
//!    returning needs a comment.
//! 3. A returned application changed by its applicant is a new revision; both submitted
//!    revisions are kept; another officer cannot change it; after approval nothing changes it.
//! 4. Every step is in the audit log and in the application's history, with who and when.
//! 5. A department's trips beyond its annual plan are flagged; bad fields are all named.

mod common;

use common::TestServer;
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{json, Value};
use visitmatch::access::{Actor, Role};
use visitmatch::app;

/// Tokens issued to staff accounts (each acts as its person), and a script's token.
struct Staff {
    officer: String,
    other_officer: String,
    approver: String,
    viewer: String,
    admin: String,
    script: String,
}

const PASSWORD: &str = "瓯海区 protocol 2027";

fn start() -> (TestServer, Staff) {
    let mut staff = None;
    let server = TestServer::start_with(|state| {
        let cli = Actor::command_line();
        let person = |username: &str, role| {
            app::access::create_user(&state.library, username, role, PASSWORD, &cli).unwrap();
            app::access::create_token(&state.library, &format!("{username}-laptop"), role, Some(username), &cli).unwrap().secret
        };
        staff = Some(Staff {
            officer: person("li-ming", Role::Officer),
            other_officer: person("zhao-lei", Role::Officer),
            approver: person("chen-jing", Role::Approver),
            viewer: person("viewer-t", Role::Viewer),
            admin: person("admin-t", Role::Admin),
            script: app::access::create_token(&state.library, "nightly-import", Role::Admin, None, &cli).unwrap().secret,
        });
        state
    });
    (server, staff.unwrap())
}

fn send(request: RequestBuilder, token: &str) -> (u16, String, Value) {
    let response = request.bearer_auth(token).send().unwrap();
    let status = response.status().as_u16();
    let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, etag, response.json().unwrap_or(Value::Null))
}

fn client() -> Client {
    Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

/// Italy footwear route, 7 days for 3 stops (2 travel days justify 5), 3 members of whom one
/// serves no task.
fn application(department: &str) -> Value {
    json!({
        "department": department,
        "route": "fsm-it-footwear-design",
        "purpose_zh": "引进意大利鞋履设计人才，拓展欧洲高端渠道",
        "departs": "2027-03-08",
        "returns": "2027-03-14",
        "members": [
            {"name": "李明", "title": "市商务局副局长", "tasks": ["market", "diaspora"]},
            {"name": "陈静", "title": "市人才办科长", "tasks": ["talent", "design"]},
            {"name": "王强", "title": "办公室主任", "tasks": []}
        ],
        "bases": ["lucheng-001"],
        "budget": [{"item": "国际旅费", "yuan": 48000}, {"item": "住宿费", "yuan": 21000}]
    })
}

fn codes(flags: &Value) -> Vec<String> {
    let mut codes: Vec<String> = flags.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes
}

#[test]
fn an_application_goes_from_draft_through_pre_review_to_sign_off_and_nobody_signs_their_own() {
    let (server, staff) = start();
    let url = |path: &str| server.url(path);
    // Viewers and strangers cannot file.
    assert_eq!(client().post(url("/v1/trips")).json(&application("市商务局")).send().unwrap().status().as_u16(), 401);
    assert_eq!(send(client().post(url("/v1/trips")).json(&application("市商务局")), &staff.viewer).0, 403);
    let (status, _, problem) = send(client().post(url("/v1/trips")).json(&application("市商务局")), &staff.script);
    assert_eq!((status, problem["code"].as_str()), (403, Some("person_required")), "a script files nothing: {problem}");

    let (status, etag, draft) = send(client().post(url("/v1/trips")).json(&application("市商务局")), &staff.officer);
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!((draft["status"].as_str(), draft["revision"].as_u64()), (Some("draft"), Some(1)));

    // The pre-review: 7 days, over the 5 a one-country trip may take and the 5 its tasks need, and
    // a member with no task; each with its rule.
    let (status, _, review) = send(client().get(url(&format!("/v1/trips/{id}/review"))), &staff.officer);
    assert_eq!(status, 200, "{review}");
    assert_eq!(codes(&review["flags"]), ["days_over_rule", "days_over_tasks", "member_without_task"], "{review}");
    for flag in review["flags"].as_array().unwrap() {
        assert!(!flag["rule_zh"].as_str().unwrap().is_empty() && !flag["message_zh"].as_str().unwrap().is_empty(), "{flag}");
    }
    assert!(review["flags"].to_string().contains("王强"), "the flag names the member: {review}");
    assert!(review["check"]["summary_zh"].as_str().unwrap().contains("出访申请摘要"));

    // Submitting with one flag unanswered names it; nothing is changed.
    let submit = |etag: &str, answers: Value, token: &str| {
        send(client().post(url(&format!("/v1/trips/{id}/submit"))).header("if-match", etag).json(&json!({"justifications": answers})), token)
    };
    let answers = json!([
        {"key": "days_over_rule", "justification": "米兰鞋展与布伦塔河设计学院开学日期所限"},
        {"key": "days_over_tasks", "justification": "同上"}
    ]);
    let (status, _, problem) = submit(&etag, answers.clone(), &staff.officer);
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["justifications.member_without_task[2]"], "{problem}");
    let (_, etag_now, unchanged) = send(client().get(url(&format!("/v1/trips/{id}"))), &staff.officer);
    assert_eq!((unchanged["status"].as_str(), etag_now.as_str()), (Some("draft"), etag.as_str()));

    // Only the applicant submits; a script's token takes no step of a person's.
    let mut all = answers.as_array().unwrap().clone();
    all.push(json!({"key": "member_without_task[2]", "justification": "办公室主任负责团组联络与外事纪律"}));
    let (status, _, problem) = submit(&etag, json!(all), &staff.other_officer);
    assert_eq!((status, problem["code"].as_str()), (403, Some("not_applicant")), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("li-ming"), "names the applicant: {problem}");
    let (status, _, problem) = submit(&etag, json!(all), &staff.script);
    assert_eq!((status, problem["code"].as_str()), (403, Some("person_required")), "{problem}");
    let (status, etag, submitted) = submit(&etag, json!(all), &staff.officer);
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["flags"].as_array().unwrap().iter().all(|f| f["justification"].is_string()), "{submitted}");

    // Frozen: the applicant cannot change it now.
    let (status, _, _) = send(client().put(url(&format!("/v1/trips/{id}"))).header("if-match", &etag).json(&application("市商务局")), &staff.officer);
    assert_eq!(status, 409);

    // The queue shows it.
    let (_, _, queue) = send(client().get(url("/v1/trips?status=submitted")), &staff.approver);
    assert!(queue["items"].as_array().unwrap().iter().any(|t| t["id"] == id.as_str()), "{queue}");

    // An officer cannot decide; an approver must say why to return it.
    let decide = |etag: &str, body: Value, token: &str| send(client().post(url(&format!("/v1/trips/{id}/decision"))).header("if-match", etag).json(&body), token);
    assert_eq!(decide(&etag, json!({"decision": "approve"}), &staff.other_officer).0, 403);
    let (status, _, problem) = decide(&etag, json!({"decision": "return"}), &staff.approver);
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("comment")), "{problem}");
    let (status, etag, returned) = decide(&etag, json!({"decision": "return", "comment": "请压缩在外天数，去掉无任务人员"}), &staff.approver);
    assert_eq!(status, 200, "{returned}");
    assert_eq!(returned["status"], "returned");

    // The applicant changes it: a new revision, now within the rules.
    let mut changed = application("市商务局");
    changed["returns"] = json!("2027-03-12");
    changed["members"].as_array_mut().unwrap().pop();
    let (status, etag, revised) = send(client().put(url(&format!("/v1/trips/{id}"))).header("if-match", &etag).json(&changed), &staff.officer);
    assert_eq!(status, 200, "{revised}");
    assert_eq!((revised["status"].as_str(), revised["revision"].as_u64()), (Some("draft"), Some(2)));
    // Saved again: one step in the history (the record does not grow with each save), two in the audit log.
    let (status, etag, saved_again) = send(client().put(url(&format!("/v1/trips/{id}"))).header("if-match", &etag).json(&changed), &staff.officer);
    assert_eq!(status, 200, "{saved_again}");
    assert_eq!(saved_again["history"].as_array().unwrap().len(), revised["history"].as_array().unwrap().len(), "{saved_again}");
    let (_, _, review) = send(client().get(url(&format!("/v1/trips/{id}/review"))), &staff.officer);
    assert!(review["flags"].as_array().unwrap().is_empty(), "{review}");
    let (status, etag, _) = submit(&etag, json!([]), &staff.officer);
    assert_eq!(status, 200);

    // An approver who files an application cannot sign it off; another approver can.
    let (_, own_etag, own) = send(client().post(url("/v1/trips")).json(&changed), &staff.approver);
    let own_id = own["id"].as_str().unwrap();
    let (_, own_etag, _) = send(client().post(url(&format!("/v1/trips/{own_id}/submit"))).header("if-match", &own_etag).json(&json!({})), &staff.approver);
    let (status, _, problem) = send(client().post(url(&format!("/v1/trips/{own_id}/decision"))).header("if-match", &own_etag).json(&json!({"decision": "approve"})), &staff.approver);
    assert_eq!((status, problem["code"].as_str()), (403, Some("own_application")), "{problem}");
    // Nor with another credential: signed in on the page, they are the same person.
    let signed_in = client().post(url("/v1/session")).json(&json!({"username": "chen-jing", "password": PASSWORD})).send().unwrap();
    assert_eq!(signed_in.status().as_u16(), 201);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = signed_in.json::<Value>().unwrap()["csrf_token"].as_str().unwrap().to_string();
    let by_session = client()
        .post(url(&format!("/v1/trips/{own_id}/decision")))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("if-match", &own_etag)
        .json(&json!({"decision": "approve"}))
        .send()
        .unwrap();
    let status = by_session.status().as_u16();
    let problem: Value = by_session.json().unwrap();
    assert_eq!((status, problem["code"].as_str()), (403, Some("own_application")), "{problem}");
    let (status, _, problem) = send(client().post(url(&format!("/v1/trips/{own_id}/decision"))).header("if-match", &own_etag).json(&json!({"decision": "approve"})), &staff.script);
    assert_eq!((status, problem["code"].as_str()), (403, Some("person_required")), "a script's admin token signs nothing: {problem}");
    let (status, _, _) = send(client().post(url(&format!("/v1/trips/{own_id}/decision"))).header("if-match", &own_etag).json(&json!({"decision": "approve"})), &staff.admin);
    assert_eq!(status, 200, "an admin is another approver");

    let (status, etag, approved) = decide(&etag, json!({"decision": "approve", "comment": "同意"}), &staff.approver);
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(decide(&etag, json!({"decision": "reject", "comment": "x"}), &staff.approver).0, 409, "decided once");

    // History: every step with who and when; both submitted revisions kept.
    let steps: Vec<(&str, &str, u64)> = approved["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap(), e["revision"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("filed", "li-ming", 1),
            ("submitted", "li-ming", 1),
            ("returned", "chen-jing", 1),
            ("revised", "li-ming", 2),
            ("submitted", "li-ming", 2),
            ("approved", "chen-jing", 2)
        ]
    );
    assert!(approved["history"].as_array().unwrap().iter().all(|e| e["at"].as_str().is_some_and(|at| at.starts_with("20"))));
    let (_, _, revisions) = send(client().get(url(&format!("/v1/trips/{id}/revisions"))), &staff.officer);
    let kept: Vec<(u64, &str)> = revisions["items"].as_array().unwrap().iter().map(|r| (r["revision"].as_u64().unwrap(), r["application"]["returns"].as_str().unwrap())).collect();
    assert_eq!(kept, [(1, "2027-03-14"), (2, "2027-03-12")]);
    let (_, _, audit) = send(client().get(url(&format!("/v1/audit?target=trip:{id}"))), &staff.admin);
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["trip_filed", "trip_submitted", "trip_returned", "trip_revised", "trip_revised", "trip_submitted", "trip_approved"]);
    assert_eq!(audit["items"][0]["actor"], "chen-jing via token:chen-jing-laptop", "the person and the credential");
    let (_, _, by_person) = send(client().get(url(&format!("/v1/audit?target=trip:{id}&actor=Chen-Jing"))), &staff.admin);
    assert_eq!(by_person["items"].as_array().unwrap().len(), 2, "a person's name finds their steps by token: {by_person}");
    let (_, _, by_prefix) = send(client().get(url(&format!("/v1/audit?target=trip:{id}&actor=chen"))), &staff.admin);
    assert_eq!(by_prefix["items"].as_array().unwrap().len(), 0, "a name is matched whole: {by_prefix}");
}

#[test]
fn a_token_issued_to_a_person_acts_as_them_never_above_their_role_and_ends_with_their_account() {
    let mut library = None;
    let (server, staff) = {
        let mut staff = None;
        let server = TestServer::start_with(|state| {
            let cli = Actor::command_line();
            app::access::create_user(&state.library, "li-ming", Role::Officer, PASSWORD, &cli).unwrap();
            app::access::create_user(&state.library, "zhou.admin", Role::Admin, PASSWORD, &cli).unwrap();
            staff = Some(app::access::create_token(&state.library, "zhou-laptop", Role::Admin, Some("zhou.admin"), &cli).unwrap().secret);
            library = Some(state.library.clone());
            state
        });
        (server, staff.unwrap())
    };
    let library = library.unwrap();
    let url = |path: &str| server.url(path);
    let make = |body: Value| send(client().post(url("/v1/tokens")).json(&body), &staff);
    let field = |problem: &Value| problem["errors"][0]["field"].as_str().map(str::to_string);

    // Whoever makes a token holds its secret: over HTTP an admin issues one only to themself,
    // or they could act (and sign off their own trips) as someone else.
    let (status, _, problem) = make(json!({"name": "li-laptop", "role": "officer", "user": "li-ming"}));
    assert_eq!((status, field(&problem)), (422, Some("user".into())), "{problem}");
    let (status, _, problem) = make(json!({"name": "x", "role": "officer", "user": "nobody"}));
    assert_eq!((status, field(&problem)), (422, Some("user".into())), "{problem}");
    let (status, _, own) = make(json!({"name": "zhou-phone", "role": "approver", "user": "Zhou.Admin"}));
    assert_eq!((status, own["user"].as_str()), (201, Some("zhou.admin")), "{own}");
    // The server's command line issues to anyone, never above the account's role.
    let cli = Actor::command_line();
    let refused = app::access::create_token(&library, "li-laptop", Role::Approver, Some("li-ming"), &cli).unwrap_err();
    assert!(matches!(&refused, visitmatch::Error::Invalid(errors) if errors[0].field == "role"), "{refused}");
    let token = app::access::create_token(&library, "li-laptop", Role::Officer, Some("LI-MING"), &cli).unwrap().secret;
    let (_, _, listed) = send(client().get(url("/v1/tokens")), &staff);
    assert!(listed.as_array().unwrap().iter().any(|t| t["name"] == "li-laptop" && t["user"] == "li-ming"), "{listed}");

    // It files as li-ming, and the history names the person.
    let (status, _, draft) = send(client().post(url("/v1/trips")).json(&application("市商务局")), &token);
    assert_eq!((status, draft["applicant"].as_str()), (201, Some("li-ming")), "{draft}");
    assert_eq!(draft["history"][0]["actor"], "li-ming");

    // Disabled, the account's tokens are revoked with its sessions: enabled again, it starts
    // with no old credential alive.
    app::access::set_user_disabled(&library, "li-ming", true, &cli).unwrap();
    let (status, _, problem) = send(client().get(url("/v1/trips")), &token);
    assert_eq!((status, problem["code"].as_str()), (401, Some("invalid_token")), "{problem}");
    app::access::set_user_disabled(&library, "li-ming", false, &cli).unwrap();
    assert_eq!(send(client().get(url("/v1/trips")), &token).0, 401);
    let (_, _, listed) = send(client().get(url("/v1/tokens")), &staff);
    assert!(listed.as_array().unwrap().iter().any(|t| t["name"] == "li-laptop" && t["revoked_at"].is_string()), "{listed}");
    // A new password revokes them too.
    let token = app::access::create_token(&library, "li-laptop-2", Role::Officer, Some("li-ming"), &cli).unwrap().secret;
    assert_eq!(send(client().get(url("/v1/trips")), &token).0, 200);
    app::access::set_password(&library, "li-ming", "a new password 2027", &cli).unwrap();
    assert_eq!(send(client().get(url("/v1/trips")), &token).0, 401);
}

#[test]
fn an_application_returned_twenty_times_is_filed_anew() {
    let (server, staff) = start();
    let url = |path: &str| server.url(path);
    let mut plan = application("市教育局");
    plan["returns"] = json!("2027-03-12");
    plan["members"].as_array_mut().unwrap().pop();
    let (_, mut etag, draft) = send(client().post(url("/v1/trips")).json(&plan), &staff.officer);
    let id = draft["id"].as_str().unwrap().to_string();
    for revision in 1..=20 {
        let (status, next, submitted) = send(client().post(url(&format!("/v1/trips/{id}/submit"))).header("if-match", &etag).json(&json!({})), &staff.officer);
        assert_eq!(status, 200, "revision {revision}: {submitted}");
        let (status, returned, _) = send(client().post(url(&format!("/v1/trips/{id}/decision"))).header("if-match", &next).json(&json!({"decision": "return", "comment": "再改"})), &staff.approver);
        assert_eq!(status, 200);
        let (status, next, revised) = send(client().put(url(&format!("/v1/trips/{id}"))).header("if-match", &returned).json(&plan), &staff.officer);
        if revision < 20 {
            assert_eq!((status, revised["revision"].as_u64()), (200, Some(revision + 1)), "{revised}");
            etag = next;
        } else {
            assert_eq!((status, revised["code"].as_str(), revised["errors"][0]["field"].as_str()), (409, Some("trip_step_not_applicable"), Some("revision")), "{revised}");
            // Submitted again unchanged, it would be a new revision too.
            let (status, _, resubmitted) = send(client().post(url(&format!("/v1/trips/{id}/submit"))).header("if-match", &returned).json(&json!({})), &staff.officer);
            assert_eq!((status, resubmitted["errors"][0]["field"].as_str()), (409, Some("revision")), "{resubmitted}");
        }
    }
    let (_, _, revisions) = send(client().get(url(&format!("/v1/trips/{id}/revisions"))), &staff.officer);
    assert_eq!(revisions["items"].as_array().unwrap().len(), 20, "every submitted revision kept, no more");
}

#[test]
fn the_annual_plan_is_flagged_and_bad_fields_are_all_named() {
    let (server, staff) = start();
    let url = |path: &str| server.url(path);
    // 市外事学校 has the default plan of 2 trips a year: the third submitted is flagged.
    // Typed in English and in full, the department is one unit, kept under its Chinese name; a
    // unit not in the list is refused with what was typed.
    let (status, _, filed) = send(client().post(url("/v1/trips")).json(&application(" bureau of  Commerce")), &staff.officer);
    assert_eq!((status, filed["application"]["department"].as_str()), (201, Some("市商务局")), "{filed}");
    let (status, _, problem) = send(client().post(url("/v1/trips")).json(&application("温州市财政局大楼")), &staff.officer);
    assert_eq!((status, problem["errors"][0]["field"].as_str(), problem["errors"][0]["value"].as_str()), (422, Some("department"), Some("温州市财政局大楼")), "{problem}");
    let (_, _, listed) = send(client().get(url("/v1/trips?department=温州市商务局")), &staff.officer);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "the filter reads the name as filing does: {listed}");

    let mut plan = application("市教育局");
    plan["returns"] = json!("2027-03-12");
    plan["members"].as_array_mut().unwrap().pop();
    for n in 0..3 {
        let (status, etag, draft) = send(client().post(url("/v1/trips")).json(&plan), &staff.officer);
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap();
        let (_, _, review) = send(client().get(url(&format!("/v1/trips/{id}/review"))), &staff.officer);
        let flagged = codes(&review["flags"]).contains(&"annual_plan_exceeded".to_string());
        assert_eq!(flagged, n == 2, "trip {n}: {review}");
        let answers = if flagged { json!([{"key": "annual_plan_exceeded", "justification": "市政府临时交办任务"}]) } else { json!([]) };
        let (status, _, submitted) = send(client().post(url(&format!("/v1/trips/{id}/submit"))).header("if-match", &etag).json(&json!({"justifications": answers})), &staff.officer);
        assert_eq!(status, 200, "{submitted}");
    }
    // Every bad field at once.
    let mut bad = application("");
    bad["returns"] = json!("2027-03-01");
    bad["members"][0]["tasks"] = json!(["sightseeing"]);
    bad["bases"] = json!(["nope-1"]);
    bad["route"] = json!("no-such-route");
    let (status, _, problem) = send(client().post(url("/v1/trips")).json(&bad), &staff.officer);
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for expected in ["department", "returns", "members[0].tasks", "route", "bases[0]"] {
        assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
    }
    let (status, _, problem) = send(client().post(url("/v1/trips")).json(&json!({"department": "x"})), &staff.officer);
    assert!(status == 400 || status == 422, "{problem}");
    assert_eq!(send(client().get(url("/v1/trips/trip-999999")), &staff.officer).0, 404);
    // A base removed from the library after filing: the pre-review says what must change.
    let mut serving = plan.clone();
    serving["bases"] = json!(["lucheng-002"]);
    let (_, _, filed) = send(client().post(url("/v1/trips")).json(&serving), &staff.officer);
    let (_, base_etag, _) = send(client().get(url("/v1/bases/lucheng-002")), &staff.admin);
    assert_eq!(send(client().delete(url("/v1/bases/lucheng-002")).header("if-match", &base_etag), &staff.admin).0, 204);
    let (status, _, review) = send(client().get(url(&format!("/v1/trips/{}/review", filed["id"].as_str().unwrap()))), &staff.officer);
    assert_eq!(status, 200, "{review}");
    assert_eq!((review["problems"][0]["field"].as_str(), review["check"].is_null()), (Some("bases[0]"), true), "{review}");
    assert_eq!(send(client().get(url("/v1/trips?status=lost")), &staff.officer).0, 400);
}

/// Files, submits and signs off a trip on `route` between `departs` and `returns` with a head
/// and one member serving `task`; returns its id and ETag.
fn signed_off(server: &TestServer, staff: &Staff, route: &str, departs: &str, returns: &str, task: &str) -> (String, String) {
    let body = json!({
        "department": "市外办", "route": route, "departs": departs, "returns": returns,
        "members": [{"name": "周平", "title": "市外办主任"}, {"name": "吴琳", "title": "科长", "tasks": [task]}]
    });
    let (status, etag, draft) = send(client().post(server.url("/v1/trips")).json(&body), &staff.officer);
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (status, etag, submitted) = send(client().post(server.url(&format!("/v1/trips/{id}/submit"))).header("if-match", &etag).json(&json!({})), &staff.officer);
    assert_eq!(status, 200, "{submitted}");
    let (status, etag, approved) = send(client().post(server.url(&format!("/v1/trips/{id}/decision"))).header("if-match", &etag).json(&json!({"decision": "approve"})), &staff.approver);
    assert_eq!(status, 200, "{approved}");
    (id, etag)
}

#[test]
fn results_are_reported_after_return_and_assessed_by_route_theme_country_and_year() {
    let (server, staff) = start();
    let url = |path: &str| server.url(path);
    let report = |id: &str, etag: &str, body: Value, token: &str| send(client().post(url(&format!("/v1/trips/{id}/report"))).header("if-match", etag).json(&body), token);
    // Italy: four tasks, two met, one partly, one not; two agreements, one follow-up.
    let (italy, etag) = signed_off(&server, &staff, "fsm-it-footwear-design", "2026-10-12", "2026-10-16", "talent");
    let (status, _, problem) = report(&italy, &etag, json!({"tasks": [{"task": "talent", "result": "met"}, {"task": "sightseeing", "result": "met"}]}), &staff.officer);
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["tasks[1].task", "tasks", "tasks", "tasks"], "{problem}");
    let italy_report = json!({
        "tasks": [{"task": "talent", "result": "met", "note": "引进设计师2名"}, {"task": "design", "result": "met"},
                  {"task": "market", "result": "partly"}, {"task": "diaspora", "result": "not_met"}],
        "agreements": 2, "follow_ups": 1, "bases_benefited": ["lucheng-001"], "contacts": ["Riviera del Brenta design school"]
    });
    assert_eq!(report(&italy, &etag, italy_report.clone(), &staff.other_officer).0, 403, "only the applicant reports");
    let (status, _, reported) = report(&italy, &etag, italy_report, &staff.officer);
    assert_eq!(status, 200, "{reported}");
    assert_eq!(reported["status"], "reported");
    assert_eq!(reported["history"].as_array().unwrap().last().unwrap()["action"], "reported");
    // Korea, culture and tourism: both tasks met, one agreement.
    let (korea, etag) = signed_off(&server, &staff, "ct-kr-east-asia-culture", "2026-11-02", "2026-11-06", "tourism");
    let korea_report = json!({"tasks": [{"task": "tourism", "result": "met"}, {"task": "heritage_exchange", "result": "met"}], "agreements": 1});
    assert_eq!(report(&korea, &etag, korea_report, &staff.officer).0, 200);
    // A trip not yet back cannot report; one back long ago without a report is overdue.
    let (future, etag) = signed_off(&server, &staff, "ct-kr-east-asia-culture", "2099-05-04", "2099-05-08", "tourism");
    let (status, _, problem) = report(&future, &etag, json!({"tasks": [{"task": "tourism", "result": "met"}, {"task": "heritage_exchange", "result": "met"}]}), &staff.officer);
    assert_eq!(status, 409, "{problem}");
    let (late, _) = signed_off(&server, &staff, "fsm-it-footwear-design", "2026-08-03", "2026-08-07", "design");
    let (_, _, overdue) = send(client().get(url("/v1/trips?overdue=true")), &staff.officer);
    let ids: Vec<&str> = overdue["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [late.as_str()], "{overdue}");

    // The assessment, checked against the arithmetic written out here: each trip 2 members ×
    // 5 days = 10 member-days; Italy (1 + 1 + ½ + 0) / 4 tasks met, Korea 2 / 2.
    let assess = |query: &str| send(client().get(url(&format!("/v1/trips/assessment{query}"))), &staff.officer).2;
    let by_route = assess("");
    let rows = by_route["rows"].as_array().unwrap();
    let summary: Vec<(&str, u64, f64, f64)> = rows
        .iter()
        .map(|r| (r["group"].as_str().unwrap(), r["trips"].as_u64().unwrap(), r["tasks_met_share"].as_f64().unwrap(), r["agreements_per_member_day"].as_f64().unwrap()))
        .collect();
    assert_eq!(summary, [("ct-kr-east-asia-culture", 1, 1.0, 0.1), ("fsm-it-footwear-design", 1, 0.625, 0.2)], "{by_route}");
    assert_eq!(rows[1]["label_zh"], "意大利鞋服设计人才与品牌合作线路");
    assert_eq!((rows[1]["days_used"].as_u64(), rows[1]["days_allowed"].as_u64(), rows[1]["member_days"].as_u64()), (Some(5), Some(5), Some(10)));
    let by_theme = assess("?by=theme");
    let themes: Vec<&str> = by_theme["rows"].as_array().unwrap().iter().map(|r| r["label_zh"].as_str().unwrap()).collect();
    assert_eq!(themes, ["文化旅游", "时尚智造"], "{by_theme}");
    let by_country = assess("?by=country");
    let countries: Vec<&str> = by_country["rows"].as_array().unwrap().iter().map(|r| r["group"].as_str().unwrap()).collect();
    assert_eq!(countries, ["KR", "IT"]);
    let by_year = assess("?by=year&year=2026");
    let year = &by_year["rows"][0];
    assert_eq!((year["trips"].as_u64(), year["tasks"].as_u64(), year["member_days"].as_u64()), (Some(2), Some(6), Some(20)), "{by_year}");
    assert!((year["tasks_met_share"].as_f64().unwrap() - 4.5 / 6.0).abs() < 1e-9);
    assert!(assess("?by=year&year=2027")["rows"].as_array().unwrap().is_empty());
    assert_eq!(send(client().get(url("/v1/trips/assessment?by=colour")), &staff.officer).0, 400);
    // The same table as a workbook, as the office files it.
    let response = client().get(url("/v1/trips/assessment?by=route&format=xlsx")).bearer_auth(&staff.officer).send().unwrap();
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    let rows = visitmatch::catalog::workbook::read_sheet(&response.bytes().unwrap(), None).unwrap();
    let cells: Vec<&Vec<String>> = rows.iter().map(|(_, cells)| cells).collect();
    assert!(cells[0][0].contains("出访成果绩效考核") && cells[2][5].contains("任务达成率"), "{cells:?}");
    assert_eq!((cells[3][0].as_str(), cells[3][2].as_str()), ("韩国文旅推介与东亚文化之都交流线路", "1"), "{cells:?}");
    assert_eq!(cells[4][5].parse::<f64>().unwrap(), 0.625, "{cells:?}");

    // The results feed back into route suggestion, for staff only: the Korean route's trip met
    // all its tasks, the Italian route's 62.5 %.
    let needs = json!({"needs": "attract Korean visitors", "top": 5});
    let (_, _, for_staff) = send(client().post(url("/v1/outbound-routes/suggest")).json(&needs), &staff.officer);
    let korea = for_staff["routes"].as_array().unwrap().iter().find(|r| r["id"] == "ct-kr-east-asia-culture").unwrap();
    assert!(korea["reasons_en"].to_string().contains("1 reported trip on this route, 100% of their tasks met"), "{korea}");
    assert!(korea["reasons_zh"].to_string().contains("任务达成率100%"), "{korea}");
    let public: Value = client().post(url("/v1/outbound-routes/suggest")).json(&needs).send().unwrap().json().unwrap();
    let korea_public = public["routes"].as_array().unwrap().iter().find(|r| r["id"] == "ct-kr-east-asia-culture").unwrap();
    assert!(!korea_public["reasons_en"].to_string().contains("reported trip"), "{korea_public}");
    let gain = korea["score"].as_f64().unwrap() - korea_public["score"].as_f64().unwrap();
    assert!((gain - 0.1 * 0.5 / 3.0).abs() < 1e-6, "one trip at 100 %: +0.1 × ½ × ⅓, got {gain}");

    // A staff evaluation of past visits carries the trips' assessment (for its report's chart);
    // a public one never does.
    let visits: String = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/past_visits/visits.csv"))
        .unwrap()
        .lines()
        .take(11)
        .map(|l| format!("{l}\n"))
        .collect();
    let evaluate = |token: Option<&str>| {
        let request = client().post(url("/v1/evaluations?k=10&itinerary_sample=0")).header("content-type", "text/csv").body(visits.clone());
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().unwrap().json::<Value>().unwrap()
    };
    let staff_summary = evaluate(Some(&staff.officer));
    let routes: Vec<&str> = staff_summary["trips"]["by_route"].as_array().unwrap().iter().map(|r| r["group"].as_str().unwrap()).collect();
    assert_eq!(routes, ["ct-kr-east-asia-culture", "fsm-it-footwear-design"], "{}", staff_summary["trips"]);
    assert!(evaluate(None).get("trips").is_none(), "public evaluations know nothing of trips");
    assert_eq!(send(client().get(url("/v1/trips/assessment")), &staff.viewer).0, 403);
}
