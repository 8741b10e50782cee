//! Mail settings as the server sees them, and a test message to check them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::context::Ctx;
use crate::domain::access::Permission;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::mail::Mail;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/mail", web::get().to(show))
        .route("/admin/mail/test", web::post().to(send_test));
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct TestForm {
    to: String,
}

fn render(
    ctx: &Ctx,
    status: StatusCode,
    form: &TestForm,
    errors: &FieldErrors,
    failure: Option<String>,
) -> AppResult<HttpResponse> {
    let mailer = &ctx.state.mailer;
    ctx.render_status(
        status,
        "admin/mail/index",
        json!({
            "title": i18n::t(ctx.locale, "mail-title"),
            "transport": mailer.describe(),
            "smtp": ctx.state.config.mail.smtp.is_some(),
            "from": mailer.from().to_string(),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "failure": failure,
        }),
    )
}

async fn show(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageUsers)?;
    render(
        &ctx,
        StatusCode::OK,
        &TestForm::default(),
        &FieldErrors::default(),
        None,
    )
}

/// Sends one message now and reports the server's answer on the page.
async fn send_test(ctx: Ctx, form: web::Form<TestForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageUsers)?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let to = errors.email("to", &form.to);
    let mailbox = to.as_deref().and_then(|t| t.parse().ok());
    let Some(to) = mailbox.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.add("to", "error-email");
        }
        return render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors, None);
    };
    let data = json!({"lang": ctx.locale.code(), "name": user.full_name, "transport": ctx.state.mailer.describe()});
    let (text, html) = ctx
        .state
        .views
        .render_mail("mail/test", &data)
        .map_err(AppError::from)?;
    let mail = Mail {
        to,
        subject: i18n::t(ctx.locale, "mail-test-subject"),
        text,
        html,
    };
    match ctx.state.mailer.send(&mail).await {
        Ok(()) => {
            tracing::info!(to = %form.to, "test mail sent");
            ctx.flash("success", "mail-test-sent");
            Ok(ctx.redirect("/admin/mail"))
        }
        Err(e) => {
            tracing::warn!(error = %e, "test mail failed");
            render(
                &ctx,
                StatusCode::BAD_GATEWAY,
                &form,
                &FieldErrors::default(),
                Some(e.to_string()),
            )
        }
    }
}
