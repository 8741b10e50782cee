//! Inspection visits, which raise recommendations.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{all_units, may_act, unit_options};
use crate::app::recommendations::InspectionInput;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::{self, recommendations as rdb};
use crate::domain::access::Permission;
use crate::domain::format;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{call, form_view, Page, PageAsked};

/// Inspections listed at a time: they pile up, year after year.
const INSPECTIONS_PAGE: i64 = 50;

pub(super) async fn inspections(ctx: Ctx, q: web::Query<PageAsked>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let rows = ctx.db(|conn| Ok(rdb::inspections_all(conn)?)).await?;
    let page = Page::new(q.page, INSPECTIONS_PAGE);
    let (rows, total) = page.cut(
        rows.into_iter()
            .filter(|(_, _, path, by)| {
                user.can(Permission::View, path) || user.can(Permission::View, by)
            })
            .collect(),
    );
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(i, name, _, _)| json!({"i": i, "unit": name}))
        .collect();
    ctx.render(
        "recommendations/inspections",
        json!({
            "title": i18n::t(ctx.locale, "insp-title"),
            "rows": rows,
            "can_create": user.can_anywhere(Permission::ManageTasks),
            "pagination": page.view(total, &[]),
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct InspectionForm {
    unit_id: String,
    by_unit_id: String,
    visited_on: String,
    members: String,
    figures: String,
    findings: String,
}

async fn render_inspection_form(
    ctx: &Ctx,
    status: StatusCode,
    form: &InspectionForm,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let scope = user.scope(Permission::ManageTasks);
    let mine = ctx
        .db(move |conn| Ok(db::units::tree(conn, &scope, false)?))
        .await?;
    let everyone = all_units(ctx).await?;
    ctx.render_status(
        status,
        "recommendations/inspection_form",
        json!({
            "title": i18n::t(ctx.locale, "insp-new-title"),
            "f": form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "by_units": unit_options(&mine, &form.by_unit_id),
            "units": unit_options(&everyone, &form.unit_id),
        }),
    )
}

pub(super) async fn new_inspection(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_anywhere(Permission::ManageTasks)?;
    let form = InspectionForm {
        visited_on: format::date(format::today()),
        ..Default::default()
    };
    render_inspection_form(&ctx, StatusCode::OK, &form, &FieldErrors::default()).await
}

pub(super) async fn create_inspection(
    ctx: Ctx,
    form: web::Form<InspectionForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut unread = FieldErrors::default();
    let input = InspectionInput {
        unit_id: unread.id("unit_id", &form.unit_id),
        by_unit_id: unread.id("by_unit_id", &form.by_unit_id),
        visited_on: unread.date("visited_on", &form.visited_on),
        members: form.members.clone(),
        figures: form.figures.clone(),
        findings: form.findings.clone(),
        unread,
    };
    let made = call(&ctx, move |c, who| {
        app::recommendations::inspect(c, who, &input)
    })
    .await?;
    match made {
        Ok(i) => Ok(ctx.saved(&format!("/inspections/{}", i.id))),
        Err(Rejected::Invalid(e)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_inspection_form(&ctx, status, &form, &e).await
        }
        Err(other) => Err(other.into_app_error()),
    }
}

pub(super) async fn show_inspection(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let user = ctx.user()?;
    let iid = *id;
    let (i, unit, by, recs) = ctx
        .db(move |conn| {
            let i = rdb::find_inspection(conn, iid)?;
            let unit = db::units::find(conn, i.unit_id)?;
            let by = db::units::find(conn, i.by_unit_id)?;
            Ok((i, unit, by, rdb::of_inspection(conn, iid)?))
        })
        .await?;
    if !(user.can(Permission::View, &unit.path) || user.can(Permission::View, &by.path)) {
        return Err(AppError::Forbidden);
    }
    let locale = ctx.locale;
    ctx.render(
        "recommendations/inspection",
        json!({
            "title": i18n::t(locale, "insp-one-title"),
            "i": i,
            "unit": unit,
            "by": by,
            "recs": recs.iter().map(|r| json!({"r": r, "field": i18n::t(locale, &format!("rec-field-{}", r.field))})).collect::<Vec<_>>(),
            "can_raise": may_act(user, &by.path) || may_act(user, &unit.path),
        }),
    )
}
