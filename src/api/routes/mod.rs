//! One module per resource, each exposing `router()`.

pub mod bases;
pub mod evaluations;
pub mod health;
pub mod itineraries;
pub mod matches;
pub mod reference;
