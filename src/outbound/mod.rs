//! The outbound visit-route library (出访线路库): themed routes abroad (fashion smart-manufacturing,
//! services, fintech, talent, culture & tourism) by country, built from each country's industry
//! features and the city's needs.
//!
//! [`data`] holds the reference data (countries and partner cities with their 产业特点, past
//! exchanges) and the route type with its checks; [`suggest`] ranks routes and countries for a
//! set of needs and links them back to the base library (which bases a route serves, which to
//! promote there); [`discipline`] turns a trip plan into an application summary and flags days
//! or members its tasks do not justify (有事才去、因事定人、完事即回), and pre-reviews trip
//! applications of the units in [`departments`]; [`assessment`] groups what reported trips achieved (出访成果绩效考核).
//!
//! Routes are stored in the catalog (seeded from `fixtures/outbound/routes.json`, changed by
//! officers with the same token, ETag and audit rules as bases); countries and rules are
//! embedded reference data.

pub mod assessment;
pub mod data;
pub mod departments;
pub mod discipline;
pub mod suggest;

pub use crate::domain::{OutboundRoute, RouteStop, RouteTask};
pub use assessment::{assess, assessment_workbook, AssessBy, AssessmentRow};
pub use data::{validate_route, OutboundCountry, OutboundReference};
pub use departments::{Department, Departments};
pub use discipline::{check_trip, pre_review, TripCheck, TripPlan, MAX_TRIP_BASES, MAX_TRIP_FIELD_CHARS};
pub use suggest::{suggest, NeedsQuery, Suggestions};
