//! The record of visits: each visit's profile, bases in order, status and outcome, checked as
//! a whole before it is stored. Confirmed and completed visits feed the rotation of matching.

use crate::access::Actor;
use crate::catalog::VisitFilter;
use crate::domain::{FieldCode, FieldError, VisitDays, VisitInput, VisitRecord, VisitStatus};
use crate::Error;

use super::library::BaseLibrary;

/// Records a visit after checking every field; confirmed and completed visits count for
/// rotation at once.
pub fn record(library: &BaseLibrary, visit: &VisitInput, actor: &Actor) -> Result<(VisitRecord, String), Error> {
    let visit = &with_codes(library, visit);
    check(library, visit)?;
    let recorded = library.store().insert_visit(visit, actor)?;
    library.reload_exposure()?;
    Ok(recorded)
}

/// Replaces visit `id` if it is still at version `if_match`.
pub fn replace(library: &BaseLibrary, id: &str, visit: &VisitInput, if_match: &str, actor: &Actor) -> Result<(VisitRecord, String), Error> {
    let visit = &with_codes(library, visit);
    check(library, visit)?;
    let recorded = library.store().replace_visit(id, visit, if_match, actor)?;
    library.reload_exposure()?;
    Ok(recorded)
}

/// One visit with its ETag.
pub fn get(library: &BaseLibrary, id: &str) -> Result<(VisitRecord, String), Error> {
    library.store().visit(id)?.ok_or_else(|| Error::VisitNotFound(id.to_string()))
}

/// The visits that pass `filter`, by start date.
pub fn list(library: &BaseLibrary, filter: &VisitFilter) -> Result<Vec<VisitRecord>, Error> {
    Ok(library.store().visits(filter)?)
}

/// The visit with its profile's labels read as codes, so the record keeps codes.
fn with_codes(library: &BaseLibrary, visit: &VisitInput) -> VisitInput {
    let mut visit = visit.clone();
    visit.profile = crate::scoring::profile::with_codes(&visit.profile, library.divisions(), &library.accepted_labels()).into_owned();
    // With an unknown entry the lists stay as written, for `check` to refuse.
    let mut converted = visit.profile.clone();
    if crate::scoring::profile::avoid_with_codes(&mut converted, library.taxonomy(), library.divisions()).is_empty() {
        visit.profile = converted;
    }
    visit
}

fn check(library: &BaseLibrary, visit: &VisitInput) -> Result<(), Error> {
    let mut errors = crate::scoring::profile::validate_profile(&visit.profile, library.divisions());
    // The avoid lists are kept as codes in the record.
    let mut profile = visit.profile.clone();
    errors.extend(crate::scoring::profile::avoid_with_codes(&mut profile, library.taxonomy(), library.divisions()));
    if let VisitDays::Weekdays(_) = visit.profile.visit {
        errors.push(FieldError::new("profile.visit", FieldCode::InvalidValue, "a recorded visit needs its dates (`dates`), not weekdays"));
    }
    if let Some(theme) = &visit.theme
        && let Some(error) = crate::domain::check_theme(theme, "theme") {
            errors.push(error);
        }
    if visit.bases.is_empty() {
        errors.push(FieldError::new("bases", FieldCode::MissingField, "list the bases of the visit, in order"));
    }
    let limit = crate::evaluation::visits::MAX_BASES_PER_VISIT;
    if visit.bases.len() > limit || visit.outcome.as_ref().is_some_and(|o| o.productive_bases.len() > limit) {
        errors.push(FieldError::new("bases", FieldCode::TooMany, format!("a visit lists at most {limit} bases")));
        return Err(Error::Invalid(errors));
    }
    let table = library.base_table()?;
    let mut seen = std::collections::HashSet::new();
    for (position, id) in visit.bases.iter().enumerate() {
        let field = format!("bases[{position}]");
        if !seen.insert(id) {
            errors.push(FieldError::new(&field, FieldCode::InvalidValue, format!("`{id}` is listed twice")));
        } else {
            match table.by_id(id) {
                None => errors.push(FieldError::new(&field, FieldCode::UnknownBase, format!("no base with id `{id}`"))),
                // A visit still to happen goes only where a visit may go; a past one is a record of
                // what happened, whatever the base's status is now.
                Some((_, row)) if matches!(visit.status, VisitStatus::Planned | VisitStatus::Confirmed) => {
                    if let Some((_, why)) = crate::scoring::rules::VisitRules::never_visitable(row) {
                        errors.push(FieldError::new(&field, FieldCode::InvalidValue, format!("`{id}` cannot be visited: {why}")));
                    }
                }
                Some(_) => {}
            }
        }
    }
    match (&visit.outcome, visit.status) {
        (None, VisitStatus::Completed) => {
            errors.push(FieldError::new("outcome", FieldCode::MissingField, "a completed visit records its outcome (at least `satisfaction`)"));
        }
        (Some(outcome), _) => {
            let notes_limit = crate::evaluation::visits::MAX_NOTES_CHARS;
            if outcome.notes.as_ref().is_some_and(|notes| notes.chars().count() > notes_limit) {
                errors.push(FieldError::new("outcome.notes", FieldCode::InvalidValue, format!("must be at most {notes_limit} characters")));
            }
            if !(1..=5).contains(&outcome.satisfaction) {
                errors.push(FieldError::new("outcome.satisfaction", FieldCode::InvalidValue, format!("must be 1 to 5, got {}", outcome.satisfaction)));
            }
            for (position, id) in outcome.productive_bases.iter().enumerate() {
                if !seen.contains(id) {
                    errors.push(FieldError::new(
                        &format!("outcome.productive_bases[{position}]"),
                        FieldCode::InvalidValue,
                        format!("`{id}` is not among the visit's bases"),
                    ));
                }
            }
        }
        (None, _) => {}
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}
