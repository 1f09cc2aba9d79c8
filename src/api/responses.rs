//! The problem answers many routes share, declared once for the OpenAPI document: a route lists
//! `TokenRequired` where it would repeat the status, description, body and media type. Each is
//! the same `Problem` body that [`super::error::ApiError`] writes.

use utoipa::IntoResponses;

use super::error::Problem;

/// 400 for a body that does not parse.
#[derive(IntoResponses)]
#[response(status = 400, description = "The body is not JSON", content_type = "application/problem+json")]
pub struct BodyNotJson(pub Problem);

/// 400 for a query parameter that is unknown, repeated, unreadable or out of range.
#[derive(IntoResponses)]
#[response(status = 400, description = "A parameter is invalid", content_type = "application/problem+json")]
pub struct ParameterInvalid(pub Problem);

/// 401 on a route open to anonymous callers, when a token is sent and is not valid.
#[derive(IntoResponses)]
#[response(status = 401, description = "The bearer token sent is not valid", content_type = "application/problem+json")]
pub struct TokenInvalid(pub Problem);

/// 401 on a route that needs a token.
#[derive(IntoResponses)]
#[response(status = 401, description = "Not signed in, or the token or session is not valid", content_type = "application/problem+json")]
pub struct TokenRequired(pub Problem);

/// 403 on an officers' route.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is a viewer", content_type = "application/problem+json")]
pub struct OfficerRequired(pub Problem);

/// 403 on a sign-off route.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is not an approver, uses a script's token (`person_required`), or the application is their own (`own_application`)", content_type = "application/problem+json")]
pub struct ApproverRequired(pub Problem);

/// 403 on filing a trip application.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is a viewer, or uses a script's token rather than their own (`person_required`)", content_type = "application/problem+json")]
pub struct PersonRequired(pub Problem);

/// 403 on the applicant's steps of a trip application.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is a viewer, uses a script's token (`person_required`), or is not the applicant (`not_applicant`)", content_type = "application/problem+json")]
pub struct ApplicantRequired(pub Problem);

/// 403 on an admins' route.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is not an admin", content_type = "application/problem+json")]
pub struct AdminRequired(pub Problem);

/// 415 for a body not declared as JSON.
#[derive(IntoResponses)]
#[response(status = 415, description = "The body is not declared as JSON", content_type = "application/problem+json")]
pub struct NotDeclaredJson(pub Problem);

/// 422 for a body whose fields fail their checks, each named.
#[derive(IntoResponses)]
#[response(status = 422, description = "Fields are invalid", content_type = "application/problem+json")]
pub struct FieldsInvalid(pub Problem);

/// 428 for a write without `If-Match`.
#[derive(IntoResponses)]
#[response(status = 428, description = "If-Match is missing", content_type = "application/problem+json")]
pub struct IfMatchMissing(pub Problem);

/// 503 when the heavy-work permits are taken.
#[derive(IntoResponses)]
#[response(
    status = 503,
    description = "Too many plans and evaluations at once (`server_busy`); retry after the `Retry-After` seconds",
    content_type = "application/problem+json"
)]
pub struct Busy(pub Problem);
