//! Extractors whose failures come back as problem documents, not axum's plain-text rejections.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::{FieldCode, FieldError};

/// `axum::Json`, but a malformed or invalid body becomes an [`ApiError`] naming the problem.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // axum reports the path of the bad value first: "Failed to deserialize …: limit: invalid type …".
            let text = error.body_text();
            let detail = text.split_once("target type: ").map_or(text.as_str(), |(_, rest)| rest);
            let (field, message) = match detail.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => (path.to_string(), message.to_string()),
                _ => ("(body)".to_string(), detail.to_string()),
            };
            ApiError::InvalidBody(vec![FieldError::new(&field, FieldCode::InvalidValue, message)])
        }
        JsonRejection::JsonSyntaxError(error) => ApiError::MalformedJson(error.body_text()),
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType("application/json"),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        other => ApiError::MalformedJson(other.body_text()),
    }
}

/// The `{id}` segment of a path, or a 400 naming `id` when it cannot be read.
pub fn path_id(path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>) -> Result<String, ApiError> {
    path.map(|axum::extract::Path(id)| id).map_err(|e| ApiError::InvalidPath(FieldError::new("id", FieldCode::InvalidValue, e.body_text())))
}

/// Splits a raw query string into decoded `(name, value)` pairs, in order.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Reads a request body of at most `limit` bytes: 413 `payload_too_large` past it, 400
/// `unreadable_body` when the connection fails. Handlers call it once the caller is known and
/// the cheap checks have passed, so nothing is buffered for a request that will be refused.
pub async fn read_body(body: axum::body::Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        // `to_bytes` reports the limit as a boxed `LengthLimitError`; its text is stable.
        let too_large = format!("{error:?}").contains("LengthLimitError") || error.to_string().contains("length limit");
        if too_large { ApiError::PayloadTooLarge } else { ApiError::UnreadableBody(format!("the body could not be read: {error}")) }
    })
}
