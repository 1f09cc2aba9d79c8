//! What a planned itinerary is: days of timed events, the bases left out and why, and what a
//! re-plan changed. These are the types the API returns and the exports print.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Weekday;
use crate::scoring::rules::ExclusionReason;

/// What an itinerary event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Check out of the old hotel and load the luggage (the day the group changes hotel).
    CheckOut,
    /// Leave the hotel.
    Depart,
    /// Drive to the next stop.
    Travel,
    /// Visit an exchange base.
    Visit,
    /// A fixed appointment.
    Appointment,
    /// Lunch.
    Lunch,
    /// Back at the hotel.
    Return,
    /// Check in at the new hotel (the day the group changes hotel).
    CheckIn,
    /// Evening banquet.
    Banquet,
}

/// One line of a day's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Event {
    /// What happens.
    pub kind: EventKind,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
    /// Minutes.
    pub minutes: u32,
    /// Activity in Chinese.
    pub title_zh: String,
    /// Activity in English.
    pub title_en: String,
    /// Place in Chinese.
    pub place_zh: String,
    /// Place in English.
    pub place_en: String,
    /// The base visited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_id: Option<String>,
    /// Division code of the place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Latitude of the place.
    pub lat: f64,
    /// Longitude of the place.
    pub lon: f64,
    /// The base's opening hours that weekday, e.g. `08:30-11:30, 13:30-17:00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    /// Match score of the base (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Minutes waited on arrival before the visit could start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_minutes: Option<u32>,
    /// Why this base, in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_zh: Option<String>,
    /// Why this base, in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
    /// Kept from the request's locked visits or appointments.
    pub locked: bool,
}

/// One day of the itinerary.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DayPlan {
    /// Day number, 1-based.
    pub day: u8,
    /// Date, when the profile gives dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub date: Option<chrono::NaiveDate>,
    /// Weekday.
    pub weekday: Weekday,
    /// A public holiday or a weekend day worked in its place (调休), when the date is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<crate::domain::CalendarNote>,
    /// The cluster most of the day's visits lie in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Hotel the day starts from.
    pub start_hotel: String,
    /// Hotel of the night.
    pub end_hotel: String,
    /// The schedule, in time order.
    pub events: Vec<Event>,
    /// Number of base visits.
    pub visits: usize,
    /// Minutes of driving (buffers not included).
    pub travel_minutes: u32,
    /// Minutes of waiting plus the time left before the day's end.
    pub slack_minutes: u32,
}

/// Why a candidate base is not in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeftOutReason {
    /// Closed on every visit day (weekday hours or a closed date).
    ClosedThatDay,
    /// Too far from the hotel for the transfer or driving limits, or for a day's length.
    TooFar,
    /// The group is larger than the base can receive.
    GroupTooLarge,
    /// Worth a place, but the days were full.
    NoTimeLeft,
    /// Fits, but every day already holds better-scoring visits.
    Outscored,
    /// Not open to foreign visitors.
    Restricted,
    /// Not in the library: a candidate awaiting review, rejected, or suspended.
    NotActive,
    /// On the delegation's avoid list.
    Avoided,
    /// Needs prior approval and has none valid on the visit dates.
    ApprovalMissing,
}

/// A candidate base left out, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeftOut {
    /// Base id.
    pub base_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// Match score (0..1).
    pub score: f32,
    /// Reason code.
    pub reason: LeftOutReason,
    /// Details.
    pub detail: String,
}

/// What re-planning changed for one base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// New in this plan.
    Added,
    /// In the earlier plan, not in this one.
    Removed,
    /// Another day or time.
    Moved,
}

/// One change against the earlier plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    /// Base id.
    pub base_id: String,
    /// What changed.
    pub change: ChangeKind,
    /// Day and time before (`day 2 10:15`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Day and time now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// How the search ran.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchSummary {
    /// Seed used.
    pub seed: u64,
    /// Iterations run.
    pub iterations: u64,
    /// Wall-clock milliseconds of planning (matching included).
    pub millis: u64,
}

/// A complete itinerary: what `POST /v1/itineraries` returns.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Itinerary {
    /// Country of the delegation.
    pub country: String,
    /// The country's Chinese and English names, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_name: Option<(String, String)>,
    /// City of the delegation, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// What sort of organisation sends it.
    pub organisation_type: crate::domain::OrganisationType,
    /// Delegation size.
    pub group_size: u16,
    /// Who accompanies the delegation.
    pub escort: String,
    /// The days.
    pub days: Vec<DayPlan>,
    /// Candidate bases not in the plan, each with a reason.
    pub left_out: Vec<LeftOut>,
    /// What to arrange before the visit (a local authority's consent…).
    pub checklist: Vec<ChecklistItem>,
    /// Sum of the match scores of the planned visits.
    pub total_score: f32,
    /// Number of base visits.
    pub visits: usize,
    /// Candidate bases considered.
    pub candidates: usize,
    /// Changes against `previous`, when it was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
    /// Search details.
    pub search: SearchSummary,
    /// Names this itinerary's calendar events; send it back (with `revision` plus one) when
    /// revising the plan, so a calendar updates the events instead of adding new ones.
    pub calendar_id: String,
    /// How many times the itinerary was revised.
    pub revision: u32,
}


impl From<ExclusionReason> for LeftOutReason {
    /// A hard rule of the rule book, in the itinerary's words.
    fn from(reason: ExclusionReason) -> Self {
        match reason {
            ExclusionReason::Restricted => LeftOutReason::Restricted,
            ExclusionReason::NotActive => LeftOutReason::NotActive,
            ExclusionReason::Avoided => LeftOutReason::Avoided,
            ExclusionReason::ApprovalMissing => LeftOutReason::ApprovalMissing,
            ExclusionReason::GroupTooLarge => LeftOutReason::GroupTooLarge,
            ExclusionReason::ClosedOnVisitDays => LeftOutReason::ClosedThatDay,
        }
    }
}

/// One thing to arrange before the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChecklistItem {
    /// What kind of item: `local_consent` (a base's local authority must consent),
    /// `meal_unmet` (no venue for the delegation's dietary needs), `allergies` (to pass on to
    /// every kitchen) or `calendar_unconfirmed` (the official holidays of a visit year are not
    /// yet known).
    pub code: String,
    /// The day it concerns (1-based).
    pub day: u8,
    /// The base it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_id: Option<String>,
    /// What to arrange, in Chinese.
    pub zh: String,
    /// What to arrange, in English.
    pub en: String,
}
