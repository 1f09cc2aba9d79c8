//! The base library as the office reads it: one row a base, Chinese column names, labels rather
//! than codes (鞋业, 鹿城区, 企业, 中文、英语, 是/否), opening hours in Chinese. What is written here
//! reads back through the importer unchanged, so a sheet can go out to a county, be corrected
//! and come back.

use crate::domain::{kind_labels, language_labels, status_labels, DivisionRegistry, ExchangeBase, Labels, Taxonomy, Weekday};

use super::headers::office_header;
use super::validate::RECORD_FIELDS;

/// A number or a text cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number (coordinates, sizes, minutes).
    Number(f64),
    /// Text (possibly empty).
    Text(String),
}

/// One base as a row of the office sheet, in [`RECORD_FIELDS`] order.
pub fn office_row(base: &ExchangeBase, taxonomy: &Taxonomy, divisions: &DivisionRegistry) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_string());
    let optional = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
    let number = |n: Option<f64>| n.map_or(Cell::Text(String::new()), Cell::Number);
    let yes_no = |b: bool| text(if b { "是" } else { "否" });
    RECORD_FIELDS
        .iter()
        .map(|field| match *field {
            "id" => text(&base.id),
            "name_zh" => text(&base.name_zh),
            "name_en" => optional(&base.name_en),
            "kind" => text(&label_or_code(kind_labels(), base.kind.label_zh(), base.kind.code())),
            "industries" => Cell::Text(
                base.industries
                    .iter()
                    .map(|code| label_or_code(taxonomy.labels(), taxonomy.get(code).map_or(code.as_str(), |node| node.zh.as_str()), code))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            "division" => {
                let code = &base.location.division;
                text(&label_or_code(divisions.labels(), divisions.get(code).map_or(code.as_str(), |d| d.zh.as_str()), code))
            }
            "address_zh" => text(&base.location.address_zh),
            "address_en" => optional(&base.location.address_en),
            "lat" => Cell::Number(base.location.lat),
            "lon" => Cell::Number(base.location.lon),
            "employees" => number(base.size.employees.map(f64::from)),
            "floor_area_m2" => number(base.size.floor_area_m2.map(|n| n as f64)),
            "annual_revenue_million_cny" => number(base.size.annual_revenue_million_cny),
            "needs" => Cell::Text(base.needs.join("|")),
            "promotion_points" => Cell::Text(base.promotion_points.join("|")),
            "description_zh" => text(&base.description_zh),
            "description_en" => optional(&base.description_en),
            "visit_minutes" => Cell::Number(f64::from(base.visit_minutes)),
            "opening_hours" => Cell::Text(chinese_hours(base)),
            "closed_dates" => Cell::Text(base.closed_dates.iter().map(ToString::to_string).collect::<Vec<_>>().join("|")),
            "max_group_size" => Cell::Number(f64::from(base.max_group_size)),
            "guide_languages" => Cell::Text(
                base.guide_languages
                    .iter()
                    .map(|code| label_or_code(language_labels(), language_labels().shown_label(code).unwrap_or(code), code))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            "opens_on_holidays" => match base.opens_on_holidays {
                Some(opens) => yes_no(opens),
                None => Cell::Text(String::new()),
            },
            "restricted" => yes_no(base.restricted),
            "approval_required" => yes_no(base.approval_required),
            "approved_until" => Cell::Text(base.approved_until.map(|d| d.to_string()).unwrap_or_default()),
            "needs_local_consent" => yes_no(base.needs_local_consent),
            "meals" => Cell::Text(base.meals.iter().map(|d| d.label_zh()).collect::<Vec<_>>().join("、")),
            "photo_policy" => text(match base.photo_policy.code() {
                "restricted" => "限制",
                "forbidden" => "禁止",
                _ => "允许",
            }),
            "open_scope" => optional(&base.open_scope),
            "tags" => Cell::Text(base.tags.join("|")),
            "contact_name" => optional(&base.contact.name),
            "contact_phone" => optional(&base.contact.phone),
            "contact_email" => optional(&base.contact.email),
            "status" => text(&label_or_code(status_labels(), base.status().label_zh(), base.status().code())),
            "submitted_by" => match &base.submitted_by {
                Some(code) => text(&label_or_code(divisions.labels(), divisions.get(code).map_or(code.as_str(), |d| d.zh.as_str()), code)),
                None => Cell::Text(String::new()),
            },
            "review_note" => optional(&base.review_note),
            other => unreachable!("every record field has a column: {other}"),
        })
        .collect()
}

/// The label when it reads back as `code`, else the code itself (a label shared by two codes
/// would not).
fn label_or_code(labels: &Labels, label: &str, code: &str) -> String {
    if labels.resolve(label).is_ok_and(|found| found == code) { label.to_string() } else { code.to_string() }
}

/// `周一 08:30-11:30、13:30-17:00；周二 …`, a clause a day.
fn chinese_hours(base: &ExchangeBase) -> String {
    const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    Weekday::ALL
        .iter()
        .zip(DAYS)
        .filter(|(day, _)| base.opening_hours.is_open_on(**day))
        .map(|(day, name)| {
            let ranges: Vec<String> = base.opening_hours.on(*day).iter().map(ToString::to_string).collect();
            format!("{name} {}", ranges.join("、"))
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// An `.xlsx` workbook of `bases`: one sheet 基地名单, Chinese headers, a row a base.
pub fn office_workbook(bases: &[ExchangeBase], taxonomy: &Taxonomy, divisions: &DivisionRegistry) -> Result<Vec<u8>, String> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("基地名单").map_err(|e| e.to_string())?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, field) in RECORD_FIELDS.iter().enumerate() {
        sheet.write_with_format(0, column as u16, office_header(field), &bold).map_err(|e| e.to_string())?;
    }
    for (row, base) in bases.iter().enumerate() {
        for (column, cell) in office_row(base, taxonomy, divisions).into_iter().enumerate() {
            let (row, column) = (row as u32 + 1, column as u16);
            match cell {
                Cell::Number(n) => sheet.write(row, column, n),
                Cell::Text(t) if t.is_empty() => continue,
                Cell::Text(t) => sheet.write(row, column, t),
            }
            .map_err(|e| e.to_string())?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    workbook.save_to_buffer().map_err(|e| e.to_string())
}

/// The same sheet as CSV, as Excel opens it on a Chinese system: a UTF-8 byte-order mark, the
/// Chinese headers, a row a base. It imports back unchanged, as the workbook does.
pub fn office_csv(bases: &[ExchangeBase], taxonomy: &Taxonomy, divisions: &DivisionRegistry) -> Vec<u8> {
    let mut out = crate::text::UTF8_BOM.as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(RECORD_FIELDS.iter().map(|field| office_header(field))).expect("writing to memory");
        for base in bases {
            let cells = office_row(base, taxonomy, divisions).into_iter().map(|cell| match cell {
                Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
                Cell::Number(n) => n.to_string(),
                Cell::Text(text) => text,
            });
            writer.write_record(cells).expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    }
    out
}
