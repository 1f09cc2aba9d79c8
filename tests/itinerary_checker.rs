//! An independent checker of planned itineraries, run over a corpus of generated requests.
//!
//! The checker shares no code with the planner. From the request, the catalog as the server
//! serves it (`GET /v1/bases/{id}`), the division seats and area types
//! (`fixtures/divisions.json`), the official calendar (`fixtures/calendar/public_holidays.csv`)
//! and the road model as DOMAIN.md and README.md state it, it re-derives and checks, for every
//! day of every returned itinerary:
//! - every drive's minutes from the place before it to the place after it, and that it fits
//!   between them (after the transfer buffer when it follows a visit or an appointment);
//! - events in order without overlap, each as long as it says;
//! - every visit inside the base's hours on that date (weekday hours, closed dates, public
//!   holidays and adjusted working days), the group within its size, no base twice, no avoided
//!   kind, division or base, no approval-required base without a valid or arranged approval,
//!   nothing restricted or inactive (the corpus plans as a public caller);
//! - the lunch window and length, and the lunch or banquet venue open, large enough and
//!   serving the delegation's diets (or the day flagged `meal_unmet`);
//! - appointments and locked visits where the request put them;
//! - the longest transfer, the daily driving cap (and the day's reported total), the day's start
//!   and end, the visits-per-day limit;
//! - the hotels: a day leaves from where the group slept and ends where it sleeps; on a day that
//!   changes hotel, check-out before leaving and check-in after arriving, both inside the day.
//!
//! Every generated request must either pass or be refused with a 422 `itinerary_infeasible`
//! naming request fields; nothing else (no 500, no `internal` error) is accepted.

mod common;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use common::TestServer;
use serde_json::{json, Value};

/// How many requests the corpus holds; each is planned with a short search.
const CORPUS: usize = 600;

// ---------------------------------------------------------------------------------------------
// The road model, as documented: road km = 1.3 × great-circle km (Earth radius 6,371 km); the
// first 10 km at 30 km/h, then, into a mountain area, up to 15 km at 40 km/h, the rest at
// 60 km/h; minutes rounded up; the same point is 0 minutes.

fn road_minutes(from: (f64, f64), to: (f64, f64), to_mountain: bool) -> u32 {
    if from == to {
        return 0;
    }
    let (lat1, lon1, lat2, lon2) = (from.0.to_radians(), from.1.to_radians(), to.0.to_radians(), to.1.to_radians());
    let a = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    let km = 2.0 * 6371.0 * a.sqrt().asin() * 1.3;
    let urban = km.min(10.0);
    let mut rest = km - urban;
    let mut hours = urban / 30.0;
    if to_mountain {
        let slow = rest.min(15.0);
        hours += slow / 40.0;
        rest -= slow;
    }
    hours += rest / 60.0;
    (hours * 60.0).ceil() as u32
}

// ---------------------------------------------------------------------------------------------
// Reference data read straight from the fixture files.

struct Division {
    lat: f64,
    lon: f64,
    mountain: bool,
    parent: Option<String>,
}

fn divisions() -> HashMap<String, Division> {
    let text = std::fs::read_to_string(fixture("divisions.json")).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    value["divisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                Division {
                    lat: d["lat"].as_f64().unwrap(),
                    lon: d["lon"].as_f64().unwrap(),
                    // A place's own division decides, a functional zone's included.
                    mountain: d["area_type"] == "mountain",
                    parent: d["parent"].as_str().map(str::to_string),
                },
            )
        })
        .collect()
}

/// Holidays (date → name) and worked weekend days, per the State Council notices in the file.
struct Calendar {
    holidays: HashMap<NaiveDate, String>,
    workdays: HashSet<NaiveDate>,
}

fn calendar() -> Calendar {
    let text = std::fs::read_to_string(fixture("calendar/public_holidays.csv")).unwrap();
    let mut holidays = HashMap::new();
    let mut workdays = HashSet::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("year") && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let first: NaiveDate = fields[3].parse().unwrap();
        let last: NaiveDate = fields[4].parse().unwrap();
        let mut day = first;
        while day <= last {
            holidays.insert(day, fields[2].to_string());
            day += Duration::days(1);
        }
        for worked in fields[5].split('|').filter(|w| !w.is_empty()) {
            workdays.insert(worked.parse().unwrap());
        }
    }
    Calendar { holidays, workdays }
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// A list field of the request, empty when left out.
fn list(value: &Value) -> &[Value] {
    value.as_array().map_or(&[][..], Vec::as_slice)
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn clock(hhmm: &str) -> u32 {
    let (h, m) = hhmm.split_once(':').unwrap();
    h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap()
}

fn ranges(hours: &Value, weekday: &str) -> Vec<(u32, u32)> {
    hours[weekday]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|r| {
                    let (open, close) = r.as_str().unwrap().split_once('-').unwrap();
                    (clock(open), clock(close))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The hours a base keeps on `date`: none on a closed date; on a public holiday, its weekday's
/// hours (else its Sunday's, else its Saturday's) when it opens on holidays — sites and museums
/// do unless they say otherwise — and none otherwise; on a worked weekend day, its weekday hours
/// or else those of its first open Monday–Friday.
fn hours_on(base: &Value, date: NaiveDate, calendar: &Calendar) -> Vec<(u32, u32)> {
    let text = date.to_string();
    if base["closed_dates"].as_array().is_some_and(|c| c.iter().any(|d| d.as_str() == Some(&text))) {
        return Vec::new();
    }
    let hours = &base["opening_hours"];
    let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
    if calendar.holidays.contains_key(&date) {
        let opens = base["opens_on_holidays"].as_bool().unwrap_or(matches!(base["kind"].as_str(), Some("cultural_site" | "tourism_site")));
        if !opens {
            return Vec::new();
        }
        return [weekday, "sun", "sat"].iter().map(|w| ranges(hours, w)).find(|r| !r.is_empty()).unwrap_or_default();
    }
    let own = ranges(hours, weekday);
    if calendar.workdays.contains(&date) && own.is_empty() {
        return WEEKDAYS[..5].iter().map(|w| ranges(hours, w)).find(|r| !r.is_empty()).unwrap_or_default();
    }
    own
}

/// Whether a kitchen declaring `offered` meets `need`: the same diet, or halal or kosher for
/// no pork, vegetarian or vegan for no pork or no beef, vegan for vegetarian.
fn meets(offered: &str, need: &str) -> bool {
    offered == need
        || matches!(
            (offered, need),
            ("halal" | "kosher", "no_pork") | ("vegetarian" | "vegan", "no_pork" | "no_beef") | ("vegan", "vegetarian")
        )
}

// ---------------------------------------------------------------------------------------------
// The checker.

#[derive(Clone, Copy, Debug, PartialEq)]
struct Spot {
    lat: f64,
    lon: f64,
    mountain: bool,
}

struct Checker<'a> {
    server: &'a TestServer,
    divisions: HashMap<String, Division>,
    calendar: Calendar,
    bases: RefCell<HashMap<String, Option<Value>>>,
}

impl Checker<'_> {
    /// The base as a public caller sees it (`None`: not found, which a restricted base also is).
    fn base(&self, id: &str) -> Option<Value> {
        if let Some(cached) = self.bases.borrow().get(id) {
            return cached.clone();
        }
        let fetched = self.server.block_on(async {
            let response = reqwest::get(self.server.url(&format!("/v1/bases/{id}"))).await.unwrap();
            if response.status() == 200 { Some(response.json::<Value>().await.unwrap()) } else { None }
        });
        self.bases.borrow_mut().insert(id.to_string(), fetched.clone());
        fetched
    }

    fn base_spot(&self, base: &Value) -> Spot {
        let division = base["location"]["division"].as_str().unwrap();
        Spot { lat: base["location"]["lat"].as_f64().unwrap(), lon: base["location"]["lon"].as_f64().unwrap(), mountain: self.divisions[division].mountain }
    }

    /// A hotel or appointment place of the request: a division's seat, a base, or a point.
    fn place_spot(&self, place: &Value) -> Spot {
        if let Some(code) = place["division"].as_str() {
            let d = &self.divisions[code];
            Spot { lat: d.lat, lon: d.lon, mountain: d.mountain }
        } else if let Some(id) = place["base_id"].as_str() {
            self.base_spot(&self.base(id).expect("an appointment base the caller sees"))
        } else {
            Spot { lat: place["lat"].as_f64().unwrap(), lon: place["lon"].as_f64().unwrap(), mountain: false }
        }
    }

    /// Every rule the itinerary breaks, as readable lines (empty: it holds).
    fn check(&self, request: &Value, itinerary: &Value) -> Vec<String> {
        let mut broken = Vec::new();
        let profile = &request["profile"];
        let size = profile["size"].as_u64().unwrap();
        let dates: Vec<NaiveDate> = profile["visit"]["dates"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().parse().unwrap()).collect();
        let relaxed = request["pace"] == "relaxed";
        let buffer = request["transfer_buffer_minutes"].as_u64().unwrap_or(10) as u32 + if relaxed { 20 } else { 0 };
        let max_visits = request["max_visits_per_day"].as_u64().unwrap_or(4).min(if relaxed { 3 } else { u64::MAX }) as usize;
        let max_transfer = request["max_transfer_minutes"].as_u64().unwrap_or(90) as u32;
        let max_driving = request["max_driving_minutes_per_day"].as_u64().unwrap_or(180) as u32;
        let (lunch_from, lunch_to, lunch_minutes) = match request["lunch"].as_object() {
            Some(l) => (clock(l["from"].as_str().unwrap()), clock(l["to"].as_str().unwrap()), l["minutes"].as_u64().unwrap() as u32),
            None if relaxed => (clock("12:00"), clock("14:00"), 90),
            None => (clock("12:00"), clock("13:30"), 60),
        };
        let (default_start, default_end) = (request["day_start"].as_str().map_or(clock("08:30"), clock), request["day_end"].as_str().map_or(clock("17:30"), clock));
        let appointments = list(&request["appointments"]);
        let locked = list(&request["locked"]);
        let check_out = request["hotel_change"]["check_out_minutes"].as_u64().unwrap_or(30) as u32;
        let check_in = request["hotel_change"]["check_in_minutes"].as_u64().unwrap_or(30) as u32;
        let strings = |v: &Value| -> Vec<String> { v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect()).unwrap_or_default() };
        let avoid_ids = strings(&profile["avoid"]);
        let avoid_kinds = strings(&profile["avoid_kinds"]);
        let avoid_divisions = strings(&profile["avoid_divisions"]);
        let arranged = strings(&profile["approvals_arranged"]);
        // Diets may be written by their Chinese labels.
        let diets: Vec<String> = strings(&profile["dietary_needs"])
            .into_iter()
            .map(|d| match d.as_str() {
                "清真" => "halal".into(),
                "素食" => "vegetarian".into(),
                _ => d,
            })
            .collect();
        let checklist = itinerary["checklist"].as_array().unwrap();
        let days = itinerary["days"].as_array().unwrap();
        if days.len() != dates.len() {
            broken.push(format!("{} days planned for {} dates", days.len(), dates.len()));
            return broken;
        }
        let mut seen = HashSet::new();
        let mut night = profile["hotel"].clone();
        for (d, day) in days.iter().enumerate() {
            let say = |what: String| format!("day {}: {what}", d + 1);
            let date = dates[d];
            let settings = &request["days"][d];
            let start_hotel = self.place_spot(&night);
            let changes_hotel = settings["hotel"].is_object() && settings["hotel"] != night;
            if settings["hotel"].is_object() {
                night = settings["hotel"].clone();
            }
            let end_hotel = self.place_spot(&night);
            let day_start = settings["start"].as_str().map_or(default_start, clock);
            let day_end = settings["end"].as_str().map_or(default_end, clock);
            let (kept_out, kept_in) = if changes_hotel { (check_out, check_in) } else { (0, 0) };
            let banquet = request["banquet"].as_object().filter(|b| b["day"].as_u64() == Some(d as u64 + 1));
            if day["date"].as_str() != Some(&date.to_string()) {
                broken.push(say(format!("dated {} instead of {date}", day["date"])));
            }
            let events = day["events"].as_array().unwrap();
            let at = |e: &Value, key: &str| clock(e[key].as_str().unwrap());
            // Each stop (every event but a drive) with where it stands.
            let mut previous: Option<(&Value, Spot)> = None;
            let mut pending_drive: Option<&Value> = None;
            let mut driving = 0;
            let mut visits = 0;
            let mut lunches = Vec::new();
            let mut last_end = 0;
            let mut home_by = None;
            for event in events {
                let (start, end) = (at(event, "start"), at(event, "end"));
                if start < last_end {
                    broken.push(say(format!("{} at {} overlaps what comes before (until {last_end})", event["kind"], event["start"])));
                }
                if end < start || event["minutes"].as_u64() != Some((end - start) as u64) {
                    broken.push(say(format!("{} {}–{} says {} minutes", event["kind"], event["start"], event["end"], event["minutes"])));
                }
                last_end = end;
                let kind = event["kind"].as_str().unwrap();
                if kind == "travel" {
                    if pending_drive.is_some() {
                        broken.push(say(format!("two drives in a row at {}", event["start"])));
                    }
                    pending_drive = Some(event);
                    continue;
                }
                let spot = match kind {
                    "check_out" | "depart" => start_hotel,
                    "return" | "check_in" => end_hotel,
                    "visit" | "lunch" | "banquet" if event["base_id"].is_string() => {
                        let id = event["base_id"].as_str().unwrap();
                        match self.base(id) {
                            Some(base) => self.base_spot(&base),
                            None => {
                                broken.push(say(format!("{kind} at `{id}`, which a public caller cannot see")));
                                continue;
                            }
                        }
                    }
                    "lunch" => match previous {
                        Some((_, spot)) => spot,
                        None => start_hotel,
                    },
                    "banquet" => end_hotel,
                    "appointment" => {
                        let wanted = appointments.iter().find(|a| {
                            a["day"].as_u64() == Some(d as u64 + 1) && a["start"].as_str() == event["start"].as_str() && a["minutes"].as_u64() == event["minutes"].as_u64()
                        });
                        match wanted {
                            Some(a) => self.place_spot(&a["place"]),
                            None => {
                                broken.push(say(format!("an appointment at {} that was not asked for", event["start"])));
                                continue;
                            }
                        }
                    }
                    other => {
                        broken.push(say(format!("an event of unknown kind `{other}`")));
                        continue;
                    }
                };
                if (event["lat"].as_f64().unwrap() - spot.lat).abs() > 1e-9 || (event["lon"].as_f64().unwrap() - spot.lon).abs() > 1e-9 {
                    broken.push(say(format!("{kind} at {} printed at {},{} but stands at {},{}", event["start"], event["lat"], event["lon"], spot.lat, spot.lon)));
                }
                // The leg that led here.
                if let Some((before, from)) = previous {
                    let leg = road_minutes((from.lat, from.lon), (spot.lat, spot.lon), spot.mountain);
                    match pending_drive.take() {
                        Some(drive) => {
                            let minutes = drive["minutes"].as_u64().unwrap() as u32;
                            if minutes != leg {
                                broken.push(say(format!("the drive at {} to {kind} is {minutes} minutes; the road model gives {leg}", drive["start"])));
                            }
                            if minutes > max_transfer {
                                broken.push(say(format!("the drive at {} takes {minutes} minutes, over the longest transfer {max_transfer}", drive["start"])));
                            }
                            driving += minutes;
                            let rest = if matches!(before["kind"].as_str(), Some("visit" | "appointment")) { buffer } else { 0 };
                            if at(drive, "start") < at(before, "end") + rest {
                                broken.push(say(format!("the drive at {} leaves before {} + {rest} minutes", drive["start"], before["end"])));
                            }
                            if at(drive, "end") > start {
                                broken.push(say(format!("the drive ending {} arrives after {kind} starts at {}", drive["end"], event["start"])));
                            }
                        }
                        None if leg > 0 => broken.push(say(format!("no drive from {} to {kind} at {} ({leg} minutes by road)", before["kind"], event["start"]))),
                        None => {}
                    }
                } else if pending_drive.is_some() {
                    broken.push(say("a drive before leaving the hotel".into()));
                }
                match kind {
                    "check_out" => {
                        if !changes_hotel || end - start != check_out || start < day_start {
                            broken.push(say(format!("check-out {}–{} (moving: {changes_hotel}, {check_out} minutes from {day_start})", event["start"], event["end"])));
                        }
                    }
                    "depart" => {
                        if start < day_start + kept_out {
                            broken.push(say(format!("leaves at {} before {day_start} + check-out {kept_out}", event["start"])));
                        }
                        if changes_hotel && previous.is_none_or(|(e, _)| e["kind"] != "check_out") {
                            broken.push(say("moves hotel without checking out".into()));
                        }
                    }
                    "return" => {
                        home_by = Some(start);
                        if start + kept_in > day_end {
                            broken.push(say(format!("back at {} with {kept_in} minutes of check-in, past the day's end {day_end}", event["start"])));
                        }
                    }
                    "check_in" => {
                        if !changes_hotel || end - start != check_in || previous.is_none_or(|(e, _)| e["kind"] != "return") {
                            broken.push(say(format!("check-in {}–{} (moving: {changes_hotel}, {check_in} minutes, right after the return)", event["start"], event["end"])));
                        }
                    }
                    "visit" => {
                        visits += 1;
                        let id = event["base_id"].as_str().unwrap();
                        let base = self.base(id).unwrap();
                        if !seen.insert(id.to_string()) {
                            broken.push(say(format!("`{id}` visited twice")));
                        }
                        if base["status"] != "active" || base["restricted"] == true {
                            broken.push(say(format!("`{id}` is {} (restricted: {})", base["status"], base["restricted"])));
                        }
                        if base["max_group_size"].as_u64().unwrap() < size {
                            broken.push(say(format!("`{id}` takes {} guests, the group is {size}", base["max_group_size"])));
                        }
                        if event["minutes"].as_u64() != base["visit_minutes"].as_u64() {
                            broken.push(say(format!("`{id}` visited {} minutes, its visit takes {}", event["minutes"], base["visit_minutes"])));
                        }
                        let open = hours_on(&base, date, &self.calendar);
                        if !open.iter().any(|&(o, c)| o <= start && end <= c) {
                            broken.push(say(format!("`{id}` visited {}–{} on {date}, open {open:?}", event["start"], event["end"])));
                        }
                        let division = base["location"]["division"].as_str().unwrap();
                        let parent = self.divisions[division].parent.as_deref().unwrap_or(division);
                        if avoid_ids.iter().any(|a| a == id)
                            || avoid_kinds.iter().any(|k| base["kind"] == k.as_str())
                            || avoid_divisions.iter().any(|a| a == division || a == parent)
                        {
                            broken.push(say(format!("`{id}` is avoided ({}, {division})", base["kind"])));
                        }
                        // An approval must hold through the visit's last day.
                        if base["approval_required"] == true && !arranged.iter().any(|a| a == id) {
                            let last = *dates.last().unwrap();
                            let valid = base["approved_until"].as_str().is_some_and(|until| until.parse::<NaiveDate>().unwrap() >= last);
                            if !valid {
                                broken.push(say(format!("`{id}` needs an approval, valid until {}", base["approved_until"])));
                            }
                        }
                        if let Some(lock) = locked.iter().find(|l| l["base_id"] == id) {
                            if lock["day"].as_u64() != Some(d as u64 + 1) || lock["start"].as_str().is_some_and(|s| Some(s) != event["start"].as_str()) {
                                broken.push(say(format!("`{id}` was locked at {lock}, planned at {}", event["start"])));
                            }
                        }
                    }
                    "lunch" => {
                        lunches.push(event);
                        if start < lunch_from || end > lunch_to || end - start != lunch_minutes {
                            broken.push(say(format!("lunch {}–{} outside {lunch_from}–{lunch_to} or not {lunch_minutes} minutes", event["start"], event["end"])));
                        }
                        self.check_meal(event, date, size, &diets, d, checklist, &mut broken);
                    }
                    "banquet" => {
                        match banquet {
                            Some(b) if b["start"].as_str() == event["start"].as_str() && b["minutes"].as_u64() == event["minutes"].as_u64() => {}
                            _ => broken.push(say(format!("a banquet at {} that was not asked for", event["start"]))),
                        }
                        self.check_meal(event, date, size, &diets, d, checklist, &mut broken);
                    }
                    _ => {}
                }
                previous = Some((event, spot));
            }
            // After a banquet away from the hotel, the drive back ends the day.
            if let Some(drive) = pending_drive {
                let from = previous.map(|(_, spot)| spot).unwrap_or(start_hotel);
                let leg = road_minutes((from.lat, from.lon), (end_hotel.lat, end_hotel.lon), end_hotel.mountain);
                let minutes = drive["minutes"].as_u64().unwrap() as u32;
                driving += minutes;
                if previous.is_none_or(|(e, _)| e["kind"] != "banquet") || minutes != leg || drive["lat"].as_f64() != Some(end_hotel.lat) {
                    broken.push(say(format!("the day ends on a drive of {minutes} minutes (road model: {leg} back to the hotel) after {:?}", previous.map(|(e, _)| &e["kind"]))));
                }
            }
            let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
            if kinds.first() != Some(&if changes_hotel { "check_out" } else { "depart" }) || !kinds.contains(&"return") {
                broken.push(say(format!("the day does not leave and come back: {kinds:?}")));
            }
            if changes_hotel != kinds.contains(&"check_in") {
                broken.push(say(format!("moving hotel: {changes_hotel}, yet events {kinds:?}")));
            }
            if let (Some(b), Some(home)) = (banquet, home_by) {
                let start = clock(b["start"].as_str().unwrap());
                if home + kept_in > start || !kinds.contains(&"banquet") {
                    broken.push(say(format!("back at {home} (+{kept_in} check-in) for a banquet at {start}, or no banquet")));
                }
            }
            if driving > max_driving {
                broken.push(say(format!("{driving} minutes of driving, over the cap {max_driving}")));
            }
            if day["travel_minutes"].as_u64() != Some(driving as u64) {
                broken.push(say(format!("reports {} minutes of driving, the drives add up to {driving}", day["travel_minutes"])));
            }
            if visits > max_visits {
                broken.push(say(format!("{visits} visits, more than {max_visits}")));
            }
            if lunches.len() > 1 {
                broken.push(say(format!("{} lunches", lunches.len())));
            }
            // A day out from before the lunch window to after it has lunch.
            let leaves = day_start + kept_out;
            let back_by = banquet.map_or(day_end, |b| day_end.min(clock(b["start"].as_str().unwrap()))) - kept_in;
            if lunches.is_empty() && leaves <= lunch_from && back_by >= lunch_to {
                broken.push(say("a full day without lunch".into()));
            }
            for (a, appointment) in appointments.iter().enumerate() {
                if appointment["day"].as_u64() == Some(d as u64 + 1)
                    && !events.iter().any(|e| e["kind"] == "appointment" && e["start"] == appointment["start"])
                {
                    broken.push(say(format!("appointments[{a}] is missing")));
                }
            }
            for (l, lock) in locked.iter().enumerate() {
                if lock["day"].as_u64() == Some(d as u64 + 1) && !events.iter().any(|e| e["base_id"] == lock["base_id"] && e["kind"] == "visit") {
                    broken.push(say(format!("locked[{l}] is missing")));
                }
            }
        }
        broken
    }

    /// A meal at a venue is at an open venue large enough that serves the diets; a meal with
    /// needs and no venue is on the checklist.
    #[allow(clippy::too_many_arguments)]
    fn check_meal(&self, event: &Value, date: NaiveDate, size: u64, diets: &[String], d: usize, checklist: &[Value], broken: &mut Vec<String>) {
        let at = |key: &str| clock(event[key].as_str().unwrap());
        match event["base_id"].as_str() {
            Some(id) => {
                let venue = self.base(id).unwrap();
                let offered: Vec<&str> = venue["meals"].as_array().map(|m| m.iter().map(|x| x.as_str().unwrap()).collect()).unwrap_or_default();
                if !diets.iter().all(|need| offered.iter().any(|o| meets(o, need))) {
                    broken.push(format!("day {}: {} at `{id}` serving {offered:?}, the group needs {diets:?}", d + 1, event["kind"]));
                }
                if venue["max_group_size"].as_u64().unwrap() < size {
                    broken.push(format!("day {}: {} at `{id}` too small for {size}", d + 1, event["kind"]));
                }
                // A kitchen serves from its first opening to its last closing: a midday pause in
                // the visiting hours is when the canteen serves.
                let hours = hours_on(&venue, date, &self.calendar);
                let open = matches!((hours.first(), hours.last()), (Some(first), Some(last)) if first.0 <= at("start") && at("end") <= last.1);
                if !open {
                    broken.push(format!("day {}: {} at `{id}` {}–{} when it is closed ({hours:?})", d + 1, event["kind"], event["start"], event["end"]));
                }
            }
            None if !diets.is_empty() => {
                if !checklist.iter().any(|c| c["code"] == "meal_unmet" && c["day"].as_u64() == Some(d as u64 + 1)) {
                    broken.push(format!("day {}: {} with needs {diets:?} at no declaring venue, and not on the checklist", d + 1, event["kind"]));
                }
            }
            None => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus.

/// SplitMix64: a small seeded generator, so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Profiles to plan for: the judged delegations and the example profiles, in many languages.
fn profiles() -> Vec<Value> {
    let judged = std::fs::read_to_string(fixture("judged/profiles.jsonl")).unwrap();
    let mut profiles: Vec<Value> = judged.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["profile"].clone()).collect();
    for entry in std::fs::read_dir(fixture("profiles")).unwrap() {
        profiles.push(serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap());
    }
    profiles
}

/// First days of a visit: days around every holiday and worked weekend of 2026, ordinary
/// weekdays and weekends, and dates in 2027 (a year whose notice is not in yet).
fn start_dates(calendar: &Calendar, rng: &mut Rng) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = calendar
        .holidays
        .keys()
        .chain(calendar.workdays.iter())
        .filter(|d| d.year() == 2026)
        .flat_map(|d| [*d - Duration::days(2), *d - Duration::days(1), *d])
        .collect();
    let first = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    for _ in 0..dates.len() {
        dates.push(first + Duration::days(rng.below(720) as i64));
    }
    dates.sort();
    dates.dedup();
    dates
}

fn hotel(divisions: &[String], rng: &mut Rng) -> Value {
    if rng.chance(10) {
        // A named hotel by coordinates, in the city centre or by the airport.
        let (lat, lon, name) = *rng.pick(&[(28.0151, 120.6721, "华侨饭店 / Overseas Chinese Hotel"), (27.912, 120.852, "机场酒店 / Airport Hotel")]);
        json!({"lat": lat, "lon": lon, "name": name})
    } else {
        json!({"division": rng.pick(divisions)})
    }
}

fn generate(seed: u64, profiles: &[Value], divisions: &[String], starts: &[NaiveDate], rng: &mut Rng) -> Value {
    let mut profile = rng.pick(profiles).clone();
    let day_count = 1 + rng.below(4);
    let first = *rng.pick(starts);
    let dates: Vec<String> = (0..day_count).map(|i| (first + Duration::days(i as i64)).to_string()).collect();
    profile["visit"] = json!({"dates": dates});
    profile["days"] = json!(day_count);
    profile["size"] = json!(*rng.pick(&[2, 6, 12, 20, 35, 60]));
    profile["hotel"] = hotel(divisions, rng);
    if rng.chance(25) {
        profile["dietary_needs"] = json!([*rng.pick(&["halal", "vegetarian", "no_pork", "kosher", "清真", "素食"])]);
    }
    if rng.chance(20) {
        profile["avoid_kinds"] = json!([*rng.pick(&["enterprise", "industrial_park", "cultural_site"])]);
    }
    if rng.chance(15) {
        profile["avoid_divisions"] = json!([rng.pick(divisions)]);
    }
    // Day settings: hotel moves on any day, a late start or an early end now and then.
    let days: Vec<Value> = (0..day_count)
        .map(|_| {
            let mut day = json!({});
            if rng.chance(35) {
                day["hotel"] = hotel(divisions, rng);
            }
            if rng.chance(10) {
                day["start"] = json!(*rng.pick(&["09:30", "13:00"]));
            }
            if rng.chance(10) {
                day["end"] = json!(*rng.pick(&["15:00", "19:00"]));
            }
            day
        })
        .collect();
    // Appointments mostly where the group sleeps that night (a meeting at the hotel's
    // district), now and then anywhere in the city.
    let mut appointments = Vec::new();
    for _ in 0..rng.below(3) {
        let day = rng.below(day_count);
        let night = (0..=day).rev().find_map(|d| days[d]["hotel"]["division"].as_str()).or(profile["hotel"]["division"].as_str());
        let place = match night {
            Some(code) if rng.chance(80) => code.to_string(),
            _ => rng.pick(divisions).clone(),
        };
        appointments.push(json!({
            "day": day + 1,
            "start": *rng.pick(&["09:00", "10:00", "14:00", "15:30"]),
            "minutes": *rng.pick(&[30, 60, 90]),
            "title_zh": "会见",
            "place": {"division": place},
        }));
    }
    let mut request = json!({
        "profile": profile,
        "days": days,
        "appointments": appointments,
        "locked": [],
        "seed": seed,
        "iterations": 150,
        "top_candidates": 30,
    });
    if rng.chance(30) {
        request["banquet"] = json!({"day": 1 + rng.below(day_count), "start": "18:30", "minutes": 90});
    }
    if rng.chance(25) {
        request["pace"] = json!("relaxed");
    }
    if rng.chance(30) {
        request["max_transfer_minutes"] = json!(*rng.pick(&[60, 120, 240]));
        request["max_driving_minutes_per_day"] = json!(*rng.pick(&[120, 240, 400]));
    }
    if rng.chance(20) {
        request["hotel_change"] = json!({"check_out_minutes": rng.below(61), "check_in_minutes": rng.below(61)});
    }
    request
}

#[test]
fn every_generated_itinerary_passes_the_independent_checker_or_is_a_named_422() {
    let server = TestServer::start();
    let checker = Checker { server: &server, divisions: divisions(), calendar: calendar(), bases: RefCell::new(HashMap::new()) };
    let mut division_codes: Vec<String> = checker.divisions.keys().cloned().collect();
    division_codes.sort();
    let profiles = profiles();
    let mut rng = Rng(20261203);
    let starts = start_dates(&checker.calendar, &mut rng);
    let client = reqwest::Client::new();
    let (mut planned, mut refused, mut moves, mut holiday_days, mut locks, mut failures) = (0, 0, 0, 0, 0, Vec::new());
    let mut refusals: HashMap<String, usize> = HashMap::new();
    let mut next_lock: Option<Value> = None;
    for i in 0..CORPUS {
        // Some requests re-plan the one before with one of its visits locked, as an officer
        // does from a draft (at its time, or only on its day).
        let request = match next_lock.take() {
            Some(request) => request,
            None => generate(i as u64, &profiles, &division_codes, &starts, &mut rng),
        };
        let (status, media, text) = server.block_on(async {
            let response = client.post(server.url("/v1/itineraries")).json(&request).send().await.unwrap();
            let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (response.status().as_u16(), media, response.text().await.unwrap())
        });
        match status {
            200 => {
                planned += 1;
                locks += request["locked"].as_array().unwrap().len();
                let itinerary: Value = serde_json::from_str(&text).unwrap();
                for day in itinerary["days"].as_array().unwrap() {
                    moves += day["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "check_in").count();
                    let date: NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
                    holiday_days += usize::from(checker.calendar.holidays.contains_key(&date) || checker.calendar.workdays.contains(&date));
                }
                let broken = checker.check(&request, &itinerary);
                let planned_visits: Vec<(usize, &Value)> = itinerary["days"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .enumerate()
                    .flat_map(|(d, day)| day["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "visit").map(move |e| (d, e)))
                    .collect();
                if request["locked"].as_array().unwrap().is_empty() && !planned_visits.is_empty() && rng.chance(35) {
                    let (d, visit) = planned_visits[rng.below(planned_visits.len())];
                    let mut again = request.clone();
                    let mut lock = json!({"base_id": visit["base_id"], "day": d + 1});
                    if rng.chance(50) {
                        lock["start"] = visit["start"].clone();
                    }
                    again["locked"] = json!([lock]);
                    again["seed"] = json!(rng.next() % 1000);
                    next_lock = Some(again);
                }
                if !broken.is_empty() {
                    failures.push(format!("request {i}: {}\n{}", broken.join("\n  "), request));
                }
            }
            422 => {
                refused += 1;
                let problem: Value = serde_json::from_str(&text).unwrap();
                for error in problem["errors"].as_array().into_iter().flatten() {
                    let message = error["message"].as_str().unwrap_or("");
                    let why = message.split_once(": ").map_or(message, |(_, why)| why);
                    // Tallied by field and reason, the places named in a reason left out.
                    let why = why.split(';').next().unwrap().split(", ").last().unwrap();
                    *refusals.entry(format!("{}: {why}", error["field"].as_str().unwrap_or("").split('[').next().unwrap())).or_insert(0) += 1;
                }
                let named = problem["code"] == "itinerary_infeasible"
                    && media.starts_with("application/problem+json")
                    && problem["errors"].as_array().is_some_and(|errors| {
                        !errors.is_empty()
                            && errors.iter().all(|e| {
                                let field = e["field"].as_str().unwrap_or("");
                                let top = field.split(['.', '[']).next().unwrap_or("");
                                e["code"] == "itinerary_infeasible" && !field.is_empty() && request.get(top).is_some()
                            })
                    });
                if !named {
                    failures.push(format!("request {i}: a 422 that does not name the request's fields: {text}\n{request}"));
                }
            }
            other => failures.push(format!("request {i}: status {other}: {text}\n{request}")),
        }
    }
    assert!(failures.is_empty(), "{} of {CORPUS} requests fail the check:\n{}", failures.len(), failures.join("\n\n"));
    // The corpus is only worth something if most requests are planned and it covers the hard
    // cases: hotel moves and days on holidays or worked weekends.
    let mut refusals: Vec<(String, usize)> = refusals.into_iter().collect();
    refusals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    refusals.truncate(8);
    assert!(planned * 2 >= CORPUS, "only {planned} of {CORPUS} planned ({refused} refused): {refusals:#?}");
    assert!(moves >= 50 && holiday_days >= 50 && locks >= 30, "{moves} hotel moves, {holiday_days} holiday or worked-weekend days, {locks} locked visits");
    eprintln!("{planned} itineraries checked, {refused} refused with a named 422; {moves} hotel moves, {holiday_days} holiday or worked-weekend days, {locks} locked visits; refusals: {refusals:#?}");
}

/// The checker is not vacuous: a real plan passes, and each kind of damage to it is caught.
#[test]
fn the_checker_catches_a_damaged_itinerary() {
    let server = TestServer::start();
    let checker = Checker { server: &server, divisions: divisions(), calendar: calendar(), bases: RefCell::new(HashMap::new()) };
    let request: Value = serde_json::from_str(&std::fs::read_to_string(fixture("itineraries/prato_3_days.json")).unwrap()).unwrap();
    let itinerary: Value = server.block_on(async {
        reqwest::Client::new().post(server.url("/v1/itineraries")).json(&request).send().await.unwrap().json().await.unwrap()
    });
    assert_eq!(checker.check(&request, &itinerary), Vec::<String>::new());
    let first = |kind: &str| itinerary["days"][0]["events"].as_array().unwrap().iter().position(|e| e["kind"] == kind).unwrap();
    let damaged = |change: &dyn Fn(&mut Value)| {
        let mut copy = itinerary.clone();
        change(&mut copy["days"][0]["events"]);
        checker.check(&request, &copy)
    };
    // A drive shorter than the road allows.
    let drive = first("travel");
    let broken = damaged(&|events| {
        let e = &mut events[drive];
        let minutes = e["minutes"].as_u64().unwrap();
        e["minutes"] = json!(minutes - 1);
    });
    assert!(broken.iter().any(|b| b.contains("road model gives")), "{broken:?}");
    // A visit moved to 06:00, before any base opens (and overlapping what comes before).
    let visit = first("visit");
    let broken = damaged(&|events| {
        events[visit]["start"] = json!("06:00");
        events[visit]["end"] = json!("07:00");
    });
    assert!(broken.iter().any(|b| b.contains("open")), "{broken:?}");
    // A visit to a base the group does not fit in: claim a group of 500.
    let mut big = request.clone();
    big["profile"]["size"] = json!(500);
    let broken = checker.check(&big, &itinerary);
    assert!(broken.iter().any(|b| b.contains("takes") && b.contains("the group is 500")), "{broken:?}");
    // The appointment moved off its time.
    let meeting = first("appointment");
    let broken = damaged(&|events| events[meeting]["start"] = json!("10:05"));
    assert!(broken.iter().any(|b| b.contains("appointment")), "{broken:?}");
    // The day's lunch removed.
    let lunch = first("lunch");
    let broken = damaged(&|events| {
        events.as_array_mut().unwrap().remove(lunch);
    });
    assert!(broken.iter().any(|b| b.contains("without lunch")), "{broken:?}");
    // A driving total that does not add up.
    let mut copy = itinerary.clone();
    copy["days"][0]["travel_minutes"] = json!(1);
    assert!(checker.check(&request, &copy).iter().any(|b| b.contains("reports 1 minutes")));
}
