//! Meals for a delegation's dietary needs: the diets a venue declares it can serve, and the one
//! rule for whether a venue serves a delegation (a halal kitchen serves guests who eat no pork;
//! a vegetarian one serves guests who eat no pork or no beef).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A diet a venue can serve or a delegation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Diet {
    /// Ordinary Chinese meals (常规餐): declared by every venue that receives groups for meals.
    Regular,
    /// Halal (清真).
    Halal,
    /// Kosher (犹太洁食).
    Kosher,
    /// Vegetarian (素食): no meat or fish.
    Vegetarian,
    /// Vegan (纯素): no animal products.
    Vegan,
    /// No pork (不含猪肉).
    NoPork,
    /// No beef (不含牛肉).
    NoBeef,
    /// Gluten-free (无麸质).
    GlutenFree,
}

impl Diet {
    /// Every diet, in the order listings use.
    pub const ALL: [Diet; 8] = [Diet::Regular, Diet::Halal, Diet::Kosher, Diet::Vegetarian, Diet::Vegan, Diet::NoPork, Diet::NoBeef, Diet::GlutenFree];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Diet::Regular => "regular",
            Diet::Halal => "halal",
            Diet::Kosher => "kosher",
            Diet::Vegetarian => "vegetarian",
            Diet::Vegan => "vegan",
            Diet::NoPork => "no_pork",
            Diet::NoBeef => "no_beef",
            Diet::GlutenFree => "gluten_free",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Diet::Regular => "常规餐",
            Diet::Halal => "清真",
            Diet::Kosher => "犹太洁食",
            Diet::Vegetarian => "素食",
            Diet::Vegan => "纯素",
            Diet::NoPork => "不含猪肉",
            Diet::NoBeef => "不含牛肉",
            Diet::GlutenFree => "无麸质",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Diet::Regular => "regular meals",
            Diet::Halal => "halal",
            Diet::Kosher => "kosher",
            Diet::Vegetarian => "vegetarian",
            Diet::Vegan => "vegan",
            Diet::NoPork => "no pork",
            Diet::NoBeef => "no beef",
            Diet::GlutenFree => "gluten-free",
        }
    }

    /// Other words people write for it, in Chinese and English.
    pub fn other_words(self) -> &'static [&'static str] {
        match self {
            Diet::Regular => &["常规", "中餐", "普通餐", "regular", "standard"],
            Diet::Halal => &["清真餐", "穆斯林", "muslim", "halal food"],
            Diet::Kosher => &["洁食", "犹太餐", "kosher food", "kasher"],
            Diet::Vegetarian => &["素", "素餐", "吃素", "veggie"],
            Diet::Vegan => &["全素", "严格素食", "plant-based"],
            Diet::NoPork => &["无猪肉", "不吃猪肉", "忌猪肉", "pork-free", "pork free"],
            Diet::NoBeef => &["无牛肉", "不吃牛肉", "忌牛肉", "beef-free", "beef free"],
            Diet::GlutenFree => &["无麸质饮食", "gluten free", "coeliac", "celiac"],
        }
    }

    /// The diet with this code, if any.
    pub fn from_code(code: &str) -> Option<Diet> {
        Diet::ALL.into_iter().find(|diet| diet.code() == code)
    }

    /// Whether a kitchen that serves this diet also meets `need`.
    fn meets(self, need: Diet) -> bool {
        self == need
            || matches!(
                (self, need),
                (Diet::Halal | Diet::Kosher, Diet::NoPork) | (Diet::Vegetarian | Diet::Vegan, Diet::NoPork | Diet::NoBeef) | (Diet::Vegan, Diet::Vegetarian)
            )
    }
}

/// Whether a venue declaring `offered` serves a delegation needing every one of `needs`.
pub fn serves(offered: &[Diet], needs: &[Diet]) -> bool {
    !offered.is_empty() && needs.iter().all(|need| offered.iter().any(|diet| diet.meets(*need)))
}

/// The diets in words, Chinese then English: `清真、素食 (halal, vegetarian)`.
pub fn diets_text(diets: &[Diet]) -> (String, String) {
    (
        diets.iter().map(|d| d.label_zh()).collect::<Vec<_>>().join("、"),
        diets.iter().map(|d| d.label_en()).collect::<Vec<_>>().join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_venue_serves_a_delegation_when_each_need_is_met() {
        assert!(serves(&[Diet::Regular, Diet::Halal], &[Diet::Halal]));
        assert!(serves(&[Diet::Regular, Diet::Halal], &[Diet::NoPork]), "halal food has no pork");
        assert!(!serves(&[Diet::Regular, Diet::Halal], &[Diet::Kosher]), "halal is not kosher");
        assert!(serves(&[Diet::Vegan], &[Diet::Vegetarian, Diet::NoBeef]));
        assert!(!serves(&[Diet::Regular, Diet::Vegetarian], &[Diet::Halal]), "vegetarian is not halal");
        assert!(!serves(&[Diet::Halal], &[Diet::Halal, Diet::Vegetarian]), "both needs must be met");
        assert!(serves(&[Diet::Regular], &[]), "a venue serves a delegation without needs");
        assert!(!serves(&[], &[]), "a place that declares no meals is no venue");
    }
}
