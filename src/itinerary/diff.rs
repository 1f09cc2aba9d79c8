//! What a re-plan changed: bases added, removed or moved against the plan sent as `previous`.

use std::collections::HashMap;

use super::model::{Change, ChangeKind, DayPlan, EventKind};

/// What changed for each base between `previous` and the new `days`.
pub(crate) fn compare(previous: &[super::request::PreviousVisit], days: &[DayPlan]) -> Vec<Change> {
    let now: HashMap<&str, String> = days
        .iter()
        .flat_map(|d| d.events.iter().filter(|e| e.kind == EventKind::Visit).map(move |e| (e.base_id.as_deref().unwrap_or(""), format!("day {} {}", d.day, e.start))))
        .collect();
    let before: HashMap<&str, String> = previous.iter().map(|p| (p.base_id.as_str(), format!("day {} {}", p.day, p.start))).collect();
    let mut changes = Vec::new();
    for p in previous {
        match now.get(p.base_id.as_str()) {
            None => changes.push(Change { base_id: p.base_id.clone(), change: ChangeKind::Removed, before: before.get(p.base_id.as_str()).cloned(), after: None }),
            Some(after) if Some(after) != before.get(p.base_id.as_str()) => changes.push(Change {
                base_id: p.base_id.clone(),
                change: ChangeKind::Moved,
                before: before.get(p.base_id.as_str()).cloned(),
                after: Some(after.clone()),
            }),
            _ => {}
        }
    }
    for day in days {
        for e in day.events.iter().filter(|e| e.kind == EventKind::Visit) {
            let id = e.base_id.as_deref().unwrap_or("");
            if !before.contains_key(id) {
                changes.push(Change { base_id: id.to_string(), change: ChangeKind::Added, before: None, after: now.get(id).cloned() });
            }
        }
    }
    changes
}

