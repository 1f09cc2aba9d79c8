//! The use cases: what the service does for its users, each as one flow from a typed request
//! to a domain result. The HTTP handlers and the CLI commands are thin adapters over these;
//! the engines below (search, scoring, planner, itinerary, evaluation, outbound) take plain
//! data and never reach back up.

pub mod access;
pub mod bases;
pub mod evaluation;
pub mod import;
pub mod library;
pub mod matching;
pub mod outbound;
pub mod planning;
pub mod screening;
pub mod survey;
pub mod trips;
pub mod vocabulary;
pub mod visits;

pub use library::BaseLibrary;
