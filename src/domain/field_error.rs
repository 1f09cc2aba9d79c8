//! One failed check on one field, the currency of every validation in the crate: a file's
//! record, a request body, a query string. The API lists them in problem+json, the command
//! line prints them with their line, and both read [`FieldCode`] as a stable code.

use serde::Serialize;
use utoipa::ToSchema;

/// What kind of failure a field error is; serialised as its snake_case code, which clients
/// may rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldCode {
    /// A required field is absent.
    MissingField,
    /// A field has the wrong JSON type.
    InvalidType,
    /// A field's value is not allowed (out of range, unknown code, malformed).
    InvalidValue,
    /// A field the record or body does not have.
    UnknownField,
    /// An id that appears twice in one input.
    DuplicateId,
    /// A line or record that cannot be read at all.
    MalformedRecord,
    /// A required column of a table is absent.
    MissingColumn,
    /// A column the table does not have.
    UnknownColumn,
    /// More columns than the table can have.
    TooManyColumns,
    /// A list longer than its limit.
    TooMany,
    /// A text longer than its limit.
    TooLong,
    /// More problems than are listed; the rest are counted.
    TooManyErrors,
    /// A base id that names no base the caller may see.
    UnknownBase,
    /// A query parameter the route does not have.
    UnknownParameter,
    /// An outbound route id that names no route.
    UnknownRoute,
    /// A valid request that cannot be planned as asked.
    ItineraryInfeasible,
    /// An export that needs calendar dates where the profile gave weekdays.
    DatesRequired,
}

impl FieldCode {
    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldCode::MissingField => "missing_field",
            FieldCode::InvalidType => "invalid_type",
            FieldCode::InvalidValue => "invalid_value",
            FieldCode::UnknownField => "unknown_field",
            FieldCode::DuplicateId => "duplicate_id",
            FieldCode::MalformedRecord => "malformed_record",
            FieldCode::MissingColumn => "missing_column",
            FieldCode::UnknownColumn => "unknown_column",
            FieldCode::TooManyColumns => "too_many_columns",
            FieldCode::TooMany => "too_many",
            FieldCode::TooLong => "too_long",
            FieldCode::TooManyErrors => "too_many_errors",
            FieldCode::UnknownBase => "unknown_base",
            FieldCode::UnknownParameter => "unknown_parameter",
            FieldCode::UnknownRoute => "unknown_route",
            FieldCode::ItineraryInfeasible => "itinerary_infeasible",
            FieldCode::DatesRequired => "dates_required",
        }
    }
}

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed check on one field of one record or request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The record's line in the input file (1-based), when the record came from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The field at fault, e.g. `lat` or `opening_hours`; `(record)` for the whole record.
    pub field: String,
    /// Stable code of the failure.
    pub code: FieldCode,
    /// What is wrong, for a human.
    pub message: String,
    /// The value at fault, when it is a label that names nothing known (so that a client can
    /// gather every use of one unknown label).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// In a spreadsheet, the column at fault as the sheet shows it: its letter and its header as
    /// written (`D 产业类型`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl FieldError {
    /// A failure of `field` with `code`.
    pub fn new(field: &str, code: FieldCode, message: impl Into<String>) -> FieldError {
        FieldError { line: None, field: field.to_string(), code, message: message.into(), value: None, column: None }
    }

    /// The same failure, naming the value at fault.
    pub fn with_value(mut self, value: &str) -> FieldError {
        self.value = Some(value.to_string());
        self
    }

    /// The same failure, placed at `line`.
    pub fn at_line(mut self, line: usize) -> FieldError {
        self.line = Some(line);
        self
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}, ")?;
        }
        match &self.column {
            Some(column) => write!(f, "column {column}: {} [{}]", self.message, self.code),
            None => write!(f, "field `{}`: {} [{}]", self.field, self.message, self.code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_stable_names() {
        for code in [FieldCode::MissingField, FieldCode::TooManyColumns, FieldCode::ItineraryInfeasible] {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::Value::String(code.as_str().into()));
        }
    }
}
