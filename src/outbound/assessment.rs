//! The assessment of trips abroad (出访成果绩效考核): what reported trips achieved, grouped by
//! route, theme, country, department or year.
//!
//! Per group: the trips reported, member-days abroad (members × days), the share of tasks met
//! (met 1, partly ½, not met 0, over every task of every trip), agreements and follow-up
//! projects per member-day, and the days used against the days the rules allow (the cap for
//! each trip's number of countries). A trip to two countries counts in both countries' rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::data::OutboundReference;
use crate::domain::{OutboundRoute, Relations, Theme, TripRecord};

/// How the assessment is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessBy {
    /// By outbound route (trips with free stops form their own group).
    #[default]
    Route,
    /// By the route's theme.
    Theme,
    /// By country visited.
    Country,
    /// By department.
    Department,
    /// By year of departure.
    Year,
}

/// One group's results.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssessmentRow {
    /// The group's code (route id, theme, country code, department or year).
    pub group: String,
    /// Its name in Chinese.
    pub label_zh: String,
    /// Its name in English.
    pub label_en: String,
    /// Trips reported.
    pub trips: usize,
    /// Members × days abroad, summed.
    pub member_days: u32,
    /// Tasks reported on.
    pub tasks: usize,
    /// Share of tasks met (partly counts half), 0–1.
    pub tasks_met_share: f64,
    /// Agreements signed.
    pub agreements: u32,
    /// Follow-up projects.
    pub follow_ups: u32,
    /// Agreements per member-day.
    pub agreements_per_member_day: f64,
    /// Follow-up projects per member-day.
    pub follow_ups_per_member_day: f64,
    /// Days abroad used.
    pub days_used: u32,
    /// Days the rules allow these trips.
    pub days_allowed: u32,
}

/// The groups of the reported trips among `trips`, best share of tasks met first.
pub fn assess(trips: &[TripRecord], by: AssessBy, routes: &[OutboundRoute], themes: &[Theme], reference: &OutboundReference, relations: &Relations) -> Vec<AssessmentRow> {
    let mut groups: BTreeMap<String, (String, String, Vec<&TripRecord>)> = BTreeMap::new();
    for trip in trips.iter().filter(|t| t.report.is_some()) {
        let route = trip.application.route.as_ref().and_then(|id| routes.iter().find(|r| &r.id == id));
        let keys: Vec<(String, String, String)> = match by {
            AssessBy::Route => vec![match route {
                Some(r) => (r.id.clone(), r.title_zh.clone(), r.title_en.clone()),
                None => ("free".into(), "自定行程".into(), "own stops".into()),
            }],
            AssessBy::Theme => vec![match route.and_then(|r| themes.iter().find(|t| t.code == r.theme)) {
                Some(t) => (t.code.clone(), t.zh.clone(), t.en.clone()),
                None => ("none".into(), "无主题".into(), "no theme".into()),
            }],
            AssessBy::Country => countries(trip, route)
                .into_iter()
                .map(|code| {
                    let (zh, en) = relations.country(&code).map_or((code.clone(), code.clone()), |c| (c.zh.clone(), c.en.clone()));
                    (code, zh, en)
                })
                .collect(),
            AssessBy::Department => vec![(trip.application.department.clone(), trip.application.department.clone(), trip.application.department.clone())],
            AssessBy::Year => {
                let year = trip.application.departs.format("%Y").to_string();
                vec![(year.clone(), format!("{year}年"), year)]
            }
        };
        for (code, zh, en) in keys {
            groups.entry(code).or_insert_with(|| (zh, en, Vec::new())).2.push(trip);
        }
    }
    let mut rows: Vec<AssessmentRow> = groups
        .into_iter()
        .map(|(group, (label_zh, label_en, trips))| {
            let mut row = AssessmentRow {
                group,
                label_zh,
                label_en,
                trips: trips.len(),
                member_days: 0,
                tasks: 0,
                tasks_met_share: 0.0,
                agreements: 0,
                follow_ups: 0,
                agreements_per_member_day: 0.0,
                follow_ups_per_member_day: 0.0,
                days_used: 0,
                days_allowed: 0,
            };
            let mut met = 0.0;
            for trip in trips {
                let report = trip.report.as_ref().expect("reported trips only");
                let days = trip.application.days().max(0) as u32;
                row.member_days += days * trip.application.members.len() as u32;
                row.days_used += days;
                let route = trip.application.route.as_ref().and_then(|id| routes.iter().find(|r| &r.id == id));
                let caps = &reference.rules.max_days_by_countries;
                let n = countries(trip, route).len().max(1);
                row.days_allowed += u32::from(caps.get(n - 1).or(caps.last()).copied().unwrap_or(0));
                row.tasks += report.tasks.len();
                met += report.tasks.iter().map(|t| t.result.weight()).sum::<f64>();
                row.agreements += u32::from(report.agreements);
                row.follow_ups += u32::from(report.follow_ups);
            }
            if row.tasks > 0 {
                row.tasks_met_share = met / row.tasks as f64;
            }
            if row.member_days > 0 {
                row.agreements_per_member_day = f64::from(row.agreements) / f64::from(row.member_days);
                row.follow_ups_per_member_day = f64::from(row.follow_ups) / f64::from(row.member_days);
            }
            row
        })
        .collect();
    rows.sort_by(|a, b| b.tasks_met_share.total_cmp(&a.tasks_met_share).then(b.trips.cmp(&a.trips)).then(a.group.cmp(&b.group)));
    rows
}

/// The countries a trip visits, each once, in order.
fn countries(trip: &TripRecord, route: Option<&OutboundRoute>) -> Vec<String> {
    let mut codes: Vec<String> = if trip.application.stops.is_empty() {
        route.map(|r| vec![r.country.clone()]).unwrap_or_default()
    } else {
        trip.application.stops.iter().map(|s| s.country.clone()).collect()
    };
    let mut seen = std::collections::HashSet::new();
    codes.retain(|c| seen.insert(c.clone()));
    codes
}

/// The assessment as the office files it: a workbook with one bilingual row per group.
pub fn assessment_workbook(rows: &[AssessmentRow], by: AssessBy) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let (by_zh, by_en) = match by {
        AssessBy::Route => ("线路", "route"),
        AssessBy::Theme => ("主题", "theme"),
        AssessBy::Country => ("国家", "country"),
        AssessBy::Department => ("单位", "department"),
        AssessBy::Year => ("年度", "year"),
    };
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("出访成果绩效考核")?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_text_wrap().set_background_color("#E6E6E6").set_border(FormatBorder::Thin);
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let percent = Format::new().set_num_format("0.0%").set_border(FormatBorder::Thin);
    let ratio = Format::new().set_num_format("0.000").set_border(FormatBorder::Thin);
    sheet.write_with_format(0, 0, format!("出访成果绩效考核（按{by_zh}）"), &title)?;
    sheet.write(1, 0, format!("Assessment of trips abroad, by {by_en}"))?;
    let headers = [
        "名称", "Name", "团组数 Trips", "人天 Member-days", "任务数 Tasks", "任务达成率 Tasks met", "签署协议 Agreements",
        "后续项目 Follow-ups", "每人天协议 Agreements per member-day", "每人天项目 Follow-ups per member-day", "在外天数 Days used", "规定天数 Days allowed",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_with_format(3, column as u16, *header, &head)?;
        sheet.set_column_width(column as u16, if column < 2 { 30.0 } else { 14.0 })?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_with_format(r, 0, &row.label_zh, &cell)?;
        sheet.write_with_format(r, 1, &row.label_en, &cell)?;
        for (column, value) in [(2, row.trips as f64), (3, f64::from(row.member_days)), (4, row.tasks as f64), (6, f64::from(row.agreements)), (7, f64::from(row.follow_ups)), (10, f64::from(row.days_used)), (11, f64::from(row.days_allowed))] {
            sheet.write_with_format(r, column, value, &cell)?;
        }
        sheet.write_with_format(r, 5, row.tasks_met_share, &percent)?;
        sheet.write_with_format(r, 8, row.agreements_per_member_day, &ratio)?;
        sheet.write_with_format(r, 9, row.follow_ups_per_member_day, &ratio)?;
    }
    sheet.set_freeze_panes(4, 0)?;
    workbook.save_to_buffer()
}
