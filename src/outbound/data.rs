//! Countries, partner cities, rules and the route type, with the checks a route must pass.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{FieldCode, FieldError};
use crate::domain::{is_valid_base_id, Relations, Taxonomy};
use crate::domain::{check_theme, OutboundRoute};

use super::departments::Departments;

/// The countries' industry features and links, embedded in the binary.
pub const EMBEDDED_COUNTRIES: &str = include_str!("../../fixtures/outbound/countries.json");
/// The routes a new catalog starts with.
pub const EMBEDDED_ROUTES: &str = include_str!("../../fixtures/outbound/routes.json");
/// Limits for official trips abroad.
pub const EMBEDDED_RULES: &str = include_str!("../../fixtures/outbound/rules.json");

/// One industry a country is strong in (产业特点).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IndustryFeature {
    /// Industry code of the taxonomy.
    #[schema(example = "footwear")]
    pub industry: String,
    /// The feature in Chinese.
    pub zh: String,
    /// The feature in English.
    pub en: String,
}

/// A city abroad the office works with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartnerCity {
    /// Name.
    #[schema(example = "Prato")]
    pub city: String,
    /// Chinese name.
    pub zh: String,
    /// `sister`, `friendly` or `partner`.
    pub relation: String,
    /// Year the link was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u16>,
    /// What the city is, in Chinese.
    pub note_zh: String,
    /// What the city is, in English.
    pub note_en: String,
}

/// An earlier visit between the city and the country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PastExchange {
    /// Year.
    pub year: u16,
    /// `outbound` (Wenzhou went) or `inbound` (they came).
    pub direction: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// What came of it, in Chinese.
    pub outcome_zh: String,
    /// What came of it, in English.
    pub outcome_en: String,
}

/// A country with what it is strong in and the city's links there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutboundCountry {
    /// ISO 3166-1 alpha-2 code.
    #[schema(example = "IT")]
    pub code: String,
    /// Industry features (产业特点).
    pub features: Vec<IndustryFeature>,
    /// Cooperation concepts the country is strong in (`talent`, `design`, `technology`, …).
    pub strengths: Vec<String>,
    /// Sister, friendly and partner cities.
    pub partner_cities: Vec<PartnerCity>,
    /// Earlier exchanges.
    pub past_exchanges: Vec<PastExchange>,
}

/// Limits for official trips abroad (因公临时出国(境)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TripRules {
    /// Most countries per trip.
    pub max_countries: usize,
    /// Most days abroad (leaving and re-entering included) for 1, 2, 3… countries.
    pub max_days_by_countries: Vec<u16>,
    /// Most members.
    pub max_members: u16,
    /// Days of international travel a trip needs on top of its stops.
    pub travel_days: u16,
    /// Trips a department's annual plan allows, unless it has its own count.
    #[serde(default = "default_annual_trips")]
    pub annual_trips_per_department: u16,
    /// Days after return within which a trip's results are due.
    #[serde(default = "default_report_days")]
    pub report_within_days: u16,
}

fn default_annual_trips() -> u16 {
    2
}

fn default_report_days() -> u16 {
    30
}

/// Countries and rules, with the taxonomy and relations they refer to.
pub struct OutboundReference {
    /// Countries.
    pub countries: Vec<OutboundCountry>,
    /// Trip limits.
    pub rules: TripRules,
    /// The units that file trip applications.
    pub departments: Departments,
}

impl OutboundReference {
    /// The embedded countries and rules.
    pub fn embedded() -> OutboundReference {
        #[derive(Deserialize)]
        struct Countries {
            countries: Vec<OutboundCountry>,
        }
        let countries: Countries = serde_json::from_str(EMBEDDED_COUNTRIES).expect("the embedded countries are valid");
        let rules: TripRules = serde_json::from_str(EMBEDDED_RULES).expect("the embedded rules are valid");
        OutboundReference { countries: countries.countries, rules, departments: Departments::embedded() }
    }

    /// The trips `department`'s annual plan (年度出访计划) allows: its own count, or the rule
    /// for every unit.
    pub fn annual_trips(&self, department: &str) -> u16 {
        self.departments.find(department).and_then(|d| d.annual_trips).unwrap_or(self.rules.annual_trips_per_department)
    }

    /// One country.
    pub fn country(&self, code: &str) -> Option<&OutboundCountry> {
        self.countries.iter().find(|c| c.code.eq_ignore_ascii_case(code))
    }
}

/// The routes a new catalog starts with.
pub fn embedded_routes() -> Vec<OutboundRoute> {
    #[derive(Deserialize)]
    struct Routes {
        routes: Vec<OutboundRoute>,
    }
    serde_json::from_str::<Routes>(EMBEDDED_ROUTES).expect("the embedded routes are valid").routes
}

/// Most industries one outbound route names.
pub const MAX_ROUTE_INDUSTRIES: usize = 20;
/// Most tasks of one outbound route (and of one stop).
pub const MAX_ROUTE_TASKS: usize = 20;
/// Most stops of one outbound route.
pub const MAX_ROUTE_STOPS: usize = 30;
/// Longest text of a route's task or stop, in characters.
pub const MAX_ROUTE_TEXT_CHARS: usize = 500;

/// Every failed check of a route: id, theme, country, industries, tasks, stops.
pub fn validate_route(route: &OutboundRoute, taxonomy: &Taxonomy, relations: &Relations) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail = |field: String, code: FieldCode, message: String| errors.push(FieldError::new(&field, code, message));
    // Lists and texts are bounded first, so that no later check scales with an oversized route.
    for (field, len, limit) in [
        ("industries", route.industries.len(), MAX_ROUTE_INDUSTRIES),
        ("tasks", route.tasks.len(), MAX_ROUTE_TASKS),
        ("stops", route.stops.len(), MAX_ROUTE_STOPS),
    ] {
        if len > limit {
            fail(field.into(), FieldCode::TooMany, format!("lists {len} entries; at most {limit} are allowed"));
        }
    }
    let mut texts: Vec<(String, &str)> = Vec::new();
    for (i, task) in route.tasks.iter().enumerate().take(MAX_ROUTE_TASKS) {
        texts.extend([(format!("tasks[{i}].zh"), task.zh.as_str()), (format!("tasks[{i}].en"), task.en.as_str())]);
    }
    for (i, stop) in route.stops.iter().enumerate().take(MAX_ROUTE_STOPS) {
        texts.extend([
            (format!("stops[{i}].city"), stop.city.as_str()),
            (format!("stops[{i}].institution_zh"), stop.institution_zh.as_str()),
            (format!("stops[{i}].institution_en"), stop.institution_en.as_str()),
            (format!("stops[{i}].purpose_zh"), stop.purpose_zh.as_str()),
            (format!("stops[{i}].purpose_en"), stop.purpose_en.as_str()),
        ]);
        if stop.best_months.len() > 12 || stop.tasks.len() > MAX_ROUTE_TASKS {
            fail(format!("stops[{i}]"), FieldCode::TooMany, format!("a stop lists at most 12 months and {MAX_ROUTE_TASKS} tasks"));
        }
    }
    for (field, text) in texts {
        if text.chars().count() > MAX_ROUTE_TEXT_CHARS {
            fail(field, FieldCode::InvalidValue, format!("must be at most {MAX_ROUTE_TEXT_CHARS} characters"));
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    errors.extend(check_theme(&route.theme, "theme"));
    let mut fail = |field: String, code: FieldCode, message: String| errors.push(FieldError::new(&field, code, message));
    if !is_valid_base_id(&route.id) {
        fail("id".into(), FieldCode::InvalidValue, "uses only a-z, 0-9 and '-', at most 64 characters".into());
    }
    if relations.country(&route.country).is_none() {
        fail("country".into(), FieldCode::InvalidValue, format!("`{}` is not a known country code", route.country));
    }
    for (field, text) in [("title_zh", &route.title_zh), ("title_en", &route.title_en)] {
        if text.trim().is_empty() || text.chars().count() > 200 {
            fail(field.into(), FieldCode::InvalidValue, "must be 1 to 200 characters".into());
        }
    }
    if route.industries.is_empty() {
        fail("industries".into(), FieldCode::MissingField, "name at least one industry".into());
    }
    for (i, code) in route.industries.iter().enumerate() {
        if taxonomy.get(code).is_none() {
            fail(format!("industries[{i}]"), FieldCode::InvalidValue, format!("`{code}` is not an industry code; see GET /v1/industries"));
        }
    }
    if route.tasks.is_empty() {
        fail("tasks".into(), FieldCode::MissingField, "a trip needs at least one task (有事才去)".into());
    }
    let concepts: Vec<&str> = relations.concepts().iter().map(|c| c.code.as_str()).collect();
    let route_tasks: std::collections::HashSet<&str> = route.tasks.iter().map(|t| t.code.as_str()).collect();
    for (i, task) in route.tasks.iter().enumerate() {
        if !concepts.contains(&task.code.as_str()) {
            fail(format!("tasks[{i}].code"), FieldCode::InvalidValue, format!("`{}` is not a cooperation concept; use one of {}", task.code, concepts.join(", ")));
        }
    }
    if route.stops.is_empty() {
        fail("stops".into(), FieldCode::MissingField, "list at least one stop".into());
    }
    for (i, stop) in route.stops.iter().enumerate() {
        if stop.city.trim().is_empty() {
            fail(format!("stops[{i}].city"), FieldCode::MissingField, "name the city".into());
        }
        if !(1..=10).contains(&stop.days) {
            fail(format!("stops[{i}].days"), FieldCode::InvalidValue, format!("must be 1 to 10, got {}", stop.days));
        }
        if stop.best_months.iter().any(|m| !(1..=12).contains(m)) {
            fail(format!("stops[{i}].best_months"), FieldCode::InvalidValue, "months are 1 to 12".into());
        }
        if stop.tasks.is_empty() {
            fail(format!("stops[{i}].tasks"), FieldCode::MissingField, "a stop needs a task it serves (有事才去)".into());
        }
        for task in &stop.tasks {
            if !route_tasks.contains(task.as_str()) {
                fail(format!("stops[{i}].tasks"), FieldCode::InvalidValue, format!("`{task}` is not one of the route's tasks"));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversized_route_is_refused_on_its_sizes_alone() {
        let (taxonomy, relations) = (Taxonomy::embedded(), Relations::embedded());
        let mut route = embedded_routes().remove(0);
        let stop = route.stops[0].clone();
        route.stops = vec![stop; 10_000];
        route.industries = vec!["footwear".into(); 21];
        route.tasks[0].zh = "务".repeat(501);
        let errors = validate_route(&route, &taxonomy, &relations);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["industries", "stops", "tasks[0].zh"], "{errors:?}");
    }

    #[test]
    fn embedded_routes_and_countries_are_valid_and_linked() {
        let (taxonomy, relations) = (Taxonomy::embedded(), Relations::embedded());
        let reference = OutboundReference::embedded();
        let routes = embedded_routes();
        assert!(routes.len() >= 15);
        for route in &routes {
            assert_eq!(validate_route(route, &taxonomy, &relations), Vec::new(), "{}", route.id);
            assert!(reference.country(&route.country).is_some(), "{}: no country features", route.id);
            // A route of the library must itself be a trip the rules allow.
            assert!(route.stop_days() + reference.rules.travel_days <= reference.rules.max_days_by_countries[0], "{}: too long", route.id);
            assert!(route.tasks.len() < usize::from(reference.rules.max_members), "{}: too many tasks", route.id);
        }
        for theme in crate::domain::ROUTE_THEMES {
            assert!(routes.iter().any(|r| r.theme == theme), "no route for {theme}");
        }
        for country in &reference.countries {
            assert!(relations.country(&country.code).is_some(), "{} unknown to relations", country.code);
            for feature in &country.features {
                assert!(taxonomy.get(&feature.industry).is_some(), "{}: {}", country.code, feature.industry);
            }
        }
    }
}
