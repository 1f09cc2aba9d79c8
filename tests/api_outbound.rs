//! The outbound-route library over HTTP on a real server.
//!
//! Properties covered:
//! 1. "Our footwear bases need European design talent" suggests Italy first, with reasons, the
//!    bases whose needs the route serves and the bases to promote.
//! 2. Routes filter by theme, country and industry; a route's detail carries its country's
//!    industry features, partner cities and past exchanges.
//! 3. A trip plan gets its application summary; days and members beyond its tasks or the rules
//!    are flagged.
//! 4. Officers write routes with If-Match, into the audit log; viewers and anonymous callers
//!    cannot; invalid routes list every failing field.
//! 5. A sister-city delegation's match shows the relationship in its reasons.
//! 6. The city's priority partners are found first for the needs they meet: Ghana for West
//!    African cocoa and solar, Korea (with Japan) for East Asian visitors, Israel for venture
//!    capital and digital health; in English and in Chinese.

mod common;

use common::TestServer;
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};
use visitmatch::app;
use visitmatch::access::{Actor, Role};

fn client() -> Client {
    Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

fn answer(response: Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().unwrap_or(Value::Null))
}

#[test]
fn european_design_talent_for_footwear_suggests_italy_first() {
    let server = TestServer::start();
    let (status, _, found) = answer(
        client().post(server.url("/v1/outbound-routes/suggest")).json(&json!({"needs": "Our footwear bases need European design talent", "top": 5})).send().unwrap(),
    );
    assert_eq!(status, 200, "{found}");
    let first = &found["routes"][0];
    assert_eq!(first["country"], "IT", "{found}");
    assert_eq!(found["countries"][0]["code"], "IT");
    let reasons = first["reasons_en"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r.as_str().unwrap().contains("footwear")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.as_str().unwrap().contains("sister city: Prato")), "{reasons:?}");
    assert!(first["parts"]["tasks"].as_f64().unwrap() > 0.9, "design and talent are both served: {first}");
    // Both libraries linked: the bases it serves need what Italy offers, and they exist.
    let served = first["bases_served"].as_array().unwrap();
    assert!(!served.is_empty());
    for link in served {
        let (status, _, base) = answer(client().get(server.url(&format!("/v1/bases/{}", link["id"].as_str().unwrap()))).send().unwrap());
        assert_eq!(status, 200);
        assert!(base["needs"].as_array().unwrap().contains(&link["text"]), "{link} vs {base}");
        assert!(base["industries"].as_array().unwrap().iter().any(|i| i == "footwear" || i == "leather"), "{base}");
    }
    assert!(!first["bases_to_promote"].as_array().unwrap().is_empty());
    // In Chinese too, and from a base's own needs.
    let (_, _, zh) = answer(client().post(server.url("/v1/outbound-routes/suggest")).json(&json!({"needs": "鞋企需要引进欧洲设计人才"})).send().unwrap());
    assert_eq!(zh["routes"][0]["country"], "IT", "{zh}");
    let (_, _, by_base) = answer(client().post(server.url("/v1/outbound-routes/suggest")).json(&json!({"bases": ["lucheng-001"]})).send().unwrap());
    assert_eq!(by_base["routes"][0]["country"], "IT", "{by_base}");
    // Bad input names its fields.
    let (status, headers, problem) = answer(
        client().post(server.url("/v1/outbound-routes/suggest")).json(&json!({"industries": ["zzqx"], "bases": ["nope-1"], "theme": "space", "top": 0})).send().unwrap(),
    );
    assert_eq!(status, 422);
    assert_eq!(headers["content-type"], "application/problem+json");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["theme", "top", "industries[0]", "bases[0]"]);
}

#[test]
fn routes_filter_and_detail_carry_country_features() {
    let server = TestServer::start();
    let list = |query: &str| answer(client().get(server.url(&format!("/v1/outbound-routes{query}"))).send().unwrap());
    let (_, _, all) = list("");
    assert!(all["total"].as_u64().unwrap() >= 15);
    let (_, _, italy) = list("?country=IT&theme=fashion_smart_manufacturing");
    let ids: Vec<&str> = italy["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["fsm-it-eyewear", "fsm-it-footwear-design"]);
    // An industry filter includes the industries below it.
    let (_, _, finance) = list("?industry=finance");
    assert!(finance["items"].as_array().unwrap().iter().all(|r| r["theme"] == "fintech"), "{finance}");
    assert!(finance["total"].as_u64().unwrap() >= 2);
    let (status, _, bad) = list("?theme=space&colour=red");
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["errors"].as_array().unwrap().len(), 2);

    let (status, headers, detail) = answer(client().get(server.url("/v1/outbound-routes/fsm-it-footwear-design")).send().unwrap());
    assert_eq!(status, 200);
    assert!(headers.contains_key("etag"));
    assert_eq!(detail["country_zh"], "意大利");
    assert!(detail["country"]["features"].as_array().unwrap().iter().any(|f| f["industry"] == "footwear"));
    assert!(detail["country"]["partner_cities"].as_array().unwrap().iter().any(|c| c["city"] == "Prato" && c["relation"] == "sister"));
    assert!(!detail["country"]["past_exchanges"].as_array().unwrap().is_empty());
    // The route's own page links both libraries too.
    let served = detail["bases_served"].as_array().unwrap();
    assert!(served.iter().any(|b| b["id"] == "lucheng-001" && b["text"] == "引进意大利鞋履设计人才"), "{detail}");
    assert!(!detail["bases_to_promote"].as_array().unwrap().is_empty());
    let (status, _, missing) = answer(client().get(server.url("/v1/outbound-routes/no-such-route")).send().unwrap());
    assert_eq!((status, missing["code"].as_str()), (404, Some("outbound_route_not_found")));
}

#[test]
fn a_trip_plan_gets_its_application_summary_and_flags() {
    let server = TestServer::start();
    let check = |plan: Value| answer(client().post(server.url("/v1/outbound-routes/check")).json(&plan).send().unwrap());
    let (status, _, fine) = check(json!({"route": "fsm-it-footwear-design", "days": 5, "members": 5}));
    assert_eq!(status, 200, "{fine}");
    assert_eq!(fine["flags"].as_array().unwrap().len(), 0, "{fine}");
    assert!(fine["summary_zh"].as_str().unwrap().contains("出访国家：意大利（1国）"), "{fine}");
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/outbound/trip_italy_footwear.json")).unwrap(),
    )
    .unwrap();
    let (_, _, padded) = check(plan);
    let codes: Vec<&str> = padded["flags"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["days_over_rule", "days_over_tasks", "members_over_rule", "members_over_tasks"]);
    let (status, _, problem) = check(json!({"route": "nowhere", "days": 3, "members": 2}));
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("route")));
}

#[test]
fn officers_write_routes_conditionally_and_into_the_audit_log() {
    let mut tokens = None;
    let server = TestServer::start_with(|state| {
        let make = |name: &str, role| app::access::create_token(&state.library, name, role, None, &Actor::command_line()).unwrap().secret;
        tokens = Some((make("officer-r", Role::Officer), make("viewer-r", Role::Viewer), make("admin-r", Role::Admin)));
        state
    });
    let (officer, viewer, admin) = tokens.unwrap();
    let (_, headers, detail) = answer(client().get(server.url("/v1/outbound-routes/ct-fr-culture")).send().unwrap());
    let etag = headers["etag"].to_str().unwrap().to_string();
    let mut route = detail["route"].clone();
    route["stops"][0]["days"] = json!(1);
    let put = |token: Option<&str>, etag: &str, body: &Value| {
        let request = client().put(server.url("/v1/outbound-routes/ct-fr-culture")).header("if-match", etag).json(body);
        answer(match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
        .unwrap())
    };
    assert_eq!(put(None, &etag, &route).0, 401);
    assert_eq!(put(Some(&viewer), &etag, &route).0, 403);
    let (status, headers, saved) = put(Some(&officer), &etag, &route);
    assert_eq!(status, 200, "{saved}");
    assert_ne!(headers["etag"].to_str().unwrap(), etag);
    assert_eq!(put(Some(&officer), &etag, &route).0, 412, "a stale ETag is refused");
    // Invalid routes list every failing field.
    let mut bad = route.clone();
    bad["theme"] = json!("space");
    bad["industries"] = json!(["warp_drives"]);
    bad["stops"][0]["tasks"] = json!([]);
    let fresh = headers["etag"].to_str().unwrap().to_string();
    let (status, _, problem) = put(Some(&officer), &fresh, &bad);
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["theme", "industries[0]", "stops[0].tasks"]);
    // A new route, then its audit trail.
    let mut new_route = route.clone();
    new_route["id"] = json!("ct-fr-lyon-silk");
    let (status, headers, _) = answer(client().post(server.url("/v1/outbound-routes")).bearer_auth(&officer).json(&new_route).send().unwrap());
    assert_eq!(status, 201);
    assert_eq!(headers["location"], "/v1/outbound-routes/ct-fr-lyon-silk");
    let created_etag = headers["etag"].to_str().unwrap().to_string();
    let deleted = client().delete(server.url("/v1/outbound-routes/ct-fr-lyon-silk")).bearer_auth(&officer).header("if-match", &created_etag).send().unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    let (_, _, audit) = answer(client().get(server.url("/v1/audit?target=route:ct-fr-culture")).bearer_auth(&admin).send().unwrap());
    let entry = &audit["items"][0];
    assert_eq!((entry["action"].as_str(), entry["actor"].as_str()), (Some("route_replace"), Some("token:officer-r")));
    assert_eq!(entry["before"]["stops"][0]["days"], 2);
    assert_eq!(entry["after"]["stops"][0]["days"], 1);
}

#[test]
fn a_sister_city_delegation_sees_the_relationship_in_its_match() {
    let server = TestServer::start();
    let profile = json!({"country": "DE", "city": "Giessen", "organisation_type": "government", "size": 8,
        "visit": {"weekdays": ["tue", "wed"]}, "days": 2, "hotel": {"division": "lucheng"},
        "interests": "vocational schools and education exchange", "industries_sought": ["vocational_education"]});
    let (status, _, outcome) = answer(client().post(server.url("/v1/matches")).json(&json!({"profile": profile, "top": 10})).send().unwrap());
    assert_eq!(status, 200, "{outcome}");
    let with_link = outcome["items"].as_array().unwrap().iter().filter(|i| i["reason_en"].as_str().unwrap().contains("Giessen")).count();
    assert!(with_link > 0, "no reason names the sister city: {outcome}");
}

fn suggest(server: &TestServer, needs: &str) -> Value {
    let (status, _, found) = answer(client().post(server.url("/v1/outbound-routes/suggest")).json(&json!({"needs": needs, "top": 5})).send().unwrap());
    assert_eq!(status, 200, "{found}");
    found
}

fn route_countries(found: &Value) -> Vec<&str> {
    found["routes"].as_array().unwrap().iter().map(|r| r["country"].as_str().unwrap()).collect()
}

#[test]
fn the_city_priority_partners_are_found_first_for_what_they_offer() {
    let server = TestServer::start();
    for needs in ["partners for cocoa processing and solar equipment exports in West Africa", "为可可加工和光伏设备出口寻找西非合作伙伴"] {
        let found = suggest(&server, needs);
        assert_eq!(route_countries(&found)[0], "GH", "{needs}: {found}");
        assert_eq!(found["countries"][0]["code"], "GH", "{needs}: {found}");
        let first = &found["routes"][0];
        assert_eq!(first["id"], "svc-gh-west-africa-forum");
        // The route's detail carries Ghana's features and the forum among past exchanges.
        let (status, _, detail) = answer(client().get(server.url("/v1/outbound-routes/svc-gh-west-africa-forum")).send().unwrap());
        assert_eq!(status, 200, "{detail}");
        let text = detail.to_string();
        assert!(text.contains("cocoa") && text.contains("China–Ghana (Wenzhou) economic and trade forum"), "{detail}");
    }
    for needs in ["attract Japanese and Korean visitors", "吸引日韩游客"] {
        let found = suggest(&server, needs);
        let countries = route_countries(&found);
        assert!(countries[..2].contains(&"KR") && countries[..2].contains(&"JP"), "{needs}: {countries:?}");
        let korea = found["routes"].as_array().unwrap().iter().find(|r| r["country"] == "KR").unwrap();
        assert_eq!(korea["theme"], "culture_tourism", "{korea}");
    }
    let found = suggest(&server, "venture capital and digital health technology from Israel");
    assert_eq!(route_countries(&found)[0], "IL", "{found}");
}
