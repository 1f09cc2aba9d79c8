//! Hard rules: bases that must never be proposed to a delegation, with a reason code.

use serde::Serialize;
use utoipa::ToSchema;

use super::profile::ProfileSignals;
use super::table::BaseRow;

/// Why a base was left out, whatever its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Not open to foreign visitors.
    Restricted,
    /// Its largest group is smaller than the delegation.
    GroupTooLarge,
    /// Closed on every day of the visit.
    ClosedOnVisitDays,
    /// On the delegation's avoid list.
    Avoided,
}

impl ExclusionReason {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ExclusionReason::Restricted => "restricted",
            ExclusionReason::GroupTooLarge => "group_too_large",
            ExclusionReason::ClosedOnVisitDays => "closed_on_visit_days",
            ExclusionReason::Avoided => "avoided",
        }
    }
}

/// The first hard rule `row` breaks for this delegation, with a human detail.
pub fn violation(row: &BaseRow, signals: &ProfileSignals, group_size: u16, avoid: &[String]) -> Option<(ExclusionReason, String)> {
    if row.restricted {
        return Some((ExclusionReason::Restricted, "not open to foreign visitors".to_string()));
    }
    if avoid.iter().any(|id| id == &row.id) {
        return Some((ExclusionReason::Avoided, "on the delegation's avoid list".to_string()));
    }
    if row.max_group_size < group_size {
        return Some((
            ExclusionReason::GroupTooLarge,
            format!("receives at most {} people; the delegation has {group_size}", row.max_group_size),
        ));
    }
    let open_some_day = if signals.dates.is_empty() {
        signals.weekdays.iter().any(|day| row.opens_on(*day))
    } else {
        signals.dates.iter().any(|date| row.opens_on(crate::domain::Weekday::of_date(*date)) && !row.closed_dates.contains(date))
    };
    if !open_some_day {
        return Some((ExclusionReason::ClosedOnVisitDays, "closed on every day of the visit".to_string()));
    }
    None
}
