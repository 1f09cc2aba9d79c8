//! Extractors whose failures come back as problem documents, not axum's plain-text rejections.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::path::ParameterIn;
use utoipa::IntoParams;

use super::error::ApiError;
use super::AppState;
use crate::app::BaseLibrary;
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
            let (path, message) = match detail.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => (Some(path), message),
                _ => (None, detail),
            };
            // A missing field is named itself, under the path of the object that lacks it.
            let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(name, _)| name);
            if let Some(name) = missing {
                let field = path.map_or(name.to_string(), |path| format!("{path}.{name}"));
                return ApiError::InvalidBody(vec![FieldError::new(&field, FieldCode::MissingField, "is required")]);
            }
            ApiError::InvalidBody(vec![FieldError::new(path.unwrap_or("(body)"), FieldCode::InvalidValue, message)])
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
fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The query parameters of one route: a struct that documents them (`IntoParams`, so the
/// OpenAPI document and the parser share one list of names) and reads them (`Deserialize`,
/// every field optional or defaulted), with the checks its values must pass.
pub trait QueryParams: DeserializeOwned + IntoParams {
    /// Parameters that take comma-separated values and may be repeated (their values are
    /// joined); any other parameter may be given once.
    const LISTS: &'static [&'static str] = &[];

    /// Every value that reads but is out of range or unknown to the reference data.
    fn check(&self, _library: &BaseLibrary) -> Vec<FieldError> {
        Vec::new()
    }
}

/// Most problems listed for one query string; past it, one line says the rest were not read.
const MAX_QUERY_ERRORS: usize = 50;

/// Query parameters read into `T`: an unknown, repeated, unreadable or failing parameter is a
/// 400 `invalid_query_parameter` listing every one of them with its name.
pub struct Params<T>(pub T);

impl<T: QueryParams> FromRequestParts<AppState> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (params, mut errors) = read_params::<T>(parts.uri.query())?;
        errors.extend(params.check(&state.library));
        if errors.is_empty() { Ok(Params(params)) } else { Err(ApiError::InvalidQuery(errors)) }
    }
}

/// Reads `raw` into `T` from the parameters that read, beside a failure for every unknown,
/// repeated or unreadable one (so the values that did read can still be checked).
pub fn read_params<T: QueryParams>(raw: Option<&str>) -> Result<(T, Vec<FieldError>), ApiError> {
    let names: Vec<String> = T::into_params(|| Some(ParameterIn::Query)).into_iter().map(|parameter| parameter.name).collect();
    let mut errors = Vec::new();
    let mut given: Vec<(String, String)> = Vec::new();
    for (name, value) in query_pairs(raw) {
        if errors.len() >= MAX_QUERY_ERRORS {
            errors.push(FieldError::new("(query)", FieldCode::TooManyErrors, format!("more than {MAX_QUERY_ERRORS} parameters are wrong; the rest were not read")));
            break;
        }
        // Values are read as written, less the spaces around them (`limit= 5`).
        let value = value.trim().to_string();
        if !names.contains(&name) {
            errors.push(FieldError::new(&name, FieldCode::UnknownParameter, format!("is not a parameter of this route; use {}", names.join(", "))));
            continue;
        }
        // Each value is read on its own as it comes, so every unreadable one is named in order.
        if let Err(error) = decode::<T>(&[(name.clone(), value.clone())]) {
            errors.push(FieldError::new(&name, FieldCode::InvalidValue, unreadable(&value, &error)));
            continue;
        }
        match given.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, joined)) if T::LISTS.contains(&name.as_str()) => {
                joined.push(',');
                joined.push_str(&value);
            }
            Some(_) => errors.push(FieldError::new(&name, FieldCode::InvalidValue, "is given more than once")),
            None => given.push((name, value)),
        }
    }
    // Every pair in `given` read on its own, so together they read too; failing here is our bug.
    let params = decode::<T>(&given).map_err(|error| ApiError::Internal(format!("query parameters that read one by one fail together: {error}")))?;
    Ok((params, errors))
}

fn decode<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, serde_urlencoded::de::Error> {
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    serde_urlencoded::from_str(&encoded)
}

/// Why a value could not be read, in words: numbers and enumerations are the usual cases.
fn unreadable(value: &str, error: &serde_urlencoded::de::Error) -> String {
    let text = error.to_string();
    if text.contains("invalid digit") || text.contains("too large") || text.contains("too small") || text.contains("empty string") {
        format!("must be a whole number, got `{value}`")
    } else if let Some((_, expected)) = text.split_once("expected ") {
        format!("`{value}` is not one of {}", expected.trim_start_matches("one of ").replace('`', ""))
    } else {
        format!("`{value}` cannot be read: {text}")
    }
}

/// A parameter of comma-separated values (`division=lucheng,ouhai`), blanks dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommaList(pub Vec<String>);

impl<'de> Deserialize<'de> for CommaList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(CommaList(text.split(',').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, IntoParams)]
    #[into_params(parameter_in = Query)]
    struct Sample {
        #[serde(default)]
        #[param(value_type = Option<String>)]
        tags: CommaList,
        limit: Option<u32>,
        order: Option<Order>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
        Random,
    }

    impl QueryParams for Sample {
        const LISTS: &'static [&'static str] = &["tags"];
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, FieldCode)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    #[test]
    fn lists_join_across_repeats_and_scalars_read_typed() {
        let (sample, errors) = read_params::<Sample>(Some("tags=a,%20b&limit=7&tags=c,,&order=desc")).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(sample.tags.0, vec!["a", "b", "c"]);
        assert_eq!(sample.limit, Some(7));
        assert_eq!(sample.order, Some(Order::Desc));
        let (empty, errors) = read_params::<Sample>(None).unwrap();
        assert!(errors.is_empty() && empty.tags.0.is_empty() && empty.limit.is_none());
    }

    #[test]
    fn every_bad_parameter_is_named_in_order_and_the_good_ones_kept() {
        let (sample, errors) = read_params::<Sample>(Some("limit=ten&colour=red&order=sideways&tags=x&limit=3&limit=4")).unwrap();
        assert_eq!(
            fields(&errors),
            vec![
                ("limit", FieldCode::InvalidValue),
                ("colour", FieldCode::UnknownParameter),
                ("order", FieldCode::InvalidValue),
                ("limit", FieldCode::InvalidValue),
            ]
        );
        assert_eq!(errors[0].message, "must be a whole number, got `ten`");
        assert!(errors[1].message.contains("tags, limit, order"), "{}", errors[1].message);
        assert_eq!(errors[2].message, "`sideways` is not one of asc, desc, random");
        assert_eq!(errors[3].message, "is given more than once");
        assert_eq!((sample.tags.0, sample.limit), (vec!["x".to_string()], Some(3)));
    }

    #[test]
    fn a_flood_of_bad_parameters_is_cut_short() {
        let raw = vec!["x=1"; 10_000].join("&");
        let (_, errors) = read_params::<Sample>(Some(&raw)).unwrap();
        assert_eq!(errors.len(), MAX_QUERY_ERRORS + 1);
        assert_eq!(errors.last().map(|e| e.code), Some(FieldCode::TooManyErrors));
        let (spaced, errors) = read_params::<Sample>(Some("limit=%205%20")).unwrap();
        assert!(errors.is_empty() && spaced.limit == Some(5), "{errors:?}");
    }
}
