//! Finding and keeping the base library: searches (checked once into an index query, shown by
//! the caller's visibility), imports (all records or none), single-base writes with ETags and
//! JSON merge patches, and the export in the import format. Every record is checked by the
//! catalog's one validator before anything is written.

use std::path::PathBuf;

use crate::access::{Actor, Visibility};
use crate::catalog::{
    decode_text, parse_mapped, parse_workbook_mapped, to_record, validate_record, BaseChange, ChangeApplied, RecordFormat, TextEncoding, Vocabulary, WriteMode,
    WriteSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{
    kind_labels, language_labels, status_labels, BaseKind, BaseStatus, ExchangeBase, FieldCode, FieldError, LabelMapping, Labels, TaxonomyMatch,
};
use crate::search::{BaseFilters, BaseQuery, SearchHit, SortOrder};
use crate::Error;

use super::library::BaseLibrary;
use super::screening::NearDuplicate;

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

/// Result of a successful import, or of its preview.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ImportOutcome {
    /// What changed in the catalog (or would change, on a dry run).
    #[serde(flatten)]
    pub summary: WriteSummary,
    /// Bases in the catalog afterwards.
    pub total: usize,
    /// On a dry run, base by base what would change; nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<ImportPreview>,
}

/// What an import would do, base by base.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ImportPreview {
    /// Ids of the bases that would be added.
    pub inserted: Vec<String>,
    /// The bases that would change, each with the fields (import-format names) that differ.
    pub updated: Vec<ChangedBase>,
    /// Bases of the file already stored exactly as the file has them.
    pub unchanged: usize,
    /// Ids of the bases that would be removed (replace mode only).
    pub deleted: Vec<String>,
    /// The status the added bases would take: `active`, or `candidate` for a survey return.
    pub arrival: BaseStatus,
    /// Added bases that look like one already in the library (same name, or same address and
    /// a similar name): check before confirming.
    pub near_duplicates: Vec<NearDuplicate>,
}

/// One base an import would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChangedBase {
    /// Base id.
    pub id: String,
    /// The fields whose values differ.
    pub fields: Vec<String>,
}

/// A file to import, as it came: its bytes and what is known of its form.
#[derive(Debug, Clone, Copy)]
pub struct ImportFile<'a> {
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// JSON Lines, CSV or an Excel workbook.
    pub format: RecordFormat,
    /// The text encoding, when the caller knows it (text formats; recognised otherwise).
    pub encoding: Option<TextEncoding>,
    /// The sheet of a workbook to read (the first when `None`).
    pub sheet: Option<&'a str>,
}

impl ImportFile<'_> {
    /// Every base of the file, each record checked (industry labels beyond the taxonomy read
    /// through `mapping`); or every failure with its line.
    pub fn read(&self, library: &BaseLibrary, mapping: &LabelMapping) -> Result<Vec<ExchangeBase>, Error> {
        let vocabulary = Vocabulary { taxonomy: library.taxonomy(), divisions: library.divisions(), mapping };
        match self.format {
            RecordFormat::Xlsx => parse_workbook_mapped(self.bytes, self.sheet, &vocabulary).map_err(Error::Invalid),
            text => {
                let input = decode_text(self.bytes, self.encoding).map_err(Error::Unreadable)?;
                parse_mapped(&input, text, &vocabulary).map_err(Error::Invalid)
            }
        }
    }
}

/// How an import lands in the catalog.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Upsert, or make the file the whole catalog.
    pub mode: WriteMode,
    /// New bases land as candidates for review (a survey return) rather than in the library.
    pub as_candidates: bool,
    /// The division that sent the file in (a label or a code); implies `as_candidates`. When a
    /// file of candidates names none, each base is recorded as submitted by its own division.
    pub submitted_by: Option<String>,
    /// Check and preview only; write nothing.
    pub dry_run: bool,
    /// Industry labels the taxonomy does not know, each with the industry (a code or a label) to
    /// read it as; the label is kept as a tag.
    pub mapping: Vec<(String, String)>,
    /// Read every unknown industry label as its proposed industry (see [`unknown_labels`]).
    pub accept_suggestions: bool,
    /// Keep the labels this import mapped (given or accepted proposals) as accepted labels, so
    /// later imports read them without a mapping (see [`super::vocabulary`]).
    pub remember_labels: bool,
}

impl ImportOptions {
    /// A plain import: upsert, new bases straight into the library.
    pub fn upsert() -> ImportOptions {
        ImportOptions {
            mode: WriteMode::Upsert,
            as_candidates: false,
            submitted_by: None,
            dry_run: false,
            mapping: Vec::new(),
            accept_suggestions: false,
            remember_labels: false,
        }
    }

    /// The mapping the options give, each industry resolved, on top of the accepted labels; a
    /// target that names no industry fails field `mapping`. Also the pairs given, resolved.
    fn label_mapping(&self, library: &BaseLibrary) -> Result<(LabelMapping, Vec<(String, String)>), Error> {
        if self.mapping.len() > MAX_MAPPED_LABELS {
            return Err(Error::Invalid(vec![FieldError::new(
                "mapping",
                FieldCode::TooMany,
                format!("maps {} labels; at most {MAX_MAPPED_LABELS} are read", self.mapping.len()),
            )]));
        }
        let mut mapping = super::vocabulary::stored_mapping(library);
        let mut given = Vec::new();
        let mut errors = Vec::new();
        for (label, industry) in &self.mapping {
            match library.taxonomy().labels().resolve(industry) {
                Ok(code) => {
                    mapping.insert(label, &code);
                    given.push((label.clone(), code));
                }
                Err(error) => errors.push(
                    FieldError::new("mapping", FieldCode::InvalidValue, format!("`{label}` → {}", error.describe(industry, "industry"))).with_value(industry),
                ),
            }
        }
        if errors.is_empty() { Ok((mapping, given)) } else { Err(Error::Invalid(errors)) }
    }

    /// The status a new base that states none takes, with the submitting division recorded on
    /// each new base of a file of candidates. A new base of a submission may state no other
    /// status than candidate; a submission that would replace the library is refused.
    fn arrival(&self, library: &BaseLibrary, bases: &mut [ExchangeBase]) -> Result<BaseStatus, Error> {
        if !self.as_candidates && self.submitted_by.is_none() {
            return Ok(BaseStatus::Active);
        }
        if self.mode == WriteMode::Replace {
            return Err(Error::Invalid(vec![FieldError::new(
                "mode",
                FieldCode::InvalidValue,
                "a survey return adds candidates; it cannot replace the library (import it without replace)",
            )]));
        }
        let mut errors = Vec::new();
        let submitted_by = match self.submitted_by.as_deref().map(|label| library.divisions().labels().resolve(label)) {
            Some(Ok(code)) => Some(code),
            Some(Err(error)) => {
                let label = self.submitted_by.as_deref().unwrap_or_default();
                return Err(Error::Invalid(vec![FieldError::new("submitted_by", FieldCode::InvalidValue, error.describe(label, "division or functional zone"))]));
            }
            None => None,
        };
        for base in bases.iter_mut() {
            // A base already in the catalog keeps its status whatever the file says (the store
            // refuses another); a new one arrives as a candidate and may state nothing else.
            let is_new = match library.get(&base.id, Visibility::Internal) {
                Ok(_) => false,
                Err(Error::BaseNotFound(_)) => true,
                Err(other) => return Err(other),
            };
            if !is_new {
                continue;
            }
            if let Some(status) = base.status.filter(|status| *status != BaseStatus::Candidate) {
                errors.push(FieldError::new(
                    "status",
                    FieldCode::InvalidValue,
                    format!(
                        "base `{}` states {} ({}); bases submitted for review arrive as candidates: leave the status out, or import without candidates",
                        base.id,
                        status.label_zh(),
                        status.code()
                    ),
                ));
            }
            base.submitted_by = submitted_by.clone().or(base.submitted_by.take()).or_else(|| Some(base.location.division.clone()));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(BaseStatus::Candidate)
    }
}

/// Most labels one import may map.
pub const MAX_MAPPED_LABELS: usize = 500;

/// An industry label of a file that names nothing known, with every line that uses it and the
/// industry proposed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnknownLabel {
    /// The field (`industries`).
    pub field: String,
    /// The label as written.
    pub label: String,
    /// How many records use it.
    pub count: usize,
    /// The lines (spreadsheet rows) that use it, the first 20.
    pub lines: Vec<usize>,
    /// The proposed industry code: one whose term the label contains, else the closest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed: Option<String>,
    /// The proposed industry's Chinese and English names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_label: Option<String>,
}

/// Most problems an HTTP answer lists; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// `errors` as an answer lists them: the first [`MAX_LISTED_PROBLEMS`], and a count of the rest.
pub fn listed(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    if errors.len() > MAX_LISTED_PROBLEMS {
        let more = errors.len() - MAX_LISTED_PROBLEMS;
        errors.truncate(MAX_LISTED_PROBLEMS);
        errors.push(FieldError::new("(file)", FieldCode::TooManyErrors, format!("and {more} more problems, not listed")));
    }
    errors
}

/// Most unknown labels gathered (and given a proposal) from one file; the rest are still
/// among the errors.
pub const MAX_UNKNOWN_LABELS: usize = 200;

/// The unknown industry labels among `errors`, one entry a label, in the order they first
/// appear, each with a proposed industry; at most [`MAX_UNKNOWN_LABELS`].
pub fn unknown_labels(library: &BaseLibrary, errors: &[FieldError]) -> Vec<UnknownLabel> {
    let taxonomy = library.taxonomy();
    let mut groups: Vec<UnknownLabel> = Vec::new();
    let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for error in errors.iter().filter(|e| e.field == "industries") {
        let Some(label) = error.value.as_deref() else { continue };
        if let Some(&at) = position.get(label) {
            let group = &mut groups[at];
            group.count += 1;
            if group.lines.len() < 20 {
                group.lines.extend(error.line);
            }
        } else if groups.len() < MAX_UNKNOWN_LABELS {
            position.insert(label, groups.len());
            let proposed = crate::domain::propose_industry(taxonomy, label);
            let proposed_label = proposed.as_deref().and_then(|code| taxonomy.get(code)).map(|node| format!("{} ({})", node.zh, node.en));
            groups.push(UnknownLabel { field: error.field.clone(), label: label.to_string(), count: 1, lines: error.line.into_iter().collect(), proposed, proposed_label });
        }
    }
    groups
}

/// Validates every record of `file`, then writes all of them or none, each change in the
/// audit log under `actor`. On a dry run, nothing is written: the outcome says base by base
/// what the import would do. Industry labels the taxonomy does not know are read through the
/// options' mapping, or, when asked, as their proposed industries.
pub fn import(library: &BaseLibrary, file: &ImportFile<'_>, options: &ImportOptions, actor: &Actor) -> Result<ImportOutcome, Error> {
    let (mut mapping, mut mapped) = options.label_mapping(library)?;
    let mut bases = match file.read(library, &mapping) {
        Err(Error::Invalid(errors)) if options.accept_suggestions => {
            let unknown = unknown_labels(library, &errors);
            if unknown.is_empty() {
                return Err(Error::Invalid(errors));
            }
            for group in &unknown {
                if let Some(code) = &group.proposed {
                    mapping.insert(&group.label, code);
                    mapped.push((group.label.clone(), code.clone()));
                }
            }
            file.read(library, &mapping)?
        }
        read => read?,
    };
    let arrival = options.arrival(library, &mut bases)?;
    if options.dry_run {
        let preview = preview(library, &bases, options.mode, arrival)?;
        let summary = WriteSummary { inserted: preview.inserted.len(), updated: preview.updated.len() + preview.unchanged, deleted: preview.deleted.len() };
        let total = library.count()? + summary.inserted - summary.deleted;
        return Ok(ImportOutcome { summary, total, preview: Some(preview) });
    }
    // The labels to remember are checked before anything is written: those the mapping was used
    // for (each is a tag of a base now), which the taxonomy does not know.
    let remembered = if options.remember_labels {
        let used: std::collections::HashSet<&str> = bases.iter().flat_map(|b| b.tags.iter().map(String::as_str)).collect();
        mapped.retain(|(label, _)| used.contains(label.trim()) && library.taxonomy().labels().resolve(label).is_err());
        super::vocabulary::checked(library, &mapped).map_err(|error| match error {
            Error::Invalid(errors) => Error::Invalid(
                errors.into_iter().map(|e| FieldError { field: "remember_labels".into(), message: format!("{}: {}", e.field, e.message), ..e }).collect(),
            ),
            other => other,
        })?
    } else {
        Vec::new()
    };
    let summary = library.write_bases(&mut bases, options.mode, arrival, actor)?;
    if !remembered.is_empty() {
        library.store().accept_labels(&remembered, actor)?;
        library.reload_accepted()?;
    }
    Ok(ImportOutcome { summary, total: library.count()?, preview: None })
}

/// Compares each base of a file with the stored one, field by field, in the import format, as
/// the store would settle it (see [`ExchangeBase::settle_screening`]); new bases are checked for
/// near-duplicates in the library.
fn preview(library: &BaseLibrary, bases: &[ExchangeBase], mode: WriteMode, arrival: BaseStatus) -> Result<ImportPreview, Error> {
    let mut preview = ImportPreview::default();
    let mut new_bases = Vec::new();
    let mut refused = Vec::new();
    for base in bases {
        match library.get(&base.id, Visibility::Internal) {
            Ok(stored) => {
                let mut settled = base.clone();
                if let Err(message) = settled.settle_screening(Some(stored.screening()), arrival) {
                    // The same refusal the store would make, so the dry run says so.
                    refused.push(FieldError::new("status", FieldCode::InvalidValue, message));
                    continue;
                }
                let (before, after) = (to_record(&stored), to_record(&settled));
                let mut fields: Vec<String> = before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect();
                fields.sort();
                fields.dedup();
                if fields.is_empty() {
                    preview.unchanged += 1;
                } else {
                    preview.updated.push(ChangedBase { id: base.id.clone(), fields });
                }
            }
            Err(Error::BaseNotFound(_)) => {
                preview.inserted.push(base.id.clone());
                new_bases.push(base);
            }
            Err(other) => return Err(other),
        }
    }
    if !refused.is_empty() {
        return Err(Error::Invalid(refused));
    }
    if !new_bases.is_empty() {
        let finder = super::screening::DuplicateFinder::of_library(library)?;
        preview.near_duplicates = new_bases.iter().flat_map(|base| finder.near(base)).collect();
    }
    preview.arrival = arrival;
    if mode == WriteMode::Replace {
        let kept: std::collections::HashSet<&str> = bases.iter().map(|b| b.id.as_str()).collect();
        library.for_each_base(|stored| {
            if !kept.contains(stored.id.as_str()) {
                preview.deleted.push(stored.id);
            }
        })?;
    }
    Ok(preview)
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

