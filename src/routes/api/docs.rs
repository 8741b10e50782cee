//! The OpenAPI 3 description, generated from the handlers' annotations, and
//! a page that reads it to people.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde_json::{json, Value};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    campaigns, desk, households, money, parcels, recommendations, reviews, targets, tasks, teams,
    units, ErrorBody,
};
use crate::context::Ctx;
use crate::error::AppResult;
use crate::i18n;

/// The errors any operation may answer with, all as [`ErrorBody`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    /// `bad_request`: a query, path or body that cannot be read.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// `unauthorized`: no token, or one unknown or revoked.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// `forbidden`: the token owner's roles do not allow it.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// `not_found`
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// `conflict`: the resource is not in a state that allows this.
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// `precondition_failed`: changed since the version in `If-Match`.
    #[response(status = 412)]
    PreconditionFailed(ErrorBody),
    /// `validation_failed`: per field in `fields`, as the forms check.
    #[response(status = 422)]
    Invalid(ErrorBody),
    /// `precondition_required`: an update without `If-Match`.
    #[response(status = 428)]
    PreconditionRequired(ErrorBody),
    /// `rate_limited`: over the token's rate; see `Retry-After`.
    #[response(status = 429)]
    RateLimited(ErrorBody),
    /// `internal`
    #[response(status = 500)]
    Internal(ErrorBody),
}

struct Token;

impl Modify for Token {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "A personal token from the account page (Tài khoản của tôi → Mã truy cập API)".into(),
        );
        components.add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dân vận khéo API",
        description = "The platform's data over JSON: the same rules and rights as its pages. \
            Authenticate with `Authorization: Bearer dvk_…`. Lists take `limit` and `cursor` and \
            answer `{items, next_cursor}`. Edits send the `ETag` they read in `If-Match`. Every \
            error is `{error: {code, message, fields}}`."
    ),
    paths(
        units::list_units, units::get_unit, units::list_users, units::get_user,
        tasks::list_tasks, tasks::get_task, tasks::create, tasks::update,
        tasks::list_milestones, tasks::add_milestone, tasks::set_done,
        households::list_households, households::create_household,
        households::import::import_households, households::get_household,
        households::update_household, households::visits::list_visits,
        households::visits::create_visit, households::visits::add_photo,
        households::visits::get_photo,
        money::get_compensation, money::add_plan, money::add_payment, money::put_handover,
        money::task_money,
        parcels::get_shape, parcels::put_shape, parcels::delete_shape, parcels::task_parcels,
        reviews::list_rounds, reviews::create, reviews::get_round, reviews::update,
        reviews::move_round, reviews::list_criteria, reviews::get_results,
        reviews::forms::self_assessment, reviews::forms::scores, reviews::forms::consensus,
        reviews::forms::raise_dispute, reviews::forms::answer_dispute,
        recommendations::list_recommendations, recommendations::get_recommendation,
        recommendations::create_recommendation, recommendations::answer,
        recommendations::transfer, recommendations::extend, recommendations::accept,
        recommendations::reopen,
        targets::list_targets, targets::create_target, targets::set_actual,
        campaigns::list_campaigns, campaigns::create_campaign, campaigns::get_campaign,
        campaigns::update_campaign, campaigns::list_models,
        campaigns::get_model, campaigns::register_model, campaigns::update_model,
        campaigns::move_model, campaigns::list_criteria, campaigns::appraise_model,
        desk::list_duties, desk::create, desk::get_duty, desk::update, desk::list_shifts,
        desk::get_shift, desk::change_shift,
        desk::cases::list_cases, desk::cases::create_case, desk::cases::get_case,
        desk::cases::answer_case,
        teams::list_teams, teams::create_team, teams::get_team, teams::update_team, teams::list_rounds, teams::plan_round,
        teams::get_round, teams::record_round, teams::cancel_round, teams::add_problem,
    ),
    components(schemas(ErrorBody, super::ErrorDetail)),
    modifiers(&Token),
    tags(
        (name = "units", description = "The administrative and organizational tree"),
        (name = "users", description = "People with accounts (for those who manage them)"),
        (name = "tasks", description = "Difficult tasks"),
        (name = "households", description = "Households of a task and the visits logged"),
        (name = "reviews", description = "The Front's year-end review rounds and their results"),
        (name = "recommendations", description = "Recommendations a responding body answers in writing by a deadline"),
        (name = "targets", description = "A unit's annual targets and the figures reached"),
        (name = "campaigns", description = "Annual campaign themes and the models registered under them"),
        (name = "desk", description = "The weekly citizen-support desk: duties, shifts, cases and the citizens' feedback"),
        (name = "teams", description = "Mobile support teams and their rounds in the communes"),
    )
)]
struct ApiDoc;

/// The description as JSON, built once.
pub fn description() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_else(|_| "{}".into()))
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(description())
}

/// The operations, grouped by tag, for the docs page.
fn operations(doc: &Value) -> Vec<Value> {
    let mut groups: Vec<Value> = doc["tags"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|t| json!({"name": t["name"], "description": t["description"], "operations": []}))
        .collect();
    let Some(paths) = doc["paths"].as_object() else {
        return groups;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let params: Vec<Value> = op["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    json!({
                        "name": p["name"], "in": p["in"], "required": p["required"],
                        "description": p["description"],
                        "type": p["schema"]["type"].as_str().map(str::to_string)
                            .or_else(|| p["schema"]["type"][0].as_str().map(str::to_string)),
                    })
                })
                .collect();
            let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| r.rsplit('/').next().unwrap_or(r).to_string());
            let responses: Vec<Value> = op["responses"]
                .as_object()
                .map(|r| {
                    r.iter()
                        .map(|(status, resp)| json!({"status": status, "description": resp["description"]}))
                        .collect()
                })
                .unwrap_or_default();
            let tag = op["tags"][0].as_str().unwrap_or_default();
            let entry = json!({
                "method": method.to_uppercase(), "path": path,
                "summary": op["summary"], "description": op["description"],
                "params": params, "body": body, "responses": responses,
            });
            if let Some(group) = groups.iter_mut().find(|g| g["name"] == tag) {
                if let Some(ops) = group["operations"].as_array_mut() {
                    ops.push(entry);
                }
            }
        }
    }
    groups
}

/// The API's documentation as a page, read from the same description.
pub async fn page(ctx: Ctx) -> AppResult<HttpResponse> {
    let doc: Value = serde_json::from_str(description()).unwrap_or(Value::Null);
    let schemas: Vec<Value> = doc["components"]["schemas"]
        .as_object()
        .map(|s| {
            s.iter()
                .map(|(name, schema)| {
                    let required: Vec<&str> = schema["required"]
                        .as_array()
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let fields: Vec<Value> = schema["properties"]
                        .as_object()
                        .map(|p| {
                            p.iter()
                                .map(|(field, f)| {
                                    let kind = f["type"]
                                        .as_str()
                                        .map(str::to_string)
                                        .or_else(|| f["type"][0].as_str().map(str::to_string))
                                        .or_else(|| {
                                            f["$ref"].as_str().map(|r| {
                                                r.rsplit('/').next().unwrap_or(r).to_string()
                                            })
                                        })
                                        .unwrap_or_default();
                                    json!({
                                        "name": field, "type": kind, "format": f["format"],
                                        "required": required.contains(&field.as_str()),
                                        "description": f["description"],
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    json!({"name": name, "description": schema["description"], "fields": fields})
                })
                .collect()
        })
        .unwrap_or_default();
    ctx.render(
        "api/docs",
        json!({
            "title": i18n::t(ctx.locale, "api-docs-title"),
            "intro": doc["info"]["description"],
            "groups": operations(&doc),
            "schemas": schemas,
        }),
    )
}
