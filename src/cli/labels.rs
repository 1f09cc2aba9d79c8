//! `visitmatch labels`: the office's accepted industry labels, over [`crate::app::vocabulary`].

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use super::table::Table;
use super::{open, report_invalid, CliResult};
use crate::access::Actor;
use crate::app;
use crate::Error;

/// What `labels` does.
#[derive(Debug, Subcommand)]
pub enum LabelsAction {
    /// List the accepted labels with their industries.
    List,
    /// Accept a label: every later import reads it as INDUSTRY (a label such as 鞋业, or a code).
    Accept {
        /// The label as survey returns write it (鞋材).
        label: String,
        /// The industry to read it as.
        industry: String,
    },
    /// Forget an accepted label.
    Forget {
        /// The label.
        label: String,
    },
}

pub(super) fn run(data_dir: &Path, action: LabelsAction) -> CliResult {
    let library = open(data_dir)?;
    let actor = Actor::command_line();
    let result = match action {
        LabelsAction::List => {
            let taxonomy = library.taxonomy();
            let mut table = Table::new(&["标签 Label", "产业类型 Industry", "添加人 Added by", "时间 At"], &[]);
            for accepted in app::vocabulary::accepted(&library)? {
                let industry = taxonomy.get(&accepted.industry).map_or(accepted.industry.clone(), |node| format!("{} {} [{}]", node.zh, node.en, node.code));
                table.row(vec![accepted.label, industry, accepted.added_by, accepted.added_at]);
            }
            print!("{}", table.render());
            Ok(())
        }
        LabelsAction::Accept { label, industry } => app::vocabulary::accept(&library, &[(label.clone(), industry)], &actor).map(|changed| {
            println!("{label}: {}", if changed == 0 { "already accepted as this industry" } else { "accepted" });
        }),
        LabelsAction::Forget { label } => app::vocabulary::forget(&library, &label, &actor).map(|()| println!("{label}: forgotten")),
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Error::Invalid(errors)) => Ok(report_invalid("refused:", &errors)),
        Err(other) => Err(other.into()),
    }
}
