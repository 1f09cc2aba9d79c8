//! The officers' web page at `/`: one HTML page, its script and style sheet, the division
//! outlines for the map and the example profiles, all compiled into the binary so the page works
//! offline. The page itself only calls the JSON API.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

const INDEX_HTML: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const APP_CSS: &str = include_str!("../../web/app.css");
const DIVISION_OUTLINES: &str = include_str!("../../fixtures/geo/wenzhou_divisions.geojson");
/// The example delegations the form can start from.
const EXAMPLE_PROFILES: [(&str, &str); 3] = [
    ("prato_fashion_it", include_str!("../../fixtures/profiles/prato_fashion_it.json")),
    ("malaysia_electrical_en", include_str!("../../fixtures/profiles/malaysia_electrical_en.json")),
    ("netherlands_diaspora_zh", include_str!("../../fixtures/profiles/netherlands_diaspora_zh.json")),
];

/// Everything the page loads comes from this server: no CDN, no inline script.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'";

/// Routes of the page (not part of the API's OpenAPI document).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { asset(INDEX_HTML, "text/html; charset=utf-8") }))
        .route("/assets/app.js", get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/assets/app.css", get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }))
        .route("/assets/divisions.geojson", get(|| async { asset(DIVISION_OUTLINES, "application/geo+json") }))
        .route("/assets/examples.json", get(|| async { asset(&examples_json(), "application/json") }))
}

fn asset(body: &str, media_type: &'static str) -> Response {
    let mut response = body.to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    // Assets change with the binary; revalidating is cheap and avoids a stale page after an upgrade.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn examples_json() -> String {
    let examples: Vec<serde_json::Value> = EXAMPLE_PROFILES
        .iter()
        .map(|(name, json)| {
            let profile: serde_json::Value = serde_json::from_str(json).expect("the example profiles are JSON");
            serde_json::json!({"name": name, "profile": profile})
        })
        .collect();
    serde_json::Value::Array(examples).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_refers_only_to_assets_it_serves() {
        for path in ["/assets/app.css", "/assets/app.js"] {
            assert!(INDEX_HTML.contains(path), "{path}");
        }
        assert!(!INDEX_HTML.contains("http://") && !INDEX_HTML.contains("https://"), "no remote resources");
        let script = APP_JS.replace("http://www.w3.org/2000/svg", "");
        assert!(!script.contains("http://") && !script.contains("https://"), "no remote calls");
        let examples: Vec<serde_json::Value> = serde_json::from_str(&examples_json()).unwrap();
        assert_eq!(examples.len(), 3);
        let outlines: serde_json::Value = serde_json::from_str(DIVISION_OUTLINES).unwrap();
        let features = outlines["features"].as_array().unwrap();
        assert_eq!(features.len(), 11);
        assert!(features.iter().all(|f| f["properties"]["code"].is_string()));
    }
}
