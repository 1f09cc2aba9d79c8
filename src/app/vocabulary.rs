//! The office's own words for industries: labels accepted once (鞋材 → footwear, 汽摩配 →
//! auto parts) are kept in the catalog and read by every later import, so the next survey return
//! that uses them needs no mapping. The taxonomy itself stays as shipped.

use crate::access::Actor;
use crate::catalog::AcceptedLabel;
use crate::domain::{FieldCode, FieldError, LabelMapping};
use crate::Error;

use super::library::BaseLibrary;

/// Most labels accepted in one request.
pub const MAX_ACCEPTED_AT_ONCE: usize = 500;
/// Longest accepted label, in characters.
pub const MAX_LABEL_CHARS: usize = 40;

/// Every accepted label, by label.
pub fn accepted(library: &BaseLibrary) -> Result<Vec<AcceptedLabel>, Error> {
    Ok(library.store().accepted_labels()?)
}

/// The accepted labels as the mapping every import starts from.
pub fn stored_mapping(library: &BaseLibrary) -> LabelMapping {
    LabelMapping::clone(&library.accepted_labels())
}

/// Accepts each (label, industry) pair, the industry given as a code or a label; every failing
/// pair is reported (field `labels[i].label` or `labels[i].industry`) and then nothing is kept.
/// A label the taxonomy already knows needs no accepting and is refused. Audited under `actor`;
/// returns how many labels changed.
pub fn accept(library: &BaseLibrary, pairs: &[(String, String)], actor: &Actor) -> Result<usize, Error> {
    let resolved = checked(library, pairs)?;
    let changed = library.store().accept_labels(&resolved, actor)?;
    library.reload_accepted()?;
    Ok(changed)
}

/// The pairs [`accept`] would keep, each industry as its code; or every failing pair.
pub fn checked(library: &BaseLibrary, pairs: &[(String, String)]) -> Result<Vec<(String, String)>, Error> {
    if pairs.len() > MAX_ACCEPTED_AT_ONCE {
        return Err(Error::Invalid(vec![FieldError::new("labels", FieldCode::TooMany, format!("lists {} labels; at most {MAX_ACCEPTED_AT_ONCE} at once", pairs.len()))]));
    }
    let labels = library.taxonomy().labels();
    let mut errors = Vec::new();
    let mut resolved = Vec::new();
    for (i, (label, industry)) in pairs.iter().enumerate() {
        let label = label.trim();
        let field = |part: &str| format!("labels[{i}].{part}");
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            errors.push(FieldError::new(&field("label"), FieldCode::InvalidValue, format!("must be 1 to {MAX_LABEL_CHARS} characters")));
            continue;
        }
        if let Ok(code) = labels.resolve(label) {
            errors.push(
                FieldError::new(&field("label"), FieldCode::InvalidValue, format!("`{label}` is already a label of the taxonomy ({code}); it needs no accepting")).with_value(label),
            );
            continue;
        }
        match labels.resolve(industry) {
            Ok(code) => resolved.push((label.to_string(), code)),
            Err(error) => errors.push(FieldError::new(&field("industry"), FieldCode::InvalidValue, error.describe(industry, "industry")).with_value(industry)),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(resolved)
}

/// Forgets an accepted label; a label that was never accepted is an error naming it.
pub fn forget(library: &BaseLibrary, label: &str, actor: &Actor) -> Result<(), Error> {
    if library.store().forget_label(label.trim(), actor)? {
        library.reload_accepted()
    } else {
        Err(Error::Invalid(vec![FieldError::new("label", FieldCode::InvalidValue, format!("`{label}` is not an accepted label")).with_value(label)]))
    }
}
