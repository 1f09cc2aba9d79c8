//! One module per resource, each exposing `router()`.

pub mod access;
pub mod base_writes;
pub mod bases;
pub mod evaluations;
pub mod exports;
pub mod health;
pub mod itineraries;
pub mod labels;
pub mod matches;
pub mod outbound;
pub mod reference;
pub mod screening;
pub mod session;
pub mod trips;
pub mod visits;
