//! Bearer tokens in the catalog: stored hashed, looked up by hash, revoked in place.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{insert_audit, Store, StoreError};
use crate::access::{hash_token, new_token_id, new_token_secret, Actor, Role};

/// A token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Token id (not the secret).
    #[schema(example = "tok_3f9a0c12be4d")]
    pub id: String,
    /// Who or what holds it.
    #[schema(example = "wang-li")]
    pub name: String,
    /// What it allows.
    pub role: Role,
    /// When it was made (UTC).
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// When it was revoked, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// A token just made: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NewToken {
    /// The token's details.
    #[serde(flatten)]
    pub info: TokenInfo,
    /// The secret to send as `Authorization: Bearer {secret}`. It is not stored and cannot be
    /// shown again.
    #[schema(example = "vm_6f1d0c3a9b2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a")]
    pub secret: String,
}

impl Store {
    /// Makes a token for `name` with `role`; the secret is returned once and stored hashed.
    pub fn create_token(&self, name: &str, role: Role, actor: &Actor) -> Result<NewToken, StoreError> {
        let secret = new_token_secret();
        let id = new_token_id();
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO tokens(id, name, role, hash, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, name, role.code(), hash_token(&secret), actor.name],
        )?;
        let info = token_info(&transaction, &id)?.expect("the token was just inserted");
        let after = serde_json::to_string(&info).expect("token info serialises");
        insert_audit(&transaction, actor, "token_create", &format!("token:{id}"), None, Some(&after))?;
        transaction.commit()?;
        Ok(NewToken { info, secret })
    }

    /// The holder of a live token with this secret, if any.
    pub fn verify_token(&self, secret: &str) -> Result<Option<Actor>, StoreError> {
        let connection = self.lock();
        let found: Option<(String, String, String)> = connection
            .prepare_cached("SELECT id, name, role FROM tokens WHERE hash = ?1 AND revoked_at IS NULL")?
            .query_row(params![hash_token(secret)], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        Ok(found.and_then(|(id, name, role)| Some(Actor { id, name: format!("token:{name}"), role: Role::from_code(&role)? })))
    }

    /// Every token, newest first, revoked ones included.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT id FROM tokens ORDER BY created_at DESC, id")?;
        let ids: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        ids.iter().filter_map(|id| token_info(&connection, id).transpose()).collect()
    }

    /// Revokes a token; returns it as it is now, or `None` when there is no such token.
    pub fn revoke_token(&self, id: &str, actor: &Actor) -> Result<Option<TokenInfo>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(before) = token_info(&transaction, id)? else { return Ok(None) };
        if before.revoked_at.is_some() {
            return Ok(Some(before));
        }
        transaction.execute("UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1", params![id])?;
        let after = token_info(&transaction, id)?.expect("the token exists");
        let json = |info: &TokenInfo| serde_json::to_string(info).expect("token info serialises");
        insert_audit(&transaction, actor, "token_revoke", &format!("token:{id}"), Some(&json(&before)), Some(&json(&after)))?;
        transaction.commit()?;
        Ok(Some(after))
    }

    /// Whether any live token exists (the service is read-only for everyone otherwise).
    pub fn has_tokens(&self) -> Result<bool, StoreError> {
        let connection = self.lock();
        Ok(connection.query_row("SELECT EXISTS(SELECT 1 FROM tokens WHERE revoked_at IS NULL)", [], |row| row.get(0))?)
    }
}

fn token_info(connection: &rusqlite::Connection, id: &str) -> Result<Option<TokenInfo>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT id, name, role, created_at, created_by, revoked_at FROM tokens WHERE id = ?1",
            params![id],
            |row| {
                let role: String = row.get(2)?;
                Ok(TokenInfo {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    role: Role::from_code(&role).unwrap_or(Role::Viewer),
                    created_at: row.get(3)?,
                    created_by: row.get(4)?,
                    revoked_at: row.get(5)?,
                })
            },
        )
        .optional()?)
}
