//! Labels the office has accepted for industries (鞋材 → footwear): kept in the catalog, so that
//! the next survey return using them imports without a mapping.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{insert_audit, Store, StoreError};
use crate::access::Actor;

/// One accepted label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AcceptedLabel {
    /// The label as written (鞋材).
    #[schema(example = "鞋材")]
    pub label: String,
    /// The industry code it is read as.
    #[schema(example = "footwear")]
    pub industry: String,
    /// Who accepted it.
    pub added_by: String,
    /// When (UTC, RFC 3339).
    pub added_at: String,
}

/// The audit target of an accepted label.
fn target(label: &str) -> String {
    format!("label:{label}")
}

impl Store {
    /// Every accepted label, by label.
    pub fn accepted_labels(&self) -> Result<Vec<AcceptedLabel>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT label, industry, added_by, added_at FROM accepted_labels ORDER BY label")?;
        let rows = statement.query_map([], |row| Ok(AcceptedLabel { label: row.get(0)?, industry: row.get(1)?, added_by: row.get(2)?, added_at: row.get(3)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Accepts `labels` (label, industry code) in one transaction, each audited; a label accepted
    /// before is read as the new industry from now on. Returns how many changed.
    pub fn accept_labels(&self, labels: &[(String, String)], actor: &Actor) -> Result<usize, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        for (label, industry) in labels {
            let before: Option<String> =
                transaction.query_row("SELECT industry FROM accepted_labels WHERE label = ?1", params![label], |row| row.get(0)).optional()?;
            if before.as_deref() == Some(industry.as_str()) {
                continue;
            }
            transaction.execute(
                "INSERT INTO accepted_labels(label, industry, added_by) VALUES (?1, ?2, ?3)
                 ON CONFLICT(label) DO UPDATE SET industry = excluded.industry, added_by = excluded.added_by,
                   added_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                params![label, industry, actor.name],
            )?;
            let json = |industry: &str| serde_json::json!({ "label": label, "industry": industry }).to_string();
            insert_audit(&transaction, actor, "label_accept", &target(label), before.as_deref().map(json).as_deref(), Some(&json(industry)))?;
            changed += 1;
        }
        transaction.commit()?;
        Ok(changed)
    }

    /// Forgets an accepted label (audited); whether there was one.
    pub fn forget_label(&self, label: &str, actor: &Actor) -> Result<bool, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: Option<String> =
            transaction.query_row("SELECT industry FROM accepted_labels WHERE label = ?1", params![label], |row| row.get(0)).optional()?;
        let Some(industry) = before else { return Ok(false) };
        transaction.execute("DELETE FROM accepted_labels WHERE label = ?1", params![label])?;
        let json = serde_json::json!({ "label": label, "industry": industry }).to_string();
        insert_audit(&transaction, actor, "label_forget", &target(label), Some(&json), None)?;
        transaction.commit()?;
        Ok(true)
    }
}
