//! Criteria as the shared criteria page types them: a round's (and, through
//! `save_criteria_with`, a campaign's) and the default rubric new rounds copy.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::load_round;
use crate::app::{self, Caller, Rejected};
use crate::context::Ctx;
use crate::db::{self, reviews as rdb};
use crate::domain::format;
use crate::domain::numbers;
use crate::domain::review::{self, RoundStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::{allowed, call, HtmlForm};

// ---------------------------------------------------------------- criteria

/// Rows of criteria as typed: the three lists line up by position.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::routes) struct CriteriaForm {
    name_vi: Vec<String>,
    name_en: Vec<String>,
    points: Vec<String>,
}

/// Blank rows offered for new criteria.
const BLANK_ROWS: usize = 3;

/// Checks criteria rows: a name and points above zero each, 100 points in all.
/// Returns the rows for the page (values and errors) and the criteria if valid.
fn check_criteria(form: &CriteriaForm) -> (Vec<Value>, FieldErrors, Vec<rdb::CriterionFields>) {
    let n = form
        .name_vi
        .len()
        .max(form.name_en.len())
        .max(form.points.len());
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let mut errors = FieldErrors::default();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for i in 0..n {
        let (vi, en, pts) = (
            at(&form.name_vi, i),
            at(&form.name_en, i),
            at(&form.points, i),
        );
        if vi.trim().is_empty() && en.trim().is_empty() && pts.trim().is_empty() {
            continue;
        }
        let mut e = FieldErrors::default();
        let name_vi = e.required("name_vi", &vi, 300);
        let name_en = e.optional_text("name_en", &en, 300);
        let points = e.decimal("points", &pts);
        match points {
            None if pts.trim().is_empty() => e.add("points", "error-required"),
            Some(p) if p <= 0.0 || p > review::RUBRIC_TOTAL => e.add("points", "error-number"),
            _ => {}
        }
        let row = rows.len();
        for (field, key) in e.iter() {
            errors.add(&format!("{field}_{row}"), key);
        }
        rows.push(json!({
            "name_vi": vi, "name_en": en, "points": pts,
            "e_name_vi": e.get("name_vi"), "e_name_en": e.get("name_en"), "e_points": e.get("points"),
        }));
        if let (true, Some(max_points)) = (e.is_empty(), points) {
            items.push(rdb::CriterionFields {
                name_vi,
                name_en,
                max_points,
            });
        }
    }
    let sum: f64 = items.iter().map(|c| c.max_points).sum();
    if rows.is_empty() || (errors.is_empty() && (sum - review::RUBRIC_TOTAL).abs() > 1e-6) {
        errors.add("total", "review-error-weights");
    }
    (rows, errors, items)
}

/// Saved criteria as the form's rows. The points are written with every
/// digit they have (`33,333`), not rounded for display, so that the page
/// saved unchanged stores the same points (and still adds up to 100).
pub(in crate::routes) fn criteria_rows(items: &[rdb::CriterionFields]) -> Vec<Value> {
    items
        .iter()
        .map(|c| {
            json!({"name_vi": c.name_vi, "name_en": c.name_en, "points": numbers::input(c.max_points),
                   "e_name_vi": null, "e_name_en": null, "e_points": null})
        })
        .collect()
}

fn with_blanks(mut rows: Vec<Value>) -> Vec<Value> {
    for _ in 0..BLANK_ROWS {
        rows.push(json!({"name_vi": "", "name_en": "", "points": "", "e_name_vi": null, "e_name_en": null, "e_points": null}));
    }
    rows
}

pub(in crate::routes) fn render_criteria(
    ctx: &Ctx,
    status: StatusCode,
    action: &str,
    heading: Value,
    rows: Vec<Value>,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    let sum: f64 = rows
        .iter()
        .filter_map(|r| r["points"].as_str())
        .filter_map(|p| FieldErrors::default().decimal("p", p))
        .sum();
    ctx.render_status(
        status,
        "reviews/criteria",
        json!({
            "title": i18n::t(ctx.locale, "review-criteria-title"),
            "heading": heading,
            "action": action,
            "rows": with_blanks(rows),
            // Shown the Vietnamese way (`52,5`), as the points are typed.
            "sum": format::decimal(sum),
            "has_errors": !errors.is_empty(),
            "total_error": errors.get("total"),
        }),
    )
}

pub(super) async fn criteria_page(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let a = allowed(load_round(&ctx, *id).await?, |a| a.lead)?;
    if a.status() != RoundStatus::Draft {
        return Err(AppError::Forbidden);
    }
    let rid = a.round.id;
    let items = ctx.db(move |conn| Ok(rdb::criteria(conn, rid)?)).await?;
    let fields: Vec<rdb::CriterionFields> = items.iter().map(rdb::Criterion::fields).collect();
    render_criteria(
        &ctx,
        StatusCode::OK,
        &format!("/reviews/{rid}/criteria"),
        json!({"href": format!("/reviews/{rid}"), "title": a.round.title}),
        criteria_rows(&fields),
        &FieldErrors::default(),
    )
}

pub(super) async fn save_criteria(
    ctx: Ctx,
    id: web::Path<i64>,
    form: HtmlForm<CriteriaForm>,
) -> AppResult<HttpResponse> {
    let a = allowed(load_round(&ctx, *id).await?, |a| a.lead)?;
    let rid = a.round.id;
    save_criteria_with(
        &ctx,
        &form.0,
        format!("/reviews/{rid}"),
        a.round.title,
        move |c, who, items| app::reviews::set_criteria(c, who, rid, items),
    )
    .await
}

/// Saves criteria typed on the shared criteria page through `set`, the use
/// case that replaces them (its refusal, when they may no longer change, is
/// flashed). Bad rows come back with their messages; `base` is the owner's page.
pub(in crate::routes) async fn save_criteria_with<F>(
    ctx: &Ctx,
    form: &CriteriaForm,
    base: String,
    title: String,
    set: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::DbConnection, &Caller, &[rdb::CriterionFields]) -> Result<(), Rejected>
        + Send
        + 'static,
{
    let (rows, errors, items) = check_criteria(form);
    if !errors.is_empty() {
        return render_criteria(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("{base}/criteria"),
            json!({"href": base, "title": title}),
            rows,
            &errors,
        );
    }
    match call(ctx, move |c, who| set(c, who, &items)).await? {
        Ok(()) => ctx.flash("success", "flash-saved"),
        Err(Rejected::NotAllowed(key)) => ctx.flash("error", key),
        Err(other) => return Err(other.into_app_error()),
    }
    Ok(ctx.redirect(&base))
}

// ---------------------------------------------------------------- default rubric

pub(super) async fn rubric_page(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.user()?.require_top_admin()?;
    let items = ctx.db(|conn| Ok(rdb::rubric(conn)?)).await?;
    let fields: Vec<rdb::CriterionFields> = items.iter().map(rdb::RubricItem::fields).collect();
    render_criteria(
        &ctx,
        StatusCode::OK,
        "/admin/rubric",
        Value::Null,
        criteria_rows(&fields),
        &FieldErrors::default(),
    )
}

pub(super) async fn save_rubric(ctx: Ctx, form: HtmlForm<CriteriaForm>) -> AppResult<HttpResponse> {
    ctx.user()?.require_top_admin()?;
    let (rows, errors, items) = check_criteria(&form.0);
    if !errors.is_empty() {
        return render_criteria(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "/admin/rubric",
            Value::Null,
            rows,
            &errors,
        );
    }
    call(&ctx, move |c, who| app::reviews::set_rubric(c, who, &items))
        .await?
        .map_err(Rejected::into_app_error)?;
    ctx.flash("success", "flash-saved");
    Ok(ctx.redirect("/admin/rubric"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(rows: &[(&str, &str, &str)]) -> CriteriaForm {
        CriteriaForm {
            name_vi: rows.iter().map(|r| r.0.to_string()).collect(),
            name_en: rows.iter().map(|r| r.1.to_string()).collect(),
            points: rows.iter().map(|r| r.2.to_string()).collect(),
        }
    }

    #[test]
    fn criteria_must_add_up_to_a_hundred_and_blank_rows_are_ignored() {
        let (_, e, items) = check_criteria(&form(&[
            ("Kết quả", "Results", "60"),
            ("Đồng thuận", "", "40"),
            ("", "", ""),
        ]));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].name_en, "");
        let (_, e, _) = check_criteria(&form(&[("Kết quả", "", "60"), ("Đồng thuận", "", "30")]));
        assert_eq!(e.get("total"), Some("review-error-weights"));
        let (rows, e, _) =
            check_criteria(&form(&[("", "Results", "60"), ("Đồng thuận", "", "abc")]));
        assert_eq!(e.get("name_vi_0"), Some("error-required"));
        assert_eq!(e.get("points_1"), Some("error-number"));
        assert_eq!(rows[1]["points"], "abc");
        let (_, e, _) = check_criteria(&form(&[]));
        assert_eq!(e.get("total"), Some("review-error-weights"));
    }
}
