//! Exports of an itinerary: an ICS calendar, a CSV table, a printable bilingual HTML page with
//! the office's columns (日期 / 时间 / 活动内容 / 地点 / 陪同人员), and GeoJSON of the routes.

use std::fmt::Write;

use serde_json::{json, Value};

use super::model::{EventKind, Itinerary};
use crate::domain::{FieldCode, FieldError};
use crate::Error;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// The itinerary as JSON.
    Json,
    /// iCalendar (RFC 5545), one event per activity; needs dates.
    Ics,
    /// A CSV table, one row per activity.
    Csv,
    /// A printable bilingual HTML page.
    Html,
    /// GeoJSON: the stops as points and each day's route as a line.
    Geojson,
    /// The bilingual schedule (日程表) as an Excel workbook.
    Xlsx,
}

impl ExportFormat {
    /// The media type of the format.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Ics => "text/calendar; charset=utf-8",
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Html => "text/html; charset=utf-8",
            ExportFormat::Geojson => "application/geo+json",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Renders `itinerary` in `format`, as the bytes of the file.
pub fn render(itinerary: &Itinerary, format: ExportFormat) -> Result<Vec<u8>, Error> {
    Ok(match format {
        ExportFormat::Json => (serde_json::to_string_pretty(itinerary).expect("itineraries serialise") + "\n").into_bytes(),
        ExportFormat::Ics => ics(itinerary)?.into_bytes(),
        ExportFormat::Csv => csv(itinerary).into_bytes(),
        ExportFormat::Html => html(itinerary).into_bytes(),
        ExportFormat::Geojson => (serde_json::to_string_pretty(&geojson(itinerary)).expect("GeoJSON serialises") + "\n").into_bytes(),
        ExportFormat::Xlsx => schedule_workbook(itinerary).map_err(|e| Error::Internal(format!("writing the schedule workbook: {e}")))?,
    })
}

/// The schedule (日程表) as the office prints it, in a workbook: the heading, then a row an
/// activity with 日期 / 时间 / 活动内容 / 地点 / 陪同人员 in Chinese and English.
pub fn schedule_workbook(itinerary: &Itinerary) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("日程表")?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold().set_text_wrap().set_background_color("#E6E6E6").set_border(rust_xlsxwriter::FormatBorder::Thin);
    let cell = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_border(rust_xlsxwriter::FormatBorder::Thin);
    sheet.write_with_format(0, 0, format!("来访日程安排 {}", heading_zh(itinerary)), &title)?;
    sheet.write(1, 0, format!("Visit programme: {}", heading_en(itinerary)))?;
    let headers = ["日期 Date", "时间 Time", "活动内容", "Activity", "地点", "Place", "陪同人员 Escort"];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_with_format(3, column as u16, *header, &bold)?;
    }
    for (column, width) in [14.0, 12.0, 28.0, 30.0, 26.0, 30.0, 22.0].into_iter().enumerate() {
        sheet.set_column_width(column as u16, width)?;
    }
    let mut row = 4u32;
    for day in &itinerary.days {
        let weekday = WEEKDAYS_ZH[day.weekday as usize];
        let mut date = day.date.map_or_else(|| format!("第{}天 {weekday}", day.day), |d| format!("{d} {weekday}"));
        if let Some(note) = &day.calendar {
            date = format!("{date}（{}）", note.description_zh);
        }
        for (i, event) in day.events.iter().filter(|e| printed(e.kind)).enumerate() {
            let time = if event.start == event.end { event.start.clone() } else { format!("{}–{}", event.start, event.end) };
            let cells = [if i == 0 { date.clone() } else { String::new() }, time, event.title_zh.clone(), event.title_en.clone(), event.place_zh.clone(), event.place_en.clone(), itinerary.escort.clone()];
            for (column, text) in cells.iter().enumerate() {
                sheet.write_with_format(row, column as u16, text, &cell)?;
            }
            row += 1;
        }
    }
    sheet.set_freeze_panes(4, 0)?;
    workbook.save_to_buffer()
}

/// Activities worth a line on paper (driving legs are folded into the times).
fn printed(kind: EventKind) -> bool {
    !matches!(kind, EventKind::Travel)
}

/// The time zone of every event: Wenzhou keeps China Standard Time all year.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
TZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// iCalendar text; the profile must give dates (weekdays alone cannot be put in a calendar).
/// Each event's UID is the itinerary's calendar id with its day and place in the day, so a
/// revision (a higher SEQUENCE) updates the same events, and another delegation's never
/// collide; times are local, with the time zone included.
pub fn ics(itinerary: &Itinerary) -> Result<String, Error> {
    ics_stamped(itinerary, chrono::Utc::now())
}

/// [`ics`] generated at `now` (the DTSTAMP).
pub fn ics_stamped(itinerary: &Itinerary, now: chrono::DateTime<chrono::Utc>) -> Result<String, Error> {
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//visitmatch//itinerary//EN\r\nCALSCALE:GREGORIAN\r\n");
    out.push_str(VTIMEZONE);
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for day in &itinerary.days {
        let Some(date) = day.date else {
            return Err(Error::Invalid(vec![FieldError::new(
                "profile.visit",
                FieldCode::DatesRequired,
                "a calendar needs dates: give `visit.dates` instead of weekdays",
            )]));
        };
        for (i, event) in day.events.iter().filter(|e| printed(e.kind) && e.minutes > 0).enumerate() {
            let lines = [
                "BEGIN:VEVENT".to_string(),
                format!("UID:{}-d{}-e{}@visitmatch.wenzhou", itinerary.calendar_id, day.day, i + 1),
                format!("SEQUENCE:{}", itinerary.revision),
                format!("DTSTAMP:{stamp}"),
                format!("DTSTART;TZID=Asia/Shanghai:{}", local_stamp(date, &event.start)),
                format!("DTEND;TZID=Asia/Shanghai:{}", local_stamp(date, &event.end)),
                format!("SUMMARY:{}", ics_text(&format!("{} / {}", event.title_zh, event.title_en))),
                format!("LOCATION:{}", ics_text(&format!("{} / {}", event.place_zh, event.place_en))),
                format!("DESCRIPTION:{}", ics_text(&format!("陪同人员 Escort: {}", itinerary.escort))),
                "END:VEVENT".to_string(),
            ];
            for line in lines {
                out.push_str(&fold(&line));
            }
        }
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok(out)
}

/// A Wenzhou wall-clock time as an iCalendar local date-time (with `TZID=Asia/Shanghai`).
fn local_stamp(date: chrono::NaiveDate, time: &str) -> String {
    let local = chrono::NaiveTime::parse_from_str(time, "%H:%M").map(|t| date.and_time(t)).unwrap_or_else(|_| date.and_hms_opt(0, 0, 0).expect("midnight"));
    local.format("%Y%m%dT%H%M%S").to_string()
}

/// Who is coming and when, in Chinese: 意大利普拉托 商协会代表团 · 12 人 · 2026-12-07 至 2026-12-09 · 6 项参观.
fn heading_zh(itinerary: &Itinerary) -> String {
    let country = itinerary.country_name.as_ref().map_or(itinerary.country.as_str(), |(zh, _)| zh.as_str());
    let city = itinerary.city.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
    format!("{country}{city}{}代表团 · {} 人{} · {} 项参观", itinerary.organisation_type.labels().0, itinerary.group_size, dates(itinerary, " 至 "), itinerary.visits)
}

/// The same in English: Business association delegation from Prato, Italy · 12 people · ….
fn heading_en(itinerary: &Itinerary) -> String {
    let country = itinerary.country_name.as_ref().map_or(itinerary.country.as_str(), |(_, en)| en.as_str());
    let from = match &itinerary.city {
        Some(city) => format!("{city}, {country}"),
        None => country.to_string(),
    };
    format!("{} delegation from {from} · {} people{} · {} visits", itinerary.organisation_type.labels().1, itinerary.group_size, dates(itinerary, " to "), itinerary.visits)
}

/// ` · first to last date`, when the days have dates.
fn dates(itinerary: &Itinerary, to: &str) -> String {
    match (itinerary.days.first().and_then(|d| d.date), itinerary.days.last().and_then(|d| d.date)) {
        (Some(first), Some(last)) if first == last => format!(" · {first}"),
        (Some(first), Some(last)) => format!(" · {first}{to}{last}"),
        _ => String::new(),
    }
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0;
    for ch in line.chars() {
        if used + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += ch.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn ics_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

/// A CSV table, one row per activity (driving legs included, with their minutes), after the
/// byte-order mark that makes Excel read it as UTF-8.
pub fn csv(itinerary: &Itinerary) -> String {
    let mut writer = ::csv::Writer::from_writer(crate::text::UTF8_BOM.as_bytes().to_vec());
    writer
        .write_record([
            "day", "date", "weekday", "start", "end", "kind", "activity_zh", "activity_en", "place_zh", "place_en", "base_id", "minutes", "escort",
        ])
        .expect("writing to memory");
    for day in &itinerary.days {
        for event in &day.events {
            let kind = serde_json::to_value(event.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            writer
                .write_record([
                    day.day.to_string(),
                    day.date.map(|d| d.to_string()).unwrap_or_default(),
                    day.weekday.code().to_string(),
                    event.start.clone(),
                    event.end.clone(),
                    kind,
                    event.title_zh.clone(),
                    event.title_en.clone(),
                    event.place_zh.clone(),
                    event.place_en.clone(),
                    event.base_id.clone().unwrap_or_default(),
                    event.minutes.to_string(),
                    itinerary.escort.clone(),
                ])
                .expect("writing to memory");
        }
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 fields")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const WEEKDAYS_ZH: [(&str, &str); 7] =
    [("mon", "星期一"), ("tue", "星期二"), ("wed", "星期三"), ("thu", "星期四"), ("fri", "星期五"), ("sat", "星期六"), ("sun", "星期日")];

/// A self-contained, printable bilingual page: one table per day with the office's columns.
pub fn html(itinerary: &Itinerary) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>来访日程安排 / Visit programme</title>
<style>
  body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #111; }}
  h1 {{ font-size: 1.4rem; margin-bottom: .2rem; }}
  p.meta {{ margin-top: 0; color: #333; }}
  h2 {{ font-size: 1.1rem; margin: 1.4rem 0 .4rem; }}
  table {{ border-collapse: collapse; width: 100%; page-break-inside: auto; }}
  tr {{ page-break-inside: avoid; }}
  th, td {{ border: 1px solid #444; padding: .35rem .5rem; vertical-align: top; text-align: left; font-size: .92rem; }}
  th {{ background: #eee; }}
  td.time, td.date {{ white-space: nowrap; }}
  .holiday {{ display: block; white-space: normal; font-size: .85rem; color: #8a1c1c; }}
  .en {{ color: #444; font-size: .85em; display: block; }}
  @media print {{
    body {{ margin: 1cm; }}
    h2 {{ page-break-after: avoid; }}
    section.day + section.day {{ page-break-before: always; }}
    th, td {{ font-size: 9.5pt; padding: 3px 5px; }}
    th {{ background: #ddd !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  }}
  @page {{ size: A4; margin: 1.5cm; }}
</style>
</head>
<body>
<h1>来访日程安排 <span class="en">Visit programme</span></h1>
<p class="meta">{}<span class="en">{}</span></p>
"#,
        escape(&heading_zh(itinerary)),
        escape(&heading_en(itinerary)),
    );
    for day in &itinerary.days {
        let weekday_zh = WEEKDAYS_ZH.iter().find(|(code, _)| *code == day.weekday.code()).map(|(_, zh)| *zh).unwrap_or("");
        let date = day.date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        let calendar_note = day.calendar.as_ref().map_or_else(String::new, |note| {
            format!("<span class=\"holiday\">{}<span class=\"en\">{}</span></span>", escape(&note.description_zh), escape(&note.description_en))
        });
        let date_cell = format!("{} {}<span class=\"en\">Day {} {}</span>{calendar_note}", escape(&date), weekday_zh, day.day, day.weekday.code());
        let _ = write!(
            out,
            "<section class=\"day\">\n<h2>第{}天 <span class=\"en\">Day {}</span></h2>\n<table>\n<thead><tr><th>日期<span class=\"en\">Date</span></th><th>时间<span class=\"en\">Time</span></th><th>活动内容<span class=\"en\">Activity</span></th><th>地点<span class=\"en\">Place</span></th><th>陪同人员<span class=\"en\">Escort</span></th></tr></thead>\n<tbody>\n",
            day.day, day.day
        );
        let rows: Vec<_> = day.events.iter().filter(|e| printed(e.kind)).collect();
        for (i, event) in rows.iter().enumerate() {
            let time = if event.start == event.end { event.start.clone() } else { format!("{}–{}", event.start, event.end) };
            // The date is written once per day, spanning the day's rows.
            let date = if i == 0 { format!("<td class=\"date\" rowspan=\"{}\">{date_cell}</td>", rows.len()) } else { String::new() };
            let _ = writeln!(
                out,
                "<tr>{date}<td class=\"time\">{}</td><td>{}<span class=\"en\">{}</span></td><td>{}<span class=\"en\">{}</span></td><td>{}</td></tr>",
                time,
                escape(&event.title_zh),
                escape(&event.title_en),
                escape(&event.place_zh),
                escape(&event.place_en),
                escape(&itinerary.escort),
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    if !itinerary.checklist.is_empty() {
        out.push_str("<section class=\"checklist\">\n<h2>事前须办 <span class=\"en\">To arrange beforehand</span></h2>\n<ul>\n");
        for item in &itinerary.checklist {
            out.push_str(&format!("<li data-code=\"{}\">{} <span class=\"en\">{}</span></li>\n", escape(&item.code), escape(&item.zh), escape(&item.en)));
        }
        out.push_str("</ul>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// GeoJSON: every stop as a point (with day, order, kind and names), each day's route as a line.
pub fn geojson(itinerary: &Itinerary) -> Value {
    let mut features = Vec::new();
    for day in &itinerary.days {
        let stops: Vec<_> = day
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Depart | EventKind::Visit | EventKind::Appointment | EventKind::Return))
            .collect();
        for (order, stop) in stops.iter().enumerate() {
            let kind = serde_json::to_value(stop.kind).unwrap_or(Value::Null);
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                "properties": {
                    "day": day.day, "order": order, "kind": kind, "start": stop.start, "end": stop.end,
                    "name_zh": stop.title_zh, "name_en": stop.title_en, "base_id": stop.base_id,
                }
            }));
        }
        let line: Vec<[f64; 2]> = stops.iter().map(|s| [s.lon, s.lat]).collect();
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {"day": day.day, "kind": "route", "travel_minutes": day.travel_minutes, "cluster": day.cluster}
        }));
    }
    json!({"type": "FeatureCollection", "features": features})
}
