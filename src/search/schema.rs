//! The index schema: which parts of a base are searchable, filterable and stored.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

use super::analyzer::{CJK_CHARS, MIXED};

/// Bumped whenever the schema or the analysers change; an index built by another version is
/// rebuilt at start.
pub const SCHEMA_VERSION: u32 = 5;

/// Handles to every field of the index.
#[derive(Debug, Clone)]
pub struct BaseFields {
    /// Base id: exact, stored, fast (for sorting listings).
    pub id: Field,
    /// [`crate::domain::base_key`] of the id: maps a hit to in-memory data without a document read.
    pub key: Field,
    /// Chinese and English names.
    pub name: Field,
    /// Main needs (主要需求).
    pub needs: Field,
    /// Promotion points (推介要点).
    pub promotion: Field,
    /// Description, needs, promotion points, tags and place in one field: one term lookup per
    /// query word instead of one per field, which is what keeps long profiles fast.
    pub body: Field,
    /// Labels and synonyms (all languages) of the base's own industries.
    pub industry_terms: Field,
    /// Labels of the ancestors of the base's industries (weaker evidence).
    pub parent_industry_terms: Field,
    /// Single CJK characters of names, descriptions, needs and promotion points.
    pub chars: Field,
    /// The base's own industry codes.
    pub industry: Field,
    /// Industry codes and all their ancestors: what an industry filter matches.
    pub industry_path: Field,
    /// Division code and, for a zone, its parent.
    pub division_path: Field,
    /// Kind code.
    pub kind: Field,
    /// Guide language codes.
    pub language: Field,
    /// 1 when only officers may see the base (restricted, or not active in the library), 0 when
    /// anyone may.
    pub hidden: Field,
    /// Screening status code (`candidate`, `active`, …): what a status filter matches.
    pub status: Field,
    /// Employees; absent when unknown.
    pub employees: Field,
    /// Largest group size.
    pub max_group_size: Field,
    /// The whole base as JSON, returned with hits.
    pub record: Field,
}

/// Builds the schema and the field handles.
pub fn build_schema() -> (Schema, BaseFields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let numeric = NumericOptions::default().set_indexed().set_fast();
    let fields = BaseFields {
        id: builder.add_text_field("id", STRING | STORED | FAST),
        key: builder.add_u64_field("key", FAST),
        name: builder.add_text_field("name", text(MIXED)),
        needs: builder.add_text_field("needs", text(MIXED)),
        promotion: builder.add_text_field("promotion", text(MIXED)),
        body: builder.add_text_field("body", text(MIXED)),
        industry_terms: builder.add_text_field("industry_terms", text(MIXED)),
        parent_industry_terms: builder.add_text_field("parent_industry_terms", text(MIXED)),
        chars: builder.add_text_field("chars", text(CJK_CHARS)),
        industry: builder.add_text_field("industry", STRING),
        industry_path: builder.add_text_field("industry_path", STRING),
        division_path: builder.add_text_field("division_path", STRING),
        kind: builder.add_text_field("kind", STRING),
        language: builder.add_text_field("language", STRING),
        hidden: builder.add_u64_field("hidden", INDEXED | FAST),
        status: builder.add_text_field("status", STRING),
        employees: builder.add_u64_field("employees", numeric.clone()),
        max_group_size: builder.add_u64_field("max_group_size", numeric),
        record: builder.add_text_field("record", STORED),
    };
    (builder.build(), fields)
}
