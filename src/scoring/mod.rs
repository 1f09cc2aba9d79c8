//! Matching: rank exchange bases against a delegation profile, with reasons.
//!
//! The flow, from [`matcher::Matcher::run`]:
//! 1. [`profile::ProfileSignals`] reads the profile once: text, sought industries (any
//!    language, through the taxonomy), offered and sought cooperation concepts, visit weekdays,
//!    hotel position, sister-city and diaspora links.
//! 2. The search index retrieves a candidate pool (text, sought industries, related divisions,
//!    must-visit bases) and BM25 scores for the text, the needs and the promotion points.
//! 3. Hard rules ([`rules`]) drop restricted bases, groups too large, bases closed on every
//!    visit day, and avoided bases, each with a reason code.
//! 4. [`features`] builds one row of features in 0..1 per candidate (an `ndarray` matrix);
//!    [`config::MatchWeights`] turn it into scores by one matrix-vector product.
//! 5. MMR re-ranking spreads the list over industries and divisions.
//! 6. Every result carries an [`explain::ScoreExplanation`] tree and a one-line reason in
//!    Chinese and English.
//!
//! Nothing here knows about HTTP.

pub mod config;
pub mod evaluate;
pub mod explain;
mod feature;
pub mod features;
pub mod matcher;
pub mod profile;
pub mod rules;
pub mod table;

pub use config::{MatchConfig, MatchWeights};
pub use explain::ScoreExplanation;
pub use feature::Feature;
pub use matcher::{ExcludedBase, MatchOptions, MatchOutcome, MatchWarning, MatchedBase, Matcher};
pub use table::BaseTable;
