//! `visitmatch serve` and `visitmatch openapi`: the HTTP service and its document.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::{load_travel_times, open, CliResult, EXIT_INVALID_INPUT};
use crate::api::{self, AppState};
use crate::access::staff::SessionPolicy;
use crate::app;

/// The arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "VISITMATCH_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// CSV of real driving times (`from,to,minutes`) replacing the road model pair by pair.
    #[arg(long, env = "VISITMATCH_TRAVEL_MATRIX")]
    pub travel_matrix: Option<PathBuf>,
    /// Longest a request may run, in seconds, before it is answered 503 `request_timeout`.
    #[arg(long, env = "VISITMATCH_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Minutes a signed-in session may stay unused before it ends.
    #[arg(long, env = "VISITMATCH_SESSION_IDLE_MINUTES", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub session_idle_minutes: u64,
    /// Hours a signed-in session lasts at most, however busy.
    #[arg(long, env = "VISITMATCH_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=168))]
    pub session_hours: u64,
    /// Mark the session cookie `Secure` on every answer (when the service is reached over
    /// HTTPS through a proxy that does not send `X-Forwarded-Proto`).
    #[arg(long, env = "VISITMATCH_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

/// The arguments of `openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Instead of writing, fail if this file differs from the generated document.
    #[arg(long, conflicts_with = "out")]
    pub check: Option<PathBuf>,
}

pub(super) fn serve(data_dir: &Path, args: ServeArgs) -> CliResult {
    let ServeArgs { addr, travel_matrix, request_timeout: request_timeout_seconds, session_idle_minutes, session_hours, secure_cookies } = args;
    let policy = SessionPolicy {
        idle: std::time::Duration::from_secs(session_idle_minutes * 60),
        absolute: std::time::Duration::from_secs(session_hours * 3600),
    };
    let travel_matrix = travel_matrix.as_deref();

    let travel = match load_travel_times(travel_matrix)? {
        Ok(travel) => travel,
        Err(code) => return Ok(code),
    };
    let library = Arc::new(open(data_dir)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        if !app::access::has_writers(&library)? {
            tracing::warn!("no staff accounts or tokens yet: the service is read-only; make an account with `visitmatch user create --role admin NAME`");
        }
        tracing::info!(addr = %listener.local_addr()?, bases = library.count()?, "visitmatch listening; API docs at /docs");
        let mut state = AppState::with_travel(library, travel);
        state.request_timeout = std::time::Duration::from_secs(request_timeout_seconds);
        state.sign_in = Arc::new(api::auth::SignInDesk::new(policy, secure_cookies));
        api::serve(listener, state).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    // Work that was cancelled stops at its next step; do not wait for a blocking thread that
    // is still inside one.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(ExitCode::SUCCESS)
}

pub(super) fn openapi(args: OpenapiArgs) -> CliResult {
    let OpenapiArgs { out, check } = args;
    let (out, check) = (out.as_deref(), check.as_deref());

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
