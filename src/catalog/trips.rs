//! Trip applications in the catalog: the current record of each, and a frozen copy of every
//! revision that was submitted. Every step is entered in the audit log in its transaction.

use rusqlite::{params, Connection, TransactionBehavior};

use super::store::{etag_matches, insert_audit, new_etag, quoted, record_with_etag, Store, StoreError};
use crate::access::Actor;
use crate::domain::{TripRecord, TripStatus};

/// Which applications to list.
#[derive(Debug, Clone, Default)]
pub struct TripFilter {
    /// Only these statuses (all when empty).
    pub status: Vec<TripStatus>,
    /// Only this department's.
    pub department: Option<String>,
}

/// What a step of the workflow sees of the rest of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct TripContext<'a> {
    /// When the step happens, UTC (RFC 3339).
    pub now: &'a str,
    /// The department's other applications submitted or signed off for trips leaving in the
    /// same year as this one.
    pub trips_this_year: usize,
}

impl Store {
    /// Files a new application made by `make` from its id; returns it with its ETag.
    pub fn insert_trip<E: From<StoreError>>(&self, actor: &Actor, make: impl FnOnce(String, TripContext<'_>) -> Result<TripRecord, E>) -> Result<(TripRecord, String), E> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        transaction.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('trips', '0')", []).map_err(StoreError::from)?;
        transaction.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'trips'", []).map_err(StoreError::from)?;
        let number: String = transaction.query_row("SELECT value FROM meta WHERE key = 'trips'", [], |row| row.get(0)).map_err(StoreError::from)?;
        let id = format!("trip-{:06}", number.parse::<u64>().unwrap_or(0));
        let now = now(&transaction)?;
        let record = make(id.clone(), TripContext { now: &now, trips_this_year: 0 })?;
        let (json, etag) = save_trip(&transaction, &record)?;
        insert_audit(&transaction, actor, "trip_filed", &format!("trip:{id}"), None, Some(&json))?;
        transaction.commit().map_err(StoreError::from)?;
        Ok((record, etag))
    }

    /// Moves application `id`, still at version `if_match`, one step with `step`, entered in
    /// the audit log as `action`. A submitted revision is kept as it was submitted.
    pub fn update_trip<E: From<StoreError>>(
        &self,
        id: &str,
        if_match: &str,
        actor: &Actor,
        action: &str,
        step: impl FnOnce(TripRecord, TripContext<'_>) -> Result<TripRecord, E>,
    ) -> Result<(TripRecord, String), E> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let Some((before, current)) = record_with_etag(&transaction, "trips", id)? else { return Err(StoreError::TripMissing(id.to_string()).into()) };
        if !etag_matches(if_match, &current) {
            return Err(StoreError::EtagMismatch { id: id.to_string(), current }.into());
        }
        let record = decode_trip(id, &before)?;
        let trips_this_year = others_in_year(&transaction, &record)?;
        let now = now(&transaction)?;
        let record = step(record, TripContext { now: &now, trips_this_year })?;
        let (json, etag) = save_trip(&transaction, &record)?;
        if record.status == TripStatus::Submitted {
            transaction
                .execute("INSERT INTO trip_revisions(trip_id, revision, record) VALUES (?1, ?2, ?3)", params![id, record.revision, json])
                .map_err(StoreError::from)?;
        }
        insert_audit(&transaction, actor, action, &format!("trip:{id}"), Some(&before), Some(&json))?;
        transaction.commit().map_err(StoreError::from)?;
        Ok((record, etag))
    }

    /// One application with its ETag.
    pub fn trip(&self, id: &str) -> Result<Option<(TripRecord, String)>, StoreError> {
        let connection = self.lock();
        let Some((json, etag)) = record_with_etag(&connection, "trips", id)? else { return Ok(None) };
        Ok(Some((decode_trip(id, &json)?, etag)))
    }

    /// The department's other applications submitted or signed off for trips leaving in the
    /// same year as `record`: what its annual plan counts.
    pub fn trips_this_year(&self, record: &TripRecord) -> Result<usize, StoreError> {
        others_in_year(&self.lock(), record)
    }

    /// Every submitted revision of an application, oldest first, as it was submitted.
    pub fn trip_revisions(&self, id: &str) -> Result<Vec<TripRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT record FROM trip_revisions WHERE trip_id = ?1 ORDER BY revision")?;
        let rows = statement.query_map(params![id], |row| row.get::<_, String>(0))?;
        rows.map(|json| decode_trip(id, &json?)).collect()
    }

    /// The applications that pass `filter`, newest first.
    pub fn trips(&self, filter: &TripFilter) -> Result<Vec<TripRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT id, status, record FROM trips WHERE (?1 IS NULL OR department = ?1) ORDER BY id DESC")?;
        let mut rows = statement.query(params![filter.department])?;
        let mut trips = Vec::new();
        while let Some(row) = rows.next()? {
            let (id, status): (String, String) = (row.get(0)?, row.get(1)?);
            if !filter.status.is_empty() && !filter.status.iter().any(|s| s.code() == status) {
                continue;
            }
            trips.push(decode_trip(&id, &row.get::<_, String>(2)?)?);
        }
        Ok(trips)
    }
}

fn others_in_year(connection: &Connection, record: &TripRecord) -> Result<usize, StoreError> {
    let year = record.application.departs.format("%Y").to_string();
    let count: i64 = connection.query_row(
        "SELECT count(*) FROM trips WHERE department = ?1 AND substr(departs, 1, 4) = ?2 AND status IN ('submitted', 'approved', 'reported') AND id != ?3",
        params![record.application.department, year, record.id],
        |row| row.get(0),
    )?;
    Ok(count as usize)
}

fn now(connection: &Connection) -> Result<String, StoreError> {
    Ok(connection.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |row| row.get(0))?)
}

/// Writes an application with a fresh ETag; returns its JSON and the quoted ETag.
fn save_trip(connection: &Connection, record: &TripRecord) -> Result<(String, String), StoreError> {
    let json = serde_json::to_string(record).map_err(|source| StoreError::CorruptRow { id: record.id.clone(), source })?;
    let etag = new_etag();
    connection.execute(
        "INSERT INTO trips(id, status, department, departs, record, etag) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, department = excluded.department, departs = excluded.departs,
           record = excluded.record, etag = excluded.etag",
        params![record.id, record.status.code(), record.application.department, record.application.departs.to_string(), json, etag],
    )?;
    Ok((json, quoted(&etag)))
}

fn decode_trip(id: &str, json: &str) -> Result<TripRecord, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::CorruptRow { id: id.to_string(), source })
}

