//! Who is calling: a script's bearer token, or a person's session cookie, each checked against
//! the catalog's hashes.
//!
//! Handlers take a [`Caller`] and ask it for the role they need. A request with neither is
//! anonymous and may use the public reads; a credential that is sent must be valid, even on a
//! public read, so a typo, a revoked token or an ended session is noticed at once rather than
//! silently downgraded. A bearer token wins over a cookie.
//!
//! A request that changes something (any method but GET, HEAD, OPTIONS) and is authenticated by
//! the cookie must carry the session's CSRF token in `X-CSRF-Token`: the cookie is
//! `SameSite=Strict` already, and the token stops a forged request even from a sibling site.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE, IF_MATCH};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use tokio::sync::Semaphore;

use super::error::ApiError;
use super::{run_blocking, AppState};
use crate::app;
use crate::access::staff::{csrf_sent, SessionPolicy, SignInThrottle, SESSION_COOKIE, SESSION_PREFIX};
use crate::access::{Actor, LibraryChange, Role, Visibility, TOKEN_PREFIX};

/// Longest token accepted before it is even looked up.
const MAX_TOKEN_CHARS: usize = 128;

/// The caller of a request: anonymous, or the holder of a valid token.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Actor>);

impl Caller {
    /// The actor, if their role is at least `needed`: 401 without a token, 403 with too low a role.
    pub fn require(&self, needed: Role) -> Result<&Actor, ApiError> {
        match &self.0 {
            None => Err(ApiError::Unauthenticated(needed)),
            Some(actor) if actor.role < needed => Err(ApiError::Forbidden { needed, has: actor.role }),
            Some(actor) => Ok(actor),
        }
    }

    /// What this caller may see of the library (the one visibility rule, [`Visibility`]).
    pub fn visibility(&self) -> Visibility {
        Visibility::of(self.0.as_ref().map(|actor| actor.role))
    }

    /// Who holds the credential sent (the owner of the work it starts): the token's id, so
    /// that two tokens that share a name never share work.
    pub fn holder(&self) -> Option<&str> {
        self.0.as_ref().map(|actor| actor.id.as_str())
    }
}

/// A caller with at least the officer role. As an extractor it runs before the body is read,
/// so an anonymous upload is refused before a byte of it is buffered.
#[derive(Debug, Clone)]
pub struct Officer(pub Actor);

/// A caller with the admin role; checked before the body is read, like [`Officer`].
#[derive(Debug, Clone)]
pub struct Admin(pub Actor);

/// A caller who may sign off trip applications (approver or admin); checked before the body
/// is read, like [`Officer`].
#[derive(Debug, Clone)]
pub struct Approver(pub Actor);

impl FromRequestParts<AppState> for Approver {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Approver(caller.require(Role::Approver)?.clone()))
    }
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Officer(caller.require(Role::Officer)?.clone()))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Admin(caller.require(Role::Admin)?.clone()))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            let Some(secret) = session_cookie(&parts.headers) else { return Ok(Caller(None)) };
            let (library, cookie) = (state.library.clone(), secret.clone());
            let session = run_blocking(move || app::access::session(&library, &cookie, unix_now())).await??;
            let session = session.ok_or(ApiError::SessionExpired)?;
            if !parts.method.is_safe() {
                if !csrf_sent(&parts.headers, &secret) {
                    return Err(ApiError::CsrfRejected);
                }
            }
            return Ok(Caller(Some(session.user.actor())));
        };
        let text = value.to_str().map_err(|_| ApiError::InvalidToken)?;
        let (scheme, secret) = text.trim().split_once(' ').ok_or(ApiError::InvalidToken)?;
        let secret = secret.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || !secret.starts_with(TOKEN_PREFIX) || secret.len() > MAX_TOKEN_CHARS {
            return Err(ApiError::InvalidToken);
        }
        let (library, secret) = (state.library.clone(), secret.to_string());
        let actor = run_blocking(move || app::access::verify_token(&library, &secret)).await??;
        actor.map(|actor| Caller(Some(actor))).ok_or(ApiError::InvalidToken)
    }
}

/// The value of the session cookie, when one is sent. A value that cannot be a session secret
/// is treated as an ended session (the answer clears it).
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let mut cookies = headers.get_all(COOKIE).iter().filter_map(|value| value.to_str().ok()).flat_map(|line| line.split(';'));
    let value = cookies.find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))?.trim();
    let plausible = value.starts_with(SESSION_PREFIX) && value.len() <= MAX_TOKEN_CHARS;
    Some(if plausible { value.to_string() } else { String::new() })
}

/// Now, in Unix seconds (sessions are timed in whole seconds).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Passwords checked at once: each argon2id check takes about 19 MiB and tens of
/// milliseconds of a core, so a flood of sign-ins is answered 503 rather than queued.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 2;

/// How people sign in: the session policy, the throttle of failed attempts, the permits for
/// password checks, and whether cookies are marked `Secure` whatever the request says.
#[derive(Debug)]
pub struct SignInDesk {
    /// How long sessions live.
    pub policy: SessionPolicy,
    /// Failed attempts by username and address.
    pub throttle: SignInThrottle,
    /// Permits for password checks ([`PASSWORD_CHECKS_AT_ONCE`]).
    pub checks: Semaphore,
    /// Mark the cookie `Secure` always (serving behind TLS). Without it, the cookie is
    /// `Secure` when the request arrived over HTTPS by its `X-Forwarded-Proto` or `Forwarded`.
    pub secure_cookies: bool,
}

impl SignInDesk {
    /// A desk with this policy.
    pub fn new(policy: SessionPolicy, secure_cookies: bool) -> SignInDesk {
        SignInDesk { policy, throttle: SignInThrottle::default(), checks: Semaphore::new(PASSWORD_CHECKS_AT_ONCE), secure_cookies }
    }

    /// The `Set-Cookie` value that holds `secret` for `max_age_seconds`.
    pub fn cookie(&self, headers: &HeaderMap, secret: &str, max_age_seconds: i64) -> String {
        let secure = if self.secure_cookies || arrived_over_https(headers) { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", max_age_seconds.max(0))
    }
}

/// The address a request came from, when the server knows it (not in in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<super::connection::PeerAddress>>();
        Ok(ClientAddress(peer.map(|axum::extract::ConnectInfo(peer)| peer.0.ip())))
    }
}


fn arrived_over_https(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get("forwarded")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split([';', ',']).any(|part| part.trim().eq_ignore_ascii_case("proto=https")));
    forwarded_proto || forwarded
}

/// Whether `actor` may make `change` to the library (the rule is [`LibraryChange::needs`]).
pub fn permit(actor: &Actor, change: LibraryChange) -> Result<(), ApiError> {
    if actor.role < change.needs() { Err(ApiError::Forbidden { needed: change.needs(), has: actor.role }) } else { Ok(()) }
}

/// The `If-Match` value a change must carry (428 when missing).
pub fn if_match(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers.get(IF_MATCH).ok_or(ApiError::PreconditionRequired)?;
    let text = value.to_str().map_err(|_| ApiError::PreconditionRequired)?.trim();
    if text.is_empty() { Err(ApiError::PreconditionRequired) } else { Ok(text.to_string()) }
}
