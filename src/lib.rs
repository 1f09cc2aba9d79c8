//! # visitmatch
//!
//! Matches foreign delegations to the exchange bases of Wenzhou (对外交流基地备选库) and plans
//! their visits.
//!
//! ```no_run
//! use visitmatch::app::library::BaseLibrary;
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
//! | module | the one question it answers |
//! |---|---|
//! | [`domain`] | what is a base, a division, an industry, a delegation? (plain data) |
//! | [`text`] | what is a word, in Chinese and in Latin-script languages? |
//! | [`catalog`] | is this record valid, and how is it stored for good? (SQLite) |
//! | [`search`] | which bases match this text and these filters? (tantivy) |
//! | [`scoring`] | which bases fit this delegation best, and why? |
//! | [`planner`] | which bases on which day, in what order, at what time? (TOPTW) |
//! | [`itinerary`] | the visit schedule an officer signs off, and its exports |
//! | [`evaluation`] | how well did the suggestions fit past visits? (polars) |
//! | [`outbound`] | which routes abroad serve the city's needs, and is a trip justified? |
//! | [`access`] | who may do what, and who may see what: roles, tokens, the one visibility rule |
//! | [`cancel`] | how long work learns that nobody waits for it any more |
//! | [`library`] | catalog + index kept in step |
//! | [`api`] | the HTTP interface (axum, OpenAPI) |
//! | [`cli`] | the command line |
//!
//! Dependencies point one way: `domain` ← `catalog`, `search`, `scoring` ← `library` ← `itinerary` ←
//! `api` ← `cli`; `planner` stands alone (integer time units, no domain types).

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
