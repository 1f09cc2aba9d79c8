//! The catalog and the search index kept in step, with the reference data both read
//! (taxonomy, divisions, relations, outbound countries) and the caches matching reads (the
//! base table, the rotation counts). Every use case in [`crate::app`] holds one.
//!
//! Opening it creates the data directory, seeds an empty catalog from the embedded fixtures,
//! and rebuilds the index when it does not reflect the catalog (missing, built by another
//! schema version, or left behind by a write that did not reach it). Every base write goes to
//! SQLite first, in one transaction, then to the index in one commit; this type is the only
//! way to write bases, so the two cannot drift apart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use crate::access::{Actor, Role, Visibility};
use crate::catalog::{parse_records, BaseChange, CatalogVersion, ChangeApplied, RecordFormat, Store, WriteMode, WriteSummary, EMBEDDED_BASES};
use crate::domain::{BaseStatus, DivisionRegistry, ExchangeBase, LabelMapping, Relations, ReviewDecision, Taxonomy};
use crate::scoring::features::Exposure;
use crate::scoring::{BaseTable, MatchConfig};
use crate::search::{BaseQuery, IndexStatus, SearchIndex, SearchResults};
use crate::Error;

/// File name of the catalog database inside the data directory.
pub const CATALOG_FILE: &str = "catalog.sqlite3";
/// Folder of the search index inside the data directory.
pub const INDEX_FOLDER: &str = "tantivy";

/// What happened while opening the library.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// The catalog was empty and has been seeded with this many embedded bases.
    pub seeded: Option<usize>,
    /// The index was stale or missing and has been rebuilt.
    pub index_rebuilt: bool,
}

/// Catalog + index + reference data.
pub struct BaseLibrary {
    store: Store,
    index: SearchIndex,
    taxonomy: Arc<Taxonomy>,
    divisions: Arc<DivisionRegistry>,
    relations: Arc<Relations>,
    outbound: crate::outbound::OutboundReference,
    match_config: MatchConfig,
    table: RwLock<Arc<BaseTable>>,
    exposure: RwLock<Arc<Exposure>>,
    /// The office's accepted industry labels (see [`crate::app::vocabulary`]), read from the
    /// catalog at open and after each change.
    accepted: RwLock<Arc<LabelMapping>>,
    /// Held from a base write's SQLite transaction until its index commit, so index commits
    /// happen in catalog order and each one carries the revision it reflects.
    write_lock: Mutex<()>,
    data_dir: PathBuf,
}

impl BaseLibrary {
    /// Opens the library in `data_dir`, seeding and re-indexing as needed. `progress` sees
    /// (done, total) while the index is rebuilt.
    pub fn open(data_dir: &Path, progress: &dyn Fn(usize, usize)) -> Result<(BaseLibrary, OpenReport), Error> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::Io { path: data_dir.to_path_buf(), source })?;
        let taxonomy = Arc::new(Taxonomy::embedded());
        let divisions = Arc::new(DivisionRegistry::embedded());
        let store = Store::open(&data_dir.join(CATALOG_FILE))?;
        let index = SearchIndex::open(&data_dir.join(INDEX_FOLDER), taxonomy.clone(), divisions.clone())?;
        let library = BaseLibrary {
            store,
            index,
            taxonomy,
            divisions,
            relations: Arc::new(Relations::embedded()),
            outbound: crate::outbound::OutboundReference::embedded(),
            match_config: MatchConfig::default_config(),
            table: RwLock::new(Arc::new(BaseTable::default())),
            exposure: RwLock::new(Arc::new(Exposure::default())),
            accepted: RwLock::new(Arc::new(LabelMapping::default())),
            write_lock: Mutex::new(()),
            data_dir: data_dir.to_path_buf(),
        };

        let mut report = OpenReport::default();
        if library.store.version()?.revision == 0 {
            let mut bases = parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &library.taxonomy, &library.divisions)
                .map_err(Error::Invalid)?;
            let seeder = Actor { id: "system:seed".into(), name: "system:seed".into(), role: Role::Admin, person: None };
            library.store.write(&mut bases, WriteMode::Upsert, BaseStatus::Active, &seeder)?;
            report.seeded = Some(bases.len());
        }
        library.store.seed_routes_once(&crate::outbound::data::embedded_routes())?;
        if library.index_status()? != IndexStatus::Fresh {
            library.rebuild_index(progress)?;
            report.index_rebuilt = true;
        }
        library.reload_exposure()?;
        library.reload_accepted()?;
        Ok((library, report))
    }

    /// Replaces the matching configuration (weights, diversity, travel limits).
    pub fn with_match_config(mut self, config: MatchConfig) -> BaseLibrary {
        self.match_config = config;
        self
    }

    /// The matching configuration in use.
    pub fn match_config(&self) -> &MatchConfig {
        &self.match_config
    }

    /// Relations data (countries, sister cities, diaspora, cooperation concepts).
    pub fn relations(&self) -> &Relations {
        &self.relations
    }

    /// Countries, partner cities and trip rules of the outbound-route library.
    pub fn outbound_reference(&self) -> &crate::outbound::OutboundReference {
        &self.outbound
    }

    /// The in-memory base table for matching, rebuilt when the catalog has changed (also by
    /// another process, such as an import from the command line).
    pub fn base_table(&self) -> Result<Arc<BaseTable>, Error> {
        let payload = self.store.version()?.to_payload();
        {
            let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
            if table.catalog_payload == payload {
                return Ok(table.clone());
            }
        }
        let mut table = BaseTable::empty(payload);
        self.store.for_each(|base| table.push(&base, &self.divisions, &self.relations))?;
        let table = Arc::new(table);
        *self.table.write().unwrap_or_else(PoisonError::into_inner) = table.clone();
        Ok(table)
    }

    /// The office's accepted industry labels, as a mapping every label reader consults after
    /// the taxonomy.
    pub fn accepted_labels(&self) -> Arc<LabelMapping> {
        self.accepted.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Re-reads the accepted labels after they changed.
    pub(crate) fn reload_accepted(&self) -> Result<(), Error> {
        let mut mapping = LabelMapping::default();
        for accepted in self.store.accepted_labels()? {
            mapping.insert(&accepted.label, &accepted.industry);
        }
        *self.accepted.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(mapping);
        Ok(())
    }

    /// Re-reads the rotation counts after a visit or a proposal was recorded.
    pub(crate) fn reload_exposure(&self) -> Result<(), Error> {
        let by_base = self.store.exposure_counts()?;
        let table = self.base_table()?;
        let by_base: rustc_hash::FxHashMap<String, u32> = by_base.into_iter().collect();
        let mut by_county = rustc_hash::FxHashMap::default();
        for (id, count) in &by_base {
            // Hidden bases (restricted, or not active) stay out of the county totals: a public match's rotation value
            // must not reveal activity at a site the caller may not know of.
            if let Some((_, row)) = table.by_id(id).filter(|(_, row)| !row.hidden) {
                *by_county.entry(row.county.clone()).or_insert(0) += count;
            }
        }
        *self.exposure.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(Exposure { by_base, by_county });
        Ok(())
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The industry taxonomy.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The divisions and zones.
    pub fn divisions(&self) -> &DivisionRegistry {
        &self.divisions
    }

    /// Whether the index reflects the catalog's current revision.
    pub fn index_status(&self) -> Result<IndexStatus, Error> {
        Ok(self.index.status(&self.store.version()?.to_payload())?)
    }

    /// Number of bases in the catalog (restricted included).
    pub fn count(&self) -> Result<usize, Error> {
        Ok(self.store.count()?)
    }

    /// Number of bases that exist for a caller who sees `visibility`.
    pub fn count_visible(&self, visibility: Visibility) -> Result<usize, Error> {
        Ok(if visibility.sees_hidden() { self.store.count()? } else { self.store.count_public()? })
    }

    /// Number of documents in the index.
    pub fn indexed_count(&self) -> u64 {
        self.index.num_docs()
    }

    /// Number of documents in the index that a caller who sees `visibility` may find.
    pub fn indexed_count_visible(&self, visibility: Visibility) -> Result<u64, Error> {
        Ok(if visibility.sees_hidden() { self.index.num_docs() } else { self.index.count_public()? })
    }

    /// Rebuilds the index from the catalog in one commit.
    pub fn rebuild_index(&self, progress: &dyn Fn(usize, usize)) -> Result<usize, Error> {
        // Read the version before the bases: a write landing in between makes the index look
        // stale at the next check rather than look fresh while missing that write.
        let version = self.store.version()?;
        let total = self.store.count()?;
        let rebuild = self.index.begin_rebuild()?;
        let mut failure = None;
        let mut done = 0;
        self.store.for_each(|base| {
            if failure.is_none() {
                failure = rebuild.add(&base).err();
                done += 1;
                if done % 256 == 0 || done == total {
                    progress(done, total);
                }
            }
        })?;
        if let Some(error) = failure {
            return Err(error.into());
        }
        rebuild.commit(&version.to_payload())?;
        Ok(done)
    }

    /// Searches the index.
    pub fn search(&self, query: &BaseQuery) -> Result<SearchResults, Error> {
        Ok(self.index.search(query)?)
    }

    /// One base as a caller who sees `visibility` may see it: a base they may not see is
    /// [`Error::BaseNotFound`], exactly like a missing one.
    pub fn get(&self, id: &str, visibility: Visibility) -> Result<ExchangeBase, Error> {
        self.store.get(id, visibility.sees_hidden())?.and_then(|base| visibility.show(base)).ok_or_else(|| Error::BaseNotFound(id.to_string()))
    }

    /// One base with its ETag (the version an `If-Match` must name to change it), as
    /// [`BaseLibrary::get`] shows it.
    pub fn get_with_etag(&self, id: &str, visibility: Visibility) -> Result<(ExchangeBase, String), Error> {
        self.store
            .get_with_etag(id, visibility.sees_hidden())?
            .and_then(|(base, etag)| visibility.show(base).map(|base| (base, etag)))
            .ok_or_else(|| Error::BaseNotFound(id.to_string()))
    }

    /// Calls `visit` with every base of the catalog (restricted ones included), in id order,
    /// without holding them all in memory.
    pub fn for_each_base(&self, visit: impl FnMut(ExchangeBase)) -> Result<usize, Error> {
        Ok(self.store.for_each(visit)?)
    }

    /// Applies one base change in the catalog, then in the index.
    pub(crate) fn change_base(&self, change: BaseChange<'_>, actor: &Actor) -> Result<ChangeApplied, Error> {
        let _writing = self.writing();
        let applied = self.store.apply(change, actor)?;
        self.follow_in_index(&applied.version, |payload| match (&applied.after, change) {
            (Some(base), _) => self.index.update(std::slice::from_ref(base), &[], payload),
            (None, BaseChange::Delete { id, .. }) => self.index.update(&[], &[id], payload),
            (None, _) => unreachable!("only a delete leaves no base"),
        })?;
        self.reload_exposure()?;
        Ok(applied)
    }

    /// Applies a review decision to a base (see [`Store::review`]) and brings the index along.
    pub(crate) fn review_base(
        &self,
        id: &str,
        decision: ReviewDecision,
        note: Option<&str>,
        if_match: Option<&str>,
        actor: &Actor,
    ) -> Result<ChangeApplied, Error> {
        let _writing = self.writing();
        let applied = self.store.review(id, decision, note, if_match, actor)?;
        let base = applied.after.as_ref().expect("a review leaves the base");
        self.follow_in_index(&applied.version, |payload| self.index.update(std::slice::from_ref(base), &[], payload))?;
        // A base that stops (or starts) being public leaves (or joins) the county totals.
        self.reload_exposure()?;
        Ok(applied)
    }

    /// The write lock. Poisoning is ignored: it guards no data of its own, and a write that
    /// panicked half-way left at worst an index behind the catalog, which the next write finds
    /// and rebuilds (see [`BaseLibrary::follow_in_index`]).
    fn writing(&self) -> MutexGuard<'_, ()> {
        self.write_lock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Brings the index to `version` after the catalog write that produced it. The write's own
    /// changes are applied incrementally only when the index reflects exactly the revision
    /// before it; if another writer (a command-line import while the service runs, a crash
    /// between the two commits) left it behind, an incremental update would mark it current
    /// while missing that change, so the whole index is rebuilt instead.
    fn follow_in_index(&self, version: &CatalogVersion, incremental: impl FnOnce(&str) -> Result<(), crate::search::IndexError>) -> Result<(), Error> {
        let previous = CatalogVersion { catalog_id: version.catalog_id.clone(), revision: version.revision.saturating_sub(1) };
        if self.index.status(&previous.to_payload())? == IndexStatus::Fresh {
            self.index_followed(incremental(&version.to_payload()), version)
        } else {
            tracing::warn!(revision = version.revision, "the index had missed an earlier write; rebuilding it from the catalog");
            self.rebuild_index(&|_, _| {})?;
            Ok(())
        }
    }

    /// After a catalog write has committed, makes sure the index caught up: when its
    /// incremental commit failed, the whole index is rebuilt from the catalog before the write
    /// is acknowledged (a crash in between leaves it stale, and the next start rebuilds it).
    fn index_followed(&self, indexed: Result<(), crate::search::IndexError>, version: &CatalogVersion) -> Result<(), Error> {
        if let Err(error) = indexed {
            tracing::error!(%error, revision = version.revision, "index update failed; rebuilding from the catalog");
            self.rebuild_index(&|_, _| {})?;
        }
        Ok(())
    }

    /// The rotation counts matching reads: proposals per base and per county.
    pub(crate) fn exposure(&self) -> Arc<Exposure> {
        self.exposure.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The catalog, for the use cases' reads and for writes that do not touch the index
    /// (tokens, visits, outbound routes).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The search index, for reads; writes reach it only through this type.
    pub(crate) fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Writes `bases` (already checked) in one catalog transaction, each change audited under
    /// `actor`, then brings the index along. A new base that states no status takes `arrival`;
    /// `bases` are left as stored.
    pub(crate) fn write_bases(&self, bases: &mut [ExchangeBase], mode: WriteMode, arrival: BaseStatus, actor: &Actor) -> Result<WriteSummary, Error> {
        let _writing = self.writing();
        let (summary, version) = self.store.write(bases, mode, arrival, actor)?;
        let bases = &*bases;
        match mode {
            // The file is the whole catalog: rebuilding from it is complete whatever the index held.
            WriteMode::Replace => self.index_followed(self.index.rebuild(bases, &version.to_payload(), &|_, _| {}), &version)?,
            WriteMode::Upsert => self.follow_in_index(&version, |payload| self.index.upsert(bases, payload))?,
        }
        self.reload_exposure()?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::hex;
    use sha2::Digest;

    #[test]
    fn a_panic_while_writing_leaves_the_library_writable() {
        let dir = tempfile::tempdir().unwrap();
        let (library, _) = BaseLibrary::open(dir.path(), &|_, _| {}).unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _writing = library.writing();
            let _catalog = library.store.poison_for_test();
            panic!("a bug in the middle of a write");
        }));
        assert!(panicked.is_err());
        assert!(library.write_lock.is_poisoned(), "the test really poisoned the lock");
        let (_, etag) = library.get_with_etag("lucheng-001", Visibility::Internal).unwrap();
        let (patched, _) = crate::app::bases::patch(&library, "lucheng-001", &serde_json::json!({"tags": ["恢复测试"]}), &etag, &Actor::command_line()).unwrap();
        assert_eq!(patched.tags, vec!["恢复测试".to_string()]);
        assert!(library.count().unwrap() > 300, "reads work too");
    }

    #[test]
    fn etags_are_opaque_change_on_every_write_and_compare_strongly() {
        let dir = tempfile::tempdir().unwrap();
        let (library, _) = BaseLibrary::open(dir.path(), &|_, _| {}).unwrap();
        let actor = Actor::command_line();
        let (original, first) = library.get_with_etag("lucheng-001", Visibility::Internal).unwrap();
        let stored = serde_json::to_string(&original).unwrap();
        for digest in [hex(&sha2::Sha256::digest(stored.as_bytes())[..12]), hex(&sha2::Sha256::digest(stored.as_bytes()))] {
            assert!(!first.contains(&digest), "the ETag is not a digest of the record");
        }
        let tags = serde_json::json!({"tags": ["临时"]});
        let (_, second) = crate::app::bases::patch(&library, "lucheng-001", &tags, &first, &actor).unwrap();
        let revert = serde_json::json!({"tags": original.tags});
        let (reverted, third) = crate::app::bases::patch(&library, "lucheng-001", &revert, &second, &actor).unwrap();
        assert_eq!(reverted.tags, original.tags, "the record is back as it was");
        assert!(first != second && second != third && first != third, "a reverted change still gets a new ETag: {first} {second} {third}");
        let weak = format!("W/{third}");
        assert!(matches!(crate::app::bases::patch(&library, "lucheng-001", &tags, &weak, &actor), Err(Error::PreconditionFailed { .. })), "a weak tag never matches");
        assert!(crate::app::bases::patch(&library, "lucheng-001", &tags, &format!("\"nope\", {third}"), &actor).is_ok(), "a list naming the current tag matches");
    }

    #[test]
    fn a_write_after_a_missed_one_rebuilds_the_index_instead_of_hiding_the_gap() {
        let dir = tempfile::tempdir().unwrap();
        let (library, _) = BaseLibrary::open(dir.path(), &|_, _| {}).unwrap();
        let actor = Actor::command_line();
        // Another writer changes the catalog without touching this index (what a crash between the
        // two commits, or a second process, leaves behind).
        let mut missed = library.get("lucheng-002", Visibility::Internal).unwrap();
        missed.needs = vec!["寻找氢燃料电池叉车合作".into()];
        library.store.write(&mut [missed], WriteMode::Upsert, BaseStatus::Active, &actor).unwrap();
        assert_ne!(library.index_status().unwrap(), IndexStatus::Fresh);
        // Our own write must not mark the index current while it lacks the missed change.
        let (_, etag) = library.get_with_etag("lucheng-001", Visibility::Internal).unwrap();
        crate::app::bases::patch(&library, "lucheng-001", &serde_json::json!({"tags": ["氢能源观光"]}), &etag, &actor).unwrap();
        assert_eq!(library.index_status().unwrap(), IndexStatus::Fresh);
        let search = |text: &str| -> Vec<String> {
            let query = BaseQuery { text: Some(text.into()), limit: 50, ..BaseQuery::default() };
            library.search(&query).unwrap().hits.into_iter().map(|h| h.base.id).collect()
        };
        assert!(search("氢燃料电池叉车").contains(&"lucheng-002".to_string()), "the missed write is searchable");
        assert!(search("氢能源观光").contains(&"lucheng-001".to_string()), "our own write is searchable");
    }
}
