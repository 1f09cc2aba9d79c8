//! Staff sign-in: what a username and a password must be, how a password is kept, the secrets
//! of a browser session, and the throttle that slows down guessing.
//!
//! A password is chosen by a person, so unlike a token it is stored as an argon2id hash with
//! its own salt (memory-hard: a copied catalog cannot be searched quickly). A session is a
//! random secret in an `HttpOnly` cookie; the catalog keeps only its SHA-256, like a token.
//! The CSRF token the page sends back on every change is derived from that secret, so it needs
//! no storage and dies with the session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use super::{hex, random_hex};
use crate::domain::{FieldCode, FieldError};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vm_session";
/// The header a signed-in page sends its CSRF token in on every change.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Prefix of a session secret (distinct from a token's `vm_`).
pub const SESSION_PREFIX: &str = "vms_";
/// Longest username.
pub const MAX_USERNAME_CHARS: usize = 64;
/// Shortest password.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password, in bytes: hashing work is bounded before it starts.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// A username as it is kept: trimmed; 1 to 64 characters, letters (any script), digits,
/// `.`, `_` and `-`. Names are compared without regard to ASCII case.
pub fn check_username(field: &str, username: &str) -> Result<String, FieldError> {
    let username = username.trim();
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    if username.is_empty() || username.chars().count() > MAX_USERNAME_CHARS || !username.chars().all(allowed) {
        return Err(FieldError::new(field, FieldCode::InvalidValue, "a username is 1 to 64 letters, digits, `.`, `_` or `-`")
            .with_value(&username.chars().take(80).collect::<String>()));
    }
    Ok(username.to_string())
}

/// Whether `password` may be set: at least 10 characters, at most 256 bytes, not all one
/// character. (Length does more than composition rules; the throttle does the rest.)
pub fn check_password(field: &str, password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(field, FieldCode::InvalidValue, format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(field, FieldCode::InvalidValue, format!("a password is at most {MAX_PASSWORD_BYTES} bytes")));
    }
    let mut distinct = password.chars().collect::<Vec<_>>();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(FieldError::new(field, FieldCode::InvalidValue, "a password needs at least 3 different characters"));
    }
    Ok(())
}

/// The stored form of a password: an argon2id PHC string with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2id hashes any password up to our limit").to_string()
}

/// Whether `password` is the one `stored` was made from. An unreadable stored hash never
/// matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Spends the time of one password check, for a username that does not exist, so that the
/// answer's timing does not tell which usernames do.
pub fn verify_nobody(password: &str) {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let decoy = DECOY.get_or_init(|| hash_password("a password nobody has"));
    let _ = verify_password(password, decoy);
}

/// A new session secret (`vms_` and 64 hex digits: 256 random bits).
pub fn new_session_secret() -> String {
    format!("{SESSION_PREFIX}{}", random_hex::<32>())
}

/// A new user id, safe to show.
pub fn new_user_id() -> String {
    format!("{USER_ID_PREFIX}{}", random_hex::<6>())
}

/// Prefix of every staff account id.
pub const USER_ID_PREFIX: &str = "usr_";

/// The stored form of a session secret.
pub fn hash_session(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The CSRF token of the session with this secret. Only someone who holds the cookie's value
/// (the server, given the cookie) can compute it, and the page learns it only from an answer
/// a foreign site cannot read.
pub fn csrf_token(secret: &str) -> String {
    hex(&Sha256::digest(format!("csrf:{secret}").as_bytes()))
}

/// Whether the `X-CSRF-Token` header of `headers` carries the CSRF token of the session with
/// `secret`.
pub fn csrf_sent(headers: &axum::http::HeaderMap, secret: &str) -> bool {
    let sent = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or("");
    csrf_matches(secret, sent.trim())
}

/// Whether `sent` is the CSRF token of the session with `secret`, compared in constant time.
pub fn csrf_matches(secret: &str, sent: &str) -> bool {
    let expected = csrf_token(secret);
    expected.len() == sent.len() && expected.bytes().zip(sent.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

/// How long a session lives: it ends after `idle` without a request and after `absolute` in
/// any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Longest pause between two requests.
    pub idle: Duration,
    /// Longest life of a session, however busy.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    /// A working day: two idle hours, twelve hours in all.
    fn default() -> Self {
        SessionPolicy { idle: Duration::from_secs(2 * 3600), absolute: Duration::from_secs(12 * 3600) }
    }
}

/// Failed sign-ins allowed per username within [`THROTTLE_WINDOW`].
pub const FAILURES_PER_USERNAME: u32 = 5;
/// Failed sign-ins allowed per client address within [`THROTTLE_WINDOW`].
pub const FAILURES_PER_CLIENT: u32 = 20;
/// The window failures are counted in; a locked name or address waits out the rest of it.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Most names (and, apart, addresses) remembered; beyond it the oldest windows are forgotten.
pub const MAX_TRACKED: usize = 10_000;

/// Counts failed sign-ins by username and by client address. Past [`FAILURES_PER_USERNAME`]
/// failures for a name, or [`FAILURES_PER_CLIENT`] from an address, within
/// [`THROTTLE_WINDOW`], further attempts are refused before any password is checked, until
/// the window ends. Names are counted whether or not they exist, so the throttle does not tell
/// which do. Memory is bounded by [`MAX_TRACKED`].
#[derive(Debug, Default)]
pub struct SignInThrottle {
    state: Mutex<ThrottleState>,
}

#[derive(Debug, Default)]
struct ThrottleState {
    by_username: HashMap<String, Failures>,
    by_client: HashMap<IpAddr, Failures>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

impl SignInThrottle {
    /// `Err(wait)` when `username` or `client` must wait before trying again.
    pub fn check(&self, username: &str, client: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = username_key(username);
        let waits = [
            state.by_username.get(&key).and_then(|f| f.wait(FAILURES_PER_USERNAME, now)),
            client.and_then(|ip| state.by_client.get(&ip)).and_then(|f| f.wait(FAILURES_PER_CLIENT, now)),
        ];
        match waits.into_iter().flatten().max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Records a failed attempt.
    pub fn failed(&self, username: &str, client: Option<IpAddr>, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        count(&mut state.by_username, username_key(username), now);
        if let Some(ip) = client {
            count(&mut state.by_client, ip, now);
        }
    }

    /// Forgets a name's failures after it signed in.
    pub fn succeeded(&self, username: &str) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.by_username.remove(&username_key(username));
    }
}

impl Failures {
    fn wait(&self, allowed: u32, now: Instant) -> Option<Duration> {
        let ends = self.since + THROTTLE_WINDOW;
        (self.count >= allowed && now < ends).then(|| ends - now)
    }
}

/// The throttle's key for a name: its first [`MAX_USERNAME_CHARS`] characters without ASCII
/// case, so that a stranger's megabyte-long names cost the throttle no more than real ones.
fn username_key(username: &str) -> String {
    username.trim().chars().take(MAX_USERNAME_CHARS).collect::<String>().to_ascii_lowercase()
}

fn count<K: std::hash::Hash + Eq + Clone>(map: &mut HashMap<K, Failures>, key: K, now: Instant) {
    if !map.contains_key(&key) && map.len() >= MAX_TRACKED {
        map.retain(|_, failures| now < failures.since + THROTTLE_WINDOW);
        if map.len() >= MAX_TRACKED {
            let oldest = map.iter().min_by_key(|(_, failures)| failures.since).map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                map.remove(&oldest);
            }
        }
    }
    let failures = map.entry(key).or_insert(Failures { count: 0, since: now });
    if now >= failures.since + THROTTLE_WINDOW {
        *failures = Failures { count: 0, since: now };
    }
    failures.count += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let stored = hash_password("柳市 low-voltage 2026");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify_password("柳市 low-voltage 2026", &stored));
        assert!(!verify_password("柳市 low-voltage 2027", &stored));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(hash_password("same password"), hash_password("same password"), "each hash has its own salt");
    }

    #[test]
    fn weak_or_huge_passwords_and_odd_usernames_are_refused() {
        assert!(check_password("password", "short").is_err());
        assert!(check_password("password", "aaaaaaaaaaaa").is_err());
        assert!(check_password("password", &"ab1".repeat(100)).is_err());
        assert!(check_password("password", "鹿城区外事办公室2026").is_ok());
        assert_eq!(check_username("username", "  wang.li ").unwrap(), "wang.li");
        assert_eq!(check_username("username", "王丽").unwrap(), "王丽");
        for bad in ["", "wang li", "a/b", &"x".repeat(65)] {
            assert!(check_username("username", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_csrf_token_belongs_to_its_session() {
        let (a, b) = (new_session_secret(), new_session_secret());
        assert!(a.starts_with(SESSION_PREFIX) && a.len() == SESSION_PREFIX.len() + 64);
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert_ne!(csrf_token(&a), hash_session(&a), "the CSRF token does not reveal the stored hash");
    }

    #[test]
    fn the_throttle_locks_a_name_and_an_address_for_the_rest_of_the_window() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        let here: IpAddr = "10.0.0.7".parse().unwrap();
        for _ in 0..FAILURES_PER_USERNAME {
            assert!(throttle.check("Wang", Some(here), start).is_ok());
            throttle.failed("Wang", Some(here), start);
        }
        let wait = throttle.check("wang", None, start + Duration::from_secs(60)).unwrap_err();
        assert_eq!(wait, THROTTLE_WINDOW - Duration::from_secs(60), "names are counted without ASCII case");
        assert!(throttle.check("li", Some("10.0.0.8".parse().unwrap()), start).is_ok(), "another name from elsewhere is free");
        assert!(throttle.check("wang", None, start + THROTTLE_WINDOW).is_ok(), "the window ends");

        for n in 0..FAILURES_PER_CLIENT {
            throttle.failed(&format!("user{n}"), Some(here), start);
        }
        assert!(throttle.check("someone-new", Some(here), start).is_err(), "one address trying many names is stopped");
        throttle.succeeded("Wang");
        assert!(throttle.check("wang", None, start).is_ok(), "a success clears the name");
    }

    #[test]
    fn the_throttle_remembers_a_bounded_number_of_names() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for n in 0..MAX_TRACKED + 50 {
            throttle.failed(&format!("name{n}"), None, start + Duration::from_millis(n as u64));
        }
        let state = throttle.state.lock().unwrap();
        assert_eq!(state.by_username.len(), MAX_TRACKED);
        assert!(!state.by_username.contains_key("name0"), "the oldest are forgotten first");
        drop(state);
        throttle.failed(&"x".repeat(1 << 20), None, start);
        assert!(throttle.state.lock().unwrap().by_username.keys().all(|key| key.chars().count() <= MAX_USERNAME_CHARS), "keys are bounded");
    }
}
