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
use crate::app;
use crate::access::{Actor, Role, Visibility, TOKEN_PREFIX};

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
        let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(Caller(None)) };
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

/// The `If-Match` value a change must carry (428 when missing).
pub fn if_match(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers.get(IF_MATCH).ok_or(ApiError::PreconditionRequired)?;
    let text = value.to_str().map_err(|_| ApiError::PreconditionRequired)?.trim();
    if text.is_empty() { Err(ApiError::PreconditionRequired) } else { Ok(text.to_string()) }
}
