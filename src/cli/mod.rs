//! The command line, one file per command group, each command an adapter over a use case of
//! [`crate::app`]: [`serve`] (the service, its OpenAPI document), [`bases`] (import, export,
//! generate, index rebuild), [`matching`] (match, evaluate-matching), [`planning`] (plan,
//! toptw), [`evaluation`] (evaluate), [`admin`] (tokens, visit records), [`screening`]
//! (review, screening queue, survey) and [`outbound`].
//! This file holds the command tree and what the commands share: opening the library with a
//! progress bar, and printing every failed check of an input.
//!
//! Every command that touches data takes `--data-dir` (or `VISITMATCH_DATA_DIR`); the data
//! directory holds the catalog database and the search index and is created, seeded and
//! indexed on first use.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

mod admin;
mod bases;
mod evaluation;
mod labels;
mod matching;
mod outbound;
mod planning;
mod screening;
mod serve;
mod table;

use crate::app::library::{BaseLibrary, OpenReport};
use crate::Error;

/// Exit code for input the user must fix (invalid records, a drifted OpenAPI file).
pub const EXIT_INVALID_INPUT: u8 = 2;

/// visitmatch: the exchange-base library of the Wenzhou foreign affairs office, and matching and
/// planning of delegation visits.
#[derive(Debug, Parser)]
#[command(name = "visitmatch", version, about, long_about = None)]
pub struct Cli {
    /// Data directory holding the catalog database (catalog.sqlite3) and the search index
    /// (tantivy/). Created and seeded with the embedded bases on first use.
    #[arg(long, env = "VISITMATCH_DATA_DIR", default_value = "index", global = true)]
    pub data_dir: PathBuf,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (OpenAPI at /openapi.json, Swagger UI at /docs).
    Serve(serve::ServeArgs),
    /// Import bases from a JSON Lines, CSV or .xlsx file, all or nothing (schema in README.md).
    ///
    /// Every record is validated first; if any is invalid, every problem is listed with its
    /// line and field and nothing is written. Bases whose id exists are updated. With
    /// --as-candidates, new bases wait for review instead of entering the library.
    Import(bases::ImportArgs),
    /// Export every base as JSON Lines in the import format.
    Export(bases::ExportArgs),
    /// Rank exchange bases for a delegation profile (JSON, as in `fixtures/profiles/`).
    Match(matching::MatchArgs),
    /// Measure ranking quality on a judged set: NDCG@10, P@5 and recall@20 of the full matcher
    /// and of a BM25-only baseline, side by side.
    EvaluateMatching(matching::EvaluateMatchingArgs),
    /// Write a synthetic catalog of COUNT bases scaled from the embedded fixtures (import format),
    /// for benchmarks.
    Generate(bases::GenerateArgs),
    /// Replay past visits through the matcher and the planner, and report how well the
    /// suggestions fit what happened (CSV and Parquet tables, summary.json, report.html).
    ///
    /// The BM25 baseline and the default configuration are always compared; each --config
    /// adds one. Every bad cell is reported with its line and column, and nothing is written.
    Evaluate(evaluation::EvaluateArgs),
    /// Plan a delegation's visit day by day, from a profile (defaults for everything else) or
    /// a full itinerary request (the body of `POST /v1/itineraries`).
    Plan(planning::PlanArgs),
    /// Solve a standard TOPTW benchmark instance and print the result as one JSON object.
    ///
    /// Scores are those of the file; routes list vertex ids in visiting order (hotel left out).
    Toptw(planning::ToptwArgs),
    /// Manage the search index.
    Index {
        /// What to do with the index.
        #[command(subcommand)]
        action: IndexAction,
    },
    /// Staff accounts that sign in on the page (roles: viewer, officer, approver, admin).
    User {
        /// What to do.
        #[command(subcommand)]
        action: admin::UserAction,
    },
    /// Manage bearer tokens for scripts (roles: viewer, officer, approver, admin).
    Token {
        /// What to do.
        #[command(subcommand)]
        action: admin::TokenAction,
    },
    /// The outbound-route library (出访线路库): list, suggest from needs, check a trip plan.
    Outbound {
        /// What to do.
        #[command(subcommand)]
        action: outbound::OutboundAction,
    },
    /// Visit records.
    Visits {
        /// What to do.
        #[command(subcommand)]
        action: admin::VisitsAction,
    },
    /// The office's accepted industry labels (鞋材 → 鞋业), read by every import.
    Labels {
        /// What to do.
        #[command(subcommand)]
        action: labels::LabelsAction,
    },
    /// Review a base (officer's work): approve or reject a candidate, suspend or reactivate a
    /// base of the library, reopen a rejected one. Entered in the audit log.
    Review(screening::ReviewArgs),
    /// The review queue: candidates (or another status) with possible duplicates in the library.
    Screening(screening::QueueArgs),
    /// Survey progress (排摸进度): bases by division and status, and the themes each division
    /// has no active base in.
    Survey(screening::SurveyArgs),
    /// Print the OpenAPI document generated from the code.
    Openapi(serve::OpenapiArgs),
}

/// How `match` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A readable table.
    Table,
    /// The same JSON as `POST /v1/matches`.
    Json,
}

/// Index subcommands.
#[derive(Debug, Subcommand)]
pub enum IndexAction {
    /// Rebuild the search index from the catalog.
    Rebuild,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let data_dir = cli.data_dir.as_path();
    let result = match cli.command {
        Command::Serve(args) => serve::serve(data_dir, args),
        Command::Openapi(args) => serve::openapi(args),
        Command::Import(args) => bases::import(data_dir, args),
        Command::Export(args) => bases::export(data_dir, args),
        Command::Generate(args) => bases::generate(args),
        Command::Index { action: IndexAction::Rebuild } => bases::rebuild(data_dir),
        Command::Match(args) => matching::match_profile(data_dir, args),
        Command::EvaluateMatching(args) => matching::evaluate_matching(data_dir, args),
        Command::Plan(args) => planning::plan(data_dir, args),
        Command::Toptw(args) => planning::toptw(args),
        Command::Evaluate(args) => evaluation::evaluate(data_dir, args),
        Command::User { action } => admin::user(data_dir, action),
        Command::Token { action } => admin::token(data_dir, action),
        Command::Visits { action } => admin::visits(data_dir, action),
        Command::Outbound { action } => outbound::run(data_dir, action),
        Command::Labels { action } => labels::run(data_dir, action),
        Command::Review(args) => screening::review(data_dir, args),
        Command::Screening(args) => screening::queue(data_dir, args),
        Command::Survey(args) => screening::survey(data_dir, args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<ExitCode, Box<dyn std::error::Error>>;

fn progress_bar(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})").expect("the template is valid").progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

fn open(data_dir: &Path) -> Result<BaseLibrary, Error> {
    let bar = progress_bar("indexing bases");
    let (library, report) = BaseLibrary::open(data_dir, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let OpenReport { seeded, index_rebuilt } = report;
    if let Some(count) = seeded {
        tracing::info!(count, data_dir = %data_dir.display(), "seeded an empty catalog with the embedded bases");
    }
    if index_rebuilt {
        tracing::info!(documents = library.indexed_count(), "search index was missing or stale and has been rebuilt");
    }
    Ok(library)
}

/// Prints a heading and one indented line per failed check, and gives the invalid-input exit code.
fn report_invalid(heading: &str, errors: &[crate::domain::FieldError]) -> ExitCode {
    eprintln!("{heading}");
    for error in errors {
        eprintln!("  {error}");
    }
    ExitCode::from(EXIT_INVALID_INPUT)
}

/// The travel times: the road model, or the matrix file over it. A bad file is reported line by
/// line and gives the invalid-input exit code.
fn load_travel_times(path: Option<&Path>) -> Result<Result<crate::itinerary::TravelTimes, ExitCode>, Box<dyn std::error::Error>> {
    let Some(path) = path else { return Ok(Ok(crate::itinerary::TravelTimes::road_model())) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(crate::itinerary::TravelTimes::from_csv(&text)
        .map_err(|errors| report_invalid(&format!("{}: invalid travel matrix", path.display()), &errors)))
}
