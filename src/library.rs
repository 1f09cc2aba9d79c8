//! The base library as one object: catalog, search index, taxonomy and divisions together.
//!
//! This is what the CLI and the HTTP API hold. Opening it creates the data directory, seeds
//! an empty catalog from the embedded fixtures, and rebuilds the index when it does not
//! reflect the catalog (missing, built by another schema version, or left behind by a write
//! that did not reach it). Every write goes to SQLite first, in one transaction, then to the
//! index in one commit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use crate::access::{Actor, Role, Visibility};
use crate::catalog::{
    parse_records, to_record, validate_record, AuditEntry, AuditQuery, BaseChange, CatalogVersion, NewToken,
    ChangeApplied, RecordFormat, RouteChange, Store, TokenInfo, VisitFilter, WriteMode, WriteSummary,
};
use crate::domain::{FieldCode, FieldError};
use crate::domain::{DelegationProfile, DivisionRegistry, ExchangeBase, Relations, Taxonomy, VisitDays, VisitInput, VisitRecord, VisitStatus};
use crate::scoring::profile::CheckedProfile;
use crate::scoring::evaluate::{JudgedProfile, Metrics};
use crate::scoring::features::Exposure;
use crate::scoring::{BaseTable, MatchConfig, MatchOptions, MatchOutcome, Matcher};
use crate::search::{BaseQuery, IndexStatus, SearchIndex, SearchResults};
use crate::outbound::suggest::BaseLink;
use crate::outbound::OutboundRoute;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
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
    outbound: crate::outbound::OutboundReference,
    match_config: MatchConfig,
    table: RwLock<Arc<BaseTable>>,
    exposure: RwLock<Arc<Exposure>>,
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
            write_lock: Mutex::new(()),
            data_dir: data_dir.to_path_buf(),
        };

        let mut report = OpenReport::default();
        if library.store.version()?.revision == 0 {
            let bases = parse_records(EMBEDDED_BASES, RecordFormat::Jsonl, &library.taxonomy, &library.divisions)
                .map_err(Error::Invalid)?;
            let seeder = Actor { id: "system:seed".into(), name: "system:seed".into(), role: Role::Admin };
            library.store.write(&bases, WriteMode::Upsert, &seeder)?;
            report.seeded = Some(bases.len());
        }
        library.store.seed_routes_once(&crate::outbound::data::embedded_routes())?;
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

    fn reload_exposure(&self) -> Result<(), Error> {
        let by_base = self.store.exposure_counts()?;
        let table = self.base_table()?;
        let by_base: rustc_hash::FxHashMap<String, u32> = by_base.into_iter().collect();
        let mut by_county = rustc_hash::FxHashMap::default();
        for (id, count) in &by_base {
            // Restricted bases stay out of the county totals: a public match's rotation value
            // must not reveal activity at a site the caller may not know of.
            if let Some((_, row)) = table.by_id(id).filter(|(_, row)| !row.restricted) {
                *by_county.entry(row.county.clone()).or_insert(0) += count;
            }
        }
        *self.exposure.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(Exposure { by_base, by_county });
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
        let profile = CheckedProfile::check(profile, &self.divisions).map_err(Error::Invalid)?;
        self.match_checked(profile, options)
    }

    /// Ranks bases for a delegation whose profile was checked already.
    pub fn match_checked(&self, profile: CheckedProfile<'_>, options: &MatchOptions) -> Result<MatchOutcome, Error> {
        if let Some(weights) = &options.weights {
            weights.validate().map_err(|message| Error::Invalid(vec![FieldError::new("weights", FieldCode::InvalidValue, message)]))?;
        }
        let table = self.base_table()?;
        let exposure = self.exposure.read().unwrap_or_else(PoisonError::into_inner).clone();
        let matcher = Matcher {
            index: &self.index,
            table: &table,
            taxonomy: &self.taxonomy,
            divisions: &self.divisions,
            relations: &self.relations,
            config: &self.match_config,
            exposure: &exposure,
        };
        matcher.run(&profile, options)
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
        Ok(if visibility.sees_restricted() { self.store.count()? } else { self.store.count_unrestricted()? })
    }

    /// Number of documents in the index.
    pub fn indexed_count(&self) -> u64 {
        self.index.num_docs()
    }

    /// Number of documents in the index that a caller who sees `visibility` may find.
    pub fn indexed_count_visible(&self, visibility: Visibility) -> Result<u64, Error> {
        Ok(if visibility.sees_restricted() { self.index.num_docs() } else { self.index.count_unrestricted()? })
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
        self.store.get(id, visibility.sees_restricted())?.and_then(|base| visibility.show(base)).ok_or_else(|| Error::BaseNotFound(id.to_string()))
    }

    /// Calls `visit` with every base of the catalog (restricted ones included), in id order,
    /// without holding them all in memory.
    pub fn for_each_base(&self, visit: impl FnMut(ExchangeBase)) -> Result<usize, Error> {
        Ok(self.store.for_each(visit)?)
    }

    /// Validates every record of `input`, then writes all of them or none, each change in the
    /// audit log under `actor`.
    pub fn import(&self, input: &str, format: RecordFormat, mode: WriteMode, actor: &Actor) -> Result<ImportOutcome, Error> {
        let bases = parse_records(input, format, &self.taxonomy, &self.divisions).map_err(Error::Invalid)?;
        let _writing = self.writing();
        let (summary, version) = self.store.write(&bases, mode, actor)?;
        match mode {
            // The file is the whole catalog: rebuilding from it is complete whatever the index held.
            WriteMode::Replace => self.index_followed(self.index.rebuild(&bases, &version.to_payload(), &|_, _| {}), &version)?,
            WriteMode::Upsert => self.follow_in_index(&version, |payload| self.index.upsert(&bases, payload))?,
        }
        Ok(ImportOutcome { summary, total: self.store.count()? })
    }

    /// One base with its ETag (the version an `If-Match` must name to change it), as
    /// [`BaseLibrary::get`] shows it.
    pub fn get_with_etag(&self, id: &str, visibility: Visibility) -> Result<(ExchangeBase, String), Error> {
        self.store
            .get_with_etag(id, visibility.sees_restricted())?
            .and_then(|(base, etag)| visibility.show(base).map(|base| (base, etag)))
            .ok_or_else(|| Error::BaseNotFound(id.to_string()))
    }

    /// Adds a base from a record in the import format (every failing field is reported).
    pub fn create_base(&self, record: &serde_json::Map<String, serde_json::Value>, actor: &Actor) -> Result<(ExchangeBase, String), Error> {
        let base = validate_record(record, &self.taxonomy, &self.divisions).map_err(Error::Invalid)?;
        self.change_base(BaseChange::Create(&base), actor).map(written)
    }

    /// Replaces base `id` with `record` if it is still at version `if_match`. The record's
    /// `id`, when given, must be `id`.
    pub fn replace_base(
        &self,
        id: &str,
        mut record: serde_json::Map<String, serde_json::Value>,
        if_match: &str,
        actor: &Actor,
    ) -> Result<(ExchangeBase, String), Error> {
        match record.get("id") {
            None => {
                record.insert("id".into(), id.into());
            }
            Some(serde_json::Value::String(given)) if given == id => {}
            Some(other) => {
                return Err(Error::Invalid(vec![FieldError::new(
                    "id",
                    FieldCode::InvalidValue,
                    format!("is {other} but the path names `{id}`; ids cannot change (create a new base instead)"),
                )]));
            }
        }
        let base = validate_record(&record, &self.taxonomy, &self.divisions).map_err(Error::Invalid)?;
        self.change_base(BaseChange::Replace { base: &base, if_match }, actor).map(written)
    }

    /// Applies a JSON merge patch (RFC 7396) to base `id` in its import-format record, checks
    /// the result as a whole, and stores it if the base is still at version `if_match`.
    pub fn patch_base(&self, id: &str, patch: &serde_json::Value, if_match: &str, actor: &Actor) -> Result<(ExchangeBase, String), Error> {
        let Some(changes) = patch.as_object() else {
            return Err(Error::Invalid(vec![FieldError::new("(body)", FieldCode::InvalidType, "a merge patch must be a JSON object")]));
        };
        if changes.get("id").is_some_and(|given| given.as_str() != Some(id)) {
            return Err(Error::Invalid(vec![FieldError::new("id", FieldCode::InvalidValue, "ids cannot change (create a new base instead)")]));
        }
        let (current, etag) = self.get_with_etag(id, Visibility::Internal)?;
        if !crate::catalog::etag_matches(if_match, &etag) {
            return Err(Error::PreconditionFailed { id: id.to_string(), current: etag });
        }
        let mut record = serde_json::Value::Object(to_record(&current));
        merge_patch(&mut record, patch);
        let serde_json::Value::Object(record) = record else { unreachable!("a patched object stays an object") };
        let base = validate_record(&record, &self.taxonomy, &self.divisions).map_err(Error::Invalid)?;
        // The store checks the ETag again inside its transaction: a write landing after the
        // read above makes this one fail rather than overwrite it.
        self.change_base(BaseChange::Patch { base: &base, if_match: &etag }, actor).map(written)
    }

    /// Removes base `id` if it is still at version `if_match`.
    pub fn delete_base(&self, id: &str, if_match: &str, actor: &Actor) -> Result<(), Error> {
        self.change_base(BaseChange::Delete { id, if_match }, actor).map(|_| ())
    }

    fn change_base(&self, change: BaseChange<'_>, actor: &Actor) -> Result<ChangeApplied, Error> {
        let _writing = self.writing();
        let applied = self.store.apply(change, actor)?;
        self.follow_in_index(&applied.version, |payload| match (&applied.after, change) {
            (Some(base), _) => self.index.update(std::slice::from_ref(base), &[], payload),
            (None, BaseChange::Delete { id, .. }) => self.index.update(&[], &[id], payload),
            (None, _) => unreachable!("only a delete leaves no base"),
        })?;
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

    /// Makes a bearer token; its secret is in the answer and nowhere else.
    pub fn create_token(&self, name: &str, role: Role, actor: &Actor) -> Result<NewToken, Error> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(Error::Invalid(vec![FieldError::new("name", FieldCode::InvalidValue, "must be 1 to 64 printable characters")]));
        }
        Ok(self.store.create_token(name, role, actor)?)
    }

    /// Who holds this token secret, if it is a live token.
    pub fn verify_token(&self, secret: &str) -> Result<Option<Actor>, Error> {
        Ok(self.store.verify_token(secret)?)
    }

    /// Whether any live token exists; without one, nobody can write.
    pub fn has_tokens(&self) -> Result<bool, Error> {
        Ok(self.store.has_tokens()?)
    }

    /// Every token (never their secrets).
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, Error> {
        Ok(self.store.tokens()?)
    }

    /// Revokes a token at once.
    pub fn revoke_token(&self, id: &str, actor: &Actor) -> Result<TokenInfo, Error> {
        self.store.revoke_token(id, actor)?.ok_or_else(|| Error::TokenNotFound(id.to_string()))
    }

    /// A page of the audit log, newest first.
    pub fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, Error> {
        Ok(self.store.audit(query)?)
    }

    /// Records a visit after checking every field; confirmed and completed visits count for
    /// rotation at once.
    pub fn record_visit(&self, visit: &VisitInput, actor: &Actor) -> Result<(VisitRecord, String), Error> {
        self.check_visit(visit)?;
        let recorded = self.store.insert_visit(visit, actor)?;
        self.reload_exposure()?;
        Ok(recorded)
    }

    /// Replaces visit `id` if it is still at version `if_match`.
    pub fn replace_visit(&self, id: &str, visit: &VisitInput, if_match: &str, actor: &Actor) -> Result<(VisitRecord, String), Error> {
        self.check_visit(visit)?;
        let recorded = self.store.replace_visit(id, visit, if_match, actor)?;
        self.reload_exposure()?;
        Ok(recorded)
    }

    /// One visit with its ETag.
    pub fn visit(&self, id: &str) -> Result<(VisitRecord, String), Error> {
        self.store.visit(id)?.ok_or_else(|| Error::VisitNotFound(id.to_string()))
    }

    /// The visits that pass `filter`, by start date.
    pub fn visits(&self, filter: &VisitFilter) -> Result<Vec<VisitRecord>, Error> {
        Ok(self.store.visits(filter)?)
    }

    fn check_visit(&self, visit: &VisitInput) -> Result<(), Error> {
        let mut errors = crate::scoring::profile::validate_profile(&visit.profile, &self.divisions);
        if let VisitDays::Weekdays(_) = visit.profile.visit {
            errors.push(FieldError::new("profile.visit", FieldCode::InvalidValue, "a recorded visit needs its dates (`dates`), not weekdays"));
        }
        if let Some(theme) = &visit.theme
            && let Some(error) = crate::domain::check_theme(theme, "theme") {
                errors.push(error);
            }
        if visit.bases.is_empty() {
            errors.push(FieldError::new("bases", FieldCode::MissingField, "list the bases of the visit, in order"));
        }
        let limit = crate::evaluation::visits::MAX_BASES_PER_VISIT;
        if visit.bases.len() > limit || visit.outcome.as_ref().is_some_and(|o| o.productive_bases.len() > limit) {
            errors.push(FieldError::new("bases", FieldCode::TooMany, format!("a visit lists at most {limit} bases")));
            return Err(Error::Invalid(errors));
        }
        let table = self.base_table()?;
        let mut seen = std::collections::HashSet::new();
        for (position, id) in visit.bases.iter().enumerate() {
            let field = format!("bases[{position}]");
            if !seen.insert(id) {
                errors.push(FieldError::new(&field, FieldCode::InvalidValue, format!("`{id}` is listed twice")));
            } else if table.by_id(id).is_none() {
                errors.push(FieldError::new(&field, FieldCode::UnknownBase, format!("no base with id `{id}`")));
            }
        }
        match (&visit.outcome, visit.status) {
            (None, VisitStatus::Completed) => {
                errors.push(FieldError::new("outcome", FieldCode::MissingField, "a completed visit records its outcome (at least `satisfaction`)"));
            }
            (Some(outcome), _) => {
                let notes_limit = crate::evaluation::visits::MAX_NOTES_CHARS;
                if outcome.notes.as_ref().is_some_and(|notes| notes.chars().count() > notes_limit) {
                    errors.push(FieldError::new("outcome.notes", FieldCode::InvalidValue, format!("must be at most {notes_limit} characters")));
                }
                if !(1..=5).contains(&outcome.satisfaction) {
                    errors.push(FieldError::new("outcome.satisfaction", FieldCode::InvalidValue, format!("must be 1 to 5, got {}", outcome.satisfaction)));
                }
                for (position, id) in outcome.productive_bases.iter().enumerate() {
                    if !seen.contains(id) {
                        errors.push(FieldError::new(
                            &format!("outcome.productive_bases[{position}]"),
                            FieldCode::InvalidValue,
                            format!("`{id}` is not among the visit's bases"),
                        ));
                    }
                }
            }
            (None, _) => {}
        }
        if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
    }

    /// Countries, partner cities and trip rules of the outbound-route library.
    pub fn outbound_reference(&self) -> &crate::outbound::OutboundReference {
        &self.outbound
    }

    /// Outbound routes, by id, narrowed by theme, country and industry (a code includes the
    /// industries below it).
    pub fn outbound_routes(&self, theme: Option<&str>, country: Option<&str>, industry: Option<&str>) -> Result<Vec<OutboundRoute>, Error> {
        Ok(self
            .store
            .routes()?
            .into_iter()
            .map(|(route, _)| route)
            .filter(|r| theme.is_none_or(|t| r.theme == t))
            .filter(|r| country.is_none_or(|c| r.country.eq_ignore_ascii_case(c)))
            .filter(|r| industry.is_none_or(|i| r.industries.iter().any(|code| self.taxonomy.is_within(code, i))))
            .collect())
    }

    /// Every failing filter of a route listing: an unknown theme, country or industry.
    pub fn check_route_filters(&self, theme: Option<&str>, country: Option<&str>, industry: Option<&str>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(theme) = theme
            && let Some(error) = crate::domain::check_theme(theme, "theme") {
                errors.push(error);
            }
        if let Some(country) = country
            && self.relations.country(country).is_none() {
                errors.push(FieldError::new("country", FieldCode::InvalidValue, format!("`{country}` is not a known country code")));
            }
        if let Some(industry) = industry
            && self.taxonomy.get(industry).is_none() {
                errors.push(FieldError::new("industry", FieldCode::InvalidValue, format!("`{industry}` is not an industry code; see GET /v1/industries")));
            }
        errors
    }

    /// One outbound route with its ETag.
    pub fn outbound_route(&self, id: &str) -> Result<(OutboundRoute, String), Error> {
        self.store.route(id)?.ok_or_else(|| Error::OutboundRouteNotFound(id.to_string()))
    }

    /// Adds a route after checking every field.
    pub fn create_route(&self, route: &OutboundRoute, actor: &Actor) -> Result<String, Error> {
        self.check_route(route)?;
        Ok(self.store.apply_route(RouteChange::Create(route), actor)?.unwrap_or_default())
    }

    /// Replaces route `id` if it is still at version `if_match`.
    pub fn replace_route(&self, id: &str, route: &OutboundRoute, if_match: &str, actor: &Actor) -> Result<String, Error> {
        if route.id != id {
            return Err(Error::Invalid(vec![FieldError::new("id", FieldCode::InvalidValue, format!("is `{}` but the path names `{id}`", route.id))]));
        }
        self.check_route(route)?;
        Ok(self.store.apply_route(RouteChange::Replace { route, if_match }, actor)?.unwrap_or_default())
    }

    /// Removes route `id` if it is still at version `if_match`.
    pub fn delete_route(&self, id: &str, if_match: &str, actor: &Actor) -> Result<(), Error> {
        self.store.apply_route(RouteChange::Delete { id, if_match }, actor)?;
        Ok(())
    }

    fn check_route(&self, route: &OutboundRoute) -> Result<(), Error> {
        let errors = crate::outbound::validate_route(route, &self.taxonomy, &self.relations);
        if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
    }

    /// Ranks outbound routes and countries for the city's needs, linking bases to each route.
    pub fn suggest_routes(&self, query: &crate::outbound::NeedsQuery) -> Result<crate::outbound::Suggestions, Error> {
        self.with_outbound_context(|context| crate::outbound::suggest(query, context).map_err(Error::Invalid))?
    }

    /// The bases a route serves and the bases to promote there.
    pub fn route_links(&self, route: &OutboundRoute) -> Result<(Vec<BaseLink>, Vec<BaseLink>), Error> {
        self.with_outbound_context(|context| crate::outbound::suggest::route_links(route, context))
    }

    fn with_outbound_context<T>(&self, work: impl FnOnce(&crate::outbound::suggest::SuggestContext<'_>) -> T) -> Result<T, Error> {
        let routes = self.outbound_routes(None, None, None)?;
        let mut bases = Vec::new();
        self.store.for_each(|base| bases.push(base))?;
        let context = crate::outbound::suggest::SuggestContext {
            routes: &routes,
            reference: &self.outbound,
            taxonomy: &self.taxonomy,
            relations: &self.relations,
            bases: &bases,
        };
        Ok(work(&context))
    }

    /// Checks a trip plan against its tasks and the rules, and writes its application summary.
    pub fn check_trip(&self, plan: &crate::outbound::TripPlan) -> Result<crate::outbound::TripCheck, Error> {
        let routes = self.outbound_routes(None, None, None)?;
        crate::outbound::check_trip(plan, &routes, &self.outbound, &self.relations).map_err(Error::Invalid)
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

/// The base and ETag a create, replace or patch leaves behind.
fn written(applied: ChangeApplied) -> (ExchangeBase, String) {
    match (applied.after, applied.etag) {
        (Some(base), Some(etag)) => (base, etag),
        _ => unreachable!("only a delete leaves no base"),
    }
}

/// RFC 7396: objects merge key by key, `null` removes a key, anything else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    let fields = target.as_object_mut().expect("made an object above");
    for (key, value) in changes {
        if value.is_null() {
            fields.remove(key);
        } else {
            merge_patch(fields.entry(key.clone()).or_insert(serde_json::Value::Null), value);
        }
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
        let (patched, _) = library.patch_base("lucheng-001", &serde_json::json!({"tags": ["恢复测试"]}), &etag, &Actor::command_line()).unwrap();
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
        let (_, second) = library.patch_base("lucheng-001", &tags, &first, &actor).unwrap();
        let revert = serde_json::json!({"tags": original.tags});
        let (reverted, third) = library.patch_base("lucheng-001", &revert, &second, &actor).unwrap();
        assert_eq!(reverted.tags, original.tags, "the record is back as it was");
        assert!(first != second && second != third && first != third, "a reverted change still gets a new ETag: {first} {second} {third}");
        let weak = format!("W/{third}");
        assert!(matches!(library.patch_base("lucheng-001", &tags, &weak, &actor), Err(Error::PreconditionFailed { .. })), "a weak tag never matches");
        assert!(library.patch_base("lucheng-001", &tags, &format!("\"nope\", {third}"), &actor).is_ok(), "a list naming the current tag matches");
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
        library.store.write(&[missed], WriteMode::Upsert, &actor).unwrap();
        assert_ne!(library.index_status().unwrap(), IndexStatus::Fresh);
        // Our own write must not mark the index current while it lacks the missed change.
        let (_, etag) = library.get_with_etag("lucheng-001", Visibility::Internal).unwrap();
        library.patch_base("lucheng-001", &serde_json::json!({"tags": ["氢能源观光"]}), &etag, &actor).unwrap();
        assert_eq!(library.index_status().unwrap(), IndexStatus::Fresh);
        let search = |text: &str| -> Vec<String> {
            let query = BaseQuery { text: Some(text.into()), limit: 50, ..BaseQuery::default() };
            library.search(&query).unwrap().hits.into_iter().map(|h| h.base.id).collect()
        };
        assert!(search("氢燃料电池叉车").contains(&"lucheng-002".to_string()), "the missed write is searchable");
        assert!(search("氢能源观光").contains(&"lucheng-001".to_string()), "our own write is searchable");
    }
}
