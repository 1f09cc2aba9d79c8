//! Plain data of the two libraries and of a delegation: no I/O, no HTTP, no index.
//!
//! Everything else in the crate speaks these types. Values here are already valid: the
//! constructors and parsers in this module and the catalog's record validation are the only way
//! in, so a `ExchangeBase` found anywhere in the program has passed every check.

mod base;
mod calendar;
mod delegation;
mod division;
mod field_error;
pub mod geo;
mod hours;
mod keys;
mod meals;
pub mod labels;
mod outbound;
mod relations;
mod screening;
mod taxonomy;
mod trip;
mod visit;

pub use calendar::{CalendarDay, CalendarNote, CalendarNoteKind, Holiday, HolidayCalendar};
pub use base::{BaseKind, BaseSize, Contact, ExchangeBase, Location, PhotoPolicy};
pub use delegation::{DelegationProfile, Hotel, OrganisationType, VisitDays};
pub use division::{Cluster, Division, DivisionKind, DivisionRegistry};
pub use field_error::{FieldCode, FieldError};
pub use keys::base_key;
pub use meals::{diets_text, serves, Diet};
pub use labels::{diet_labels, kind_labels, language_labels, propose_industry, split_list, status_labels, LabelError, LabelMapping, Labels};
pub use screening::{BaseStatus, ReviewDecision, Screening, MAX_REVIEW_NOTE_CHARS};
pub use outbound::{check_theme, OutboundRoute, PlannedStop, RouteStop, RouteTask, ROUTE_THEMES};
pub use trip::{BudgetLine, FlagAnswer, ReviewFlag, TaskOutcome, TaskResult, TripDecision, TripEvent, TripInput, TripMember, TripRecord, TripReport, TripStatus};
pub use relations::{Concept, Country, DiasporaLink, Region, Relations, SisterCity};
pub use hours::{ClockTime, OpeningHours, TimeRange, Weekday};
pub use taxonomy::{IndustryNode, Taxonomy, TaxonomyMatch, Theme};
pub use visit::{VisitInput, VisitOutcome, VisitRecord, VisitStatus};

/// ISO 639-1 language code in lower case, e.g. `zh`, `en`, `it`.
pub type LanguageCode = String;

/// Stable identifier of an exchange base: lower-case ASCII letters, digits and `-`, at most 64
/// characters (for example `lucheng-001`).
pub type BaseId = String;

/// Languages the office supports for guides and interpreters (DOMAIN.md §5).
pub const SUPPORTED_LANGUAGES: &[&str] = &[
    "zh", "en", "it", "es", "fr", "de", "ja", "ko", "pt", "ms", "id", "th", "vi", "ar", "nl", "ru",
];

/// Whether `id` is a well-formed [`BaseId`].
pub fn is_valid_base_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}
