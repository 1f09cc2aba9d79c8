//! Changing the base library: `POST /v1/bases`, `PUT`, `PATCH` and `DELETE /v1/bases/{id}`, and
//! `POST /v1/bases/import` (all or nothing). Officers add, edit and import; removing a base and
//! replacing the whole library are an admin's ([`LibraryChange`]).
//!
//! Every change to an existing base is conditional: the request carries the `ETag` it read as
//! `If-Match`, and a base changed by someone else in between answers 412 with its new ETag
//! instead of being overwritten. Each change lands in SQLite with its audit entry in one
//! transaction and in the search index before the answer is sent.

use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bases::{base_id_from_path, created, with_etag};
use crate::app;
use crate::access::LibraryChange;
use crate::api::auth::{if_match, permit, Caller, Officer};
use crate::api::error::{ApiError, Problem};
use crate::api::responses::{AdminRequired, BodyNotJson, FieldsInvalid, IfMatchMissing, NotDeclaredJson, OfficerRequired, TokenRequired};
use crate::api::extract::{read_body, AppJson, CommaList, Params, QueryParams};
use crate::app::BaseLibrary;
use crate::domain::{FieldCode, FieldError};
use crate::api::{run_blocking, AppState};
use crate::app::import::{ImportFile, ImportOptions, ImportOutcome};
use crate::catalog::{RecordFormat, TextEncoding, WriteMode};
use crate::domain::ExchangeBase;


/// Largest bulk import body (a catalog of tens of thousands of bases).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_base))
        .routes(routes!(replace_base, patch_base, delete_base))
        .merge(OpenApiRouter::new().routes(routes!(import_bases)).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

/// A base record in the import format, exactly as a line of a JSON Lines import (README.md,
/// "Import schema"). It is read field by field so that every failing field is reported.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = BaseRecordFields)]
pub struct BaseRecord(pub serde_json::Map<String, serde_json::Value>);

/// The fields of a base record (documentation of [`BaseRecord`]; unknown fields are rejected).
#[derive(ToSchema)]
#[schema(example = json!({
    "id": "lucheng-901", "name_zh": "瓯江鞋履设计中心", "name_en": "Oujiang Footwear Design Centre",
    "kind": "enterprise", "industries": ["footwear"], "division": "lucheng",
    "address_zh": "温州市鹿城区双屿街道鞋都大道18号", "lat": 28.01, "lon": 120.6,
    "employees": 120, "needs": ["引进意大利鞋履设计人才"], "promotion_points": ["鞋履设计打样中心"],
    "description_zh": "专注鞋履设计与打样的创新平台。", "visit_minutes": 60,
    "opening_hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
    "max_group_size": 20, "guide_languages": ["zh", "en"], "restricted": false, "approval_required": false,
    "tags": ["鞋业"], "contact_name": "王主任", "contact_phone": "0577-88000000"
}))]
#[allow(dead_code)] // Describes the record for the OpenAPI document; records are read by `validate_record`.
struct BaseRecordFields {
    /// Stable id: `a-z`, `0-9`, `-`, at most 64 characters. Required on POST; on PUT it may be left out.
    id: Option<String>,
    /// Chinese name.
    name_zh: String,
    /// English name.
    name_en: Option<String>,
    /// `enterprise`, `industrial_park`, `university`, `school`, `research_institute`, `cultural_site`,
    /// `tourism_site`, `financial_institution`, `government_service` or `incubator`.
    kind: String,
    /// Industry codes of the taxonomy (`GET /v1/industries`).
    industries: Vec<String>,
    /// Division or functional-zone code (`GET /v1/divisions`).
    division: String,
    /// Street address in Chinese.
    address_zh: String,
    /// Street address in English.
    address_en: Option<String>,
    /// Latitude, WGS-84, inside Wenzhou (27.0–28.7).
    lat: f64,
    /// Longitude, WGS-84, inside Wenzhou (119.5–121.4).
    lon: f64,
    /// Employees.
    employees: Option<u32>,
    /// Floor area in m².
    floor_area_m2: Option<u32>,
    /// Annual revenue, million CNY.
    annual_revenue_million_cny: Option<f64>,
    /// Main needs (主要需求).
    needs: Option<Vec<String>>,
    /// Promotion points (推介要点).
    promotion_points: Option<Vec<String>>,
    /// Description in Chinese.
    description_zh: String,
    /// Description in English.
    description_en: Option<String>,
    /// Typical visit length, 10–480 minutes.
    visit_minutes: u16,
    /// `{"mon": ["08:30-11:30", "13:30-17:00"], …}` or the compact text `mon-fri 08:30-11:30,13:30-17:00`.
    #[schema(value_type = Object)]
    opening_hours: serde_json::Value,
    /// Dates closed although the weekday is open (`YYYY-MM-DD`).
    closed_dates: Option<Vec<String>>,
    /// Whether it receives visitors on public holidays; left out, as its kind usually does
    /// (cultural and tourism sites open, others closed).
    opens_on_holidays: Option<bool>,
    /// Largest group received at once, 1–2000.
    max_group_size: u16,
    /// Guide languages, ISO 639-1.
    guide_languages: Vec<String>,
    /// Not open to foreign visitors.
    restricted: Option<bool>,
    /// A visit needs prior approval.
    approval_required: Option<bool>,
    /// The last day the approval on file is valid (`YYYY-MM-DD`).
    approved_until: Option<String>,
    /// A visit needs the local authority's consent when the delegation stays elsewhere.
    needs_local_consent: Option<bool>,
    /// Diets it serves when hosting a group's meal (`regular`, `halal`, `kosher`, `vegetarian`, `vegan`,
    /// `no_pork`, `no_beef`, `gluten_free`, or 常规餐, 清真, 素食…); left out, it hosts no meals.
    meals: Option<Vec<String>>,
    /// `allowed`, `restricted` or `forbidden`.
    photo_policy: Option<String>,
    /// Which areas may be shown.
    open_scope: Option<String>,
    /// Free tags.
    tags: Option<Vec<String>>,
    /// Visit contact (internal).
    contact_name: Option<String>,
    /// Contact telephone (internal).
    contact_phone: Option<String>,
    /// Contact e-mail (internal).
    contact_email: Option<String>,
    /// Screening status: `candidate`, `active`, `rejected` or `suspended` (or 待审, 入库, 未通过,
    /// 停用). Left out, a new base is active and an existing one keeps its status; officers
    /// change it with `POST /v1/bases/{id}/review`.
    status: Option<String>,
    /// The division that submitted the base (a code or name).
    submitted_by: Option<String>,
    /// The last review note.
    review_note: Option<String>,
}

/// A JSON merge patch (RFC 7396) of a base record: the fields to change, `null` to remove one.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object, example = json!({"needs": ["引进意大利鞋履设计人才", "共建海外仓"], "max_group_size": 25}))]
pub struct BasePatch(pub serde_json::Value);

/// Add a base (officer).
///
/// The record is checked as a whole: every failing field is listed in the 422 answer and
/// nothing is written. The new base is searchable when the answer arrives.
#[utoipa::path(
    post, path = "/v1/bases", tag = "bases",
    request_body = BaseRecord,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ExchangeBase,
         headers(("ETag" = String, description = "Version of the base"), ("Location" = String, description = "URL of the base"))),
        BodyNotJson,
        TokenRequired,
        OfficerRequired,
        (status = 409, description = "A base with this id exists", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
    )
)]
async fn create_base(State(state): State<AppState>, Officer(actor): Officer, AppJson(record): AppJson<BaseRecord>) -> Result<Response, ApiError> {
    permit(&actor, LibraryChange::AddOrEdit)?;
    let library = state.library.clone();
    let (base, etag) = run_blocking(move || app::bases::create(&library, &record.0, &actor)).await??;
    Ok(created(&format!("/v1/bases/{}", base.id), &etag, base))
}

/// Replace a base (officer), if it has not changed since it was read.
///
/// Send the `ETag` of your last read as `If-Match`. The body is a whole record (its `id` may be
/// left out; if given it must be the path's).
#[utoipa::path(
    put, path = "/v1/bases/{id}", tag = "bases",
    params(
        ("id" = String, Path, description = "Base id", example = "lucheng-001"),
        ("If-Match" = String, Header, description = "The ETag the base was read with"),
    ),
    request_body = BaseRecord,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = ExchangeBase, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such base", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The base changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
    )
)]
async fn replace_base(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(record): AppJson<BaseRecord>,
) -> Result<Response, ApiError> {
    permit(&actor, LibraryChange::AddOrEdit)?;
    let id = base_id_from_path(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    let (base, etag) = run_blocking(move || app::bases::replace(&library, &id, record.0, &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(base)))
}

/// Change some fields of a base (officer), as a JSON merge patch (RFC 7396).
///
/// Fields in the patch replace the base's, `null` removes an optional field; the result is
/// checked as a whole record. Needs `If-Match`.
#[utoipa::path(
    patch, path = "/v1/bases/{id}", tag = "bases",
    params(
        ("id" = String, Path, description = "Base id", example = "lucheng-001"),
        ("If-Match" = String, Header, description = "The ETag the base was read with"),
    ),
    request_body(content = BasePatch, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Patched", body = ExchangeBase, headers(("ETag" = String, description = "New version"))),
        (status = 400, description = "Malformed id or body", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        OfficerRequired,
        (status = 404, description = "No such base", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The base changed since it was read", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        IfMatchMissing,
    )
)]
async fn patch_base(
    State(state): State<AppState>,
    Officer(actor): Officer,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    AppJson(BasePatch(patch)): AppJson<BasePatch>,
) -> Result<Response, ApiError> {
    permit(&actor, LibraryChange::AddOrEdit)?;
    let id = base_id_from_path(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    let (base, etag) = run_blocking(move || app::bases::patch(&library, &id, &patch, &expected, &actor)).await??;
    Ok(with_etag(&etag, Json(base)))
}

/// Remove a base (admin), if it has not changed since it was read. Needs `If-Match`.
#[utoipa::path(
    delete, path = "/v1/bases/{id}", tag = "bases",
    params(
        ("id" = String, Path, description = "Base id", example = "lucheng-001"),
        ("If-Match" = String, Header, description = "The ETag the base was read with"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        AdminRequired,
        (status = 404, description = "No such base", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The base changed since it was read", body = Problem, content_type = "application/problem+json"),
        IfMatchMissing,
    )
)]
async fn delete_base(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let actor = caller.require(LibraryChange::Delete.needs())?.clone();
    let id = base_id_from_path(path)?;
    let expected = if_match(&headers)?;
    let library = state.library.clone();
    run_blocking(move || app::bases::delete(&library, &id, &expected, &actor)).await??;
    Ok(StatusCode::NO_CONTENT)
}

/// Query parameters of `POST /v1/bases/import`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportParams {
    /// `upsert` (default) or `replace`
    #[param(value_type = Option<String>)]
    mode: Option<ImportMode>,
    /// `true`: check the file and answer base by base what the import would do (`preview`),
    /// without writing.
    dry_run: Option<bool>,
    /// The sheet of an .xlsx workbook to read; the first when omitted.
    sheet: Option<String>,
    /// `true`: new bases land as candidates for review (a survey return) instead of in the
    /// library.
    as_candidates: Option<bool>,
    /// The division that sent the file in (a code or a name such as `鹿城区`); implies
    /// `as_candidates`. Without it, each candidate is recorded as submitted by its own division.
    submitted_by: Option<String>,
    /// Industry labels the taxonomy does not know, each as `label:industry` (`鞋材:鞋业`,
    /// `汽摩配:auto_parts`), comma-separated or repeated, at most 500; a mapped label is kept as
    /// a tag.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    map: CommaList,
    /// `true`: read every unknown industry label as the industry proposed for it (the
    /// `unknown_labels` of a 422 answer list the proposals).
    accept_suggestions: Option<bool>,
    /// `true`: keep the labels this import mapped as accepted labels
    /// (`GET /v1/accepted-labels`), so later imports read them without a mapping.
    remember_labels: Option<bool>,
}

/// Whether an import adds to the catalog or becomes it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ImportMode {
    Upsert,
    Replace,
}

impl QueryParams for ImportParams {
    const LISTS: &'static [&'static str] = &["map"];

    /// Checked before the body is read: the mapping's form and industries, the division.
    fn check(&self, library: &BaseLibrary) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.map.0.len() > app::import::MAX_MAPPED_LABELS {
            errors.push(FieldError::new("map", FieldCode::TooMany, format!("maps {} labels; at most {} are read", self.map.0.len(), app::import::MAX_MAPPED_LABELS)));
            return errors;
        }
        for pair in &self.map.0 {
            match split_mapping(pair) {
                None => errors.push(FieldError::new("map", FieldCode::InvalidValue, format!("`{pair}` must be label:industry, e.g. 鞋材:鞋业"))),
                Some((label, industry)) => {
                    if let Err(error) = library.taxonomy().labels().resolve(&industry) {
                        errors.push(FieldError::new("map", FieldCode::InvalidValue, format!("`{label}` → {}", error.describe(&industry, "industry"))).with_value(&industry));
                    }
                }
            }
        }
        if let Some(label) = &self.submitted_by
            && let Err(error) = library.divisions().labels().resolve(label)
        {
            errors.push(FieldError::new("submitted_by", FieldCode::InvalidValue, error.describe(label, "division or functional zone")));
        }
        errors
    }
}

/// `label:industry` (a full-width colon too) as its two halves.
fn split_mapping(pair: &str) -> Option<(String, String)> {
    let (label, industry) = pair.split_once([':', '：'])?;
    let (label, industry) = (label.trim(), industry.trim());
    (!label.is_empty() && !industry.is_empty()).then(|| (label.to_string(), industry.to_string()))
}

/// Import many bases at once (officer; `mode=replace` needs an admin): JSON Lines (`application/x-ndjson`), CSV (`text/csv`,
/// UTF-8 or `charset=gbk`) or an Excel workbook
/// (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`, `?sheet=` to pick one).
///
/// Every record is checked first; if any fails, every problem is listed with its line and field
/// and nothing is written. `mode=upsert` (default) adds new bases and overwrites those whose id
/// exists; `mode=replace` makes the file the whole library. With `as_candidates=true` (or
/// `submitted_by`), new bases land as candidates that officers review before anyone else sees
/// them. Each changed base is entered in the audit log.
#[utoipa::path(
    post, path = "/v1/bases/import", tag = "bases",
    params(ImportParams),
    request_body(content(
        (String = "application/x-ndjson", example = json!("{\"id\": \"lucheng-901\", \"name_zh\": \"…\"}\n")),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported", body = ImportOutcome),
        (status = 400, description = "A query parameter is invalid, or the file is neither UTF-8 nor GBK text nor a readable workbook", body = Problem, content_type = "application/problem+json"),
        TokenRequired,
        (status = 403, description = "The caller is a viewer, or asks mode=replace without being an admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON Lines, CSV nor an .xlsx workbook, or a charset other than UTF-8 and GBK", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Records are invalid; nothing was written", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn import_bases(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Params(query): Params<ImportParams>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<ImportOutcome>, ApiError> {
    let (mode, change) = match query.mode {
        Some(ImportMode::Replace) => (WriteMode::Replace, LibraryChange::ReplaceAll),
        Some(ImportMode::Upsert) | None => (WriteMode::Upsert, LibraryChange::Import),
    };
    permit(&actor, change)?;
    let media_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = match media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => RecordFormat::Jsonl,
        "text/csv" => RecordFormat::Csv,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => RecordFormat::Xlsx,
        _ => return Err(ApiError::UnsupportedMediaType("application/x-ndjson, text/csv or an .xlsx workbook")),
    };
    // `text/csv; charset=gbk` is how a client says Excel wrote the file; without a charset,
    // UTF-8 and GB18030 are told apart by the bytes.
    let charset = media_type.split(';').skip(1).filter_map(|p| p.trim().split_once('=')).find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"));
    let encoding = match charset {
        None => None,
        Some((_, name)) => Some(TextEncoding::from_charset(name).ok_or(ApiError::UnsupportedMediaType("a charset of utf-8, gbk or gb18030"))?),
    };
    let options = ImportOptions {
        mode,
        as_candidates: query.as_candidates.unwrap_or(false),
        submitted_by: query.submitted_by,
        dry_run: query.dry_run.unwrap_or(false),
        mapping: query.map.0.iter().filter_map(|pair| split_mapping(pair)).collect(),
        accept_suggestions: query.accept_suggestions.unwrap_or(false),
        remember_labels: query.remember_labels.unwrap_or(false),
    };
    let sheet = query.sheet;
    // Read only now: the caller may import and the parameters and media type are right.
    let body = read_body(body, MAX_IMPORT_BYTES).await?;
    let library = state.library.clone();
    let outcome = run_blocking(move || -> Result<ImportOutcome, ApiError> {
        let file = ImportFile { bytes: &body, format, encoding, sheet: sheet.as_deref() };
        match app::import::run(&library, &file, &options, &actor) {
            Err(crate::Error::Invalid(errors)) => {
                let unknown_labels = app::import::unknown_labels(&library, &errors);
                Err(ApiError::InvalidImport { errors: app::import::listed(errors), unknown_labels })
            }
            outcome => Ok(outcome?),
        }
    })
    .await??;
    Ok(Json(outcome))
}
