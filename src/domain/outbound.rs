//! The outbound visit-route library's own words: the themes and the route type, shared by the
//! catalog that stores routes, the outbound engine that suggests them and the visit records
//! that belong to a theme.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{FieldCode, FieldError};

/// Themes of the outbound routes, which a visit record may also belong to.
pub const ROUTE_THEMES: [&str; 5] = ["fashion_smart_manufacturing", "services", "fintech", "talent", "culture_tourism"];

/// The failure of a `theme` that is not one of [`ROUTE_THEMES`], if it is not.
pub fn check_theme(theme: &str, field: &str) -> Option<FieldError> {
    (!ROUTE_THEMES.contains(&theme)).then(|| {
        FieldError::new(field, FieldCode::InvalidValue, format!("`{theme}` is not a theme; use one of {}", ROUTE_THEMES.join(", ")))
    })
}

/// Something the trip serves at a stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTask {
    /// Cooperation concept code (`talent`, `design`, `market`, `investment`, …).
    #[schema(example = "talent")]
    pub code: String,
    /// The task in Chinese.
    pub zh: String,
    /// The task in English.
    pub en: String,
}

/// One stop of a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteStop {
    /// Partner city.
    #[schema(example = "Milan")]
    pub city: String,
    /// Institution or event, in Chinese.
    pub institution_zh: String,
    /// Institution or event, in English.
    pub institution_en: String,
    /// Purpose, in Chinese.
    pub purpose_zh: String,
    /// Purpose, in English.
    pub purpose_en: String,
    /// Suggested days at this stop.
    #[schema(example = 2)]
    pub days: u16,
    /// Best months (1–12).
    pub best_months: Vec<u8>,
    /// Task codes this stop serves (a subset of the route's tasks).
    pub tasks: Vec<String>,
}

/// A themed outbound route (theme × country).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "ct-fr-lyon-silk", "theme": "culture_tourism", "country": "FR",
    "title_zh": "法国里昂丝绸文化交流线路", "title_en": "France: Lyon silk heritage exchange",
    "industries": ["culture_tourism", "intangible_crafts"],
    "tasks": [{"code": "heritage_exchange", "zh": "非遗交流", "en": "intangible heritage exchange"}],
    "stops": [{"city": "Lyon", "institution_zh": "里昂纺织博物馆（示例）", "institution_en": "Lyon textile museum (example)",
               "purpose_zh": "瓯绣与丝绸技艺交流", "purpose_en": "Ou embroidery and silk crafts exchange",
               "days": 2, "best_months": [4, 5, 9, 10], "tasks": ["heritage_exchange"]}]
}))]
pub struct OutboundRoute {
    /// Stable id: `a-z`, `0-9`, `-`.
    #[schema(example = "fsm-it-footwear-design")]
    pub id: String,
    /// Theme: `fashion_smart_manufacturing`, `services`, `fintech`, `talent`, `culture_tourism`.
    pub theme: String,
    /// Country code.
    #[schema(example = "IT")]
    pub country: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// Industries the route is about (taxonomy codes).
    pub industries: Vec<String>,
    /// What the trip serves (有事才去).
    pub tasks: Vec<RouteTask>,
    /// Stops in order.
    pub stops: Vec<RouteStop>,
}

impl OutboundRoute {
    /// Suggested days at the stops, travel excluded.
    pub fn stop_days(&self) -> u16 {
        self.stops.iter().map(|s| s.days).sum()
    }
}

/// A stop of a planned trip.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedStop {
    /// Country code.
    pub country: String,
    /// City.
    pub city: String,
    /// What is done there, in Chinese.
    #[serde(default)]
    pub purpose_zh: String,
    /// Days there.
    pub days: u16,
    /// Task codes (cooperation concepts) served there.
    #[serde(default)]
    pub tasks: Vec<String>,
}
