//! One module per resource, each exposing `router()`.

pub mod bases;
pub mod health;
pub mod matches;
pub mod reference;
