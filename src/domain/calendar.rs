//! The official calendar of working days: public holidays (法定节假日) and the weekend days
//! worked in their place (调休上班), and the one rule for which hours a base keeps on a date.
//!
//! The data is `fixtures/calendar/public_holidays.csv`, compiled in; adding a year is adding
//! its lines there. Dates in a year the file does not cover are treated as ordinary weekdays,
//! and [`HolidayCalendar::covers`] lets callers say so.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::Weekday;

const EMBEDDED_HOLIDAYS: &str = include_str!("../../fixtures/calendar/public_holidays.csv");

/// One holiday of a year's notice, e.g. 2026's National Day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// Chinese name, e.g. 国庆节.
    pub name_zh: String,
    /// English name, e.g. National Day.
    pub name_en: String,
}

/// What the official calendar makes of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarDay<'a> {
    /// An ordinary day: Monday to Friday work, the weekend off.
    Ordinary,
    /// A day off for a public holiday, whatever its weekday.
    PublicHoliday(&'a Holiday),
    /// A weekend day worked in exchange for a holiday.
    AdjustedWorkday(&'a Holiday),
}

/// How a date differs from an ordinary one, for people reading an itinerary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CalendarNote {
    /// `public_holiday` or `adjusted_workday`.
    pub kind: CalendarNoteKind,
    /// The holiday's Chinese name, e.g. 国庆节.
    pub name_zh: String,
    /// The holiday's English name.
    pub name_en: String,
    /// One line in Chinese, e.g. 国庆节假期：机关企业休息，景区场馆照常开放.
    pub description_zh: String,
    /// The same line in English.
    pub description_en: String,
}

/// The two ways a date can differ from an ordinary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CalendarNoteKind {
    /// A public holiday.
    PublicHoliday,
    /// A weekend day worked for a holiday.
    AdjustedWorkday,
}

/// Public holidays and adjusted working days by date.
#[derive(Debug, Clone)]
pub struct HolidayCalendar {
    holidays: Vec<Holiday>,
    /// Date → (index into `holidays`, whether it is a day off).
    days: BTreeMap<NaiveDate, (usize, bool)>,
    /// Years whose notice is in the file.
    years: Vec<i32>,
}

impl HolidayCalendar {
    /// The calendar compiled into the program.
    pub fn official() -> &'static HolidayCalendar {
        static CALENDAR: OnceLock<HolidayCalendar> = OnceLock::new();
        CALENDAR.get_or_init(|| HolidayCalendar::parse(EMBEDDED_HOLIDAYS).expect("the embedded holiday calendar is valid"))
    }

    /// Reads the calendar's CSV: `year,name_zh,name_en,first,last,workdays`, `#` comments.
    pub fn parse(text: &str) -> Result<HolidayCalendar, String> {
        let mut calendar = HolidayCalendar { holidays: Vec::new(), days: BTreeMap::new(), years: Vec::new() };
        let mut lines = text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'));
        match lines.next() {
            Some((_, header)) if header.trim() == "year,name_zh,name_en,first,last,workdays" => {}
            _ => return Err("the first line must be `year,name_zh,name_en,first,last,workdays`".into()),
        }
        for (number, line) in lines {
            let at = |message: String| format!("line {}: {message}", number + 1);
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let [year, name_zh, name_en, first, last, workdays] = cells[..] else {
                return Err(at(format!("expected 6 cells, found {}", cells.len())));
            };
            let year: i32 = year.parse().map_err(|_| at(format!("`{year}` is not a year")))?;
            let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| at(format!("`{text}` is not a date (YYYY-MM-DD)")));
            let (first, last) = (date(first)?, date(last)?);
            if last < first || (last - first).num_days() > 14 {
                return Err(at(format!("{first}..{last} is not a holiday of at most 15 days")));
            }
            let index = calendar.holidays.len();
            calendar.holidays.push(Holiday { name_zh: name_zh.to_string(), name_en: name_en.to_string() });
            for day in first.iter_days().take_while(|d| *d <= last) {
                if calendar.days.insert(day, (index, true)).is_some() {
                    return Err(at(format!("{day} is listed twice")));
                }
            }
            for text in workdays.split('|').filter(|t| !t.is_empty()) {
                let day = date(text)?;
                if day.weekday().num_days_from_monday() < 5 {
                    return Err(at(format!("{day} is a weekday; only a weekend day can be worked in exchange")));
                }
                if calendar.days.insert(day, (index, false)).is_some() {
                    return Err(at(format!("{day} is listed twice")));
                }
            }
            if !calendar.years.contains(&year) {
                calendar.years.push(year);
            }
        }
        Ok(calendar)
    }

    /// Whether the notices that can decide `date` are in the calendar: its year's, and for the
    /// last week of December also the next year's (a notice may move the last days of the year
    /// before, as 2019's did with 29–31 December 2018).
    pub fn covers(&self, date: NaiveDate) -> bool {
        let late_december = date.month() == 12 && date.day() > 24;
        self.years.contains(&date.year()) && (!late_december || self.years.contains(&(date.year() + 1)))
    }

    /// The years covered, in order.
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    /// What the calendar makes of `date`.
    pub fn day(&self, date: NaiveDate) -> CalendarDay<'_> {
        match self.days.get(&date) {
            None => CalendarDay::Ordinary,
            Some(&(holiday, true)) => CalendarDay::PublicHoliday(&self.holidays[holiday]),
            Some(&(holiday, false)) => CalendarDay::AdjustedWorkday(&self.holidays[holiday]),
        }
    }

    /// The weekday whose hours a base keeps on `date`, or `None` when the calendar closes it.
    ///
    /// The rule, decided here only: on an ordinary day a base keeps that weekday's hours. On a
    /// public holiday a base that opens on holidays (sites and museums usually do) keeps that
    /// weekday's hours, or its Sunday's, or its Saturday's when it has none that weekday; any
    /// other base is closed. An adjusted working day is a working day: a base keeps that
    /// weekend day's hours if it has any, otherwise its hours of the first weekday it opens.
    pub fn hours_weekday(&self, date: NaiveDate, opens_on_holidays: bool, opens_on: impl Fn(Weekday) -> bool) -> Option<Weekday> {
        let weekday = Weekday::of_date(date);
        let first_open = |days: &[Weekday]| days.iter().copied().find(|d| opens_on(*d));
        match self.day(date) {
            CalendarDay::Ordinary => opens_on(weekday).then_some(weekday),
            CalendarDay::PublicHoliday(_) if !opens_on_holidays => None,
            CalendarDay::PublicHoliday(_) => first_open(&[weekday, Weekday::Sun, Weekday::Sat]),
            CalendarDay::AdjustedWorkday(_) => first_open(&[weekday, Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]),
        }
    }

    /// A note for people reading a plan on `date`, when the date is not an ordinary one.
    pub fn note(&self, date: NaiveDate) -> Option<CalendarNote> {
        let (kind, holiday, zh, en) = match self.day(date) {
            CalendarDay::Ordinary => return None,
            CalendarDay::PublicHoliday(h) => (
                CalendarNoteKind::PublicHoliday,
                h,
                format!("{}假期：机关、企业和学校休息，景区和场馆多照常开放", h.name_zh),
                format!("{} holiday: offices, companies and schools are closed; sites and museums mostly open", h.name_en),
            ),
            CalendarDay::AdjustedWorkday(h) => (
                CalendarNoteKind::AdjustedWorkday,
                h,
                format!("{}调休上班日：按工作日安排", h.name_zh),
                format!("worked in exchange for the {} holiday: a working day", h.name_en),
            ),
        };
        Some(CalendarNote { kind, name_zh: holiday.name_zh.clone(), name_en: holiday.name_en.clone(), description_zh: zh, description_en: en })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_embedded_calendar_reads_and_covers_every_year_of_the_data() {
        let calendar = HolidayCalendar::official();
        assert_eq!(calendar.years(), &[2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]);
        assert!(!calendar.covers(date("2027-10-01")));
        assert!(calendar.covers(date("2026-12-24")));
        assert!(!calendar.covers(date("2026-12-28")), "the 2027 notice may still move the last days of 2026");
        // Every year has its seven festivals (some notices join two into one line).
        for year in calendar.years() {
            let names: String = calendar
                .days
                .iter()
                .filter(|(d, _)| d.year() == *year)
                .map(|(_, (h, _))| calendar.holidays[*h].name_zh.as_str())
                .collect();
            for festival in ["元旦", "春节", "清明", "劳动", "端午", "中秋", "国庆"] {
                assert!(names.contains(festival), "{year} lacks {festival}");
            }
        }
    }

    #[test]
    fn national_day_is_a_holiday_and_its_weekend_swaps_are_working_days() {
        let calendar = HolidayCalendar::official();
        assert!(matches!(calendar.day(date("2026-10-01")), CalendarDay::PublicHoliday(h) if h.name_zh == "国庆节"));
        assert!(matches!(calendar.day(date("2026-10-07")), CalendarDay::PublicHoliday(_)));
        assert_eq!(calendar.day(date("2026-10-08")), CalendarDay::Ordinary);
        // Saturday 10 October 2026 and Sunday 20 September 2026 are worked.
        assert!(matches!(calendar.day(date("2026-10-10")), CalendarDay::AdjustedWorkday(_)));
        assert!(matches!(calendar.day(date("2026-09-20")), CalendarDay::AdjustedWorkday(_)));
        // The 2020 Spring Festival ran to 2 February after its extension.
        assert!(matches!(calendar.day(date("2020-02-02")), CalendarDay::PublicHoliday(_)));
    }

    #[test]
    fn which_hours_a_base_keeps() {
        let calendar = HolidayCalendar::official();
        let office = |d: Weekday| !matches!(d, Weekday::Sat | Weekday::Sun);
        let museum = |d: Weekday| d != Weekday::Mon;
        // Thursday 1 October 2026: the office is closed, the museum keeps its Thursday hours.
        assert_eq!(calendar.hours_weekday(date("2026-10-01"), false, office), None);
        assert_eq!(calendar.hours_weekday(date("2026-10-01"), true, museum), Some(Weekday::Thu));
        // Monday 5 October 2026: a museum closed on Mondays opens with its Sunday hours.
        assert_eq!(calendar.hours_weekday(date("2026-10-05"), true, museum), Some(Weekday::Sun));
        // Saturday 10 October 2026 is worked: the office opens with its Monday hours.
        assert_eq!(calendar.hours_weekday(date("2026-10-10"), false, office), Some(Weekday::Mon));
        assert_eq!(calendar.hours_weekday(date("2026-10-10"), true, museum), Some(Weekday::Sat));
        // An ordinary Saturday.
        assert_eq!(calendar.hours_weekday(date("2026-10-17"), false, office), None);
        // A year the calendar does not cover: weekdays only.
        assert_eq!(calendar.hours_weekday(date("2027-10-01"), false, office), Some(Weekday::Fri));
    }

    #[test]
    fn a_wrong_line_is_named() {
        let header = "year,name_zh,name_en,first,last,workdays\n";
        let error = HolidayCalendar::parse(&format!("{header}2026,国庆节,National Day,2026-10-01,2026-10-07,2026-10-09\n")).unwrap_err();
        assert!(error.contains("line 2") && error.contains("2026-10-09 is a weekday"), "{error}");
        let error = HolidayCalendar::parse(&format!("{header}2026,国庆节,National Day,2026-10-01,2026-13-07,\n")).unwrap_err();
        assert!(error.contains("line 2") && error.contains("2026-13-07"), "{error}");
    }
}
