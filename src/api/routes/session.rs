//! Staff sign-in from the page: `POST /v1/session` signs in and sets the session cookie,
//! `GET /v1/session` says who is signed in (and gives the page its CSRF token again after a
//! reload), `DELETE /v1/session` signs out. Scripts use bearer tokens instead.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::staff::{cleared_cookie, csrf_sent, csrf_token};
use crate::access::Role;
use crate::api::auth::{session_cookie, unix_now, ClientAddress};
use crate::api::error::{ApiError, Problem};
use crate::api::extract::AppJson;
use crate::api::responses::{BodyNotJson, FieldsInvalid, NotDeclaredJson};
use crate::api::{run_blocking, AppState};
use crate::app;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, current_session, sign_out))
}

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wangli", "password": "a long passphrase"}))]
pub struct SignInRequest {
    /// The account's username (ASCII case does not matter).
    pub username: String,
    /// Its password.
    pub password: String,
}

/// Who is signed in on this browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The signed-in person's username (the name in the audit log).
    #[schema(example = "wangli")]
    pub username: String,
    /// What they may do.
    pub role: Role,
    /// When the session ends at the latest (UTC); it ends earlier after two idle hours.
    #[schema(example = "2026-12-03T20:15:00Z")]
    pub expires_at: String,
    /// Send this in `X-CSRF-Token` with every change (POST, PUT, PATCH, DELETE).
    #[schema(example = "5d1f…")]
    pub csrf_token: String,
}

impl SessionInfo {
    fn new(user: &crate::catalog::UserInfo, expires_at: i64, secret: &str) -> SessionInfo {
        let expires_at = chrono::DateTime::from_timestamp(expires_at, 0).map(|at| at.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default();
        SessionInfo { username: user.username.clone(), role: user.role, expires_at, csrf_token: csrf_token(secret) }
    }
}

/// Sign in. Sets the `vm_session` cookie (`HttpOnly`, `SameSite=Strict`, `Secure` over
/// HTTPS). After 5 failures for a username, or 20 from an address, within 15 minutes,
/// attempts are refused (429 with Retry-After) until the 15 minutes are over.
#[utoipa::path(
    post, path = "/v1/session", tag = "access",
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in; the cookie is set", body = SessionInfo,
            headers(("set-cookie" = String, description = "The session cookie"))),
        BodyNotJson,
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        NotDeclaredJson,
        FieldsInvalid,
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many sign-ins at once; retry", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    AppJson(request): AppJson<SignInRequest>,
) -> Result<Response, ApiError> {
    let desk = state.sign_in.clone();
    desk.throttle.check(&request.username, client, std::time::Instant::now()).map_err(|wait| ApiError::TooManySignIns(wait.as_secs().max(1)))?;
    let _permit = desk.checks.try_acquire().map_err(|_| ApiError::Busy)?;
    let (library, policy) = (state.library.clone(), desk.policy);
    let SignInRequest { username, password } = request;
    let name = username.clone();
    let session = run_blocking(move || app::access::sign_in(&library, &name, &password, policy, unix_now())).await??;
    let Some(session) = session else {
        desk.throttle.failed(&username, client, std::time::Instant::now());
        tracing::info!(username = %username.chars().take(64).collect::<String>(), client = ?client, "failed sign-in");
        return Err(ApiError::SignInFailed);
    };
    desk.throttle.succeeded(&username);
    // The session was started just now: the cookie lives as long as its absolute life.
    let cookie = desk.cookie(&headers, &session.secret, desk.policy.absolute.as_secs() as i64);
    let info = SessionInfo::new(&session.user, session.expires_at, &session.secret);
    Ok((StatusCode::CREATED, AppendHeaders([(SET_COOKIE, cookie)]), Json(info)).into_response())
}

/// Who is signed in on this browser, with the CSRF token the page sends back on changes.
#[utoipa::path(
    get, path = "/v1/session", tag = "access",
    responses(
        (status = 200, description = "The signed-in person", body = SessionInfo),
        (status = 401, description = "Nobody is signed in, or the session has ended (the cookie is cleared)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn current_session(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<SessionInfo>, ApiError> {
    let secret = session_cookie(&headers).ok_or(ApiError::NotSignedIn)?;
    let (library, cookie) = (state.library.clone(), secret.clone());
    let session = run_blocking(move || app::access::session(&library, &cookie, unix_now())).await??.ok_or(ApiError::SessionExpired)?;
    Ok(Json(SessionInfo::new(&session.user, session.expires_at, &secret)))
}

/// Sign out: the session ends at once and the cookie is cleared. Needs the session's
/// `X-CSRF-Token`; signing out of an ended session (or none) succeeds.
#[utoipa::path(
    delete, path = "/v1/session", tag = "access",
    params(("x-csrf-token" = Option<String>, Header, description = "The session's CSRF token")),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared", headers(("set-cookie" = String, description = "Clears the session cookie"))),
        (status = 403, description = "The CSRF token is missing or wrong", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(secret) = session_cookie(&headers).filter(|secret| !secret.is_empty()) {
        let (library, cookie) = (state.library.clone(), secret.clone());
        let live = run_blocking(move || app::access::session(&library, &cookie, unix_now())).await??.is_some();
        if live && !csrf_sent(&headers, &secret) {
            return Err(ApiError::CsrfRejected);
        }
        let library = state.library.clone();
        run_blocking(move || app::access::sign_out(&library, &secret)).await??;
    }
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, cleared_cookie())])).into_response())
}
