//! People pickers that stay short at a province's scale. A picker lists by
//! default at most `SHOWN` people (those of the record's unit, where it has
//! one), and always those already chosen. The form's "find a person" field
//! (`find`) with its button (`finding`) shows the form again, saving
//! nothing and keeping everything typed, with the people whose name or
//! username holds what was typed, accents aside, `SHOWN` at most. Who may
//! be chosen is checked on save among everyone who may be, not only those
//! shown. One partial (`partials/people_find`) draws the field for every
//! form that has pickers.

use diesel::QueryResult;
use serde_json::{json, Value};

use crate::db::units::Unit;
use crate::db::users::{self, Held, Person, Pool};
use crate::db::DbConnection;
use crate::domain::format;

/// At most this many people are listed by default, and as many found.
pub const SHOWN: usize = 50;

/// At most this many chosen people are looked up to keep them listed (a
/// form sending more names no one in earnest).
const CHOSEN_MAX: usize = 500;

/// A find text is read up to this many characters.
const QUERY_MAX: usize = 100;

/// Those who hold a role on the unit at `path` or above it: who reach it,
/// as an owner, an official or an appraiser must.
pub fn reaching(path: &str) -> Pool {
    Pool::default().holding(Held::Reaching(path.to_string()), &[])
}

/// Whether the find button sent the form: it is shown again, not saved.
pub fn finding(button: &str) -> bool {
    !button.trim().is_empty()
}

/// The ids among values chosen in a form (those that do not read as one are
/// the save's business).
pub fn ids<'a>(values: impl IntoIterator<Item = &'a String>) -> Vec<i64> {
    values
        .into_iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// For the form of a record made for one unit (a campaign, a duty): the
/// units of `scope` it may be made for, active ones, and what its picker
/// offers. Those chosen must reach the record's unit: `fixed` once the
/// record is saved, else the unit chosen in the form (`unit_id`); before
/// one is chosen, anyone in `scope` may be found.
pub fn for_unit_record(
    conn: &mut DbConnection,
    scope: &[String],
    fixed: Option<String>,
    unit_id: &str,
    find: &str,
    chosen: &[i64],
) -> QueryResult<(Vec<Unit>, Offered)> {
    let units = crate::db::units::tree(conn, scope, false)?;
    let unit = fixed.or_else(|| {
        let id: i64 = unit_id.trim().parse().ok()?;
        units.iter().find(|u| u.id == id).map(|u| u.path.clone())
    });
    let pool = match unit {
        Some(p) => reaching(&p),
        None => Pool::within(scope),
    };
    let offered = offer(conn, &pool, &pool, find, chosen)?;
    Ok((units, offered))
}

/// What a form's pickers offer: the people to list, what was sought, and
/// whether more were found (or were in the default list) than are listed.
pub struct Offered {
    people: Vec<Person>,
    query: String,
    listed: usize,
    more: bool,
}

/// What the pickers of a form offer: with a find text, up to `SHOWN` of
/// `pool` whose name or username holds it; without one, up to `SHOWN` of
/// `default`; and in both cases those of `chosen` who are in `pool`,
/// first, in the order chosen. Each list is one query with a limit.
pub fn offer(
    conn: &mut DbConnection,
    pool: &Pool,
    default: &Pool,
    find: &str,
    chosen: &[i64],
) -> QueryResult<Offered> {
    let query: String = find.trim().chars().take(QUERY_MAX).collect();
    let (from, text) = if query.is_empty() {
        (default, None)
    } else {
        (pool, Some(query.as_str()))
    };
    let mut listed = users::people(conn, from, text, SHOWN as i64 + 1)?;
    let more = listed.len() > SHOWN;
    listed.truncate(SHOWN);
    let mut missing: Vec<i64> = Vec::new();
    for id in chosen {
        if !listed.iter().any(|p| p.0 == *id) && !missing.contains(id) {
            missing.push(*id);
        }
    }
    missing.truncate(CHOSEN_MAX);
    let found = users::people_among(conn, pool, &missing)?;
    let mut people: Vec<Person> = missing
        .iter()
        .filter_map(|id| found.iter().find(|p| p.0 == *id).cloned())
        .collect();
    let count = listed.len();
    people.extend(listed);
    Ok(Offered {
        people,
        query,
        listed: count,
        more,
    })
}

impl Offered {
    /// The people offered, in the order listed.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// Options of a picker (`partials/select`, `partials/multiselect`) with
    /// the values in `chosen` selected.
    pub fn options(&self, chosen: &[String]) -> Vec<Value> {
        options_of(&self.people, chosen)
    }

    /// What `partials/people_find` reads.
    pub fn view(&self) -> Value {
        json!({
            "query": self.query,
            "finding": !self.query.is_empty(),
            "found": self.listed,
            "found_text": format::number(self.listed as i64),
            "more": self.more,
            "shown": format::number(SHOWN as i64),
        })
    }
}

/// Options for people in this order, those in `chosen` selected.
pub fn options_of(people: &[Person], chosen: &[String]) -> Vec<Value> {
    people
        .iter()
        .map(|(id, username, name)| {
            let v = id.to_string();
            json!({"selected": chosen.contains(&v), "value": v, "label": format!("{name} ({username})")})
        })
        .collect()
}
