//! Lists kept as data — task categories and the fields of "Dân vận khéo"
//! models: an administrator of a top unit adds, renames, orders and retires
//! their entries, through the same page.

use actix_web::web::{get, post};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::context::Ctx;
use crate::db::{self, audit, tasks::CategoryFields};
use crate::domain::search::fold;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
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

/// Which list a page keeps.
#[derive(Clone, Copy)]
enum List {
    Categories,
    ModelFields,
    Procedures,
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

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct CategoryForm {
    name_vi: String,
    name_en: String,
    is_site_clearance: String,
    /// A hidden "0" and, when ticked, a "1": the last one sent wins.
    active: Vec<String>,
    sort_order: String,
}

fn check(form: &CategoryForm) -> Result<CategoryFields, FieldErrors> {
    let mut e = FieldErrors::default();
    let name_vi = e.required("name_vi", &form.name_vi, 100);
    let name_en = e.required("name_en", &form.name_en, 100);
    let sort_order = e.number::<i32>("sort_order", &form.sort_order).unwrap_or(0);
    if !e.is_empty() {
        return Err(e);
    }
    Ok(CategoryFields {
        name_vi,
        name_en,
        is_site_clearance: form.is_site_clearance == "1",
        active: form.active.last().is_none_or(|v| v == "1"),
        sort_order,
    })
}

/// The list page; `form` is what was just typed, in the form adding an
/// entry or, with `editing`, in that entry's row, and `refused` its errors
/// when it was refused (422).
async fn render(
    ctx: &Ctx,
    list: List,
    form: &CategoryForm,
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
            row["active"] = json!(form.active.last().is_none_or(|v| v == "1"));
            row["errors"] = json!({
                "name_vi": errors.get("name_vi"),
                "name_en": errors.get("name_en"),
                "sort_order": errors.get("sort_order"),
            });
        }
    }
    let (new_form, new_errors) = match editing {
        Some(_) => (&CategoryForm::default(), &no_errors),
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
    render(&ctx, list, &CategoryForm::default(), None, None).await
}

/// Adds an entry, or saves the one `editing` names, once the form is
/// checked; refused → the list again with what was typed and its errors.
async fn save(
    ctx: Ctx,
    form: super::HtmlForm<CategoryForm>,
    list: List,
    editing: Option<i64>,
) -> AppResult<HttpResponse> {
    ctx.user()?.require_top_admin()?;
    let form = form.0;
    let fields = match check(&form) {
        Ok(f) => f,
        Err(e) => return render(&ctx, list, &form, Some(e), editing).await,
    };
    match editing {
        None => create(&ctx, list, fields).await,
        Some(id) => update(&ctx, list, id, fields).await,
    }
}

async fn create(ctx: &Ctx, list: List, fields: CategoryFields) -> AppResult<HttpResponse> {
    // A stable code from the Vietnamese name: "Trật tự đô thị" → "trat_tu_do_thi".
    let base: String = fold(&fields.name_vi)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let actor = ctx.actor();
    ctx.db(move |conn| {
        let mut code = base.clone();
        let mut n = 2;
        let taken = |conn: &mut db::DbConnection, code: &str| match list {
            List::Categories => db::tasks::category_code_taken(conn, code),
            List::ModelFields => db::lists::model_fields::code_taken(conn, code),
            List::Procedures => db::lists::desk_procedures::code_taken(conn, code),
        };
        while taken(conn, &code)? {
            code = format!("{base}_{n}");
            n += 1;
        }
        audit::write(conn, &actor, |c| {
            Ok((
                (),
                match list {
                    List::Categories => db::tasks::create_category(c, &code, &fields)?,
                    List::ModelFields => db::lists::model_fields::create(c, &code, &fields)?,
                    List::Procedures => db::lists::desk_procedures::create(c, &code, &fields)?,
                },
            ))
        })
    })
    .await?;
    Ok(ctx.saved(list.path()))
}

async fn update(
    ctx: &Ctx,
    list: List,
    cid: i64,
    fields: CategoryFields,
) -> AppResult<HttpResponse> {
    let actor = ctx.actor();
    let found = ctx
        .db(move |conn| {
            audit::write_if(conn, &actor, |c| {
                let change = match list {
                    List::Categories => db::tasks::update_category(c, cid, &fields)?,
                    List::ModelFields => db::lists::model_fields::update(c, cid, &fields)?,
                    List::Procedures => db::lists::desk_procedures::update(c, cid, &fields)?,
                };
                Ok((change.is_some(), change))
            })
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(ctx.saved(list.path()))
}
