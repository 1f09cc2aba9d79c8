//! Opening, checking and (re)building the tantivy index.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::schema::Term;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use super::analyzer::{jieba_with_taxonomy, CjkCharTokenizer, MixedTokenizer, CJK_CHARS, MIXED};
use super::schema::{build_schema, BaseFields, SCHEMA_VERSION};
use crate::domain::{DivisionRegistry, ExchangeBase, Taxonomy};

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed.
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Files of the index directory could not be read or written.
    #[error("search index directory {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A stored document does not decode.
    #[error("search index holds a corrupt record: {0}")]
    CorruptRecord(#[from] serde_json::Error),
}

/// How the index on disk relates to the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexStatus {
    /// Built from exactly this catalog revision.
    Fresh,
    /// Built from another revision, catalog or schema version.
    Stale {
        /// What the index says it was built from (`None` when it says nothing).
        found: Option<String>,
    },
}

/// The search index and a reader that follows its commits.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: BaseFields,
    pub(crate) tokenizer: MixedTokenizer,
    pub(crate) taxonomy: Arc<Taxonomy>,
    pub(crate) divisions: Arc<DivisionRegistry>,
    /// BM25 totals over the visible documents, per index generation.
    pub(crate) statistics: super::statistics::StatisticsCache,
    directory: PathBuf,
}

/// Memory the writer may use before flushing a segment.
const WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;

impl SearchIndex {
    /// Opens the index in `directory`, creating an empty one when it is missing or was built
    /// with another schema.
    pub fn open(directory: &Path, taxonomy: Arc<Taxonomy>, divisions: Arc<DivisionRegistry>) -> Result<SearchIndex, IndexError> {
        let io = |source| IndexError::Io { path: directory.to_path_buf(), source };
        let (schema, fields) = build_schema();
        std::fs::create_dir_all(directory).map_err(io)?;
        let index = match Index::open_in_dir(directory) {
            Ok(index) if index.schema() == schema => index,
            Ok(_) | Err(_) => {
                // A missing, unreadable or other-schema index is rebuilt from the catalog, so
                // its files are simply replaced.
                std::fs::remove_dir_all(directory).map_err(io)?;
                std::fs::create_dir_all(directory).map_err(io)?;
                Index::create_in_dir(directory, schema)?
            }
        };
        let jieba = Arc::new(jieba_with_taxonomy(&taxonomy));
        let tokenizer = MixedTokenizer::new(jieba);
        index.tokenizers().register(MIXED, tokenizer.clone());
        index.tokenizers().register(CJK_CHARS, CjkCharTokenizer);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into()?;
        Ok(SearchIndex { index, reader, fields, tokenizer, taxonomy, divisions, statistics: Default::default(), directory: directory.to_path_buf() })
    }

    /// The directory holding the index files.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Compares the index's commit payload with the catalog version it should reflect.
    pub fn status(&self, catalog_payload: &str) -> Result<IndexStatus, IndexError> {
        let found = self.index.load_metas()?.payload;
        if found.as_deref() == Some(payload(catalog_payload).as_str()) {
            Ok(IndexStatus::Fresh)
        } else {
            Ok(IndexStatus::Stale { found })
        }
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Number of documents of bases anyone may see (see [`ExchangeBase::is_public`]).
    pub fn count_public(&self) -> Result<u64, IndexError> {
        let query = tantivy::query::TermQuery::new(
            Term::from_field_u64(self.fields.hidden, 0),
            tantivy::schema::IndexRecordOption::Basic,
        );
        Ok(self.reader.searcher().search(&query, &tantivy::collector::Count)? as u64)
    }

    /// Replaces the whole index with `bases` in one commit, so readers see either the old or the
    /// new index, never a mix. `progress` is called with (done, total) as documents are added.
    pub fn rebuild(&self, bases: &[ExchangeBase], catalog_payload: &str, progress: &dyn Fn(usize, usize)) -> Result<(), IndexError> {
        let rebuild = self.begin_rebuild()?;
        for (done, base) in bases.iter().enumerate() {
            rebuild.add(base)?;
            if done % 256 == 0 || done + 1 == bases.len() {
                progress(done + 1, bases.len());
            }
        }
        rebuild.commit(catalog_payload)
    }

    /// Starts replacing the whole index; documents are added one at a time with
    /// [`IndexRebuild::add`] (so a large catalog never sits in memory at once) and become
    /// visible together at [`IndexRebuild::commit`].
    pub fn begin_rebuild(&self) -> Result<IndexRebuild<'_>, IndexError> {
        let writer = self.writer()?;
        writer.delete_all_documents()?;
        Ok(IndexRebuild { index: self, writer })
    }

    /// Adds or replaces `bases` (matched by id) in one commit.
    pub fn upsert(&self, bases: &[ExchangeBase], catalog_payload: &str) -> Result<(), IndexError> {
        self.update(bases, &[], catalog_payload)
    }

    /// Adds or replaces `bases` and removes the bases `deleted` (by id), in one commit: searches
    /// see all of it or none of it.
    pub fn update(&self, bases: &[ExchangeBase], deleted: &[&str], catalog_payload: &str) -> Result<(), IndexError> {
        let writer = self.writer()?;
        for id in deleted {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for base in bases {
            writer.delete_term(Term::from_field_text(self.fields.id, &base.id));
            writer.add_document(self.document(base)?)?;
        }
        self.commit(writer, catalog_payload)
    }

    fn writer(&self) -> Result<IndexWriter<TantivyDocument>, IndexError> {
        Ok(self.index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?)
    }

    fn commit(&self, mut writer: IndexWriter<TantivyDocument>, catalog_payload: &str) -> Result<(), IndexError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload(catalog_payload));
        prepared.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    fn document(&self, base: &ExchangeBase) -> Result<TantivyDocument, IndexError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &base.id);
        doc.add_u64(f.key, crate::domain::base_key(&base.id));
        doc.add_text(f.name, &base.name_zh);
        if let Some(name_en) = &base.name_en {
            doc.add_text(f.name, name_en);
        }
        for need in &base.needs {
            doc.add_text(f.needs, need);
        }
        for point in &base.promotion_points {
            doc.add_text(f.promotion, point);
        }
        let mut body = vec![base.description_zh.clone()];
        body.extend(base.description_en.iter().cloned());
        body.extend(base.needs.iter().cloned());
        body.extend(base.promotion_points.iter().cloned());
        body.extend(base.tags.iter().cloned());
        body.push(base.location.address_zh.clone());
        for code in self.divisions.path(&base.location.division) {
            doc.add_text(f.division_path, &code);
            if let Some(division) = self.divisions.get(&code) {
                body.push(format!("{} {} {}", division.zh, division.en, division.pinyin));
            }
        }
        doc.add_text(f.body, body.join("\n"));
        let mut chars_source = vec![base.name_zh.as_str(), &base.description_zh];
        chars_source.extend(base.needs.iter().map(String::as_str));
        chars_source.extend(base.promotion_points.iter().map(String::as_str));
        chars_source.extend(base.tags.iter().map(String::as_str));
        doc.add_text(f.chars, chars_source.join("\n"));

        let mut path_codes = std::collections::BTreeSet::new();
        for code in &base.industries {
            doc.add_text(f.industry, code);
            if let Some(node) = self.taxonomy.get(code) {
                for (_, term) in node.all_terms() {
                    doc.add_text(f.industry_terms, term);
                }
            }
            for ancestor in self.taxonomy.ancestors_and_self(code) {
                if path_codes.insert(ancestor.to_string()) && ancestor != code
                    && let Some(node) = self.taxonomy.get(ancestor) {
                        doc.add_text(f.parent_industry_terms, format!("{} {}", node.zh, node.en));
                    }
            }
        }
        for code in &path_codes {
            doc.add_text(f.industry_path, code);
        }

        doc.add_text(f.kind, base.kind.code());
        for lang in &base.guide_languages {
            doc.add_text(f.language, lang);
        }
        doc.add_u64(f.hidden, u64::from(!base.is_public()));
        doc.add_text(f.status, base.status().code());
        if let Some(employees) = base.size.employees {
            doc.add_u64(f.employees, u64::from(employees));
        }
        doc.add_u64(f.max_group_size, u64::from(base.max_group_size));
        doc.add_text(f.record, serde_json::to_string(base)?);
        Ok(doc)
    }
}

/// The commit payload: schema version and catalog version, so either change marks it stale.
fn payload(catalog_payload: &str) -> String {
    format!("v{SCHEMA_VERSION}|{catalog_payload}")
}

/// A rebuild in progress; see [`SearchIndex::begin_rebuild`]. Dropped without commit, it
/// leaves the index as it was.
pub struct IndexRebuild<'a> {
    index: &'a SearchIndex,
    writer: IndexWriter<TantivyDocument>,
}

impl IndexRebuild<'_> {
    /// Adds one base.
    pub fn add(&self, base: &ExchangeBase) -> Result<(), IndexError> {
        self.writer.add_document(self.index.document(base)?)?;
        Ok(())
    }

    /// Commits every added base at once, recording the catalog version.
    pub fn commit(self, catalog_payload: &str) -> Result<(), IndexError> {
        self.index.commit(self.writer, catalog_payload)
    }
}
