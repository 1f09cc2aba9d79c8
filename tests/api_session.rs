//! Staff sign-in on a real server: the cookie, CSRF, expiry, throttling, sign-out, and the
//! audit log naming the person.
//!
//! Properties covered:
//! 1. A wrong password and an unknown name get the same 401; the right one sets an `HttpOnly`,
//!    `SameSite=Strict` cookie (`Secure` when the request came over HTTPS) and the session acts
//!    with the account's role.
//! 2. A change made with the cookie needs the session's CSRF token; the audit log names the
//!    person who made it.
//! 3. Signing out ends the session at once; an ended session's cookie is answered 401 and
//!    cleared, even on a public read; disabling the account or a new password ends it too.
//! 4. A session ends after its idle time and after its absolute time, however busy.
//! 5. Past five failures for a name the sixth attempt is refused with 429, even with the right
//!    password, while other names are unaffected.
//! 6. `visitmatch user create` reads the password from standard input and refuses weak ones.

mod common;

use std::io::Write;
use std::time::Duration;

use common::TestServer;
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};
use visitmatch::access::staff::{SessionPolicy, FAILURES_PER_USERNAME};
use visitmatch::access::{Actor, Role};
use visitmatch::api::auth::SignInDesk;
use visitmatch::app;

const PASSWORD: &str = "鹿城区 protocol 2026";

fn server_with_users(policy: SessionPolicy) -> (TestServer, String) {
    let mut admin_token = None;
    let server = TestServer::start_with(|mut state| {
        let cli = Actor::command_line();
        app::access::create_user(&state.library, "wangli", Role::Officer, PASSWORD, &cli).expect("an officer");
        app::access::create_user(&state.library, "chen.admin", Role::Admin, PASSWORD, &cli).expect("an admin");
        admin_token = Some(app::access::create_token(&state.library, "script", Role::Admin, None, &cli).expect("a token").secret);
        state.sign_in = std::sync::Arc::new(SignInDesk::new(policy, false));
        state
    });
    (server, admin_token.expect("a token was made"))
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

fn read(response: Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Signs in; the cookie pair (`vm_session=…`), the whole Set-Cookie line and the body.
fn sign_in(server: &TestServer, username: &str, password: &str) -> (u16, Option<String>, String, Value) {
    let (status, headers, body) = read(client().post(server.url("/v1/session")).json(&json!({"username": username, "password": password})).send().unwrap());
    let set_cookie = headers.get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let pair = set_cookie.split(';').next().filter(|pair| pair.starts_with("vm_session=vms_")).map(str::to_string);
    (status, pair, set_cookie, body)
}

/// A base of the fixtures that is not open to foreign visitors.
const RESTRICTED: &str = "wz-hitech-014";

#[test]
fn a_signed_in_person_acts_with_their_role_and_the_audit_log_names_them() {
    let (server, token) = server_with_users(SessionPolicy::default());
    let c = client();

    // Wrong password and unknown name: the same answer, no cookie.
    for (name, password) in [("wangli", "not the password"), ("nobody", PASSWORD), ("wangli", &"x".repeat(5000))] {
        let (status, cookie, _, body) = sign_in(&server, name, password);
        assert_eq!((status, body["code"].as_str(), cookie), (401, Some("sign_in_failed"), None), "{name}");
    }

    let (status, cookie, set_cookie, session) = sign_in(&server, "WangLi", PASSWORD);
    assert_eq!(status, 201, "{session}");
    let cookie = cookie.expect("a session cookie");
    let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    for wanted in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(attributes.contains(&wanted), "{wanted} in {set_cookie}");
    }
    assert!(!attributes.contains(&"Secure"), "plain HTTP on loopback: no Secure, or the browser would drop it");
    assert_eq!((session["username"].as_str(), session["role"].as_str()), (Some("wangli"), Some("officer")));
    let csrf = session["csrf_token"].as_str().unwrap().to_string();

    // The session is the officer: a restricted base exists for it, not for an anonymous caller.
    let restricted = RESTRICTED;
    let path = format!("/v1/bases/{restricted}");
    assert_eq!(c.get(server.url(&path)).send().unwrap().status().as_u16(), 404);
    let (status, headers, _) = read(c.get(server.url(&path)).header("cookie", &cookie).send().unwrap());
    assert_eq!(status, 200);
    let etag = headers["etag"].to_str().unwrap().to_string();
    let (_, _, me) = read(c.get(server.url("/v1/session")).header("cookie", &cookie).send().unwrap());
    assert_eq!((me["username"].as_str(), me["csrf_token"].as_str()), (Some("wangli"), Some(csrf.as_str())), "a reload gets the same CSRF token");

    // A change made with the cookie needs the session's own CSRF token; with it, the officer edits.
    let patch = |cookie: &str, csrf: Option<&str>| {
        let mut request = c
            .patch(server.url(&path))
            .header("cookie", cookie)
            .header("if-match", &etag)
            .header("content-type", "application/merge-patch+json")
            .body(json!({"max_group_size": 18}).to_string());
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        read(request.send().unwrap())
    };
    let (_, admin_cookie, _, admin_session) = sign_in(&server, "chen.admin", PASSWORD);
    let admin_cookie = admin_cookie.unwrap();
    let admin_csrf = admin_session["csrf_token"].as_str().unwrap().to_string();
    for wrong in [None, Some(admin_csrf.as_str()), Some("")] {
        let (status, _, body) = patch(&cookie, wrong);
        assert_eq!((status, body["code"].as_str()), (403, Some("csrf_rejected")), "CSRF {wrong:?}: {body}");
    }
    let (status, _, body) = patch(&cookie, Some(&csrf));
    assert_eq!((status, body["max_group_size"].as_u64()), (200, Some(18)), "{body}");
    let etag = read(c.get(server.url(&path)).header("cookie", &cookie).send().unwrap()).1["etag"].to_str().unwrap().to_string();

    // Removing a base is an admin's: the officer's session is refused by role, the admin's is not.
    let delete = |cookie: &str, csrf: &str| read(c.delete(server.url(&path)).header("cookie", cookie).header("x-csrf-token", csrf).header("if-match", &etag).send().unwrap());
    let (status, _, body) = delete(&cookie, &csrf);
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{body}");
    assert_eq!(delete(&admin_cookie, &admin_csrf).0, 204);

    let (_, _, audit) = read(c.get(server.url(&format!("/v1/audit?target=base:{restricted}"))).bearer_auth(&token).send().unwrap());
    let actors: Vec<(&str, &str, &str)> = audit["items"].as_array().unwrap().iter().map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap(), e["role"].as_str().unwrap())).collect();
    assert_eq!(actors[..2], [("delete", "chen.admin", "admin"), ("patch", "wangli", "officer")], "{audit}");
    let (_, _, sign_ins) = read(c.get(server.url("/v1/audit?target=user:wangli")).bearer_auth(&token).send().unwrap());
    let actions: Vec<&str> = sign_ins["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["sign_in", "user_create"], "{sign_ins}");

    // A bearer token wins over a cookie, and needs no CSRF token.
    let (status, _, body) = read(
        c.patch(server.url("/v1/bases/lucheng-001"))
            .bearer_auth(&token)
            .header("cookie", &cookie)
            .header("if-match", "*")
            .header("content-type", "application/merge-patch+json")
            .body(json!({"max_group_size": 19}).to_string())
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn signing_out_disabling_or_a_new_password_ends_the_session_and_its_cookie() {
    let (server, _) = server_with_users(SessionPolicy::default());
    let c = client();
    let (_, cookie, _, session) = sign_in(&server, "wangli", PASSWORD);
    let (cookie, csrf) = (cookie.unwrap(), session["csrf_token"].as_str().unwrap().to_string());

    let (status, _, body) = read(c.delete(server.url("/v1/session")).header("cookie", &cookie).send().unwrap());
    assert_eq!((status, body["code"].as_str()), (403, Some("csrf_rejected")), "signing out needs the CSRF token too");
    let (status, headers, _) = read(c.delete(server.url("/v1/session")).header("cookie", &cookie).header("x-csrf-token", &csrf).send().unwrap());
    assert_eq!(status, 204);
    assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));

    // The old cookie is refused everywhere, even on a public read, and the answer clears it.
    for path in ["/v1/session", "/v1/bases?limit=1"] {
        let (status, headers, body) = read(c.get(server.url(path)).header("cookie", &cookie).send().unwrap());
        assert_eq!((status, body["code"].as_str()), (401, Some("session_expired")), "{path}: {body}");
        assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"), "{path}");
    }
    let (status, _, body) = read(c.get(server.url("/v1/session")).send().unwrap());
    assert_eq!((status, body["code"].as_str()), (401, Some("not_signed_in")));
    assert_eq!(c.delete(server.url("/v1/session")).header("cookie", &cookie).send().unwrap().status().as_u16(), 204, "signing out twice is fine");

    // Disabling the account ends a live session at once; enabling lets the person sign in again.
    let library = server.data.open();
    let (_, cookie, _, _) = sign_in(&server, "wangli", PASSWORD);
    let cookie = cookie.unwrap();
    app::access::set_user_disabled(&library, "wangli", true, &Actor::command_line()).unwrap();
    assert_eq!(c.get(server.url("/v1/session")).header("cookie", &cookie).send().unwrap().status().as_u16(), 401);
    assert_eq!(sign_in(&server, "wangli", PASSWORD).0, 401, "a disabled account cannot sign in");
    app::access::set_user_disabled(&library, "wangli", false, &Actor::command_line()).unwrap();
    let (_, cookie, _, _) = sign_in(&server, "wangli", PASSWORD);
    let cookie = cookie.unwrap();
    app::access::set_password(&library, "wangli", "a new passphrase 2027", &Actor::command_line()).unwrap();
    assert_eq!(c.get(server.url("/v1/session")).header("cookie", &cookie).send().unwrap().status().as_u16(), 401);
    assert_eq!(sign_in(&server, "wangli", PASSWORD).0, 401, "the old password no longer works");
    assert_eq!(sign_in(&server, "wangli", "a new passphrase 2027").0, 201);
}

#[test]
fn a_session_ends_when_idle_and_at_its_absolute_end() {
    // Sessions are timed in whole seconds, so each limit here is good to within one second.
    let (server, _) = server_with_users(SessionPolicy { idle: Duration::from_secs(3), absolute: Duration::from_secs(6) });
    let c = client();
    let alive = |cookie: &str| c.get(server.url("/v1/session")).header("cookie", cookie).send().unwrap().status().as_u16() == 200;

    let (_, idle_cookie, set_cookie, _) = sign_in(&server, "wangli", PASSWORD);
    assert!(set_cookie.contains("Max-Age=6"), "the cookie lives as long as the session at most: {set_cookie}");
    let idle_cookie = idle_cookie.unwrap();
    assert!(alive(&idle_cookie));
    std::thread::sleep(Duration::from_millis(4100));
    assert!(!alive(&idle_cookie), "four seconds unused is past the three idle seconds");

    // Used every second, a session still ends at its absolute end.
    let (_, busy_cookie, _, _) = sign_in(&server, "wangli", PASSWORD);
    let busy_cookie = busy_cookie.unwrap();
    let started = std::time::Instant::now();
    let mut lived = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(9) && alive(&busy_cookie) {
        lived = started.elapsed();
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(lived >= Duration::from_secs(4), "a busy session outlives its idle time (lived {lived:?})");
    assert!(!alive(&busy_cookie), "but not its absolute end (lived {lived:?})");
}

#[test]
fn a_name_is_locked_after_five_failures_and_a_cookie_is_secure_behind_https() {
    let (server, _) = server_with_users(SessionPolicy::default());
    for _ in 0..FAILURES_PER_USERNAME {
        assert_eq!(sign_in(&server, "wangli", "guess guess guess").0, 401);
    }
    let (status, headers, body) = read(client().post(server.url("/v1/session")).json(&json!({"username": "wangli", "password": PASSWORD})).send().unwrap());
    assert_eq!((status, body["code"].as_str()), (429, Some("too_many_sign_ins")), "{body}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry), "the rest of the 15 minutes: {retry}");
    assert!(headers.get("set-cookie").is_none());

    // Another name from the same address is not locked (the address allows 20 failures).
    let (status, _, body) = read(
        client().post(server.url("/v1/session")).header("x-forwarded-proto", "https").json(&json!({"username": "chen.admin", "password": PASSWORD})).send().unwrap(),
    );
    assert_eq!(status, 201, "{body}");
    let (_, headers, _) = read(
        client().post(server.url("/v1/session")).header("x-forwarded-proto", "https").json(&json!({"username": "chen.admin", "password": PASSWORD})).send().unwrap(),
    );
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.split(';').any(|a| a.trim() == "Secure"), "{set_cookie}");

    // Malformed sign-ins are refused by name of the field, before any password is checked.
    let (status, _, body) = read(client().post(server.url("/v1/session")).json(&json!({"username": "wangli"})).send().unwrap());
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"].as_array().unwrap().iter().any(|e| e["field"] == "password"), "{body}");
}

#[test]
fn the_command_line_makes_accounts_from_a_password_on_standard_input() {
    let data = common::TempDataDir::new();
    let create = |name: &str, password: &str| {
        let mut child = common::visitmatch(data.path())
            .args(["user", "create", "--role", "officer", name])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = create("zhou", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10 characters"), "{}", String::from_utf8_lossy(&weak.stderr));
    let made = create("zhou", PASSWORD);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let again = create("ZHOU", PASSWORD);
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"), "usernames are unique without ASCII case");

    let list = common::visitmatch(data.path()).args(["user", "list"]).output().unwrap();
    let table = String::from_utf8_lossy(&list.stdout);
    assert!(table.contains("zhou") && table.contains("外事干部 officer"), "{table}");
    let library = data.open();
    let session = app::access::sign_in(&library, "zhou", PASSWORD, SessionPolicy::default(), 1_800_000_000).unwrap();
    assert_eq!(session.map(|s| s.user.role), Some(Role::Officer), "the password typed is the one kept");
}
