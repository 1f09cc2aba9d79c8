//! Matching: `POST /v1/matches` on a real server, and the matcher through the library.
//!
//! Properties covered:
//! 1. English, Italian and Chinese profiles get top-10s in their sought industries, with reasons
//!    in both languages and a full explanation tree.
//! 2. Hard rules hold: a 40-person delegation never gets a base receiving fewer; nothing closed
//!    on the visit days; avoided and restricted bases never appear.
//! 3. Must-visit bases come first; one that breaks a rule is reported, not proposed.
//! 4. Diversity spreads the list over more divisions; a sister-city delegation sees the link.
//! 5. Invalid profiles get a 422 naming every field at fault.

mod common;

use std::collections::HashSet;

use common::{TempDataDir, TestServer};
use serde_json::{json, Value};
use visitmatch::app;
use visitmatch::domain::{DelegationProfile, Weekday};
use visitmatch::scoring::MatchOptions;

fn profile(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn post_match(server: &TestServer, body: &Value) -> (u16, Value) {
    server.block_on(async {
        let response = reqwest::Client::new().post(server.url("/v1/matches")).json(body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    })
}

fn within(taxonomy: &visitmatch::domain::Taxonomy, codes: &[Value], roots: &[&str]) -> bool {
    codes.iter().any(|c| {
        let ancestors = taxonomy.ancestors_and_self(c.as_str().unwrap());
        roots.iter().any(|root| ancestors.contains(root))
    })
}

#[test]
fn three_languages_get_sensible_top_tens_with_reasons() {
    let server = TestServer::start();
    let taxonomy = visitmatch::domain::Taxonomy::embedded();
    let cases: [(&str, &[&str]); 3] = [
        ("prato_fashion_it.json", &["garments", "footwear", "smart_equipment"]),
        ("malaysia_electrical_en.json", &["electrical"]),
        ("netherlands_diaspora_zh.json", &["culture_tourism", "tea", "ecommerce", "agri_marine"]),
    ];
    for (file, roots) in cases {
        let (status, body) = post_match(&server, &json!({"profile": profile(file), "top": 10}));
        assert_eq!(status, 200, "{file}: {body}");
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 10, "{file}");
        let on_topic = items.iter().filter(|i| within(&taxonomy, i["industries"].as_array().unwrap(), roots)).count();
        assert!(on_topic >= 9, "{file}: only {on_topic} of 10 on topic: {body}");
        let ids: HashSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 10, "{file}: duplicate bases");
        for (rank, item) in items.iter().enumerate() {
            assert_eq!(item["rank"], rank + 1);
            let score = item["score"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&score), "{file}: score {score}");
            assert!(!item["reason_zh"].as_str().unwrap().is_empty() && !item["reason_en"].as_str().unwrap().is_empty());
            let features = item["explanation"]["details"].as_array().unwrap();
            assert_eq!(features.len(), 9);
            let sum: f64 = features.iter().map(|f| f["value"].as_f64().unwrap()).sum();
            assert!((sum - score).abs() < 1e-3, "{file}: explanation does not add up: {sum} vs {score}");
        }
    }
}

#[test]
fn a_forty_person_delegation_never_gets_a_small_base() {
    let server = TestServer::start();
    let mut big = profile("malaysia_electrical_en.json");
    big["size"] = json!(40);
    let (status, body) = post_match(&server, &json!({"profile": big, "top": 100, "explain_excluded": true}));
    assert_eq!(status, 200, "{body}");
    for item in body["items"].as_array().unwrap() {
        assert!(item["max_group_size"].as_u64().unwrap() >= 40, "{item}");
    }
    let excluded = body["excluded"].as_array().unwrap();
    assert!(excluded.iter().any(|e| e["reason"] == "group_too_large"), "relevant small bases are listed as excluded: {body}");
}

#[test]
fn closed_avoided_and_restricted_bases_never_appear() {
    let data = TempDataDir::new();
    let library = data.open();
    let mut sunday: DelegationProfile = serde_json::from_value(profile("malaysia_electrical_en.json")).unwrap();
    sunday.visit = visitmatch::domain::VisitDays::Weekdays(vec![Weekday::Sun]);
    sunday.days = 1;
    sunday.avoid = vec!["elec-town-007".into()];
    let outcome = app::matching::match_profile(&library, &sunday, &MatchOptions { top: 50, ..Default::default() }).unwrap();
    assert!(!outcome.items.is_empty());
    for item in &outcome.items {
        let base = library.get(&item.id, visitmatch::access::Visibility::Internal).unwrap();
        assert!(base.opening_hours.is_open_on(Weekday::Sun), "{} is closed on Sunday", item.id);
        assert!(!base.restricted);
        assert_ne!(item.id, "elec-town-007");
    }
}

#[test]
fn must_visit_bases_come_first_and_broken_ones_are_reported() {
    let data = TempDataDir::new();
    let library = data.open();
    let mut italians: DelegationProfile = serde_json::from_value(profile("prato_fashion_it.json")).unwrap();
    italians.must_visit = vec!["lucheng-023".into(), "marine-001".into()]; // 江心屿 and a restricted terminal
    let outcome = app::matching::match_profile(&library, &italians, &MatchOptions::default()).unwrap();
    assert_eq!(outcome.items[0].id, "lucheng-023");
    assert!(outcome.items[0].must_visit);
    assert!(outcome.items.iter().all(|i| i.id != "marine-001"));
    assert!(outcome.warnings.iter().any(|w| w.code == "must_visit_excluded" && w.subject == "marine-001"), "{:?}", outcome.warnings);
}

#[test]
fn diversity_spreads_divisions_and_sister_cities_show_in_reasons() {
    let data = TempDataDir::new();
    let library = data.open();
    let italians: DelegationProfile = serde_json::from_value(profile("prato_fashion_it.json")).unwrap();
    let divisions = |diversity: f32| {
        let outcome = app::matching::match_profile(&library, &italians, &MatchOptions { diversity: Some(diversity), ..Default::default() }).unwrap();
        outcome.items.iter().map(|i| i.division.clone()).collect::<HashSet<_>>().len()
    };
    assert!(divisions(0.6) > divisions(0.0), "diversity did not spread the list");
    let outcome = app::matching::match_profile(&library, &italians, &MatchOptions::default()).unwrap();
    assert!(outcome.items.iter().any(|i| i.reason_en.contains("Prato") && i.reason_zh.contains("普拉托")));
}

#[test]
fn each_base_says_where_its_score_alone_would_rank_it_and_explains_each_feature_in_both_languages() {
    let data = TempDataDir::new();
    let library = data.open();
    let italians: DelegationProfile = serde_json::from_value(profile("prato_fashion_it.json")).unwrap();
    let must = |item: &visitmatch::scoring::MatchedBase| item.must_visit;
    for diversity in [0.0, 0.6] {
        let options = MatchOptions { diversity: Some(diversity), top: 15, ..Default::default() };
        let outcome = app::matching::match_profile(&library, &italians, &options).unwrap();
        // Checked from the scores alone: a base ranks by score below every base that scores more
        // (must-visit bases first), and no two bases share a score rank.
        for item in &outcome.items {
            let above = outcome.items.iter().filter(|other| (must(other), other.score) > (must(item), item.score)).count();
            assert!(item.score_rank > above, "{} ranks {} by score with {above} scoring more", item.id, item.score_rank);
        }
        let ranks: HashSet<usize> = outcome.items.iter().map(|item| item.score_rank).collect();
        assert_eq!(ranks.len(), outcome.items.len());
        let moved = outcome.items.iter().filter(|item| item.score_rank != item.rank).count();
        if diversity == 0.0 {
            assert_eq!(moved, 0, "without diversity the order is the score's");
        } else {
            assert!(moved > 0, "diversity 0.6 moves some bases");
        }
    }
    let outcome = app::matching::match_profile(&library, &italians, &MatchOptions::default()).unwrap();
    for item in &outcome.items {
        for part in &item.explanation.details {
            let zh = part.description_zh.as_deref().expect("every feature has a Chinese sentence");
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            let code = part.feature.as_deref().unwrap();
            assert!(!zh.contains(code) && !part.description.contains(&format!("{code}:")), "no codes in {zh} / {}", part.description);
            assert!(part.description.chars().next().is_some_and(char::is_uppercase), "an English sentence: {}", part.description);
        }
    }
}

#[test]
fn invalid_profiles_get_a_problem_naming_each_field() {
    let server = TestServer::start();
    let mut bad = profile("malaysia_electrical_en.json");
    bad["size"] = json!(0);
    bad["country"] = json!("Malaysia");
    bad["hotel"] = json!({"division": "atlantis"});
    bad["industries_sought"] = json!(["unobtainium"]);
    let (status, body) = post_match(&server, &json!({"profile": bad, "top": 500}));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid_request");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["top"], "request-level checks come first");
    let (status, body) = post_match(&server, &json!({"profile": bad}));
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for field in ["profile.size", "profile.country", "profile.hotel.division"] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let mut unknown_term = profile("malaysia_electrical_en.json");
    unknown_term["industries_sought"] = json!(["unobtainium", "low voltage"]);
    let (status, body) = post_match(&server, &json!({"profile": unknown_term}));
    assert_eq!(status, 200, "an unknown industry term is a warning, not an error");
    assert_eq!(body["warnings"][0]["code"], "unknown_industry_term");
    assert_eq!(body["warnings"][0]["subject"], "unobtainium");
    let (status, body) = post_match(&server, &json!({"profile": {"country": "IT"}}));
    assert_eq!(status, 422, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["code"], "missing_field", "{body}");
    assert!(error["field"].as_str().unwrap().starts_with("profile."), "the missing field is named under the profile: {body}");
}

#[test]
fn a_profile_written_with_labels_matches_as_the_same_profile_in_codes() {
    let server = TestServer::start();
    let coded = profile("prato_fashion_it.json");
    assert_eq!(coded["hotel"]["division"], "lucheng");
    let mut labelled = coded.clone();
    labelled["hotel"]["division"] = json!("鹿城区");
    labelled["languages"] = json!(coded["languages"].as_array().unwrap().iter().map(|code| match code.as_str().unwrap() {
        "it" => "意大利语",
        "en" => "English",
        other => other,
    }).collect::<Vec<_>>());
    assert_ne!(labelled["languages"], coded["languages"], "the test changes the languages");
    let ids = |body: &Value| body["items"].as_array().unwrap().iter().map(|i| (i["id"].clone(), i["score"].clone())).collect::<Vec<_>>();
    let (status, by_code) = post_match(&server, &json!({"profile": coded, "top": 20}));
    assert_eq!(status, 200, "{by_code}");
    let (status, by_label) = post_match(&server, &json!({"profile": labelled, "top": 20}));
    assert_eq!(status, 200, "{by_label}");
    assert_eq!(ids(&by_label), ids(&by_code));

    // The same label plans too (the days' hotels are read as codes).
    let request = json!({"profile": labelled, "days": [{}, {"hotel": {"division": "瓯海区"}}]});
    let response = reqwest::blocking::Client::new().post(server.url("/v1/itineraries")).json(&request).send().unwrap();
    assert_eq!(response.status().as_u16(), 200, "{}", response.text().unwrap());

    labelled["hotel"]["division"] = json!("鹿成区");
    labelled["languages"] = json!(["克林贡语"]);
    let (status, refused) = post_match(&server, &json!({"profile": labelled}));
    assert_eq!(status, 422, "{refused}");
    let message = |field: &str| refused["errors"].as_array().unwrap().iter().find(|e| e["field"] == field).map(|e| e["message"].as_str().unwrap().to_string());
    assert!(message("profile.hotel.division").is_some_and(|m| m.contains("did you mean 鹿城区 (lucheng)")), "{refused}");
    assert!(message("profile.languages").is_some_and(|m| m.contains("克林贡语")), "{refused}");
}

fn get_json(server: &TestServer, path: &str) -> Value {
    server.block_on(async { reqwest::Client::new().get(server.url(path)).send().await.unwrap().json().await.unwrap() })
}

#[test]
fn a_delegation_avoids_kinds_industries_and_divisions_by_code_or_label() {
    let server = TestServer::start();
    // Read the trees from the reference routes, not through the rule book: every industry below
    // 鞋业 (footwear), and every division that is Lucheng or lies in it.
    let industries = get_json(&server, "/v1/industries");
    let parent_of: std::collections::HashMap<String, Option<String>> = industries["industries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["code"].as_str().unwrap().to_string(), i["parent"].as_str().map(str::to_string)))
        .collect();
    let below_footwear = |code: &str| {
        let mut at = Some(code.to_string());
        while let Some(current) = at {
            if current == "footwear" {
                return true;
            }
            at = parent_of.get(&current).cloned().flatten();
        }
        false
    };
    let divisions = get_json(&server, "/v1/divisions");
    let in_lucheng: HashSet<String> = divisions["divisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "lucheng" || d["parent"] == "lucheng")
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();

    let mut italians = profile("prato_fashion_it.json");
    let (status, plain) = post_match(&server, &json!({"profile": italians, "top": 30}));
    assert_eq!(status, 200);
    let count = |body: &Value, test: &dyn Fn(&Value) -> bool| body["items"].as_array().unwrap().iter().filter(|i| test(i)).count();
    let footwear = |i: &Value| i["industries"].as_array().unwrap().iter().any(|c| below_footwear(c.as_str().unwrap()));
    let factory = |i: &Value| ["enterprise", "industrial_park"].contains(&i["kind"].as_str().unwrap());
    let lucheng = |i: &Value| in_lucheng.contains(i["division"].as_str().unwrap());
    assert!(count(&plain, &footwear) > 0 && count(&plain, &factory) > 0 && count(&plain, &lucheng) > 0, "the plain list has each kind to avoid");

    italians["avoid_kinds"] = json!(["enterprise", "产业园区"]);
    italians["avoid_industries"] = json!(["鞋业"]);
    italians["avoid_divisions"] = json!(["Lucheng"]);
    let (status, avoided) = post_match(&server, &json!({"profile": italians, "top": 30, "explain_excluded": true}));
    assert_eq!(status, 200, "{avoided}");
    assert!(!avoided["items"].as_array().unwrap().is_empty(), "other bases remain");
    assert_eq!((count(&avoided, &footwear), count(&avoided, &factory), count(&avoided, &lucheng)), (0, 0, 0), "{avoided}");
    let reasons: HashSet<&str> = avoided["excluded"].as_array().unwrap().iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains("avoided"), "{reasons:?}");

    // An entry that names nothing is refused by name, with the closest labels.
    italians["avoid_kinds"] = json!(["factory-ish"]);
    italians["avoid_divisions"] = json!(["Atlantis"]);
    let (status, body) = post_match(&server, &json!({"profile": italians}));
    assert_eq!(status, 422, "{body}");
    let fields: HashSet<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, HashSet::from(["profile.avoid_kinds", "profile.avoid_divisions"]), "{body}");
}

#[test]
fn a_base_that_needs_approval_is_proposed_only_with_a_valid_one_or_one_arranged() {
    let server = TestServer::start();
    // Read from the catalog route: ouhai-023 needs approval and has none on file; yueqing-021's
    // ended on 2026-06-30.
    let base = |id: &str| get_json(&server, &format!("/v1/bases/{id}"));
    assert_eq!((base("ouhai-023")["approval_required"].as_bool(), base("ouhai-023").get("approved_until").cloned()), (Some(true), None));
    assert_eq!(base("yueqing-021")["approved_until"], "2026-06-30");

    let mut italians = profile("prato_fashion_it.json");
    italians["must_visit"] = json!(["ouhai-023", "yueqing-021"]);
    let ids = |body: &Value| body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect::<HashSet<_>>();
    let warned = |body: &Value| {
        body["warnings"].as_array().unwrap().iter().filter(|w| w["code"] == "must_visit_excluded").map(|w| w["subject"].as_str().unwrap().to_string()).collect::<HashSet<_>>()
    };
    // A visit in December 2026: neither may be proposed, and the officer is told why.
    let (status, body) = post_match(&server, &json!({"profile": italians, "top": 40}));
    assert_eq!(status, 200, "{body}");
    assert!(!ids(&body).contains("ouhai-023") && !ids(&body).contains("yueqing-021"), "{body}");
    assert_eq!(warned(&body), HashSet::from(["ouhai-023".to_string(), "yueqing-021".to_string()]));
    assert!(body["warnings"].to_string().contains("approval"), "{body}");
    // In May 2026 yueqing-021's approval was still valid.
    let mut may = italians.clone();
    may["visit"] = json!({"dates": ["2026-05-11", "2026-05-12"]});
    let (_, body) = post_match(&server, &json!({"profile": may, "top": 40}));
    assert!(ids(&body).contains("yueqing-021") && !ids(&body).contains("ouhai-023"), "{body}");
    // Arranged for this visit: proposed.
    italians["approvals_arranged"] = json!(["ouhai-023"]);
    let (_, body) = post_match(&server, &json!({"profile": italians, "top": 40}));
    assert!(ids(&body).contains("ouhai-023") && !ids(&body).contains("yueqing-021"), "{body}");
}

#[test]
fn on_a_public_holiday_only_bases_that_open_on_holidays_are_proposed() {
    let server = TestServer::start();
    let mut visitors = profile("prato_fashion_it.json");
    visitors["interests"] = json!("Footwear and clothing makers, museums, heritage and culture of Wenzhou");
    // Thursday 1 October 2026 is National Day (the State Council's 2026 notice); Thursday
    // 8 October is an ordinary working day.
    visitors["visit"] = json!({"dates": ["2026-10-01"]});
    visitors["days"] = json!(1);
    let (status, holiday) = post_match(&server, &json!({"profile": visitors, "top": 30, "explain_excluded": true}));
    assert_eq!(status, 200, "{holiday}");
    let items = holiday["items"].as_array().unwrap();
    assert!(!items.is_empty(), "sites and museums remain");
    for item in items {
        let base = get_json(&server, &format!("/v1/bases/{}", item["id"].as_str().unwrap()));
        let opens = base["opens_on_holidays"].as_bool().unwrap_or(matches!(base["kind"].as_str(), Some("cultural_site" | "tourism_site")));
        assert!(opens, "{} ({}) does not open on public holidays", base["id"], base["kind"]);
    }
    let closed: Vec<&Value> = holiday["excluded"].as_array().unwrap().iter().filter(|e| e["reason"] == "closed_on_visit_days").collect();
    assert!(closed.iter().any(|e| e["detail"].as_str().unwrap().contains("国庆节")), "the reason names the holiday: {closed:?}");

    visitors["visit"] = json!({"dates": ["2026-10-08"]});
    let (_, working) = post_match(&server, &json!({"profile": visitors, "top": 30}));
    assert!(working["items"].as_array().unwrap().iter().any(|i| i["kind"] == "enterprise"), "companies on a working day: {working}");
}

#[test]
fn a_group_after_experiences_gets_each_one_near_the_top_in_any_language() {
    let server = TestServer::start();
    // Three experiences, no industry codes: tea culture, crafts and local food.
    let topics: [(&str, &[&str]); 3] = [("tea", &["tea"]), ("crafts", &["intangible_crafts", "crafts_gifts"]), ("food", &["hospitality"])];
    for interests in [
        "A cultural tourism group looking for tea culture, traditional crafts and local food",
        "文化旅游团：想体验茶文化、手工艺和地方美食",
        "Gruppo culturale: cultura del tè, artigianato e cucina locale",
    ] {
        let visitors = json!({
            "country": "FR", "organisation_type": "cultural", "size": 15, "visit": {"dates": ["2026-12-08", "2026-12-09"]}, "days": 2,
            "hotel": {"division": "lucheng"}, "interests": interests, "languages": ["fr", "en"]
        });
        let (status, body) = post_match(&server, &json!({"profile": visitors, "top": 10}));
        assert_eq!(status, 200, "{body}");
        let top: Vec<&Value> = body["items"].as_array().unwrap().iter().take(6).collect();
        for (topic, codes) in topics {
            let covered = top.iter().any(|item| item["industries"].as_array().unwrap().iter().any(|c| codes.contains(&c.as_str().unwrap())));
            assert!(covered, "{interests}: no {topic} base in the top 6: {:?}", top.iter().map(|i| &i["id"]).collect::<Vec<_>>());
        }
    }
}

#[test]
fn a_study_group_naming_several_topics_sees_each_near_the_top() {
    let server = TestServer::start();
    let visitors = json!({
        "country": "VN", "organisation_type": "government", "size": 12, "visit": {"dates": ["2026-12-08", "2026-12-09"]}, "days": 2,
        "hotel": {"division": "lucheng"}, "languages": ["vi", "en"],
        "interests": "Study group on industrial cluster services: vocational training, inclusive finance for small firms, and testing and certification platforms"
    });
    let (status, body) = post_match(&server, &json!({"profile": visitors, "top": 10}));
    assert_eq!(status, 200, "{body}");
    let top: Vec<&Value> = body["items"].as_array().unwrap().iter().take(5).collect();
    let topics: [(&str, &[&str]); 3] = [("training", &["vocational_education"]), ("finance", &["private_finance", "fintech", "finance"]), ("testing", &["research"])];
    for (topic, codes) in topics {
        let covered = top.iter().any(|item| item["industries"].as_array().unwrap().iter().any(|c| codes.contains(&c.as_str().unwrap())));
        assert!(covered, "no {topic} base in the top 5: {:?}", top.iter().map(|i| &i["id"]).collect::<Vec<_>>());
    }
}
