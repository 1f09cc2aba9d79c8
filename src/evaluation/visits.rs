//! Past visits: reading them (CSV or Parquet through polars, or JSON rows) and checking every
//! row, so that a bad cell is reported with its row and column before anything is computed.

use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::domain::{check_theme, FieldCode, FieldError};
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

/// Longest cell of a past-visits table, in characters.
pub const MAX_CELL_CHARS: usize = 4_000;
/// Most problems listed for one table; the rest are summed up in one last entry.
pub const MAX_REPORTED_ERRORS: usize = 500;
/// Most bases one past visit may list.
pub const MAX_BASES_PER_VISIT: usize = 50;
/// Longest note on a visit's outcome, in characters.
pub const MAX_NOTES_CHARS: usize = 4_000;


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

/// Most visits one upload over HTTP may hold (the command line reads files of any size).
pub const MAX_UPLOAD_VISITS: usize = 20_000;

/// Checks the shape of an uploaded CSV before it is parsed: at most one column per known
/// column in the header and at most [`MAX_UPLOAD_VISITS`] rows. Counting bytes is cheap and
/// bounds what the parser is then asked to build.
pub fn check_csv_shape(bytes: &[u8]) -> Result<(), FieldError> {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let columns = header.iter().filter(|b| **b == b',').count() + 1;
    if columns > VISIT_COLUMNS.len() {
        return Err(FieldError::new("(header)", FieldCode::TooManyColumns, format!("the header has {columns} columns; past visits have at most {}", VISIT_COLUMNS.len())));
    }
    check_row_count(csv_rows(bytes))
}

/// Rows of a CSV body, the header left out (a quoted line break counts as a row: an upper bound).
fn csv_rows(bytes: &[u8]) -> usize {
    let lines = bytes.iter().filter(|b| **b == b'\n').count() + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    lines.saturating_sub(1)
}

/// Checks the shape of an uploaded Parquet file from its metadata, before any row is read.
pub fn check_parquet_shape(bytes: &[u8]) -> Result<(), String> {
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let rows = reader.num_rows().map_err(|e| format!("upload: {e}"))?;
    let columns = reader.schema().map_err(|e| format!("upload: {e}"))?.len();
    if columns > VISIT_COLUMNS.len() {
        return Err(format!("upload: the file has {columns} columns; past visits have at most {}", VISIT_COLUMNS.len()));
    }
    check_row_count(rows).map_err(|e| e.message)?;
    // What the columns take once decompressed, as the file declares it per column chunk; a
    // small file that would unpack into gigabytes is refused before a page is decoded.
    let metadata = reader.get_metadata().map_err(|e| format!("upload: {e}"))?;
    let unpacked: u64 = metadata
        .row_groups
        .iter()
        .map(|group| {
            let chunks: u64 = group.parquet_columns().iter().map(|c| c.uncompressed_size().max(0) as u64).sum();
            chunks.max(group.total_byte_size() as u64)
        })
        .sum();
    if unpacked > MAX_PARQUET_UNPACKED_BYTES {
        return Err(format!(
            "upload: the file unpacks to {} MiB; at most {} MiB are accepted",
            unpacked / (1024 * 1024),
            MAX_PARQUET_UNPACKED_BYTES / (1024 * 1024)
        ));
    }
    Ok(())
}

/// Most bytes a Parquet upload may unpack to.
pub const MAX_PARQUET_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

fn check_row_count(rows: usize) -> Result<(), FieldError> {
    if rows > MAX_UPLOAD_VISITS {
        return Err(FieldError::new("visits", FieldCode::TooMany, format!("{rows} visits; an upload holds at most {MAX_UPLOAD_VISITS} (use `visitmatch evaluate` for larger files)")));
    }
    Ok(())
}

/// Past visits written as JSON rows (objects keyed by column), read straight into a
/// [`RawTable`]: a key that is not a column is refused where it stands, and reading stops past
/// [`MAX_UPLOAD_VISITS`] rows, so a hostile body cannot make a wide or long table.
#[derive(Debug, Clone, Default)]
pub struct JsonVisitRows(pub RawTable);

impl<'de> serde::Deserialize<'de> for JsonVisitRows {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(RowsVisitor)
    }
}

struct RowsVisitor;

impl<'de> serde::de::Visitor<'de> for RowsVisitor {
    type Value = JsonVisitRows;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a list of at most {MAX_UPLOAD_VISITS} visits")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonVisitRows, A::Error> {
        let mut present = [false; VISIT_COLUMNS.len()];
        let mut rows: Vec<[Option<String>; VISIT_COLUMNS.len()]> = Vec::new();
        while let Some(row) = seq.next_element_seed(RowSeed { index: rows.len() })? {
            if rows.len() == MAX_UPLOAD_VISITS {
                return Err(serde::de::Error::custom(format!("visits: more than {MAX_UPLOAD_VISITS} visits; an upload holds at most {MAX_UPLOAD_VISITS}")));
            }
            for (seen, cell) in present.iter_mut().zip(&row) {
                *seen |= cell.is_some();
            }
            rows.push(row);
        }
        let kept: Vec<usize> = (0..VISIT_COLUMNS.len()).filter(|&c| present[c]).collect();
        let columns = kept.iter().map(|&c| VISIT_COLUMNS[c].to_string()).collect();
        let rows = rows.into_iter().map(|mut row| kept.iter().map(|&c| row[c].take()).collect()).collect();
        Ok(JsonVisitRows(RawTable { columns, rows }))
    }
}

struct RowSeed {
    index: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for RowSeed {
    type Value = [Option<String>; VISIT_COLUMNS.len()];

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowSeed {
    type Value = [Option<String>; VISIT_COLUMNS.len()];

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "visits[{}]: an object keyed by column", self.index)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut cells: [Option<String>; VISIT_COLUMNS.len()] = Default::default();
        while let Some(key) = map.next_key::<String>()? {
            let Some(column) = VISIT_COLUMNS.iter().position(|c| *c == key) else {
                return Err(serde::de::Error::custom(format!("visits[{}].{key}: `{key}` is not a column of past visits", self.index)));
            };
            cells[column] = json_cell(map.next_value()?);
        }
        Ok(cells)
    }
}

/// One JSON value as a cell: text as is, lists joined with `;`, numbers and booleans written out.
fn json_cell(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Array(items) => {
            Some(items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect::<Vec<_>>().join(";"))
        }
        other => Some(other.to_string()),
    }
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

/// Writes a table as CSV with a header row (empty cells for missing values), after the
/// byte-order mark that makes Excel read it as UTF-8.
pub fn write_csv(table: &RawTable, mut out: impl std::io::Write) -> Result<(), csv::Error> {
    out.write_all(crate::text::UTF8_BOM.as_bytes())?;
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
        errors.push(FieldError::new(column, FieldCode::MissingColumn, format!("the column `{column}` is required")));
    }
    for column in &table.columns {
        if !VISIT_COLUMNS.contains(&column.as_str()) {
            errors.push(FieldError::new(column, FieldCode::UnknownColumn, format!("`{column}` is not a column of past visits")));
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
        let mut fail = |field: &str, code: FieldCode, message: String| errors.push(FieldError::new(field, code, message).at_line(line));
        if let Some(long) = table.columns.iter().zip(row).find(|(_, value)| value.as_ref().is_some_and(|v| v.chars().count() > MAX_CELL_CHARS)) {
            fail(long.0, FieldCode::TooLong, format!("is longer than {MAX_CELL_CHARS} characters"));
            continue;
        }
        let number = |field: &str, low: i64, high: i64, default: Option<i64>, fail: &mut dyn FnMut(&str, FieldCode, String)| -> i64 {
            let text = cell(field);
            if text.is_empty() {
                if let Some(d) = default {
                    return d;
                }
                fail(field, FieldCode::MissingField, "is required".into());
                return low;
            }
            match text.parse::<i64>() {
                Ok(v) if (low..=high).contains(&v) => v,
                Ok(v) => {
                    fail(field, FieldCode::InvalidValue, format!("must be between {low} and {high}, got {v}"));
                    low
                }
                Err(_) => {
                    fail(field, FieldCode::InvalidType, format!("`{text}` is not a whole number"));
                    low
                }
            }
        };
        let visit_id = cell("visit_id").to_string();
        if visit_id.is_empty() {
            fail("visit_id", FieldCode::MissingField, "is required".into());
        } else if !seen_ids.insert(visit_id.clone()) {
            fail("visit_id", FieldCode::DuplicateId, format!("`{visit_id}` appears twice"));
        }
        let start = match NaiveDate::parse_from_str(cell("start_date"), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                fail("start_date", FieldCode::InvalidType, format!("`{}` is not a date (YYYY-MM-DD)", cell("start_date")));
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
            fail("organisation_type", FieldCode::InvalidValue, format!("`{}` is not an organisation type", cell("organisation_type")));
        }
        let hotel = cell("hotel_division");
        if divisions.get(hotel).is_none() {
            fail("hotel_division", FieldCode::InvalidValue, format!("`{hotel}` is not a known division"));
        }
        let theme = cell("theme").to_string();
        if let Some(error) = (!theme.is_empty()).then(|| check_theme(&theme, "theme")).flatten() {
            fail("theme", error.code, error.message);
        }
        let visited = list(cell("visited_bases"));
        if visited.is_empty() {
            fail("visited_bases", FieldCode::MissingField, "list at least one visited base".into());
        }
        for id in &visited {
            if !known_bases.contains(id) {
                fail("visited_bases", FieldCode::UnknownBase, format!("no base with id `{id}`"));
            }
        }
        if visited.len() > MAX_BASES_PER_VISIT {
            fail("visited_bases", FieldCode::TooMany, format!("lists {} bases; at most {MAX_BASES_PER_VISIT} are allowed", visited.len()));
        }
        let visited_set: HashSet<&str> = visited.iter().map(String::as_str).collect();
        let productive = list(cell("productive_bases"));
        for id in &productive {
            if !visited_set.contains(id.as_str()) {
                fail("productive_bases", FieldCode::InvalidValue, format!("`{id}` is not among the visited bases"));
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
            avoid_kinds: Vec::new(),
            avoid_industries: Vec::new(),
            avoid_divisions: Vec::new(),
            dietary_needs: Vec::new(),
            allergies: None,
            approvals_arranged: Vec::new(),
            languages: list(cell("languages")),
        };
        for error in crate::scoring::profile::validate_profile(&profile, divisions) {
            // Report profile problems under the column they came from.
            let column = match error.field.trim_start_matches("profile.") {
                "visit" => "start_date".to_string(),
                "hotel.division" | "hotel" => "hotel_division".to_string(),
                other => other.split(['[', '.']).next().unwrap_or(other).to_string(),
            };
            if !errors[before..].iter().any(|e| e.field == column) {
                errors.push(FieldError::new(&column, error.code, error.message).at_line(line));
            }
        }
        if errors.len() >= MAX_REPORTED_ERRORS {
            errors.truncate(MAX_REPORTED_ERRORS);
            errors.push(FieldError::new("(table)", FieldCode::TooManyErrors, format!("stopped at line {line} after {MAX_REPORTED_ERRORS} problems; fix these and upload again")));
            break;
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
