//! `visitmatch outbound`: the outbound-route library from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::{open, report_invalid, CliResult, OutputFormat, EXIT_INVALID_INPUT};
use crate::app;
use crate::app::BaseLibrary;
use crate::outbound::{NeedsQuery, Suggestions, TripPlan};
use crate::Error;

/// Outbound-route subcommands.
#[derive(Debug, Subcommand)]
pub enum OutboundAction {
    /// List routes, narrowed by theme, country or industry.
    List {
        /// Theme code.
        #[arg(long)]
        theme: Option<String>,
        /// Country code.
        #[arg(long)]
        country: Option<String>,
        /// Industry code (includes the industries below it).
        #[arg(long)]
        industry: Option<String>,
    },
    /// Show one route with its country's features, the bases it serves and the bases to promote.
    Show {
        /// Route id.
        id: String,
    },
    /// Suggest routes and countries for the city's needs.
    Suggest {
        /// Needs in free text, any language.
        #[arg(long)]
        needs: Option<String>,
        /// An industry (code or term); repeatable.
        #[arg(long = "industry")]
        industries: Vec<String>,
        /// A base whose main needs should be served; repeatable.
        #[arg(long = "base")]
        bases: Vec<String>,
        /// Only routes of this theme.
        #[arg(long)]
        theme: Option<String>,
        /// How many routes and countries.
        #[arg(long, default_value_t = 5)]
        top: u16,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Check a trip plan (JSON, the body of `POST /v1/outbound-routes/check`) and print its
    /// application summary with any flags.
    Check {
        /// The plan file.
        #[arg(long)]
        plan: PathBuf,
        /// Output format (`table` prints the summary text).
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

pub(super) fn run(data_dir: &Path, action: OutboundAction) -> CliResult {
    let library = open(data_dir)?;
    match action {
        OutboundAction::List { theme, country, industry } => list(&library, theme.as_deref(), country.as_deref(), industry.as_deref()),
        OutboundAction::Show { id } => show(&library, &id),
        OutboundAction::Suggest { needs, industries, bases, theme, top, format } => {
            suggest(&library, &NeedsQuery { needs, industries, bases, theme, top: Some(top) }, format)
        }
        OutboundAction::Check { plan, format } => check(&library, &plan, format),
    }
}

fn list(library: &BaseLibrary, theme: Option<&str>, country: Option<&str>, industry: Option<&str>) -> CliResult {
    let errors = app::outbound::check_filters(library, theme, country, industry);
    if !errors.is_empty() {
        return Ok(report_invalid("the filters are invalid", &errors));
    }
    // Themes and countries by their names, Chinese first: the table is read by officers.
    let theme_name = |code: &str| library.taxonomy().themes().iter().find(|t| t.code == code).map_or(code.to_string(), |t| format!("{} {}", t.zh, t.en));
    let country_name = |code: &str| library.relations().country(code).map_or(code.to_string(), |c| format!("{} {}", c.zh, c.en));
    for route in app::outbound::routes(library, theme, country, industry)? {
        println!(
            "{}\t{}\t{}\t{} 天 / days\t{} / {}",
            route.id,
            theme_name(&route.theme),
            country_name(&route.country),
            route.stop_days(),
            route.title_zh,
            route.title_en
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(library: &BaseLibrary, id: &str) -> CliResult {
    let (route, _) = app::outbound::route(library, id)?;
    let (served, promote) = app::outbound::links(library, &route)?;
    let country = library.outbound_reference().country(&route.country);
    let json = serde_json::json!({"route": route, "country": country, "bases_served": served, "bases_to_promote": promote});
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(ExitCode::SUCCESS)
}

fn suggest(library: &BaseLibrary, query: &NeedsQuery, format: OutputFormat) -> CliResult {
    // The command line works on its own data directory, as staff.
    let found = match app::outbound::suggest(library, query, crate::access::Visibility::Internal) {
        Ok(found) => found,
        Err(Error::Invalid(errors)) => return Ok(report_invalid("the needs are invalid", &errors)),
        Err(other) => return Err(other.into()),
    };
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&found)?),
        OutputFormat::Table => print!("{}", suggestions_table(&found)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The suggestions as an officer reads them: ranked routes with their reasons and bases.
fn suggestions_table(found: &Suggestions) -> String {
    let mut out = format!(
        "read: industries {:?}, concepts {:?}, countries {:?} (+{:?} by region)\n",
        found.read.industries, found.read.concepts, found.read.countries, found.read.region_countries
    );
    for (rank, route) in found.routes.iter().enumerate() {
        out += &format!("{:>2}. {:.3}  {}  {}\n", rank + 1, route.score, route.id, route.title_zh);
        out += &format!("      {}\n", route.reasons_zh.join("；"));
        if !route.bases_served.is_empty() {
            let served: Vec<String> = route.bases_served.iter().map(|b| format!("{}（{}）", b.name_zh, b.text)).collect();
            out += &format!("      服务基地：{}\n", served.join("，"));
        }
        if !route.bases_to_promote.is_empty() {
            let promoted: Vec<&str> = route.bases_to_promote.iter().map(|b| b.name_zh.as_str()).collect();
            out += &format!("      推介基地：{}\n", promoted.join("，"));
        }
    }
    let countries: Vec<String> = found.countries.iter().map(|c| format!("{} {:.3}", c.zh, c.score)).collect();
    out + &format!("countries: {}\n", countries.join(", "))
}

fn check(library: &BaseLibrary, path: &Path, format: OutputFormat) -> CliResult {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let plan: TripPlan = match serde_json::from_str(&text) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{}: line {}, column {}: {e}", path.display(), e.line(), e.column());
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
    };
    let checked = match app::outbound::check_trip(library, &plan) {
        Ok(checked) => checked,
        Err(Error::Invalid(errors)) => return Ok(report_invalid(&format!("{}: the plan is invalid", path.display()), &errors)),
        Err(other) => return Err(other.into()),
    };
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&checked)?),
        OutputFormat::Table => print!("{}", checked.summary_zh),
    }
    // Flags are problems the officer must settle before applying: the exit code says so.
    Ok(if checked.flags.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_INVALID_INPUT) })
}
