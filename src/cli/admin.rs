//! `user`, `token` and `visits`: staff accounts, script tokens and the export of visit records
//! from the command line.
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
        /// The staff account it is issued to: it then acts as that person, at most with their
        /// role. Without it the token is a script's and cannot file or sign off trips.
        #[arg(long)]
        user: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token at once.
    Revoke {
        /// The token id (`tok_…`), as listed.
        id: String,
    },
}

/// Staff account subcommands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Make a staff account that signs in on the page. The password is read from standard
    /// input (asked twice, without echo, at a terminal); at least 10 characters.
    Create {
        /// What the account allows.
        #[arg(long, value_enum)]
        role: Role,
        /// The name the person signs in with; the audit log shows it.
        username: String,
    },
    /// List staff accounts.
    List,
    /// Set a new password (read like `create`'s); the user's open sessions end.
    Password {
        /// The account's username.
        username: String,
    },
    /// Disable an account: it can no longer sign in and its open sessions end at once.
    Disable {
        /// The account's username.
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account's username.
        username: String,
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
        TokenAction::Create { role, name, user } => {
            let token = app::access::create_token(&library, &name, role, user.as_deref(), &Actor::command_line())?;
            let holder = token.info.user.as_deref().map_or(String::new(), |user| format!(", issued to {user}"));
            eprintln!("token {} ({}, {}{holder}); the secret below is shown only now:", token.info.id, token.info.name, role.code());
            println!("{}", token.secret);
        }
        TokenAction::List => {
            for token in app::access::tokens(&library)? {
                let state = token.revoked_at.as_deref().map_or("live".to_string(), |at| format!("revoked {at}"));
                let user = token.user.as_deref().unwrap_or("-");
                println!("{}\t{}\t{}\t{}\t{}\t{}", token.id, token.role.code(), token.name, user, token.created_at, state);
            }
        }
        TokenAction::Revoke { id } => {
            let token = app::access::revoke_token(&library, &id, &Actor::command_line())?;
            println!("revoked {} ({})", token.id, token.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn user(data_dir: &Path, action: UserAction) -> CliResult {
    let library = open(data_dir)?;
    let actor = Actor::command_line();
    match action {
        UserAction::Create { role, username } => {
            let password = read_password()?;
            let user = app::access::create_user(&library, &username, role, &password, &actor)?;
            println!("made {} ({}), who can now sign in on the page", user.username, role.code());
        }
        UserAction::List => {
            let mut table = super::table::Table::new(&["用户名 Username", "角色 Role", "创建于 Created", "创建人 By", "状态 State"], &[]);
            for user in app::access::users(&library)? {
                let state = user.disabled_at.as_deref().map_or("启用 enabled".to_string(), |at| format!("停用 disabled {at}"));
                table.row(vec![user.username, role_label(user.role), user.created_at, user.created_by, state]);
            }
            print!("{}", table.render());
        }
        UserAction::Password { username } => {
            let password = read_password()?;
            let user = app::access::set_password(&library, &username, &password, &actor)?;
            println!("set a new password for {}; their open sessions have ended", user.username);
        }
        UserAction::Disable { username } => {
            let user = app::access::set_user_disabled(&library, &username, true, &actor)?;
            println!("disabled {}; their open sessions have ended", user.username);
        }
        UserAction::Enable { username } => {
            let user = app::access::set_user_disabled(&library, &username, false, &actor)?;
            println!("enabled {}", user.username);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A role as people read it, Chinese first.
fn role_label(role: Role) -> String {
    let chinese = match role {
        Role::Viewer => "查看",
        Role::Officer => "外事干部",
        Role::Approver => "审签人",
        Role::Admin => "管理员",
    };
    format!("{chinese} {}", role.code())
}

/// A new password: typed twice without echo at a terminal, else the first line of standard
/// input (at most 4 KiB are read).
fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("密码 Password: ")?;
        let again = rpassword::prompt_password("再输一次 Again: ")?;
        if first != again {
            return Err("the two passwords differ; nothing was changed".into());
        }
        return Ok(first);
    }
    let mut bytes = Vec::new();
    std::io::stdin().lock().take(4096).read_to_end(&mut bytes)?;
    let text = String::from_utf8(bytes).map_err(|_| "the password on standard input is not UTF-8")?;
    Ok(text.lines().next().unwrap_or("").to_string())
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
