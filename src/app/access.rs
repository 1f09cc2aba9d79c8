//! Who may act: bearer tokens (made, listed, revoked) and the audit log of every write. The
//! rules of what each role may do and see are in [`crate::access`].

use crate::access::{Actor, Role};
use crate::catalog::{AuditEntry, AuditQuery, NewToken, TokenInfo};
use crate::domain::{FieldCode, FieldError};
use crate::Error;

use super::library::BaseLibrary;

/// Makes a bearer token; its secret is in the answer and nowhere else.
pub fn create_token(library: &BaseLibrary, name: &str, role: Role, actor: &Actor) -> Result<NewToken, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(vec![FieldError::new("name", FieldCode::InvalidValue, "must be 1 to 64 printable characters")]));
    }
    Ok(library.store().create_token(name, role, actor)?)
}

/// Who holds this token secret, if it is a live token.
pub fn verify_token(library: &BaseLibrary, secret: &str) -> Result<Option<Actor>, Error> {
    Ok(library.store().verify_token(secret)?)
}

/// Whether any live token exists; without one, nobody can write.
pub fn has_tokens(library: &BaseLibrary) -> Result<bool, Error> {
    Ok(library.store().has_tokens()?)
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
