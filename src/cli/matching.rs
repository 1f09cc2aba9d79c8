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
    let summary = app::matching::summarise(&results);
    match format {
        OutputFormat::Json => {
            let json = serde_json::json!({"profiles": results, "summary": summary});
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        OutputFormat::Table => print!("{}", quality_tables(&results, &summary)),
    }
    Ok(ExitCode::SUCCESS)
}

/// A configuration or a half of the judged set as people read it.
fn quality_label(code: &str) -> &'static str {
    match code {
        "full" => "完整排序 full ranker",
        "bm25_rules" => "BM25 + 硬性规则 BM25 + hard rules",
        "bm25" => "仅 BM25 BM25 only",
        "dev" => "开发集 development half",
        "held_out" => "留出集 held-out half",
        _ => "全部 whole set",
    }
}

/// The per-profile table, then per half: each configuration's means with 95 % bootstrap
/// intervals, and the paired tests of the full ranker against each baseline.
fn quality_tables(results: &[app::matching::JudgedResult], summary: &[app::matching::QualitySummary]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "| profile | half | lang | NDCG@10 full | NDCG@10 BM25+rules | NDCG@10 BM25 | P@5 full | P@5 BM25+rules | R@20 full | R@20 BM25+rules |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for r in results {
        let half = if r.split == crate::scoring::evaluate::Split::Dev { "开发 dev" } else { "留出 held-out" };
        let _ = writeln!(
            out,
            "| {} | {half} | {} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} | {:.3} | {:.3} |",
            r.id, r.lang, r.full.ndcg_10, r.baseline_rules.ndcg_10, r.baseline.ndcg_10, r.full.p_5, r.baseline_rules.p_5, r.full.recall_20, r.baseline_rules.recall_20
        );
    }
    let estimate = |e: &crate::evaluation::stats::Estimate| format!("{:.3} [{:.3}, {:.3}]", e.mean, e.low, e.high);
    for part in summary {
        let _ = writeln!(out, "\n{} — {} profiles (mean [95% bootstrap interval])\n", quality_label(part.part), part.profiles);
        let _ = writeln!(out, "| configuration | NDCG@10 | P@5 | R@20 |\n|---|---|---|---|");
        for c in &part.configurations {
            let _ = writeln!(out, "| {} | {} | {} | {} |", quality_label(c.name), estimate(&c.ndcg_10), estimate(&c.p_5), estimate(&c.recall_20));
        }
        let _ = writeln!(out, "\n| comparison | Δ NDCG@10 | p | Δ P@5 | p | Δ R@20 | p |\n|---|---|---|---|---|---|---|");
        for c in &part.comparisons {
            let _ = writeln!(
                out,
                "| {} vs {} | {} | {:.4} | {} | {:.4} | {} | {:.4} |",
                quality_label(c.a),
                quality_label(c.b),
                estimate(&c.ndcg_10.difference),
                c.ndcg_10.p_value,
                estimate(&c.p_5.difference),
                c.p_5.p_value,
                estimate(&c.recall_20.difference),
                c.recall_20.p_value
            );
        }
    }
    let _ = writeln!(out, "\np: two-sided paired randomisation (sign-flip) test over profiles; exact up to 20 profiles, else 50,000 sampled sign patterns.");
    out
}
