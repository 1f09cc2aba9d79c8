//! Reading one sheet of an `.xlsx` workbook as rows of text, within fixed bounds.
//!
//! A workbook is a zip of XML parts, so a few kilobytes can unpack to gigabytes, and a sheet with
//! one cell in A1 and another in XFD1048576 would make a dense reader allocate seventeen billion
//! cells. Both are checked before anything is kept: every part is unpacked into nothing first,
//! counting the bytes it really holds (a part's declared size can lie), and the sheet is read cell
//! by cell, refusing a row or column beyond the limits as soon as it appears.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

/// Most bytes the parts of a workbook may unpack to: a survey return of ten thousand bases is
/// under ten megabytes unpacked.
pub const MAX_WORKBOOK_UNPACKED_BYTES: u64 = 128 * 1024 * 1024;
/// Most parts (files) a workbook may hold.
pub const MAX_WORKBOOK_PARTS: usize = 2_000;
/// Most rows a sheet may use, the header included.
pub const MAX_SHEET_ROWS: u32 = 200_000;
/// Most columns a sheet may use.
pub const MAX_SHEET_COLUMNS: u32 = 200;
/// Most non-empty cells a sheet may hold.
pub const MAX_SHEET_CELLS: usize = 2_000_000;
/// Most characters in one cell (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;

/// The used rows of a sheet: the spreadsheet's row number (from 1, as Excel shows it) and the
/// text of each cell from column A to the row's last used one, blanks between filled in.
pub type SheetRows = Vec<(usize, Vec<String>)>;

/// The rows of the first sheet of `bytes`, or of the sheet named `sheet`. The error says what is
/// wrong in words a person who saved the file understands.
pub fn read_sheet(bytes: &[u8], sheet: Option<&str>) -> Result<SheetRows, String> {
    check_unpacked_size(bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("not an Excel workbook (.xlsx): {e}"))?;
    let names = workbook.sheet_names().to_vec();
    let name = match sheet {
        Some(wanted) => names.iter().find(|n| n.as_str() == wanted).cloned().ok_or_else(|| format!("no sheet `{wanted}`; the sheets are {}", names.join(", ")))?,
        None => names.first().cloned().ok_or_else(|| "the workbook has no sheet".to_string())?,
    };
    let unreadable = |e: calamine::XlsxError| format!("sheet `{name}` cannot be read: {e}");
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    // A cell that refers to a shared string gets its own copy: the text kept is counted against
    // the same budget as the unpacked parts, so one long string used everywhere cannot multiply.
    let (mut kept_cells, mut kept_bytes) = (0usize, 0u64);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        if row >= MAX_SHEET_ROWS {
            return Err(format!("sheet `{name}` uses row {}; at most {MAX_SHEET_ROWS} rows are read", row + 1));
        }
        if column >= MAX_SHEET_COLUMNS {
            return Err(format!("sheet `{name}` uses column {}; at most {MAX_SHEET_COLUMNS} columns are read", column + 1));
        }
        let long = match cell.get_value() {
            DataRef::SharedString(text) => text.chars().count() > MAX_CELL_CHARS,
            DataRef::String(text) => text.chars().count() > MAX_CELL_CHARS,
            _ => false,
        };
        if long {
            return Err(format!("sheet `{name}`, row {}, column {}: a cell holds more than {MAX_CELL_CHARS} characters", row + 1, column + 1));
        }
        let text = cell_text(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        kept_cells += 1;
        kept_bytes += text.len() as u64;
        if kept_cells > MAX_SHEET_CELLS {
            return Err(format!("sheet `{name}` holds more than {MAX_SHEET_CELLS} filled cells; split it into smaller files"));
        }
        if kept_bytes > MAX_WORKBOOK_UNPACKED_BYTES {
            return Err(format!("sheet `{name}` holds more than {} MiB of text; split it into smaller files", MAX_WORKBOOK_UNPACKED_BYTES / (1024 * 1024)));
        }
        let cells = rows.entry(row).or_default();
        if cells.len() <= column as usize {
            cells.resize(column as usize + 1, String::new());
        }
        cells[column as usize] = text;
    }
    if rows.is_empty() {
        return Err(format!("sheet `{name}` is empty"));
    }
    Ok(rows.into_iter().map(|(row, cells)| (row as usize + 1, cells)).collect())
}

/// Unpacks every part into nothing, stopping at the limit: what the parts really hold, whatever
/// their headers declare.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not an Excel workbook (.xlsx): {e}"))?;
    if archive.len() > MAX_WORKBOOK_PARTS {
        return Err(format!("the workbook holds {} parts; at most {MAX_WORKBOOK_PARTS} are read", archive.len()));
    }
    let mut unpacked = 0u64;
    let too_big = || format!("the workbook unpacks to more than {} MiB; split it into smaller files", MAX_WORKBOOK_UNPACKED_BYTES / (1024 * 1024));
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(|e| format!("not an Excel workbook (.xlsx): {e}"))?;
        let room = MAX_WORKBOOK_UNPACKED_BYTES - unpacked;
        let read = std::io::copy(&mut part.take(room + 1), &mut std::io::sink()).map_err(|e| format!("the workbook is damaged: {e}"))?;
        if read > room {
            return Err(too_big());
        }
        unpacked += read;
    }
    Ok(())
}

/// A cell as the text a CSV of the sheet would hold: whole numbers without `.0`, dates as
/// `YYYY-MM-DD`.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => text.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        // Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
        DataRef::DateTime(when) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(when.as_f64().max(0.0) as u64)))
            .map_or_else(|| when.as_f64().to_string(), |date| date.format("%Y-%m-%d").to_string()),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    fn workbook(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = Workbook::new();
        fill(book.add_worksheet());
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn rows_keep_their_spreadsheet_numbers_and_blank_cells() {
        let bytes = workbook(|sheet| {
            sheet.write_string(1, 0, "名称").unwrap();
            sheet.write_string(1, 2, "地区").unwrap();
            sheet.write_number(3, 0, 42.0).unwrap();
            sheet.write_number(3, 1, 2.5).unwrap();
        });
        let rows = read_sheet(&bytes, None).unwrap();
        assert_eq!(rows, vec![(2, vec!["名称".to_string(), String::new(), "地区".into()]), (4, vec!["42".into(), "2.5".into()])]);
    }

    #[test]
    fn a_far_cell_is_refused_before_anything_is_allocated_for_it() {
        let bytes = workbook(|sheet| {
            sheet.write_string(0, 0, "a").unwrap();
            sheet.write_string(1_048_575, 16_383, "far").unwrap();
        });
        let message = read_sheet(&bytes, None).unwrap_err();
        assert!(message.contains("row 1048576"), "{message}");
        let bytes = workbook(|sheet| {
            sheet.write_string(0, 0, "a").unwrap();
            sheet.write_string(0, 16_383, "wide").unwrap();
        });
        assert!(read_sheet(&bytes, None).unwrap_err().contains("column 16384"));
    }

    #[test]
    fn a_part_that_unpacks_beyond_the_limit_is_refused() {
        use std::io::Write;
        let mut packed = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut packed));
            zip.start_file("xl/sharedStrings.xml", zip::write::SimpleFileOptions::default()).unwrap();
            let zeros = vec![b'0'; 1 << 20];
            for _ in 0..=(MAX_WORKBOOK_UNPACKED_BYTES >> 20) {
                zip.write_all(&zeros).unwrap();
            }
            zip.finish().unwrap();
        }
        assert!(packed.len() < 1 << 20, "a bomb: {} bytes packed", packed.len());
        let message = read_sheet(&packed, None).unwrap_err();
        assert!(message.contains("unpacks to more than"), "{message}");
    }

    #[test]
    fn an_over_long_cell_is_refused_with_its_place() {
        use std::io::Write;
        // Excel (and the writer) stop at the limit; a file made by other means need not, so the
        // placeholder is swapped for a longer text inside the package.
        let bytes = workbook(|sheet| {
            sheet.write_string(0, 0, "简介").unwrap();
            sheet.write_string(2, 0, "PLACEHOLDER").unwrap();
        });
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut repacked = Vec::new();
        {
            let mut out = zip::ZipWriter::new(Cursor::new(&mut repacked));
            for index in 0..archive.len() {
                let mut part = archive.by_index(index).unwrap();
                let mut content = Vec::new();
                part.read_to_end(&mut content).unwrap();
                let content = String::from_utf8(content).map(|text| text.replace("PLACEHOLDER", &"长".repeat(MAX_CELL_CHARS + 1))).unwrap_or_default();
                out.start_file(part.name(), zip::write::SimpleFileOptions::default()).unwrap();
                out.write_all(content.as_bytes()).unwrap();
            }
            out.finish().unwrap();
        }
        let bytes = repacked;
        let message = read_sheet(&bytes, None).unwrap_err();
        assert!(message.contains("row 3, column 1"), "{message}");
    }

    #[test]
    fn a_file_that_is_not_a_workbook_says_so() {
        assert!(read_sheet(b"name,division\n", None).unwrap_err().contains("not an Excel workbook"));
    }
}
