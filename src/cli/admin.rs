//! `token` and `visits`: managing access and exporting visit records from the command line.
//!
//! The command line acts on its own data directory with full rights (whoever can read the
//! catalog file can change it anyway); its changes are entered in the audit log as `cli:{user}`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::{open, CliResult};
use crate::app;
use crate::access::{Actor, Role};
use crate::catalog::VisitFilter;
use crate::domain::VisitStatus;

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a bearer token and print its secret (shown once; only its hash is stored).
    Create {
        /// What the token allows.
        #[arg(long, value_enum)]
        role: Role,
        /// Who or what holds it (shown in the audit log as `token:{name}`).
        #[arg(long, default_value = "unnamed")]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token at once.
    Revoke {
        /// The token id (`tok_…`), as listed.
        id: String,
    },
}

/// Visit-record subcommands.
#[derive(Debug, Subcommand)]
pub enum VisitsAction {
    /// Write the completed visits as a past-visits CSV, the input of `visitmatch evaluate`.
    Export {
        /// Output file.
        #[arg(long, short)]
        out: PathBuf,
    },
}

pub(super) fn token(data_dir: &Path, action: TokenAction) -> CliResult {
    let library = open(data_dir)?;
    match action {
        TokenAction::Create { role, name } => {
            let token = app::access::create_token(&library, &name, role, &Actor::command_line())?;
            eprintln!("token {} ({}, {}); the secret below is shown only now:", token.info.id, token.info.name, role.code());
            println!("{}", token.secret);
        }
        TokenAction::List => {
            for token in app::access::tokens(&library)? {
                let state = token.revoked_at.as_deref().map_or("live".to_string(), |at| format!("revoked {at}"));
                println!("{}\t{}\t{}\t{}\t{}", token.id, token.role.code(), token.name, token.created_at, state);
            }
        }
        TokenAction::Revoke { id } => {
            let token = app::access::revoke_token(&library, &id, &Actor::command_line())?;
            println!("revoked {} ({})", token.id, token.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn visits(data_dir: &Path, action: VisitsAction) -> CliResult {
    let library = open(data_dir)?;
    match action {
        VisitsAction::Export { out } => {
            let records = app::visits::list(&library, &VisitFilter { status: vec![VisitStatus::Completed], ..VisitFilter::default() })?;
            let table = crate::evaluation::table_from_records(&records, library.divisions());
            let partial = out.with_extension("partial");
            let mut file = std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
            crate::evaluation::write_csv(&table, &mut file)?;
            file.flush()?;
            file.sync_all()?;
            std::fs::rename(&partial, &out)?;
            println!("wrote {} completed visit(s) to {}", table.rows.len(), out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
