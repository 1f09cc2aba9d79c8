//! Divisions: the city's 12 county-level units and its functional zones.
//!
//! A base is located in exactly one of them. A functional zone (e.g. 温州经济技术开发区) has a
//! parent division, so a filter on the parent also finds bases in its zones.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether a division is a county-level unit or a functional zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DivisionKind {
    /// A municipal district (区).
    District,
    /// A county-level city (县级市).
    CountyCity,
    /// A county (县).
    County,
    /// A development zone, new area or specialised town inside a division.
    FunctionalZone,
}

/// A geographic cluster; an itinerary day ideally stays in one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cluster {
    /// Code, e.g. `centre`.
    pub code: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
}

/// A division or functional zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Division {
    /// Code, e.g. `lucheng` or `wz_etdz`.
    pub code: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Pinyin.
    pub pinyin: String,
    /// County-level unit or functional zone.
    pub kind: DivisionKind,
    /// For a functional zone: the county-level division it lies in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Latitude of the seat or zone centre.
    pub lat: f64,
    /// Longitude of the seat or zone centre.
    pub lon: f64,
    /// Geographic cluster code.
    pub cluster: String,
    /// Road type that dominates travel there: `urban`, `expressway` or `mountain`.
    pub area_type: String,
}

/// The set of known divisions, loaded from `fixtures/divisions.json`.
#[derive(Debug, Clone)]
pub struct DivisionRegistry {
    divisions: Vec<Division>,
    clusters: Vec<Cluster>,
    by_code: HashMap<String, usize>,
    /// Every division by its names, built on first use.
    labels: std::sync::OnceLock<super::Labels>,
}

#[derive(Deserialize)]
struct DivisionFile {
    clusters: Vec<Cluster>,
    divisions: Vec<Division>,
}

impl DivisionRegistry {
    /// The registry shipped in the binary.
    pub fn embedded() -> DivisionRegistry {
        DivisionRegistry::from_json(include_str!("../../fixtures/divisions.json"))
            .expect("fixtures/divisions.json is valid: checked by unit tests")
    }

    /// Parses and checks a divisions file: unique codes, known parents and clusters.
    pub fn from_json(json: &str) -> Result<DivisionRegistry, String> {
        let file: DivisionFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut by_code = HashMap::new();
        for (i, d) in file.divisions.iter().enumerate() {
            if by_code.insert(d.code.clone(), i).is_some() {
                return Err(format!("division `{}` is listed twice", d.code));
            }
        }
        for d in &file.divisions {
            if let Some(parent) = &d.parent {
                let parent_division = by_code.get(parent).map(|i| &file.divisions[*i]);
                if parent_division.is_none_or(|p| p.kind == DivisionKind::FunctionalZone) {
                    return Err(format!("zone `{}` has unknown parent `{parent}`", d.code));
                }
            } else if d.kind == DivisionKind::FunctionalZone {
                return Err(format!("zone `{}` has no parent division", d.code));
            }
            if !file.clusters.iter().any(|c| c.code == d.cluster) {
                return Err(format!("division `{}` has unknown cluster `{}`", d.code, d.cluster));
            }
        }
        Ok(DivisionRegistry { divisions: file.divisions, clusters: file.clusters, by_code, labels: std::sync::OnceLock::new() })
    }

    /// Looks a division up by code.
    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code).map(|i| &self.divisions[*i])
    }

    /// Divisions and zones by their names (`鹿城区`, `鹿城`, `Lucheng`).
    pub fn labels(&self) -> &super::Labels {
        self.labels.get_or_init(|| super::Labels::divisions(self))
    }

    /// All divisions, county-level units first.
    pub fn all(&self) -> &[Division] {
        &self.divisions
    }

    /// All geographic clusters.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// Whether a trip into `code` ends with the slow mountain stretch of the road model. The
    /// one travel rule for every place, base or hotel: the division's own `area_type` decides,
    /// so a functional zone is driven by its own type, not its parent county's (the Oubei
    /// industrial park lies on the river plain of mountainous Yongjia).
    pub fn is_mountain(&self, code: &str) -> bool {
        self.get(code).is_some_and(|d| d.area_type == "mountain")
    }

    /// The county-level division a code belongs to (itself, or a zone's parent).
    pub fn county_level<'a>(&'a self, code: &'a str) -> Option<&'a Division> {
        let division = self.get(code)?;
        match &division.parent {
            Some(parent) => self.get(parent),
            None => Some(division),
        }
    }

    /// The code and, for a zone, its parent: what a division filter matches on.
    pub fn path(&self, code: &str) -> Vec<String> {
        let mut path = vec![code.to_string()];
        if let Some(parent) = self.get(code).and_then(|d| d.parent.clone()) {
            path.push(parent);
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_has_twelve_county_level_units() {
        let registry = DivisionRegistry::embedded();
        let county_level = registry.all().iter().filter(|d| d.kind != DivisionKind::FunctionalZone).count();
        assert_eq!(county_level, 12);
        assert_eq!(registry.county_level("wz_etdz").unwrap().code, "longwan");
        assert_eq!(registry.path("eyewear_town"), vec!["eyewear_town", "ouhai"]);
    }

    #[test]
    fn a_functional_zone_is_driven_by_its_own_area_type() {
        let registry = DivisionRegistry::embedded();
        // The Oubei park lies on the plain of mountainous Yongjia: a base or a hotel there is
        // reached at plain speed, while Yongjia's seat is a mountain destination.
        assert!(registry.is_mountain("yongjia") && registry.is_mountain("taishun"));
        assert_eq!(registry.county_level("oubei_park").unwrap().code, "yongjia");
        assert!(!registry.is_mountain("oubei_park"));
        assert!(!registry.is_mountain("no_such_place"));
    }

    #[test]
    fn rejects_zone_with_unknown_parent() {
        let json = r#"{"clusters":[{"code":"c","zh":"c","en":"c"}],"divisions":[
            {"code":"z","zh":"z","en":"z","pinyin":"z","kind":"functional_zone","parent":"nowhere",
             "lat":28,"lon":120,"cluster":"c","area_type":"urban"}]}"#;
        assert!(DivisionRegistry::from_json(json).unwrap_err().contains("unknown parent"));
    }
}
