//! Projects' public pages: a task's progress for citizens, the press and the
//! Front's members, switched on by its committee, readable without an
//! account or script, with nothing personal on it; a unit's list of them;
//! citizens' questions, shown once the committee answers them.

use actix_web::http::{header, StatusCode};
use actix_web::web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::money::Figures;
use crate::app::tasks::Access;
use crate::app::{self, Rejected};
use crate::context::Ctx;
use crate::db::{self, audit};
use crate::domain::consent::{ConsentStage, StageGroup};
use crate::domain::format;
use crate::domain::households::Sight;
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::routes::tasks::link_of;
use crate::routes::HtmlForm;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/p/{code}", get().to(page))
        .route("/p/{code}/ask", get().to(ask_form))
        .route("/p/{code}/ask", post().to(ask))
        .route("/public/units/{id}", get().to(unit_list))
        .route("/tasks/{id}/public", post().to(switch))
        .route("/tasks/{id}/public/poster", get().to(poster))
        .route("/tasks/{id}/questions/{qid}", post().to(answer));
}

/// The task under `code`, read as the public reads it (nothing personal).
fn public_access(conn: &mut db::DbConnection, code: &str) -> AppResult<Access> {
    let tid = db::public::by_code(conn, code)?.ok_or(AppError::NotFound)?;
    let task = db::tasks::find(conn, tid)?;
    let unit = db::units::find(conn, task.unit_id)?;
    let process = db::tasks::process(conn, task.category_id)?;
    Ok(Access {
        task,
        unit,
        can_edit: false,
        can_log_visits: false,
        sight: Sight::Masked,
        process,
    })
}

fn if_none_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A project's public page. Its ETag is the data version: any change may
/// move a figure on it.
async fn page(ctx: Ctx, req: HttpRequest, code: web::Path<String>) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let locale = ctx.locale;
    let state = ctx.state.clone();
    let today = format::today();
    let seen = if_none_match(&req);
    let c = code.clone();
    let (version, data) = ctx
        .db(move |conn| {
            let access = public_access(conn, &c)?;
            let version = audit::data_version(conn)?;
            let etag = format!("p{}-{version}-{}", access.task.id, locale.code());
            if seen
                .as_deref()
                .is_some_and(|s| crate::context::etag_matches(s, &etag))
            {
                return Ok((etag, None));
            }
            let tid = access.task.id;
            let by_stage = db::households::stage_counts(conn, tid)?;
            let money = db::money::of_task(conn, tid)?;
            let milestones = db::tasks::milestones(conn, tid)?;
            let postings = db::public::open_postings(conn, tid, today)?;
            let questions = db::public::questions(conn, tid, true)?;
            let map = crate::routes::maps::public_map(&state, conn, locale, access.clone())?;
            Ok((
                etag,
                Some((
                    access, by_stage, money, milestones, postings, questions, map,
                )),
            ))
        })
        .await?;
    let Some((access, by_stage, money, milestones, postings, questions, map)) = data else {
        return ctx.render_public(
            if_none_match(&req).as_deref(),
            &version,
            "public/page",
            json!({}),
        );
    };
    let task = &access.task;
    let mut groups = [(0i64, 0.0f64); 5];
    for (stage, n, area) in &by_stage {
        if let Some(s) = ConsentStage::parse(stage) {
            let g = s.group().index();
            groups[g].0 += n;
            groups[g].1 += area.unwrap_or(0.0);
        }
    }
    let households: i64 = groups.iter().map(|g| g.0).sum();
    let area: f64 = groups.iter().map(|g| g.1).sum();
    let percent = crate::domain::numbers::percent;
    let group_rows: Vec<Value> = StageGroup::ALL
        .iter()
        .map(|g| {
            let (n, a) = groups[g.index()];
            json!({
                "group": g.as_str(),
                "index": g.index(),
                "households": n,
                "area": a,
                "percent": percent(n as f64, households as f64),
            })
        })
        .collect();
    let figures = Figures::new(task, &money, households);
    let milestones: Vec<Value> = milestones
        .iter()
        .map(|m| json!({"title": m.title, "due_on": m.due_on, "done_on": m.done_on, "late": m.done_on.is_none() && m.due_on < today}))
        .collect();
    let period = match (task.project_start_year, task.deadline) {
        (Some(y), Some(d)) => format!("{y} – {}", format::date(d)),
        (Some(y), None) => y.to_string(),
        (None, Some(d)) => format::date(d),
        (None, None) => String::new(),
    };
    ctx.render_public(
        if_none_match(&req).as_deref(),
        &version,
        "public/page",
        json!({
            "title": task.title,
            "code": code,
            "task": {"title": task.title, "description": task.description, "status": task.status},
            "unit": {"id": access.unit.id, "name": access.unit.name},
            "period": period,
            "households": households,
            "area": area,
            "groups": group_rows,
            "money": figures,
            "paid_percent": figures.paid_percent(),
            "milestones": milestones,
            "postings": postings,
            "questions": questions.iter().map(|q| json!({
                "asked_at": q.asked_at, "question": q.question,
                "answer": q.answer, "answered_at": q.answered_at,
            })).collect::<Vec<_>>(),
            "map": map,
            "today": format::date(today),
        }),
    )
}

/// The public projects of a unit and the units under it.
async fn unit_list(ctx: Ctx, req: HttpRequest, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let uid = *id;
    let locale = ctx.locale;
    let (version, unit, listed) = ctx
        .db(move |conn| {
            let unit = db::units::find(conn, uid)?;
            let listed = db::public::under(conn, &unit.path)?;
            let version = audit::data_version(conn)?;
            Ok((format!("u{uid}-{version}-{}", locale.code()), unit, listed))
        })
        .await?;
    ctx.render_public(
        if_none_match(&req).as_deref(),
        &version,
        "public/unit",
        json!({
            "title": i18n::t_args(locale, "public-unit-title", &[("unit", unit.name.clone())]),
            "unit": {"name": unit.name},
            "projects": listed,
        }),
    )
}

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct QuestionForm {
    name: String,
    phone: String,
    question: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AskQuery {
    sent: Option<u8>,
}

async fn render_ask(
    ctx: &Ctx,
    status: StatusCode,
    code: &str,
    form: &QuestionForm,
    errors: &FieldErrors,
    sent: bool,
) -> AppResult<HttpResponse> {
    let c = code.to_string();
    let access = ctx.db(move |conn| public_access(conn, &c)).await?;
    ctx.render_status(
        status,
        "public/ask",
        json!({
            "title": i18n::t(ctx.locale, "public-ask-title"),
            "task": {"title": access.task.title},
            "code": code,
            "f": crate::routes::form_view(form, errors),
            "has_errors": !errors.is_empty(),
            "sent": sent,
        }),
    )
}

async fn ask_form(
    ctx: Ctx,
    code: web::Path<String>,
    q: web::Query<AskQuery>,
) -> AppResult<HttpResponse> {
    let sent = q.sent == Some(1);
    render_ask(
        &ctx,
        StatusCode::OK,
        &code,
        &QuestionForm::default(),
        &FieldErrors::default(),
        sent,
    )
    .await
}

/// A citizen's question: name and phone optional, a few per address, kept
/// for the committee and shown on the page once answered.
async fn ask(
    ctx: Ctx,
    code: web::Path<String>,
    form: HtmlForm<QuestionForm>,
) -> AppResult<HttpResponse> {
    let (code, form) = (code.into_inner(), form.0);
    let mut e = FieldErrors::default();
    let name = e.optional_text("name", &form.name, 100);
    let phone = e.optional_text("phone", &form.phone, 20);
    if !phone.is_empty() && !crate::domain::households::is_phone(&phone) {
        e.add("phone", "error-phone");
    }
    let question = e.required("question", &form.question, 2000);
    if e.is_empty() && ctx.state.question_limiter.check_key(&ctx.ip).is_err() {
        e.add("question", "public-error-too-many");
    }
    if !e.is_empty() {
        return render_ask(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &code,
            &form,
            &e,
            false,
        )
        .await;
    }
    // A citizen has no account: the audit row names only their address.
    let (actor, c) = (ctx.actor(), code.clone());
    ctx.db(move |conn| {
        let asked = app::tasks::ask(conn, &actor, &c, &name, &phone, &question);
        asked.map_err(Rejected::into_app_error)
    })
    .await?;
    Ok(ctx.redirect(&format!("/p/{code}/ask?sent=1")))
}

#[derive(Deserialize)]
struct SwitchForm {
    enabled: String,
}

async fn switch(
    ctx: Ctx,
    id: web::Path<i64>,
    form: web::Form<SwitchForm>,
) -> AppResult<HttpResponse> {
    let (tid, enabled) = (*id, super::switched("enabled", &form.enabled)?);
    crate::routes::call(&ctx, move |c, who| {
        app::tasks::publish(c, who, tid, enabled)
    })
    .await?
    .map_err(Rejected::into_app_error)?;
    Ok(ctx.saved(&format!("/tasks/{tid}#public")))
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
}

async fn answer(
    ctx: Ctx,
    path: web::Path<(i64, i64)>,
    form: web::Form<AnswerForm>,
) -> AppResult<HttpResponse> {
    let ((tid, qid), text) = (path.into_inner(), form.into_inner().answer);
    let answered = crate::routes::call(&ctx, move |c, who| {
        app::tasks::answer_question(c, who, tid, qid, &text)
    })
    .await?;
    let back = format!("/tasks/{tid}#public");
    super::desk::flash_after(&ctx, answered, Some("public-error-answer-empty"), &back)
}

async fn poster(ctx: Ctx, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (user, tid) = (ctx.user()?.clone(), *id);
    let access = ctx
        .db(move |conn| app::tasks::committee(conn, &user, tid))
        .await?;
    let page = ctx
        .db(move |conn| Ok(db::public::of_task(conn, tid)?))
        .await?
        .filter(|p| p.enabled)
        .ok_or(AppError::NotFound)?;
    let link = link_of(&ctx, &page.code);
    ctx.render(
        "public/poster",
        json!({
            "title": access.task.title,
            "task": {"id": tid, "title": access.task.title},
            "unit": access.unit.name,
            "link": link,
            "qr": crate::routes::qr_svg(&link, 320)?,
        }),
    )
}
