//! Batch evaluation of past visits (过往来访回放): replay each visit through the matcher and
//! the planner under several configurations, and measure how well the suggestions fit what
//! actually happened and what worked.
//!
//! | module | role |
//! |---|---|
//! | [`visits`] | read past visits (CSV, Parquet, JSON rows) and check every cell |
//! | [`run`] | replay per configuration, in parallel; per-visit metrics |
//! | [`report`] | polars tables (group-bys, joins), summary JSON, HTML report with SVG charts |

pub mod report;
pub mod run;
pub mod visits;

pub use run::{evaluate, EvaluateOptions, NamedRanker, Ranker, VisitOutcome};
pub use visits::{check_visits, read_table, table_from_records, write_csv, PastVisit, RawTable, VisitFormat, THEMES};
