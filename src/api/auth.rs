//! Who is calling: the bearer token of a request, checked against the catalog's hashed tokens.
//!
//! Handlers take a [`Caller`] and ask it for the role they need. A request without a token is
//! anonymous and may use the public reads; a token that is sent must be valid, even on a public
//! read, so a typo or a revoked token is noticed at once rather than silently downgraded.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, IF_MATCH};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::error::ApiError;
use super::{run_blocking, AppState};
use crate::access::{Actor, Role, TOKEN_PREFIX};

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

    /// Whether the caller may see internal fields (contacts) and restricted bases.
    pub fn sees_internal(&self) -> bool {
        self.0.as_ref().is_some_and(|actor| actor.role >= Role::Officer)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(Caller(None)) };
        let text = value.to_str().map_err(|_| ApiError::InvalidToken)?;
        let (scheme, secret) = text.trim().split_once(' ').ok_or(ApiError::InvalidToken)?;
        let secret = secret.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || !secret.starts_with(TOKEN_PREFIX) || secret.len() > MAX_TOKEN_CHARS {
            return Err(ApiError::InvalidToken);
        }
        let (library, secret) = (state.library.clone(), secret.to_string());
        let actor = run_blocking(move || library.verify_token(&secret)).await??;
        actor.map(|actor| Caller(Some(actor))).ok_or(ApiError::InvalidToken)
    }
}

/// The `If-Match` value a change must carry (428 when missing).
pub fn if_match(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers.get(IF_MATCH).ok_or(ApiError::PreconditionRequired)?;
    let text = value.to_str().map_err(|_| ApiError::PreconditionRequired)?.trim();
    if text.is_empty() { Err(ApiError::PreconditionRequired) } else { Ok(text.to_string()) }
}
