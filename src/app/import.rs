//! Importing a file of bases, all or nothing: spreadsheets as the office keeps them, survey
//! returns landing as candidates, unknown industry labels gathered with a proposal each and read
//! through a mapping (the accepted labels first), and the dry run that says base by base what
//! would happen.

use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{Actor, Visibility};
use crate::catalog::{decode_text, parse_mapped, parse_workbook_mapped, to_record, RecordFormat, TextEncoding, Vocabulary, WriteMode, WriteSummary};
use crate::domain::{BaseStatus, ExchangeBase, FieldCode, FieldError, LabelMapping};
use crate::Error;

use super::library::BaseLibrary;
use super::screening::NearDuplicate;

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
pub fn run(library: &BaseLibrary, file: &ImportFile<'_>, options: &ImportOptions, actor: &Actor) -> Result<ImportOutcome, Error> {
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

