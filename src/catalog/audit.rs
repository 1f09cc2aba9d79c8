//! Reading the audit log: who changed what, when, with the state before and after.
//!
//! Entries are written by the store inside the transaction that makes each change
//! (see [`super::store`]), so the log cannot miss a change or record one that did not happen.

use rusqlite::params_from_iter;
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{Store, StoreError};

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Increasing entry number; also the paging cursor.
    pub id: i64,
    /// When, UTC (RFC 3339 with milliseconds).
    #[schema(example = "2026-11-29T09:30:00.123Z")]
    pub at: String,
    /// Who: a signed-in person's username, `{username} via token:{name}` for a token issued to
    /// them, a script's token (`token:nightly-import`) or `cli:{user}`.
    pub actor: String,
    /// The role the change was made with.
    pub role: String,
    /// `create`, `replace`, `patch`, `delete`, `import`, `token_create`, `token_revoke`,
    /// `visit_create` or `visit_replace`.
    pub action: String,
    /// What changed: `base:{id}`, `token:{id}` or `visit:{id}`.
    #[schema(example = "base:lucheng-001")]
    pub target: String,
    /// The state before (absent for a creation).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The state after (absent for a deletion).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// Which entries to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this target (`base:lucheng-001`).
    pub target: Option<String>,
    /// Only this actor; a person's name also finds what they did with tokens issued to them
    /// (`wangli via token:wangli-laptop`).
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only entries older than this id (the cursor of the previous page).
    pub before_id: Option<i64>,
    /// Page size.
    pub limit: usize,
}

impl Store {
    /// A page of the audit log, newest first.
    pub fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let mut conditions = Vec::new();
        let mut values: Vec<String> = Vec::new();
        for (column, value) in [("target", &query.target), ("actor", &query.actor), ("action", &query.action)] {
            if let Some(value) = value {
                values.push(value.clone());
                let n = values.len();
                conditions.push(if column == "actor" {
                    // substr, not LIKE: a name may hold `_`, which LIKE reads as a wildcard.
                    // Usernames compare without ASCII case, as at sign-in.
                    format!("(lower(actor) = lower(?{n}) OR substr(lower(actor), 1, length(?{n} || ' via token:')) = lower(?{n}) || ' via token:')")
                } else {
                    format!("{column} = ?{n}")
                });
            }
        }
        if let Some(before) = query.before_id {
            values.push(before.to_string());
            conditions.push(format!("id < CAST(?{} AS INTEGER)", values.len()));
        }
        let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let sql = format!(
            "SELECT id, at, actor, role, action, target, before, after FROM audit {filter} ORDER BY id DESC LIMIT {}",
            query.limit
        );
        let connection = self.lock();
        let mut statement = connection.prepare(&sql)?;
        let rows = statement.query_map(params_from_iter(values.iter()), |row| {
            let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
            Ok(AuditEntry {
                id: row.get(0)?,
                at: row.get(1)?,
                actor: row.get(2)?,
                role: row.get(3)?,
                action: row.get(4)?,
                target: row.get(5)?,
                before: json(row.get(6)?),
                after: json(row.get(7)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
