//! The one error type of every handler, and its `application/problem+json` form (RFC 9457).
//!
//! [`ApiError::parts`] is the single table from error to HTTP status, stable code and title.
//! Caller mistakes carry an `errors` array with one entry per failed check; our own failures are
//! logged in full and reach the client only as a generic `internal_error`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details object (RFC 9457) with our stable `code` and per-field `errors`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:visitmatch:problem:invalid_query_parameter",
    "title": "A query parameter is invalid",
    "status": 400,
    "detail": "limit: must be a whole number between 1 and 100, got `500`",
    "code": "invalid_query_parameter",
    "errors": [{"field": "limit", "code": "invalid_value", "message": "must be a whole number between 1 and 100, got `500`"}]
}))]
pub struct Problem {
    /// A URI naming the problem type: `urn:visitmatch:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type; the same for every occurrence.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a human.
    pub detail: String,
    /// The request path, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable machine-readable code (see the table in `api/error.rs`).
    pub code: String,
    /// One entry per failed check, naming the field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On a refused import: each industry label the taxonomy does not know, with the lines that
    /// use it and a proposed industry (accept them with `accept_suggestions=true`, or correct
    /// them with `map`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_labels: Vec<crate::app::import::UnknownLabel>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: query parameters failed validation.
    #[error("invalid query parameters")]
    InvalidQuery(Vec<FieldError>),
    /// 400: a path parameter is malformed.
    #[error("invalid path parameter")]
    InvalidPath(FieldError),
    /// 400: the body is not valid JSON.
    #[error("malformed JSON body: {0}")]
    MalformedJson(String),
    /// 400: an uploaded CSV or Parquet body cannot be read.
    #[error("unreadable body: {0}")]
    UnreadableBody(String),
    /// 422: the body is JSON but fails validation.
    #[error("invalid request body")]
    InvalidBody(Vec<FieldError>),
    /// 422: the body is valid but the request cannot be met.
    #[error("the request cannot be met")]
    Infeasible(Vec<FieldError>),
    /// A review decision that does not apply to the base's status now.
    #[error("{}", .0.message)]
    ReviewNotApplicable(FieldError),
    /// 422: an import's records are invalid; the unknown industry labels are gathered.
    #[error("the import's records are invalid")]
    InvalidImport {
        /// Every failed check.
        errors: Vec<FieldError>,
        /// The unknown industry labels, one entry a label.
        unknown_labels: Vec<crate::app::import::UnknownLabel>,
    },
    /// 415: the body's media type is not one this route reads (the accepted ones are named).
    #[error("the body must be {0}")]
    UnsupportedMediaType(&'static str),
    /// 413: the body is too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 404: no visible base with this id.
    #[error("no base with id `{0}`")]
    BaseNotFound(String),
    /// 404: no evaluation job with this id.
    #[error("no evaluation job `{0}`")]
    JobNotFound(String),
    /// 409: the job has not finished.
    #[error("evaluation job `{0}` is {1}, not done")]
    JobNotDone(String, &'static str),
    /// 404: no visit record with this id.
    #[error("no visit with id `{0}`")]
    VisitNotFound(String),
    /// 404: no trip application with this id.
    #[error("no trip application with id `{0}`")]
    TripNotFound(String),
    /// 403: an approver deciding on their own application.
    #[error("`{0}` is your own application; another approver signs it off")]
    OwnApplication(String),
    /// 403: someone other than the applicant changing, submitting or reporting on it.
    #[error("only the applicant ({applicant}) may {what} `{id}`")]
    NotApplicant {
        /// The application.
        id: String,
        /// The applicant's username.
        applicant: String,
        /// The step refused.
        what: String,
    },
    /// 403: a trip step taken with a script's token.
    #[error("trip applications are filed, signed off and reported by a person: sign in on the page, or use a token issued to your staff account")]
    PersonRequired,
    /// 409: a step the application's status or applicant does not allow.
    #[error("{}", .0.message)]
    TripStepNotApplicable(FieldError),
    /// 404: no outbound route with this id.
    #[error("no outbound route with id `{0}`")]
    OutboundRouteNotFound(String),
    /// 409: an outbound route with this id exists.
    #[error("an outbound route with id `{0}` exists already; change it with PUT")]
    OutboundRouteExists(String),
    /// 404: no token with this id.
    #[error("no token with id `{0}`")]
    TokenNotFound(String),
    /// 401: the route needs a signed-in person or a bearer token and neither was sent.
    #[error("this request needs you to sign in (POST /v1/session) or a bearer token (Authorization: Bearer …), with the `{}` role or higher", .0.code())]
    Unauthenticated(crate::access::Role),
    /// 401: nobody is signed in on this browser.
    #[error("nobody is signed in; sign in with POST /v1/session")]
    NotSignedIn,
    /// 401: the session cookie names a session that ended (signed out, idle too long, past its
    /// end, or its account disabled). The answer clears the cookie.
    #[error("your session has ended; sign in again")]
    SessionExpired,
    /// 403: a change sent with the session cookie lacks the session's CSRF token.
    #[error("a change made with a session must carry the session's X-CSRF-Token header (reload the page)")]
    CsrfRejected,
    /// 401: the username or the password is wrong (which one is never said).
    #[error("the username or the password is wrong")]
    SignInFailed,
    /// 429: too many failed sign-ins for this name or from this address; retry after the
    /// seconds given.
    #[error("too many failed sign-ins; try again in {} minute(s)", .0.div_ceil(60))]
    TooManySignIns(u64),
    /// 401: the bearer token is malformed, unknown or revoked.
    #[error("the bearer token is malformed, unknown or revoked")]
    InvalidToken,
    /// 403: the token's role is too low.
    #[error("this request needs the `{}` role or higher; the caller has `{}`", needed.code(), has.code())]
    Forbidden {
        /// The role the route needs.
        needed: crate::access::Role,
        /// The caller's role.
        has: crate::access::Role,
    },
    /// 409: a base with this id exists.
    #[error("a base with id `{0}` exists already; change it with PUT or PATCH")]
    BaseExists(String),
    /// 412: the resource changed since the caller read it.
    #[error("`{id}` has changed since it was read; its ETag is now {current}. Read it again, reapply the change, and retry with the new ETag")]
    PreconditionFailed {
        /// The base or visit id.
        id: String,
        /// Its current ETag, also sent in the `ETag` header.
        current: String,
    },
    /// 428: a change needs `If-Match`.
    #[error("changing an existing record needs an If-Match header with the ETag it was read with (GET it first)")]
    PreconditionRequired,
    /// 503: the request took longer than the server allows.
    #[error("the request took longer than {0} s and was stopped; narrow it or retry")]
    Timeout(u64),
    /// 404: no endpoint at this path.
    #[error("no route for {0}")]
    PathNotFound(String),
    /// 405: the route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 503: every permit for heavy requests is in use; retry shortly.
    #[error("the server is busy with other plans or evaluations; retry in a moment")]
    Busy,
    /// 500: our fault; details are logged, not returned.
    #[error("internal error: {0}")]
    Internal(String),
    /// A request the HTTP layer could not take (a request line or headers too long, bytes that
    /// are not HTTP, a path that is not UTF-8), answered with its own status.
    #[error("{}", protocol_detail(*.0))]
    Protocol(StatusCode),
}

fn protocol_detail(status: StatusCode) -> &'static str {
    match status.as_u16() {
        414 => "the request line is too long; send long inputs in a JSON body (e.g. POST /v1/bases/search)",
        431 => "the request headers are too large",
        413 => "the request body is too large",
        404 => "there is no such resource; see /docs",
        405 => "this method is not allowed here; see /docs",
        _ => "the request could not be read as HTTP, or a part of it (such as the path) is not valid UTF-8",
    }
}

impl ApiError {
    /// The table: status, stable code and title of each error.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "invalid_query_parameter", "A query parameter is invalid"),
            ApiError::InvalidPath(_) => (StatusCode::BAD_REQUEST, "invalid_path_parameter", "A path parameter is invalid"),
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid JSON"),
            ApiError::UnreadableBody(_) => (StatusCode::BAD_REQUEST, "unreadable_body", "The uploaded table cannot be read"),
            ApiError::InvalidBody(_) | ApiError::InvalidImport { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", "The request body is invalid")
            }
            ApiError::Infeasible(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "itinerary_infeasible", "The itinerary cannot be planned as asked")
            }
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "The request body's media type is not accepted here")
            }
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large"),
            ApiError::BaseNotFound(_) => (StatusCode::NOT_FOUND, "base_not_found", "No such base"),
            ApiError::PathNotFound(_) => (StatusCode::NOT_FOUND, "route_not_found", "No such route"),
            ApiError::JobNotFound(_) => (StatusCode::NOT_FOUND, "job_not_found", "No such evaluation job"),
            ApiError::JobNotDone(..) => (StatusCode::CONFLICT, "job_not_done", "The evaluation job has not finished"),
            ApiError::VisitNotFound(_) => (StatusCode::NOT_FOUND, "visit_not_found", "No such visit"),
            ApiError::TripNotFound(_) => (StatusCode::NOT_FOUND, "trip_not_found", "No such trip application"),
            ApiError::OwnApplication(_) => (StatusCode::FORBIDDEN, "own_application", "Nobody signs off an application of their own"),
            ApiError::NotApplicant { .. } => (StatusCode::FORBIDDEN, "not_applicant", "Only the applicant takes this step"),
            ApiError::PersonRequired => (StatusCode::FORBIDDEN, "person_required", "This step is a person's, not a script token's"),
            ApiError::TripStepNotApplicable(_) => {
                (StatusCode::CONFLICT, "trip_step_not_applicable", "The step does not apply to the application as it stands")
            }
            ApiError::TokenNotFound(_) => (StatusCode::NOT_FOUND, "token_not_found", "No such token"),
            ApiError::OutboundRouteNotFound(_) => (StatusCode::NOT_FOUND, "outbound_route_not_found", "No such outbound route"),
            ApiError::OutboundRouteExists(_) => (StatusCode::CONFLICT, "outbound_route_exists", "An outbound route with this id exists"),
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated", "Sign-in or a bearer token is required"),
            ApiError::NotSignedIn => (StatusCode::UNAUTHORIZED, "not_signed_in", "Nobody is signed in"),
            ApiError::SessionExpired => (StatusCode::UNAUTHORIZED, "session_expired", "The session has ended"),
            ApiError::CsrfRejected => (StatusCode::FORBIDDEN, "csrf_rejected", "The CSRF token is missing or wrong"),
            ApiError::SignInFailed => (StatusCode::UNAUTHORIZED, "sign_in_failed", "Wrong username or password"),
            ApiError::TooManySignIns(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_sign_ins", "Too many failed sign-ins"),
            ApiError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token", "The bearer token is not valid"),
            ApiError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden", "The caller's role does not allow this"),
            ApiError::BaseExists(_) => (StatusCode::CONFLICT, "base_exists", "A base with this id exists"),
            ApiError::ReviewNotApplicable(_) => {
                (StatusCode::CONFLICT, "review_not_applicable", "The decision does not apply to the base's status")
            }
            ApiError::PreconditionFailed { .. } => {
                (StatusCode::PRECONDITION_FAILED, "precondition_failed", "The record has changed since it was read")
            }
            ApiError::PreconditionRequired => (StatusCode::PRECONDITION_REQUIRED, "precondition_required", "If-Match is required"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "request_timeout", "The request took too long"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed on this route"),
            ApiError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "server_busy", "The server is busy"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"),
            ApiError::Protocol(status) => match status.as_u16() {
                414 => (*status, "uri_too_long", "The request line is too long"),
                431 => (*status, "headers_too_large", "The request headers are too large"),
                413 => (*status, "payload_too_large", "The request body is too large"),
                404 => (*status, "route_not_found", "No such route"),
                405 => (*status, "method_not_allowed", "Method not allowed on this route"),
                500..=599 => (*status, "internal_error", "Internal server error"),
                _ => (StatusCode::BAD_REQUEST, "bad_request", "The request could not be read"),
            },
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.parts();
        let (detail, errors) = match self {
            ApiError::InvalidQuery(errors) | ApiError::InvalidBody(errors) | ApiError::Infeasible(errors) | ApiError::InvalidImport { errors, .. } => {
                (join(errors), errors.clone())
            }
            ApiError::InvalidPath(error) | ApiError::ReviewNotApplicable(error) | ApiError::TripStepNotApplicable(error) => {
                (format!("{}: {}", error.field, error.message), vec![error.clone()])
            }
            ApiError::MalformedJson(message) | ApiError::UnreadableBody(message) => (message.clone(), Vec::new()),
            ApiError::BaseNotFound(id) => (format!("there is no base with id `{id}`"), Vec::new()),
            ApiError::PathNotFound(path) => (format!("there is no route {path}; see /docs"), Vec::new()),
            ApiError::Internal(_) => ("the server failed; the error has been logged".to_string(), Vec::new()),
            other => (other.to_string(), Vec::new()),
        };
        Problem {
            problem_type: format!("urn:visitmatch:problem:{code}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            instance: match self {
                ApiError::PathNotFound(path) => Some(path.clone()),
                _ => None,
            },
            code: code.to_string(),
            errors,
            unknown_labels: match self {
                ApiError::InvalidImport { unknown_labels, .. } => unknown_labels.clone(),
                _ => Vec::new(),
            },
        }
    }
}

fn join(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

impl From<crate::Error> for ApiError {
    fn from(error: crate::Error) -> Self {
        match error {
            crate::Error::BaseNotFound(id) => ApiError::BaseNotFound(id),
            crate::Error::Invalid(errors) => ApiError::InvalidBody(errors),
            crate::Error::Infeasible(errors) => ApiError::Infeasible(errors),
            crate::Error::VisitNotFound(id) => ApiError::VisitNotFound(id),
            crate::Error::TripNotFound(id) => ApiError::TripNotFound(id),
            crate::Error::OwnApplication(id) => ApiError::OwnApplication(id),
            crate::Error::NotApplicant { id, applicant, what } => ApiError::NotApplicant { id, applicant, what },
            crate::Error::PersonRequired => ApiError::PersonRequired,
            crate::Error::TripStepNotApplicable(error) => ApiError::TripStepNotApplicable(error),
            crate::Error::TokenNotFound(id) => ApiError::TokenNotFound(id),
            crate::Error::OutboundRouteNotFound(id) => ApiError::OutboundRouteNotFound(id),
            crate::Error::OutboundRouteExists(id) => ApiError::OutboundRouteExists(id),
            crate::Error::BaseExists(id) => ApiError::BaseExists(id),
            crate::Error::PreconditionFailed { id, current } => ApiError::PreconditionFailed { id, current },
            crate::Error::ReviewNotApplicable(error) => ApiError::ReviewNotApplicable(error),
            crate::Error::Unreadable(message) => ApiError::UnreadableBody(message),
            crate::Error::MalformedJson(message) => ApiError::MalformedJson(message),
            other => ApiError::Internal(format!("{other:#}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(message) = &self {
            tracing::error!(error = %message, "request failed");
        }
        let problem = self.problem();
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        let headers = response.headers_mut();
        match &self {
            ApiError::Busy | ApiError::Timeout(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ApiError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"visitmatch\""));
            }
            ApiError::TooManySignIns(seconds) => {
                if let Ok(value) = HeaderValue::from_str(&seconds.max(&1).to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            ApiError::SessionExpired => {
                if let Ok(value) = HeaderValue::from_str(&crate::access::staff::cleared_cookie()) {
                    headers.insert(header::SET_COOKIE, value);
                }
            }
            ApiError::InvalidToken => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"visitmatch\", error=\"invalid_token\""));
            }
            ApiError::PreconditionFailed { current, .. } => {
                if let Ok(value) = HeaderValue::from_str(current) {
                    headers.insert(header::ETAG, value);
                }
            }
            _ => {}
        }
        response
    }
}
