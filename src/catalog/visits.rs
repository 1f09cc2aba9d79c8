//! Visit records in the catalog, with the bases each one used (for rotation and for listing
//! the visits of a base).

use rusqlite::{params, Connection, TransactionBehavior};

use super::store::{etag_matches, insert_audit, new_etag, quoted, record_with_etag, Store, StoreError};
use crate::access::Actor;
use crate::domain::{VisitDays, VisitInput, VisitRecord, VisitStatus};

/// Which visits to list.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    /// Only visits in one of these states (all when empty).
    pub status: Vec<VisitStatus>,
    /// Only visits starting on or after this date (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Only visits starting on or before this date.
    pub to: Option<String>,
    /// Only visits that include this base.
    pub base: Option<String>,
}

impl Store {
    /// Records a new visit; returns it with its id and ETag.
    pub fn insert_visit(&self, visit: &VisitInput, actor: &Actor) -> Result<(VisitRecord, String), StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('visits', '0')", [])?;
        transaction.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'visits'", [])?;
        let number: String = transaction.query_row("SELECT value FROM meta WHERE key = 'visits'", [], |row| row.get(0))?;
        let id = format!("visit-{:06}", number.parse::<u64>().unwrap_or(0));
        let (record, json, etag) = save_visit(&transaction, &id, visit, actor)?;
        insert_audit(&transaction, actor, "visit_create", &format!("visit:{id}"), None, Some(&json))?;
        transaction.commit()?;
        Ok((record, etag))
    }

    /// Replaces a visit if it is still at version `if_match`.
    pub fn replace_visit(&self, id: &str, visit: &VisitInput, if_match: &str, actor: &Actor) -> Result<(VisitRecord, String), StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some((before, current)) = record_with_etag(&transaction, "visits", id)? else { return Err(StoreError::VisitMissing(id.to_string())) };
        if !etag_matches(if_match, &current) {
            return Err(StoreError::EtagMismatch { id: id.to_string(), current });
        }
        let (record, json, etag) = save_visit(&transaction, id, visit, actor)?;
        insert_audit(&transaction, actor, "visit_replace", &format!("visit:{id}"), Some(&before), Some(&json))?;
        transaction.commit()?;
        Ok((record, etag))
    }

    /// One visit with its ETag.
    pub fn visit(&self, id: &str) -> Result<Option<(VisitRecord, String)>, StoreError> {
        let connection = self.lock();
        let Some((json, etag)) = record_with_etag(&connection, "visits", id)? else { return Ok(None) };
        Ok(Some((decode_visit(id, &json)?, etag)))
    }

    /// The visits that pass `filter`, by start date then id.
    pub fn visits(&self, filter: &VisitFilter) -> Result<Vec<VisitRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT id, status, start_date, record FROM visits
             WHERE (?1 IS NULL OR start_date >= ?1) AND (?2 IS NULL OR start_date <= ?2)
               AND (?3 IS NULL OR id IN (SELECT visit_id FROM visit_bases WHERE base_id = ?3))
             ORDER BY start_date, id",
        )?;
        let mut rows = statement.query(params![filter.from, filter.to, filter.base])?;
        let mut visits = Vec::new();
        while let Some(row) = rows.next()? {
            let (id, status): (String, String) = (row.get(0)?, row.get(1)?);
            if !filter.status.is_empty() && !filter.status.iter().any(|s| s.code() == status) {
                continue;
            }
            visits.push(decode_visit(&id, &row.get::<_, String>(3)?)?);
        }
        Ok(visits)
    }
}

/// Writes a visit with a fresh ETag; returns the record, its JSON and the quoted ETag.
fn save_visit(connection: &Connection, id: &str, visit: &VisitInput, actor: &Actor) -> Result<(VisitRecord, String, String), StoreError> {
    let recorded_at: String = connection.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |row| row.get(0))?;
    let record = VisitRecord { id: id.to_string(), visit: visit.clone(), recorded_by: actor.name.clone(), recorded_at };
    let json = serde_json::to_string(&record).map_err(|source| StoreError::CorruptRow { id: id.to_string(), source })?;
    let start_date = match &visit.profile.visit {
        VisitDays::Dates(dates) => dates.first().map(|d| d.to_string()).unwrap_or_default(),
        VisitDays::Weekdays(_) => String::new(),
    };
    let etag = new_etag();
    connection.execute(
        "INSERT INTO visits(id, status, start_date, record, etag) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, start_date = excluded.start_date, record = excluded.record,
           etag = excluded.etag",
        params![id, visit.status.code(), start_date, json, etag],
    )?;
    connection.execute("DELETE FROM visit_bases WHERE visit_id = ?1", params![id])?;
    let mut insert = connection.prepare_cached("INSERT INTO visit_bases(visit_id, position, base_id) VALUES (?1, ?2, ?3)")?;
    for (position, base) in visit.bases.iter().enumerate() {
        insert.execute(params![id, position as i64, base])?;
    }
    Ok((record, json, quoted(&etag)))
}


fn decode_visit(id: &str, json: &str) -> Result<VisitRecord, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::CorruptRow { id: id.to_string(), source })
}
