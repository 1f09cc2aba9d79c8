//! The names of the scoring features, shared by the weights that price them and the code that
//! computes them.

use serde::Serialize;
use utoipa::ToSchema;

/// One scoring feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// BM25 text relevance.
    Text,
    /// Industry fit through the taxonomy.
    Industry,
    /// Offers meet main needs.
    OffersNeeds,
    /// Seeks meet promotion points.
    SeeksPromotion,
    /// Travel time from the hotel.
    Location,
    /// Group comfort and scale.
    Size,
    /// Guide languages.
    Language,
    /// Sister city and diaspora links.
    Relationship,
    /// Spread of exposure.
    Rotation,
}

impl Feature {
    /// Every feature, in matrix column order.
    pub const ALL: [Feature; 9] = [
        Feature::Text,
        Feature::Industry,
        Feature::OffersNeeds,
        Feature::SeeksPromotion,
        Feature::Location,
        Feature::Size,
        Feature::Language,
        Feature::Relationship,
        Feature::Rotation,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Feature::Text => "text",
            Feature::Industry => "industry",
            Feature::OffersNeeds => "offers_needs",
            Feature::SeeksPromotion => "seeks_promotion",
            Feature::Location => "location",
            Feature::Size => "size",
            Feature::Language => "language",
            Feature::Relationship => "relationship",
            Feature::Rotation => "rotation",
        }
    }
}
