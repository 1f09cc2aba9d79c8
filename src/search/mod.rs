//! The full-text index over the base library (tantivy).
//!
//! The index is derived from the catalog and can always be rebuilt from it. It answers
//! "which bases match this text and these filters, best first": text is analysed by
//! [`analyzer`], and query text is also matched against the industry taxonomy so a query in
//! English, Italian, German, French, Spanish or Japanese reaches bases described only in Chinese.

pub mod analyzer;
mod index;
mod query;
pub mod schema;
mod statistics;

pub use index::{IndexError, IndexRebuild, IndexStatus, SearchIndex};
pub use query::{BaseFilters, BaseQuery, SearchHit, SearchResults, SortOrder};
