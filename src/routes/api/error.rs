//! How the API answers what went wrong: every error is JSON,
//! `{"error": {"code", "message", "fields"}}`, with its status and headers.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::domain::validate::FieldErrors;
use crate::error::AppError;
use crate::i18n::{self, Locale};

/// An API error: its status, a stable code and an English message; field
/// errors carry a code and a message in the reader's language.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed(&'static str),
    /// Someone saved the resource since the version sent in `If-Match`.
    PreconditionFailed {
        current: String,
    },
    /// An update without `If-Match`.
    PreconditionRequired,
    /// The resource is not in a state that allows this.
    Conflict(String),
    Validation(FieldErrors, Locale),
    RateLimited {
        retry_after: u64,
    },
    Internal(String),
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `precondition_failed`, `precondition_required`,
    /// `conflict`, `validation_failed`, `rate_limited`, `internal`.
    code: &'static str,
    message: String,
    /// Per field (`validation_failed`): its code and a message in the token
    /// owner's language.
    #[schema(value_type = Object)]
    fields: Map<String, Value>,
}

impl ApiError {
    /// For a use case the record's state may not allow: its 409 says
    /// `message`, which names the state it takes; any other error stays.
    pub fn conflict_says(self, message: &str) -> ApiError {
        match self {
            ApiError::Conflict(_) => ApiError::Conflict(message.into()),
            e => e,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::PreconditionFailed { .. } => "precondition_failed",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::Conflict(_) => "conflict",
            ApiError::Validation(..) => "validation_failed",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal(_) => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::BadRequest(m) => format!("The request could not be read: {m}"),
            ApiError::Unauthorized => {
                "A valid API token is required: Authorization: Bearer dvk_…".into()
            }
            ApiError::Forbidden => "Your roles do not allow this.".into(),
            ApiError::NotFound => "No such resource.".into(),
            ApiError::MethodNotAllowed(allow) => format!("Allowed here: {allow}."),
            ApiError::PreconditionFailed { current } => {
                format!("The resource was changed since the version you sent; it is now {current}.")
            }
            ApiError::PreconditionRequired => {
                "Send the version you read in If-Match (the ETag of the GET).".into()
            }
            ApiError::Conflict(m) => m.clone(),
            ApiError::Validation(..) => "Some fields are not valid.".into(),
            ApiError::RateLimited { retry_after } => {
                format!("Too many requests with this token; try again in {retry_after} s.")
            }
            ApiError::Internal(_) => "Something went wrong on the server.".into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Validation(..) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            tracing::error!(error = %e, "API request failed");
        }
        let mut fields = Map::new();
        if let ApiError::Validation(errors, locale) = self {
            for (field, key) in errors.iter() {
                fields.insert(
                    field.clone(),
                    json!({
                        "code": key.strip_prefix("error-").unwrap_or(key),
                        "message": i18n::t(*locale, key),
                    }),
                );
            }
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.message(),
                fields,
            },
        };
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unauthorized => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"danvan\""));
            }
            ApiError::MethodNotAllowed(allow) => {
                res.insert_header((header::ALLOW, *allow));
            }
            ApiError::RateLimited { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::PreconditionFailed { current } => {
                res.insert_header((header::ETAG, current.as_str()));
            }
            _ => {}
        }
        res.json(body)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                ApiError::NotFound
            }
            AppError::Forbidden | AppError::Csrf => ApiError::Forbidden,
            AppError::LoginRequired { .. } | AppError::Redirect(_) => ApiError::Unauthorized,
            AppError::BadRequest(m) => ApiError::BadRequest(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
