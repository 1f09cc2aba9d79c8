//! The itinerary's checklist: what the officers must arrange before the visit that the plan
//! itself cannot settle. A base marked `needs_local_consent` visited from a hotel in another
//! county-level division needs the consent of that division's authority (DOMAIN §5, rule 2);
//! a meal no venue was found for must be arranged, and allergies passed on to every kitchen;
//! dates in a year whose official holidays are not yet in the calendar must be checked against
//! the State Council's notice.

use super::model::{ChecklistItem, DayPlan, EventKind};
use chrono::Datelike;

use crate::domain::{diets_text, Diet, DivisionRegistry, ExchangeBase, HolidayCalendar, Hotel};

/// The consent lines of `days`: each visit to (or meal at) a base that needs local consent, when the day's
/// hotels (where the group starts and where it sleeps) lie in another county-level division.
/// A hotel given as a point has no known division, so such a visit is always listed.
pub fn local_consent(days: &[DayPlan], hotels: &[(Hotel, Hotel)], bases: &[&ExchangeBase], divisions: &DivisionRegistry) -> Vec<ChecklistItem> {
    let county = |code: &str| divisions.county_level(code).map(|d| d.code.clone());
    let hotel_county = |hotel: &Hotel| match hotel {
        Hotel::Division { division } => county(division),
        Hotel::Point { .. } => None,
    };
    let mut items = Vec::new();
    for (day, (start, night)) in days.iter().zip(hotels) {
        let hosts = [hotel_county(start), hotel_county(night)];
        // A meal at a venue takes the group there as surely as a visit does.
        for event in day.events.iter().filter(|e| matches!(e.kind, EventKind::Visit | EventKind::Lunch | EventKind::Banquet)) {
            let Some(base) = event.base_id.as_deref().and_then(|id| bases.iter().find(|b| b.id == id)) else { continue };
            let base_county = county(&base.location.division);
            if !base.needs_local_consent || (base_county.is_some() && hosts.contains(&base_county)) {
                continue;
            }
            let division = divisions.get(&base.location.division);
            let (zh, en) = division.map_or((base.location.division.clone(), base.location.division.clone()), |d| (d.zh.clone(), d.en.clone()));
            items.push(ChecklistItem {
                code: "local_consent".into(),
                day: day.day,
                base_id: Some(base.id.clone()),
                zh: if event.kind == EventKind::Visit {
                    format!("第{}天参观{}：须征得{}同意（代表团住在区外）", day.day, base.name_zh, zh)
                } else {
                    format!("第{}天在{}用餐：须征得{}同意（代表团住在区外）", day.day, base.name_zh, zh)
                },
                en: format!(
                    "Day {}: {} {} needs the consent of {} (the delegation stays elsewhere)",
                    day.day,
                    if event.kind == EventKind::Visit { "visiting" } else { "a meal at" },
                    base.name_en.as_deref().unwrap_or(&base.name_zh),
                    en
                ),
            });
        }
    }
    items
}

/// One line per visit year the official calendar does not cover yet: its holidays and adjusted
/// working days were planned as ordinary days and must be checked by hand.
pub fn calendar_unconfirmed(days: &[DayPlan]) -> Vec<ChecklistItem> {
    let calendar = HolidayCalendar::official();
    let mut items = Vec::new();
    let mut years_listed = Vec::new();
    for day in days {
        let Some(date) = day.date.filter(|date| !calendar.covers(*date)) else { continue };
        let year = date.year();
        if years_listed.contains(&year) {
            continue;
        }
        years_listed.push(year);
        items.push(ChecklistItem {
            code: "calendar_unconfirmed".into(),
            day: day.day,
            base_id: None,
            zh: format!("第{}天起的日期在{year}年：本系统尚未收录{year}年节假日安排，日程按平常周几排定，请对照国务院办公厅通知核对", day.day),
            en: format!("From day {}, dates fall in {year}, whose official holidays are not yet in the calendar: the plan treats them as ordinary weekdays; check them against the State Council notice", day.day),
        });
    }
    items
}

/// The meals to see to when the delegation has dietary needs or allergies: each lunch or
/// banquet held where no venue declaring every need was found, and the allergies to pass on
/// to every kitchen.
pub fn meals(days: &[DayPlan], diets: &[Diet], allergies: Option<&str>) -> Vec<ChecklistItem> {
    let mut items = Vec::new();
    if !diets.is_empty() {
        let (diet_zh, diet_en) = diets_text(diets);
        for day in days {
            for event in day.events.iter().filter(|e| matches!(e.kind, EventKind::Lunch | EventKind::Banquet) && e.base_id.is_none()) {
                let (meal_zh, meal_en) = if event.kind == EventKind::Lunch { ("午餐", "lunch") } else { ("宴请", "the banquet") };
                items.push(ChecklistItem {
                    code: "meal_unmet".into(),
                    day: day.day,
                    base_id: None,
                    zh: format!("第{}天{meal_zh}（{}）：附近没有声明可提供{diet_zh}餐食的接待点，请另行安排", day.day, event.start),
                    en: format!("Day {}, {meal_en} at {}: no venue nearby declares {diet_en} meals; arrange them separately", day.day, event.start),
                });
            }
        }
    }
    if let Some(allergies) = allergies {
        items.push(ChecklistItem {
            code: "allergies".into(),
            day: days.first().map_or(1, |d| d.day),
            base_id: None,
            zh: format!("餐饮过敏及禁忌，请提前告知每一处用餐场所：{allergies}"),
            en: format!("Tell every kitchen beforehand about allergies and restrictions: {allergies}"),
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{parse_records, RecordFormat, EMBEDDED_BASES};
    use crate::domain::{Taxonomy, Weekday};

    fn event(kind: EventKind, base_id: &str) -> super::super::model::Event {
        super::super::model::Event {
            kind,
            start: "12:00".into(),
            end: "13:00".into(),
            minutes: 60,
            title_zh: String::new(),
            title_en: String::new(),
            place_zh: String::new(),
            place_en: String::new(),
            base_id: Some(base_id.into()),
            division: None,
            lat: 0.0,
            lon: 0.0,
            opening_hours: None,
            score: None,
            wait_minutes: None,
            reason_zh: None,
            reason_en: None,
            locked: false,
        }
    }

    #[test]
    fn a_meal_at_a_venue_that_needs_consent_is_on_the_checklist_like_a_visit() {
        let divisions = DivisionRegistry::embedded();
        let mut bases = parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &Taxonomy::embedded(), &divisions).unwrap();
        // A Ruian university canteen that, here, needs the local authority's consent.
        let venue = bases.iter_mut().find(|b| b.id == "ruian-019").unwrap();
        venue.needs_local_consent = true;
        let venue = venue.clone();
        let day = |kind| DayPlan {
            day: 1,
            date: None,
            weekday: Weekday::Tue,
            calendar: None,
            cluster: None,
            start_hotel: String::new(),
            end_hotel: String::new(),
            events: vec![event(kind, "ruian-019")],
            visits: 0,
            travel_minutes: 0,
            slack_minutes: 0,
        };
        let lucheng = Hotel::Division { division: "lucheng".into() };
        let ruian = Hotel::Division { division: "ruian".into() };
        for kind in [EventKind::Visit, EventKind::Lunch, EventKind::Banquet] {
            let items = local_consent(&[day(kind)], &[(lucheng.clone(), lucheng.clone())], &[&venue], &divisions);
            assert_eq!(items.len(), 1, "{kind:?}");
            assert!(items[0].zh.contains("瑞安"), "{}", items[0].zh);
            // Staying in Ruian itself needs no consent.
            assert!(local_consent(&[day(kind)], &[(ruian.clone(), ruian.clone())], &[&venue], &divisions).is_empty());
        }
        assert!(local_consent(&[day(EventKind::Travel)], &[(lucheng.clone(), lucheng)], &[&venue], &divisions).is_empty(), "a drive is no visit");
    }
}
