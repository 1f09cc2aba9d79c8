//! `visitmatch plan` and `toptw`: a delegation's visit planned day by day, and the planner
//! measured on the standard TOPTW instances.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::{load_travel_times, open, report_invalid, CliResult};
use crate::Error;

/// The arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A delegation profile (JSON, as in `fixtures/profiles/`).
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    pub profile: Option<PathBuf>,
    /// A full itinerary request (JSON).
    #[arg(long)]
    pub request: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// CSV of real driving times (`from,to,minutes`) replacing the road model pair by pair.
    #[arg(long, env = "VISITMATCH_TRAVEL_MATRIX")]
    pub travel_matrix: Option<PathBuf>,
}

/// The arguments of `toptw`.
#[derive(Debug, Args)]
pub struct ToptwArgs {
    /// The instance file (format in the benchmark folder's README).
    pub file: PathBuf,
    /// Number of tours (days).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub tours: u32,
    /// Time limit for the search.
    #[arg(long, default_value_t = 1.0)]
    pub seconds: f64,
    /// Stop after this many iterations instead (reproducible across machines).
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
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
    /// The bilingual schedule (日程表) as an Excel workbook; needs --out.
    Xlsx,
}

pub(super) fn plan(data_dir: &Path, args: PlanArgs) -> CliResult {
    let PlanArgs { profile, request, format, out, travel_matrix } = args;
    let (profile, request, out, travel_matrix) = (profile.as_deref(), request.as_deref(), out.as_deref(), travel_matrix.as_deref());

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
    if format == PlanFormat::Xlsx && out.is_none() {
        eprintln!("error: a workbook is written to a file; pass --out FILE.xlsx");
        return Ok(ExitCode::from(super::EXIT_INVALID_INPUT));
    }
    let bytes = match format {
        PlanFormat::Table => plan_table(&itinerary).into_bytes(),
        PlanFormat::Xlsx => render(&itinerary, ExportFormat::Xlsx)?,
        PlanFormat::Json => render(&itinerary, ExportFormat::Json)?,
        PlanFormat::Ics => match render(&itinerary, ExportFormat::Ics) {
            Ok(bytes) => bytes,
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
            std::fs::write(&partial, bytes)?;
            std::fs::rename(&partial, out)?;
            eprintln!("wrote {}", out.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?,
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
        if let Some(note) = &day.calendar {
            out.push_str(&format!("  {} / {}\n", note.description_zh, note.description_en));
        }
        for event in day.events.iter().filter(|e| e.kind != EventKind::Travel) {
            let score = event.score.map(|s| format!(" [{s:.2}]")).unwrap_or_default();
            out.push_str(&format!("  {}-{}  {}{}  @ {}\n", event.start, event.end, event.title_zh, score, event.place_zh));
        }
    }
    if !itinerary.checklist.is_empty() {
        out.push_str("事前须办 To arrange beforehand:\n");
        for item in &itinerary.checklist {
            out.push_str(&format!("  {}\n  {}\n", item.zh, item.en));
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

pub(super) fn toptw(args: ToptwArgs) -> CliResult {
    let ToptwArgs { file, tours, seconds, iterations, seed } = args;
    let (file, tours) = (file.as_path(), tours as usize);

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
