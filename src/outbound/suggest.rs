//! Ranking outbound routes and countries for the city's needs, with reasons, and linking each
//! route back to the base library.
//!
//! Needs arrive as free text in any language, a list of industries, or a set of bases whose
//! main needs (主要需求) should be served. They are read into three things: the industries
//! sought (taxonomy terms in any language, and the bases' industries), the cooperation concepts
//! (talent, design, technology, market… from the multilingual vocabulary) and the places named
//! (countries directly or through a region such as 欧洲 / "European"). Each route then scores
//!
//! | part | weight | value |
//! |---|---|---|
//! | industry | 0.4 | mean over sought industries of the best fit with the route's (same 1, broader or narrower 0.8, siblings 0.5, same theme 0.3) |
//! | tasks | 0.3 | share of the needed concepts the route's tasks serve (the country's strengths count half) |
//! | place | 0.2 | 1 when the needs name the country, 0.6 when they name its region |
//! | relationship | 0.1 | sister city 1, friendly city 0.7, diaspora associations 0.5 |
//!
//! and says which parts spoke for it. A route with reported trips (see [`super::assessment`])
//! then moves by up to ±0.05: 0.1 × (share of tasks met − ½), in full from three trips on, less
//! with fewer; its reasons say how its trips went. A route lists the bases whose needs it serves (industry
//! fit and a need that asks for one of its tasks or names its country) and the bases to promote
//! there (industries the country is strong in or buys, with a promotion point).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessment::AssessmentRow;
use super::data::{OutboundCountry, OutboundReference};
use crate::domain::OutboundRoute;
use crate::domain::{FieldCode, FieldError};
use crate::domain::{ExchangeBase, Relations, Taxonomy};

/// Weights of the four parts of a route's score.
const WEIGHTS: [f32; 4] = [0.4, 0.3, 0.2, 0.1];
/// Most bases listed as served or to promote per route.
const BASES_PER_ROUTE: usize = 5;
/// Longest accepted needs text.
pub const MAX_NEEDS_CHARS: usize = 2000;
/// Most industries or bases one suggestion request may name.
pub const MAX_NEEDS_ENTRIES: usize = 50;

/// What the city needs: any mix of text, industries and bases.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"needs": "Our footwear bases need European design talent", "top": 3}))]
pub struct NeedsQuery {
    /// Needs in free text, any language.
    #[serde(default)]
    pub needs: Option<String>,
    /// Industries: taxonomy codes or terms in any language.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Bases whose main needs should be served.
    #[serde(default)]
    pub bases: Vec<String>,
    /// Only routes of this theme.
    #[serde(default)]
    pub theme: Option<String>,
    /// How many routes and countries to return, 1 to 50 (default 5).
    #[serde(default)]
    pub top: Option<u16>,
}

/// How the needs were read.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NeedsRead {
    /// Industries sought (taxonomy codes).
    pub industries: Vec<String>,
    /// Cooperation concepts needed (`talent`, `design`, …).
    pub concepts: Vec<String>,
    /// Countries named directly.
    pub countries: Vec<String>,
    /// Countries named through a region.
    pub region_countries: Vec<String>,
}

/// The four parts of a score, each 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ScoreParts {
    /// Industry fit.
    pub industry: f32,
    /// Tasks serving the needed concepts.
    pub tasks: f32,
    /// Place named in the needs.
    pub place: f32,
    /// Sister city, friendly city, diaspora.
    pub relationship: f32,
    /// What the route's reported trips achieved: (share of tasks met − ½) × min(trips, 3) / 3;
    /// 0 without reported trips.
    #[serde(default)]
    pub results: f32,
}

/// A base linked to a route, with the text that links it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BaseLink {
    /// Base id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// Division code.
    pub division: String,
    /// The need the route serves, or the promotion point to present there.
    pub text: String,
}

/// One suggested route.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RouteSuggestion {
    /// Route id.
    pub id: String,
    /// Theme.
    pub theme: String,
    /// Country code.
    pub country: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
    /// Weighted score, 0..1.
    pub score: f32,
    /// The parts of the score.
    pub parts: ScoreParts,
    /// Why, in Chinese.
    pub reasons_zh: Vec<String>,
    /// Why, in English.
    pub reasons_en: Vec<String>,
    /// Wenzhou bases whose main needs this route serves.
    pub bases_served: Vec<BaseLink>,
    /// Bases to promote in this country.
    pub bases_to_promote: Vec<BaseLink>,
}

/// One suggested country.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CountrySuggestion {
    /// Country code.
    pub code: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Score of the country's features and links for these needs (or of its best route, if higher).
    pub score: f32,
    /// The country's best route, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_route: Option<String>,
    /// Why, in Chinese.
    pub reasons_zh: Vec<String>,
    /// Why, in English.
    pub reasons_en: Vec<String>,
}

/// The answer of `POST /v1/outbound-routes/suggest`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Suggestions {
    /// How the needs were read.
    pub read: NeedsRead,
    /// Routes, best first.
    pub routes: Vec<RouteSuggestion>,
    /// Countries, best first.
    pub countries: Vec<CountrySuggestion>,
}

struct Needs {
    industries: Vec<String>,
    concepts: u64,
    direct: Vec<String>,
    via_region: Vec<String>,
}

/// Everything [`suggest`] reads.
pub struct SuggestContext<'a> {
    /// Routes of the library.
    pub routes: &'a [OutboundRoute],
    /// Countries and rules.
    pub reference: &'a OutboundReference,
    /// The industry taxonomy.
    pub taxonomy: &'a Taxonomy,
    /// Countries, regions, links and cooperation concepts.
    pub relations: &'a Relations,
    /// The base library (only public bases are ever linked).
    pub bases: &'a [ExchangeBase],
    /// What reported trips achieved, by route (the assessment grouped by route).
    pub route_results: &'a [AssessmentRow],
}

/// Weight of a route's track record (see the module's table).
const RESULTS_WEIGHT: f32 = 0.1;

/// Ranks routes and countries for `query`. Invalid queries get every failing field.
pub fn suggest(query: &NeedsQuery, context: &SuggestContext<'_>) -> Result<Suggestions, Vec<FieldError>> {
    let needs = read_needs(query, context)?;
    let top = usize::from(query.top.unwrap_or(5));
    let concept_codes = |mask: u64| -> Vec<String> {
        context.relations.concepts().iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, c)| c.code.clone()).collect()
    };
    let mut routes: Vec<RouteSuggestion> = context
        .routes
        .iter()
        .filter(|route| query.theme.as_ref().is_none_or(|theme| &route.theme == theme))
        .map(|route| {
            let task_mask = mask_of(context.relations, route.tasks.iter().map(|t| t.code.as_str()));
            let country = context.reference.country(&route.country);
            let mut scored = score(&needs, &route.industries, task_mask, &route.country, country, context);
            // A route the needs speak for moves with how its trips went.
            if let Some(results) = context.route_results.iter().find(|r| r.group == route.id)
                && scored.total > 0.0
            {
                let record = (results.tasks_met_share as f32 - 0.5) * (results.trips.min(3) as f32 / 3.0);
                scored.parts.results = record;
                scored.total += RESULTS_WEIGHT * record;
                let share = (results.tasks_met_share * 100.0).round();
                scored.reasons_zh.push(format!("已出访{}次，任务达成率{share}%", results.trips));
                let plural = if results.trips == 1 { "" } else { "s" };
                scored.reasons_en.push(format!("{} reported trip{plural} on this route, {share}% of their tasks met", results.trips));
            }
            RouteSuggestion {
                id: route.id.clone(),
                theme: route.theme.clone(),
                country: route.country.clone(),
                title_zh: route.title_zh.clone(),
                title_en: route.title_en.clone(),
                score: scored.total,
                parts: scored.parts,
                reasons_zh: scored.reasons_zh,
                reasons_en: scored.reasons_en,
                bases_served: bases_served(route, task_mask, &needs, query, context),
                bases_to_promote: bases_to_promote(route, country, context),
            }
        })
        .collect();
    routes.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    routes.truncate(top);

    let mut countries: Vec<CountrySuggestion> = context
        .reference
        .countries
        .iter()
        .map(|country| {
            let industries: Vec<String> = country.features.iter().map(|f| f.industry.clone()).collect();
            let strengths = mask_of(context.relations, country.strengths.iter().map(String::as_str));
            let scored = score(&needs, &industries, strengths, &country.code, Some(country), context);
            let best = context
                .routes
                .iter()
                .filter(|r| r.country == country.code && query.theme.as_ref().is_none_or(|t| &r.theme == t))
                .map(|r| {
                    let mask = mask_of(context.relations, r.tasks.iter().map(|t| t.code.as_str()));
                    (r.id.clone(), score(&needs, &r.industries, mask, &r.country, Some(country), context).total)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let names = context.relations.country(&country.code);
            CountrySuggestion {
                code: country.code.clone(),
                zh: names.map(|c| c.zh.clone()).unwrap_or_default(),
                en: names.map(|c| c.en.clone()).unwrap_or_default(),
                score: best.as_ref().map_or(scored.total, |(_, s)| s.max(scored.total)),
                best_route: best.map(|(id, _)| id),
                reasons_zh: scored.reasons_zh,
                reasons_en: scored.reasons_en,
            }
        })
        .collect();
    countries.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.code.cmp(&b.code)));
    countries.truncate(top);

    Ok(Suggestions {
        read: NeedsRead {
            industries: needs.industries.clone(),
            concepts: concept_codes(needs.concepts),
            countries: needs.direct.clone(),
            region_countries: needs.via_region.clone(),
        },
        routes,
        countries,
    })
}

/// The bases a route serves (their needs ask for one of its tasks or name its country) and the
/// bases to promote there, whatever the current needs: what the route's page shows.
pub fn route_links(route: &OutboundRoute, context: &SuggestContext<'_>) -> (Vec<BaseLink>, Vec<BaseLink>) {
    let task_mask = mask_of(context.relations, route.tasks.iter().map(|t| t.code.as_str()));
    let any_need = Needs { industries: Vec::new(), concepts: 0, direct: Vec::new(), via_region: Vec::new() };
    let served = bases_served(route, task_mask, &any_need, &NeedsQuery::default(), context);
    (served, bases_to_promote(route, context.reference.country(&route.country), context))
}

fn read_needs(query: &NeedsQuery, context: &SuggestContext<'_>) -> Result<Needs, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = query.needs.as_deref().map(str::trim).unwrap_or("");
    if text.chars().count() > MAX_NEEDS_CHARS {
        errors.push(FieldError::new("needs", FieldCode::InvalidValue, format!("is longer than {MAX_NEEDS_CHARS} characters")));
    }
    if text.is_empty() && query.industries.is_empty() && query.bases.is_empty() {
        errors.push(FieldError::new("needs", FieldCode::MissingField, "give needs as text, `industries` or `bases`"));
    }
    if let Some(theme) = &query.theme
        && let Some(error) = crate::domain::check_theme(theme, "theme") {
            errors.push(error);
        }
    if !(1..=50).contains(&query.top.unwrap_or(5)) {
        errors.push(FieldError::new("top", FieldCode::InvalidValue, "must be between 1 and 50"));
    }
    let over_limit = [("industries", query.industries.len()), ("bases", query.bases.len())].into_iter().filter(|(_, len)| *len > MAX_NEEDS_ENTRIES);
    let over_limit: Vec<FieldError> = over_limit
        .map(|(field, len)| FieldError::new(field, FieldCode::TooMany, format!("lists {len} entries; at most {MAX_NEEDS_ENTRIES} are allowed")))
        .collect();
    if !over_limit.is_empty() {
        // Checked before the entries are read one by one.
        errors.extend(over_limit);
        return Err(errors);
    }
    let mut industries = BTreeSet::new();
    for (i, term) in query.industries.iter().enumerate() {
        let codes = context.taxonomy.resolve(term);
        if codes.is_empty() {
            errors.push(FieldError::new(&format!("industries[{i}]"), FieldCode::InvalidValue, format!("`{term}` names no industry; see GET /v1/industries")));
        }
        industries.extend(codes);
    }
    // A word that names a cooperation concept too ("talent", 人才) says what is needed, not
    // which industry: it counts as an industry only when the text names no other.
    let named = context.taxonomy.match_text(text);
    let is_concept = |term: &str| context.relations.concept_mask(term) != 0;
    let industry_words = named.iter().filter(|m| !is_concept(&m.term)).count();
    industries.extend(named.into_iter().filter(|m| industry_words == 0 || !is_concept(&m.term)).map(|m| m.code));
    let mut place_text = text.to_string();
    let mut concepts = context.relations.concept_mask(text);
    for (i, id) in query.bases.iter().enumerate() {
        match context.bases.iter().find(|b| &b.id == id && b.is_public()) {
            Some(base) => {
                industries.extend(base.industries.iter().cloned());
                for need in &base.needs {
                    concepts |= context.relations.concept_mask(need);
                    place_text.push('\n');
                    place_text.push_str(need);
                }
            }
            None => errors.push(FieldError::new(&format!("bases[{i}]"), FieldCode::UnknownBase, format!("no base with id `{id}`"))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (direct, via_region) = context.relations.countries_in(&place_text);
    Ok(Needs { industries: industries.into_iter().collect(), concepts, direct, via_region })
}

fn mask_of<'a>(relations: &Relations, codes: impl Iterator<Item = &'a str>) -> u64 {
    let codes: Vec<&str> = codes.collect();
    relations.concepts().iter().enumerate().filter(|(_, c)| codes.contains(&c.code.as_str())).fold(0, |mask, (i, _)| mask | (1 << i))
}

/// How close industry `a` is to industry `b` in the taxonomy.
fn affinity(taxonomy: &Taxonomy, a: &str, b: &str) -> f32 {
    if a == b {
        1.0
    } else if taxonomy.is_within(a, b) || taxonomy.is_within(b, a) {
        0.8
    } else if taxonomy.parent_of(a).is_some() && taxonomy.parent_of(a) == taxonomy.parent_of(b) {
        0.5
    } else if taxonomy.share_theme(a, b) {
        0.3
    } else {
        0.0
    }
}

struct Scored {
    total: f32,
    parts: ScoreParts,
    reasons_zh: Vec<String>,
    reasons_en: Vec<String>,
}

fn score(
    needs: &Needs,
    industries: &[String],
    task_mask: u64,
    country_code: &str,
    country: Option<&OutboundCountry>,
    context: &SuggestContext<'_>,
) -> Scored {
    let (taxonomy, relations) = (context.taxonomy, context.relations);
    let mut reasons_zh = Vec::new();
    let mut reasons_en = Vec::new();
    let label = |code: &str| taxonomy.get(code).map_or((code.to_string(), code.to_string()), |n| (n.zh.clone(), n.en.clone()));

    // Industry: for each sought industry, its best match among the route's.
    let mut industry = 0.0;
    let mut matched = Vec::new();
    for sought in &needs.industries {
        let best = industries.iter().map(|i| (affinity(taxonomy, sought, i), i)).max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((value, code)) = best {
            industry += value;
            if value >= 0.8 {
                matched.push(code.clone());
            }
        }
    }
    if !needs.industries.is_empty() {
        industry /= needs.industries.len() as f32;
    }
    matched.dedup();
    if !matched.is_empty() {
        let (zh, en): (Vec<String>, Vec<String>) = matched.iter().map(|c| label(c)).unzip();
        reasons_zh.push(format!("产业契合：{}", zh.join("、")));
        reasons_en.push(format!("industry fit: {}", en.join(", ")));
        if let Some(country) = country {
            for feature in country.features.iter().filter(|f| matched.iter().any(|m| affinity(taxonomy, m, &f.industry) >= 0.8)).take(2) {
                reasons_zh.push(format!("当地产业特点：{}", feature.zh));
                reasons_en.push(format!("local strength: {}", feature.en));
            }
        }
    }

    // Tasks: the needed concepts the route serves; the country's strengths count half.
    let strengths = country.map_or(0, |c| mask_of(relations, c.strengths.iter().map(String::as_str)));
    let mut tasks = 0.0;
    if needs.concepts != 0 {
        let served = needs.concepts & task_mask;
        let by_strength = needs.concepts & strengths & !task_mask;
        tasks = ((served.count_ones() as f32 + 0.5 * by_strength.count_ones() as f32) / needs.concepts.count_ones() as f32).min(1.0);
        if served != 0 {
            let concepts: Vec<&crate::domain::Concept> =
                relations.concepts().iter().enumerate().filter(|(i, _)| served & (1 << i) != 0).map(|(_, c)| c).collect();
            reasons_zh.push(format!("服务需求：{}", concepts.iter().map(|c| c.zh.first().cloned().unwrap_or_default()).collect::<Vec<_>>().join("、")));
            reasons_en.push(format!("serves: {}", concepts.iter().map(|c| c.en.first().cloned().unwrap_or_default()).collect::<Vec<_>>().join(", ")));
        }
    }

    // Place named in the needs.
    let names = relations.country(country_code);
    let (country_zh, country_en) = names.map_or((country_code.to_string(), country_code.to_string()), |c| (c.zh.clone(), c.en.clone()));
    let place = if needs.direct.iter().any(|c| c == country_code) {
        reasons_zh.push(format!("需求点名{country_zh}"));
        reasons_en.push(format!("the needs name {country_en}"));
        1.0
    } else if needs.via_region.iter().any(|c| c == country_code) {
        reasons_zh.push(format!("需求所指地区包括{country_zh}"));
        reasons_en.push(format!("the needs name {country_en}'s region"));
        0.6
    } else {
        0.0
    };

    // Relationship: sister and friendly cities, diaspora.
    let mut relationship: f32 = 0.0;
    for city in relations.sister_cities_of(country_code, None) {
        let value = if city.kind == "sister" { 1.0 } else { 0.7 };
        relationship = relationship.max(value);
        let kind_zh = if city.kind == "sister" { "友好城市" } else { "友好交流城市" };
        reasons_zh.push(format!("{kind_zh}：{}（{}年）", city.city_zh, city.since));
        reasons_en.push(format!("{} city: {} (since {})", city.kind, city.city, city.since));
    }
    if let Some(diaspora) = relations.diaspora_of(country_code) {
        relationship = relationship.max(0.5);
        reasons_zh.push(format!("旅{country_zh}温州侨团约{}个", diaspora.associations));
        reasons_en.push(format!("about {} Wenzhou diaspora associations in {country_en}", diaspora.associations));
    }

    let parts = ScoreParts { industry, tasks, place, relationship, results: 0.0 };
    let total = WEIGHTS[0] * industry + WEIGHTS[1] * tasks + WEIGHTS[2] * place + WEIGHTS[3] * relationship;
    Scored { total, parts, reasons_zh, reasons_en }
}

fn bases_served(route: &OutboundRoute, task_mask: u64, needs: &Needs, query: &NeedsQuery, context: &SuggestContext<'_>) -> Vec<BaseLink> {
    let region_of_country = |text: &str| {
        let (direct, via_region) = context.relations.countries_in(text);
        (direct.contains(&route.country), via_region.contains(&route.country))
    };
    let mut found: Vec<(u8, BaseLink)> = context
        .bases
        .iter()
        .filter(|b| b.is_public() && (query.bases.is_empty() || query.bases.contains(&b.id)))
        .filter(|b| b.industries.iter().any(|i| route.industries.iter().any(|r| affinity(context.taxonomy, i, r) >= 0.8)))
        .filter(|b| needs.industries.is_empty() || b.industries.iter().any(|i| needs.industries.iter().any(|s| affinity(context.taxonomy, i, s) >= 0.8)))
        .filter_map(|base| {
            let (rank, need) = base
                .needs
                .iter()
                .filter_map(|need| {
                    let (direct, regional) = region_of_country(need);
                    let serves = context.relations.concept_mask(need) & task_mask != 0;
                    let rank = match (direct, serves, regional) {
                        (true, true, _) => 4,
                        (true, false, _) => 3,
                        (false, true, true) => 2,
                        (false, true, false) => 1,
                        _ => return None,
                    };
                    Some((rank, need))
                })
                .max_by_key(|(rank, _)| *rank)?;
            Some((rank, BaseLink { id: base.id.clone(), name_zh: base.name_zh.clone(), division: base.location.division.clone(), text: need.clone() }))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    found.into_iter().take(BASES_PER_ROUTE).map(|(_, link)| link).collect()
}

fn bases_to_promote(route: &OutboundRoute, country: Option<&OutboundCountry>, context: &SuggestContext<'_>) -> Vec<BaseLink> {
    let wanted: Vec<&str> =
        route.industries.iter().map(String::as_str).chain(country.into_iter().flat_map(|c| c.features.iter().map(|f| f.industry.as_str()))).collect();
    let fits = |base: &ExchangeBase, industries: &[&str]| base.industries.iter().any(|i| industries.iter().any(|w| affinity(context.taxonomy, i, w) >= 0.8));
    let route_industries: Vec<&str> = route.industries.iter().map(String::as_str).collect();
    let mut found: Vec<((bool, u32), BaseLink)> = context
        .bases
        .iter()
        .filter(|b| b.is_public() && !b.promotion_points.is_empty() && fits(b, &wanted))
        .map(|b| {
            let link = BaseLink { id: b.id.clone(), name_zh: b.name_zh.clone(), division: b.location.division.clone(), text: b.promotion_points[0].clone() };
            ((fits(b, &route_industries), b.size.employees.unwrap_or(0)), link)
        })
        .collect();
    // The route's own industries first, then the country's other strengths; the largest
    // first within each: they carry the city's name abroad best.
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    found.into_iter().take(BASES_PER_ROUTE).map(|(_, link)| link).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{parse_records, RecordFormat};
    use crate::domain::DivisionRegistry;
    use crate::outbound::data::embedded_routes;

    fn run(query: NeedsQuery) -> Suggestions {
        let (taxonomy, relations) = (Taxonomy::embedded(), Relations::embedded());
        let bases = parse_records(crate::catalog::EMBEDDED_BASES, RecordFormat::Jsonl, &taxonomy, &DivisionRegistry::embedded()).unwrap();
        let (routes, reference) = (embedded_routes(), OutboundReference::embedded());
        let context = SuggestContext { routes: &routes, reference: &reference, taxonomy: &taxonomy, relations: &relations, bases: &bases, route_results: &[] };
        suggest(&query, &context).unwrap()
    }

    fn needs(text: &str) -> NeedsQuery {
        NeedsQuery { needs: Some(text.into()), ..NeedsQuery::default() }
    }

    #[test]
    fn european_design_talent_for_footwear_suggests_italy_first_with_bases_and_reasons() {
        for text in ["Our footwear bases need European design talent", "我市鞋企需要引进欧洲设计人才"] {
            let found = run(needs(text));
            assert_eq!(found.read.industries, vec!["footwear"], "{text}: {:?}", found.read);
            assert!(found.read.region_countries.contains(&"IT".to_string()), "{text}: {:?}", found.read);
            assert!(found.read.concepts.contains(&"talent".to_string()) && found.read.concepts.contains(&"design".to_string()), "{text}: {:?}", found.read);
            let first = &found.routes[0];
            assert_eq!(first.country, "IT", "{text}: {:?}", found.routes.iter().map(|r| (&r.id, r.score)).collect::<Vec<_>>());
            assert_eq!(found.countries[0].code, "IT");
            assert!(first.reasons_en.iter().any(|r| r.contains("footwear")), "{:?}", first.reasons_en);
            assert!(first.reasons_en.iter().any(|r| r.contains("design") || r.contains("talent")), "{:?}", first.reasons_en);
            assert!(first.reasons_en.iter().any(|r| r.contains("Prato")), "{:?}", first.reasons_en);
            // The bases it serves are footwear bases whose needs ask for what the route brings.
            assert!(!first.bases_served.is_empty());
            let taxonomy = Taxonomy::embedded();
            let bases = parse_records(crate::catalog::EMBEDDED_BASES, RecordFormat::Jsonl, &taxonomy, &DivisionRegistry::embedded()).unwrap();
            for link in &first.bases_served {
                let base = bases.iter().find(|b| b.id == link.id).unwrap();
                assert!(base.industries.iter().any(|i| taxonomy.is_within(i, "footwear") || i == "footwear"), "{}", link.id);
                assert!(base.needs.contains(&link.text));
            }
            assert!(!first.bases_to_promote.is_empty());
        }
    }

    #[test]
    fn themes_and_places_steer_the_ranking() {
        let fintech = run(NeedsQuery { needs: Some("引进金融科技机构与创投".into()), ..NeedsQuery::default() });
        assert_eq!(fintech.routes[0].theme, "fintech", "{:?}", fintech.routes.iter().map(|r| &r.id).collect::<Vec<_>>());
        let asean = run(needs("电气企业拓展东南亚市场"));
        assert!(["MY", "VN"].contains(&asean.routes[0].country.as_str()), "{:?}", asean.routes.iter().map(|r| &r.id).collect::<Vec<_>>());
        let only_talent = run(NeedsQuery { needs: Some("design talent".into()), theme: Some("talent".into()), ..NeedsQuery::default() });
        assert!(only_talent.routes.iter().all(|r| r.theme == "talent"));
    }

    #[test]
    fn needs_can_be_bases_whose_main_needs_name_a_country() {
        // lucheng-001 needs 引进意大利鞋履设计人才.
        let found = run(NeedsQuery { bases: vec!["lucheng-001".into()], ..NeedsQuery::default() });
        assert_eq!(found.routes[0].country, "IT");
        assert_eq!(found.routes[0].bases_served[0].id, "lucheng-001");
        assert!(found.routes[0].reasons_zh.iter().any(|r| r.contains("点名意大利")), "{:?}", found.routes[0].reasons_zh);
    }
}
