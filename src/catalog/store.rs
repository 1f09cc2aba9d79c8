//! The SQLite catalog: the system of record for exchange bases.
//!
//! Each base is one row holding its JSON, plus the columns a listing filters on. A `meta` table
//! keeps the catalog's identity and a revision counter that every write transaction bumps; the
//! search index records the identity and revision it was built from, which is how a stale
//! index is recognised at start (see [`crate::app::library`]).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::access::Actor;
use crate::domain::{BaseStatus, ExchangeBase, ReviewDecision, Screening};

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
    /// A create named an id that is taken.
    #[error("a base with id `{0}` exists already")]
    BaseExists(String),
    /// A replace or delete named a base that does not exist.
    #[error("no base with id `{0}`")]
    BaseMissing(String),
    /// The base changed since the writer read it.
    #[error("base `{id}` has changed since it was read (its ETag is now {current})")]
    EtagMismatch {
        /// The base id.
        id: String,
        /// Its current ETag.
        current: String,
    },
    /// An outbound route create named an id that is taken.
    #[error("an outbound route with id `{0}` exists already")]
    OutboundRouteExists(String),
    /// An outbound route replace or delete named one that does not exist.
    #[error("no outbound route with id `{0}`")]
    OutboundRouteMissing(String),
    /// A write that states another status than the base's own: statuses change by review.
    #[error("{message}")]
    StatusChange {
        /// The base id.
        id: String,
        /// What was stated and what the base is.
        message: String,
    },
    /// A review decision that does not apply to the base's status (approving an active base).
    #[error("{message}")]
    ReviewNotApplicable {
        /// The base id.
        id: String,
        /// Which decisions would apply.
        message: String,
    },
    /// A visit replace named a visit that does not exist.
    #[error("no visit with id `{0}`")]
    VisitMissing(String),
    /// A trip application that does not exist.
    #[error("no trip application with id `{0}`")]
    TripMissing(String),
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
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
    status TEXT NOT NULL DEFAULT 'active',
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS bases_division ON bases(division);
CREATE TABLE IF NOT EXISTS exposures (
    base_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS exposures_base ON exposures(base_id);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS audit_target ON audit(target);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    user_id TEXT
);
CREATE TABLE IF NOT EXISTS visits (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS visit_bases (
    visit_id TEXT NOT NULL REFERENCES visits(id),
    position INTEGER NOT NULL,
    base_id TEXT NOT NULL,
    PRIMARY KEY (visit_id, position)
);
CREATE INDEX IF NOT EXISTS visit_bases_base ON visit_bases(base_id);
CREATE TABLE IF NOT EXISTS outbound_routes (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accepted_labels (
    label TEXT PRIMARY KEY,
    industry TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by TEXT NOT NULL,
    disabled_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    idle_seconds INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS trips (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    department TEXT NOT NULL,
    departs TEXT NOT NULL,
    record TEXT NOT NULL,
    etag TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trip_revisions (
    trip_id TEXT NOT NULL REFERENCES trips(id),
    revision INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (trip_id, revision)
);
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
        add_etag_columns(&connection)?;
        add_status_column(&connection)?;
        add_token_owner_column(&connection)?;
        connection.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('catalog_id', ?1), ('revision', '0')",
            params![new_catalog_id()],
        )?;
        Ok(Store { connection: Mutex::new(connection) })
    }

    /// The connection. A panic while another thread held it does not make the catalog
    /// unusable: an open transaction rolls back as it unwinds, so the connection is sound.
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Holds the connection's lock, for a test that panics while holding it.
    #[cfg(test)]
    pub(crate) fn poison_for_test(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.lock()
    }

    /// The catalog's identity and current revision.
    pub fn version(&self) -> Result<CatalogVersion, StoreError> {
        let connection = self.lock();
        read_version(&connection)
    }

    /// Number of bases.
    pub fn count(&self) -> Result<usize, StoreError> {
        let connection = self.lock();
        let count: i64 = connection.query_row("SELECT COUNT(*) FROM bases", [], |row| row.get(0))?;
        Ok(count as usize)
    }

    /// Number of bases anyone may see (see [`ExchangeBase::is_public`]).
    pub fn count_public(&self) -> Result<usize, StoreError> {
        let connection = self.lock();
        let count: i64 = connection.query_row(&format!("SELECT COUNT(*) FROM bases WHERE {PUBLIC_ROW}"), [], |row| row.get(0))?;
        Ok(count as usize)
    }

    /// One base by id; one that is not public (restricted, or not active) only with
    /// `include_hidden`. The filter is part of the query, so a hidden base costs no more time to
    /// refuse than a missing one.
    pub fn get(&self, id: &str, include_hidden: bool) -> Result<Option<ExchangeBase>, StoreError> {
        Ok(self.get_with_etag(id, include_hidden)?.map(|(base, _)| base))
    }

    /// Calls `visit` with every base, ordered by id, without holding them all in memory.
    pub fn for_each(&self, mut visit: impl FnMut(ExchangeBase)) -> Result<usize, StoreError> {
        let connection = self.lock();
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
    /// Every changed base is entered in the audit log, with its state before and after, in
    /// the same transaction. A base that states no status keeps the one it has, or takes
    /// `arrival` when it is new: `bases` are left as they were stored (see [`keep_screening`]).
    pub fn write(
        &self,
        bases: &mut [ExchangeBase],
        mode: WriteMode,
        arrival: BaseStatus,
        actor: &Actor,
    ) -> Result<(WriteSummary, CatalogVersion), StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = WriteSummary::default();
        if mode == WriteMode::Replace {
            let keep: std::collections::HashSet<&str> = bases.iter().map(|b| b.id.as_str()).collect();
            let existing: Vec<String> = {
                let mut statement = transaction.prepare("SELECT id FROM bases")?;
                statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?
            };
            for id in existing.iter().filter(|id| !keep.contains(id.as_str())) {
                let before = record_json(&transaction, id)?;
                transaction.execute("DELETE FROM bases WHERE id = ?1", params![id])?;
                insert_audit(&transaction, actor, "import", &base_target(id), before.as_deref(), None)?;
                summary.deleted += 1;
            }
        }
        for base in bases.iter_mut() {
            let before = record_json(&transaction, &base.id)?;
            keep_screening(base, before.as_deref(), arrival)?;
            let after = encode(base)?;
            if before.is_some() {
                summary.updated += 1;
            } else {
                summary.inserted += 1;
            }
            if before.as_deref() != Some(after.as_str()) {
                upsert_row(&transaction, base, &after)?;
                insert_audit(&transaction, actor, "import", &base_target(&base.id), before.as_deref(), Some(&after))?;
            }
        }
        bump_revision(&transaction)?;
        let version = read_version(&transaction)?;
        transaction.commit()?;
        Ok((summary, version))
    }
}

/// One change to one base, checked against what the writer last read.
#[derive(Debug, Clone, Copy)]
pub enum BaseChange<'a> {
    /// Add a base whose id is not taken.
    Create(&'a ExchangeBase),
    /// Overwrite a base, if it is still at version `if_match` (its ETag).
    Replace {
        /// The new state (its id names the base).
        base: &'a ExchangeBase,
        /// The ETag the writer read.
        if_match: &'a str,
    },
    /// The same as `Replace`, entered in the audit log as a patch.
    Patch {
        /// The patched state.
        base: &'a ExchangeBase,
        /// The ETag the writer read.
        if_match: &'a str,
    },
    /// Remove a base, if it is still at version `if_match`.
    Delete {
        /// The base id.
        id: &'a str,
        /// The ETag the writer read.
        if_match: &'a str,
    },
}

/// What one applied [`BaseChange`] left behind.
#[derive(Debug, Clone)]
pub struct ChangeApplied {
    /// The base afterwards (`None` after a delete).
    pub after: Option<ExchangeBase>,
    /// Its new ETag (`None` after a delete).
    pub etag: Option<String>,
    /// The catalog version the change produced.
    pub version: CatalogVersion,
}

impl Store {
    /// One base by id, with its ETag: an opaque random tag drawn anew at every write, so it
    /// says nothing about the record (a digest would let a guessed phone number be confirmed)
    /// and a change that is reverted still gets a new one.
    /// A base that is not public is returned only with `include_hidden`, as in [`Store::get`].
    pub fn get_with_etag(&self, id: &str, include_hidden: bool) -> Result<Option<(ExchangeBase, String)>, StoreError> {
        let connection = self.lock();
        let found: Option<(String, String)> = connection
            .prepare_cached(&format!("SELECT record, etag FROM bases WHERE id = ?1 AND (?2 OR ({PUBLIC_ROW}))"))?
            .query_row(params![id, include_hidden], |row| Ok((row.get(0)?, quoted(&row.get::<_, String>(1)?))))
            .optional()?;
        let Some((json, etag)) = found else { return Ok(None) };
        Ok(Some((decode(id, &json)?, etag)))
    }

    /// Applies one change in one transaction, with its audit entry, if the base is where the
    /// writer expects it: a create needs a free id, a replace or delete needs the base to exist
    /// with the ETag the writer read (otherwise someone else changed it in between).
    pub fn apply(&self, change: BaseChange<'_>, actor: &Actor) -> Result<ChangeApplied, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = match change {
            BaseChange::Create(base) | BaseChange::Replace { base, .. } | BaseChange::Patch { base, .. } => base.id.as_str(),
            BaseChange::Delete { id, .. } => id,
        };
        let before_row = record_with_etag(&transaction, "bases", id)?;
        let before = before_row.as_ref().map(|(json, _)| json.clone());
        let (action, after) = match (change, &before_row) {
            (BaseChange::Create(_), Some(_)) => return Err(StoreError::BaseExists(id.to_string())),
            (BaseChange::Replace { .. } | BaseChange::Patch { .. } | BaseChange::Delete { .. }, None) => {
                return Err(StoreError::BaseMissing(id.to_string()));
            }
            (
                BaseChange::Replace { if_match, .. } | BaseChange::Patch { if_match, .. } | BaseChange::Delete { if_match, .. },
                Some((_, etag)),
            )
                if !etag_matches(if_match, etag) =>
            {
                return Err(StoreError::EtagMismatch { id: id.to_string(), current: etag.clone() });
            }
            (BaseChange::Create(base), None) => ("create", Some(base)),
            (BaseChange::Replace { base, .. }, Some(_)) => ("replace", Some(base)),
            (BaseChange::Patch { base, .. }, Some(_)) => ("patch", Some(base)),
            (BaseChange::Delete { .. }, Some(_)) => ("delete", None),
        };
        let after = match after {
            Some(base) => {
                let mut base = base.clone();
                keep_screening(&mut base, before.as_deref(), BaseStatus::Active)?;
                Some(base)
            }
            None => None,
        };
        let after = after.as_ref();
        let after_json = after.map(encode).transpose()?;
        let new_etag = match (after, &after_json) {
            (Some(base), Some(json)) => Some(upsert_row(&transaction, base, json)?),
            _ => {
                transaction.execute("DELETE FROM bases WHERE id = ?1", params![id])?;
                None
            }
        };
        insert_audit(&transaction, actor, action, &base_target(id), before.as_deref(), after_json.as_deref())?;
        bump_revision(&transaction)?;
        let version = read_version(&transaction)?;
        transaction.commit()?;
        Ok(ChangeApplied { after: after.cloned(), etag: new_etag, version })
    }
}

impl Store {
    /// Applies a review decision to a base, with its note, in one transaction with its audit
    /// entry (`review:approve`, …), if the base is still at `if_match` when one is given. The
    /// decision must apply to the base's status (see [`ReviewDecision::apply`]); the note
    /// replaces the last one.
    pub fn review(
        &self,
        id: &str,
        decision: ReviewDecision,
        note: Option<&str>,
        if_match: Option<&str>,
        actor: &Actor,
    ) -> Result<ChangeApplied, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some((before, etag)) = record_with_etag(&transaction, "bases", id)? else {
            return Err(StoreError::BaseMissing(id.to_string()));
        };
        if let Some(if_match) = if_match
            && !etag_matches(if_match, &etag)
        {
            return Err(StoreError::EtagMismatch { id: id.to_string(), current: etag });
        }
        let mut base = decode(id, &before)?;
        let status = decision.apply(base.status()).map_err(|message| StoreError::ReviewNotApplicable { id: id.to_string(), message })?;
        base.status = Some(status);
        base.review_note = note.map(str::to_string);
        let after = encode(&base)?;
        let etag = upsert_row(&transaction, &base, &after)?;
        insert_audit(&transaction, actor, &format!("review:{}", decision.code()), &base_target(id), Some(&before), Some(&after))?;
        bump_revision(&transaction)?;
        let version = read_version(&transaction)?;
        transaction.commit()?;
        Ok(ChangeApplied { after: Some(base), etag: Some(etag), version })
    }

    /// Records that these bases were proposed to a delegation (feeds the rotation feature).
    pub fn record_exposures(&self, ids: &[String]) -> Result<(), StoreError> {
        let mut connection = self.lock();
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

    /// How many times each base was proposed to a delegation or used by a confirmed or
    /// completed visit.
    pub fn exposure_counts(&self) -> Result<std::collections::HashMap<String, u32>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT base_id, COUNT(*) FROM (
                 SELECT base_id FROM exposures
                 UNION ALL
                 SELECT vb.base_id FROM visit_bases vb JOIN visits v ON v.id = vb.visit_id
                 WHERE v.status IN ('confirmed', 'completed'))
             GROUP BY base_id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u32)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn bump_revision(connection: &Connection) -> Result<(), StoreError> {
    connection.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'", [])?;
    Ok(())
}

fn record_json(connection: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(connection.query_row("SELECT record FROM bases WHERE id = ?1", params![id], |row| row.get(0)).optional()?)
}

fn encode(base: &ExchangeBase) -> Result<String, StoreError> {
    serde_json::to_string(base).map_err(|source| StoreError::CorruptRow { id: base.id.clone(), source })
}

/// Writes a base's row with a fresh ETag, and returns that ETag.
fn upsert_row(connection: &Connection, base: &ExchangeBase, json: &str) -> Result<String, StoreError> {
    let etag = new_etag();
    connection
        .prepare_cached(
            "INSERT INTO bases(id, division, kind, restricted, status, record, etag) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET division = excluded.division, kind = excluded.kind,
               restricted = excluded.restricted, status = excluded.status, record = excluded.record, etag = excluded.etag,
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )?
        .execute(params![base.id, base.location.division, base.kind.code(), base.restricted, base.status().code(), json, etag])?;
    Ok(quoted(&etag))
}

/// The rows anyone may see: the SQL form of [`ExchangeBase::is_public`].
const PUBLIC_ROW: &str = "restricted = 0 AND status = 'active'";

/// Settles `base`'s screening against the stored record `stored` (see
/// [`ExchangeBase::settle_screening`]), reading only the screening part of it.
fn keep_screening(base: &mut ExchangeBase, stored: Option<&str>, arrival: BaseStatus) -> Result<(), StoreError> {
    let stored: Option<Screening> =
        stored.map(serde_json::from_str).transpose().map_err(|source| StoreError::CorruptRow { id: base.id.clone(), source })?;
    base.settle_screening(stored, arrival).map_err(|message| StoreError::StatusChange { id: base.id.clone(), message })
}

/// Gives catalogs made before screening a `status` column, filled from the records (which
/// then had no status, so every base was in the library).
fn add_status_column(connection: &Connection) -> Result<(), StoreError> {
    let has_column: bool = connection.prepare("SELECT 1 FROM pragma_table_info('bases') WHERE name = 'status'")?.exists([])?;
    if !has_column {
        connection.execute_batch("ALTER TABLE bases ADD COLUMN status TEXT NOT NULL DEFAULT 'active'")?;
    }
    Ok(())
}

/// Gives catalogs made before tokens could be issued to a person a `user_id` column (their
/// tokens stay scripts' tokens).
fn add_token_owner_column(connection: &Connection) -> Result<(), StoreError> {
    let has_column: bool = connection.prepare("SELECT 1 FROM pragma_table_info('tokens') WHERE name = 'user_id'")?.exists([])?;
    if !has_column {
        connection.execute_batch("ALTER TABLE tokens ADD COLUMN user_id TEXT")?;
    }
    Ok(())
}

/// The tables whose rows carry an ETag.
const TAGGED_TABLES: [&str; 4] = ["bases", "visits", "outbound_routes", "trips"];

/// Gives catalogs made before ETags were stored an `etag` column, and every row a tag.
fn add_etag_columns(connection: &Connection) -> Result<(), StoreError> {
    for table in TAGGED_TABLES {
        let has_column: bool = connection
            .prepare(&format!("SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'etag'"))?
            .exists([])?;
        if !has_column {
            connection.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN etag TEXT"))?;
        }
        connection.execute(&format!("UPDATE {table} SET etag = lower(hex(randomblob(12))) WHERE etag IS NULL"), [])?;
    }
    Ok(())
}

/// A new ETag value: 96 random bits, unrelated to the record it tags.
pub(super) fn new_etag() -> String {
    crate::access::random_hex::<12>()
}

/// The quoted form sent in `ETag` headers.
pub(super) fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
}

/// A row's stored record and its quoted ETag, from one of [`TAGGED_TABLES`].
pub(super) fn record_with_etag(connection: &Connection, table: &str, id: &str) -> Result<Option<(String, String)>, StoreError> {
    debug_assert!(TAGGED_TABLES.contains(&table));
    Ok(connection
        .prepare_cached(&format!("SELECT record, etag FROM {table} WHERE id = ?1"))?
        .query_row(params![id], |row| Ok((row.get::<_, String>(0)?, quoted(&row.get::<_, String>(1)?))))
        .optional()?)
}

/// The audit target of a base.
pub fn base_target(id: &str) -> String {
    format!("base:{id}")
}

/// Enters one change in the audit log; called inside the transaction that makes the change, so
/// the log and the data never disagree.
pub(super) fn insert_audit(
    connection: &Connection,
    actor: &Actor,
    action: &str,
    target: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), StoreError> {
    connection
        .prepare_cached("INSERT INTO audit(actor, role, action, target, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![actor.name, actor.role.code(), action, target, before, after])?;
    Ok(())
}

/// Whether an `If-Match` value names this ETag, by the strong comparison RFC 9110 asks of
/// `If-Match`: `*` names any, a listed tag must be the same quoted string, and a weak tag
/// (`W/"…"`) never matches.
pub fn etag_matches(if_match: &str, etag: &str) -> bool {
    if_match.split(',').map(str::trim).any(|candidate| candidate == "*" || candidate == etag)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{parse_records, RecordFormat, EMBEDDED_BASES};
    use crate::domain::{DivisionRegistry, Taxonomy};

    fn two_bases() -> Vec<ExchangeBase> {
        let bases = parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &Taxonomy::embedded(), &DivisionRegistry::embedded()).unwrap();
        bases.into_iter().filter(|b| !b.restricted).take(2).collect()
    }

    #[test]
    fn a_catalog_from_before_screening_opens_with_every_base_active_and_public() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            // The bases table as it was before the status column, holding a record without status.
            let old = Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE bases (id TEXT PRIMARY KEY, division TEXT NOT NULL, kind TEXT NOT NULL, restricted INTEGER NOT NULL,
                 record TEXT NOT NULL, updated_at TEXT NOT NULL DEFAULT 'then', etag TEXT);",
            )
            .unwrap();
            let base = &two_bases()[0];
            let json = serde_json::to_string(base).unwrap();
            assert!(!json.contains("\"status\""));
            old.execute("INSERT INTO bases(id, division, kind, restricted, record, etag) VALUES (?1, 'lucheng', 'enterprise', 0, ?2, 'e')", params![base.id, json])
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.count_public().unwrap(), 1);
        let id = two_bases()[0].id.clone();
        let base = store.get(&id, false).unwrap().expect("public");
        assert_eq!(base.status(), BaseStatus::Active);
    }

    #[test]
    fn a_write_that_states_no_status_keeps_the_stored_one_and_new_bases_take_the_arrival_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        let actor = Actor::command_line();
        let mut bases = two_bases();
        store.write(&mut bases, WriteMode::Upsert, BaseStatus::Candidate, &actor).unwrap();
        assert!(bases.iter().all(|b| b.status == Some(BaseStatus::Candidate)), "left as stored");
        assert_eq!(store.count_public().unwrap(), 0);
        assert!(store.get(&bases[0].id, false).unwrap().is_none(), "a candidate is hidden");

        store.review(&bases[0].id, ReviewDecision::Approve, Some("ok"), None, &actor).unwrap();
        let mut again = two_bases();
        again[0].max_group_size += 1;
        store.write(&mut again, WriteMode::Upsert, BaseStatus::Candidate, &actor).unwrap();
        let first = store.get(&again[0].id, false).unwrap().expect("approved, public");
        assert_eq!((first.status(), first.review_note.as_deref(), first.max_group_size), (BaseStatus::Active, Some("ok"), again[0].max_group_size));
        assert_eq!(store.get(&again[1].id, true).unwrap().unwrap().status(), BaseStatus::Candidate);

        let refused = store.review(&again[0].id, ReviewDecision::Approve, None, None, &actor).unwrap_err();
        assert!(matches!(refused, StoreError::ReviewNotApplicable { .. }), "{refused}");
        let stale = store.review(&again[0].id, ReviewDecision::Suspend, Some("x"), Some("\"old\""), &actor).unwrap_err();
        assert!(matches!(stale, StoreError::EtagMismatch { .. }), "{stale}");
    }
}
