//! `visitmatch evaluate`: past visits replayed through the matcher and the planner, with the
//! report written as a whole or not at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::matching::load_match_config;
use super::{open, progress_bar, report_invalid, CliResult, EXIT_INVALID_INPUT};
use crate::app;

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

/// Replays the visits of `visits_path`, or the completed visit records of the catalog when it
/// is `None`.
pub(super) fn evaluate(data_dir: &Path, args: EvaluateArgs) -> CliResult {
    let EvaluateArgs { visits, from_records: _, configs, out, k, itinerary_sample } = args;
    let (visits_path, configs, out, k) = (visits.as_deref(), configs.as_slice(), out.as_path(), k as usize);

    use crate::app::evaluation::evaluate;
    use crate::evaluation::{check_visits, read_table, report, EvaluateOptions, NamedRanker, Ranker, VisitFormat};
    let format = match visits_path {
        Some(path) => match VisitFormat::from_path(path) {
            Some(format) => Some(format),
            None => {
                eprintln!("error: {} must end in .csv or .parquet", path.display());
                return Ok(ExitCode::from(EXIT_INVALID_INPUT));
            }
        },
        None => None,
    };
    let mut rankers = vec![
        NamedRanker { name: "bm25".into(), ranker: Ranker::Bm25 },
        NamedRanker { name: "default".into(), ranker: Ranker::Full(Box::new(load_match_config(None)?)) },
    ];
    for path in configs {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("config").to_string();
        if rankers.iter().any(|r| r.name == name) {
            return Err(format!("two configurations are named `{name}`; rename one file").into());
        }
        rankers.push(NamedRanker { name, ranker: Ranker::Full(Box::new(load_match_config(Some(path))?)) });
    }
    let library = open(data_dir)?;
    let table = match (visits_path, format) {
        (Some(path), Some(format)) => read_table(path, format)?,
        _ => {
            let completed = crate::catalog::VisitFilter { status: vec![crate::domain::VisitStatus::Completed], ..Default::default() };
            crate::evaluation::table_from_records(&app::visits::list(&library, &completed)?, library.divisions())
        }
    };
    if table.rows.is_empty() {
        eprintln!("error: there are no visits to replay");
        return Ok(ExitCode::from(EXIT_INVALID_INPUT));
    }
    let source = visits_path.map_or_else(|| "visit records".to_string(), |p| p.display().to_string());
    let mut bases = Vec::new();
    library.for_each_base(|b| bases.push(b))?;
    let known = bases.iter().map(|b| b.id.clone()).collect();
    let visits = match check_visits(&table, &known, library.divisions()) {
        Ok(visits) => visits,
        Err(errors) => {
            return Ok(report_invalid(&format!("{source}: {} problem(s); nothing was written", errors.len()), &errors));
        }
    };
    let bar = progress_bar("replaying visits");
    let options = EvaluateOptions { k, itinerary_sample, ..EvaluateOptions::default() };
    let outcomes = evaluate(&library, &bases, &visits, &rankers, &options, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let built = report::build(&outcomes, &bases)?;
    let summary = report::summary_json(&built, k, visits.len());
    report::write(&built, &summary, out)?;
    println!("{}", built.summary);
    println!("wrote {} (report.html, summary.json, CSV and Parquet tables)", out.display());
    Ok(ExitCode::SUCCESS)
}
