//! Batch evaluation of past visits (过往来访回放): read and check past visits, measure how
//! well the suggestions fit what actually happened and what worked, and report it. The replay
//! itself (matcher and planner per configuration) is the use case `app::evaluation`.
//!
//! | module | role |
//! |---|---|
//! | [`visits`] | read past visits (CSV, Parquet, JSON rows) and check every cell |
//! | [`metrics`] | configurations compared, per-visit outcome, NDCG and Gini |
//! | [`report`] | polars tables (group-bys, joins), summary JSON, HTML report with SVG charts |

pub mod report;
pub mod metrics;
pub mod stats;
pub mod visits;

pub use metrics::{EvaluateOptions, NamedRanker, Ranker, VisitOutcome};
pub use visits::{check_visits, read_table, table_from_records, write_csv, PastVisit, RawTable, VisitFormat};
