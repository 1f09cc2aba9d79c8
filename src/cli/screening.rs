//! `visitmatch review`, `screening` and `survey`: the officers' screening work from the command
//! line, over [`crate::app::screening`] and [`crate::app::survey`].

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::table::Table;
use super::{open, CliResult, OutputFormat, EXIT_INVALID_INPUT};
use crate::access::Actor;
use crate::app::screening::{QueueQuery, ReviewRequest};
use crate::app::survey::Survey;
use crate::app::{self};
use crate::domain::{BaseStatus, DivisionRegistry, ReviewDecision};
use crate::Error;

/// The arguments of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The base id.
    pub id: String,
    /// approve or reject a candidate, suspend an active base, reactivate a suspended one,
    /// reopen a rejected one.
    #[arg(value_enum)]
    pub decision: ReviewDecision,
    /// Why (required to reject or suspend).
    #[arg(long)]
    pub note: Option<String>,
}

/// The arguments of `screening`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Which bases: 待审/candidate (default), 未通过/rejected, 停用/suspended or 入库/active.
    #[arg(long)]
    pub status: Option<String>,
    /// Only this division or zone (鹿城区, lucheng, …; a county-level one includes its zones).
    #[arg(long)]
    pub division: Option<String>,
    /// At most this many bases.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// A table (default) or the JSON of `GET /v1/screening`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// The arguments of `survey`.
#[derive(Debug, Args)]
pub struct SurveyArgs {
    /// A table (default) or the JSON of `GET /v1/survey`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

pub(super) fn review(data_dir: &Path, args: ReviewArgs) -> CliResult {
    let library = open(data_dir)?;
    let request = ReviewRequest { decision: args.decision, note: args.note };
    match app::screening::review(&library, &args.id, &request, None, &Actor::command_line()) {
        Ok((base, _)) => {
            let status = base.status();
            println!("{} {}: {} ({})", base.id, base.name_zh, status.label_zh(), status.label_en());
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Invalid(errors)) => {
            for error in errors {
                eprintln!("error: --{}: {}", error.field, error.message);
            }
            Ok(ExitCode::from(EXIT_INVALID_INPUT))
        }
        Err(Error::ReviewNotApplicable(error)) => {
            eprintln!("error: {}: {}", args.id, error.message);
            Ok(ExitCode::from(EXIT_INVALID_INPUT))
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) fn queue(data_dir: &Path, args: QueueArgs) -> CliResult {
    let library = open(data_dir)?;
    let query = match QueueQuery::check(&library, args.status.as_deref(), args.division.as_deref(), 0, args.limit) {
        Ok(query) => query,
        Err(errors) => {
            for error in errors {
                eprintln!("error: --{}: {}", error.field, error.message);
            }
            return Ok(ExitCode::from(EXIT_INVALID_INPUT));
        }
    };
    let status = query.status;
    let queue = app::screening::queue(&library, &query)?;
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&queue)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} {} ({}): {}", status.label_zh(), status.label_en(), status.code(), queue.total);
    let divisions = library.divisions();
    let mut table = Table::new(&["编号 Id", "名称 Name", "地区 Division", "申报 Submitted by", "疑似重复 Possible duplicates"], &[]);
    for item in &queue.items {
        let base = &item.base;
        let duplicates: Vec<String> = item.near_duplicates.iter().map(|d| format!("{} {} ({})", d.other_id, d.other_name_zh, d.other_status.label_zh())).collect();
        table.row(vec![
            base.id.clone(),
            base.name_zh.clone(),
            division_label(divisions, &base.location.division),
            base.submitted_by.as_deref().map(|code| division_label(divisions, code)).unwrap_or_default(),
            duplicates.join("; "),
        ]);
    }
    print!("{}", table.render());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn survey(data_dir: &Path, args: SurveyArgs) -> CliResult {
    let library = open(data_dir)?;
    let survey = app::survey::survey(&library)?;
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&survey)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", survey_table(&survey));
    Ok(ExitCode::SUCCESS)
}

/// The survey as the office reads it: a row a division or zone, counts by status, and the
/// themes with no active base there.
fn survey_table(survey: &Survey) -> String {
    let mut headers: Vec<String> = vec!["地区 Division".into()];
    headers.extend(BaseStatus::ALL.iter().map(|s| format!("{} {}", s.label_zh(), s.label_en())));
    headers.push("合计 Total".into());
    headers.push("缺少主题 Themes with no active base".into());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let numeric: Vec<bool> = (0..headers.len()).map(|c| c > 0 && c < headers.len() - 1).collect();
    let mut table = Table::new(&header_refs, &numeric);
    let theme_label = |code: &str| survey.themes.iter().find(|t| t.code == code).map_or(code.to_string(), |t| t.zh.clone());
    for row in &survey.divisions {
        let name = if row.parent.is_some() { format!("  {} {}", row.division.zh, row.division.en) } else { format!("{} {}", row.division.zh, row.division.en) };
        let mut cells = vec![name];
        cells.extend(BaseStatus::ALL.iter().map(|s| row.by_status.of(*s).to_string()));
        cells.push(row.by_status.total.to_string());
        cells.push(row.themes_missing.iter().map(|t| theme_label(t)).collect::<Vec<_>>().join("、"));
        table.row(cells);
    }
    let mut cells = vec!["全市 Whole city".to_string()];
    cells.extend(BaseStatus::ALL.iter().map(|s| survey.totals.of(*s).to_string()));
    cells.push(survey.totals.total.to_string());
    cells.push(String::new());
    table.row(cells);
    table.render()
}

fn division_label(divisions: &DivisionRegistry, code: &str) -> String {
    divisions.get(code).map_or_else(|| code.to_string(), |d| format!("{} {}", d.zh, d.en))
}
