//! Shared helpers for integration tests: a fresh data directory, a real server on a loopback
//! port, and the `visitmatch` binary.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use visitmatch::api::{self, AppState};
use visitmatch::app::library::BaseLibrary;

/// A temporary data directory, removed on drop.
pub struct TempDataDir {
    dir: tempfile::TempDir,
}

impl TempDataDir {
    pub fn new() -> TempDataDir {
        TempDataDir { dir: tempfile::tempdir().expect("a temporary directory") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn open(&self) -> BaseLibrary {
        BaseLibrary::open(self.path(), &|_, _| {}).expect("the library opens").0
    }
}

/// The real service on 127.0.0.1 with its own data directory, stopped on drop.
pub struct TestServer {
    pub base_url: String,
    pub data: TempDataDir,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(|state| state)
    }

    /// A server whose state is adjusted by `adjust` before it starts serving.
    pub fn start_with(adjust: impl FnOnce(AppState) -> AppState) -> TestServer {
        let data = TempDataDir::new();
        let library = Arc::new(data.open());
        let state = adjust(AppState::new(library));
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("a loopback port");
        let base_url = format!("http://{}", listener.local_addr().expect("an address"));
        runtime.spawn(async move {
            let _ = api::serve_until(listener, state, std::future::pending()).await;
        });
        TestServer { base_url, data, runtime: Some(runtime) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.as_ref().expect("the runtime runs until drop").block_on(future)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The `visitmatch` binary built for this test run.
pub fn visitmatch(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_visitmatch"));
    command.arg("--data-dir").arg(data_dir).env("RUST_LOG", "warn");
    command
}

/// A file in `tests/data`.
pub fn test_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}
