//! What an officer asks the planner for, with the protocol defaults and a check that reports
//! every bad field at once.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{DelegationProfile, Hotel};

/// Default departure from the hotel (DOMAIN: depart 08:30).
pub const DEFAULT_DAY_START: &str = "08:30";
/// Default latest return to the hotel.
pub const DEFAULT_DAY_END: &str = "17:30";
/// Default lunch: 60 minutes inside 12:00–13:30.
pub const DEFAULT_LUNCH: (&str, &str, u16) = ("12:00", "13:30", 60);
/// Default visits per day (two in the morning, one or two in the afternoon).
pub const DEFAULT_MAX_VISITS_PER_DAY: u8 = 4;
/// Default longest single transfer, minutes (DOMAIN: hard cap 90–120).
pub const DEFAULT_MAX_TRANSFER_MINUTES: u16 = 90;
/// Default daily driving cap, minutes (DOMAIN: ≤ 3 h).
pub const DEFAULT_MAX_DRIVING_MINUTES: u16 = 180;
/// Default buffer after each stop before driving on (DOMAIN: 10–15 min).
pub const DEFAULT_TRANSFER_BUFFER_MINUTES: u16 = 10;
/// Default time to settle the bill and load the luggage on the morning of a hotel move.
pub const DEFAULT_CHECK_OUT_MINUTES: u16 = 30;
/// Default time to check in and take the luggage up at the new hotel.
pub const DEFAULT_CHECK_IN_MINUTES: u16 = 30;
/// Longest check-out or check-in a request may ask for.
pub const MAX_CHECK_MINUTES: u16 = 180;
/// At a relaxed pace: most visits a day, rest added after each stop, and the lunch window and
/// length (DOMAIN §5: "not too tiring for elderly or senior guests: fewer sites, more rest").
pub const RELAXED_MAX_VISITS_PER_DAY: u8 = 3;
/// Minutes of rest added after each stop at a relaxed pace.
pub const RELAXED_EXTRA_REST_MINUTES: u16 = 20;
/// The default lunch at a relaxed pace: 90 minutes inside 12:00–14:00.
pub const RELAXED_LUNCH: (&str, &str, u16) = ("12:00", "14:00", 90);

/// How tiring the days may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// The protocol defaults.
    #[default]
    Normal,
    /// For senior guests: at most 3 visits a day, 20 more minutes of rest after each stop, a
    /// 90-minute lunch (unless `lunch` says otherwise).
    Relaxed,
}
/// Default number of ranked bases the plan chooses from.
pub const DEFAULT_TOP_CANDIDATES: u16 = 40;
/// Default search iterations (a fixed count keeps plans reproducible for a given seed).
pub const DEFAULT_ITERATIONS: u32 = 3000;
/// Most search iterations a request may ask for.
pub const MAX_ITERATIONS: u32 = 50_000;
/// Most appointments in one request.
pub const MAX_APPOINTMENTS: usize = 20;
/// Most locked visits in one request.
pub const MAX_LOCKED: usize = 50;
/// Most visits of an earlier plan to compare with.
pub const MAX_PREVIOUS: usize = 200;
/// Longest appointment title or place name, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// A place that is not a base: a division's seat, a base, or exact coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged, try_from = "PlaceFields")]
pub enum PlaceRef {
    /// An exchange base (its address).
    Base {
        /// Base id.
        base_id: String,
    },
    /// A division or functional zone code (its seat).
    Division {
        /// Division code, e.g. `lucheng`.
        division: String,
    },
    /// Exact coordinates.
    Point {
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
        /// Name to print.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

/// The fields a place may be written with; any other field is refused by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceFields {
    base_id: Option<String>,
    division: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    name: Option<String>,
}

impl TryFrom<PlaceFields> for PlaceRef {
    type Error = String;

    fn try_from(fields: PlaceFields) -> Result<PlaceRef, String> {
        match fields {
            PlaceFields { base_id: Some(base_id), division: None, lat: None, lon: None, name: None } => Ok(PlaceRef::Base { base_id }),
            PlaceFields { base_id: None, division: Some(division), lat: None, lon: None, name: None } => Ok(PlaceRef::Division { division }),
            PlaceFields { base_id: None, division: None, lat: Some(lat), lon: Some(lon), name } => Ok(PlaceRef::Point { lat, lon, name }),
            _ => Err("a place is one of `{\"base_id\": ID}`, `{\"division\": CODE}` or `{\"lat\": …, \"lon\": …, \"name\": …}`".to_string()),
        }
    }
}

/// Settings of one day that differ from the defaults (e.g. a half arrival day, a hotel move).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DaySettings {
    /// Departure from the hotel, `HH:MM`.
    #[schema(example = "13:30")]
    pub start: Option<String>,
    /// Latest return to the hotel, `HH:MM`.
    #[schema(example = "17:30")]
    pub end: Option<String>,
    /// Hotel for the night after this day; the next day starts there.
    pub hotel: Option<Hotel>,
}

/// Time kept for changing hotel, in minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HotelChange {
    /// Settling the bill and loading the luggage before leaving the old hotel (default 30, at most 180).
    #[schema(example = 30)]
    pub check_out_minutes: Option<u16>,
    /// Checking in and taking the luggage up at the new hotel (default 30, at most 180).
    #[schema(example = 30)]
    pub check_in_minutes: Option<u16>,
}

/// The lunch break: `minutes` long, inside `from`–`to`, near the last morning stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LunchSettings {
    /// Earliest start, `HH:MM`.
    #[schema(example = "12:00")]
    pub from: String,
    /// Latest end, `HH:MM`.
    #[schema(example = "13:30")]
    pub to: String,
    /// Length in minutes.
    #[schema(example = 60)]
    pub minutes: u16,
}

/// An evening banquet at the hotel; the day's visits end in time for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Banquet {
    /// Day number, 1-based.
    pub day: u8,
    /// Start, `HH:MM`.
    #[schema(example = "18:00")]
    pub start: String,
    /// Length in minutes.
    #[schema(example = 120)]
    pub minutes: u16,
    /// Title in Chinese (default 欢迎宴会).
    pub title_zh: Option<String>,
    /// Title in English (default Welcome banquet).
    pub title_en: Option<String>,
}

/// A fixed appointment, e.g. a meeting at city hall on day 1 at 10:00.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    /// Day number, 1-based.
    pub day: u8,
    /// Start, `HH:MM`.
    #[schema(example = "10:00")]
    pub start: String,
    /// Length in minutes.
    #[schema(example = 60)]
    pub minutes: u16,
    /// What it is, in Chinese.
    #[schema(example = "市政府会见")]
    pub title_zh: String,
    /// What it is, in English.
    #[schema(example = "Meeting at City Hall")]
    pub title_en: Option<String>,
    /// Where.
    pub place: PlaceRef,
}

/// A visit kept where it is when re-planning: the base on that day, at that time if given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LockedVisit {
    /// Base id.
    pub base_id: String,
    /// Day number, 1-based.
    pub day: u8,
    /// Start, `HH:MM`; any time that day when absent.
    pub start: Option<String>,
}

/// A candidate base with its score, when the caller ranks bases itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Base id.
    pub base_id: String,
    /// Score from 0 to 1; higher is more wanted.
    pub score: f32,
}

/// A visit of an earlier plan, to report what re-planning changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviousVisit {
    /// Base id.
    pub base_id: String,
    /// Day number, 1-based.
    pub day: u8,
    /// Start, `HH:MM`.
    pub start: String,
}

/// An itinerary request: the delegation and how its days run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "profile": {
        "country": "IT", "city": "Prato", "organisation_type": "business_association", "size": 12,
        "visit": {"dates": ["2026-12-07", "2026-12-08", "2026-12-09"]}, "days": 3, "hotel": {"division": "lucheng"},
        "interests": "Italian fashion and footwear companies looking for manufacturing partners and design cooperation",
        "industries_sought": ["footwear", "garments"], "languages": ["it", "en"]
    },
    "appointments": [{"day": 1, "start": "10:00", "minutes": 60, "title_zh": "市政府会见", "title_en": "Meeting at City Hall", "place": {"division": "lucheng"}}],
    "banquet": {"day": 1, "start": "18:00", "minutes": 120},
    "escort": "市外办 王科长"
}))]
pub struct ItineraryRequest {
    /// The delegation (its dates, size, hotel, must-visit and avoided bases).
    pub profile: DelegationProfile,
    /// Daily departure, `HH:MM` (default 08:30).
    pub day_start: Option<String>,
    /// Daily latest return, `HH:MM` (default 17:30).
    pub day_end: Option<String>,
    /// Per-day settings, day 1 first.
    #[serde(default)]
    pub days: Vec<DaySettings>,
    /// Lunch (default 60 minutes inside 12:00–13:30).
    pub lunch: Option<LunchSettings>,
    /// An evening banquet.
    pub banquet: Option<Banquet>,
    /// Most visits per day, 1 to 8 (default 4).
    pub max_visits_per_day: Option<u8>,
    /// Longest single transfer in minutes (default 90).
    pub max_transfer_minutes: Option<u16>,
    /// Most driving per day in minutes (default 180).
    pub max_driving_minutes_per_day: Option<u16>,
    /// Buffer after each stop before driving on, in minutes (default 10).
    pub transfer_buffer_minutes: Option<u16>,
    /// Time kept on the day the group changes hotel (a day whose `hotel` differs from the
    /// night before): check-out with the luggage before leaving, check-in on arrival.
    pub hotel_change: Option<HotelChange>,
    /// Fixed appointments.
    #[serde(default)]
    pub appointments: Vec<Appointment>,
    /// Visits to keep on their day (and time).
    #[serde(default)]
    pub locked: Vec<LockedVisit>,
    /// Candidate bases with scores; the matcher ranks the library when absent.
    pub candidates: Option<Vec<Candidate>>,
    /// How many ranked bases to choose from when the matcher ranks them, 1 to 100 (default 40).
    pub top_candidates: Option<u16>,
    /// The earlier plan's visits, to report what changed.
    pub previous: Option<Vec<PreviousVisit>>,
    /// Who accompanies the delegation (陪同人员), printed on the itinerary.
    pub escort: Option<String>,
    /// `normal` (default) or `relaxed` for senior guests: fewer visits a day, more rest.
    #[serde(default)]
    pub pace: Pace,
    /// Seed of the search.
    pub seed: Option<u64>,
    /// Search iterations, 1 to 50 000 (default 3000).
    pub iterations: Option<u32>,
    /// Names the itinerary's calendar events (`a-z`, `0-9`, `-`, at most 64): send back the
    /// `calendar_id` of the plan being revised so a calendar updates its events rather than
    /// adding new ones. Derived from the delegation (country, city, organisation, dates, hotel,
    /// interests) when left out.
    pub calendar_id: Option<String>,
    /// How many times this itinerary was revised, 0 to 10 000 (the calendar's SEQUENCE): send the
    /// previous plan's `revision` plus one. Default 1 with `previous`, else 0.
    pub revision: Option<u32>,
}

impl ItineraryRequest {
    /// A request for `profile` with every default.
    pub fn for_profile(profile: DelegationProfile) -> ItineraryRequest {
        ItineraryRequest {
            profile,
            day_start: None,
            day_end: None,
            days: Vec::new(),
            lunch: None,
            banquet: None,
            max_visits_per_day: None,
            max_transfer_minutes: None,
            max_driving_minutes_per_day: None,
            transfer_buffer_minutes: None,
            hotel_change: None,
            appointments: Vec::new(),
            locked: Vec::new(),
            candidates: None,
            top_candidates: None,
            previous: None,
            calendar_id: None,
            revision: None,
            escort: None,
            pace: Pace::Normal,
            seed: None,
            iterations: None,
        }
    }
}
