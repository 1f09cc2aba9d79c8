//! Past visits: reading them (CSV or Parquet through polars, or JSON rows) and checking every
//! row, so that a bad cell is reported with its row and column before anything is computed.

use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::catalog::FieldError;
use crate::domain::{DelegationProfile, DivisionRegistry, Hotel, OrganisationType, VisitDays, VisitRecord, VisitStatus};

/// The columns of a past-visits table, in file order (documented in `fixtures/past_visits/README.md`).
pub const VISIT_COLUMNS: [&str; 19] = [
    "visit_id",
    "start_date",
    "days",
    "country",
    "city",
    "organisation_type",
    "size",
    "hotel_division",
    "interests",
    "industries_sought",
    "offers",
    "seeks",
    "languages",
    "theme",
    "visited_bases",
    "productive_bases",
    "agreements_signed",
    "follow_up_projects",
    "satisfaction",
];

/// Outbound-route themes a visit may belong to.
pub const THEMES: [&str; 5] = ["fashion_smart_manufacturing", "services", "fintech", "talent", "culture_tourism"];

/// One past visit, checked.
#[derive(Debug, Clone)]
pub struct PastVisit {
    /// Identifier.
    pub visit_id: String,
    /// Year of the first day.
    pub year: i32,
    /// Outbound-route theme.
    pub theme: String,
    /// The delegation as the matcher sees it.
    pub profile: DelegationProfile,
    /// Bases visited, in order.
    pub visited: Vec<String>,
    /// Visited bases that led to an agreement or follow-up.
    pub productive: Vec<String>,
    /// Agreements signed.
    pub agreements: u32,
    /// Follow-up projects.
    pub follow_ups: u32,
    /// Satisfaction, 1–5.
    pub satisfaction: u8,
}

impl PastVisit {
    /// Graded gain of a base for this visit: 0 if not visited; else 1, +1 if productive, +1 if
    /// the delegation was satisfied (4 or 5).
    pub fn gain(&self, base_id: &str) -> u8 {
        if !self.visited.iter().any(|v| v == base_id) {
            return 0;
        }
        1 + u8::from(self.productive.iter().any(|p| p == base_id)) + u8::from(self.satisfaction >= 4)
    }
}

/// A table of raw cells: column names and rows of optional text.
#[derive(Debug, Clone, Default)]
pub struct RawTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Option<String>>>,
}

/// File formats of past-visit tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitFormat {
    /// CSV with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl VisitFormat {
    /// The format named by a file's extension.
    pub fn from_path(path: &Path) -> Option<VisitFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(VisitFormat::Csv),
            "parquet" | "pq" => Some(VisitFormat::Parquet),
            _ => None,
        }
    }
}

/// Reads a CSV or Parquet file with polars (lazily, every column as text so that a wrong type
/// is reported by our checks with its row, not by the reader).
pub fn read_table(path: &Path, format: VisitFormat) -> Result<RawTable, String> {
    let source = PlRefPath::new(path.to_string_lossy().as_ref());
    let frame = match format {
        VisitFormat::Csv => LazyCsvReader::new(source).with_infer_schema_length(Some(0)).with_has_header(true).finish(),
        VisitFormat::Parquet => LazyFrame::scan_parquet(source, ScanArgsParquet::default()),
    }
    .and_then(|lazy| lazy.select([all().as_expr().cast(DataType::String)]).collect())
    .map_err(|e| format!("{}: {e}", path.display()))?;
    frame_to_table(&frame).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses CSV or Parquet bytes (an upload) the same way as [`read_table`].
pub fn read_bytes(bytes: &[u8], format: VisitFormat) -> Result<RawTable, String> {
    let cursor = std::io::Cursor::new(bytes.to_vec());
    let frame = match format {
        VisitFormat::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(cursor)
            .finish(),
        VisitFormat::Parquet => ParquetReader::new(cursor).finish(),
    }
    .and_then(|frame| frame.lazy().select([all().as_expr().cast(DataType::String)]).collect())
    .map_err(|e| format!("upload: {e}"))?;
    frame_to_table(&frame).map_err(|e| format!("upload: {e}"))
}

fn frame_to_table(frame: &DataFrame) -> PolarsResult<RawTable> {
    let columns: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
    let cells: Vec<Vec<Option<String>>> = frame
        .columns()
        .iter()
        .map(|column| Ok(column.str()?.iter().map(|v| v.map(str::to_string)).collect()))
        .collect::<PolarsResult<_>>()?;
    let rows = (0..frame.height()).map(|r| cells.iter().map(|c| c[r].clone()).collect()).collect();
    Ok(RawTable { columns, rows })
}

/// JSON rows (objects keyed by column) as a raw table; numbers and strings both accepted.
pub fn table_from_json(rows: &[serde_json::Map<String, serde_json::Value>]) -> RawTable {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let rows = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| match row.get(c) {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Array(items)) => Some(
                        items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect::<Vec<_>>().join(";"),
                    ),
                    Some(other) => Some(other.to_string()),
                })
                .collect()
        })
        .collect();
    RawTable { columns, rows }
}

/// Completed visit records as a table in the past-visit columns, ready for [`check_visits`]
/// or for writing as CSV. A hotel given as a point is placed in the nearest division.
pub fn table_from_records(records: &[VisitRecord], divisions: &DivisionRegistry) -> RawTable {
    let join = |items: &[String]| items.join(";");
    let rows = records
        .iter()
        .filter(|record| record.visit.status == VisitStatus::Completed)
        .filter_map(|record| {
            let visit = &record.visit;
            let profile = &visit.profile;
            let outcome = visit.outcome.clone().unwrap_or_default();
            let start = match &profile.visit {
                VisitDays::Dates(dates) => dates.first()?.to_string(),
                VisitDays::Weekdays(_) => return None,
            };
            let hotel = match &profile.hotel {
                Hotel::Division { division } => division.clone(),
                Hotel::Point { lat, lon, .. } => nearest_division(divisions, *lat, *lon)?,
            };
            let organisation_type = serde_json::to_value(profile.organisation_type).ok()?.as_str()?.to_string();
            let cells = [
                record.id.clone(),
                start,
                profile.days.to_string(),
                profile.country.clone(),
                profile.city.clone().unwrap_or_default(),
                organisation_type,
                profile.size.to_string(),
                hotel,
                profile.interests.clone(),
                join(&profile.industries_sought),
                join(&profile.offers),
                join(&profile.seeks),
                join(&profile.languages),
                visit.theme.clone().unwrap_or_default(),
                join(&visit.bases),
                join(&outcome.productive_bases),
                outcome.agreements_signed.to_string(),
                outcome.follow_up_projects.to_string(),
                outcome.satisfaction.to_string(),
            ];
            Some(cells.into_iter().map(|c| Some(c).filter(|c| !c.is_empty())).collect())
        })
        .collect();
    RawTable { columns: VISIT_COLUMNS.iter().map(|c| c.to_string()).collect(), rows }
}

/// Writes a table as CSV with a header row (empty cells for missing values).
pub fn write_csv(table: &RawTable, out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&table.columns)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|cell| cell.as_deref().unwrap_or("")))?;
    }
    writer.flush()?;
    Ok(())
}

fn nearest_division(divisions: &DivisionRegistry, lat: f64, lon: f64) -> Option<String> {
    let distance = |d: &crate::domain::Division| (d.lat - lat).powi(2) + ((d.lon - lon) * lat.to_radians().cos()).powi(2);
    divisions.all().iter().min_by(|a, b| distance(a).total_cmp(&distance(b))).map(|d| d.code.clone())
}

fn list(cell: &str) -> Vec<String> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Checks every row of `table`: missing columns, wrong types, unknown base ids, unknown codes.
/// Rows are numbered as lines of a CSV file (the header is line 1).
pub fn check_visits(table: &RawTable, known_bases: &HashSet<String>, divisions: &DivisionRegistry) -> Result<Vec<PastVisit>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let required = ["visit_id", "start_date", "days", "country", "organisation_type", "size", "hotel_division", "interests", "visited_bases", "satisfaction"];
    let missing: Vec<&str> = required.iter().copied().filter(|c| !table.columns.iter().any(|t| t == c)).collect();
    for column in &missing {
        errors.push(FieldError::new(column, "missing_column", format!("the column `{column}` is required")));
    }
    for column in &table.columns {
        if !VISIT_COLUMNS.contains(&column.as_str()) {
            errors.push(FieldError::new(column, "unknown_column", format!("`{column}` is not a column of past visits")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let index = |name: &str| table.columns.iter().position(|c| c == name);
    let mut seen_ids = HashSet::new();
    let mut visits = Vec::with_capacity(table.rows.len());
    for (r, row) in table.rows.iter().enumerate() {
        let line = r + 2;
        let before = errors.len();
        let cell = |name: &str| -> &str { index(name).and_then(|i| row[i].as_deref()).map(str::trim).unwrap_or("") };
        let mut fail = |field: &str, code: &str, message: String| errors.push(FieldError::new(field, code, message).at_line(line));
        let number = |field: &str, low: i64, high: i64, default: Option<i64>, fail: &mut dyn FnMut(&str, &str, String)| -> i64 {
            let text = cell(field);
            if text.is_empty() {
                if let Some(d) = default {
                    return d;
                }
                fail(field, "missing_field", "is required".into());
                return low;
            }
            match text.parse::<i64>() {
                Ok(v) if (low..=high).contains(&v) => v,
                Ok(v) => {
                    fail(field, "invalid_value", format!("must be between {low} and {high}, got {v}"));
                    low
                }
                Err(_) => {
                    fail(field, "invalid_type", format!("`{text}` is not a whole number"));
                    low
                }
            }
        };
        let visit_id = cell("visit_id").to_string();
        if visit_id.is_empty() {
            fail("visit_id", "missing_field", "is required".into());
        } else if !seen_ids.insert(visit_id.clone()) {
            fail("visit_id", "duplicate_id", format!("`{visit_id}` appears twice"));
        }
        let start = match NaiveDate::parse_from_str(cell("start_date"), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                fail("start_date", "invalid_type", format!("`{}` is not a date (YYYY-MM-DD)", cell("start_date")));
                None
            }
        };
        let days = number("days", 1, 14, None, &mut fail);
        let size = number("size", 1, 500, None, &mut fail);
        let agreements = number("agreements_signed", 0, 1000, Some(0), &mut fail);
        let follow_ups = number("follow_up_projects", 0, 1000, Some(0), &mut fail);
        let satisfaction = number("satisfaction", 1, 5, None, &mut fail);
        let organisation_type: Option<OrganisationType> = serde_json::from_value(serde_json::Value::String(cell("organisation_type").to_string())).ok();
        if organisation_type.is_none() {
            fail("organisation_type", "invalid_value", format!("`{}` is not an organisation type", cell("organisation_type")));
        }
        let hotel = cell("hotel_division");
        if divisions.get(hotel).is_none() {
            fail("hotel_division", "invalid_value", format!("`{hotel}` is not a known division"));
        }
        let theme = cell("theme").to_string();
        if !theme.is_empty() && !THEMES.contains(&theme.as_str()) {
            fail("theme", "invalid_value", format!("`{theme}` is not a theme; use one of {}", THEMES.join(", ")));
        }
        let visited = list(cell("visited_bases"));
        if visited.is_empty() {
            fail("visited_bases", "missing_field", "list at least one visited base".into());
        }
        for id in &visited {
            if !known_bases.contains(id) {
                fail("visited_bases", "unknown_base", format!("no base with id `{id}`"));
            }
        }
        let productive = list(cell("productive_bases"));
        for id in &productive {
            if !visited.contains(id) {
                fail("productive_bases", "invalid_value", format!("`{id}` is not among the visited bases"));
            }
        }
        let profile = DelegationProfile {
            country: cell("country").to_string(),
            city: Some(cell("city").to_string()).filter(|c| !c.is_empty()),
            organisation_type: organisation_type.unwrap_or(OrganisationType::Other),
            size: size.clamp(1, u16::MAX as i64) as u16,
            visit: VisitDays::Dates(start.map(|s| (0..days).map(|d| s + chrono::Duration::days(d)).collect()).unwrap_or_default()),
            days: days.clamp(1, 14) as u8,
            hotel: Hotel::Division { division: hotel.to_string() },
            interests: cell("interests").to_string(),
            industries_sought: list(cell("industries_sought")),
            offers: list(cell("offers")),
            seeks: list(cell("seeks")),
            must_visit: Vec::new(),
            avoid: Vec::new(),
            languages: list(cell("languages")),
        };
        for error in crate::scoring::profile::validate_profile(&profile, divisions) {
            // Report profile problems under the column they came from.
            let column = match error.field.trim_start_matches("profile.") {
                "visit" => "start_date".to_string(),
                "hotel.division" | "hotel" => "hotel_division".to_string(),
                other => other.split(['[', '.']).next().unwrap_or(other).to_string(),
            };
            if !errors.iter().any(|e| e.line == Some(line) && e.field == column) {
                errors.push(FieldError::new(&column, &error.code, error.message).at_line(line));
            }
        }
        if errors.len() == before {
            visits.push(PastVisit {
                visit_id,
                year: start.map(|s| s.format("%Y").to_string().parse().unwrap_or(0)).unwrap_or(0),
                theme: if theme.is_empty() { "unspecified".into() } else { theme },
                profile,
                visited,
                productive,
                agreements: agreements as u32,
                follow_ups: follow_ups as u32,
                satisfaction: satisfaction as u8,
            });
        }
    }
    if errors.is_empty() {
        Ok(visits)
    } else {
        Err(errors)
    }
}
