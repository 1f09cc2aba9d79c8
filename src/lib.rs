//! # visitmatch
//!
//! Matches foreign delegations to the exchange bases of Wenzhou (对外交流基地备选库) and plans
//! their visits.
//!
//! ```no_run
//! use visitmatch::app::BaseLibrary;
//! use visitmatch::search::BaseQuery;
//!
//! # fn main() -> visitmatch::Result<()> {
//! // Creates `index/`, seeds the catalog from the embedded fixtures and builds the index.
//! let (library, _report) = BaseLibrary::open(std::path::Path::new("index"), &|_, _| {})?;
//! let query = BaseQuery { text: Some("calzature".into()), limit: 5, ..BaseQuery::default() };
//! for hit in library.search(&query)?.hits {
//!     println!("{:>6.2}  {}", hit.score.unwrap_or(0.0), hit.base.name_zh);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Architecture
//!
//! | layer | modules |
//! |---|---|
//! | interfaces | [`api`] (HTTP, OpenAPI), [`cli`] (command line): thin adapters over the use cases |
//! | use cases | [`app`]: matching, planning, bases, visits, outbound, access, evaluation, each a typed request checked once; [`app::library`] keeps catalog and index in step |
//! | engines | [`search`] (tantivy), [`scoring`] (ranking and the one rule book, [`scoring::rules`]), [`itinerary`] (schedules and exports), [`planner`] (TOPTW), [`evaluation`] (polars), [`outbound`], [`catalog`] (SQLite) |
//! | foundations | [`domain`] (plain data, [`domain::FieldError`]), [`access`] (roles and the one visibility rule), [`text`], [`cancel`] |
//!
//! Imports point down only: an engine never reaches a use case, a use case never an interface.
//! `planner` stands alone (integer time units, no domain types).

pub mod access;
pub mod app;
pub mod api;
pub mod cancel;
pub mod catalog;
pub mod cli;
pub mod domain;
mod error;
pub mod evaluation;
pub mod itinerary;
pub mod outbound;
pub mod planner;
mod rng;
pub mod scoring;
pub mod search;
pub mod text;

pub use error::Error;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
