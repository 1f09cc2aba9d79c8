//! `visitmatch evaluate`: past visits replayed through the matcher and the planner, with the
//! report written as a whole or not at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::matching::load_match_config;
use super::{open, progress_bar, report_invalid, CliResult, EXIT_INVALID_INPUT};
use crate::access::Visibility;
use crate::app;
use crate::evaluation::{read_table, report, EvaluateOptions, NamedRanker, Ranker, VisitFormat};
use crate::Error;

/// The arguments of `evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Past visits, CSV or Parquet (columns in fixtures/past_visits/README.md).
    #[arg(long, required_unless_present = "from_records", conflicts_with = "from_records")]
    pub visits: Option<PathBuf>,
    /// Replay the completed visits recorded in the catalog (`POST /v1/visits`) instead of a file.
    #[arg(long)]
    pub from_records: bool,
    /// A matching configuration to compare (TOML, as fixtures/match_config.toml); repeatable.
    #[arg(long = "config")]
    pub configs: Vec<PathBuf>,
    /// Folder for the report; replaced as a whole when the run succeeds.
    #[arg(long)]
    pub out: PathBuf,
    /// Cut-off of the ranked lists.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub k: u32,
    /// Most visits per configuration also planned as itineraries (spread over the file).
    #[arg(long, default_value_t = 1000)]
    pub itinerary_sample: usize,
}

/// Replays the visits of `--visits`, or the completed visit records of the catalog.
pub(super) fn evaluate(data_dir: &Path, args: EvaluateArgs) -> CliResult {
    let EvaluateArgs { visits, from_records: _, configs, out, k, itinerary_sample } = args;
    let file = match visits.as_deref() {
        None => None,
        Some(path) => match VisitFormat::from_path(path) {
            Some(format) => Some((path, format)),
            None => {
                eprintln!("error: {} must end in .csv or .parquet", path.display());
                return Ok(ExitCode::from(EXIT_INVALID_INPUT));
            }
        },
    };
    replay(data_dir, file, &configs, &out, k as usize, itinerary_sample)
}

/// Checks the visits of `file` (or the records), runs every configuration, writes the report.
fn replay(data_dir: &Path, file: Option<(&Path, VisitFormat)>, configs: &[PathBuf], out: &Path, k: usize, itinerary_sample: usize) -> CliResult {
    let mut rankers = app::evaluation::baseline_rankers();
    for path in configs {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("config").to_string();
        if rankers.iter().any(|r| r.name == name) {
            return Err(format!("two configurations are named `{name}`; rename one file").into());
        }
        rankers.push(NamedRanker { name, ranker: Ranker::Full(Box::new(load_match_config(Some(path))?)) });
    }
    let library = open(data_dir)?;
    let table = match file {
        Some((path, format)) => read_table(path, format)?,
        None => {
            let completed = crate::catalog::VisitFilter { status: vec![crate::domain::VisitStatus::Completed], ..Default::default() };
            crate::evaluation::table_from_records(&app::visits::list(&library, &completed)?, library.divisions())
        }
    };
    if table.rows.is_empty() {
        eprintln!("error: there are no visits to replay");
        return Ok(ExitCode::from(EXIT_INVALID_INPUT));
    }
    let source = file.map_or_else(|| "visit records".to_string(), |(p, _)| p.display().to_string());
    let options = EvaluateOptions { k, itinerary_sample, ..EvaluateOptions::default() };
    let checked = match app::evaluation::check_table(&library, &table, rankers, options, Visibility::Internal) {
        Ok(checked) => checked,
        Err(Error::Invalid(errors)) => {
            return Ok(report_invalid(&format!("{source}: {} problem(s); nothing was written", errors.len()), &errors));
        }
        Err(other) => return Err(other.into()),
    };
    let bar = progress_bar("replaying visits");
    let (built, summary) = app::evaluation::run(&library, &checked, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    report::write(&built, &summary, out)?;
    println!("{}", built.summary);
    println!("wrote {} (report.html, summary.json, CSV and Parquet tables)", out.display());
    Ok(ExitCode::SUCCESS)
}
