//! Import, export and index maintenance through the real `visitmatch` binary.
//!
//! Properties covered:
//! 1. A file with three bad records reports all three (line and field), exits 2, and leaves the
//!    catalog byte-for-byte unchanged.
//! 2. A good file imports while the service runs, and the running service finds the new bases.
//! 3. CSV imports update existing bases (upsert); `--replace` makes the file the whole catalog.
//! 4. Export writes the import format: exporting and re-importing changes nothing.
//! 5. A stale or missing index is detected at start and rebuilt.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{test_data, visitmatch, TempDataDir};
use visitmatch::catalog::{Store, WriteMode};
use visitmatch::search::BaseQuery;

fn export(data: &TempDataDir) -> String {
    let output = visitmatch(data.path()).arg("export").output().expect("export runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 export")
}

#[test]
fn three_bad_records_are_all_reported_and_nothing_is_imported() {
    let data = TempDataDir::new();
    let before = export(&data);
    let output = visitmatch(data.path()).arg("import").arg(test_data("bases_three_bad.jsonl")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in ["line 2, field `lat`", "line 4, field `kind`", "line 5, field `name_zh`", "nothing was imported"] {
        assert!(stderr.contains(expected), "missing `{expected}` in:\n{stderr}");
    }
    assert!(!stderr.contains("line 1,") && !stderr.contains("line 3,"), "good records reported as bad:\n{stderr}");
    assert_eq!(export(&data), before, "the catalog changed");
}

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn a_good_import_is_searchable_at_once_by_the_running_service() {
    let data = TempDataDir::new();
    let port = free_port();
    let mut child = visitmatch(data.path())
        .env("RUST_LOG", "info")
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().unwrap();
    let server = ServerProcess(child);
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = lines.next().expect("serve logs until it listens").unwrap();
        if line.contains("listening") {
            break;
        }
        assert!(Instant::now() < deadline, "serve did not start");
    }
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

    let output = visitmatch(data.path()).arg("import").arg(test_data("bases_new.jsonl")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 inserted, 0 updated"));

    let client = reqwest::blocking::Client::new();
    let search = format!("http://127.0.0.1:{port}/v1/bases?q=%E6%B0%A2%E8%83%BD"); // 氢能
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page: serde_json::Value = client.get(&search).send().unwrap().json().unwrap();
        if page["items"].as_array().unwrap().first().is_some_and(|hit| hit["base"]["id"] == "test-hydrogen-001") {
            break;
        }
        assert!(Instant::now() < deadline, "the running service never found the imported base: {page}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let by_id: serde_json::Value =
        client.get(format!("http://127.0.0.1:{port}/v1/bases/test-studio-001")).send().unwrap().json().unwrap();
    assert_eq!(by_id["name_en"], "Ouyue Italian Shoe Design Studio");
    drop(server);
}

#[test]
fn csv_import_updates_existing_bases_and_replace_makes_the_file_the_catalog() {
    let data = TempDataDir::new();
    let output = visitmatch(data.path()).arg("import").arg(test_data("bases_update.csv")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 inserted, 1 updated"));
    let library = data.open();
    let updated = library.get("lucheng-001", visitmatch::access::Visibility::Public).unwrap();
    assert_eq!(updated.name_zh, "宏鼎鞋业集团（更名测试）有限公司");
    assert_eq!(updated.industries, vec!["footwear", "leather"]);
    assert_eq!(updated.max_group_size, 25);
    let hits = library.search(&BaseQuery { text: Some("更名测试".into()), ..Default::default() }).unwrap().hits;
    assert_eq!(hits[0].base.id, "lucheng-001");
    drop(library);

    let output = visitmatch(data.path()).args(["import", "--replace"]).arg(test_data("bases_new.jsonl")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let library = data.open();
    assert_eq!(library.count().unwrap(), 2);
    assert_eq!(library.indexed_count(), 2);
    assert!(library.get("lucheng-001", visitmatch::access::Visibility::Internal).is_err());
}

#[test]
fn export_then_import_changes_nothing() {
    let data = TempDataDir::new();
    let exported = export(&data);
    assert!(exported.lines().count() >= 300);
    let file = data.path().join("roundtrip.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let output = visitmatch(data.path()).arg("import").arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 inserted"));
    assert_eq!(export(&data), exported);
}

#[test]
fn a_stale_or_missing_index_is_rebuilt_at_start() {
    let data = TempDataDir::new();
    let library = data.open();
    let mut base = library.get("lucheng-001", visitmatch::access::Visibility::Internal).unwrap();
    drop(library);

    // A write that reaches the catalog but not the index, as after a crash between the two.
    base.name_zh = "只写入目录的名称".to_string();
    Store::open(&data.path().join(visitmatch::app::library::CATALOG_FILE)).unwrap().write(&mut [base], WriteMode::Upsert, visitmatch::domain::BaseStatus::Active, &visitmatch::access::Actor::command_line()).unwrap();
    let (library, report) = visitmatch::app::library::BaseLibrary::open(data.path(), &|_, _| {}).unwrap();
    assert!(report.index_rebuilt && report.seeded.is_none(), "{report:?}");
    let hits = library.search(&BaseQuery { text: Some("只写入目录的名称".into()), limit: 1, ..Default::default() }).unwrap().hits;
    assert_eq!(hits[0].base.id, "lucheng-001");
    drop(library);

    std::fs::remove_dir_all(data.path().join(visitmatch::app::library::INDEX_FOLDER)).unwrap();
    let (library, report) = visitmatch::app::library::BaseLibrary::open(data.path(), &|_, _| {}).unwrap();
    assert!(report.index_rebuilt);
    assert_eq!(library.indexed_count() as usize, library.count().unwrap());
    drop(library);

    let (_, report) = visitmatch::app::library::BaseLibrary::open(data.path(), &|_, _| {}).unwrap();
    assert!(!report.index_rebuilt, "a fresh index is not rebuilt");
}

#[test]
fn openapi_check_fails_on_drift() {
    let data = TempDataDir::new();
    let drifted = data.path().join("openapi.json");
    std::fs::write(&drifted, "{}\n").unwrap();
    let output = visitmatch(data.path()).arg("openapi").arg("--check").arg(&drifted).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let output = visitmatch(data.path()).arg("openapi").arg("--check").arg(&committed).output().unwrap();
    assert!(output.status.success());
}
