//! Visit itineraries for incoming delegations (合理谋划参观线路): the request, travel times,
//! the plan built on the [`crate::planner`], and its exports.
//!
//! | module | role |
//! |---|---|
//! | [`request`] | what an officer asks for, protocol defaults, field checks |
//! | [`travel`] | driving minutes: road model plus an optional override matrix |
//! | [`plan`] | candidates → rule book → planning problem → solution → itinerary |
//! | [`build`] | the planning problem: tours, sites, windows, prizes, travel matrix |
//! | [`explain`] | why a base is left out, why a required visit cannot be placed |
//! | [`timeline`] | a planned tour as a day of timed, bilingual events |
//! | [`diff`] | what a re-plan changed |
//! | [`model`] | the itinerary types the API returns |
//! | [`meals`] | lunch and banquet venues for a delegation's dietary needs |
//! | [`checklist`] | what to arrange before the visit (local consent, meals, unconfirmed holidays) |
//! | [`export`] | ICS calendar, CSV table, printable bilingual HTML, GeoJSON |

pub mod build;
pub mod checklist;
pub mod diff;
pub mod explain;
pub mod meals;
pub mod export;
pub mod model;
pub mod plan;
pub mod request;
pub mod settings;
pub mod timeline;
pub mod travel;

pub use model::{Change, ChangeKind, DayPlan, Event, EventKind, Itinerary, LeftOut, LeftOutReason, SearchSummary};
pub use request::ItineraryRequest;
pub use travel::TravelTimes;
