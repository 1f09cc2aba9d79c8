//! Keeping the base library: imports (all records or none), single-base writes with ETags and
//! JSON merge patches, and the export in the import format. Every record is checked by the
//! catalog's one validator before anything is written.

use std::path::PathBuf;

use crate::access::{Actor, Visibility};
use crate::catalog::{parse_records, to_record, validate_record, BaseChange, ChangeApplied, RecordFormat, WriteMode, WriteSummary};
use crate::domain::{ExchangeBase, FieldCode, FieldError};
use crate::Error;

use super::library::BaseLibrary;

/// Result of a successful import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// What changed in the catalog.
    #[serde(flatten)]
    pub summary: WriteSummary,
    /// Bases in the catalog afterwards.
    pub total: usize,
}

/// Validates every record of `input`, then writes all of them or none, each change in the
/// audit log under `actor`.
pub fn import(library: &BaseLibrary, input: &str, format: RecordFormat, mode: WriteMode, actor: &Actor) -> Result<ImportOutcome, Error> {
    let bases = parse_records(input, format, library.taxonomy(), library.divisions()).map_err(Error::Invalid)?;
    let summary = library.write_bases(&bases, mode, actor)?;
    Ok(ImportOutcome { summary, total: library.count()? })
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

