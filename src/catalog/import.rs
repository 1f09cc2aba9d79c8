//! Reading base records from JSON Lines and CSV, all-or-nothing.
//!
//! [`parse_records`] validates every record of a file and returns either every base or every
//! failure (with its line); the caller writes nothing unless it gets the bases.

use std::collections::HashMap;
use std::path::Path;

use crate::catalog::validate::{validate_record, CsvRow, FieldError};
use crate::domain::{DivisionRegistry, ExchangeBase, Taxonomy};

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
}

impl RecordFormat {
    /// Guesses the format from a file extension.
    pub fn from_path(path: &Path) -> Option<RecordFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Some(RecordFormat::Jsonl),
            "csv" => Some(RecordFormat::Csv),
            _ => None,
        }
    }
}

/// Parses and validates every record of `input`. Errors are sorted by line.
pub fn parse_records(
    input: &str,
    format: RecordFormat,
    taxonomy: &Taxonomy,
    divisions: &DivisionRegistry,
) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
    let mut bases: Vec<(usize, ExchangeBase)> = Vec::new();
    let mut errors = Vec::new();
    match format {
        RecordFormat::Jsonl => {
            for (index, line) in input.lines().enumerate() {
                let line_number = index + 1;
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                match serde_json::from_str::<serde_json::Value>(line) {
                    Ok(serde_json::Value::Object(record)) => match validate_record(&record, taxonomy, divisions) {
                        Ok(base) => bases.push((line_number, base)),
                        Err(found) => errors.extend(found.into_iter().map(|e| e.at_line(line_number))),
                    },
                    Ok(_) => errors.push(FieldError::new("(record)", "malformed_record", "must be a JSON object").at_line(line_number)),
                    Err(e) => errors.push(FieldError::new("(record)", "malformed_record", format!("invalid JSON: {e}")).at_line(line_number)),
                }
            }
        }
        RecordFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input.as_bytes());
            let header = match reader.headers() {
                Ok(header) => header.clone(),
                Err(e) => return Err(vec![FieldError::new("(header)", "malformed_record", format!("unreadable CSV header: {e}")).at_line(1)]),
            };
            for row in reader.records() {
                match row {
                    Ok(row) => {
                        let line_number = row.position().map(|p| p.line() as usize).unwrap_or(0);
                        match validate_record(&CsvRow { header: &header, row: &row }, taxonomy, divisions) {
                            Ok(base) => bases.push((line_number, base)),
                            Err(found) => errors.extend(found.into_iter().map(|e| e.at_line(line_number))),
                        }
                    }
                    Err(e) => {
                        let line_number = e.position().map(|p| p.line() as usize).unwrap_or(0);
                        errors.push(FieldError::new("(record)", "malformed_record", format!("unreadable CSV row: {e}")).at_line(line_number));
                    }
                }
            }
        }
    }

    let mut first_line_of: HashMap<&str, usize> = HashMap::new();
    for (line, base) in &bases {
        if let Some(first) = first_line_of.insert(base.id.as_str(), *line) {
            errors.push(
                FieldError::new("id", "duplicate_id", format!("`{}` already appears on line {first}", base.id)).at_line(*line),
            );
            first_line_of.insert(base.id.as_str(), first);
        }
    }
    if bases.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("(file)", "malformed_record", "the file holds no records"));
    }
    if errors.is_empty() {
        Ok(bases.into_iter().map(|(_, base)| base).collect())
    } else {
        errors.sort_by_key(|e| e.line.unwrap_or(0));
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str, format: RecordFormat) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
        parse_records(input, format, &Taxonomy::embedded(), &DivisionRegistry::embedded())
    }

    #[test]
    fn embedded_fixtures_all_validate() {
        let bases = parse(include_str!("../../fixtures/bases.jsonl"), RecordFormat::Jsonl).unwrap();
        assert!(bases.len() >= 300);
    }

    #[test]
    fn reports_malformed_json_and_duplicates_with_lines() {
        let good = include_str!("../../fixtures/bases.jsonl").lines().next().unwrap();
        let input = format!("{good}\n{{not json\n\n{good}\n");
        let errors = parse(&input, RecordFormat::Jsonl).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].code.as_str()), (Some(2), "malformed_record"));
        assert_eq!((errors[1].line, errors[1].code.as_str()), (Some(4), "duplicate_id"));
    }

    #[test]
    fn csv_errors_carry_the_file_line() {
        let input = "id,name_zh,kind\nok-1,名,enterprise\n";
        let errors = parse(input, RecordFormat::Csv).unwrap_err();
        assert!(errors.iter().all(|e| e.line == Some(2)), "{errors:?}");
        assert!(errors.iter().any(|e| e.field == "division" && e.code == "missing_field"));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(parse("\n\n", RecordFormat::Jsonl).is_err());
    }
}
