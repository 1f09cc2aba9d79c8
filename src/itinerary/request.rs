//! What an officer asks the planner for, with the protocol defaults and a check that reports
//! every bad field at once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{FieldCode, FieldError};
use crate::scoring::profile::CheckedProfile;
use crate::domain::{ClockTime, DelegationProfile, DivisionRegistry, Hotel, Weekday};

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
    /// Seed of the search.
    pub seed: Option<u64>,
    /// Search iterations, 1 to 50 000 (default 3000).
    pub iterations: Option<u32>,
}

/// A request with every default filled in and every time parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Per day: date (when known), weekday, start, end, hotel for the night.
    pub days: Vec<DaySpec>,
    /// Lunch window start, latest end, length.
    pub lunch: (ClockTime, ClockTime, u16),
    /// Banquet: day index (0-based), start, length, titles.
    pub banquet: Option<(usize, ClockTime, u16, String, String)>,
    /// Most visits per day.
    pub max_visits_per_day: usize,
    /// Longest transfer.
    pub max_transfer_minutes: u16,
    /// Daily driving cap.
    pub max_driving_minutes: u16,
    /// Buffer after each stop.
    pub buffer_minutes: u16,
    /// Appointments: day index, start.
    pub appointments: Vec<(usize, ClockTime)>,
    /// Locked visits: day index, start.
    pub locked: Vec<(usize, Option<ClockTime>)>,
    /// How many ranked bases to plan from.
    pub top_candidates: usize,
    /// Seed.
    pub seed: u64,
    /// Iterations.
    pub iterations: u32,
}

/// One day of the visit.
#[derive(Debug, Clone)]
pub struct DaySpec {
    /// The date, when the profile gives dates.
    pub date: Option<NaiveDate>,
    /// The weekday.
    pub weekday: Weekday,
    /// Departure.
    pub start: ClockTime,
    /// Latest return.
    pub end: ClockTime,
    /// Hotel for the night after this day.
    pub hotel: Hotel,
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
            appointments: Vec::new(),
            locked: Vec::new(),
            candidates: None,
            top_candidates: None,
            previous: None,
            escort: None,
            seed: None,
            iterations: None,
        }
    }

    /// Checks every field, the profile's first, and fills in the defaults; every problem is
    /// reported with the field at fault. The checked profile is what matching takes, so the
    /// profile is checked here once.
    pub fn check(&self, divisions: &DivisionRegistry) -> Result<(CheckedProfile<'_>, Settings), Vec<FieldError>> {
        match (CheckedProfile::check(&self.profile, divisions), self.settings(divisions)) {
            (Ok(profile), Ok(settings)) => Ok((profile, settings)),
            (profile, settings) => Err(profile.err().into_iter().flatten().chain(settings.err().into_iter().flatten()).collect()),
        }
    }

    /// Checks every field but the profile and fills in the defaults.
    fn settings(&self, divisions: &DivisionRegistry) -> Result<Settings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: String, message: String| errors.push(FieldError::new(&field, FieldCode::InvalidValue, message));
        let time = |field: &str, value: Option<&str>, default: &str, fail: &mut dyn FnMut(String, String)| -> ClockTime {
            match value.unwrap_or(default).parse::<ClockTime>() {
                Ok(t) => t,
                Err(message) => {
                    fail(field.to_string(), message);
                    default.parse().expect("default time")
                }
            }
        };
        let day_start = time("day_start", self.day_start.as_deref(), DEFAULT_DAY_START, &mut fail);
        let day_end = time("day_end", self.day_end.as_deref(), DEFAULT_DAY_END, &mut fail);
        if day_end <= day_start {
            fail("day_end".into(), format!("the day must end after it starts ({day_start})"));
        }
        let weekdays = self.profile.visit.weekdays();
        let dates: Vec<Option<NaiveDate>> = match &self.profile.visit {
            crate::domain::VisitDays::Dates(dates) => dates.iter().copied().map(Some).collect(),
            crate::domain::VisitDays::Weekdays(days) => vec![None; days.len()],
        };
        let day_count = weekdays.len();
        if day_count == 0 {
            fail("profile.visit".into(), "give at least one date or weekday".into());
        }
        if day_count > 14 {
            fail("profile.visit".into(), format!("plans cover at most 14 days, got {day_count}"));
        }
        if self.days.len() > day_count {
            fail("days".into(), format!("{} day settings for a {day_count}-day visit", self.days.len()));
        }
        let mut days = Vec::with_capacity(day_count);
        let mut hotel = self.profile.hotel.clone();
        for (i, weekday) in weekdays.iter().enumerate() {
            let settings = self.days.get(i).cloned().unwrap_or_default();
            let start = time(&format!("days[{i}].start"), settings.start.as_deref(), &day_start.to_string(), &mut fail);
            let end = time(&format!("days[{i}].end"), settings.end.as_deref(), &day_end.to_string(), &mut fail);
            if end <= start {
                fail(format!("days[{i}].end"), format!("the day must end after it starts ({start})"));
            }
            if let Some(next) = settings.hotel {
                for error in crate::scoring::profile::hotel_errors(&next, &format!("days[{i}].hotel"), divisions) {
                    fail(error.field, error.message);
                }
                hotel = next;
            }
            days.push(DaySpec { date: dates[i], weekday: *weekday, start, end, hotel: hotel.clone() });
        }
        let lunch = match &self.lunch {
            None => (DEFAULT_LUNCH.0.parse().unwrap(), DEFAULT_LUNCH.1.parse().unwrap(), DEFAULT_LUNCH.2),
            Some(l) => {
                let from = time("lunch.from", Some(&l.from), DEFAULT_LUNCH.0, &mut fail);
                let to = time("lunch.to", Some(&l.to), DEFAULT_LUNCH.1, &mut fail);
                if l.minutes == 0 || from.minutes() + l.minutes > to.minutes() {
                    fail("lunch.minutes".into(), format!("{} minutes do not fit between {from} and {to}", l.minutes));
                }
                (from, to, l.minutes)
            }
        };
        let day_index = |day: u8| (day as usize).checked_sub(1).filter(|&d| d < day_count);
        let banquet = self.banquet.as_ref().and_then(|b| {
            for (name, text) in [("title_zh", &b.title_zh), ("title_en", &b.title_en)] {
                if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS) {
                    fail(format!("banquet.{name}"), format!("must be at most {MAX_TITLE_CHARS} characters"));
                }
            }
            let start = time("banquet.start", Some(&b.start), "18:00", &mut fail);
            match day_index(b.day) {
                Some(d) => Some((
                    d,
                    start,
                    b.minutes,
                    b.title_zh.clone().unwrap_or_else(|| "欢迎宴会".into()),
                    b.title_en.clone().unwrap_or_else(|| "Welcome banquet".into()),
                )),
                None => {
                    fail("banquet.day".into(), format!("day {} is not one of the {day_count} visit days", b.day));
                    None
                }
            }
        });
        let max_visits = self.max_visits_per_day.unwrap_or(DEFAULT_MAX_VISITS_PER_DAY);
        if !(1..=8).contains(&max_visits) {
            fail("max_visits_per_day".into(), format!("must be between 1 and 8, got {max_visits}"));
        }
        let max_transfer = self.max_transfer_minutes.unwrap_or(DEFAULT_MAX_TRANSFER_MINUTES);
        if !(10..=300).contains(&max_transfer) {
            fail("max_transfer_minutes".into(), format!("must be between 10 and 300, got {max_transfer}"));
        }
        let max_driving = self.max_driving_minutes_per_day.unwrap_or(DEFAULT_MAX_DRIVING_MINUTES);
        if !(10..=600).contains(&max_driving) {
            fail("max_driving_minutes_per_day".into(), format!("must be between 10 and 600, got {max_driving}"));
        }
        let buffer = self.transfer_buffer_minutes.unwrap_or(DEFAULT_TRANSFER_BUFFER_MINUTES);
        if buffer > 60 {
            fail("transfer_buffer_minutes".into(), format!("must be at most 60, got {buffer}"));
        }
        // Every list that scales the plan is capped before any work starts.
        for (field, len, limit) in [
            ("appointments", self.appointments.len(), MAX_APPOINTMENTS),
            ("locked", self.locked.len(), MAX_LOCKED),
            ("previous", self.previous.as_ref().map_or(0, Vec::len), MAX_PREVIOUS),
        ] {
            if len > limit {
                fail(field.into(), format!("lists {len} entries; at most {limit} are allowed"));
            }
        }
        let mut appointments = Vec::new();
        for (i, a) in self.appointments.iter().enumerate() {
            for (name, text) in [("title_zh", Some(&a.title_zh)), ("title_en", a.title_en.as_ref())] {
                if text.is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS) {
                    fail(format!("appointments[{i}].{name}"), format!("must be at most {MAX_TITLE_CHARS} characters"));
                }
            }
            let start = time(&format!("appointments[{i}].start"), Some(&a.start), "10:00", &mut fail);
            if a.minutes == 0 || a.minutes > 600 {
                fail(format!("appointments[{i}].minutes"), format!("must be between 1 and 600, got {}", a.minutes));
            }
            if a.title_zh.trim().is_empty() {
                fail(format!("appointments[{i}].title_zh"), "must not be empty".into());
            }
            check_place(&a.place, &format!("appointments[{i}].place"), divisions, &mut fail);
            match day_index(a.day) {
                Some(d) => appointments.push((d, start)),
                None => fail(format!("appointments[{i}].day"), format!("day {} is not one of the {day_count} visit days", a.day)),
            }
        }
        let mut locked = Vec::new();
        let mut locked_ids = std::collections::HashSet::new();
        for (i, l) in self.locked.iter().enumerate() {
            let start = l.start.as_deref().map(|s| time(&format!("locked[{i}].start"), Some(s), "10:00", &mut fail));
            if !crate::domain::is_valid_base_id(&l.base_id) {
                fail(format!("locked[{i}].base_id"), format!("`{}` is not a valid base id", l.base_id));
            }
            if !locked_ids.insert(l.base_id.as_str()) {
                fail(format!("locked[{i}].base_id"), format!("`{}` is locked twice", l.base_id));
            }
            match day_index(l.day) {
                Some(d) => locked.push((d, start)),
                None => fail(format!("locked[{i}].day"), format!("day {} is not one of the {day_count} visit days", l.day)),
            }
        }
        if let Some(candidates) = &self.candidates {
            if candidates.is_empty() || candidates.len() > 500 {
                fail("candidates".into(), format!("give 1 to 500 candidates, got {}", candidates.len()));
            }
            for (i, c) in candidates.iter().enumerate() {
                if !c.score.is_finite() || !(0.0..=1.0).contains(&c.score) {
                    fail(format!("candidates[{i}].score"), format!("must be between 0 and 1, got {}", c.score));
                }
                if !crate::domain::is_valid_base_id(&c.base_id) {
                    fail(format!("candidates[{i}].base_id"), format!("`{}` is not a valid base id", c.base_id));
                }
            }
        }
        let top = self.top_candidates.unwrap_or(DEFAULT_TOP_CANDIDATES);
        if !(1..=100).contains(&top) {
            fail("top_candidates".into(), format!("must be between 1 and 100, got {top}"));
        }
        if let Some(previous) = &self.previous {
            for (i, p) in previous.iter().enumerate() {
                time(&format!("previous[{i}].start"), Some(&p.start), "10:00", &mut fail);
                if !crate::domain::is_valid_base_id(&p.base_id) {
                    fail(format!("previous[{i}].base_id"), format!("`{}` is not a valid base id", p.base_id));
                }
                if day_index(p.day).is_none() {
                    fail(format!("previous[{i}].day"), format!("day {} is not one of the {day_count} visit days", p.day));
                }
            }
        }
        let iterations = self.iterations.unwrap_or(DEFAULT_ITERATIONS);
        if !(1..=MAX_ITERATIONS).contains(&iterations) {
            fail("iterations".into(), format!("must be between 1 and {MAX_ITERATIONS}, got {iterations}"));
        }
        if let Some(escort) = &self.escort
            && escort.chars().count() > 200 {
                fail("escort".into(), "must be at most 200 characters".into());
            }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings {
            days,
            lunch,
            banquet,
            max_visits_per_day: max_visits as usize,
            max_transfer_minutes: max_transfer,
            max_driving_minutes: max_driving,
            buffer_minutes: buffer,
            appointments,
            locked,
            top_candidates: top as usize,
            seed: self.seed.unwrap_or(0),
            iterations,
        })
    }
}

fn check_place(place: &PlaceRef, field: &str, divisions: &DivisionRegistry, fail: &mut dyn FnMut(String, String)) {
    match place {
        PlaceRef::Base { base_id } if !crate::domain::is_valid_base_id(base_id) => {
            fail(format!("{field}.base_id"), format!("`{base_id}` is not a valid base id"))
        }
        PlaceRef::Division { division } if divisions.get(division).is_none() => {
            fail(format!("{field}.division"), format!("`{division}` is not a known division"))
        }
        PlaceRef::Point { name: Some(name), .. } if name.chars().count() > MAX_TITLE_CHARS => {
            fail(format!("{field}.name"), format!("must be at most {MAX_TITLE_CHARS} characters"))
        }
        PlaceRef::Point { lat, lon, .. }
            if !crate::domain::geo::in_wenzhou(*lat, *lon) =>
        {
            fail(field.to_string(), format!("({lat}, {lon}) is outside Wenzhou"))
        }
        _ => {}
    }
}
