//! `visitmatch import`, `export`, `generate` and `index rebuild`: filling and keeping the base
//! library from files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::table::Table;
use super::{open, progress_bar, report_invalid, CliResult, EXIT_INVALID_INPUT};
use crate::app;
use crate::app::bases::OfficeSheet;
use crate::app::import::{ImportFile, ImportOptions, ImportOutcome};
use crate::catalog::{RecordFormat, TextEncoding, WriteMode};
use crate::Error;

/// The arguments of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import (.jsonl, .csv or .xlsx). CSV headers may be field names or the office's
    /// Chinese column names (基地名称, 产业类型, 所在地区, …); values may be labels (鞋业, 鹿城区, 企业).
    pub file: PathBuf,
    /// File format; guessed from the extension when omitted.
    #[arg(long, value_enum)]
    pub format: Option<RecordFormat>,
    /// Text encoding; UTF-8 (with or without a byte-order mark) or GB18030/GBK is recognised
    /// when omitted.
    #[arg(long, value_enum)]
    pub encoding: Option<TextEncoding>,
    /// The sheet of an .xlsx workbook to read; the first when omitted.
    #[arg(long)]
    pub sheet: Option<String>,
    /// Make the file the whole catalog: bases not in the file are deleted.
    #[arg(long)]
    pub replace: bool,
    /// Check the file and say base by base what the import would do, without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// New bases land as candidates (待审) for officers to review, not in the library: a
    /// survey return sent in by a division or an enterprise.
    #[arg(long)]
    pub as_candidates: bool,
    /// The division that sent the file in (鹿城区, lucheng, …); implies --as-candidates.
    /// Without it, each candidate is recorded as submitted by its own division.
    #[arg(long)]
    pub submitted_by: Option<String>,
    /// Industry labels the taxonomy does not know, mapped: a CSV file with a header row and two
    /// columns, the label as written (鞋材) and the industry to read it as (鞋业, or a code).
    /// A mapped label is kept as a tag, so search still finds it.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Read every unknown industry label as the industry proposed for it (see the list a
    /// failed import prints); the label is kept as a tag.
    #[arg(long)]
    pub accept_suggestions: bool,
    /// Keep the labels this import mapped as accepted labels (see `visitmatch labels`), so the
    /// next file that uses them needs no mapping.
    #[arg(long)]
    pub remember_labels: bool,
}

/// The arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output (an .xlsx export needs a file).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// `jsonl` (the import format, default), `xlsx` (the office's sheet: Chinese headers, labels
    /// rather than codes; it imports back unchanged) or `csv` (the same sheet as CSV, with the
    /// byte-order mark Excel needs to show Chinese).
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// JSON Lines in the import format.
    Jsonl,
    /// An Excel workbook as the office keeps it.
    Xlsx,
    /// The office's sheet as CSV (UTF-8 with a byte-order mark).
    Csv,
}

/// The arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of bases.
    #[arg(long)]
    pub count: usize,
    /// Output file (JSON Lines).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub(super) fn import(data_dir: &Path, args: ImportArgs) -> CliResult {
    let ImportArgs { file, format, encoding, sheet, replace, dry_run, as_candidates, submitted_by, mapping, accept_suggestions, remember_labels } = args;
    let file = file.as_path();

    let Some(format) = format.or_else(|| RecordFormat::from_path(file)) else {
        eprintln!("error: cannot tell the format of {}; pass --format jsonl, csv or xlsx", file.display());
        return Ok(ExitCode::from(EXIT_INVALID_INPUT));
    };
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let library = open(data_dir)?;
    let mode = if replace { WriteMode::Replace } else { WriteMode::Upsert };
    let mapping = match mapping.as_deref().map(read_mapping).transpose() {
        Ok(mapping) => mapping.unwrap_or_default(),
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
    };
    let options = ImportOptions { mode, as_candidates, submitted_by, dry_run, mapping, accept_suggestions, remember_labels };
    let source = ImportFile { bytes: &bytes, format, encoding, sheet: sheet.as_deref() };
    match app::import::run(&library, &source, &options, &crate::access::Actor::command_line()) {
        Ok(ImportOutcome { preview: Some(preview), total, .. }) => {
            println!("{}: nothing was written (dry run); the import would", file.display());
            println!(
                "  insert {} as {} ({}): {}",
                preview.inserted.len(),
                preview.arrival.label_zh(),
                preview.arrival.label_en(),
                preview.inserted.join(", ")
            );
            println!("  update {}:", preview.updated.len());
            for changed in &preview.updated {
                // The fields by the office's column names, as the sheet shows them.
                let fields: Vec<&str> = changed.fields.iter().map(|f| crate::catalog::headers::office_header(f)).collect();
                println!("    {} ({})", changed.id, fields.join("、"));
            }
            println!("  leave {} unchanged", preview.unchanged);
            println!("  delete {}: {}", preview.deleted.len(), preview.deleted.join(", "));
            println!("  and leave {total} bases in the catalog");
            if !preview.near_duplicates.is_empty() {
                println!("possible duplicates (疑似重复) of bases in the library; check before importing:");
                for near in &preview.near_duplicates {
                    println!("  {} ~ {} {} ({}, {})", near.id, near.other_id, near.other_name_zh, near.other_address_zh, near.other_status.label_zh());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(outcome) => {
            let s = outcome.summary;
            println!(
                "imported {}: {} inserted, {} updated, {} deleted; {} bases in the catalog",
                file.display(),
                s.inserted,
                s.updated,
                s.deleted,
                outcome.total
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Invalid(errors)) => {
            let records: std::collections::BTreeSet<_> = errors.iter().filter_map(|e| e.line).collect();
            let heading = format!("{}: {} problem(s) in {} record(s); nothing was imported", file.display(), errors.len(), records.len());
            let code = report_invalid(&heading, &errors);
            let unknown = app::import::unknown_labels(&library, &errors);
            if !unknown.is_empty() {
                eprintln!("\nindustry labels the taxonomy does not know (未知产业类型), with a proposal for each:");
                let mut table = Table::new(&["标签 Label", "次数 Uses", "行 Lines", "建议 Proposed industry"], &[false, true, false, false]);
                for group in &unknown {
                    let lines: Vec<String> = group.lines.iter().map(ToString::to_string).collect();
                    let proposed = match (&group.proposed, &group.proposed_label) {
                        (Some(code), Some(label)) => format!("{label} [{code}]"),
                        _ => "—".to_string(),
                    };
                    table.row(vec![group.label.clone(), group.count.to_string(), lines.join(", "), proposed]);
                }
                eprint!("{}", table.render());
                eprintln!(
                    "accept every proposal with --accept-suggestions, or write a mapping file (label,industry: one line a label) and pass --mapping FILE; each label is kept as a tag"
                );
            }
            Ok(code)
        }
        Err(Error::Unreadable(message)) => {
            eprintln!("error: {}: {message}", file.display());
            Ok(ExitCode::from(EXIT_INVALID_INPUT))
        }
        Err(other) => Err(other.into()),
    }
}

/// A mapping file: a header row, then a label and its industry a line (CSV, UTF-8 or GBK).
fn read_mapping(path: &Path) -> Result<Vec<(String, String)>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = crate::catalog::decode_text(&bytes, None).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let mut pairs = Vec::new();
    for (index, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("{}: {e}", path.display()))?;
        let line = row.position().map_or(index + 2, |p| p.line() as usize);
        let cells: Vec<&str> = row.iter().map(str::trim).collect();
        match cells.as_slice() {
            [] | [""] | ["", ""] => continue,
            [label, industry, ..] if !label.is_empty() && !industry.is_empty() => pairs.push((label.to_string(), industry.to_string())),
            _ => return Err(format!("{}: line {line}, column {}: a mapping line holds a label and an industry", path.display(), cells.len().min(1) + 1)),
        }
    }
    Ok(pairs)
}

pub(super) fn export(data_dir: &Path, args: ExportArgs) -> CliResult {
    let out = args.out.as_deref();
    let sheet = match args.format {
        ExportFormat::Jsonl => None,
        ExportFormat::Xlsx => Some(OfficeSheet::Xlsx),
        ExportFormat::Csv => Some(OfficeSheet::Csv),
    };
    if let Some(sheet) = sheet {
        if out.is_none() && sheet == OfficeSheet::Xlsx {
            eprintln!("error: an .xlsx export is written to a file; pass --out FILE.xlsx");
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
        let library = open(data_dir)?;
        let (bytes, count) = app::bases::export_sheet(&library, sheet)?;
        match out {
            Some(path) => {
                // Written beside the target and renamed, so a failed export never leaves half a file.
                let partial = path.with_extension("partial");
                std::fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
                std::fs::rename(&partial, path)?;
                eprintln!("exported {count} bases to {}", path.display());
            }
            None => {
                std::io::stdout().lock().write_all(&bytes)?;
                eprintln!("exported {count} bases");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let library = open(data_dir)?;
    let count = match out {
        Some(path) => {
            // Write beside the target and rename, so a failed export never leaves half a file.
            let partial = path.with_extension("partial");
            let mut file = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?);
            let count = app::bases::export(&library, &mut file)?;
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&partial, path)?;
            count
        }
        None => app::bases::export(&library, &mut std::io::stdout().lock())?,
    };
    eprintln!("exported {count} bases");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn rebuild(data_dir: &Path) -> CliResult {
    let library = open(data_dir)?;
    let bar = progress_bar("rebuilding index");
    let count = library.rebuild_index(&|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    println!("rebuilt the search index of {} with {count} bases", data_dir.display());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn generate(args: GenerateArgs) -> CliResult {
    let GenerateArgs { count, out, seed } = args;
    let out = out.as_path();

    let taxonomy = crate::domain::Taxonomy::embedded();
    let divisions = crate::domain::DivisionRegistry::embedded();
    let fixtures = crate::catalog::parse_records(crate::catalog::EMBEDDED_BASES, RecordFormat::Jsonl, &taxonomy, &divisions)
        .map_err(|errors| format!("embedded fixtures invalid: {}", errors.len()))?;
    let partial = out.with_extension("partial");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?);
    for base in crate::catalog::scale::scale_bases(&fixtures, count, seed) {
        writeln!(file, "{}", serde_json::to_string(&crate::catalog::to_record(&base))?)?;
    }
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, out)?;
    println!("wrote {count} bases to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
