//! Bearer tokens in the catalog: stored hashed, looked up by hash, revoked in place.
//!
//! A token is a script's, or is issued to a staff account: then it acts as that person (their
//! own trip applications are theirs whichever credential they use), never above their role,
//! and stops working while the account is disabled.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{insert_audit, Store, StoreError};
use crate::access::{hash_token, new_token_id, new_token_secret, Actor, Person, Role};

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
    /// The staff account it was issued to, when it acts for a person rather than a script.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "wangli")]
    pub user: Option<String>,
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
    /// Makes a token for `name` with `role`, issued to the account with id `user_id` when
    /// given (the caller has checked it may be); the secret is returned once and stored hashed.
    pub fn create_token(&self, name: &str, role: Role, user_id: Option<&str>, actor: &Actor) -> Result<NewToken, StoreError> {
        let secret = new_token_secret();
        let id = new_token_id();
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO tokens(id, name, role, hash, created_by, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, name, role.code(), hash_token(&secret), actor.name, user_id],
        )?;
        let info = token_info(&transaction, &id)?.expect("the token was just inserted");
        let after = serde_json::to_string(&info).expect("token info serialises");
        insert_audit(&transaction, actor, "token_create", &format!("token:{id}"), None, Some(&after))?;
        transaction.commit()?;
        Ok(NewToken { info, secret })
    }

    /// The holder of a live token with this secret, if any. A token issued to a person is
    /// dead while their account is disabled, and never acts above the account's role.
    pub fn verify_token(&self, secret: &str) -> Result<Option<Actor>, StoreError> {
        let connection = self.lock();
        type Row = (String, String, String, Option<String>, Option<String>, Option<String>, Option<String>);
        let found: Option<Row> = connection
            .prepare_cached(
                "SELECT t.id, t.name, t.role, t.user_id, u.username, u.role, u.disabled_at
                 FROM tokens t LEFT JOIN users u ON u.id = t.user_id
                 WHERE t.hash = ?1 AND t.revoked_at IS NULL",
            )?
            .query_row(params![hash_token(secret)], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
            })
            .optional()?;
        let Some((id, name, role, user_id, username, user_role, disabled_at)) = found else { return Ok(None) };
        let Some(role) = Role::from_code(&role) else { return Ok(None) };
        let name = format!("token:{name}");
        let Some(user_id) = user_id else { return Ok(Some(Actor { id, name, role, person: None })) };
        let (Some(username), Some(user_role), None) = (username, user_role.as_deref().and_then(Role::from_code), disabled_at) else {
            return Ok(None);
        };
        // The audit log names the person, and the credential they used.
        let name = format!("{username} via {name}");
        Ok(Some(Actor { id, name, role: role.min(user_role), person: Some(Person { id: user_id, username }) }))
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
            "SELECT t.id, t.name, t.role, t.created_at, t.created_by, t.revoked_at, u.username
             FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.id = ?1",
            params![id],
            |row| {
                let role: String = row.get(2)?;
                Ok(TokenInfo {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    role: Role::from_code(&role).unwrap_or(Role::Viewer),
                    user: row.get(6)?,
                    created_at: row.get(3)?,
                    created_by: row.get(4)?,
                    revoked_at: row.get(5)?,
                })
            },
        )
        .optional()?)
}
