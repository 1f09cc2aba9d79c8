//! The itinerary's checklist: what the officers must arrange before the visit that the plan
//! itself cannot settle. For now one rule (DOMAIN §5, rule 2): a base marked
//! `needs_local_consent` visited from a hotel in another county-level division needs the
//! consent of that division's authority.

use super::model::{ChecklistItem, DayPlan, EventKind};
use crate::domain::{DivisionRegistry, ExchangeBase, Hotel};

/// The consent lines of `days`: each visit to a base that needs local consent, when the day's
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
        for event in day.events.iter().filter(|e| e.kind == EventKind::Visit) {
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
                base_id: base.id.clone(),
                zh: format!("第{}天参观{}：须征得{}同意（代表团住在区外）", day.day, base.name_zh, zh),
                en: format!("Day {}: visiting {} needs the consent of {} (the delegation stays elsewhere)", day.day, base.name_en.as_deref().unwrap_or(&base.name_zh), en),
            });
        }
    }
    items
}
