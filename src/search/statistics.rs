//! BM25 statistics over the documents a caller may see.
//!
//! tantivy's own statistics count every document of the index: restricted ones always, and
//! deleted ones until their segment is merged. A public score computed from them moves when a
//! restricted base is added, edited or removed, so a caller who can list every public base
//! could work out from the scores that a restricted one exists. [`VisibleStatistics`] counts
//! only the live documents the caller may see, which makes a public score a function of the
//! public bases alone.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::{BooleanQuery, Bm25StatisticsProvider, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Searcher, Term};

/// Document count, token counts and document frequencies over the documents `visible` matches.
pub(super) struct VisibleStatistics<'a> {
    searcher: &'a Searcher,
    visible: Box<dyn Query>,
    documents: OnceLock<Vec<DocAddress>>,
    tokens: Mutex<HashMap<Field, u64>>,
    doc_freqs: Mutex<HashMap<Term, u64>>,
}

impl<'a> VisibleStatistics<'a> {
    /// Statistics of `searcher`'s live documents that match `visible`.
    pub(super) fn new(searcher: &'a Searcher, visible: Box<dyn Query>) -> VisibleStatistics<'a> {
        VisibleStatistics { searcher, visible, documents: OnceLock::new(), tokens: Mutex::default(), doc_freqs: Mutex::default() }
    }

    fn documents(&self) -> tantivy::Result<&[DocAddress]> {
        if let Some(documents) = self.documents.get() {
            return Ok(documents);
        }
        let mut found: Vec<DocAddress> = self.searcher.search(&*self.visible, &DocSetCollector)?.into_iter().collect();
        found.sort_unstable();
        Ok(self.documents.get_or_init(|| found))
    }
}

impl Bm25StatisticsProvider for VisibleStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&total) = self.tokens.lock().unwrap_or_else(|e| e.into_inner()).get(&field) {
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
        self.tokens.lock().unwrap_or_else(|e| e.into_inner()).insert(field, total);
        Ok(total)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok((self.documents()?.len() as u64).max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&count) = self.doc_freqs.lock().unwrap_or_else(|e| e.into_inner()).get(term) {
            return Ok(count);
        }
        let both = BooleanQuery::new(vec![
            (Occur::Must, Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)) as Box<dyn Query>),
            (Occur::Must, self.visible.box_clone()),
        ]);
        let count = self.searcher.search(&both, &Count)? as u64;
        self.doc_freqs.lock().unwrap_or_else(|e| e.into_inner()).insert(term.clone(), count);
        Ok(count)
    }
}
