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

    /// Reads opening hours as an office writes them: the compact form, or the Chinese one, e.g.
    /// `周一至周五 8:30-11:30、13:30-17:00；周六 9:00-12:00`, `每天 9:00-17:00；周一闭馆`,
    /// `工作日 9:00-17:00`, `周六日 9:30-16:30`.
    pub fn parse_written(text: &str) -> Result<Self, String> {
        let compact = OpeningHours::parse_compact(text);
        if compact.is_ok() || text.is_ascii() {
            return compact;
        }
        parse_chinese_hours(text)
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

/// Words that close the days before them (`周一闭馆`).
const CLOSED_WORDS: [&str; 7] = ["闭馆", "休馆", "闭园", "休息", "不开放", "关闭", "休"];

fn parse_chinese_hours(text: &str) -> Result<OpeningHours, String> {
    let text = text.replace('：', ":").replace(['；', '\n', '。'], ";").replace(['～', '~', '—', '－', '–'], "-");
    let mut days: BTreeMap<Weekday, Vec<TimeRange>> = BTreeMap::new();
    let mut closed = Vec::new();
    for clause in text.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        let (spec, times) = clause.split_at(clause.find(|c: char| c.is_ascii_digit()).unwrap_or(clause.len()));
        let spec = spec.trim().trim_end_matches([':', ',', '，', '、']).trim();
        if times.trim().is_empty() {
            let Some(word) = CLOSED_WORDS.iter().find(|w| spec.ends_with(**w)) else {
                return Err(format!("`{clause}` gives no hours; write e.g. 周一至周五 8:30-17:00"));
            };
            closed.extend(chinese_days(spec.trim_end_matches(word))?);
            continue;
        }
        let ranges = times
            .split([',', '、', '，', ' '])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(loose_range)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("`{clause}`: {e}"))?;
        let on = if spec.is_empty() { Weekday::ALL.to_vec() } else { chinese_days(spec)? };
        for day in on {
            days.entry(day).or_default().extend(ranges.iter().copied());
        }
    }
    if days.is_empty() {
        // `周一闭馆` alone says when the base is closed, not when it is open.
        return Err(format!("`{text}` gives no opening hours; write e.g. 每天 9:00-17:00；周一闭馆"));
    }
    for day in closed {
        days.remove(&day);
    }
    OpeningHours::from_days(days)
}

/// `8:30-11:30`, `8:30至11:30`, `08:30-11:30`.
fn loose_range(text: &str) -> Result<TimeRange, String> {
    let (open, close) = text.split_once(['-', '至', '到']).ok_or_else(|| format!("`{text}` is not a time range like 8:30-17:00"))?;
    let clock = |t: &str| -> Result<ClockTime, String> {
        let t = t.trim();
        if t.len() == 4 && t.as_bytes()[1] == b':' { format!("0{t}").parse() } else { t.parse() }
    };
    let (open, close) = (clock(open)?, clock(close)?);
    if close <= open {
        return Err(format!("`{text}` closes before it opens"));
    }
    Ok(TimeRange { open, close })
}

/// The days of `每天`, `工作日`, `周末`, `周一至周五`, `星期一到星期三`, `周一、周三`, `周六日`.
fn chinese_days(spec: &str) -> Result<Vec<Weekday>, String> {
    let spec = spec.trim().replace("星期", "周").replace("礼拜", "周");
    // `每周一` is `周一`.
    let spec = match spec.strip_prefix("每周") {
        Some(rest) if !rest.is_empty() => format!("周{rest}"),
        _ => spec,
    };
    match spec.as_str() {
        "每天" | "每日" | "全天" | "天天" | "全年" | "全周" | "每周" => return Ok(Weekday::ALL.to_vec()),
        "工作日" => return Ok(Weekday::ALL[..5].to_vec()),
        "周末" | "双休日" => return Ok(Weekday::ALL[5..].to_vec()),
        _ => {}
    }
    let day = |c: char| -> Option<Weekday> {
        let index = "一二三四五六日".find(c).map(|byte| byte / 3).or_else(|| (c == '天').then_some(6))?;
        Some(Weekday::ALL[index])
    };
    let token = |part: &str| -> Result<Vec<Weekday>, String> {
        let rest = part.trim().strip_prefix('周').ok_or_else(|| format!("`{part}` is not a day; write 周一 … 周日, 每天, 工作日 or 周末"))?;
        let days: Option<Vec<Weekday>> = rest.chars().map(day).collect();
        days.filter(|d| !d.is_empty()).ok_or_else(|| format!("`{part}` is not a day; write 周一 … 周日"))
    };
    let mut out = Vec::new();
    for part in spec.split(['、', ',', '，', '和', '及']).map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once(['至', '到', '-']) {
            Some((from, to)) => {
                let (from, to) = (token(from)?[0], token(if to.starts_with('周') { to.to_string() } else { format!("周{to}") }.as_str())?[0]);
                if to < from {
                    return Err(format!("`{part}` runs backwards"));
                }
                out.extend(Weekday::ALL.into_iter().filter(|d| *d >= from && *d <= to));
            }
            None => out.extend(token(part)?),
        }
    }
    Ok(out)
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
    fn reads_hours_as_offices_write_them_in_chinese() {
        let hours = OpeningHours::parse_written("周一至周五 8:30-11:30、13:30-17:00；周六 9:00-12:00").unwrap();
        assert_eq!(hours, OpeningHours::parse_compact("mon-fri 08:30-11:30,13:30-17:00; sat 09:00-12:00").unwrap());
        let hours = OpeningHours::parse_written("每天 9:00-17:00；周一闭馆").unwrap();
        assert_eq!(hours, OpeningHours::parse_compact("tue-sun 09:00-17:00").unwrap());
        assert_eq!(OpeningHours::parse_written("星期一到星期三：9:00至16:00").unwrap(), OpeningHours::parse_compact("mon-wed 09:00-16:00").unwrap());
        assert_eq!(OpeningHours::parse_written("周六日 9:30-16:30").unwrap(), OpeningHours::parse_compact("sat-sun 09:30-16:30").unwrap());
        assert_eq!(OpeningHours::parse_written("工作日 9:00-17:00").unwrap(), OpeningHours::parse_compact("mon-fri 09:00-17:00").unwrap());
        assert_eq!(OpeningHours::parse_written("每天 9:00-17:00；每周一闭馆").unwrap(), OpeningHours::parse_compact("tue-sun 09:00-17:00").unwrap());
        for bad in ["周八 9:00-17:00", "周一至周五", "周一至周五 17:00-9:00", "随时", "周一闭馆"] {
            assert!(OpeningHours::parse_written(bad).is_err(), "{bad} accepted");
        }
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
