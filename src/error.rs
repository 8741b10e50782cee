//! The application's error at the HTTP edge. Models return `QueryResult`;
//! handlers return `Result<_, AppError>`; this is the one place where an error
//! becomes a status code. Pages for these statuses are rendered by
//! `routes::error_page`, which reads the `ErrorKind` left in the response.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not logged in: the browser is sent to the login page.
    #[error("login required")]
    LoginRequired { next: String },
    /// Send the browser elsewhere first (for example to change a one-time password).
    #[error("redirect to {0}")]
    Redirect(String),
    #[error("invalid or missing CSRF token")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("template error: {0}")]
    Template(#[from] handlebars::RenderError),
    #[error("session error: {0}")]
    Session(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Left in the extensions of an error response so the error-page renderer
/// knows what to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    Csrf,
    BadRequest,
    Internal,
}

impl ErrorKind {
    /// The kind of an error response the app did not make itself.
    pub fn of_status(status: actix_web::http::StatusCode) -> ErrorKind {
        match status.as_u16() {
            404 | 410 => ErrorKind::NotFound,
            401 | 403 => ErrorKind::Forbidden,
            s if s >= 500 => ErrorKind::Internal,
            _ => ErrorKind::BadRequest,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Csrf => "csrf",
            ErrorKind::BadRequest => "bad-request",
            ErrorKind::Internal => "internal",
        }
    }
}

impl AppError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                ErrorKind::NotFound
            }
            AppError::Forbidden => ErrorKind::Forbidden,
            AppError::Csrf => ErrorKind::Csrf,
            AppError::BadRequest(_) => ErrorKind::BadRequest,
            _ => ErrorKind::Internal,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::LoginRequired { .. } | AppError::Redirect(_) => StatusCode::SEE_OTHER,
            _ => match self.kind() {
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
                ErrorKind::Forbidden | ErrorKind::Csrf => StatusCode::FORBIDDEN,
                ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
                ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let target = format!("/login?next={}", crate::domain::format::url_encode(next));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, target))
                .finish();
        }
        if let AppError::Redirect(to) = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.as_str()))
                .finish();
        }
        let kind = self.kind();
        if kind == ErrorKind::Internal {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(kind.key());
        res.extensions_mut().insert(kind);
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;
