//! The command line: `serve`, `import`, `export`, `index rebuild`, `openapi`.
//!
//! Every command that touches data takes `--data-dir` (or `VISITMATCH_DATA_DIR`); the data
//! directory holds the catalog database and the search index and is created, seeded and
//! indexed on first use.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

mod admin;
mod outbound;

use crate::app;
use crate::api::{self, AppState};
use crate::catalog::{RecordFormat, WriteMode};
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
    Serve {
        /// Address to listen on.
        #[arg(long, env = "VISITMATCH_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// CSV of real driving times (`from,to,minutes`) replacing the road model pair by pair.
        #[arg(long, env = "VISITMATCH_TRAVEL_MATRIX")]
        travel_matrix: Option<PathBuf>,
        /// Longest a request may run, in seconds, before it is answered 503 `request_timeout`.
        #[arg(long, env = "VISITMATCH_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        request_timeout: u64,
    },
    /// Import bases from a JSON Lines or CSV file, all or nothing (schema in README.md).
    ///
    /// Every record is validated first; if any is invalid, every problem is listed with its
    /// line and field and nothing is written. Bases whose id exists are updated.
    Import {
        /// The file to import (.jsonl or .csv).
        file: PathBuf,
        /// File format; guessed from the extension when omitted.
        #[arg(long, value_enum)]
        format: Option<RecordFormat>,
        /// Make the file the whole catalog: bases not in the file are deleted.
        #[arg(long)]
        replace: bool,
    },
    /// Export every base as JSON Lines in the import format.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Rank exchange bases for a delegation profile (JSON, as in `fixtures/profiles/`).
    Match {
        /// The profile file.
        #[arg(long)]
        profile: PathBuf,
        /// How many bases to return.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
        top: u32,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Also list relevant bases left out by a hard rule.
        #[arg(long)]
        explain_excluded: bool,
        /// Matching configuration (weights, diversity, travel limits); defaults to the embedded
        /// `fixtures/match_config.toml`.
        #[arg(long, env = "VISITMATCH_MATCH_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Measure ranking quality on a judged set: NDCG@10, P@5 and recall@20 of the full matcher
    /// and of a BM25-only baseline, side by side.
    EvaluateMatching {
        /// Judged profiles (JSON Lines, as `fixtures/judged/profiles.jsonl`).
        #[arg(long, default_value = "fixtures/judged/profiles.jsonl")]
        judged: PathBuf,
        /// Matching configuration to evaluate; the embedded defaults when omitted.
        #[arg(long, env = "VISITMATCH_MATCH_CONFIG")]
        config: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Write a synthetic catalog of COUNT bases scaled from the embedded fixtures (import format),
    /// for benchmarks.
    Generate {
        /// Number of bases.
        #[arg(long)]
        count: usize,
        /// Output file (JSON Lines).
        #[arg(long, short)]
        out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Replay past visits through the matcher and the planner, and report how well the
    /// suggestions fit what happened (CSV and Parquet tables, summary.json, report.html).
    ///
    /// The BM25 baseline and the default configuration are always compared; each --config
    /// adds one. Every bad cell is reported with its line and column, and nothing is written.
    Evaluate {
        /// Past visits, CSV or Parquet (columns in fixtures/past_visits/README.md).
        #[arg(long, required_unless_present = "from_records", conflicts_with = "from_records")]
        visits: Option<PathBuf>,
        /// Replay the completed visits recorded in the catalog (`POST /v1/visits`) instead of a file.
        #[arg(long)]
        from_records: bool,
        /// A matching configuration to compare (TOML, as fixtures/match_config.toml); repeatable.
        #[arg(long = "config")]
        configs: Vec<PathBuf>,
        /// Folder for the report; replaced as a whole when the run succeeds.
        #[arg(long)]
        out: PathBuf,
        /// Cut-off of the ranked lists.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
        k: u32,
        /// Most visits per configuration also planned as itineraries (spread over the file).
        #[arg(long, default_value_t = 1000)]
        itinerary_sample: usize,
    },
    /// Plan a delegation's visit day by day, from a profile (defaults for everything else) or
    /// a full itinerary request (the body of `POST /v1/itineraries`).
    Plan {
        /// A delegation profile (JSON, as in `fixtures/profiles/`).
        #[arg(long, required_unless_present = "request", conflicts_with = "request")]
        profile: Option<PathBuf>,
        /// A full itinerary request (JSON).
        #[arg(long)]
        request: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
        format: PlanFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// CSV of real driving times (`from,to,minutes`) replacing the road model pair by pair.
        #[arg(long, env = "VISITMATCH_TRAVEL_MATRIX")]
        travel_matrix: Option<PathBuf>,
    },
    /// Solve a standard TOPTW benchmark instance and print the result as one JSON object.
    ///
    /// Scores are those of the file; routes list vertex ids in visiting order (hotel left out).
    Toptw {
        /// The instance file (format in the benchmark folder's README).
        file: PathBuf,
        /// Number of tours (days).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50))]
        tours: u32,
        /// Time limit for the search.
        #[arg(long, default_value_t = 1.0)]
        seconds: f64,
        /// Stop after this many iterations instead (reproducible across machines).
        #[arg(long)]
        iterations: Option<u64>,
        /// Random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Manage the search index.
    Index {
        /// What to do with the index.
        #[command(subcommand)]
        action: IndexAction,
    },
    /// Manage bearer tokens (roles: viewer, officer, admin).
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
    /// Print the OpenAPI document generated from the code.
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Instead of writing, fail if this file differs from the generated document.
        #[arg(long, conflicts_with = "out")]
        check: Option<PathBuf>,
    },
}

/// How `match` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A readable table.
    Table,
    /// The same JSON as `POST /v1/matches`.
    Json,
}

/// How `plan` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// A readable day-by-day table.
    Table,
    /// The same JSON as `POST /v1/itineraries`.
    Json,
    /// iCalendar.
    Ics,
    /// CSV, one row per activity.
    Csv,
    /// Printable bilingual HTML.
    Html,
    /// GeoJSON of the stops and routes.
    Geojson,
}

/// Index subcommands.
#[derive(Debug, Subcommand)]
pub enum IndexAction {
    /// Rebuild the search index from the catalog.
    Rebuild,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve { addr, travel_matrix, request_timeout } => serve(&cli.data_dir, addr, travel_matrix.as_deref(), request_timeout),
        Command::Evaluate { visits, from_records: _, configs, out, k, itinerary_sample } => {
            evaluate(&cli.data_dir, visits.as_deref(), &configs, &out, k as usize, itinerary_sample)
        }
        Command::Plan { profile, request, format, out, travel_matrix } => {
            plan(&cli.data_dir, profile.as_deref(), request.as_deref(), format, out.as_deref(), travel_matrix.as_deref())
        }
        Command::Import { file, format, replace } => import(&cli.data_dir, &file, format, replace),
        Command::Export { out } => export(&cli.data_dir, out.as_deref()),
        Command::Index { action: IndexAction::Rebuild } => rebuild(&cli.data_dir),
        Command::Generate { count, out, seed } => generate(count, &out, seed),
        Command::EvaluateMatching { judged, config, format } => evaluate_matching(&cli.data_dir, &judged, config.as_deref(), format),
        Command::Match { profile, top, format, explain_excluded, config } => {
            match_profile(&cli.data_dir, &profile, top, format, explain_excluded, config.as_deref())
        }
        Command::Toptw { file, tours, seconds, iterations, seed } => toptw(&file, tours as usize, seconds, iterations, seed),
        Command::Openapi { out, check } => openapi(out.as_deref(), check.as_deref()),
        Command::Token { action } => admin::token(&cli.data_dir, action),
        Command::Visits { action } => admin::visits(&cli.data_dir, action),
        Command::Outbound { action } => outbound::run(&cli.data_dir, action),
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

fn serve(data_dir: &Path, addr: SocketAddr, travel_matrix: Option<&Path>, request_timeout_seconds: u64) -> CliResult {
    let travel = match load_travel_times(travel_matrix)? {
        Ok(travel) => travel,
        Err(code) => return Ok(code),
    };
    let library = Arc::new(open(data_dir)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        if !app::access::has_tokens(&library)? {
            tracing::warn!("no bearer tokens yet: the service is read-only; make one with `visitmatch token create --role admin`");
        }
        tracing::info!(addr = %listener.local_addr()?, bases = library.count()?, "visitmatch listening; API docs at /docs");
        let mut state = AppState::with_travel(library, travel);
        state.request_timeout = std::time::Duration::from_secs(request_timeout_seconds);
        api::serve(listener, state).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    // Work that was cancelled stops at its next step; do not wait for a blocking thread that
    // is still inside one.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(ExitCode::SUCCESS)
}

fn import(data_dir: &Path, file: &Path, format: Option<RecordFormat>, replace: bool) -> CliResult {
    let Some(format) = format.or_else(|| RecordFormat::from_path(file)) else {
        eprintln!("error: cannot tell the format of {}; pass --format jsonl or --format csv", file.display());
        return Ok(ExitCode::from(EXIT_INVALID_INPUT));
    };
    let input = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let library = open(data_dir)?;
    let mode = if replace { WriteMode::Replace } else { WriteMode::Upsert };
    match app::bases::import(&library, &input, format, mode, &crate::access::Actor::command_line()) {
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
            Ok(report_invalid(&heading, &errors))
        }
        Err(other) => Err(other.into()),
    }
}

fn export(data_dir: &Path, out: Option<&Path>) -> CliResult {
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

fn rebuild(data_dir: &Path) -> CliResult {
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

fn openapi(out: Option<&Path>, check: Option<&Path>) -> CliResult {
    let generated = api::openapi_json();
    if let Some(path) = check {
        let committed = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if committed != generated {
            eprintln!("{} differs from the generated OpenAPI document; run `visitmatch openapi --out {}`", path.display(), path.display());
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
        println!("{} is up to date", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    match out {
        Some(path) => std::fs::write(path, generated)?,
        None => std::io::stdout().lock().write_all(generated.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn load_match_config(path: Option<&Path>) -> Result<crate::scoring::MatchConfig, Box<dyn std::error::Error>> {
    match path {
        None => Ok(crate::scoring::MatchConfig::default_config()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(crate::scoring::MatchConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
    }
}

fn match_profile(data_dir: &Path, profile_path: &Path, top: u32, format: OutputFormat, explain_excluded: bool, config: Option<&Path>) -> CliResult {
    let config = load_match_config(config)?;
    let text = std::fs::read_to_string(profile_path).map_err(|e| format!("{}: {e}", profile_path.display()))?;
    let profile: crate::domain::DelegationProfile = match serde_json::from_str(&text) {
        Ok(profile) => profile,
        Err(e) => {
            eprintln!("{}: line {}, column {}: {e}", profile_path.display(), e.line(), e.column());
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
    };
    let library = open(data_dir)?.with_match_config(config);
    let options = crate::scoring::MatchOptions { top: top as usize, explain_excluded, ..Default::default() };
    let outcome = match app::matching::match_profile(&library, &profile, &options) {
        Ok(outcome) => outcome,
        Err(Error::Invalid(errors)) => return Ok(report_invalid(&format!("{}: the profile is invalid", profile_path.display()), &errors)),
        Err(other) => return Err(other.into()),
    };
    match format {
        OutputFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        }
        OutputFormat::Table => {
            let sought: Vec<String> = outcome.sought_industries.iter().map(|m| format!("{} ({})", m.code, m.term)).collect();
            println!("sought industries: {}", if sought.is_empty() { "-".to_string() } else { sought.join(", ") });
            println!("{:>4}  {:>5}  {:<16}  {:<30}  {:>5}  reason", "rank", "score", "id", "name", "min");
            for item in &outcome.items {
                let name: String = item.name_zh.chars().take(15).collect();
                println!("{:>4}  {:>5.3}  {:<16}  {:<30}  {:>5}  {} / {}", item.rank, item.score, item.id, name, item.travel_minutes, item.reason_zh, item.reason_en);
            }
            for warning in &outcome.warnings {
                println!("warning [{}] {}: {}", warning.code, warning.subject, warning.message);
            }
            for excluded in &outcome.excluded {
                println!("excluded [{}] {} {}: {}", excluded.reason.code(), excluded.id, excluded.name_zh, excluded.detail);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate_matching(data_dir: &Path, judged_path: &Path, config: Option<&Path>, format: OutputFormat) -> CliResult {
    let config = load_match_config(config)?;
    let text = std::fs::read_to_string(judged_path).map_err(|e| format!("{}: {e}", judged_path.display()))?;
    let judged = match crate::scoring::evaluate::read_judged(&text) {
        Ok(judged) => judged,
        Err(e) => {
            eprintln!("{}: {e}", judged_path.display());
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
    };
    let library = open(data_dir)?.with_match_config(config);
    let results = match app::matching::evaluate_matching(&library, &judged, &crate::scoring::MatchOptions::default()) {
        Ok(results) => results,
        Err(Error::Invalid(errors)) => {
            return Ok(report_invalid(&format!("{}: a judged profile is invalid", judged_path.display()), &errors));
        }
        Err(other) => return Err(other.into()),
    };
    let full = crate::scoring::evaluate::Metrics::mean(&results.iter().map(|r| r.full).collect::<Vec<_>>());
    let baseline = crate::scoring::evaluate::Metrics::mean(&results.iter().map(|r| r.baseline).collect::<Vec<_>>());
    match format {
        OutputFormat::Json => {
            let json = serde_json::json!({"profiles": results, "mean": {"full": full, "baseline": baseline}});
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        OutputFormat::Table => {
            println!("| profile | lang | NDCG@10 full | NDCG@10 BM25 | P@5 full | P@5 BM25 | R@20 full | R@20 BM25 |");
            println!("|---|---|---|---|---|---|---|---|");
            for r in &results {
                println!(
                    "| {} | {} | {:.3} | {:.3} | {:.2} | {:.2} | {:.3} | {:.3} |",
                    r.id, r.lang, r.full.ndcg_10, r.baseline.ndcg_10, r.full.p_5, r.baseline.p_5, r.full.recall_20, r.baseline.recall_20
                );
            }
            println!(
                "| **mean ({} profiles)** | | **{:.3}** | **{:.3}** | **{:.3}** | **{:.3}** | **{:.3}** | **{:.3}** |",
                results.len(), full.ndcg_10, baseline.ndcg_10, full.p_5, baseline.p_5, full.recall_20, baseline.recall_20
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn generate(count: usize, out: &Path, seed: u64) -> CliResult {
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

fn toptw(file: &Path, tours: usize, seconds: f64, iterations: Option<u64>, seed: u64) -> CliResult {
    use crate::planner::{solve_parallel, time_tour, SearchParams, Stop};
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("instance");
    let instance = crate::planner::toptw::parse(name, &text, tours).map_err(|e| format!("{}: {e}", file.display()))?;
    let stop = match iterations {
        Some(n) => Stop::iterations(n),
        None => Stop::seconds(seconds),
    };
    let started = std::time::Instant::now();
    let params = SearchParams { seed, ..SearchParams::default() };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let solution = solve_parallel(&instance.problem, &params, stop, threads);
    let elapsed = started.elapsed().as_secs_f64();
    // Re-time every tour with the independent evaluator before reporting it.
    let feasible = solution.tours.iter().all(|t| time_tour(&instance.problem, t.tour, &t.visits, t.meal_after).is_ok());
    let routes: Vec<Vec<usize>> = solution.tours.iter().map(|t| t.visits.iter().map(|&s| s + 1).collect()).collect();
    let output = serde_json::json!({
        "instance": instance.name,
        "tours": tours,
        "score": solution.prize,
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "routes": routes,
        "feasible": feasible,
        "iterations": solution.iterations,
    });
    println!("{output}");
    Ok(if feasible { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The travel times: the road model, or the matrix file over it. A bad file is reported line by
/// line and gives the invalid-input exit code.
fn load_travel_times(path: Option<&Path>) -> Result<Result<crate::itinerary::TravelTimes, ExitCode>, Box<dyn std::error::Error>> {
    let Some(path) = path else { return Ok(Ok(crate::itinerary::TravelTimes::road_model())) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(crate::itinerary::TravelTimes::from_csv(&text)
        .map_err(|errors| report_invalid(&format!("{}: invalid travel matrix", path.display()), &errors)))
}

fn plan(data_dir: &Path, profile: Option<&Path>, request: Option<&Path>, format: PlanFormat, out: Option<&Path>, travel_matrix: Option<&Path>) -> CliResult {
    use crate::itinerary::export::{render, ExportFormat};
    use crate::itinerary::ItineraryRequest;
    let travel = match load_travel_times(travel_matrix)? {
        Ok(travel) => travel,
        Err(code) => return Ok(code),
    };
    let (path, request) = match (profile, request) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let profile = serde_json::from_str(&text).map_err(|e| format!("{}: not a delegation profile: {e}", path.display()))?;
            (path, ItineraryRequest::for_profile(profile))
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            (path, serde_json::from_str(&text).map_err(|e| format!("{}: not an itinerary request: {e}", path.display()))?)
        }
        (None, None) => return Err("give --profile or --request".into()),
    };
    let library = open(data_dir)?;
    let itinerary = match crate::app::planning::plan(&library, &travel, &request, crate::access::Visibility::Internal, &crate::cancel::CancelFlag::new()) {
        Ok(itinerary) => itinerary,
        Err(Error::Invalid(errors)) => return Ok(report_invalid(&format!("{}: invalid request", path.display()), &errors)),
        Err(Error::Infeasible(errors)) => return Ok(report_invalid(&format!("{}: cannot be planned", path.display()), &errors)),
        Err(other) => return Err(other.into()),
    };
    let text = match format {
        PlanFormat::Table => plan_table(&itinerary),
        PlanFormat::Json => render(&itinerary, ExportFormat::Json)?,
        PlanFormat::Ics => match render(&itinerary, ExportFormat::Ics) {
            Ok(text) => text,
            Err(Error::Invalid(errors)) => return Ok(report_invalid("cannot export a calendar", &errors)),
            Err(other) => return Err(other.into()),
        },
        PlanFormat::Csv => render(&itinerary, ExportFormat::Csv)?,
        PlanFormat::Html => render(&itinerary, ExportFormat::Html)?,
        PlanFormat::Geojson => render(&itinerary, ExportFormat::Geojson)?,
    };
    match out {
        Some(out) => {
            let partial = out.with_extension("partial");
            std::fs::write(&partial, text)?;
            std::fs::rename(&partial, out)?;
            eprintln!("wrote {}", out.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn plan_table(itinerary: &crate::itinerary::Itinerary) -> String {
    use crate::itinerary::EventKind;
    let mut out = String::new();
    for day in &itinerary.days {
        let date = day.date.map(|d| d.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "Day {} {} {} — cluster {}, {} visits, {} min driving, {} min slack\n",
            day.day,
            date,
            day.weekday.code(),
            day.cluster.as_deref().unwrap_or("-"),
            day.visits,
            day.travel_minutes,
            day.slack_minutes
        ));
        for event in day.events.iter().filter(|e| e.kind != EventKind::Travel) {
            let score = event.score.map(|s| format!(" [{s:.2}]")).unwrap_or_default();
            out.push_str(&format!("  {}-{}  {}{}  @ {}\n", event.start, event.end, event.title_zh, score, event.place_zh));
        }
    }
    if !itinerary.left_out.is_empty() {
        out.push_str("Left out:\n");
        for left in itinerary.left_out.iter().take(15) {
            let reason = serde_json::to_value(left.reason).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            out.push_str(&format!("  {:<28} {:.2}  {:<16} {}\n", left.base_id, left.score, reason, left.detail));
        }
        if itinerary.left_out.len() > 15 {
            out.push_str(&format!("  … and {} more\n", itinerary.left_out.len() - 15));
        }
    }
    out
}

/// Replays the visits of `visits_path`, or the completed visit records of the catalog when it
/// is `None`.
fn evaluate(data_dir: &Path, visits_path: Option<&Path>, configs: &[PathBuf], out: &Path, k: usize, itinerary_sample: usize) -> CliResult {
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
