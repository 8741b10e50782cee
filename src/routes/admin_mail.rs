//! Mail settings as the server sees them, a test message to check them, and
//! the outbox: every queued message with its status, tries and last error.

use actix_web::http::StatusCode;
use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::admin;
use crate::context::Ctx;
use crate::db::notifications as ndb;
use crate::domain::access::Permission;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::mail::Mail;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/mail", get().to(show))
        .route("/admin/mail/test", post().to(send_test))
        .route("/admin/mail/outbox/{id}/retry", post().to(retry));
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutboxQuery {
    status: String,
    page: Option<i64>,
}

/// The outbox as the page shows it: counts per status and one page of rows.
async fn outbox_view(ctx: &Ctx, q: &OutboxQuery) -> AppResult<serde_json::Value> {
    let readers = admin::mail_readers(ctx.user()?)?;
    let status = ndb::STATUSES.into_iter().find(|s| *s == q.status);
    let page = super::Page::new(q.page, PAGE_SIZE);
    let (offset, size) = (page.offset(), page.size);
    let (counts, (rows, total)) = ctx
        .db(move |conn| {
            Ok((
                ndb::counts(conn, &readers)?,
                ndb::list(conn, &readers, status, offset, size)?,
            ))
        })
        .await?;
    let statuses: Vec<serde_json::Value> = ndb::STATUSES
        .iter()
        .map(|s| {
            json!({
                "status": s,
                "count": counts.get(*s).copied().unwrap_or(0),
                "current": Some(*s) == status,
            })
        })
        .collect();
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "kind": m.kind,
                "to": m.to_address,
                "subject": m.subject,
                "status": m.status,
                "attempts": m.attempts,
                "last_error": m.last_error,
                "created_at": m.created_at,
                "next_attempt_at": m.next_attempt_at,
                "sent_at": m.sent_at,
                "failed": m.status == ndb::FAILED,
            })
        })
        .collect();
    Ok(json!({
        "statuses": statuses,
        "rows": rows,
        "any": total > 0,
        "pagination": page.view(total, &[("status", q.status.clone())]),
    }))
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct TestForm {
    to: String,
}

async fn render(
    ctx: &Ctx,
    status: StatusCode,
    form: &TestForm,
    errors: &FieldErrors,
    failure: Option<String>,
    q: &OutboxQuery,
) -> AppResult<HttpResponse> {
    let outbox = outbox_view(ctx, q).await?;
    let mailer = &ctx.state.mailer;
    ctx.render_status(
        status,
        "admin/mail/index",
        json!({
            "title": i18n::t(ctx.locale, "mail-title"),
            // The installation's mail settings are for its top administrators.
            "top": ctx.user()?.is_top_admin(),
            "transport": mailer.describe(),
            "smtp": ctx.state.config.mail.smtp.is_some(),
            "from": mailer.from().to_string(),
            "f": super::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "failure": failure,
            "outbox": outbox,
            "daily_hour": ctx.state.config.jobs.daily_hour,
            "daily_on": ctx.state.config.jobs.daily_hour.is_some(),
        }),
    )
}

async fn show(ctx: Ctx, q: web::Query<OutboxQuery>) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageUsers)?;
    render(
        &ctx,
        StatusCode::OK,
        &TestForm::default(),
        &FieldErrors::default(),
        None,
        &q,
    )
    .await
}

/// Puts a failed message back in the queue.
async fn retry(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = *id;
    let requeued = super::call(&ctx, move |c, who| admin::retry_mail(c, who, id)).await?;
    let back = "/admin/mail?status=pending";
    super::admin_users::flash_after(&ctx, requeued, "outbox-retried", back)
}

/// Sends one message now and reports the server's answer on the page.
async fn send_test(ctx: Ctx, form: web::Form<TestForm>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    user.require_anywhere(Permission::ManageUsers)?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let to = errors.email("to", &form.to);
    let mut mailbox = to.as_deref().and_then(|t| t.parse().ok());
    if mailbox.is_none() && errors.is_empty() {
        errors.add("to", "error-email");
    }
    // An administrator lower down tests with the address of someone they
    // administer (their own, say), not any address through the
    // installation's server.
    if errors.is_empty() {
        let (readers, address) = (admin::mail_readers(user)?, form.to.clone());
        if !ctx
            .db(move |conn| Ok(ndb::reaches(conn, &readers, &address)?))
            .await?
        {
            errors.add("to", "mail-test-error-scope");
            mailbox = None;
        }
    }
    let Some(to) = mailbox.filter(|_| errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&ctx, status, &form, &errors, None, &OutboxQuery::default()).await;
    };
    // The server's address is for the installation's administrators.
    let top = user.is_top_admin();
    let transport = if top {
        ctx.state.mailer.describe()
    } else {
        String::new()
    };
    let data = json!({"lang": ctx.locale.code(), "name": user.full_name, "transport": transport});
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
        message_id: None,
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
                Some(if top {
                    e.to_string()
                } else {
                    i18n::t(ctx.locale, "mail-test-failed-hidden")
                }),
                &OutboxQuery::default(),
            )
            .await
        }
    }
}
