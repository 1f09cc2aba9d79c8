//! Matching weights and parameters, read from a TOML file (defaults in
//! `fixtures/match_config.toml`, embedded in the binary).

use ndarray::Array1;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::feature::Feature;

/// Relative weight of each feature; a base's score is the weighted mean of its features.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchWeights {
    /// BM25 text relevance of interests and seeks.
    pub text: f32,
    /// Industry fit through the taxonomy.
    pub industry: f32,
    /// Offers meet the base's main needs (产能对接).
    pub offers_needs: f32,
    /// Seeks meet the base's promotion points.
    pub seeks_promotion: f32,
    /// Travel time from the hotel against the number of days.
    pub location: f32,
    /// Group comfort and organisation scale.
    pub size: f32,
    /// Guide languages.
    pub language: f32,
    /// Sister city and diaspora links.
    pub relationship: f32,
    /// Spread of exposure across bases and divisions.
    pub rotation: f32,
}

impl MatchWeights {
    /// Weights as a vector in [`Feature::ALL`] order.
    pub fn to_array(&self) -> Array1<f32> {
        Array1::from_iter(Feature::ALL.iter().map(|f| self.get(*f)))
    }

    /// The weight of one feature.
    pub fn get(&self, feature: Feature) -> f32 {
        match feature {
            Feature::Text => self.text,
            Feature::Industry => self.industry,
            Feature::OffersNeeds => self.offers_needs,
            Feature::SeeksPromotion => self.seeks_promotion,
            Feature::Location => self.location,
            Feature::Size => self.size,
            Feature::Language => self.language,
            Feature::Relationship => self.relationship,
            Feature::Rotation => self.rotation,
        }
    }

    /// Only the text weight: the BM25-only baseline of the evaluation.
    pub fn text_only() -> MatchWeights {
        MatchWeights {
            text: 1.0,
            industry: 0.0,
            offers_needs: 0.0,
            seeks_promotion: 0.0,
            location: 0.0,
            size: 0.0,
            language: 0.0,
            relationship: 0.0,
            rotation: 0.0,
        }
    }

    /// Checks that weights are finite, non-negative and not all zero.
    pub fn validate(&self) -> Result<(), String> {
        for feature in Feature::ALL {
            let w = self.get(feature);
            if !w.is_finite() || w < 0.0 {
                return Err(format!("weight `{}` must be a non-negative number, got {w}", feature.code()));
            }
        }
        if Feature::ALL.iter().all(|f| self.get(*f) == 0.0) {
            return Err("at least one weight must be above zero".to_string());
        }
        Ok(())
    }
}

/// Ranking parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingConfig {
    /// MMR diversity, 0 (pure relevance) to 1.
    pub diversity: f32,
    /// Whether past exposure lowers a base's score.
    pub rotation: bool,
    /// Bases retrieved from the index before scoring.
    pub candidate_pool: usize,
}

/// Travel-time scoring parameters, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelConfig {
    /// No penalty up to this.
    pub comfortable_minutes: f32,
    /// Zero score at this for a one-day visit.
    pub one_day_limit_minutes: f32,
    /// Each further day tolerates this much more.
    pub extra_minutes_per_day: f32,
    /// Upper bound of the tolerance.
    pub max_limit_minutes: f32,
}

/// Everything the matcher is tuned by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    /// Feature weights.
    pub weights: MatchWeights,
    /// Ranking parameters.
    pub ranking: RankingConfig,
    /// Travel-time parameters.
    pub travel: TravelConfig,
}

/// The embedded default configuration file.
pub const DEFAULT_CONFIG: &str = include_str!("../../fixtures/match_config.toml");

impl MatchConfig {
    /// Parses and checks a configuration file.
    pub fn from_toml(text: &str) -> Result<MatchConfig, String> {
        let config: MatchConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.weights.validate()?;
        if !(0.0..=1.0).contains(&config.ranking.diversity) {
            return Err(format!("ranking.diversity must be between 0 and 1, got {}", config.ranking.diversity));
        }
        if config.ranking.candidate_pool == 0 || config.ranking.candidate_pool > 10_000 {
            return Err("ranking.candidate_pool must be between 1 and 10000".to_string());
        }
        let t = config.travel;
        if !(t.comfortable_minutes >= 0.0 && t.one_day_limit_minutes > t.comfortable_minutes && t.max_limit_minutes >= t.one_day_limit_minutes) {
            return Err("travel limits must satisfy 0 <= comfortable < one_day_limit <= max_limit".to_string());
        }
        Ok(config)
    }

    /// The embedded defaults.
    pub fn default_config() -> MatchConfig {
        MatchConfig::from_toml(DEFAULT_CONFIG).expect("fixtures/match_config.toml is valid: checked by unit tests")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_parses() {
        let config = MatchConfig::default_config();
        assert!(config.weights.industry > 0.0);
        assert_eq!(config.weights.to_array().len(), Feature::ALL.len());
    }

    #[test]
    fn rejects_negative_weights_and_unknown_keys() {
        let bad = DEFAULT_CONFIG.replace("text = 0.20", "text = -1.0");
        assert!(MatchConfig::from_toml(&bad).unwrap_err().contains("text"));
        let unknown = DEFAULT_CONFIG.replace("[weights]", "[weights]\ncolour = 1.0");
        assert!(MatchConfig::from_toml(&unknown).is_err());
    }
}
