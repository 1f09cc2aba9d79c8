//! Weekly opening hours: the time windows a base can receive visitors.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// Day of the week, serialised as a three-letter lower-case code (`mon` … `sun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday
    Mon,
    /// Tuesday
    Tue,
    /// Wednesday
    Wed,
    /// Thursday
    Thu,
    /// Friday
    Fri,
    /// Saturday
    Sat,
    /// Sunday
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

    /// The three-letter code used in files and in the API.
    pub fn code(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// The weekday of a calendar date.
    pub fn of_date(date: chrono::NaiveDate) -> Weekday {
        use chrono::Datelike;
        Weekday::ALL[date.weekday().num_days_from_monday() as usize]
    }
}

impl FromStr for Weekday {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Weekday::ALL
            .into_iter()
            .find(|day| lower == day.code())
            .ok_or_else(|| format!("`{s}` is not a weekday; use mon, tue, wed, thu, fri, sat or sun"))
    }
}

/// A time of day in whole minutes after midnight (0..=1440), written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// A clock time from minutes after midnight; `None` past 24:00.
    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= 24 * 60).then_some(ClockTime(minutes))
    }
}

impl FromStr for ClockTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a time of day; write HH:MM, e.g. 08:30");
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        if m >= 60 || h > 24 || (h == 24 && m > 0) {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A half-open window `[open, close)` within one day, written `HH:MM-HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeRange {
    /// When the window opens.
    pub open: ClockTime,
    /// When the window closes; always after `open`.
    pub close: ClockTime,
}

impl FromStr for TimeRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (open, close) = s
            .split_once('-')
            .ok_or_else(|| format!("`{s}` is not a time range; write HH:MM-HH:MM, e.g. 08:30-11:30"))?;
        let open: ClockTime = open.parse()?;
        let close: ClockTime = close.parse()?;
        if close <= open {
            return Err(format!("`{s}` closes before it opens"));
        }
        Ok(TimeRange { open, close })
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.open, self.close)
    }
}

impl utoipa::PartialSchema for TimeRange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^([01][0-9]|2[0-4]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"))
            .description(Some("A time window within one day, `HH:MM-HH:MM`, closing after it opens."))
            .examples(["08:30-11:30"])
            .into()
    }
}

impl ToSchema for TimeRange {}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Opening hours per weekday. A day that is absent (or has no ranges) is closed.
///
/// In JSON: `{"mon": ["08:30-11:30", "13:30-17:00"], "sat": ["09:00-12:00"]}`.
/// In CSV a compact form: `mon-fri 08:30-11:30,13:30-17:00; sat 09:00-12:00`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"mon": ["08:30-11:30", "13:30-17:00"], "tue": ["08:30-17:00"]}))]
pub struct OpeningHours(pub BTreeMap<Weekday, Vec<TimeRange>>);

impl OpeningHours {
    /// The windows of one weekday, in order; empty when closed.
    pub fn on(&self, day: Weekday) -> &[TimeRange] {
        self.0.get(&day).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether the base opens at all on `day`.
    pub fn is_open_on(&self, day: Weekday) -> bool {
        !self.on(day).is_empty()
    }

    /// Whether the base opens on no day of the week.
    pub fn is_never_open(&self) -> bool {
        Weekday::ALL.iter().all(|day| !self.is_open_on(*day))
    }

    /// Builds hours from per-day ranges, sorting them and rejecting overlaps.
    pub fn from_days(days: BTreeMap<Weekday, Vec<TimeRange>>) -> Result<Self, String> {
        let mut cleaned = BTreeMap::new();
        for (day, mut ranges) in days {
            ranges.sort();
            if let Some(pair) = ranges.windows(2).find(|pair| pair[1].open < pair[0].close) {
                return Err(format!("{}: {} overlaps {}", day.code(), pair[0], pair[1]));
            }
            if !ranges.is_empty() {
                cleaned.insert(day, ranges);
            }
        }
        Ok(OpeningHours(cleaned))
    }

    /// Parses the compact CSV form, e.g. `mon-fri 08:30-11:30,13:30-17:00; sat 09:00-12:00`.
    /// The empty string means closed every day.
    pub fn parse_compact(text: &str) -> Result<Self, String> {
        let mut days: BTreeMap<Weekday, Vec<TimeRange>> = BTreeMap::new();
        for clause in text.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            let (day_spec, ranges) = clause
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("`{clause}` needs days then ranges, e.g. `mon-fri 08:30-17:00`"))?;
            let ranges: Vec<TimeRange> =
                ranges.split(',').map(|r| r.trim().parse()).collect::<Result<_, _>>()?;
            for day in parse_day_spec(day_spec)? {
                days.entry(day).or_default().extend(ranges.iter().copied());
            }
        }
        OpeningHours::from_days(days)
    }

    /// The compact form accepted by [`OpeningHours::parse_compact`], one clause per day.
    pub fn to_compact(&self) -> String {
        self.0
            .iter()
            .map(|(day, ranges)| {
                let ranges: Vec<String> = ranges.iter().map(ToString::to_string).collect();
                format!("{} {}", day.code(), ranges.join(","))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn parse_day_spec(spec: &str) -> Result<Vec<Weekday>, String> {
    let mut days = Vec::new();
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to): (Weekday, Weekday) = (from.parse()?, to.parse()?);
                if to < from {
                    return Err(format!("day range `{part}` runs backwards"));
                }
                days.extend(Weekday::ALL.into_iter().filter(|d| *d >= from && *d <= to));
            }
            None => days.push(part.parse()?),
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compact_hours_with_day_ranges() {
        let hours = OpeningHours::parse_compact("mon-fri 08:30-11:30,13:30-17:00; sat 09:00-12:00").unwrap();
        assert_eq!(hours.on(Weekday::Wed).len(), 2);
        assert_eq!(hours.on(Weekday::Sat)[0].to_string(), "09:00-12:00");
        assert!(!hours.is_open_on(Weekday::Sun));
        let again = OpeningHours::parse_compact(&hours.to_compact()).unwrap();
        assert_eq!(again, hours);
    }

    #[test]
    fn rejects_window_ending_before_start() {
        assert!("17:00-08:00".parse::<TimeRange>().is_err());
        assert!("08:00-08:00".parse::<TimeRange>().is_err());
    }

    #[test]
    fn rejects_overlapping_windows() {
        let err = OpeningHours::parse_compact("mon 08:00-12:00,11:00-13:00").unwrap_err();
        assert!(err.contains("overlaps"), "{err}");
    }

    #[test]
    fn rejects_malformed_clock_times() {
        for bad in ["8", "25:00", "08:60", "24:01", "ab:cd", "8:5"] {
            assert!(bad.parse::<ClockTime>().is_err(), "{bad} accepted");
        }
        assert_eq!("24:00".parse::<ClockTime>().unwrap().minutes(), 1440);
    }

    #[test]
    fn weekday_of_a_known_date() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(Weekday::of_date(date), Weekday::Sun);
    }
}
