//! Relationship data: countries, sister and friendly cities, diaspora links, and the
//! cooperation vocabulary that lets "what the guests offer" meet "what a base needs".
//!
//! Loaded from `fixtures/relations.json` and `fixtures/cooperation_terms.json`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::text::TermMatcher;

/// A country a delegation may come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Other names (local language, Japanese…).
    #[serde(default)]
    pub names: Vec<String>,
}

/// A world region named in base needs ("拓展东盟市场").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Region {
    /// Code, e.g. `europe`.
    pub code: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Member country codes.
    pub countries: Vec<String>,
    /// Other names.
    #[serde(default)]
    pub names: Vec<String>,
}

/// A sister (友好城市) or friendly (友好交流城市) city of Wenzhou.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SisterCity {
    /// City name.
    pub city: String,
    /// Chinese name.
    pub city_zh: String,
    /// Country code.
    pub country: String,
    /// Year the relationship began.
    pub since: u16,
    /// `sister` or `friendly`.
    pub kind: String,
    /// Industries the relationship is about.
    pub industries: Vec<String>,
    /// Divisions the relationship is about.
    pub divisions: Vec<String>,
}

/// Where emigrants to a country come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DiasporaLink {
    /// Country code.
    pub country: String,
    /// Home divisions of most emigrants.
    pub divisions: Vec<String>,
    /// Approximate number of associations there.
    pub associations: u32,
}

#[derive(Deserialize)]
struct RelationsFile {
    countries: Vec<Country>,
    regions: Vec<Region>,
    sister_cities: Vec<SisterCity>,
    diaspora: Vec<DiasporaLink>,
}

/// A cooperation concept (talent, technology, market…).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Concept {
    /// Code, e.g. `talent`.
    pub code: String,
    /// Chinese terms.
    pub zh: Vec<String>,
    /// English terms.
    pub en: Vec<String>,
    /// Terms in other languages.
    #[serde(default)]
    pub other: Vec<String>,
}

#[derive(Deserialize)]
struct ConceptFile {
    concepts: Vec<Concept>,
}

/// Countries, regions, sister cities, diaspora and cooperation concepts, with matchers.
#[derive(Debug, Clone)]
pub struct Relations {
    countries: Vec<Country>,
    regions: Vec<Region>,
    sister_cities: Vec<SisterCity>,
    diaspora: Vec<DiasporaLink>,
    concepts: Vec<Concept>,
    place_matcher: TermMatcher,
    concept_matcher: TermMatcher,
}

/// Offset of region payloads in the place matcher (countries come first).
const REGION_OFFSET: usize = 10_000;

impl Relations {
    /// The data shipped in the binary.
    pub fn embedded() -> Relations {
        Relations::from_json(include_str!("../../fixtures/relations.json"), include_str!("../../fixtures/cooperation_terms.json"))
            .expect("fixtures/relations.json and cooperation_terms.json are valid: checked by unit tests")
    }

    /// Parses both files and checks cross-references.
    pub fn from_json(relations: &str, concepts: &str) -> Result<Relations, String> {
        let file: RelationsFile = serde_json::from_str(relations).map_err(|e| format!("relations: {e}"))?;
        let concept_file: ConceptFile = serde_json::from_str(concepts).map_err(|e| format!("concepts: {e}"))?;
        let known = |code: &str| file.countries.iter().any(|c| c.code == code);
        for region in &file.regions {
            if let Some(bad) = region.countries.iter().find(|c| !known(c)) {
                return Err(format!("region `{}` lists unknown country `{bad}`", region.code));
            }
        }
        for city in &file.sister_cities {
            if !known(&city.country) {
                return Err(format!("sister city `{}` has unknown country `{}`", city.city, city.country));
            }
        }
        let mut place_matcher = TermMatcher::default();
        for (i, country) in file.countries.iter().enumerate() {
            for name in std::iter::once(&country.zh).chain(std::iter::once(&country.en)).chain(&country.names) {
                place_matcher.add(name, i, "name");
            }
        }
        for (i, region) in file.regions.iter().enumerate() {
            for name in std::iter::once(&region.zh).chain(std::iter::once(&region.en)).chain(&region.names) {
                place_matcher.add(name, REGION_OFFSET + i, "name");
            }
        }
        let mut concept_matcher = TermMatcher::default();
        for (i, concept) in concept_file.concepts.iter().enumerate() {
            for term in concept.zh.iter().chain(&concept.en).chain(&concept.other) {
                concept_matcher.add(term, i, "term");
            }
        }
        if concept_file.concepts.len() > 64 {
            return Err("at most 64 cooperation concepts fit a concept mask".to_string());
        }
        Ok(Relations {
            countries: file.countries,
            regions: file.regions,
            sister_cities: file.sister_cities,
            diaspora: file.diaspora,
            concepts: concept_file.concepts,
            place_matcher,
            concept_matcher,
        })
    }

    /// A country by ISO code (case-insensitive).
    pub fn country(&self, code: &str) -> Option<&Country> {
        self.countries.iter().find(|c| c.code.eq_ignore_ascii_case(code))
    }

    /// All known countries.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// Sister or friendly cities in `country`, the one named `city` first.
    pub fn sister_cities_of(&self, country: &str, city: Option<&str>) -> Vec<&SisterCity> {
        let mut found: Vec<&SisterCity> = self.sister_cities.iter().filter(|s| s.country.eq_ignore_ascii_case(country)).collect();
        if let Some(city) = city {
            found.sort_by_key(|s| !s.city.eq_ignore_ascii_case(city));
        }
        found
    }

    /// All sister and friendly cities.
    pub fn sister_cities(&self) -> &[SisterCity] {
        &self.sister_cities
    }

    /// The diaspora link of `country`, if any.
    pub fn diaspora_of(&self, country: &str) -> Option<&DiasporaLink> {
        self.diaspora.iter().find(|d| d.country.eq_ignore_ascii_case(country))
    }

    /// Countries named in `text`: those named directly, and those named through a region.
    pub fn countries_in(&self, text: &str) -> (Vec<String>, Vec<String>) {
        let mut direct = Vec::new();
        let mut via_region = Vec::new();
        for hit in self.place_matcher.find(text) {
            if hit.payload >= REGION_OFFSET {
                via_region.extend(self.regions[hit.payload - REGION_OFFSET].countries.iter().cloned());
            } else {
                direct.push(self.countries[hit.payload].code.clone());
            }
        }
        direct.sort();
        direct.dedup();
        via_region.sort();
        via_region.dedup();
        (direct, via_region)
    }

    /// Whether `text` names the country itself (not only a region containing it).
    pub fn names_country_directly(&self, text: &str, country: &str) -> bool {
        self.place_matcher
            .find(text)
            .iter()
            .any(|hit| hit.payload < REGION_OFFSET && self.countries[hit.payload].code.eq_ignore_ascii_case(country))
    }

    /// The cooperation concepts named in `text`, as a bit mask over [`Relations::concepts`].
    pub fn concept_mask(&self, text: &str) -> u64 {
        self.concept_matcher.find(text).iter().fold(0, |mask, hit| mask | (1 << hit.payload))
    }

    /// All cooperation concepts; bit `i` of a concept mask is `concepts()[i]`.
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_countries_directly_and_through_regions() {
        let relations = Relations::embedded();
        assert_eq!(relations.countries_in("引进意大利鞋履设计人才").0, vec!["IT"]);
        assert!(relations.countries_in("拓展东南亚与欧洲市场").1.contains(&"VN".to_string()));
        assert!(relations.names_country_directly("对接德国与日本整车厂", "DE"));
        assert!(!relations.names_country_directly("拓展欧洲市场", "DE"));
    }

    #[test]
    fn concepts_meet_across_languages() {
        let relations = Relations::embedded();
        let need = relations.concept_mask("引进意大利鞋履设计人才");
        let offer = relations.concept_mask("Italian designers and design talent");
        assert_ne!(need & offer, 0);
        let talent = relations.concepts().iter().position(|c| c.code == "talent").unwrap();
        assert_ne!(need & (1 << talent), 0);
    }

    #[test]
    fn sister_city_lookup_puts_the_named_city_first() {
        let relations = Relations::embedded();
        let cities = relations.sister_cities_of("it", Some("prato"));
        assert_eq!(cities[0].city, "Prato");
        assert!(relations.diaspora_of("NL").unwrap().divisions.contains(&"wencheng".to_string()));
    }
}
