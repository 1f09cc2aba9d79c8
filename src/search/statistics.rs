//! BM25 statistics over the documents a caller may see.
//!
//! tantivy's own statistics count every document of the index: restricted ones always, and
//! deleted ones until their segment is merged. A public score computed from them moves when a
//! restricted base is added, edited or removed, so a caller who can list every public base
//! could work out from the scores that a restricted one exists. [`VisibleStatistics`] counts
//! only the live documents the caller may see, which makes a public score a function of the
//! public bases alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::{BooleanQuery, Bm25StatisticsProvider, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Searcher, Term};

/// Most document frequencies kept per generation; past it the cache starts again (a query's
/// terms are few, and the index's vocabulary is bounded by its bases).
const MAX_CACHED_TERMS: usize = 100_000;

/// The totals BM25 needs over the documents one kind of caller may see, for one generation of
/// the index. They change only at a commit, so they are computed on first use after one and
/// shared by every query until the next: counting them per query made a match scan every
/// document.
pub(super) struct VisibleTotals {
    generation: u64,
    documents: OnceLock<Vec<DocAddress>>,
    tokens: Mutex<HashMap<Field, u64>>,
    doc_freqs: Mutex<HashMap<Term, u64>>,
}

/// The newest generation's totals for public callers and for officers.
#[derive(Default)]
pub(crate) struct StatisticsCache {
    slots: Mutex<[Option<Arc<VisibleTotals>>; 2]>,
}

impl StatisticsCache {
    /// The totals for `searcher`'s generation, shared when another query made them already.
    pub(super) fn totals(&self, searcher: &Searcher, include_hidden: bool) -> Arc<VisibleTotals> {
        let generation = searcher.generation().generation_id();
        let fresh = || Arc::new(VisibleTotals { generation, documents: OnceLock::new(), tokens: Mutex::default(), doc_freqs: Mutex::default() });
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut slots[usize::from(include_hidden)];
        match slot {
            Some(totals) if totals.generation == generation => totals.clone(),
            // A searcher older than the cached one gets totals of its own, not cached.
            Some(totals) if totals.generation > generation => fresh(),
            _ => {
                let totals = fresh();
                *slot = Some(totals.clone());
                totals
            }
        }
    }
}

/// Document count, token counts and document frequencies over the documents `visible` matches.
pub(super) struct VisibleStatistics<'a> {
    searcher: &'a Searcher,
    visible: Box<dyn Query>,
    totals: Arc<VisibleTotals>,
}

impl<'a> VisibleStatistics<'a> {
    /// Statistics of `searcher`'s live documents that match `visible`, kept in `totals` (which
    /// must belong to the same generation and the same `visible`).
    pub(super) fn new(searcher: &'a Searcher, visible: Box<dyn Query>, totals: Arc<VisibleTotals>) -> VisibleStatistics<'a> {
        VisibleStatistics { searcher, visible, totals }
    }

    fn documents(&self) -> tantivy::Result<&[DocAddress]> {
        if let Some(documents) = self.totals.documents.get() {
            return Ok(documents);
        }
        let mut found: Vec<DocAddress> = self.searcher.search(&*self.visible, &DocSetCollector)?.into_iter().collect();
        found.sort_unstable();
        Ok(self.totals.documents.get_or_init(|| found))
    }
}

impl Bm25StatisticsProvider for VisibleStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&total) = self.totals.tokens.lock().unwrap_or_else(|e| e.into_inner()).get(&field) {
            return Ok(total);
        }
        let mut total = 0u64;
        let mut current: Option<(u32, Option<tantivy::fieldnorm::FieldNormReader>)> = None;
        for address in self.documents()? {
            if current.as_ref().is_none_or(|(segment, _)| *segment != address.segment_ord) {
                let readers = self.searcher.segment_reader(address.segment_ord).fieldnorms_readers();
                current = Some((address.segment_ord, readers.get_field(field)?));
            }
            // A field without norms is scored as one token a document; count it the same way.
            total += current.as_ref().and_then(|(_, norms)| norms.as_ref()).map_or(1, |norms| u64::from(norms.fieldnorm(address.doc_id)));
        }
        // BM25 divides by the mean length; an empty field must not make it 0/0.
        let total = total.max(1);
        self.totals.tokens.lock().unwrap_or_else(|e| e.into_inner()).insert(field, total);
        Ok(total)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok((self.documents()?.len() as u64).max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&count) = self.totals.doc_freqs.lock().unwrap_or_else(|e| e.into_inner()).get(term) {
            return Ok(count);
        }
        let both = BooleanQuery::new(vec![
            (Occur::Must, Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)) as Box<dyn Query>),
            (Occur::Must, self.visible.box_clone()),
        ]);
        let count = self.searcher.search(&both, &Count)? as u64;
        let mut doc_freqs = self.totals.doc_freqs.lock().unwrap_or_else(|e| e.into_inner());
        if doc_freqs.len() >= MAX_CACHED_TERMS {
            doc_freqs.clear();
        }
        doc_freqs.insert(term.clone(), count);
        Ok(count)
    }
}
