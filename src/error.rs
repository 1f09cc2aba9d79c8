//! The crate's error type: caller mistakes and our own failures, kept apart.

use crate::catalog::{StoreError};
use crate::domain::FieldError;
use crate::search::IndexError;

/// Everything that can go wrong in the library.
///
/// [`Error::Invalid`] and [`Error::BaseNotFound`] are the caller's doing and carry enough detail to fix
/// the input; the other variants are ours (storage, index, file system) and are reported to
/// HTTP clients only as a generic internal error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input failed validation; every failed check is listed.
    #[error("{} invalid field(s): {}", .0.len(), summarize(.0))]
    Invalid(Vec<FieldError>),
    /// A valid request that cannot be met (a must-visit base that cannot fit); every
    /// conflict is listed with the field that causes it.
    #[error("cannot be planned: {}", summarize(.0))]
    Infeasible(Vec<FieldError>),
    /// A base that does not exist (or is not visible to the caller).
    #[error("no base with id `{0}`")]
    BaseNotFound(String),
    /// A visit record that does not exist.
    #[error("no visit with id `{0}`")]
    VisitNotFound(String),
    /// A trip application that does not exist.
    #[error("no trip application with id `{0}`")]
    TripNotFound(String),
    /// An approver deciding on their own application.
    #[error("`{0}` is your own application; another approver signs it off")]
    OwnApplication(String),
    /// Someone other than the applicant changing, submitting or reporting on an application.
    #[error("only the applicant ({applicant}) may {what} `{id}`")]
    NotApplicant {
        /// The application.
        id: String,
        /// The applicant's username.
        applicant: String,
        /// The step refused (`revise`, `submit`, `report on`).
        what: String,
    },
    /// A trip step taken with a script's token rather than by a person.
    #[error("trip applications are filed, signed off and reported by a person: sign in on the page, or use a token issued to your staff account")]
    PersonRequired,
    /// A step the application's status or applicant does not allow; the field says which.
    #[error("{}", .0.message)]
    TripStepNotApplicable(FieldError),
    /// A token that does not exist.
    #[error("no token with id `{0}`")]
    TokenNotFound(String),
    /// No staff account with this username.
    #[error("no user named `{0}`")]
    UserNotFound(String),
    /// An outbound route that does not exist.
    #[error("no outbound route with id `{0}`")]
    OutboundRouteNotFound(String),
    /// A new route's id is taken.
    #[error("an outbound route with id `{0}` exists already")]
    OutboundRouteExists(String),
    /// A new base's id is taken.
    #[error("a base with id `{0}` exists already")]
    BaseExists(String),
    /// A review decision that does not apply to the base's status; the field is `decision`.
    #[error("{}", .0.message)]
    ReviewNotApplicable(FieldError),
    /// A conditional write whose `If-Match` no longer names the current version.
    #[error("`{id}` has changed since it was read; its ETag is now {current}")]
    PreconditionFailed {
        /// The base or visit id.
        id: String,
        /// Its current ETag.
        current: String,
    },
    /// An uploaded or given file that cannot be read at all (not CSV, not Parquet, over a size
    /// limit once unpacked).
    #[error("the input cannot be read: {0}")]
    Unreadable(String),
    /// A JSON input that does not parse.
    #[error("the input is not valid JSON: {0}")]
    MalformedJson(String),
    /// One of our own checks failed: a bug, never the caller's doing (500, not 422).
    #[error("internal check failed: {0}")]
    Internal(String),
    /// The work was stopped before it finished: its request was abandoned, it was cancelled,
    /// or the server is shutting down.
    #[error("the work was cancelled before it finished")]
    Cancelled,
    /// The catalog database failed.
    #[error(transparent)]
    Store(StoreError),
    /// The search index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the caller caused this error (as opposed to a failure on our side).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_)
                | Error::Infeasible(_)
                | Error::BaseNotFound(_)
                | Error::VisitNotFound(_)
                | Error::TripNotFound(_)
                | Error::OwnApplication(_)
                | Error::NotApplicant { .. }
                | Error::PersonRequired
                | Error::TripStepNotApplicable(_)
                | Error::TokenNotFound(_)
                | Error::UserNotFound(_)
                | Error::OutboundRouteNotFound(_)
                | Error::Unreadable(_)
                | Error::MalformedJson(_)
                | Error::OutboundRouteExists(_)
                | Error::BaseExists(_)
                | Error::PreconditionFailed { .. }
                | Error::ReviewNotApplicable(_)
        )
    }
}

impl From<StoreError> for Error {
    /// The store's refusals of a write are the caller's doing; the rest are failures of ours.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::BaseExists(id) => Error::BaseExists(id),
            StoreError::BaseMissing(id) => Error::BaseNotFound(id),
            StoreError::VisitMissing(id) => Error::VisitNotFound(id),
            StoreError::TripMissing(id) => Error::TripNotFound(id),
            StoreError::OutboundRouteMissing(id) => Error::OutboundRouteNotFound(id),
            StoreError::OutboundRouteExists(id) => Error::OutboundRouteExists(id),
            StoreError::EtagMismatch { id, current } => Error::PreconditionFailed { id, current },
            StoreError::StatusChange { message, .. } => {
                Error::Invalid(vec![FieldError::new("status", crate::domain::FieldCode::InvalidValue, message)])
            }
            StoreError::ReviewNotApplicable { message, .. } => {
                Error::ReviewNotApplicable(FieldError::new("decision", crate::domain::FieldCode::InvalidValue, message))
            }
            other => Error::Store(other),
        }
    }
}

fn summarize(errors: &[FieldError]) -> String {
    let shown: Vec<String> = errors.iter().take(3).map(ToString::to_string).collect();
    let more = errors.len().saturating_sub(3);
    if more > 0 { format!("{}; and {more} more", shown.join("; ")) } else { shown.join("; ") }
}
