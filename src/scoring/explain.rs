//! Why a base scored what it scored: a tree of `(value, description, details)` in the manner
//! of tantivy's `Explanation`, serialisable for API clients.

use serde::Serialize;
use utoipa::ToSchema;

/// One node of a score explanation. The root's value is the total score; its children are the
/// weighted features; their children are the raw feature value and the weight.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoreExplanation {
    /// The value this node contributes.
    pub value: f32,
    /// What the value is (English; on a feature node, a sentence about this base).
    pub description: String,
    /// The same in Chinese, on feature nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_zh: Option<String>,
    /// Feature code, on feature nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// The parts this value is made of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub details: Vec<ScoreExplanation>,
}

impl ScoreExplanation {
    /// A leaf.
    pub fn leaf(value: f32, description: impl Into<String>) -> ScoreExplanation {
        ScoreExplanation { value, description: description.into(), description_zh: None, feature: None, details: Vec::new() }
    }
}
