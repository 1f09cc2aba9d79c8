//! Finding and keeping the base library one base at a time: searches (checked once into an
//! index query, shown by the caller's visibility), single-base writes with ETags and JSON merge
//! patches, and the exports (the import format, the office's sheet). Files of many bases come in
//! through [`super::import`]. Every record is checked by the catalog's one validator before
//! anything is written.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{Actor, Visibility};
use crate::catalog::{to_record, validate_record, BaseChange, ChangeApplied};
use crate::domain::{
    kind_labels, language_labels, status_labels, BaseKind, BaseStatus, ExchangeBase, FieldCode, FieldError, Labels, TaxonomyMatch,
};
use crate::search::{BaseFilters, BaseQuery, SearchHit, SortOrder};
use crate::Error;

use super::library::BaseLibrary;

/// Largest page size.
pub const MAX_LIMIT: u32 = 100;
/// Deepest offset; beyond it, narrow the query instead of paging.
pub const MAX_OFFSET: u32 = 10_000;
/// Most values of one list filter (`division`, `kind`, `industry`, `language`).
pub const MAX_FILTER_VALUES: usize = 50;
/// Longest accepted query text, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// Search and filter parameters, as a JSON body (`POST /v1/bases/search`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"q": "footwear design", "division": ["lucheng", "ouhai"], "language": ["en"], "group_size": 20, "limit": 10}))]
pub struct BaseSearchRequest {
    /// Free text in any language (Chinese, English, Italian, German, French, Spanish, Japanese…).
    pub q: Option<String>,
    /// Division or functional-zone codes; a county-level code includes its zones.
    #[serde(default)]
    pub division: Vec<String>,
    /// Kind codes (`enterprise`, `university`, …).
    #[serde(default)]
    pub kind: Vec<String>,
    /// Industry codes from the taxonomy; a code includes the industries below it.
    #[serde(default)]
    pub industry: Vec<String>,
    /// Guide language codes; a base matches when it offers any of them.
    #[serde(default)]
    pub language: Vec<String>,
    /// Screening statuses (`candidate`, `active`, `rejected`, `suspended`, or 待审, 入库, …).
    /// Officers see every status; a public search holds active bases only.
    #[serde(default)]
    pub status: Vec<String>,
    /// Smallest number of employees.
    pub employees_min: Option<u32>,
    /// Largest number of employees.
    pub employees_max: Option<u32>,
    /// Only bases that can receive a group of this many people.
    pub group_size: Option<u32>,
    /// `relevance` (default; by id when there is no text) or `id`.
    pub sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// Hits to skip, 0 to 10000 (default 0).
    pub offset: Option<u32>,
}

impl BaseSearchRequest {
    /// Checks values against the reference data and limits, and builds the index query:
    /// every failing field is listed.
    pub fn check(&self, library: &BaseLibrary) -> Result<BaseQuery, Vec<FieldError>> {
        let request = self;
        let mut errors = Vec::new();
        for (field, len) in [
            ("division", request.division.len()),
            ("kind", request.kind.len()),
            ("industry", request.industry.len()),
            ("language", request.language.len()),
            ("status", request.status.len()),
        ] {
            if len > MAX_FILTER_VALUES {
                errors.push(FieldError::new(field, FieldCode::TooMany, format!("lists {len} values; at most {MAX_FILTER_VALUES} are allowed")));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let text = request.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(String::from);
        if text.as_ref().is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
            errors.push(FieldError::new("q", FieldCode::InvalidValue, format!("is longer than {MAX_QUERY_CHARS} characters")));
        }
        // Filters take labels as well as codes (`鹿城区`, `企业`, `鞋业`, `英语`).
        let mut resolve = |field: &str, labels: &Labels, what: &str, values: &[String]| -> Vec<String> {
            let mut codes = Vec::new();
            for label in values {
                match labels.resolve(label) {
                    Ok(code) => codes.push(code),
                    Err(error) => errors.push(FieldError::new(field, FieldCode::InvalidValue, error.describe(label, what))),
                }
            }
            codes
        };
        let divisions = resolve("division", library.divisions().labels(), "division or functional zone", &request.division);
        let kinds: Vec<BaseKind> = resolve("kind", kind_labels(), "kind of base", &request.kind).iter().filter_map(|code| BaseKind::from_code(code)).collect();
        // An industry filter also takes the office's accepted labels (鞋材).
        let accepted = library.accepted_labels();
        let (of_taxonomy, of_office): (Vec<String>, Vec<String>) = request.industry.iter().cloned().partition(|label| accepted.get(label).is_none());
        let mut industries = resolve("industry", library.taxonomy().labels(), "industry", &of_taxonomy);
        industries.extend(of_office.iter().filter_map(|label| accepted.get(label)).map(str::to_string));
        let languages = resolve("language", language_labels(), "guide language", &request.language);
        let statuses: Vec<BaseStatus> =
            resolve("status", status_labels(), "screening status", &request.status).iter().filter_map(|code| BaseStatus::from_code(code)).collect();
        if let (Some(min), Some(max)) = (request.employees_min, request.employees_max)
            && min > max {
                errors.push(FieldError::new("employees_min", FieldCode::InvalidValue, format!("{min} is above employees_max {max}")));
            }
        let group_size = match request.group_size {
            Some(0) => {
                errors.push(FieldError::new("group_size", FieldCode::InvalidValue, "must be at least 1"));
                None
            }
            Some(n) if n > u32::from(u16::MAX) => {
                errors.push(FieldError::new("group_size", FieldCode::InvalidValue, format!("{n} is not a plausible group size")));
                None
            }
            other => other.map(|n| n as u16),
        };
        let sort = match request.sort.as_deref() {
            None | Some("relevance") => SortOrder::Relevance,
            Some("id") => SortOrder::Id,
            Some(other) => {
                errors.push(FieldError::new("sort", FieldCode::InvalidValue, format!("`{other}` must be relevance or id")));
                SortOrder::Relevance
            }
        };
        let limit = request.limit.unwrap_or(20);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_LIMIT}, got {limit}")));
        }
        let offset = request.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            errors.push(FieldError::new("offset", FieldCode::InvalidValue, format!("must be at most {MAX_OFFSET}, got {offset}")));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(BaseQuery {
            text,
            filters: BaseFilters {
                divisions,
                kinds,
                industries,
                languages,
                employees_min: request.employees_min,
                employees_max: request.employees_max,
                group_size,
                statuses,
            },
            offset: offset as usize,
            limit: limit as usize,
            include_hidden: false,
            sort,
        })
    }
}

/// One page of bases.
#[derive(Debug, Serialize, ToSchema)]
pub struct BasePage {
    /// Bases matching over all pages.
    pub total: usize,
    /// Hits skipped.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
    /// This page, best match first (or by id without text).
    pub items: Vec<SearchHit>,
    /// Industries the query text named, with the term that named each.
    pub query_industries: Vec<TaxonomyMatch>,
}

/// One page of bases for a checked query, as a caller who sees `visibility` may see them:
/// restricted bases only for officers, contact details hidden below them.
pub fn search(library: &BaseLibrary, mut query: BaseQuery, visibility: Visibility) -> Result<BasePage, Error> {
    query.include_hidden = visibility.sees_hidden();
    let (offset, limit) = (query.offset, query.limit);
    let results = library.search(&query)?;
    Ok(BasePage {
        total: results.total,
        offset,
        limit,
        items: results
            .hits
            .into_iter()
            .filter_map(|hit| visibility.show(hit.base).map(|base| SearchHit { score: hit.score, base }))
            .collect(),
        query_industries: results.query_industries,
    })
}

/// Adds a base from a record in the import format (every failing field is reported).
pub fn create(library: &BaseLibrary, record: &serde_json::Map<String, serde_json::Value>, actor: &Actor) -> Result<(ExchangeBase, String), Error> {
    let base = validate_record(record, library.taxonomy(), library.divisions()).map_err(Error::Invalid)?;
    library.change_base(BaseChange::Create(&base), actor).map(written)
}

/// Replaces base `id` with `record` if it is still at version `if_match`. The record's
/// `id`, when given, must be `id`.
pub fn replace(
    library: &BaseLibrary,
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
    let base = validate_record(&record, library.taxonomy(), library.divisions()).map_err(Error::Invalid)?;
    library.change_base(BaseChange::Replace { base: &base, if_match }, actor).map(written)
}

/// Applies a JSON merge patch (RFC 7396) to base `id` in its import-format record, checks
/// the result as a whole, and stores it if the base is still at version `if_match`.
pub fn patch(library: &BaseLibrary, id: &str, patch: &serde_json::Value, if_match: &str, actor: &Actor) -> Result<(ExchangeBase, String), Error> {
    let Some(changes) = patch.as_object() else {
        return Err(Error::Invalid(vec![FieldError::new("(body)", FieldCode::InvalidType, "a merge patch must be a JSON object")]));
    };
    if changes.get("id").is_some_and(|given| given.as_str() != Some(id)) {
        return Err(Error::Invalid(vec![FieldError::new("id", FieldCode::InvalidValue, "ids cannot change (create a new base instead)")]));
    }
    let (current, etag) = library.get_with_etag(id, Visibility::Internal)?;
    if !crate::catalog::etag_matches(if_match, &etag) {
        return Err(Error::PreconditionFailed { id: id.to_string(), current: etag });
    }
    let mut record = serde_json::Value::Object(to_record(&current));
    merge_patch(&mut record, patch);
    let serde_json::Value::Object(record) = record else { unreachable!("a patched object stays an object") };
    let base = validate_record(&record, library.taxonomy(), library.divisions()).map_err(Error::Invalid)?;
    // The store checks the ETag again inside its transaction: a write landing after the
    // read above makes this one fail rather than overwrite it.
    library.change_base(BaseChange::Patch { base: &base, if_match: &etag }, actor).map(written)
}

/// Removes base `id` if it is still at version `if_match`.
pub fn delete(library: &BaseLibrary, id: &str, if_match: &str, actor: &Actor) -> Result<(), Error> {
    library.change_base(BaseChange::Delete { id, if_match }, actor).map(|_| ())
}

/// The forms of the office's sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeSheet {
    /// An Excel workbook.
    Xlsx,
    /// CSV with a byte-order mark, as Excel opens it.
    Csv,
}

/// Every base (restricted and screened-out ones and contacts included: the export is an
/// officer's) as the office's sheet: Chinese headers, labels, a row a base; it imports back
/// unchanged. Returns the file's bytes and the number of bases.
pub fn export_sheet(library: &BaseLibrary, form: OfficeSheet) -> Result<(Vec<u8>, usize), Error> {
    let mut bases = Vec::new();
    library.for_each_base(|base| bases.push(base))?;
    let (taxonomy, divisions) = (library.taxonomy(), library.divisions());
    let bytes = match form {
        OfficeSheet::Xlsx => crate::catalog::sheet::office_workbook(&bases, taxonomy, divisions).map_err(Error::Internal)?,
        OfficeSheet::Csv => crate::catalog::sheet::office_csv(&bases, taxonomy, divisions),
    };
    Ok((bytes, bases.len()))
}

/// Writes every base as JSON Lines in the import format; returns how many were written.
pub fn export(library: &BaseLibrary, out: &mut dyn std::io::Write) -> Result<usize, Error> {
    let io = |source| Error::Io { path: PathBuf::from("(export output)"), source };
    let mut failure = None;
    let count = library.for_each_base(|base| {
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

