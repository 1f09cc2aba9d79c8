//! Who may act: staff accounts and their sessions, bearer tokens (made, listed, revoked) and
//! the audit log of every write. The rules of what each role may do and see are in
//! [`crate::access`]; what a username, a password and a session are, in [`crate::access::staff`].

use crate::access::staff::{self, SessionPolicy};
use crate::access::{Actor, Role};
use crate::catalog::{AuditEntry, AuditQuery, LiveSession, NewToken, TokenInfo, UserInfo};
use crate::domain::{FieldCode, FieldError};
use crate::Error;

use super::library::BaseLibrary;

/// Makes a bearer token; its secret is in the answer and nowhere else. Issued to `user` (a
/// username), it acts as that person, so it may not allow more than their account does and
/// the account must be enabled; and since whoever makes it holds its secret, over HTTP a
/// person issues one only to themself (an admin who could make tokens for others could sign
/// off their own trips as someone else). The server's command line issues to anyone.
pub fn create_token(library: &BaseLibrary, name: &str, role: Role, user: Option<&str>, actor: &Actor) -> Result<NewToken, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(vec![FieldError::new("name", FieldCode::InvalidValue, "must be 1 to 64 printable characters")]));
    }
    let owner = match user.map(str::trim) {
        None => None,
        Some(username) => {
            // What a username may be is decided once: an overlong or odd `user` is refused
            // (and echoed truncated) before any lookup.
            let username = &staff::check_username("user", username).map_err(|e| Error::Invalid(vec![e]))?;
            let account = library.store().user(username)?.filter(|account| account.disabled_at.is_none());
            let account = account.ok_or_else(|| {
                Error::Invalid(vec![FieldError::new("user", FieldCode::InvalidValue, format!("no enabled staff account named `{username}`")).with_value(username)])
            })?;
            let own = actor.person.as_ref().is_some_and(|person| person.id == account.id);
            if !own && !actor.is_command_line() {
                return Err(Error::Invalid(vec![FieldError::new(
                    "user",
                    FieldCode::InvalidValue,
                    format!("a token for {} is issued to them on the server's command line (`visitmatch token create --user {}`), or by them signed in", account.username, account.username),
                )
                .with_value(username)]));
            }
            if role > account.role {
                return Err(Error::Invalid(vec![FieldError::new(
                    "role",
                    FieldCode::InvalidValue,
                    format!("a token issued to {} ({}) cannot allow more than their account: at most `{}`", account.username, account.role.code(), account.role.code()),
                )
                .with_value(role.code())]));
            }
            Some(account.id)
        }
    };
    Ok(library.store().create_token(name, role, owner.as_deref(), actor)?)
}

/// Who holds this token secret, if it is a live token.
pub fn verify_token(library: &BaseLibrary, secret: &str) -> Result<Option<Actor>, Error> {
    Ok(library.store().verify_token(secret)?)
}

/// Every token (never their secrets).
pub fn tokens(library: &BaseLibrary) -> Result<Vec<TokenInfo>, Error> {
    Ok(library.store().tokens()?)
}

/// Revokes a token at once.
pub fn revoke_token(library: &BaseLibrary, id: &str, actor: &Actor) -> Result<TokenInfo, Error> {
    library.store().revoke_token(id, actor)?.ok_or_else(|| Error::TokenNotFound(id.to_string()))
}

/// A page of the audit log, newest first.
pub fn audit(library: &BaseLibrary, query: &AuditQuery) -> Result<Vec<AuditEntry>, Error> {
    Ok(library.store().audit(query)?)
}

/// Makes a staff account with this password (checked, then kept as an argon2id hash).
pub fn create_user(library: &BaseLibrary, username: &str, role: Role, password: &str, actor: &Actor) -> Result<UserInfo, Error> {
    let username = staff::check_username("username", username).map_err(|e| Error::Invalid(vec![e]))?;
    staff::check_password("password", password).map_err(|e| Error::Invalid(vec![e]))?;
    library.store().create_user(&username, role, &staff::hash_password(password), actor)?.ok_or_else(|| {
        Error::Invalid(vec![FieldError::new("username", FieldCode::InvalidValue, format!("the username `{username}` is taken")).with_value(&username)])
    })
}

/// Sets a user's password; their open sessions end.
pub fn set_password(library: &BaseLibrary, username: &str, password: &str, actor: &Actor) -> Result<UserInfo, Error> {
    staff::check_password("password", password).map_err(|e| Error::Invalid(vec![e]))?;
    library.store().set_password(username.trim(), &staff::hash_password(password), actor)?.ok_or_else(|| Error::UserNotFound(username.trim().to_string()))
}

/// Disables a user (their sessions end at once) or enables them again.
pub fn set_user_disabled(library: &BaseLibrary, username: &str, disabled: bool, actor: &Actor) -> Result<UserInfo, Error> {
    library.store().set_user_disabled(username.trim(), disabled, actor)?.ok_or_else(|| Error::UserNotFound(username.trim().to_string()))
}

/// Every staff account.
pub fn users(library: &BaseLibrary) -> Result<Vec<UserInfo>, Error> {
    Ok(library.store().users()?)
}

/// A session just started: its secret goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Who signed in.
    pub user: UserInfo,
    /// The session secret.
    pub secret: String,
    /// When it ends at the latest (Unix seconds).
    pub expires_at: i64,
}

/// Signs `username` in when `password` is theirs and the account is enabled; `None` otherwise
/// (which of the two is never said). An unknown name costs the same hashing time as a known one.
pub fn sign_in(library: &BaseLibrary, username: &str, password: &str, policy: SessionPolicy, now: i64) -> Result<Option<NewSession>, Error> {
    let credentials = match staff::check_username("username", username) {
        Ok(username) if password.len() <= staff::MAX_PASSWORD_BYTES => library.store().credentials(&username)?,
        _ => None,
    };
    let Some((user, hash)) = credentials else {
        staff::verify_nobody(password);
        return Ok(None);
    };
    if !staff::verify_password(password, &hash) {
        return Ok(None);
    }
    let secret = staff::new_session_secret();
    let expires_at = library.store().start_session(&user, &staff::hash_session(&secret), policy, now)?;
    Ok(Some(NewSession { user, secret, expires_at }))
}

/// The live session with this secret, if any.
pub fn session(library: &BaseLibrary, secret: &str, now: i64) -> Result<Option<LiveSession>, Error> {
    Ok(library.store().session(&staff::hash_session(secret), now)?)
}

/// Ends the session with this secret; who held it, if it was live.
pub fn sign_out(library: &BaseLibrary, secret: &str) -> Result<Option<UserInfo>, Error> {
    Ok(library.store().end_session(&staff::hash_session(secret))?)
}

/// Whether anyone can write: a live token or an enabled staff account exists.
pub fn has_writers(library: &BaseLibrary) -> Result<bool, Error> {
    Ok(library.store().has_tokens()? || library.store().has_users()?)
}
