//! Lists kept as data — task categories and the fields of "Dân vận khéo"
//! models: an administrator of a top unit adds, renames, orders and retires
//! their entries, through the same page.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::app::admin::{self, EntryForm, List};
use crate::context::Ctx;
use crate::db;
use crate::domain::validate::FieldErrors;
use crate::error::AppResult;
use crate::i18n;

pub fn configure(cfg: &mut web::ServiceConfig) {
    for list in [List::Categories, List::ModelFields, List::Procedures] {
        cfg.route(list.path(), get().to(move |ctx| index(ctx, list)))
            .route(
                list.path(),
                post().to(move |ctx, form| save(ctx, form, list, None)),
            )
            .route(
                &format!("{}/{{id}}", list.path()),
                post().to(move |ctx, id: web::Path<i64>, form| save(ctx, form, list, Some(*id))),
            );
    }
}

impl List {
    fn path(self) -> &'static str {
        match self {
            List::Categories => "/admin/categories",
            List::ModelFields => "/admin/model-fields",
            List::Procedures => "/admin/procedures",
        }
    }

    fn key(self) -> &'static str {
        match self {
            List::Categories => "categories",
            List::ModelFields => "model-fields",
            List::Procedures => "procedures",
        }
    }
}

/// The list page; `form` is what was just typed, in the form adding an
/// entry or, with `editing`, in that entry's row, and `refused` its errors
/// when it was refused (422).
async fn render(
    ctx: &Ctx,
    list: List,
    form: &EntryForm,
    refused: Option<FieldErrors>,
    editing: Option<i64>,
) -> AppResult<HttpResponse> {
    let (status, errors) = super::shown_refused(refused);
    let errors = &errors;
    let mut rows: Vec<serde_json::Value> = ctx
        .db(move |conn| {
            Ok(match list {
                List::Categories => db::tasks::all_categories(conn)?
                    .into_iter()
                    .map(|c| json!(c))
                    .collect(),
                List::ModelFields => db::lists::model_fields::all(conn)?
                    .into_iter()
                    .map(|f| json!({"id": f.id, "name_vi": f.name_vi, "name_en": f.name_en, "sort_order": f.sort_order, "active": f.active, "is_site_clearance": false}))
                    .collect(),
                List::Procedures => db::lists::desk_procedures::all(conn)?
                    .into_iter()
                    .map(|f| json!({"id": f.id, "name_vi": f.name_vi, "name_en": f.name_en, "sort_order": f.sort_order, "active": f.active, "is_site_clearance": false}))
                    .collect(),
            })
        })
        .await?;
    let no_errors = FieldErrors::default();
    for row in &mut rows {
        let typed_here = editing.is_some() && row["id"].as_i64() == editing;
        row["errors"] = json!(null);
        if typed_here {
            row["name_vi"] = json!(form.name_vi);
            row["name_en"] = json!(form.name_en);
            row["sort_order"] = json!(form.sort_order);
            row["is_site_clearance"] = json!(form.is_site_clearance == "1");
            row["active"] = json!(form.active());
            row["errors"] = json!({
                "name_vi": errors.get("name_vi"),
                "name_en": errors.get("name_en"),
                "sort_order": errors.get("sort_order"),
            });
        }
    }
    let (new_form, new_errors) = match editing {
        Some(_) => (&EntryForm::default(), &no_errors),
        None => (form, errors),
    };
    ctx.render_status(
        status,
        "admin/categories/index",
        json!({
            "title": i18n::t(ctx.locale, &format!("{}-title", list.key())),
            "help": format!("{}-help", list.key()),
            "base": list.path(),
            "clearance": matches!(list, List::Categories),
            "categories": rows,
            "f": super::form_view(new_form, new_errors),
            "has_errors": !new_errors.is_empty(),
            "row_has_errors": editing.is_some() && !errors.is_empty(),
        }),
    )
}

async fn index(ctx: Ctx, list: List) -> AppResult<HttpResponse> {
    ctx.user()?.require_top_admin()?;
    render(&ctx, list, &EntryForm::default(), None, None).await
}

/// Adds an entry, or saves the one `editing` names; refused → the list
/// again with what was typed and its errors.
async fn save(
    ctx: Ctx,
    form: super::HtmlForm<EntryForm>,
    list: List,
    editing: Option<i64>,
) -> AppResult<HttpResponse> {
    let form = form.0;
    let typed = form.clone();
    let saved = super::call(&ctx, move |c, who| {
        admin::save_entry(c, who, list, editing, &typed)
    })
    .await?;
    match super::after_form(&ctx, saved, |_| list.path().into(), |_| json!(null))? {
        Ok(done) => Ok(done),
        Err(again) => render(&ctx, list, &form, Some(again.errors), editing).await,
    }
}
