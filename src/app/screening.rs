//! Screening (筛选): officers review what the survey brought in. A review decision moves a base
//! between candidate, active, rejected and suspended (the moves are decided in
//! [`crate::domain::ReviewDecision`]); the review queue lists the bases waiting, each with the
//! bases of the library it may duplicate.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Actor;
use crate::domain::{status_labels, BaseStatus, ExchangeBase, FieldCode, FieldError, ReviewDecision, MAX_REVIEW_NOTE_CHARS};
use crate::Error;

use super::library::BaseLibrary;

/// Most bases one page of the review queue holds.
pub const MAX_QUEUE_LIMIT: usize = 200;

/// A review decision with its note, as an officer sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "reject", "note": "与已入库基地重复（lucheng-001）"}))]
pub struct ReviewRequest {
    /// `approve` or `reject` a candidate, `suspend` an active base, `reactivate` a suspended one,
    /// `reopen` a rejected one.
    pub decision: ReviewDecision,
    /// Why: required to reject or suspend; at most 2000 characters.
    pub note: Option<String>,
}

impl ReviewRequest {
    /// The note, trimmed, if the decision may be taken with it.
    fn checked_note(&self) -> Result<Option<&str>, Error> {
        let note = self.note.as_deref().map(str::trim).filter(|note| !note.is_empty());
        let fail = |message: String| Err(Error::Invalid(vec![FieldError::new("note", FieldCode::InvalidValue, message)]));
        match note {
            None if self.decision.needs_note() => fail(format!("is required to {} a base: say why", self.decision.code())),
            Some(note) if note.chars().count() > MAX_REVIEW_NOTE_CHARS => fail(format!("is longer than {MAX_REVIEW_NOTE_CHARS} characters")),
            note => Ok(note),
        }
    }
}

/// Applies a review decision to base `id` (if it is still at `if_match`, when given), audited
/// under `actor` as `review:{decision}`. Returns the base and its new ETag.
pub fn review(library: &BaseLibrary, id: &str, request: &ReviewRequest, if_match: Option<&str>, actor: &Actor) -> Result<(ExchangeBase, String), Error> {
    let note = request.checked_note()?;
    let applied = library.review_base(id, request.decision, note, if_match, actor)?;
    match (applied.after, applied.etag) {
        (Some(base), Some(etag)) => Ok((base, etag)),
        _ => unreachable!("a review leaves the base"),
    }
}

/// Why two bases look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same name, once spaces, punctuation and the legal form (有限公司…) are set aside.
    SameName,
    /// The same address and a similar name.
    SameAddressSimilarName,
}

/// A base that may be the same as another.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NearDuplicate {
    /// The base under review (or being imported).
    pub id: String,
    /// The base of the library it resembles.
    pub other_id: String,
    /// That base's Chinese name.
    pub other_name_zh: String,
    /// That base's address.
    pub other_address_zh: String,
    /// That base's division or zone (code).
    pub other_division: String,
    /// That base's kind.
    pub other_kind: crate::domain::BaseKind,
    /// That base's largest group.
    pub other_max_group_size: u16,
    /// That base's status.
    pub other_status: BaseStatus,
    /// Why they look alike.
    pub reason: DuplicateReason,
}

/// Finds near-duplicates among the bases of the library: by name, and by address with a similar
/// name. Built once over the library, then asked base by base.
pub struct DuplicateFinder {
    bases: Vec<ExchangeBase>,
    by_name: HashMap<String, Vec<usize>>,
    by_address: HashMap<String, Vec<usize>>,
}

/// Most near-duplicates listed for one base.
pub const MAX_NEAR_DUPLICATES: usize = 10;

/// Names at least this similar (Dice coefficient of their character pairs) at one address are
/// flagged: 宏鼎鞋业 and 宏鼎鞋业集团 are, two firms in one tower usually are not.
const SIMILAR_NAME: f64 = 0.5;

impl DuplicateFinder {
    /// A finder over `bases`.
    pub fn new(bases: Vec<ExchangeBase>) -> DuplicateFinder {
        let mut finder = DuplicateFinder { bases: Vec::new(), by_name: HashMap::new(), by_address: HashMap::new() };
        for (index, base) in bases.iter().enumerate() {
            finder.by_name.entry(name_key(&base.name_zh)).or_default().push(index);
            let address = address_key(&base.location.address_zh);
            if !address.is_empty() {
                finder.by_address.entry(address).or_default().push(index);
            }
        }
        finder.bases = bases;
        finder
    }

    /// A finder over every base of the library (rejected ones too: a resubmission of a rejected
    /// base is worth knowing about).
    pub fn of_library(library: &BaseLibrary) -> Result<DuplicateFinder, Error> {
        let mut bases = Vec::new();
        library.for_each_base(|base| bases.push(base))?;
        Ok(DuplicateFinder::new(bases))
    }

    /// The bases `base` may duplicate (never itself), same names first, at most
    /// [`MAX_NEAR_DUPLICATES`].
    pub fn near(&self, base: &ExchangeBase) -> Vec<NearDuplicate> {
        let mut found: Vec<NearDuplicate> = Vec::new();
        let mut push = |other: &ExchangeBase, reason| {
            if found.len() < MAX_NEAR_DUPLICATES && other.id != base.id && !found.iter().any(|d| d.other_id == other.id) {
                found.push(NearDuplicate {
                    id: base.id.clone(),
                    other_id: other.id.clone(),
                    other_name_zh: other.name_zh.clone(),
                    other_address_zh: other.location.address_zh.clone(),
                    other_division: other.location.division.clone(),
                    other_kind: other.kind,
                    other_max_group_size: other.max_group_size,
                    other_status: other.status(),
                    reason,
                });
            }
        };
        let name = name_key(&base.name_zh);
        for index in self.by_name.get(&name).into_iter().flatten() {
            push(&self.bases[*index], DuplicateReason::SameName);
        }
        for index in self.by_address.get(&address_key(&base.location.address_zh)).into_iter().flatten() {
            let other = &self.bases[*index];
            if dice(&name, &name_key(&other.name_zh)) >= SIMILAR_NAME {
                push(other, DuplicateReason::SameAddressSimilarName);
            }
        }
        found
    }

    /// The bases of the finder with `status` that pass `keep`, in id order.
    fn with_status(&self, status: BaseStatus, keep: impl Fn(&ExchangeBase) -> bool) -> Vec<&ExchangeBase> {
        let mut chosen: Vec<&ExchangeBase> = self.bases.iter().filter(|b| b.status() == status && keep(b)).collect();
        chosen.sort_by(|a, b| a.id.cmp(&b.id));
        chosen
    }
}

/// One base of the review queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueItem {
    /// The base as submitted (contacts included: the queue is the officers').
    pub base: ExchangeBase,
    /// Bases of the library it may duplicate.
    pub near_duplicates: Vec<NearDuplicate>,
}

/// One page of the review queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewQueue {
    /// Bases with the status asked for.
    pub total: usize,
    /// This page, by id.
    pub items: Vec<QueueItem>,
}

/// Which page of the review queue to show, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    /// The status listed (candidates by default).
    pub status: BaseStatus,
    /// Only bases of this division or zone (a county-level one includes its zones).
    pub division: Option<String>,
    /// Bases skipped.
    pub offset: usize,
    /// Bases shown, 1 to [`MAX_QUEUE_LIMIT`].
    pub limit: usize,
}

impl QueueQuery {
    /// The query for a status and a division as people write them (labels or codes); every
    /// failing value is reported with its field.
    pub fn check(library: &BaseLibrary, status: Option<&str>, division: Option<&str>, offset: usize, limit: usize) -> Result<QueueQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let status = match status.map(|label| (label, status_labels().resolve(label))) {
            None => Some(BaseStatus::Candidate),
            Some((_, Ok(code))) => BaseStatus::from_code(&code),
            Some((label, Err(error))) => {
                errors.push(FieldError::new("status", FieldCode::InvalidValue, error.describe(label, "screening status")));
                None
            }
        };
        let division = match division.map(|label| (label, library.divisions().labels().resolve(label))) {
            None => None,
            Some((_, Ok(code))) => Some(code),
            Some((label, Err(error))) => {
                errors.push(FieldError::new("division", FieldCode::InvalidValue, error.describe(label, "division or functional zone")));
                None
            }
        };
        if !(1..=MAX_QUEUE_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", FieldCode::InvalidValue, format!("must be between 1 and {MAX_QUEUE_LIMIT}, got `{limit}`")));
        }
        match status {
            Some(status) if errors.is_empty() => Ok(QueueQuery { status, division, offset, limit }),
            _ => Err(errors),
        }
    }
}

/// One page of the bases with the query's status (and division), by id.
pub fn queue(library: &BaseLibrary, query: &QueueQuery) -> Result<ReviewQueue, Error> {
    let QueueQuery { status, division, offset, limit } = query.clone();
    let division = division.as_deref();
    let finder = DuplicateFinder::of_library(library)?;
    let divisions = library.divisions();
    let in_division = |base: &ExchangeBase| {
        division.is_none_or(|wanted| base.location.division == wanted || divisions.county_level(&base.location.division).is_some_and(|d| d.code == wanted))
    };
    // The page is chosen first; only its bases are compared with the library.
    let chosen = finder.with_status(status, in_division);
    let items = chosen.iter().skip(offset).take(limit.min(MAX_QUEUE_LIMIT)).map(|base| QueueItem { base: (*base).clone(), near_duplicates: finder.near(base) }).collect();
    Ok(ReviewQueue { total: chosen.len(), items })
}

/// A name as compared: no spaces or punctuation, and without the legal form and the city
/// prefix that every firm's registered name carries.
fn name_key(name: &str) -> String {
    const PREFIXES: [&str; 4] = ["浙江省", "浙江", "温州市", "温州"];
    const SUFFIXES: [&str; 5] = ["股份有限公司", "有限责任公司", "有限公司", "公司", "集团"];
    let mut key: String = name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    for prefix in PREFIXES {
        if let Some(rest) = key.strip_prefix(prefix) {
            key = rest.to_string();
            break;
        }
    }
    // 宏鼎鞋业集团有限公司: the legal form, then the group.
    for _ in 0..2 {
        if let Some(rest) = SUFFIXES.iter().find_map(|suffix| key.strip_suffix(suffix)) {
            key = rest.to_string();
        }
    }
    if key.is_empty() { name.trim().to_string() } else { key }
}

/// An address as compared: no spaces or punctuation, full-width digits folded, without the
/// province and city.
fn address_key(address: &str) -> String {
    let folded: String = address
        .chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    folded.trim_start_matches("浙江省").trim_start_matches("温州市").to_string()
}

/// Dice coefficient of the character pairs of two strings (1 for equal strings, 0 for none in
/// common); a one-character name counts as one pair.
fn dice(a: &str, b: &str) -> f64 {
    let pairs = |s: &str| -> Vec<(char, char)> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() == 1 { vec![(chars[0], chars[0])] } else { chars.windows(2).map(|w| (w[0], w[1])).collect() }
    };
    let (a, mut b) = (pairs(a), pairs(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let total = (a.len() + b.len()) as f64;
    let mut shared = 0usize;
    for pair in &a {
        if let Some(at) = b.iter().position(|p| p == pair) {
            b.swap_remove(at);
            shared += 1;
        }
    }
    2.0 * shared as f64 / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_legal_form_city_or_punctuation() {
        assert_eq!(name_key("温州市宏鼎鞋业集团有限公司"), name_key("宏鼎鞋业 (集团)"));
        assert_ne!(name_key("宏鼎鞋业有限公司"), name_key("宏达鞋业有限公司"));
        assert_eq!(address_key("浙江省温州市鹿城区双屿工业区８８号"), address_key("鹿城区 双屿工业区88号"));
    }

    #[test]
    fn dice_counts_shared_character_pairs() {
        assert_eq!(dice("宏鼎鞋业", "宏鼎鞋业"), 1.0);
        // 宏鼎 鼎鞋 鞋业 against 宏鼎 鼎鞋 鞋业 业研 研发 发中 中心: 3 shared of 3 + 7.
        assert!((dice("宏鼎鞋业", "宏鼎鞋业研发中心") - 0.6).abs() < 1e-9);
        assert_eq!(dice("瓯江", "光电"), 0.0);
    }
}
