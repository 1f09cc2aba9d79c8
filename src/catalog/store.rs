//! The SQLite catalog: the system of record for exchange bases.
//!
//! Each base is one row holding its JSON, plus the columns a listing filters on. A `meta` table
//! keeps the catalog's identity and a revision counter that every write transaction bumps; the
//! search index records the identity and revision it was built from, which is how a stale
//! index is recognised at start (see [`crate::library`]).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::domain::ExchangeBase;

/// Errors of the catalog store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("catalog database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row does not decode: the database was edited by hand or by a newer version.
    #[error("catalog row `{id}` is corrupt: {source}")]
    CorruptRow {
        /// The base id of the row.
        id: String,
        /// What failed to decode.
        source: serde_json::Error,
    },
    /// A lock was poisoned by a panic in another thread.
    #[error("catalog connection lock poisoned")]
    Poisoned,
}

/// The catalog's identity and revision, as recorded by the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVersion {
    /// Random id given to the database when it was created.
    pub catalog_id: String,
    /// Number of write transactions so far.
    pub revision: u64,
}

impl CatalogVersion {
    /// The compact form stored in the index commit payload.
    pub fn to_payload(&self) -> String {
        format!("{}:{}", self.catalog_id, self.revision)
    }
}

/// How an import changes the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Insert new bases and update those whose id exists; keep the rest.
    Upsert,
    /// Make the given bases the whole catalog.
    Replace,
}

/// Counts of what one write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteSummary {
    /// Bases that did not exist before.
    pub inserted: usize,
    /// Bases that existed and were overwritten.
    pub updated: usize,
    /// Bases removed (only with [`WriteMode::Replace`]).
    pub deleted: usize,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bases (
    id TEXT PRIMARY KEY,
    division TEXT NOT NULL,
    kind TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS bases_division ON bases(division);
CREATE TABLE IF NOT EXISTS exposures (
    base_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS exposures_base ON exposures(base_id);
";

/// The SQLite catalog. Cheap to share behind an `Arc`; calls are serialised on one connection,
/// which is ample for a catalog of thousands of bases and keeps writes trivially ordered.
pub struct Store {
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the catalog at `path`, in WAL mode with full sync so an
    /// acknowledged write survives a crash.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        connection.execute_batch(SCHEMA)?;
        connection.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('catalog_id', ?1), ('revision', '0')",
            params![new_catalog_id()],
        )?;
        Ok(Store { connection: Mutex::new(connection) })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.connection.lock().map_err(|_| StoreError::Poisoned)
    }

    /// The catalog's identity and current revision.
    pub fn version(&self) -> Result<CatalogVersion, StoreError> {
        let connection = self.lock()?;
        read_version(&connection)
    }

    /// Number of bases.
    pub fn count(&self) -> Result<usize, StoreError> {
        let connection = self.lock()?;
        let count: i64 = connection.query_row("SELECT COUNT(*) FROM bases", [], |row| row.get(0))?;
        Ok(count as usize)
    }

    /// One base by id.
    pub fn get(&self, id: &str) -> Result<Option<ExchangeBase>, StoreError> {
        let connection = self.lock()?;
        let record: Option<String> =
            connection.query_row("SELECT record FROM bases WHERE id = ?1", params![id], |row| row.get(0)).optional()?;
        record.map(|json| decode(id, &json)).transpose()
    }

    /// Calls `visit` with every base, ordered by id, without holding them all in memory.
    pub fn for_each(&self, mut visit: impl FnMut(ExchangeBase)) -> Result<usize, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection.prepare("SELECT id, record FROM bases ORDER BY id")?;
        let mut rows = statement.query([])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let (id, json): (String, String) = (row.get(0)?, row.get(1)?);
            visit(decode(&id, &json)?);
            count += 1;
        }
        Ok(count)
    }

    /// Writes `bases` in one transaction: either all of them land or none.
    pub fn write(&self, bases: &[ExchangeBase], mode: WriteMode) -> Result<(WriteSummary, CatalogVersion), StoreError> {
        let mut connection = self.lock()?;
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = WriteSummary::default();
        if mode == WriteMode::Replace {
            let keep: std::collections::HashSet<&str> = bases.iter().map(|b| b.id.as_str()).collect();
            let existing: Vec<String> = {
                let mut statement = transaction.prepare("SELECT id FROM bases")?;
                statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?
            };
            for id in existing.iter().filter(|id| !keep.contains(id.as_str())) {
                transaction.execute("DELETE FROM bases WHERE id = ?1", params![id])?;
                summary.deleted += 1;
            }
        }
        {
            let mut exists = transaction.prepare("SELECT 1 FROM bases WHERE id = ?1")?;
            let mut upsert = transaction.prepare(
                "INSERT INTO bases(id, division, kind, restricted, record) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET division = excluded.division, kind = excluded.kind,
                   restricted = excluded.restricted, record = excluded.record,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            )?;
            for base in bases {
                if exists.exists(params![base.id])? {
                    summary.updated += 1;
                } else {
                    summary.inserted += 1;
                }
                let json = serde_json::to_string(base).map_err(|source| StoreError::CorruptRow { id: base.id.clone(), source })?;
                upsert.execute(params![base.id, base.location.division, base.kind.code(), base.restricted, json])?;
            }
        }
        transaction.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'", [])?;
        let version = read_version(&transaction)?;
        transaction.commit()?;
        Ok((summary, version))
    }
}

impl Store {
    /// Records that these bases were proposed to a delegation (feeds the rotation feature).
    pub fn record_exposures(&self, ids: &[String]) -> Result<(), StoreError> {
        let mut connection = self.lock()?;
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction.prepare("INSERT INTO exposures(base_id) VALUES (?1)")?;
            for id in ids {
                insert.execute(params![id])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// How many times each base was proposed.
    pub fn exposure_counts(&self) -> Result<std::collections::HashMap<String, u32>, StoreError> {
        let connection = self.lock()?;
        let mut statement = connection.prepare("SELECT base_id, COUNT(*) FROM exposures GROUP BY base_id")?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u32)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn read_version(connection: &Connection) -> Result<CatalogVersion, StoreError> {
    let catalog_id: String = connection.query_row("SELECT value FROM meta WHERE key = 'catalog_id'", [], |row| row.get(0))?;
    let revision: String = connection.query_row("SELECT value FROM meta WHERE key = 'revision'", [], |row| row.get(0))?;
    Ok(CatalogVersion { catalog_id, revision: revision.parse().unwrap_or(0) })
}

fn decode(id: &str, json: &str) -> Result<ExchangeBase, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::CorruptRow { id: id.to_string(), source })
}

/// A catalog id unique enough to tell two databases apart: time, process and a counter hashed.
fn new_catalog_id() -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let digest = Sha256::digest(format!("{nanos}:{}:{:p}", std::process::id(), &nanos));
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
