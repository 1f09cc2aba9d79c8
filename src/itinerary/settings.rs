//! What an itinerary request means once checked: every default filled in, every time parsed,
//! every place and date resolved ([`Settings`]), with every bad field reported at once. The
//! planner reads only checked settings.

use chrono::NaiveDate;

use super::request::{DEFAULT_DAY_END, DEFAULT_DAY_START, DEFAULT_ITERATIONS, DEFAULT_LUNCH, DEFAULT_MAX_DRIVING_MINUTES, DEFAULT_MAX_TRANSFER_MINUTES, DEFAULT_MAX_VISITS_PER_DAY, DEFAULT_TOP_CANDIDATES, DEFAULT_TRANSFER_BUFFER_MINUTES, DEFAULT_CHECK_IN_MINUTES, DEFAULT_CHECK_OUT_MINUTES, MAX_CHECK_MINUTES, ItineraryRequest, Pace, RELAXED_EXTRA_REST_MINUTES, RELAXED_LUNCH, RELAXED_MAX_VISITS_PER_DAY, MAX_APPOINTMENTS, MAX_ITERATIONS, MAX_LOCKED, MAX_PREVIOUS, MAX_TITLE_CHARS, PlaceRef};
use crate::domain::{ClockTime, Diet, DivisionRegistry, FieldCode, FieldError, Hotel, Weekday};
use crate::scoring::profile::CheckedProfile;

/// A request with every default filled in and every time parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Per day: date (when known), weekday, start, end, hotel for the night.
    pub days: Vec<DaySpec>,
    /// Where the group wakes up on the first day: the profile's hotel (a day's `hotel` is
    /// where it sleeps after that day).
    pub first_hotel: Hotel,
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
    /// On a day that changes hotel: check-out before leaving and check-in on arrival.
    pub check_out_minutes: u16,
    /// See `check_out_minutes`.
    pub check_in_minutes: u16,
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
    /// Names the calendar events of this itinerary, the same across its revisions.
    pub calendar_id: String,
    /// How many times the itinerary was revised (the calendar's SEQUENCE).
    pub revision: u32,
    /// What the delegation's meals must be (from the checked profile); empty: no needs.
    pub diets: Vec<Diet>,
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
    /// The night's hotel differs from the night before: the group checks out in the morning
    /// and in on arrival.
    pub changes_hotel: bool,
}

impl ItineraryRequest {

    /// Checks every field, the profile's first, and fills in the defaults; every problem is
    /// reported with the field at fault. The checked profile is what matching takes, so the
    /// profile is checked here once.
    pub fn check(
        &self,
        taxonomy: &crate::domain::Taxonomy,
        divisions: &DivisionRegistry,
        accepted: &crate::domain::LabelMapping,
    ) -> Result<(CheckedProfile<'_>, Settings), Vec<FieldError>> {
        match (CheckedProfile::check(&self.profile, taxonomy, divisions, accepted), self.settings(divisions)) {
            (Ok(profile), Ok(mut settings)) => {
                settings.diets = profile.dietary_needs.iter().filter_map(|code| Diet::from_code(code)).collect();
                Ok((profile, settings))
            }
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
        // Hotels may be written by a division's name; the days carry its code.
        let mut hotel = crate::scoring::profile::hotel_with_code(&self.profile.hotel, divisions);
        let first_hotel = hotel.clone();
        for (i, weekday) in weekdays.iter().enumerate() {
            let settings = self.days.get(i).cloned().unwrap_or_default();
            let start = time(&format!("days[{i}].start"), settings.start.as_deref(), &day_start.to_string(), &mut fail);
            let end = time(&format!("days[{i}].end"), settings.end.as_deref(), &day_end.to_string(), &mut fail);
            if end <= start {
                fail(format!("days[{i}].end"), format!("the day must end after it starts ({start})"));
            }
            let last_night = hotel.clone();
            if let Some(next) = settings.hotel {
                for error in crate::scoring::profile::hotel_errors(&next, &format!("days[{i}].hotel"), divisions) {
                    fail(error.field, error.message);
                }
                hotel = crate::scoring::profile::hotel_with_code(&next, divisions);
            }
            days.push(DaySpec { date: dates[i], weekday: *weekday, start, end, changes_hotel: hotel != last_night, hotel: hotel.clone() });
        }
        let relaxed = self.pace == Pace::Relaxed;
        let lunch = match &self.lunch {
            None => {
                let (from, to, minutes) = if relaxed { RELAXED_LUNCH } else { DEFAULT_LUNCH };
                (from.parse().unwrap(), to.parse().unwrap(), minutes)
            }
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
        // A relaxed pace caps what is asked, whatever it is.
        let max_visits_planned = if relaxed { max_visits.min(RELAXED_MAX_VISITS_PER_DAY) } else { max_visits };
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
        let change = self.hotel_change.clone().unwrap_or_default();
        let check_out = change.check_out_minutes.unwrap_or(DEFAULT_CHECK_OUT_MINUTES);
        let check_in = change.check_in_minutes.unwrap_or(DEFAULT_CHECK_IN_MINUTES);
        for (field, value) in [("hotel_change.check_out_minutes", check_out), ("hotel_change.check_in_minutes", check_in)] {
            if value > MAX_CHECK_MINUTES {
                fail(field.into(), format!("must be at most {MAX_CHECK_MINUTES}, got {value}"));
            }
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
        if let Some(id) = &self.calendar_id
            && !crate::domain::is_valid_base_id(id)
        {
            fail("calendar_id".into(), "must be 1 to 64 of a-z, 0-9 and '-', not starting with '-'".into());
        }
        let revision = self.revision.unwrap_or(u32::from(self.previous.is_some()));
        if revision > MAX_REVISION {
            fail("revision".into(), format!("must be at most {MAX_REVISION}, got {revision}"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings {
            days,
            first_hotel,
            lunch,
            banquet,
            max_visits_per_day: max_visits_planned as usize,
            max_transfer_minutes: max_transfer,
            max_driving_minutes: max_driving,
            buffer_minutes: if relaxed { buffer + RELAXED_EXTRA_REST_MINUTES } else { buffer },
            check_out_minutes: check_out,
            check_in_minutes: check_in,
            appointments,
            locked,
            top_candidates: top as usize,
            seed: self.seed.unwrap_or(0),
            iterations,
            calendar_id: self.calendar_id.clone().unwrap_or_else(|| self.derived_calendar_id()),
            revision,
            diets: Vec::new(),
        })
    }

    /// A calendar id for a delegation that did not bring one: the same for every plan of the
    /// same delegation and visit, another for another delegation.
    fn derived_calendar_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let profile = &self.profile;
        let identity = serde_json::json!([profile.country, profile.city, profile.organisation_type, profile.visit, profile.hotel, profile.interests]);
        let digest = Sha256::digest(identity.to_string().as_bytes());
        format!("visit-{}", crate::access::hex(&digest[..8]))
    }
}

/// Most revisions of one itinerary.
pub const MAX_REVISION: u32 = 10_000;

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
