//! Crash safety of the real binary: every acknowledged write survives `kill -9`, and an index
//! left behind by a crash is found stale and rebuilt at the next start.
//!
//! The server runs as its own process on 127.0.0.1 with its own data directory. Writes are
//! made, some while the process is killed, and the restarted server must return every write
//! it acknowledged, from reads and from search.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{visitmatch, TempDataDir};
use reqwest::blocking::Client;
use serde_json::{json, Value};

struct Server {
    child: Child,
    url: String,
    log: std::path::PathBuf,
}

impl Server {
    fn start(data: &Path, run: usize) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = data.join(format!("server-{run}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_visitmatch"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the server starts");
        let server = Server { child, url: format!("http://127.0.0.1:{port}"), log };
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if client().get(server.url("/health")).send().is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not answer within 120 s; log:\n{}", std::fs::read_to_string(&server.log).unwrap_or_default());
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// SIGKILL: no shutdown handler, no flush, nothing.
    fn kill_hard(mut self) -> String {
        self.child.kill().expect("kill -9");
        self.child.wait().unwrap();
        let mut log = String::new();
        std::fs::File::open(&self.log).unwrap().read_to_string(&mut log).unwrap();
        log
    }
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn record(id: &str, need: &str) -> Value {
    json!({
        "id": id, "name_zh": "鹿城鞋履创新工场", "kind": "incubator", "industries": ["footwear"], "division": "lucheng",
        "address_zh": "温州市鹿城区双屿街道1号", "lat": 28.0, "lon": 120.62, "needs": [need], "promotion_points": ["创新工场"],
        "description_zh": "鞋履创业孵化。", "visit_minutes": 45,
        "opening_hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
        "max_group_size": 20, "guide_languages": ["zh"], "restricted": false, "approval_required": false, "tags": []
    })
}

fn admin_token(data: &Path) -> String {
    let output = visitmatch(data).args(["token", "create", "--role", "admin", "--name", "crash-test"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn search_total(server: &Server, q: &str) -> u64 {
    let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let page: Value = client().get(server.url(&format!("/v1/bases?q={encoded}&limit=100"))).send().unwrap().json().unwrap();
    page["total"].as_u64().unwrap()
}

#[test]
fn acknowledged_writes_survive_kill_9_and_a_stale_index_is_rebuilt() {
    let data = TempDataDir::new();
    let token = admin_token(data.path());
    let server = Server::start(data.path(), 1);

    // Writes acknowledged before the crash, and a stream still running when it comes.
    let mut acknowledged = Vec::new();
    for n in 0..10 {
        let id = format!("lucheng-8{n:02}");
        let answer = client().post(server.url("/v1/bases")).bearer_auth(&token).json(&record(&id, "寻找碳纤维鞋楦合作")).send().unwrap();
        assert_eq!(answer.status().as_u16(), 201);
        acknowledged.push(id);
    }
    let etag = client().get(server.url("/v1/bases/lucheng-001")).send().unwrap().headers()["etag"].to_str().unwrap().to_string();
    let patched = client()
        .patch(server.url("/v1/bases/lucheng-001"))
        .bearer_auth(&token)
        .header("if-match", etag)
        .json(&json!({"max_group_size": 44}))
        .send()
        .unwrap();
    assert_eq!(patched.status().as_u16(), 200);

    let stream_acknowledged = std::sync::Mutex::new(Vec::new());
    let url = server.url.clone();
    let killed_log = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let writer_client = Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            for n in 0..400 {
                let id = format!("lucheng-7{n:03}");
                match writer_client.post(format!("{url}/v1/bases")).bearer_auth(&token).json(&record(&id, "寻找碳纤维鞋楦合作")).send() {
                    Ok(answer) if answer.status().as_u16() == 201 => stream_acknowledged.lock().unwrap().push(id),
                    Ok(answer) => panic!("unexpected answer {}", answer.status()),
                    Err(_) => break, // the server is gone
                }
            }
        });
        // Let some writes land, then pull the plug in the middle of the stream.
        let deadline = Instant::now() + Duration::from_secs(60);
        while stream_acknowledged.lock().unwrap().len() < 5 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let log = server.kill_hard();
        writer.join().unwrap();
        log
    });
    let stream_acknowledged = stream_acknowledged.into_inner().unwrap();
    assert!(stream_acknowledged.len() >= 5, "the stream wrote {} bases before the kill; log:\n{killed_log}", stream_acknowledged.len());
    assert!(stream_acknowledged.len() < 400, "the kill came after the stream had finished");

    // Leave the state a crash between the catalog commit and the index commit leaves: a write
    // in SQLite (revision bumped) that the index never saw.
    {
        let catalog = rusqlite::Connection::open(data.path().join(visitmatch::app::library::CATALOG_FILE)).unwrap();
        let json: String = catalog.query_row("SELECT record FROM bases WHERE id = 'lucheng-002'", [], |row| row.get(0)).unwrap();
        let mut base: Value = serde_json::from_str(&json).unwrap();
        base["needs"] = json!(["寻找氢燃料电池叉车合作"]);
        catalog.execute("UPDATE bases SET record = ?1 WHERE id = 'lucheng-002'", [base.to_string()]).unwrap();
        catalog.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'", []).unwrap();
    }

    let server = Server::start(data.path(), 2);
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("stale and has been rebuilt"), "the restart did not rebuild the index; log:\n{log}");
    let health: Value = client().get(server.url("/health")).send().unwrap().json().unwrap();
    assert_eq!(health["index"], "fresh", "{health}");
    assert_eq!(health["bases"], health["indexed"], "{health}");

    for id in acknowledged.iter().chain(&stream_acknowledged) {
        let answer = client().get(server.url(&format!("/v1/bases/{id}"))).send().unwrap();
        assert_eq!(answer.status().as_u16(), 200, "acknowledged base {id} was lost");
    }
    let base: Value = client().get(server.url("/v1/bases/lucheng-001")).send().unwrap().json().unwrap();
    assert_eq!(base["max_group_size"], 44, "the acknowledged patch was lost");
    // Search agrees with the catalog: every acknowledged base, and the write the index missed.
    let created: Vec<_> = acknowledged.iter().chain(&stream_acknowledged).collect();
    let visible_in_search = search_total(&server, "碳纤维鞋楦");
    assert!(visible_in_search >= created.len() as u64, "search finds {visible_in_search} of {} created bases", created.len());
    let ids: Vec<String> = {
        let encoded: String = form_urlencoded::byte_serialize("氢燃料电池叉车".as_bytes()).collect();
        let page: Value = client().get(server.url(&format!("/v1/bases?q={encoded}&limit=100"))).send().unwrap().json().unwrap();
        page["items"].as_array().unwrap().iter().map(|i| i["base"]["id"].as_str().unwrap().to_string()).collect()
    };
    assert!(ids.contains(&"lucheng-002".to_string()), "the rebuilt index misses the write it had not seen: {ids:?}");
    server.kill_hard();
}
