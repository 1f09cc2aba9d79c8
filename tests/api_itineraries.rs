//! Itineraries: `POST /v1/itineraries` on a real server over the embedded library.
//!
//! Properties covered:
//! 1. A 3-day plan for a 12-person Italian delegation keeps every opening window, the group
//!    size, the lunch window, the appointment, the banquet and a short last day.
//! 2. A must-visit base that cannot fit (too far, closed, group too large) is a 422 naming it.
//! 3. Bad fields are all named in one 422.
//! 4. Locked visits stay where they were put, and re-planning reports what changed.
//! 5. Every export format comes back with its media type; an unknown one is a 400.
//! 6. Explicit candidates are planned; restricted (for officers) and too-small bases are left out
//!    with reasons; below officer a restricted candidate is an unknown id.

mod common;

use std::collections::HashSet;

use common::TestServer;
use serde_json::{json, Value};
use visitmatch::app;

fn request(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/itineraries").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn post(server: &TestServer, query: &str, body: &Value) -> (u16, String, String) {
    server.block_on(async {
        let response = reqwest::Client::new().post(server.url(&format!("/v1/itineraries{query}"))).json(body).send().await.unwrap();
        let status = response.status().as_u16();
        let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (status, media, response.text().await.unwrap())
    })
}

fn plan(server: &TestServer, body: &Value) -> Value {
    let (status, _, text) = post(server, "", body);
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn minutes(hhmm: &str) -> u32 {
    let (h, m) = hhmm.split_once(':').unwrap();
    h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap()
}

fn get_base(server: &TestServer, id: &str) -> Value {
    server.block_on(async { reqwest::get(server.url(&format!("/v1/bases/{id}"))).await.unwrap().json().await.unwrap() })
}

fn visits(day: &Value) -> Vec<&Value> {
    day["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "visit").collect()
}

#[test]
fn a_three_day_plan_for_an_italian_delegation_respects_every_rule() {
    let server = TestServer::start();
    let body = request("prato_3_days.json");
    let itinerary = plan(&server, &body);
    let days = itinerary["days"].as_array().unwrap();
    assert_eq!(days.len(), 3);
    let mut seen = HashSet::new();
    for day in days {
        let events = day["events"].as_array().unwrap();
        let day_visits = visits(day);
        assert!((2..=4).contains(&day_visits.len()), "day {}: {} visits", day["day"], day_visits.len());
        // Events run in order and never overlap.
        for pair in events.windows(2) {
            assert!(minutes(pair[0]["end"].as_str().unwrap()) <= minutes(pair[1]["start"].as_str().unwrap()), "{pair:?}");
        }
        assert!(minutes(events[0]["start"].as_str().unwrap()) >= minutes("08:30"));
        for visit in &day_visits {
            let id = visit["base_id"].as_str().unwrap();
            assert!(seen.insert(id.to_string()), "{id} planned twice");
            let base = get_base(&server, id);
            assert!(base["max_group_size"].as_u64().unwrap() >= 12, "{id} too small");
            let weekday = day["weekday"].as_str().unwrap();
            let ranges: Vec<(u32, u32)> = base["opening_hours"][weekday]
                .as_array()
                .unwrap_or_else(|| panic!("{id} closed on {weekday}"))
                .iter()
                .map(|r| {
                    let (open, close) = r.as_str().unwrap().split_once('-').unwrap();
                    (minutes(open), minutes(close))
                })
                .collect();
            let (start, end) = (minutes(visit["start"].as_str().unwrap()), minutes(visit["end"].as_str().unwrap()));
            assert!(ranges.iter().any(|&(open, close)| open <= start && end <= close), "{id} {start}-{end} outside {ranges:?}");
            assert!(visit["reason_en"].as_str().is_some_and(|r| !r.is_empty()));
        }
        let lunch: Vec<&Value> = events.iter().filter(|e| e["kind"] == "lunch").collect();
        assert_eq!(lunch.len(), 1, "one lunch on day {}", day["day"]);
        assert!(minutes(lunch[0]["start"].as_str().unwrap()) >= minutes("12:00"));
        assert!(minutes(lunch[0]["end"].as_str().unwrap()) <= minutes("13:30"));
        assert!(day["travel_minutes"].as_u64().unwrap() <= 180);
    }
    // Day 1: City Hall at 10:00, back before the 18:00 banquet.
    let day1 = &days[0]["events"];
    let meeting = day1.as_array().unwrap().iter().find(|e| e["kind"] == "appointment").expect("appointment planned");
    assert_eq!((meeting["start"].as_str().unwrap(), meeting["end"].as_str().unwrap()), ("10:00", "11:00"));
    let back = day1.as_array().unwrap().iter().find(|e| e["kind"] == "return").unwrap();
    assert!(minutes(back["start"].as_str().unwrap()) <= minutes("18:00"));
    assert!(day1.as_array().unwrap().iter().any(|e| e["kind"] == "banquet" && e["start"] == "18:00"));
    // Day 3 ends by 15:00.
    let back3 = days[2]["events"].as_array().unwrap().iter().find(|e| e["kind"] == "return").unwrap();
    assert!(minutes(back3["start"].as_str().unwrap()) <= minutes("15:00"));
    // Fashion delegation: most visits are in its industries; every left-out base has a reason.
    let fashion = days.iter().flat_map(visits).filter(|v| {
        let base = get_base(&server, v["base_id"].as_str().unwrap());
        base["industries"].as_array().unwrap().iter().any(|i| {
            let code = i.as_str().unwrap();
            ["garment", "footwear", "knit", "textile", "leather", "fashion"].iter().any(|f| code.contains(f))
        })
    });
    assert!(fashion.count() * 4 >= itinerary["visits"].as_u64().unwrap() as usize * 3, "mostly fashion visits");
    for left in itinerary["left_out"].as_array().unwrap() {
        assert!(left["reason"].is_string() && !left["detail"].as_str().unwrap().is_empty(), "{left}");
    }
}

#[test]
fn a_must_visit_that_cannot_fit_is_a_422_naming_it() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["profile"]["visit"] = json!({"dates": ["2026-12-12", "2026-12-13"]}); // a weekend
    body["profile"]["days"] = json!(2);
    body["profile"]["size"] = json!(30);
    body["days"] = json!([]);
    body["appointments"] = json!([]);
    body["profile"]["must_visit"] = json!(["taishun-002", "lucheng-003"]);
    let (status, media, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    assert_eq!(media, "application/problem+json");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["code"], "itinerary_infeasible");
    let errors = problem["errors"].as_array().unwrap();
    let field = |f: &str| errors.iter().find(|e| e["field"] == f).unwrap_or_else(|| panic!("{f} not named in {errors:?}"));
    // lucheng-003 receives at most 20: the group of 30 is the first reason found.
    assert!(field("profile.must_visit[1]")["message"].as_str().unwrap().contains("at most 20"));

    // With a group that fits, the weekend closure and the distance are the reasons.
    body["profile"]["size"] = json!(12);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    let errors = problem["errors"].as_array().unwrap();
    let message = |f: &str| errors.iter().find(|e| e["field"] == f).map(|e| e["message"].as_str().unwrap().to_string()).unwrap_or_default();
    assert!(message("profile.must_visit[1]").contains("closed"), "{errors:?}");
    assert!(message("profile.must_visit[0]").contains("closed"), "{errors:?}");

    // On weekdays Taishun is open but beyond the 90-minute transfer limit.
    body["profile"]["visit"] = json!({"dates": ["2026-12-07", "2026-12-08"]});
    body["profile"]["must_visit"] = json!(["taishun-002"]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["errors"][0]["field"], "profile.must_visit[0]");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("90 minutes"), "{problem}");
    // Raising the limits and leaving early (lunch is taken near the last morning stop) makes
    // it possible.
    body["max_transfer_minutes"] = json!(180);
    body["max_driving_minutes_per_day"] = json!(360);
    body["day_start"] = json!("07:30");
    let itinerary = plan(&server, &body);
    let planned: Vec<&str> = itinerary["days"].as_array().unwrap().iter().flat_map(visits).map(|v| v["base_id"].as_str().unwrap()).collect();
    assert!(planned.contains(&"taishun-002"), "{planned:?}");
}

#[test]
fn bad_fields_are_all_named_in_one_422() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["day_start"] = json!("8h30");
    body["lunch"] = json!({"from": "12:00", "to": "13:00", "minutes": 90});
    body["appointments"][0]["day"] = json!(9);
    body["candidates"] = json!([{"base_id": "lucheng-005", "score": 2.0}]);
    body["max_visits_per_day"] = json!(0);
    body["profile"]["size"] = json!(0);
    body["hotel_change"] = json!({"check_out_minutes": 240});
    let (status, media, text) = post(&server, "", &body);
    assert_eq!((status, media.as_str()), (422, "application/problem+json"), "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["code"], "invalid_request");
    let fields: HashSet<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for expected in ["day_start", "lunch.minutes", "appointments[0].day", "candidates[0].score", "max_visits_per_day", "profile.size", "hotel_change.check_out_minutes"] {
        assert!(fields.contains(expected), "{expected} missing from {fields:?}");
    }
    // A wrong type is reported too, as is an unknown field.
    let (status, _, text) = post(&server, "", &json!({"profile": body["profile"], "seed": "x"}));
    assert!(status == 400 || status == 422, "{status} {text}");
    let (status, _, _) = post(&server, "", &json!({"profile": request("prato_3_days.json")["profile"], "colour": "red"}));
    assert!(status == 400 || status == 422);
}

#[test]
fn locked_visits_stay_and_replanning_reports_what_changed() {
    let server = TestServer::start();
    let body = request("prato_3_days.json");
    let first = plan(&server, &body);
    let previous: Vec<Value> = first["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| visits(d).into_iter().map(move |v| json!({"base_id": v["base_id"], "day": d["day"], "start": v["start"]})))
        .collect();
    // Move the first visit of day 2 to day 1, keeping everything else free.
    let moved = visits(&first["days"][1])[0]["base_id"].as_str().unwrap().to_string();
    let mut again = body.clone();
    again["locked"] = json!([{"base_id": moved, "day": 1}]);
    again["previous"] = json!(previous);
    let second = plan(&server, &again);
    let day1: Vec<&str> = visits(&second["days"][0]).iter().map(|v| v["base_id"].as_str().unwrap()).collect();
    assert!(day1.contains(&moved.as_str()), "{moved} not on day 1: {day1:?}");
    let locked = visits(&second["days"][0]).into_iter().find(|v| v["base_id"] == moved.as_str()).unwrap();
    assert_eq!(locked["locked"], true);
    let changes = second["changes"].as_array().unwrap();
    let change = changes.iter().find(|c| c["base_id"] == moved.as_str()).expect("the moved base is reported");
    assert_eq!(change["change"], "moved");
    assert!(change["before"].as_str().unwrap().starts_with("day 2"));
    assert!(change["after"].as_str().unwrap().starts_with("day 1"));

    // A locked time outside the base's hours cannot be met.
    let mut impossible = body.clone();
    impossible["locked"] = json!([{"base_id": moved, "day": 1, "start": "06:00"}]);
    let (status, _, text) = post(&server, "", &impossible);
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["code"], "itinerary_infeasible");
    assert_eq!(problem["errors"][0]["field"], "locked[0].start");
}

#[test]
fn every_export_format_comes_with_its_media_type() {
    let server = TestServer::start();
    let body = request("prato_3_days.json");
    let itinerary = plan(&server, &body);
    let visit_count = itinerary["visits"].as_u64().unwrap() as usize;

    let (status, media, ics) = post(&server, "?format=ics", &body);
    assert_eq!((status, media.as_str()), (200, "text/calendar; charset=utf-8"));
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.lines().all(|l| l.len() <= 76), "lines are folded at 75 octets");
    // Visits, lunches, the appointment and the banquet are calendar events.
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), visit_count + 3 + 1 + 1);
    assert!(ics.contains("DTSTART;TZID=Asia/Shanghai:20261207T100000"), "10:00 in Wenzhou, with its time zone");

    let (status, media, csv) = post(&server, "?format=csv", &body);
    assert_eq!((status, media.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(csv.starts_with("\u{feff}day,date,weekday,start,end,kind,activity_zh"), "a byte-order mark for Excel, then the header");
    assert_eq!(csv.lines().filter(|l| l.contains(",visit,")).count(), visit_count);

    let (status, media, html) = post(&server, "?format=html", &body);
    assert_eq!((status, media.as_str()), (200, "text/html; charset=utf-8"));
    for column in ["日期", "时间", "活动内容", "地点", "陪同人员", "Date", "Time", "Activity", "Place", "Escort", "@media print"] {
        assert!(html.contains(column), "{column}");
    }
    assert!(html.contains("市外办 王科长"));
    // The heading names the delegation, where it comes from, how many and when.
    assert!(html.contains("意大利Prato 商协会代表团 · 12 人 · 2026-12-07 至 2026-12-09"), "{}", &html[..html.len().min(2000)]);
    assert!(html.contains("Business association delegation from Prato, Italy · 12 people · 2026-12-07 to 2026-12-09"));
    assert!(!html.contains("http://") && !html.contains("https://"), "the page needs nothing from the network");

    // The schedule as a workbook: the heading, then a row an activity (driving legs folded in).
    let bytes = server.block_on(async {
        let response = reqwest::Client::new().post(server.url("/v1/itineraries?format=xlsx")).json(&body).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        response.bytes().await.unwrap().to_vec()
    });
    {
        use calamine::Reader;
        let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let rows: Vec<Vec<String>> = workbook.worksheet_range("日程表").unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert!(rows[0][0].contains("意大利Prato 商协会代表团 · 12 人"), "{:?}", rows[0]);
        let header = rows.iter().position(|r| r[0] == "日期 Date").expect("a header row");
        assert_eq!(rows[header], ["日期 Date", "时间 Time", "活动内容", "Activity", "地点", "Place", "陪同人员 Escort"]);
        let printed = itinerary["days"].as_array().unwrap().iter().flat_map(|d| d["events"].as_array().unwrap()).filter(|e| e["kind"] != "travel").count();
        assert_eq!(rows.len() - header - 1, printed);
        assert!(rows[header + 1][0].starts_with("2026-12-07 周一"), "{:?}", rows[header + 1]);
    }

    let (status, media, geojson) = post(&server, "?format=geojson", &body);
    assert_eq!((status, media.as_str()), (200, "application/geo+json"));
    let geojson: Value = serde_json::from_str(&geojson).unwrap();
    let lines = geojson["features"].as_array().unwrap().iter().filter(|f| f["geometry"]["type"] == "LineString").count();
    assert_eq!(lines, 3);

    let (status, media, text) = post(&server, "?format=pdf", &body);
    assert_eq!((status, media.as_str()), (400, "application/problem+json"), "{text}");
    assert!(text.contains("\"field\":\"format\""));

    // Weekdays alone cannot make a calendar.
    let mut weekdays = body.clone();
    weekdays["profile"]["visit"] = json!({"weekdays": ["mon", "tue", "wed"]});
    let (status, _, text) = post(&server, "?format=ics", &weekdays);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("dates_required"));
}

#[test]
fn explicit_candidates_are_planned_and_the_rules_still_hold() {
    let mut officer = String::new();
    let server = TestServer::start_with(|state| {
        let actor = visitmatch::access::Actor::command_line();
        officer = app::access::create_token(&state.library, "officer", visitmatch::access::Role::Officer, None, &actor).unwrap().secret;
        state
    });
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["candidates"] = json!([
        {"base_id": "lucheng-002", "score": 0.9},
        {"base_id": "lucheng-003", "score": 0.8},
        {"base_id": "lucheng-001", "score": 0.95},
        {"base_id": "marine-004", "score": 0.99}
    ]);
    // Officers see the restricted base, and it is still left out by the rule.
    let text = server.block_on(async {
        let response = reqwest::Client::new().post(server.url("/v1/itineraries")).bearer_auth(&officer).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.text().await.unwrap()
    });
    let itinerary: Value = serde_json::from_str(&text).unwrap();
    let planned: HashSet<&str> = itinerary["days"].as_array().unwrap().iter().flat_map(visits).map(|v| v["base_id"].as_str().unwrap()).collect();
    assert_eq!(planned, HashSet::from(["lucheng-002", "lucheng-003"]));
    let reason = |id: &str| itinerary["left_out"].as_array().unwrap().iter().find(|l| l["base_id"] == id).map(|l| l["reason"].clone());
    assert_eq!(reason("lucheng-001"), Some(json!("group_too_large")));
    assert_eq!(reason("marine-004"), Some(json!("restricted")));

    // Below officer the restricted base does not exist: the same answer as for an unknown id.
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("candidates[3].base_id") && text.contains("unknown_base") && !text.contains("restricted"), "{text}");

    body["candidates"] = json!([{"base_id": "no-such-base", "score": 0.5}]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("candidates[0].base_id") && text.contains("unknown_base"));
}

#[test]
fn when_every_heavy_permit_is_taken_a_plan_gets_503_with_retry_after() {
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
    let held = semaphore.clone();
    let server = TestServer::start_with(move |mut state| {
        state.heavy = held;
        state
    });
    let body = request("prato_3_days.json");
    let permit = semaphore.clone().try_acquire_owned().unwrap();
    let (status, media, text) = server.block_on(async {
        let response = reqwest::Client::new().post(server.url("/v1/itineraries")).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        assert_eq!(response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string()).as_deref(), Some("1"));
        let media = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
        (status, media, response.text().await.unwrap())
    });
    assert_eq!((status, media.as_str()), (503, "application/problem+json"), "{text}");
    assert!(text.contains("server_busy"));
    // Light routes are not limited.
    let health = server.block_on(async { reqwest::get(server.url("/health")).await.unwrap().status().as_u16() });
    assert_eq!(health, 200);
    drop(permit);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 200, "{text}");
    assert_eq!(semaphore.available_permits(), 1, "the permit is given back after the plan");
}


/// The events of an ICS file as a calendar reads them: (UID, SEQUENCE, DTSTART with its TZID).
fn calendar_events(text: &str) -> Vec<(String, String, String)> {
    let mut reader = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = reader.next().expect("one calendar").expect("it parses");
    assert_eq!(calendar.timezones.len(), 1, "the time zone of the events is included");
    calendar
        .events
        .iter()
        .map(|event| {
            let property = |name: &str| event.properties.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} is missing"));
            let start = property("DTSTART");
            let tzid = start.params.as_ref().and_then(|params| params.iter().find(|(k, _)| k == "TZID")).map(|(_, v)| v.join(",")).unwrap_or_default();
            (property("UID").value.clone().unwrap(), property("SEQUENCE").value.clone().unwrap(), format!("{tzid}:{}", start.value.clone().unwrap()))
        })
        .collect()
}

#[test]
fn two_delegations_calendars_import_side_by_side_and_a_revision_updates_its_own_events() {
    let server = TestServer::start();
    let prato = request("prato_3_days.json");
    let mut other = prato.clone();
    other["profile"]["country"] = json!("DE");
    other["profile"]["city"] = json!("Giessen");
    let (status, _, first) = post(&server, "?format=ics", &prato);
    assert_eq!(status, 200, "{first}");
    let (status, _, second) = post(&server, "?format=ics", &other);
    assert_eq!(status, 200, "{second}");
    let (first, second) = (calendar_events(&first), calendar_events(&second));
    let uids: std::collections::HashSet<&String> = first.iter().chain(&second).map(|(uid, _, _)| uid).collect();
    assert_eq!(uids.len(), first.len() + second.len(), "no event of one delegation overwrites the other's");
    assert!(first.iter().all(|(_, sequence, start)| sequence == "0" && start.starts_with("Asia/Shanghai:2026120")), "{first:?}");

    // A revision names the plan it revises: the same events, a higher sequence.
    let planned = plan(&server, &prato);
    let mut revised = prato.clone();
    revised["calendar_id"] = planned["calendar_id"].clone();
    revised["revision"] = json!(planned["revision"].as_u64().unwrap() + 1);
    revised["max_visits_per_day"] = json!(2);
    let (status, _, again) = post(&server, "?format=ics", &revised);
    assert_eq!(status, 200, "{again}");
    let again = calendar_events(&again);
    assert!(again.iter().all(|(uid, sequence, _)| sequence == "1" && uid.starts_with(planned["calendar_id"].as_str().unwrap())), "{again:?}");
    let before: std::collections::HashSet<&String> = first.iter().map(|(uid, _, _)| uid).collect();
    assert!(again.iter().all(|(uid, _, _)| before.contains(uid)), "the revision, with fewer visits a day, reuses the plan's event names: {again:?}");
    let (status, _, refused) = post(&server, "", &json!({"profile": prato["profile"], "calendar_id": "Not An Id"}));
    assert_eq!(status, 422, "{refused}");
}

#[test]
fn an_avoided_kind_is_never_planned_and_a_must_visit_of_that_kind_is_a_422() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["profile"]["avoid_kinds"] = json!(["企业"]);
    body["profile"]["must_visit"] = json!([]);
    body["appointments"] = json!([]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 200, "{text}");
    let plan: Value = serde_json::from_str(&text).unwrap();
    let visited: Vec<String> = plan["days"].as_array().unwrap().iter().flat_map(|d| d["events"].as_array().unwrap().clone()).filter(|e| e["kind"] == "visit").map(|e| e["base_id"].as_str().unwrap().to_string()).collect();
    assert!(!visited.is_empty());
    // The kind of each visited base, read from the catalog route rather than the plan.
    for id in &visited {
        let base: Value = server.block_on(async { reqwest::get(server.url(&format!("/v1/bases/{id}"))).await.unwrap().json().await.unwrap() });
        assert_ne!(base["kind"], "enterprise", "{id} is an enterprise");
    }
    // lucheng-001 is an enterprise: asking for it is a 422 naming it and the rule.
    body["profile"]["must_visit"] = json!(["lucheng-001"]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    let error = problem["errors"].as_array().unwrap().iter().find(|e| e["field"] == "profile.must_visit[0]").cloned().unwrap_or_default();
    assert!(error["message"].as_str().unwrap_or("").contains("avoids"), "{problem}");
}

#[test]
fn a_must_visit_without_approval_is_a_422_until_the_approval_is_arranged() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["profile"]["must_visit"] = json!(["ouhai-023"]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    let error = problem["errors"].as_array().unwrap().iter().find(|e| e["field"] == "profile.must_visit[0]").cloned().unwrap_or_default();
    assert!(error["message"].as_str().unwrap_or("").contains("approval"), "{problem}");
    body["profile"]["approvals_arranged"] = json!(["ouhai-023"]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 200, "{text}");
    let plan: Value = serde_json::from_str(&text).unwrap();
    let visited = plan["days"].as_array().unwrap().iter().flat_map(|d| d["events"].as_array().unwrap().clone()).any(|e| e["base_id"] == "ouhai-023");
    assert!(visited, "the arranged base is visited");
}

#[test]
fn a_base_that_needs_local_consent_is_on_the_checklist_when_the_group_stays_elsewhere() {
    let server = TestServer::start();
    // ruian-008 needs local consent (read from the catalog route, not the planner).
    let base: Value = server.block_on(async { reqwest::get(server.url("/v1/bases/ruian-008")).await.unwrap().json().await.unwrap() });
    assert_eq!(base["needs_local_consent"], true);
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["days"] = json!([]);
    body["profile"]["must_visit"] = json!(["ruian-008"]);
    for (hotel, listed) in [("lucheng", true), ("ruian", false)] {
        body["profile"]["hotel"] = json!({"division": hotel});
        let (status, _, text) = post(&server, "", &body);
        assert_eq!(status, 200, "{text}");
        let plan: Value = serde_json::from_str(&text).unwrap();
        let items: Vec<&Value> = plan["checklist"].as_array().unwrap().iter().filter(|i| i["base_id"] == "ruian-008").collect();
        assert_eq!(!items.is_empty(), listed, "hotel in {hotel}: {}", plan["checklist"]);
        if listed {
            assert_eq!(items[0]["code"], "local_consent");
            assert!(items[0]["zh"].as_str().unwrap().contains("瑞安"), "{}", items[0]);
            let (_, _, html) = post(&server, "?format=html", &body);
            assert!(html.contains("事前须办") && html.contains("瑞安"), "the printed itinerary lists it");
        }
    }
}

#[test]
fn a_relaxed_pace_plans_fewer_visits_with_more_rest_and_a_longer_lunch() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["max_visits_per_day"] = json!(5);
    let minutes = |clock: &Value| {
        let (h, m) = clock.as_str().unwrap().split_once(':').unwrap();
        h.parse::<i32>().unwrap() * 60 + m.parse::<i32>().unwrap()
    };
    let plan_with = |pace: &str| {
        let mut body = body.clone();
        body["pace"] = json!(pace);
        let (status, _, text) = post(&server, "", &body);
        assert_eq!(status, 200, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let normal = plan_with("normal");
    let relaxed = plan_with("relaxed");
    let visits = |plan: &Value| plan["days"].as_array().unwrap().iter().map(|d| d["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "visit").count()).collect::<Vec<_>>();
    assert!(visits(&normal).iter().any(|&n| n > 3), "the normal pace uses more than 3 a day here: {:?}", visits(&normal));
    assert!(visits(&relaxed).iter().all(|&n| n <= 3), "{:?}", visits(&relaxed));
    for day in relaxed["days"].as_array().unwrap() {
        let events = day["events"].as_array().unwrap();
        for pair in events.windows(2) {
            // After each visit the group rests at least 30 minutes (10 + 20) before driving on.
            if pair[0]["kind"] == "visit" && pair[1]["kind"] == "travel" {
                assert!(minutes(&pair[1]["start"]) - minutes(&pair[0]["end"]) >= 30, "{} → {}", pair[0], pair[1]);
            }
        }
        for lunch in events.iter().filter(|e| e["kind"] == "lunch") {
            assert!(minutes(&lunch["end"]) - minutes(&lunch["start"]) >= 90, "{lunch}");
        }
    }
}

/// Bases that usually open on public holidays, by the record: stated, or sites and museums.
fn opens_on_holidays(base: &Value) -> bool {
    base["opens_on_holidays"].as_bool().unwrap_or(matches!(base["kind"].as_str(), Some("cultural_site" | "tourism_site")))
}

#[test]
fn a_visit_over_national_day_plans_around_the_holiday() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["banquet"] = Value::Null;
    body["days"] = json!([]);
    // Thursday 1 October 2026 is National Day; Thursday 8 October, the day after the holiday
    // week, is an ordinary working day. Both are facts of the State Council's 2026 notice.
    body["profile"]["visit"] = json!({"dates": ["2026-10-01", "2026-10-08"]});
    body["profile"]["days"] = json!(2);
    body["profile"]["interests"] = json!("Footwear and clothing makers, and a look at Wenzhou's heritage and culture.");
    let itinerary = plan(&server, &body);
    let days = itinerary["days"].as_array().unwrap();
    assert_eq!(days[0]["calendar"]["kind"], "public_holiday", "{}", days[0]);
    assert_eq!(days[0]["calendar"]["name_zh"], "国庆节");
    assert!(days[1].get("calendar").is_none(), "8 October is an ordinary day: {}", days[1]);
    let holiday_visits = visits(&days[0]);
    assert!(!holiday_visits.is_empty(), "sites open on the holiday are visited: {}", days[0]);
    for visit in &holiday_visits {
        let base = get_base(&server, visit["base_id"].as_str().unwrap());
        assert!(opens_on_holidays(&base), "{} ({}) does not open on public holidays", base["id"], base["kind"]);
    }
    let working_day_enterprises = visits(&days[1]).iter().filter(|v| get_base(&server, v["base_id"].as_str().unwrap())["kind"] == "enterprise").count();
    assert!(working_day_enterprises > 0, "companies are visited on the working day: {}", days[1]);
    // The printed programme says it is a holiday.
    let (_, _, html) = post(&server, "?format=html", &body);
    assert!(html.contains("国庆节假期"), "the printed day names the holiday");

    // A footwear maker the delegation must see cannot be seen on the holiday: with only that
    // day, it is a 422 that says why; with both days it goes on the working day.
    body["profile"]["must_visit"] = json!(["lucheng-004"]);
    let with_both = plan(&server, &body);
    let day_of = |plan: &Value| plan["days"].as_array().unwrap().iter().position(|d| visits(d).iter().any(|v| v["base_id"] == "lucheng-004"));
    assert_eq!(day_of(&with_both), Some(1), "visited on 8 October");
    body["profile"]["visit"] = json!({"dates": ["2026-10-01"]});
    body["profile"]["days"] = json!(1);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("profile.must_visit[0]") && text.contains("public holidays"), "{text}");
}

#[test]
fn a_weekend_day_worked_for_a_holiday_is_a_working_day() {
    let server = TestServer::start();
    // lucheng-004 opens Monday to Friday. Saturday 10 October 2026 is worked in exchange for
    // National Day; Saturday 17 October is an ordinary Saturday.
    let base = get_base(&server, "lucheng-004");
    assert!(base["opening_hours"]["sat"].is_null(), "{}", base["opening_hours"]);
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["banquet"] = Value::Null;
    body["days"] = json!([]);
    body["profile"]["must_visit"] = json!(["lucheng-004"]);
    body["profile"]["days"] = json!(1);
    body["profile"]["visit"] = json!({"dates": ["2026-10-10"]});
    let itinerary = plan(&server, &body);
    assert_eq!(itinerary["days"][0]["calendar"]["kind"], "adjusted_workday");
    let visit = visits(&itinerary["days"][0]).into_iter().find(|v| v["base_id"] == "lucheng-004").cloned().expect("visited on the worked Saturday");
    // It keeps its weekday hours.
    let monday = &base["opening_hours"]["mon"].as_array().unwrap()[0];
    let (open, _) = monday.as_str().unwrap().split_once('-').unwrap();
    assert!(minutes(visit["start"].as_str().unwrap()) >= minutes(open), "{visit}");
    body["profile"]["visit"] = json!({"dates": ["2026-10-17"]});
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "an ordinary Saturday: {text}");
}

#[test]
fn a_closed_date_on_an_ordinary_weekday_is_kept() {
    let server = TestServer::start();
    // The city museum (longwan-015) is closed 14–18 December 2026 (read from the catalog);
    // those are ordinary weekdays, and it opens Tuesday to Sunday.
    let base = get_base(&server, "longwan-015");
    let closed: Vec<&str> = base["closed_dates"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert!(closed.contains(&"2026-12-15") && !closed.contains(&"2026-12-19"), "{closed:?}");
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["banquet"] = Value::Null;
    body["days"] = json!([]);
    body["profile"]["must_visit"] = json!(["longwan-015"]);
    body["profile"]["days"] = json!(2);
    // Tuesday 15 (closed) and Saturday 19 December (open).
    body["profile"]["visit"] = json!({"dates": ["2026-12-15", "2026-12-19"]});
    let itinerary = plan(&server, &body);
    let day_of = itinerary["days"].as_array().unwrap().iter().position(|d| visits(d).iter().any(|v| v["base_id"] == "longwan-015"));
    assert_eq!(day_of, Some(1), "visited on the 19th, not on a closed date");
    body["profile"]["visit"] = json!({"dates": ["2026-12-15"]});
    body["profile"]["days"] = json!(1);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("profile.must_visit[0]") && text.contains("closed"), "{text}");
}

#[test]
fn dates_in_a_year_the_calendar_does_not_cover_are_on_the_checklist() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["profile"]["visit"] = json!({"dates": ["2027-03-09", "2027-03-10", "2027-03-11"]});
    let itinerary = plan(&server, &body);
    let items: Vec<&Value> = itinerary["checklist"].as_array().unwrap().iter().filter(|i| i["code"] == "calendar_unconfirmed").collect();
    assert_eq!(items.len(), 1, "{}", itinerary["checklist"]);
    assert!(items[0]["zh"].as_str().unwrap().contains("2027年"), "{}", items[0]);
    let itinerary = plan(&server, &request("prato_3_days.json"));
    assert!(itinerary["checklist"].as_array().unwrap().iter().all(|i| i["code"] != "calendar_unconfirmed"), "2026 is covered");
}

#[test]
fn a_halal_delegation_eats_where_halal_is_declared() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["profile"]["country"] = json!("MY");
    body["profile"]["dietary_needs"] = json!(["清真"]);
    body["profile"]["allergies"] = json!("one member is allergic to peanuts");
    let itinerary = plan(&server, &body);
    let halal = |id: &str| get_base(&server, id)["meals"].as_array().is_some_and(|m| m.iter().any(|d| d == "halal"));
    let unmet: Vec<&Value> = itinerary["checklist"].as_array().unwrap().iter().filter(|i| i["code"] == "meal_unmet").collect();
    let mut at_venue = 0;
    for day in itinerary["days"].as_array().unwrap() {
        let events = day["events"].as_array().unwrap();
        for pair in events.windows(2) {
            assert!(minutes(pair[0]["end"].as_str().unwrap()) <= minutes(pair[1]["start"].as_str().unwrap()), "{pair:?}");
        }
        for meal in events.iter().filter(|e| e["kind"] == "lunch" || e["kind"] == "banquet") {
            match meal["base_id"].as_str() {
                Some(id) => {
                    at_venue += 1;
                    assert!(halal(id), "{id} does not declare halal meals");
                    // The venue receives guests from before the meal to after it (its record).
                    let base = get_base(&server, id);
                    let hours = base["opening_hours"][day["weekday"].as_str().unwrap()].as_array().unwrap();
                    let (open, close) = (hours.first().unwrap().as_str().unwrap(), hours.last().unwrap().as_str().unwrap());
                    assert!(minutes(&open[..5]) <= minutes(meal["start"].as_str().unwrap()) && minutes(meal["end"].as_str().unwrap()) <= minutes(&close[6..]), "{meal} outside {hours:?}");
                }
                None => assert!(unmet.iter().any(|i| i["day"] == day["day"]), "day {}: a meal without a halal venue must be on the checklist", day["day"]),
            }
            if meal["kind"] == "lunch" {
                assert!(minutes(meal["start"].as_str().unwrap()) >= minutes("12:00") && minutes(meal["end"].as_str().unwrap()) <= minutes("13:30"), "{meal}");
                assert_eq!(meal["minutes"], 60);
            }
        }
    }
    assert!(at_venue >= 2, "a group staying in Lucheng finds halal venues: {}", itinerary["checklist"]);
    let banquet = itinerary["days"][0]["events"].as_array().unwrap().iter().find(|e| e["kind"] == "banquet").unwrap();
    assert!(banquet["base_id"].as_str().is_some_and(halal), "the banquet is held at a halal venue: {banquet}");
    assert!(itinerary["checklist"].as_array().unwrap().iter().any(|i| i["code"] == "allergies" && i["en"].as_str().unwrap().contains("peanuts")));

    // Without needs, lunch is where the group stands, as before.
    body["profile"]["dietary_needs"] = json!([]);
    let plain = plan(&server, &body);
    assert!(plain["days"].as_array().unwrap().iter().flat_map(|d| d["events"].as_array().unwrap()).filter(|e| e["kind"] == "lunch").all(|e| e.get("base_id").is_none()));

    // A diet nobody declares is refused by name.
    body["profile"]["dietary_needs"] = json!(["kosher-ish"]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("profile.dietary_needs") && text.contains("not a known diet"), "{text}");
}

#[test]
fn a_hotel_move_on_the_first_day_starts_from_the_first_hotel() {
    let server = TestServer::start();
    let mut body = request("prato_3_days.json");
    body["appointments"] = json!([]);
    body["banquet"] = Value::Null;
    // The group wakes up in Lucheng (the profile's hotel) and sleeps in Taishun after day 1:
    // a long mountain drive, more than the default longest transfer of 90 minutes.
    body["days"] = json!([{"hotel": {"division": "taishun"}}, {}, {}]);
    let (status, _, text) = post(&server, "", &body);
    assert_eq!(status, 422, "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    let error = &problem["errors"][0];
    assert_eq!((error["field"].as_str(), error["code"].as_str()), (Some("days[0].hotel"), Some("itinerary_infeasible")), "{problem}");
    assert!(error["message"].as_str().unwrap().contains("longest transfer"), "{error}");

    // With a longer transfer allowed, day 1 starts in Lucheng and ends in Taishun.
    body["max_transfer_minutes"] = json!(240);
    body["max_driving_minutes_per_day"] = json!(360);
    let itinerary = plan(&server, &body);
    let days = itinerary["days"].as_array().unwrap();
    assert!(days[0]["start_hotel"].as_str().unwrap().contains("鹿城"), "{}", days[0]["start_hotel"]);
    assert!(days[0]["end_hotel"].as_str().unwrap().contains("泰顺"), "{}", days[0]["end_hotel"]);
    assert!(days[1]["start_hotel"].as_str().unwrap().contains("泰顺"), "{}", days[1]["start_hotel"]);
    let events = days[0]["events"].as_array().unwrap();
    assert!(events[0]["place_zh"].as_str().unwrap().contains("鹿城"), "{}", events[0]);
    let last_drive = events.iter().rev().find(|e| e["kind"] == "travel").expect("a drive to the new hotel");
    assert!(last_drive["place_zh"].as_str().unwrap().contains("泰顺"), "{last_drive}");
    // The day counts a drive of more than the 90 minutes refused above.
    assert!(days[0]["travel_minutes"].as_u64().unwrap() > 90, "{}", days[0]["travel_minutes"]);
    // Moving day: check-out (30 minutes by default) before leaving, check-in on arrival; a day
    // that stays put has neither.
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!((kinds[0], kinds[1]), ("check_out", "depart"), "{kinds:?}");
    assert_eq!((events[0]["start"].as_str(), events[0]["minutes"].as_u64()), (Some("08:30"), Some(30)), "{}", events[0]);
    assert!(minutes(events[1]["start"].as_str().unwrap()) >= minutes("09:00"));
    let back = kinds.iter().position(|k| *k == "return").unwrap();
    assert_eq!(kinds[back + 1], "check_in", "{kinds:?}");
    assert!(minutes(events[back + 1]["end"].as_str().unwrap()) <= minutes("17:30"), "{}", events[back + 1]);
    for day in &days[1..] {
        assert!(day["events"].as_array().unwrap().iter().all(|e| e["kind"] != "check_in" && e["kind"] != "check_out"), "{day}");
    }
    // Times are settings: a quick check-out and a long check-in.
    body["hotel_change"] = json!({"check_out_minutes": 10, "check_in_minutes": 60});
    let itinerary = plan(&server, &body);
    let events = itinerary["days"][0]["events"].as_array().unwrap();
    let check_in = events.iter().find(|e| e["kind"] == "check_in").unwrap();
    assert_eq!((events[0]["minutes"].as_u64(), check_in["minutes"].as_u64()), (Some(10), Some(60)));
    assert!(minutes(check_in["end"].as_str().unwrap()) <= minutes("17:30"), "{check_in}");
}
