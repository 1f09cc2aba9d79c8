//! `visitmatch match` and `evaluate-matching`: ranking bases for a delegation, and measuring
//! the ranking on a judged set.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::{open, report_invalid, CliResult, OutputFormat, EXIT_INVALID_INPUT};
use crate::app;
use crate::Error;

/// The arguments of `match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// The profile file.
    #[arg(long)]
    pub profile: PathBuf,
    /// How many bases to return.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub top: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also list relevant bases left out by a hard rule.
    #[arg(long)]
    pub explain_excluded: bool,
    /// Matching configuration (weights, diversity, travel limits); defaults to the embedded
    /// `fixtures/match_config.toml`.
    #[arg(long, env = "VISITMATCH_MATCH_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The arguments of `evaluate-matching`.
#[derive(Debug, Args)]
pub struct EvaluateMatchingArgs {
    /// Judged profiles (JSON Lines, as `fixtures/judged/profiles.jsonl`).
    #[arg(long, default_value = "fixtures/judged/profiles.jsonl")]
    pub judged: PathBuf,
    /// Matching configuration to evaluate; the embedded defaults when omitted.
    #[arg(long, env = "VISITMATCH_MATCH_CONFIG")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

pub(super) fn load_match_config(path: Option<&Path>) -> Result<crate::scoring::MatchConfig, Box<dyn std::error::Error>> {
    match path {
        None => Ok(crate::scoring::MatchConfig::default_config()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(crate::scoring::MatchConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
    }
}

pub(super) fn match_profile(data_dir: &Path, args: MatchArgs) -> CliResult {
    let MatchArgs { profile, top, format, explain_excluded, config } = args;
    let (profile_path, config) = (profile.as_path(), config.as_deref());

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

pub(super) fn evaluate_matching(data_dir: &Path, args: EvaluateMatchingArgs) -> CliResult {
    let EvaluateMatchingArgs { judged, config, format } = args;
    let (judged_path, config) = (judged.as_path(), config.as_deref());

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
