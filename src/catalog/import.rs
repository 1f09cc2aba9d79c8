//! Reading base records from JSON Lines, CSV and Excel workbooks, all-or-nothing.
//!
//! [`parse_records`] (text) and [`parse_workbook`] (`.xlsx`) validate every record of a file and
//! return either every base or every failure (with its line: the spreadsheet's row number); the
//! caller writes nothing unless it gets the bases.

use std::collections::HashMap;
use std::path::Path;

use crate::catalog::headers::field_of_header;
use crate::catalog::validate::{validate_mapped, CsvRow};
use crate::catalog::workbook::read_sheet;
use crate::domain::{FieldCode, FieldError};
use crate::domain::{DivisionRegistry, ExchangeBase, LabelMapping, Taxonomy};

/// The file formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordFormat {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// An Excel workbook (`.xlsx`): the first sheet (or a named one), a header row, one base a row.
    Xlsx,
}

impl RecordFormat {
    /// Guesses the format from a file extension.
    pub fn from_path(path: &Path) -> Option<RecordFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Some(RecordFormat::Jsonl),
            "csv" => Some(RecordFormat::Csv),
            "xlsx" => Some(RecordFormat::Xlsx),
            _ => None,
        }
    }
}

/// The text encodings a file may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030, which includes GBK and GB2312: what Excel writes for "CSV" on a Chinese system.
    #[value(alias = "gbk", alias = "gb2312")]
    Gb18030,
}

impl TextEncoding {
    /// The encoding a `charset` names (`utf-8`, `gbk`, `gb2312`, `gb18030`), if we read it.
    pub fn from_charset(charset: &str) -> Option<TextEncoding> {
        match charset.trim().trim_matches('"').to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(TextEncoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Some(TextEncoding::Gb18030),
            _ => None,
        }
    }
}

/// Reads a file's bytes as text: UTF-8 (a byte-order mark dropped) unless `encoding` says
/// otherwise; bytes that are not UTF-8 are read as GB18030 when they are valid GB18030. Line
/// ends stay as they are (the readers count CRLF as one line end).
pub fn decode_text(bytes: &[u8], encoding: Option<TextEncoding>) -> Result<String, String> {
    let utf8 = |bytes: &[u8]| std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)).map(str::to_string);
    let gb18030 = |bytes: &[u8]| {
        let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        (!had_errors).then(|| text.into_owned())
    };
    match encoding {
        Some(TextEncoding::Utf8) => utf8(bytes).map_err(|e| format!("the file is not UTF-8 (byte {}); if Excel saved it, try --encoding gbk", e.valid_up_to())),
        Some(TextEncoding::Gb18030) => gb18030(bytes).ok_or_else(|| "the file is not GB18030/GBK text".to_string()),
        None => utf8(bytes).or_else(|_| {
            gb18030(bytes).ok_or_else(|| "the file is neither UTF-8 nor GB18030/GBK text; save it as \"CSV UTF-8\" or give its encoding".to_string())
        }),
    }
}

/// Line numbers of CSV records as an editor shows them. The reader ends a record at a `\r` and
/// starts the next at the `\n` after it, so its own line count runs one behind in CRLF files;
/// counting `\n` up to the first byte of the record's content is right for both. Records come
/// in order, so each count starts where the last one stopped.
struct Lines<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(input: &'a str) -> Lines<'a> {
        Lines { bytes: input.as_bytes(), counted_to: 0, line: 1 }
    }

    fn at(&mut self, offset: u64) -> usize {
        let mut start = (offset as usize).min(self.bytes.len());
        while start < self.bytes.len() && (self.bytes[start] == b'\n' || self.bytes[start] == b'\r') {
            start += 1;
        }
        if start > self.counted_to {
            self.line += self.bytes[self.counted_to..start].iter().filter(|b| **b == b'\n').count();
            self.counted_to = start;
        }
        self.line
    }
}

/// Parses and validates every record of `input`. Errors are sorted by line.
pub fn parse_records(
    input: &str,
    format: RecordFormat,
    taxonomy: &Taxonomy,
    divisions: &DivisionRegistry,
) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
    parse_mapped(input, format, &Vocabulary { taxonomy, divisions, mapping: &LabelMapping::default() })
}

/// What records are read against: the taxonomy, the divisions, and the import's own mapping of
/// labels the taxonomy does not know.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary<'a> {
    /// The industry taxonomy.
    pub taxonomy: &'a Taxonomy,
    /// The divisions and zones.
    pub divisions: &'a DivisionRegistry,
    /// Labels mapped to industries for this import.
    pub mapping: &'a LabelMapping,
}

/// [`parse_records`] against a [`Vocabulary`].
pub fn parse_mapped(input: &str, format: RecordFormat, vocabulary: &Vocabulary<'_>) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
    let Vocabulary { taxonomy, divisions, mapping } = *vocabulary;
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
                    Ok(serde_json::Value::Object(record)) => match validate_mapped(&record, taxonomy, divisions, mapping) {
                        Ok(base) => bases.push((line_number, base)),
                        Err(found) => errors.extend(found.into_iter().map(|e| e.at_line(line_number))),
                    },
                    Ok(_) => errors.push(FieldError::new("(record)", FieldCode::MalformedRecord, "must be a JSON object").at_line(line_number)),
                    Err(e) => errors.push(FieldError::new("(record)", FieldCode::MalformedRecord, format!("invalid JSON: {e}")).at_line(line_number)),
                }
            }
        }
        RecordFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input.as_bytes());
            let header = match reader.headers() {
                Ok(header) => header.clone(),
                Err(e) => return Err(vec![FieldError::new("(header)", FieldCode::MalformedRecord, format!("unreadable CSV header: {e}")).at_line(1)]),
            };
            let mut lines = Lines::new(input);
            let rows = reader.records().map(|row| match row {
                Ok(row) => (row.position().map_or(0, |p| lines.at(p.byte())), Ok(row)),
                Err(e) => (e.position().map_or(0, |p| lines.at(p.byte())), Err(format!("unreadable CSV row: {e}"))),
            });
            validate_rows(&header, rows, vocabulary, &mut bases, &mut errors);
        }
        RecordFormat::Xlsx => {
            return Err(vec![FieldError::new("(file)", FieldCode::MalformedRecord, "a workbook is read from its bytes, not as text")]);
        }
    }
    finish(bases, errors)
}

/// Parses and validates every row of a workbook's first sheet, or of `sheet`. Lines are the
/// spreadsheet's row numbers (the header is row 1).
pub fn parse_workbook(
    bytes: &[u8],
    sheet: Option<&str>,
    taxonomy: &Taxonomy,
    divisions: &DivisionRegistry,
) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
    parse_workbook_mapped(bytes, sheet, &Vocabulary { taxonomy, divisions, mapping: &LabelMapping::default() })
}

/// [`parse_workbook`] against a [`Vocabulary`].
pub fn parse_workbook_mapped(bytes: &[u8], sheet: Option<&str>, vocabulary: &Vocabulary<'_>) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
    let rows = read_sheet(bytes, sheet).map_err(|message| vec![FieldError::new("(file)", FieldCode::MalformedRecord, message)])?;
    let mut rows = rows.into_iter();
    let Some((_, header)) = rows.next() else { unreachable!("read_sheet refuses an empty sheet") };
    let header = csv::StringRecord::from(header);
    let rows = rows.map(|(line, cells)| (line, Ok(csv::StringRecord::from(cells))));
    let (mut bases, mut errors) = (Vec::new(), Vec::new());
    validate_rows(&header, rows, vocabulary, &mut bases, &mut errors);
    finish(bases, errors)
}

fn validate_rows(
    header: &csv::StringRecord,
    rows: impl Iterator<Item = (usize, Result<csv::StringRecord, String>)>,
    vocabulary: &Vocabulary<'_>,
    bases: &mut Vec<(usize, ExchangeBase)>,
    errors: &mut Vec<FieldError>,
) {
    for (line_number, row) in rows {
        match row {
            Ok(row) => match validate_mapped(&CsvRow { header, row: &row }, vocabulary.taxonomy, vocabulary.divisions, vocabulary.mapping) {
                Ok(base) => bases.push((line_number, base)),
                Err(found) => errors.extend(found.into_iter().map(|e| in_column(e, header).at_line(line_number))),
            },
            Err(message) => errors.push(FieldError::new("(record)", FieldCode::MalformedRecord, message).at_line(line_number)),
        }
    }
}

/// `error` naming its column as the sheet shows it (`D 产业类型`), when a column holds its field.
fn in_column(mut error: FieldError, header: &csv::StringRecord) -> FieldError {
    if let Some((index, written)) = header.iter().enumerate().find(|(_, written)| field_of_header(written) == error.field) {
        error.column = Some(format!("{} {}", column_letter(index), written.trim().trim_start_matches('\u{feff}')));
    }
    error
}

/// A column's letter as spreadsheets show it: A…Z, AA…
fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        letters.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Every base, or every failure (duplicates included) sorted by line.
fn finish(bases: Vec<(usize, ExchangeBase)>, mut errors: Vec<FieldError>) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
    let mut first_line_of: HashMap<&str, usize> = HashMap::new();
    for (line, base) in &bases {
        if let Some(first) = first_line_of.insert(base.id.as_str(), *line) {
            errors.push(
                FieldError::new(
                    "id",
                    FieldCode::DuplicateId,
                    format!("`{}` already appears on line {first} (an id left out is derived from the division, name and address: give one to tell two such bases apart)", base.id),
                )
                .at_line(*line),
            );
            first_line_of.insert(base.id.as_str(), first);
        }
    }
    if bases.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("(file)", FieldCode::MalformedRecord, "the file holds no records"));
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

    #[test]
    fn columns_are_lettered_as_spreadsheets_show_them() {
        let letters: Vec<String> = [0, 3, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_letter).collect();
        assert_eq!(letters, ["A", "D", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }
    use crate::catalog::validate::validate_record;

    fn parse(input: &str, format: RecordFormat) -> Result<Vec<ExchangeBase>, Vec<FieldError>> {
        parse_records(input, format, &Taxonomy::embedded(), &DivisionRegistry::embedded())
    }

    #[test]
    fn a_sheet_without_ids_gets_stable_ones_and_a_repeated_row_is_named() {
        let header = "基地名称,类型,产业类型,所在地区,地址,纬度,经度,简介,参观时长（分钟）,开放时间,最大接待人数,讲解语言";
        let row = |name: &str, address: &str| format!("{name},企业,鞋业,鹿城区,{address},28.0,120.6,测试。,60,每天 9:00-17:00,20,中文");
        let two = [header.to_string(), row("同名企业", "一号"), row("同名企业", "二号")].join("\n");
        let bases = parse(&two, RecordFormat::Csv).unwrap();
        assert_ne!(bases[0].id, bases[1].id, "one name at two addresses is two bases");
        assert_eq!(parse(&two, RecordFormat::Csv).unwrap()[0].id, bases[0].id, "the same row gets the same id again");
        let repeated = [header.to_string(), row("同名企业", "一号"), row("同名企业", "一号")].join("\n");
        let errors = parse(&repeated, RecordFormat::Csv).unwrap_err();
        assert_eq!((errors[0].line, errors[0].code), (Some(3), FieldCode::DuplicateId));
        assert!(errors[0].message.contains("derived"), "{}", errors[0].message);
        let json = r#"{"name_zh": "无编号", "kind": "enterprise"}"#;
        let errors = parse(json, RecordFormat::Jsonl).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "id" && e.code == FieldCode::MissingField), "a JSON record still needs its id");
    }

    #[test]
    fn crlf_and_lf_files_number_their_lines_alike() {
        for ending in ["\n", "\r\n"] {
            let input = ["id,name_zh", "a-1,甲", "", "a-2,乙"].join(ending);
            let errors = parse(&input, RecordFormat::Csv).unwrap_err();
            let lines: std::collections::BTreeSet<usize> = errors.iter().filter_map(|e| e.line).collect();
            assert_eq!(lines, [2, 4].into(), "{ending:?}: {errors:?}");
        }
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
        assert!(errors.iter().any(|e| e.field == "division" && e.code == FieldCode::MissingField));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(parse("\n\n", RecordFormat::Jsonl).is_err());
    }

    /// Property tests: thousands of randomly damaged files (fields removed, values of the wrong
    /// type or absurd size, unknown fields, duplicated ids, cut or garbage lines, shuffled CSV
    /// cells). The importer never panics; it either returns every base, each surviving an
    /// export and re-import unchanged, or a list of failures that blames only damaged lines,
    /// names a real field with a known code, and carries a line number inside the file.
    mod properties {
        use super::*;
        use crate::catalog::validate::{to_record, RECORD_FIELDS};
        use crate::rng::SplitMix64;
        use serde_json::{json, Map, Value};

        const CODES: &[&str] = &["missing_field", "invalid_type", "invalid_value", "unknown_field", "duplicate_id", "malformed_record"];

        fn random_text(rng: &mut SplitMix64) -> String {
            let alphabet: Vec<char> = "aZ9 -_,;|:\"'\\\n\t\u{0}鞋温州🙂é\u{202e}0123456789".chars().collect();
            let length = match rng.below(10) {
                0 => 0,
                1 => 5000 + rng.below(5000),
                _ => 1 + rng.below(40),
            };
            (0..length).map(|_| alphabet[rng.below(alphabet.len())]).collect()
        }

        fn random_value(rng: &mut SplitMix64, depth: usize) -> Value {
            match rng.below(if depth > 1 { 6 } else { 8 }) {
                0 => Value::Null,
                1 => json!(rng.below(2) == 1),
                2 => json!(rng.next_u64() as i64),
                3 => json!([-1.0e308, -1.0, 0.0, 0.5, 1.0e308, 27.5, 120.6][rng.below(7)]),
                4 | 5 => json!(random_text(rng)),
                6 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect()),
                _ => Value::Object((0..rng.below(3)).map(|_| (random_text(rng), random_value(rng, depth + 1))).collect()),
            }
        }

        fn damage(record: &mut Map<String, Value>, rng: &mut SplitMix64) {
            let keys: Vec<String> = record.keys().cloned().collect();
            match rng.below(4) {
                0 => {
                    record.remove(&keys[rng.below(keys.len())]);
                }
                1 | 2 => {
                    let key = keys[rng.below(keys.len())].clone();
                    let value = random_value(rng, 0);
                    if record.get(&key) == Some(&value) {
                        record.remove(&key);
                    } else {
                        record.insert(key, value);
                    }
                }
                _ => {
                    record.insert(format!("extra_{}", rng.below(1000)), random_value(rng, 0));
                }
            }
        }

        fn check_errors(errors: &[FieldError], damaged_lines: &[usize], line_count: usize, context: &str) {
            assert!(!errors.is_empty(), "{context}");
            for error in errors {
                let line = error.line.unwrap_or_else(|| panic!("no line for {error}: {context}"));
                assert!((1..=line_count).contains(&line), "line {line} outside 1..={line_count}: {error}: {context}");
                assert!(damaged_lines.contains(&line), "a clean line was blamed: {error}: {context}");
                assert!(CODES.contains(&error.code.as_str()), "unknown code: {error}");
                let root = error.field.split(['.', '[']).next().unwrap_or("");
                match error.code.as_str() {
                    "unknown_field" => assert!(!RECORD_FIELDS.contains(&error.field.as_str()), "{error}"),
                    _ => assert!(RECORD_FIELDS.contains(&root) || error.field == "(record)", "unexpected field name: {error}"),
                }
            }
        }

        #[test]
        fn damaged_json_lines_never_panic_and_blame_only_damaged_lines() {
            let (taxonomy, divisions) = (Taxonomy::embedded(), DivisionRegistry::embedded());
            let fixtures: Vec<Map<String, Value>> = include_str!("../../fixtures/bases.jsonl")
                .lines()
                .map(|line| serde_json::from_str(line).expect("fixture lines are JSON objects"))
                .collect();
            let mut rng = SplitMix64::new(20261129);
            let (mut accepted, mut rejected) = (0, 0);
            for case in 0..1500 {
                let count = 1 + rng.below(5);
                let start = rng.below(fixtures.len() - count);
                let mut lines = Vec::new();
                let mut damaged_lines = Vec::new();
                for (offset, fixture) in fixtures[start..start + count].iter().enumerate() {
                    let mut record = fixture.clone();
                    let line_number = offset + 1;
                    let text = match rng.below(6) {
                        0 | 1 => record.clone().into_iter().collect::<Map<_, _>>(),
                        _ => {
                            for _ in 0..1 + rng.below(3) {
                                damage(&mut record, &mut rng);
                            }
                            damaged_lines.push(line_number);
                            record
                        }
                    };
                    let mut line = Value::Object(text).to_string();
                    if rng.below(25) == 0 {
                        line.truncate(line.char_indices().nth(rng.below(line.chars().count())).map_or(0, |(i, _)| i));
                        if line.trim().is_empty() {
                            line.push('x');
                        }
                        damaged_lines.push(line_number);
                    }
                    lines.push(line);
                }
                if rng.below(10) == 0 {
                    // The same id twice: the second occurrence is at fault.
                    lines.push(lines[0].clone());
                    damaged_lines.push(lines.len());
                }
                let input = lines.join("\n");
                let context = format!("case {case}");
                match parse_records(&input, RecordFormat::Jsonl, &taxonomy, &divisions) {
                    Ok(bases) => {
                        accepted += 1;
                        assert_eq!(bases.len(), lines.len(), "{context}");
                        for base in &bases {
                            let again = validate_record(&to_record(base), &taxonomy, &divisions)
                                .unwrap_or_else(|e| panic!("{context}: an accepted base does not re-import: {e:?}"));
                            assert_eq!(&again, base, "{context}: export and re-import changed the base");
                        }
                    }
                    Err(errors) => {
                        rejected += 1;
                        check_errors(&errors, &damaged_lines, lines.len(), &context);
                    }
                }
            }
            // Both outcomes must actually be exercised for the properties to mean anything.
            assert!(accepted > 100 && rejected > 500, "accepted {accepted}, rejected {rejected}");
        }

        #[test]
        fn damaged_csv_never_panics_and_keeps_line_numbers_inside_the_file() {
            let (taxonomy, divisions) = (Taxonomy::embedded(), DivisionRegistry::embedded());
            let original = include_str!("../../tests/data/bases_update.csv");
            assert!(parse_records(original, RecordFormat::Csv, &taxonomy, &divisions).is_ok());
            let mut rng = SplitMix64::new(7);
            let mut rejected = 0;
            for case in 0..1500 {
                let mut rows: Vec<Vec<String>> = {
                    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(original.as_bytes());
                    reader.records().map(|r| r.expect("the fixture is CSV").iter().map(String::from).collect()).collect()
                };
                let mut damaged_lines = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    let row = 1 + rng.below(rows.len() - 1);
                    let column = rng.below(rows[row].len());
                    match rng.below(4) {
                        0 => rows[row][column] = String::new(),
                        1 => {
                            rows[row].remove(column);
                        }
                        _ => rows[row][column] = random_text(&mut rng),
                    }
                    damaged_lines.push(row + 1);
                }
                let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
                let mut physical_lines = Vec::new();
                for row in &rows {
                    physical_lines.push(row.iter().map(|c| c.matches('\n').count()).sum::<usize>() + 1);
                    writer.write_record(row).expect("in-memory write");
                }
                let input = String::from_utf8(writer.into_inner().expect("flush")).expect("UTF-8");
                let line_count = input.lines().count().max(1);
                if let Err(errors) = parse_records(&input, RecordFormat::Csv, &taxonomy, &divisions) {
                    rejected += 1;
                    for error in &errors {
                        let line = error.line.unwrap_or_else(|| panic!("case {case}: no line for {error}"));
                        assert!((1..=line_count).contains(&line), "case {case}: line {line} outside 1..={line_count}: {error}");
                        assert!(CODES.contains(&error.code.as_str()), "case {case}: unknown code: {error}");
                    }
                    // With no embedded newlines, physical lines are rows: only damaged rows are blamed.
                    if physical_lines.iter().all(|n| *n == 1) {
                        check_errors(&errors, &damaged_lines, line_count, &format!("csv case {case}"));
                    }
                }
            }
            assert!(rejected > 500, "only {rejected} damaged files were rejected");
        }
    }
}
