//! The base library as one object: catalog, search index, taxonomy and divisions together.
//!
//! This is what the CLI and the HTTP API hold. Opening it creates the data directory, seeds
//! an empty catalog from the embedded fixtures, and rebuilds the index when it does not
//! reflect the catalog (missing, built by another schema version, or left behind by a write
//! that did not reach it). Every write goes to SQLite first, in one transaction, then to the
//! index in one commit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::catalog::{parse_records, to_record, RecordFormat, Store, WriteMode, WriteSummary};
use crate::catalog::FieldError;
use crate::domain::{DelegationProfile, DivisionRegistry, ExchangeBase, Relations, Taxonomy};
use crate::scoring::evaluate::{JudgedProfile, Metrics};
use crate::scoring::features::Exposure;
use crate::scoring::{BaseTable, MatchConfig, MatchOptions, MatchOutcome, Matcher};
use crate::search::{BaseQuery, IndexStatus, SearchIndex, SearchResults};
use crate::Error;

/// The default fixtures compiled into the binary: the library a fresh install starts with.
pub const EMBEDDED_BASES: &str = include_str!("../fixtures/bases.jsonl");

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

/// Result of a successful import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportOutcome {
    /// What changed in the catalog.
    #[serde(flatten)]
    pub summary: WriteSummary,
    /// Bases in the catalog afterwards.
    pub total: usize,
}

/// Metrics of the full matcher and the baseline on one judged profile.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JudgedResult {
    /// Profile id.
    pub id: String,
    /// Profile language.
    pub lang: String,
    /// Full matcher.
    pub full: Metrics,
    /// BM25-only baseline.
    pub baseline: Metrics,
}

/// Catalog + index + reference data.
pub struct BaseLibrary {
    store: Store,
    index: SearchIndex,
    taxonomy: Arc<Taxonomy>,
    divisions: Arc<DivisionRegistry>,
    relations: Arc<Relations>,
    match_config: MatchConfig,
    table: RwLock<Arc<BaseTable>>,
    exposure: RwLock<Arc<Exposure>>,
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
            match_config: MatchConfig::default_config(),
            table: RwLock::new(Arc::new(BaseTable::default())),
            exposure: RwLock::new(Arc::new(Exposure::default())),
            data_dir: data_dir.to_path_buf(),
        };

        let mut report = OpenReport::default();
        if library.store.version()?.revision == 0 {
            let bases = parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &library.taxonomy, &library.divisions)
                .map_err(Error::Invalid)?;
            library.store.write(&bases, WriteMode::Upsert)?;
            report.seeded = Some(bases.len());
        }
        if library.index_status()? != IndexStatus::Fresh {
            library.rebuild_index(progress)?;
            report.index_rebuilt = true;
        }
        library.reload_exposure()?;
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

    /// The in-memory base table for matching, rebuilt when the catalog has changed (also by
    /// another process, such as an import from the command line).
    pub fn base_table(&self) -> Result<Arc<BaseTable>, Error> {
        let payload = self.store.version()?.to_payload();
        if let Ok(table) = self.table.read()
            && table.catalog_payload == payload {
                return Ok(table.clone());
            }
        let mut table = BaseTable::empty(payload);
        self.store.for_each(|base| table.push(&base, &self.divisions, &self.relations))?;
        let table = Arc::new(table);
        if let Ok(mut slot) = self.table.write() {
            *slot = table.clone();
        }
        Ok(table)
    }

    fn reload_exposure(&self) -> Result<(), Error> {
        let by_base = self.store.exposure_counts()?;
        let table = self.base_table()?;
        let by_base: rustc_hash::FxHashMap<String, u32> = by_base.into_iter().collect();
        let mut by_county = rustc_hash::FxHashMap::default();
        for (id, count) in &by_base {
            if let Some((_, row)) = table.by_id(id) {
                *by_county.entry(row.county.clone()).or_insert(0) += count;
            }
        }
        if let Ok(mut slot) = self.exposure.write() {
            *slot = Arc::new(Exposure { by_base, by_county });
        }
        Ok(())
    }

    /// Records that `ids` were proposed to a delegation, lowering their rotation feature.
    pub fn record_exposures(&self, ids: &[String]) -> Result<(), Error> {
        self.store.record_exposures(ids)?;
        self.reload_exposure()
    }

    /// The BM25-only baseline of the evaluation: bases ranked by plain BM25 of the profile's
    /// interests, seeks and sought industries over the analysed fields, without taxonomy
    /// expansion, features or hard rules (restricted bases are still never shown).
    pub fn bm25_baseline(&self, profile: &DelegationProfile, top: usize) -> Result<Vec<String>, Error> {
        let table = self.base_table()?;
        let text = crate::scoring::profile::profile_text(profile);
        let keys = self.index.scored_keys(self.index.word_query(&text, &[]), top, false)?;
        Ok(keys.into_iter().filter_map(|(key, _)| table.by_key(key).map(|(_, row)| row.id.clone())).collect())
    }

    /// Runs the full matcher and the BM25 baseline on every judged profile.
    pub fn evaluate_matching(&self, judged: &[JudgedProfile], options: &MatchOptions) -> Result<Vec<JudgedResult>, Error> {
        let mut results = Vec::new();
        for case in judged {
            let full = self.match_profile(&case.profile, &MatchOptions { top: 20, ..options.clone() })?;
            let full_ids: Vec<String> = full.items.into_iter().map(|item| item.id).collect();
            let baseline_ids = self.bm25_baseline(&case.profile, 20)?;
            results.push(JudgedResult {
                id: case.id.clone(),
                lang: case.lang.clone(),
                full: Metrics::of(&full_ids, &case.judgments),
                baseline: Metrics::of(&baseline_ids, &case.judgments),
            });
        }
        Ok(results)
    }

    /// Ranks bases for a delegation. Invalid profiles are rejected with every failing field.
    pub fn match_profile(&self, profile: &DelegationProfile, options: &MatchOptions) -> Result<MatchOutcome, Error> {
        let errors = crate::scoring::profile::validate_profile(profile, &self.divisions);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        if let Some(weights) = &options.weights {
            weights.validate().map_err(|message| Error::Invalid(vec![FieldError::new("weights", "invalid_value", message)]))?;
        }
        let table = self.base_table()?;
        let exposure = self.exposure.read().map(|e| e.clone()).unwrap_or_default();
        let matcher = Matcher {
            index: &self.index,
            table: &table,
            taxonomy: &self.taxonomy,
            divisions: &self.divisions,
            relations: &self.relations,
            config: &self.match_config,
            exposure: &exposure,
        };
        matcher.run(profile, options)
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

    /// Number of documents in the index.
    pub fn indexed_count(&self) -> u64 {
        self.index.num_docs()
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

    /// One base from the catalog. Restricted bases are found only when `include_restricted`.
    pub fn get(&self, id: &str, include_restricted: bool) -> Result<ExchangeBase, Error> {
        match self.store.get(id)? {
            Some(base) if include_restricted || !base.restricted => Ok(base),
            _ => Err(Error::NotFound(id.to_string())),
        }
    }

    /// Calls `visit` with every base of the catalog (restricted ones included), in id order,
    /// without holding them all in memory.
    pub fn for_each_base(&self, visit: impl FnMut(ExchangeBase)) -> Result<usize, Error> {
        Ok(self.store.for_each(visit)?)
    }

    /// Validates every record of `input`, then writes all of them or none.
    pub fn import(&self, input: &str, format: RecordFormat, mode: WriteMode) -> Result<ImportOutcome, Error> {
        let bases = parse_records(input, format, &self.taxonomy, &self.divisions).map_err(Error::Invalid)?;
        let (summary, version) = self.store.write(&bases, mode)?;
        match mode {
            WriteMode::Replace => self.index.rebuild(&bases, &version.to_payload(), &|_, _| {})?,
            WriteMode::Upsert => self.index.upsert(&bases, &version.to_payload())?,
        }
        Ok(ImportOutcome { summary, total: self.store.count()? })
    }

    /// Writes every base as JSON Lines in the import format; returns how many were written.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<usize, Error> {
        let io = |source| Error::Io { path: PathBuf::from("(export output)"), source };
        let mut failure = None;
        let count = self.store.for_each(|base| {
            if failure.is_none() {
                let line = serde_json::to_string(&to_record(&base)).expect("a JSON map always serialises");
                failure = writeln!(out, "{line}").err();
            }
        })?;
        if let Some(error) = failure {
            return Err(io(error));
        }
        out.flush().map_err(io)?;
        Ok(count)
    }
}
