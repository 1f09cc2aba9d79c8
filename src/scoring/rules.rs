//! The rule book: the hard rules that keep a base out of any proposal, whatever its score.
//!
//! Matching, planning, the evaluation's violation count and the visit checks all ask
//! [`VisitRules::violation`]; no other code decides whether a base may be proposed. Matching
//! reads the base table's row and planning the whole record, so the rules read a base through
//! [`RuleSubject`].

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::table::BaseRow;
use crate::domain::{BaseKind, BaseStatus, CalendarDay, DelegationProfile, DivisionRegistry, ExchangeBase, HolidayCalendar, Taxonomy, VisitDays, Weekday};

/// Why a base was left out, whatever its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Not open to foreign visitors.
    Restricted,
    /// Not in the library: a candidate awaiting review, rejected, or suspended.
    NotActive,
    /// Its largest group is smaller than the delegation.
    GroupTooLarge,
    /// Closed on every day of the visit.
    ClosedOnVisitDays,
    /// On the delegation's avoid list.
    Avoided,
    /// Needs prior approval and has none valid on the visit dates.
    ApprovalMissing,
}

impl ExclusionReason {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ExclusionReason::Restricted => "restricted",
            ExclusionReason::NotActive => "not_active",
            ExclusionReason::GroupTooLarge => "group_too_large",
            ExclusionReason::ClosedOnVisitDays => "closed_on_visit_days",
            ExclusionReason::Avoided => "avoided",
            ExclusionReason::ApprovalMissing => "approval_missing",
        }
    }
}

/// What the hard rules read of a base.
pub trait RuleSubject {
    /// The base id.
    fn id(&self) -> &str;
    /// Whether it is closed to foreign visitors.
    fn restricted(&self) -> bool;
    /// Where it stands in screening.
    fn status(&self) -> BaseStatus;
    /// The largest group it receives.
    fn max_group_size(&self) -> u16;
    /// Whether its weekly hours open on `day`.
    fn opens_on(&self, day: Weekday) -> bool;
    /// Whether `date` is one of its closed dates.
    fn closed_on(&self, date: NaiveDate) -> bool;
    /// Whether it receives visitors on public holidays.
    fn opens_on_holidays(&self) -> bool;
    /// Whether it opens on `date`: not a closed date, and open under the official calendar.
    fn opens_on_date(&self, date: NaiveDate) -> bool {
        !self.closed_on(date) && HolidayCalendar::official().hours_weekday(date, self.opens_on_holidays(), |d| self.opens_on(d)).is_some()
    }
    /// Its kind.
    fn kind(&self) -> BaseKind;
    /// Its industry codes.
    fn industries(&self) -> &[String];
    /// Its division or zone code.
    fn division(&self) -> &str;
    /// `None` when a visit needs no approval; otherwise the last day of the approval on file
    /// (`None` inside: no approval on file).
    fn approval(&self) -> Option<Option<NaiveDate>>;
}

impl RuleSubject for BaseRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn restricted(&self) -> bool {
        self.restricted
    }
    fn status(&self) -> BaseStatus {
        self.status
    }
    fn max_group_size(&self) -> u16 {
        self.max_group_size
    }
    fn opens_on(&self, day: Weekday) -> bool {
        BaseRow::opens_on(self, day)
    }
    fn closed_on(&self, date: NaiveDate) -> bool {
        self.closed_dates.contains(&date)
    }
    fn opens_on_holidays(&self) -> bool {
        self.opens_on_holidays
    }
    fn kind(&self) -> BaseKind {
        self.kind
    }
    fn industries(&self) -> &[String] {
        &self.industries
    }
    fn division(&self) -> &str {
        &self.division
    }
    fn approval(&self) -> Option<Option<NaiveDate>> {
        self.approval
    }
}

impl RuleSubject for ExchangeBase {
    fn id(&self) -> &str {
        &self.id
    }
    fn restricted(&self) -> bool {
        self.restricted
    }
    fn status(&self) -> BaseStatus {
        ExchangeBase::status(self)
    }
    fn max_group_size(&self) -> u16 {
        self.max_group_size
    }
    fn opens_on(&self, day: Weekday) -> bool {
        self.opening_hours.is_open_on(day)
    }
    fn closed_on(&self, date: NaiveDate) -> bool {
        self.closed_dates.contains(&date)
    }
    fn opens_on_holidays(&self) -> bool {
        ExchangeBase::opens_on_holidays(self)
    }
    fn kind(&self) -> BaseKind {
        self.kind
    }
    fn industries(&self) -> &[String] {
        &self.industries
    }
    fn division(&self) -> &str {
        &self.location.division
    }
    fn approval(&self) -> Option<Option<NaiveDate>> {
        self.approval_required.then_some(self.approved_until)
    }
}

/// Today's date in Wenzhou (UTC+8).
fn today_in_wenzhou() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The hard rules as they apply to one delegation's visit.
#[derive(Debug, Clone)]
pub struct VisitRules<'a> {
    group_size: u16,
    avoid: HashSet<&'a str>,
    avoid_kinds: Vec<BaseKind>,
    /// Avoided industries (codes); a base in one of them or below one is avoided.
    avoid_industries: &'a [String],
    /// Avoided divisions, a county's zones included.
    avoid_divisions: HashSet<&'a str>,
    taxonomy: &'a Taxonomy,
    /// Bases whose approval the officers have arranged for this visit.
    approvals_arranged: HashSet<&'a str>,
    /// The day an approval must still be valid on: the visit's last date, or today for a visit
    /// given by weekdays only.
    approval_needed_until: NaiveDate,
    weekdays: Vec<Weekday>,
    dates: Vec<NaiveDate>,
}

impl<'a> VisitRules<'a> {
    /// The rules for `profile`'s delegation on its visit days. The profile's avoid lists are
    /// codes (a checked profile's are).
    pub fn of(profile: &'a DelegationProfile, taxonomy: &'a Taxonomy, divisions: &'a DivisionRegistry) -> VisitRules<'a> {
        let (weekdays, dates) = match &profile.visit {
            VisitDays::Dates(dates) => (dates.iter().map(|d| Weekday::of_date(*d)).collect(), dates.clone()),
            VisitDays::Weekdays(days) => (days.clone(), Vec::new()),
        };
        let avoided = |code: &str| profile.avoid_divisions.iter().any(|a| a == code);
        let avoid_divisions = if profile.avoid_divisions.is_empty() {
            HashSet::new()
        } else {
            divisions
                .all()
                .iter()
                .filter(|d| avoided(&d.code) || divisions.county_level(&d.code).is_some_and(|county| avoided(&county.code)))
                .map(|d| d.code.as_str())
                .collect()
        };
        VisitRules {
            group_size: profile.size,
            avoid: profile.avoid.iter().map(String::as_str).collect(),
            avoid_kinds: profile.avoid_kinds.iter().filter_map(|code| BaseKind::from_code(code)).collect(),
            avoid_industries: &profile.avoid_industries,
            avoid_divisions,
            taxonomy,
            approvals_arranged: profile.approvals_arranged.iter().map(String::as_str).collect(),
            approval_needed_until: dates.last().copied().unwrap_or_else(today_in_wenzhou),
            weekdays,
            dates,
        }
    }

    /// The rule `base` breaks for any delegation, whoever asks: closed to foreign visitors, or
    /// not active in the library.
    pub fn never_visitable(base: &impl RuleSubject) -> Option<(ExclusionReason, String)> {
        if base.restricted() {
            return Some((ExclusionReason::Restricted, "not open to foreign visitors".to_string()));
        }
        match base.status() {
            BaseStatus::Active => None,
            status => Some((ExclusionReason::NotActive, format!("not in the library: {} ({})", status.label_zh(), status.code()))),
        }
    }

    /// The first hard rule `base` breaks for this delegation, with a human detail.
    pub fn violation(&self, base: &impl RuleSubject) -> Option<(ExclusionReason, String)> {
        if let Some(broken) = VisitRules::never_visitable(base) {
            return Some(broken);
        }
        if self.avoid.contains(base.id()) {
            return Some((ExclusionReason::Avoided, "on the delegation's avoid list".to_string()));
        }
        if self.avoid_kinds.contains(&base.kind()) {
            return Some((ExclusionReason::Avoided, format!("the delegation avoids {} ({})", base.kind().label_en().to_lowercase(), base.kind().code())));
        }
        let avoided_industry = base.industries().iter().find_map(|code| self.avoid_industries.iter().find(|a| self.taxonomy.is_within(code, a)));
        if let Some(industry) = avoided_industry {
            return Some((ExclusionReason::Avoided, format!("the delegation avoids the industry `{industry}`")));
        }
        if self.avoid_divisions.contains(base.division()) {
            return Some((ExclusionReason::Avoided, format!("the delegation avoids the division `{}`", base.division())));
        }
        if let Some(approved_until) = base.approval()
            && !self.approvals_arranged.contains(base.id())
            && approved_until.is_none_or(|last| last < self.approval_needed_until)
        {
            let detail = match approved_until {
                None => "needs prior approval and none is on file; list it under approvals_arranged once arranged".to_string(),
                Some(last) => format!("its approval ends {last}, before the visit does ({}); list it under approvals_arranged once renewed", self.approval_needed_until),
            };
            return Some((ExclusionReason::ApprovalMissing, detail));
        }
        if base.max_group_size() < self.group_size {
            return Some((
                ExclusionReason::GroupTooLarge,
                format!("receives at most {} people; the delegation has {}", base.max_group_size(), self.group_size),
            ));
        }
        let open_some_day = if self.dates.is_empty() {
            self.weekdays.iter().any(|day| base.opens_on(*day))
        } else {
            self.dates.iter().any(|date| base.opens_on_date(*date))
        };
        if !open_some_day {
            let calendar = HolidayCalendar::official();
            let holidays: Vec<String> = self
                .dates
                .iter()
                .filter_map(|date| match calendar.day(*date) {
                    CalendarDay::PublicHoliday(h) if !base.opens_on_holidays() => Some(format!("{date} {} {}", h.name_zh, h.name_en)),
                    _ => None,
                })
                .collect();
            let detail = if holidays.is_empty() {
                "closed on every day of the visit".to_string()
            } else {
                format!("closed on every day of the visit; it does not open on public holidays ({})", holidays.join(", "))
            };
            return Some((ExclusionReason::ClosedOnVisitDays, detail));
        }
        None
    }
}
