//! Staff accounts and their browser sessions in the catalog.
//!
//! A user has a username, a role and an argon2id password hash; a session row holds the
//! SHA-256 of its secret, its user, and the instants (Unix seconds) it was last used and must
//! end. Disabling a user or changing their password ends all their sessions and revokes the
//! tokens issued to them. Every change,
//! sign-in and sign-out is in the audit log under the person's username.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{insert_audit, Store, StoreError};
use crate::access::staff::{new_user_id, SessionPolicy};
use crate::access::{Actor, Person, Role};

/// A staff account as listed: never its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserInfo {
    /// Account id.
    #[schema(example = "usr_5b0e91c2d4a7")]
    pub id: String,
    /// The name the person signs in with and the audit log shows.
    #[schema(example = "wangli")]
    pub username: String,
    /// What the account allows.
    pub role: Role,
    /// When it was made (UTC).
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// When it was disabled, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
}

impl UserInfo {
    /// The actor this account acts as: its username names the person in the audit log.
    pub fn actor(&self) -> Actor {
        let person = Person { id: self.id.clone(), username: self.username.clone() };
        Actor { id: self.id.clone(), name: self.username.clone(), role: self.role, person: Some(person) }
    }
}

/// A live session's holder and when the session ends at the latest (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    /// The signed-in person.
    pub user: UserInfo,
    /// The absolute end of the session.
    pub expires_at: i64,
}

/// Least time between two records of a session's last use: a busy page does not write the
/// catalog on every request. (A quarter of the idle time when that is shorter.)
const TOUCH_EVERY_SECONDS: i64 = 30;

impl Store {
    /// Makes an account; `None` when the username is taken (compared without ASCII case).
    pub fn create_user(&self, username: &str, role: Role, password_hash: &str, actor: &Actor) -> Result<Option<UserInfo>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = new_user_id();
        let inserted = transaction.execute(
            "INSERT OR IGNORE INTO users(id, username, role, password_hash, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, username, role.code(), password_hash, actor.name],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        let user = user_by(&transaction, "id", &id)?.expect("the user was just inserted");
        insert_audit(&transaction, actor, "user_create", &user_target(&user), None, Some(&json(&user)))?;
        transaction.commit()?;
        Ok(Some(user))
    }

    /// Sets an account's password and ends its sessions; `None` when there is no such user.
    pub fn set_password(&self, username: &str, password_hash: &str, actor: &Actor) -> Result<Option<UserInfo>, StoreError> {
        self.change_user(username, actor, "user_password", |transaction, user| {
            transaction.execute("UPDATE users SET password_hash = ?1 WHERE id = ?2", params![password_hash, user.id])?;
            Ok(())
        })
    }

    /// Disables (or enables again) an account; disabling ends its sessions.
    pub fn set_user_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<Option<UserInfo>, StoreError> {
        let action = if disabled { "user_disable" } else { "user_enable" };
        self.change_user(username, actor, action, |transaction, user| {
            let sql = if disabled {
                "UPDATE users SET disabled_at = COALESCE(disabled_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = ?1"
            } else {
                "UPDATE users SET disabled_at = NULL WHERE id = ?1"
            };
            transaction.execute(sql, params![user.id])?;
            Ok(())
        })
    }

    fn change_user(
        &self,
        username: &str,
        actor: &Actor,
        action: &str,
        change: impl FnOnce(&Connection, &UserInfo) -> Result<(), StoreError>,
    ) -> Result<Option<UserInfo>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(before) = user_by(&transaction, "username", username)? else { return Ok(None) };
        change(&transaction, &before)?;
        transaction.execute("DELETE FROM sessions WHERE user_id = ?1", params![before.id])?;
        // Tokens issued to the person end with their sessions: a new password after a lost
        // laptop, or a disabled account enabled again, starts with no old credential alive.
        transaction.execute(
            "UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE user_id = ?1 AND revoked_at IS NULL",
            params![before.id],
        )?;
        let after = user_by(&transaction, "id", &before.id)?.expect("the user exists");
        insert_audit(&transaction, actor, action, &user_target(&after), Some(&json(&before)), Some(&json(&after)))?;
        transaction.commit()?;
        Ok(Some(after))
    }

    /// Every account, by username.
    pub fn users(&self) -> Result<Vec<UserInfo>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT id FROM users ORDER BY username")?;
        let ids: Vec<String> = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        ids.iter().filter_map(|id| user_by(&connection, "id", id).transpose()).collect()
    }

    /// The account with this username (compared without ASCII case), enabled or not.
    pub fn user(&self, username: &str) -> Result<Option<UserInfo>, StoreError> {
        user_by(&self.lock(), "username", username)
    }

    /// An enabled account with this username and its password hash.
    pub fn credentials(&self, username: &str) -> Result<Option<(UserInfo, String)>, StoreError> {
        let connection = self.lock();
        let Some(user) = user_by(&connection, "username", username)? else { return Ok(None) };
        if user.disabled_at.is_some() {
            return Ok(None);
        }
        let hash: String = connection.query_row("SELECT password_hash FROM users WHERE id = ?1", params![user.id], |row| row.get(0))?;
        Ok(Some((user, hash)))
    }

    /// Starts a session for `user` whose secret hashes to `secret_hash`; returns when it ends
    /// at the latest. Sessions that have ended are cleared on the way.
    pub fn start_session(&self, user: &UserInfo, secret_hash: &str, policy: SessionPolicy, now: i64) -> Result<i64, StoreError> {
        let expires_at = now + policy.absolute.as_secs() as i64;
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute("DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at + idle_seconds <= ?1", params![now])?;
        transaction.execute(
            "INSERT INTO sessions(hash, user_id, created_at, last_seen_at, expires_at, idle_seconds) VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
            params![secret_hash, user.id, now, expires_at, policy.idle.as_secs() as i64],
        )?;
        insert_audit(&transaction, &user.actor(), "sign_in", &user_target(user), None, None)?;
        transaction.commit()?;
        Ok(expires_at)
    }

    /// The live session whose secret hashes to `secret_hash`, its last use moved to `now`; `None`
    /// when there is none, it ended (idle or absolute), or its user is disabled.
    pub fn session(&self, secret_hash: &str, now: i64) -> Result<Option<LiveSession>, StoreError> {
        let connection = self.lock();
        let found: Option<(String, i64, i64, i64)> = connection
            .prepare_cached("SELECT user_id, last_seen_at, expires_at, idle_seconds FROM sessions WHERE hash = ?1")?
            .query_row(params![secret_hash], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
            .optional()?;
        let Some((user_id, last_seen_at, expires_at, idle_seconds)) = found else { return Ok(None) };
        let user = user_by(&connection, "id", &user_id)?.filter(|user| user.disabled_at.is_none());
        let Some(user) = user.filter(|_| now < expires_at && now < last_seen_at + idle_seconds) else {
            connection.execute("DELETE FROM sessions WHERE hash = ?1", params![secret_hash])?;
            return Ok(None);
        };
        if now - last_seen_at >= TOUCH_EVERY_SECONDS.min(idle_seconds / 4) {
            connection.execute("UPDATE sessions SET last_seen_at = ?1 WHERE hash = ?2", params![now, secret_hash])?;
        }
        Ok(Some(LiveSession { user, expires_at }))
    }

    /// Ends the session whose secret hashes to `secret_hash`; its holder, if it was live.
    pub fn end_session(&self, secret_hash: &str) -> Result<Option<UserInfo>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let user_id: Option<String> =
            transaction.query_row("SELECT user_id FROM sessions WHERE hash = ?1", params![secret_hash], |row| row.get(0)).optional()?;
        let Some(user) = user_id.map(|id| user_by(&transaction, "id", &id)).transpose()?.flatten() else { return Ok(None) };
        transaction.execute("DELETE FROM sessions WHERE hash = ?1", params![secret_hash])?;
        insert_audit(&transaction, &user.actor(), "sign_out", &user_target(&user), None, None)?;
        transaction.commit()?;
        Ok(Some(user))
    }

    /// Whether any enabled account exists.
    pub fn has_users(&self) -> Result<bool, StoreError> {
        let connection = self.lock();
        Ok(connection.query_row("SELECT EXISTS(SELECT 1 FROM users WHERE disabled_at IS NULL)", [], |row| row.get(0))?)
    }
}

fn user_target(user: &UserInfo) -> String {
    format!("user:{}", user.username)
}

fn json(user: &UserInfo) -> String {
    serde_json::to_string(user).expect("user info serialises")
}

/// The user whose `column` (`id` or `username`, never input) equals `value`.
fn user_by(connection: &Connection, column: &'static str, value: &str) -> Result<Option<UserInfo>, StoreError> {
    let sql = format!("SELECT id, username, role, created_at, created_by, disabled_at FROM users WHERE {column} = ?1");
    Ok(connection
        .prepare_cached(&sql)?
        .query_row(params![value], |row| {
            let role: String = row.get(2)?;
            Ok(UserInfo {
                id: row.get(0)?,
                username: row.get(1)?,
                role: Role::from_code(&role).unwrap_or(Role::Viewer),
                created_at: row.get(3)?,
                created_by: row.get(4)?,
                disabled_at: row.get(5)?,
            })
        })
        .optional()?)
}
