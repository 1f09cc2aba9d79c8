//! Turning a text query and filters into a tantivy query, and hits back into bases.
//!
//! The text query is a disjunction of three kinds of evidence, strongest first:
//! 1. the query names an industry of the taxonomy (in any language) and the base is tagged
//!    with it (or with an industry below it);
//! 2. BM25 on analysed words in the name, the industry terms and the body (description, needs,
//!    promotion points, tags, place), each with its own boost, plus the Chinese labels of the
//!    named industries searched in the body;
//! 3. single CJK characters, a weak fallback for short Chinese queries (four characters or fewer).

use std::collections::BTreeSet;
use std::ops::Bound;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument};
use utoipa::ToSchema;

use super::analyzer::CjkCharTokenizer;
use super::index::{IndexError, SearchIndex};
use super::statistics::VisibleStatistics;
use crate::domain::{BaseKind, BaseStatus, ExchangeBase, TaxonomyMatch};

/// Filters on a listing. Values within one filter are alternatives (OR); filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BaseFilters {
    /// Division or zone codes; a county-level code also matches its functional zones.
    pub divisions: Vec<String>,
    /// Kinds.
    pub kinds: Vec<BaseKind>,
    /// Industry codes; a code also matches the industries below it.
    pub industries: Vec<String>,
    /// Guide languages.
    pub languages: Vec<String>,
    /// At least this many employees (bases without a figure are left out).
    pub employees_min: Option<u32>,
    /// At most this many employees (bases without a figure are left out).
    pub employees_max: Option<u32>,
    /// Only bases that can receive a group of this size.
    pub group_size: Option<u16>,
    /// Screening statuses; a public search sees active bases only, whatever it asks.
    pub statuses: Vec<BaseStatus>,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Best match first when there is a text query, else by id.
    #[default]
    Relevance,
    /// By id, ascending.
    Id,
}

/// A search over the base library.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseQuery {
    /// Free text in any language; `None` lists every base that passes the filters.
    pub text: Option<String>,
    /// Filters.
    pub filters: BaseFilters,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return; at least 1.
    pub limit: usize,
    /// Whether hidden bases (restricted or not active) may appear (officers only; never for
    /// public responses).
    pub include_hidden: bool,
    /// Order of hits.
    pub sort: SortOrder,
}

impl Default for BaseQuery {
    fn default() -> Self {
        BaseQuery { text: None, filters: BaseFilters::default(), offset: 0, limit: 20, include_hidden: false, sort: SortOrder::Relevance }
    }
}

/// One base found by a search.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchHit {
    /// Relevance score (BM25 plus taxonomy evidence); absent for listings without text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// The base.
    pub base: ExchangeBase,
}

/// A page of hits.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Bases matching the query and filters, over all pages.
    pub total: usize,
    /// This page.
    pub hits: Vec<SearchHit>,
    /// Industries the query text named, in any language.
    pub query_industries: Vec<TaxonomyMatch>,
}

/// How much each analysed field counts for a word of the query.
const FIELD_BOOSTS: [(&str, f32); 4] = [("name", 3.0), ("industry_terms", 2.0), ("body", 1.0), ("parent_industry_terms", 0.6)];
/// Score for a base tagged with an industry the query names.
const NAMED_INDUSTRY_SCORE: f32 = 6.0;
/// Score for a base tagged with an industry below the one the query names.
const NAMED_INDUSTRY_PATH_SCORE: f32 = 2.0;
/// Boost of the named industries' Chinese labels searched in descriptions.
const EXPANSION_BOOST: f32 = 0.4;
/// Longest query, in distinct CJK characters, that also searches single characters.
const MAX_CHAR_FALLBACK: usize = 4;
/// Boost of one matching CJK character.
const CHAR_BOOST: f32 = 0.3;

impl SearchIndex {
    /// Runs `query` and returns one page of bases.
    pub fn search(&self, query: &BaseQuery) -> Result<SearchResults, IndexError> {
        let searcher = self.reader.searcher();
        let text = query.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let query_industries = text.map(|t| self.taxonomy.match_text(t)).unwrap_or_default();

        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(text) = text {
            clauses.push((Occur::Must, self.text_query(text, &query_industries)));
        }
        clauses.extend(self.filter_clauses(query).into_iter().map(|q| (Occur::Must, q)));
        let tantivy_query: Box<dyn Query> =
            if clauses.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(clauses)) };

        let total = searcher.search(&tantivy_query, &Count)?;
        let limit = query.limit.max(1);
        let mut hits = Vec::new();
        if query.offset < total {
            let page = TopDocs::with_limit(limit).and_offset(query.offset);
            let addresses: Vec<(Option<f32>, DocAddress)> = if text.is_some() && query.sort == SortOrder::Relevance {
                let statistics = self.visible_statistics(&searcher, query.include_hidden);
                searcher
                    .search_with_statistics_provider(&tantivy_query, &page.order_by_score(), &statistics)?
                    .into_iter()
                    .map(|(s, a)| (Some(s), a))
                    .collect()
            } else {
                searcher
                    .search(&tantivy_query, &page.order_by_string_fast_field("id", Order::Asc))?
                    .into_iter()
                    .map(|(_, a)| (None, a))
                    .collect()
            };
            for (score, address) in addresses {
                hits.push(SearchHit { score, base: self.stored_base(&searcher, address)? });
            }
        }
        Ok(SearchResults { total, hits, query_industries })
    }

    /// BM25 statistics over the live documents the caller may see, so that no score depends on
    /// a base the caller cannot see (or on one deleted but not yet merged away).
    fn visible_statistics<'s>(&self, searcher: &'s Searcher, include_hidden: bool) -> VisibleStatistics<'s> {
        let visible: Box<dyn Query> = if include_hidden {
            Box::new(AllQuery)
        } else {
            Box::new(TermQuery::new(Term::from_field_u64(self.fields.hidden, 0), IndexRecordOption::Basic))
        };
        VisibleStatistics::new(searcher, visible, self.statistics.totals(searcher, include_hidden))
    }

    fn stored_base(&self, searcher: &Searcher, address: DocAddress) -> Result<ExchangeBase, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let json = doc.get_first(self.fields.record).and_then(|v| v.as_str()).unwrap_or_default();
        Ok(serde_json::from_str(json)?)
    }

    fn field(&self, name: &str) -> Field {
        self.index.schema().get_field(name).expect("field names in FIELD_BOOSTS exist in the schema")
    }

    fn text_query(&self, text: &str, named: &[TaxonomyMatch]) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, self.word_query(text, named))];
        for named_industry in named {
            should.push((Occur::Should, self.industry_clause(&named_industry.code, NAMED_INDUSTRY_SCORE, false)));
            should.push((Occur::Should, self.industry_clause(&named_industry.code, NAMED_INDUSTRY_PATH_SCORE, true)));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// BM25 evidence only: the words of `text` in every analysed field (boosted per field), its
    /// CJK characters, and the Chinese labels of the `named` industries in the descriptions.
    /// Matches nothing when the text has no usable word.
    pub fn word_query(&self, text: &str, named: &[TaxonomyMatch]) -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let words: BTreeSet<String> = self.tokenizer.terms(text).into_iter().collect();
        for (field_name, boost) in FIELD_BOOSTS {
            let field = self.field(field_name);
            for word in &words {
                should.push((Occur::Should, Box::new(BoostQuery::new(term_query(field, word), boost))));
            }
        }
        let characters = CjkCharTokenizer::terms(text);
        // Single characters rescue short queries (鞋 meets 皮鞋); in longer texts jieba's words
        // carry the meaning, and common characters would only add noise and latency.
        if characters.len() <= MAX_CHAR_FALLBACK {
            for character in characters {
                should.push((Occur::Should, Box::new(BoostQuery::new(term_query(self.fields.chars, &character), CHAR_BOOST))));
            }
        }
        let mut expansion = BTreeSet::new();
        for named_industry in named {
            if let Some(node) = self.taxonomy.get(&named_industry.code) {
                let chinese = std::iter::once(&node.zh).chain(node.synonyms.get("zh").into_iter().flatten());
                for label in chinese {
                    expansion.extend(self.tokenizer.terms(label).into_iter().filter(|t| !words.contains(t)));
                }
            }
        }
        for word in &expansion {
            should.push((Occur::Should, Box::new(BoostQuery::new(term_query(self.fields.body, word), EXPANSION_BOOST))));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// BM25 of the words and CJK characters of `text` in one field (`needs`, `promotion`, …).
    pub fn field_words_query(&self, text: &str, field_name: &str) -> Box<dyn Query> {
        let field = self.field(field_name);
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in self.tokenizer.terms(text).into_iter().collect::<BTreeSet<_>>() {
            should.push((Occur::Should, term_query(field, &word)));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// A constant `score` for bases tagged with industry `code` (or, with `path`, with an
    /// industry below it).
    pub fn industry_clause(&self, code: &str, score: f32, path: bool) -> Box<dyn Query> {
        let field = if path { self.fields.industry_path } else { self.fields.industry };
        Box::new(ConstScoreQuery::new(term_query(field, code), score))
    }

    /// A constant `score` for bases in division `code` (or in a zone of it).
    pub fn division_clause(&self, code: &str, score: f32) -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(term_query(self.fields.division_path, code), score))
    }

    /// A constant `score` for the base with this id.
    pub fn id_clause(&self, id: &str, score: f32) -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(term_query(self.fields.id, id), score))
    }

    /// The best `limit` bases for `query`, as ([`crate::domain::base_key`], score), restricted
    /// bases left out unless `include_hidden`.
    pub fn scored_keys(&self, query: Box<dyn Query>, limit: usize, include_hidden: bool) -> Result<Vec<(u64, f32)>, IndexError> {
        let searcher = self.reader.searcher();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
        if !include_hidden {
            // Excluding the few restricted bases is far cheaper than intersecting with all the others.
            clauses.push((Occur::MustNot, Box::new(TermQuery::new(Term::from_field_u64(self.fields.hidden, 1), IndexRecordOption::Basic))));
        }
        let statistics = self.visible_statistics(&searcher, include_hidden);
        let top = searcher.search_with_statistics_provider(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
            &statistics,
        )?;
        let mut keys = Vec::with_capacity(top.len());
        let mut columns = std::collections::HashMap::new();
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(searcher.segment_reader(address.segment_ord).fast_fields().u64("key")?)
                }
            };
            if let Some(key) = column.first(address.doc_id) {
                keys.push((key, score));
            }
        }
        Ok(keys)
    }

    fn filter_clauses(&self, query: &BaseQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let filters = &query.filters;
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        let any_of = |field: Field, values: &mut dyn Iterator<Item = &str>| -> Option<Box<dyn Query>> {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = values.map(|v| (Occur::Should, term_query(field, v))).collect();
            (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
        };
        clauses.extend(any_of(f.division_path, &mut filters.divisions.iter().map(String::as_str)));
        clauses.extend(any_of(f.kind, &mut filters.kinds.iter().map(|k| k.code())));
        clauses.extend(any_of(f.industry_path, &mut filters.industries.iter().map(String::as_str)));
        clauses.extend(any_of(f.language, &mut filters.languages.iter().map(String::as_str)));
        clauses.extend(any_of(f.status, &mut filters.statuses.iter().map(|s| s.code())));
        if filters.employees_min.is_some() || filters.employees_max.is_some() {
            let bound = |value: Option<u32>, inclusive: fn(Term) -> Bound<Term>| match value {
                Some(v) => inclusive(Term::from_field_u64(f.employees, u64::from(v))),
                None => Bound::Unbounded,
            };
            clauses.push(Box::new(RangeQuery::new(bound(filters.employees_min, Bound::Included), bound(filters.employees_max, Bound::Included))));
        }
        if let Some(group) = filters.group_size {
            clauses.push(Box::new(RangeQuery::new(Bound::Included(Term::from_field_u64(f.max_group_size, u64::from(group))), Bound::Unbounded)));
        }
        if !query.include_hidden {
            clauses.push(Box::new(TermQuery::new(Term::from_field_u64(f.hidden, 0), IndexRecordOption::Basic)));
        }
        clauses
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}
