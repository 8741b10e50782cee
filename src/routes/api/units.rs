//! Units and users, read only: what the reader's roles let them see on the
//! pages (units where they may view; people where they manage users).

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{one, page, resource, Api, ApiError, ApiResult, PageQuery};
use crate::db;
use crate::domain::access::Permission;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/units", "GET").route(web::get().to(list_units)))
        .service(resource("/v1/units/{id}", "GET").route(web::get().to(get_unit)))
        .service(resource("/v1/users", "GET").route(web::get().to(list_users)))
        .service(resource("/v1/users/{id}", "GET").route(web::get().to(get_user)));
}

/// A unit of the administrative and organizational tree.
#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    id: i64,
    parent_id: Option<i64>,
    /// `province`, `district`, `commune`, `ward`, `front_committee`, …
    kind: String,
    name: String,
    code: Option<String>,
    /// Ids from the root down, as `/1/4/9/`.
    path: String,
    active: bool,
}

impl From<db::units::Unit> for UnitOut {
    fn from(u: db::units::Unit) -> Self {
        UnitOut {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind,
            name: u.name,
            code: u.code,
            path: u.path,
            active: u.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitPage {
    items: Vec<UnitOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Only the children of this unit.
    parent_id: Option<i64>,
}

/// Units the reader may view, by id.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    params(PageQuery, UnitFilter),
    responses((status = 200, body = UnitPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_units(
    api: Api,
    q: web::Query<PageQuery>,
    f: web::Query<UnitFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    let scope = api.user.scope(Permission::View);
    let parent = f.parent_id;
    let units = api
        .db(move |c| Ok(db::units::after(c, &scope, parent, after, limit)?))
        .await?;
    let items: Vec<UnitOut> = units.into_iter().map(UnitOut::from).collect();
    Ok(page(items, limit, |u| u.id))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units",
    params(("id" = i64, Path, description = "unit id")),
    responses((status = 200, body = UnitOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_unit(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = *id;
    let unit = api.db(move |c| Ok(db::units::find(c, id)?)).await?;
    api.user.require(Permission::View, &unit.path)?;
    Ok(one(&UnitOut::from(unit), None))
}

/// A person with an account.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    id: i64,
    username: String,
    full_name: String,
    email: Option<String>,
    /// `vi` or `en`.
    locale: String,
    unit_id: i64,
    active: bool,
    #[serde(serialize_with = "super::utc_opt")]
    last_login_at: Option<NaiveDateTime>,
}

impl From<db::users::User> for UserOut {
    fn from(u: db::users::User) -> Self {
        UserOut {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            locale: u.locale,
            unit_id: u.unit_id,
            active: u.active,
            last_login_at: u.last_login_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    items: Vec<UserOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only the people whose home unit is this one.
    unit_id: Option<i64>,
}

/// People whose home unit lies where the reader manages users, by id.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(PageQuery, UserFilter),
    responses((status = 200, body = UserPage), super::docs::Errors),
    security(("token" = [])))]
pub async fn list_users(
    api: Api,
    q: web::Query<PageQuery>,
    f: web::Query<UserFilter>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = q.parse()?;
    api.user.require_anywhere(Permission::ManageUsers)?;
    let scope = api.user.scope(Permission::ManageUsers);
    let unit = f.unit_id;
    let users = api
        .db(move |c| Ok(db::users::after(c, &scope, unit, after, limit)?))
        .await?;
    let items: Vec<UserOut> = users.into_iter().map(UserOut::from).collect();
    Ok(page(items, limit, |u| u.id))
}

/// One person, if their home unit lies where the reader manages users.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserOut), super::docs::Errors),
    security(("token" = [])))]
pub async fn get_user(api: Api, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = *id;
    let (user, unit) = api
        .db(move |c| {
            let user = db::users::find(c, id)?;
            let unit = db::units::find(c, user.unit_id)?;
            Ok((user, unit))
        })
        .await?;
    if !api.user.can(Permission::ManageUsers, &unit.path) {
        return Err(ApiError::Forbidden);
    }
    Ok(one(&UserOut::from(user), None))
}
