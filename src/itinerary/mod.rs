//! Visit itineraries for incoming delegations (合理谋划参观线路): the request, travel times,
//! the plan built on the [`crate::planner`], and its exports.
//!
//! | module | role |
//! |---|---|
//! | [`request`] | what an officer asks for, protocol defaults, field checks |
//! | [`travel`] | driving minutes: road model plus an optional override matrix |
//! | [`plan`] | request + library → planning problem → day-by-day schedule, with reasons |
//! | [`export`] | ICS calendar, CSV table, printable bilingual HTML, GeoJSON |

pub mod export;
pub mod plan;
pub mod request;
pub mod travel;

pub use plan::{plan, plan_profile, ChangeKind, DayPlan, Event, EventKind, Itinerary, LeftOut, LeftOutReason};
pub use request::ItineraryRequest;
pub use travel::TravelTimes;
