//! Projects' public pages: which task has one switched on under which short
//! code, and the questions citizens send about it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit::Change;
use super::schema::{compensation_plans, public_pages, public_questions, tasks, units};
use super::tasks::Task;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = public_pages)]
pub struct PublicPage {
    pub task_id: i64,
    pub code: String,
    pub enabled: bool,
    pub changed_by: i64,
    pub changed_at: NaiveDateTime,
}

pub fn of_task(conn: &mut DbConnection, task_id: i64) -> QueryResult<Option<PublicPage>> {
    public_pages::table
        .find(task_id)
        .select(PublicPage::as_select())
        .first(conn)
        .optional()
}

/// The task whose page is switched on under `code`.
pub fn by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i64>> {
    public_pages::table
        .filter(public_pages::code.eq(code))
        .filter(public_pages::enabled.eq(true))
        .select(public_pages::task_id)
        .first(conn)
        .optional()
}

/// Switches the task's page on or off; its code, made the first time, is
/// kept, so printed links work again once it is back on.
pub fn set(
    conn: &mut DbConnection,
    task: &Task,
    enabled: bool,
    new_code: &str,
    by: i64,
) -> QueryResult<(PublicPage, Change)> {
    let now = super::now();
    match of_task(conn, task.id)? {
        Some(_) => {
            diesel::update(public_pages::table.find(task.id))
                .set((
                    public_pages::enabled.eq(enabled),
                    public_pages::changed_by.eq(by),
                    public_pages::changed_at.eq(now),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(public_pages::table)
                .values((
                    public_pages::task_id.eq(task.id),
                    public_pages::code.eq(new_code),
                    public_pages::enabled.eq(enabled),
                    public_pages::changed_by.eq(by),
                    public_pages::changed_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    let page = of_task(conn, task.id)?.ok_or(diesel::result::Error::NotFound)?;
    let change = Change::new(
        if enabled {
            "publish_page"
        } else {
            "unpublish_page"
        },
        "task",
        task.id,
        json!({"code": page.code}),
    )
    .on_unit(task.unit_id);
    Ok((page, change))
}

/// A public project in a unit's list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Listed {
    pub task_id: i64,
    pub code: String,
    pub title: String,
    pub unit_name: String,
}

/// The public projects of a unit and the units under it (`path` its
/// materialized path).
pub fn under(conn: &mut DbConnection, path: &str) -> QueryResult<Vec<Listed>> {
    public_pages::table
        .inner_join(tasks::table.on(tasks::id.eq(public_pages::task_id)))
        .inner_join(units::table.on(units::id.eq(tasks::unit_id)))
        .filter(public_pages::enabled.eq(true))
        .filter(units::path.like(format!("{path}%")))
        .order((units::path, tasks::title))
        .select((
            public_pages::task_id,
            public_pages::code,
            tasks::title,
            units::name,
        ))
        .load(conn)
}

/// Postings of plans open for comments on `today`: where, from when and
/// until when, and how many plans (no names).
#[derive(Debug, Clone, Serialize)]
pub struct Posting {
    pub posted_at: String,
    pub posted_on: NaiveDate,
    pub comments_until: NaiveDate,
    pub plans: i64,
}

pub fn open_postings(
    conn: &mut DbConnection,
    task_id: i64,
    today: NaiveDate,
) -> QueryResult<Vec<Posting>> {
    let rows: Vec<(String, Option<NaiveDate>, Option<NaiveDate>)> = compensation_plans::table
        .filter(compensation_plans::task_id.eq(task_id))
        .filter(compensation_plans::current.eq(true))
        .filter(compensation_plans::posted_on.le(today))
        .filter(compensation_plans::comments_until.ge(today))
        .select((
            compensation_plans::posted_at,
            compensation_plans::posted_on,
            compensation_plans::comments_until,
        ))
        .load(conn)?;
    let mut out: Vec<Posting> = Vec::new();
    for (at, on, until) in rows {
        let (Some(on), Some(until)) = (on, until) else {
            continue;
        };
        match out
            .iter_mut()
            .find(|p| p.posted_at == at && p.posted_on == on && p.comments_until == until)
        {
            Some(p) => p.plans += 1,
            None => out.push(Posting {
                posted_at: at,
                posted_on: on,
                comments_until: until,
                plans: 1,
            }),
        }
    }
    out.sort_by(|a, b| (a.comments_until, &a.posted_at).cmp(&(b.comments_until, &b.posted_at)));
    Ok(out)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = public_questions)]
pub struct Question {
    pub id: i64,
    pub task_id: i64,
    pub asked_at: NaiveDateTime,
    pub name: String,
    pub phone: String,
    pub question: String,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<i64>,
}

/// The task's questions, newest first: all of them, or only those answered.
pub fn questions(
    conn: &mut DbConnection,
    task_id: i64,
    answered_only: bool,
) -> QueryResult<Vec<Question>> {
    let mut q = public_questions::table
        .filter(public_questions::task_id.eq(task_id))
        .select(Question::as_select())
        .order(public_questions::asked_at.desc())
        .into_boxed();
    if answered_only {
        q = q.filter(public_questions::answered_at.is_not_null());
    }
    q.load(conn)
}

pub fn ask(
    conn: &mut DbConnection,
    task: &Task,
    name: &str,
    phone: &str,
    question: &str,
) -> QueryResult<(i64, Change)> {
    let id: i64 = diesel::insert_into(public_questions::table)
        .values((
            public_questions::task_id.eq(task.id),
            public_questions::asked_at.eq(super::now()),
            public_questions::name.eq(name),
            public_questions::phone.eq(phone),
            public_questions::question.eq(question),
        ))
        .returning(public_questions::id)
        .get_result(conn)?;
    let change = Change::new("ask", "task", task.id, json!({"question": id})).on_unit(task.unit_id);
    Ok((id, change))
}

/// Answers (or re-answers) one of the task's questions; `None` when the
/// question is not the task's.
pub fn answer(
    conn: &mut DbConnection,
    task: &Task,
    question_id: i64,
    answer: &str,
    by: i64,
) -> QueryResult<Option<Change>> {
    let n = diesel::update(
        public_questions::table
            .find(question_id)
            .filter(public_questions::task_id.eq(task.id)),
    )
    .set((
        public_questions::answer.eq(answer),
        public_questions::answered_at.eq(super::now()),
        public_questions::answered_by.eq(by),
    ))
    .execute(conn)?;
    Ok((n > 0).then(|| {
        Change::new(
            "answer_question",
            "task",
            task.id,
            json!({"question": question_id, "answer": answer}),
        )
        .on_unit(task.unit_id)
    }))
}
