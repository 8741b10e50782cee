//! The audit log, read with filters.

use actix_web::web::get;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{audit_text, call, options, Page};
use crate::app::{admin, Rejected};
use crate::context::Ctx;
use crate::db::audit::Filter;
use crate::domain::format;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/audit", get().to(index));
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    user: String,
    entity: String,
    entity_id: String,
    action: String,
    from: String,
    until: String,
    page: Option<i64>,
}

/// Reviewers and admins read the log; filters that do not parse are ignored
/// and shown as such.
async fn index(ctx: Ctx, q: web::Query<AuditQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let day_start = |s: &str| format::parse_date(s).and_then(|d| d.and_hms_opt(0, 0, 0));
    let vn_offset = chrono::Duration::hours(7);
    let filter = Filter {
        user: nonempty(&q.user).map(|s| s.to_lowercase()),
        entity: nonempty(&q.entity),
        entity_id: q.entity_id.trim().parse().ok(),
        action: nonempty(&q.action),
        // Dates are typed in Vietnam time; the log is stored in UTC.
        from: day_start(&q.from).map(|t| t - vn_offset),
        until: day_start(&q.until).map(|t| t + chrono::Duration::days(1) - vn_offset),
        scope: None,
    };
    let bad_dates = (!q.from.trim().is_empty() && filter.from.is_none())
        || (!q.until.trim().is_empty() && filter.until.is_none());
    let page = Page::new(q.page, PAGE_SIZE);
    let ((rows, total), (entities, actions), personal_logged) = call(&ctx, move |c, who| {
        admin::read_audit(c, who, filter, page.offset(), page.size)
    })
    .await?
    .map_err(Rejected::into_app_error)?;
    let base = [
        ("user", q.user.clone()),
        ("entity", q.entity.clone()),
        ("entity_id", q.entity_id.clone()),
        ("action", q.action.clone()),
        ("from", q.from.clone()),
        ("until", q.until.clone()),
    ];
    ctx.render(
        "admin/audit/index",
        json!({
            "title": i18n::t(ctx.locale, "audit-title"),
            "q": {
                "user": q.user, "entity_id": q.entity_id, "action": q.action,
                "from": q.from, "until": q.until,
            },
            "bad_dates": bad_dates,
            "personal_logged": personal_logged,
            "entities": options(
                entities.into_iter().map(|e| {
                    let words = audit_text::entity(ctx.locale, &e);
                    (e, words)
                }),
                &q.entity,
            ),
            "actions": options(
                actions.into_iter().map(|a| {
                    let words = audit_text::action(ctx.locale, &a);
                    (a, words)
                }),
                &q.action,
            ),
            "rows": audit_text::rows(ctx.locale, &rows),
            "pagination": page.view(total, &base),
        }),
    )
}
