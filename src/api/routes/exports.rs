//! `GET /v1/exports/bases`: the whole library as a file, for officers.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::auth::Officer;
use crate::api::error::ApiError;
use crate::api::extract::{Params, QueryParams};
use crate::api::responses::{OfficerRequired, ParameterInvalid, TokenRequired};
use crate::api::{run_blocking, AppState};
use crate::app::bases::OfficeSheet;
use crate::app;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_bases))
}

/// Query parameters of `GET /v1/exports/bases`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// `xlsx` (default): the office's workbook; `csv`: the same sheet as CSV with a byte-order
    /// mark; `jsonl`: the import format.
    #[param(value_type = Option<String>)]
    format: Option<ExportForm>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ExportForm {
    Xlsx,
    Csv,
    Jsonl,
}

impl QueryParams for ExportParams {}

/// Export the library (officer): every base, restricted ones, candidates and contacts included.
///
/// `xlsx` is the sheet as the office keeps it (one sheet 基地名单, Chinese column names, labels
/// such as 鞋业 and 鹿城区 rather than codes); `csv` is the same sheet as CSV, starting with the
/// byte-order mark Excel needs to show Chinese; `jsonl` is the import format. Each imports back
/// with no change.
#[utoipa::path(
    get, path = "/v1/exports/bases", tag = "bases",
    params(ExportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The library as a file", content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
        )),
        ParameterInvalid,
        TokenRequired,
        OfficerRequired,
    )
)]
async fn export_bases(State(state): State<AppState>, Officer(_officer): Officer, Params(query): Params<ExportParams>) -> Result<Response, ApiError> {
    let library = state.library.clone();
    let form = query.format.unwrap_or(ExportForm::Xlsx);
    let bytes = run_blocking(move || -> Result<Vec<u8>, crate::Error> {
        match form {
            ExportForm::Xlsx => app::bases::export_sheet(&library, OfficeSheet::Xlsx).map(|(bytes, _)| bytes),
            ExportForm::Csv => app::bases::export_sheet(&library, OfficeSheet::Csv).map(|(bytes, _)| bytes),
            ExportForm::Jsonl => {
                let mut out = Vec::new();
                app::bases::export(&library, &mut out)?;
                Ok(out)
            }
        }
    })
    .await??;
    let (content_type, name) = match form {
        ExportForm::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "bases.xlsx"),
        ExportForm::Csv => ("text/csv; charset=utf-8", "bases.csv"),
        ExportForm::Jsonl => ("application/x-ndjson", "bases.jsonl"),
    };
    let disposition = attachment(name, &format!("基地库.{}", name.rsplit('.').next().unwrap_or("xlsx")));
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// A `Content-Disposition` for a download: the Chinese file name for browsers that read RFC
/// 6266's `filename*`, an ASCII one for the rest.
pub(crate) fn attachment(ascii: &str, chinese: &str) -> String {
    let encoded: String = chinese.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
