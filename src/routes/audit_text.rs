//! An audit entry as its reader reads it: the action and the record in
//! words of their language, and what changed as `field: before → after`
//! rather than the JSON kept in the log.

use serde_json::{json, Map, Value};

use crate::db::audit::Entry;
use crate::domain::format;
use crate::i18n::{self, Locale};

/// A long text is cut here in the list (the log keeps it whole).
const TEXT_CHARS: usize = 160;
/// At most this many lines for one entry.
const LINES: usize = 24;

/// Entries as the log page and a record's history show them: who (by
/// name), what in words, and what changed line by line.
pub fn rows(locale: Locale, entries: &[Entry]) -> Vec<Value> {
    entries
        .iter()
        .map(|e| {
            json!({
                "at": e.at,
                "who": e.full_name.clone().filter(|n| !n.trim().is_empty()).or_else(|| e.username.clone()),
                "username": e.username,
                "action": action(locale, &e.action),
                "entity": entity(locale, &e.entity),
                "entity_id": e.entity_id,
                "lines": lines(locale, &e.entity, &e.action, &e.changes),
                "ip": e.ip,
            })
        })
        .collect()
}

/// The words for an action code (`log_visit` → "ghi lượt vận động").
pub fn action(locale: Locale, code: &str) -> String {
    i18n::t_opt(locale, &format!("audit-action-{code}")).unwrap_or_else(|| human(code))
}

/// The words for the kind of record (`desk_case` → "trường hợp công dân").
pub fn entity(locale: Locale, code: &str) -> String {
    i18n::t_opt(locale, &format!("audit-entity-{code}")).unwrap_or_else(|| human(code))
}

/// What an entry's `changes` say, one line a field: `field: before → after`
/// for an edit, `field: value` for what was recorded.
pub fn lines(locale: Locale, entity: &str, action: &str, changes: &str) -> Vec<String> {
    let cx = Cx {
        locale,
        action,
        status: match entity {
            "model" => "model-status",
            "review_round" => "round-status",
            "recommendation" => "rec-status",
            _ => "task-status",
        },
    };
    let Ok(value) = serde_json::from_str::<Value>(changes) else {
        return vec![cut(changes)];
    };
    let mut out = Vec::new();
    match &value {
        Value::Object(map) => fields(&cx, map, &mut out),
        Value::Null => {}
        other => out.push(shown(&cx, "", other)),
    }
    out.truncate(LINES);
    out
}

/// What the values of an entry are read against.
struct Cx<'a> {
    locale: Locale,
    action: &'a str,
    /// The list a `status` of this kind of record takes its words from.
    status: &'static str,
}

fn fields(cx: &Cx, map: &Map<String, Value>, out: &mut Vec<String>) {
    let locale = cx.locale;
    // `from` and `to` together are one move.
    if let (Some(from), Some(to)) = (map.get("from"), map.get("to")) {
        let key = if from.is_string() || to.is_string() {
            "status"
        } else {
            "value"
        };
        out.push(format!(
            "{}: {} → {}",
            label(locale, key),
            shown(cx, key, from),
            shown(cx, key, to)
        ));
    }
    for (key, v) in map {
        if key == "from" || key == "to" {
            continue;
        }
        match v {
            // A pair under an edit (or a stage or status) is before and after.
            Value::Array(pair)
                if pair.len() == 2
                    && (cx.action == "update" || matches!(key.as_str(), "stage" | "status")) =>
            {
                out.push(format!(
                    "{}: {} → {}",
                    label(locale, key),
                    shown(cx, key, &pair[0]),
                    shown(cx, key, &pair[1])
                ));
            }
            // A group of fields (`fields`, `amounts`, an answer…) is read as
            // its own fields.
            Value::Object(inner) => fields(cx, inner, out),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            v => out.push(format!("{}: {}", label(locale, key), shown(cx, key, v))),
        }
    }
}

/// A field's name: the log's own words for it, else the form's label.
fn label(locale: Locale, key: &str) -> String {
    let dashed = key.replace('_', "-");
    let bare = dashed.strip_suffix("-id").unwrap_or(&dashed);
    i18n::t_opt(locale, &format!("audit-field-{key}"))
        .or_else(|| i18n::t_opt(locale, &format!("field-{dashed}")))
        .or_else(|| i18n::t_opt(locale, &format!("field-{bare}")))
        .unwrap_or_else(|| human(key))
}

/// A value as the pages write it: dates `dd/mm/yyyy`, numbers the
/// Vietnamese way, a stage or status in words, lists joined.
fn shown(cx: &Cx, key: &str, v: &Value) -> String {
    let locale = cx.locale;
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => i18n::t(locale, if *b { "audit-yes" } else { "audit-no" }),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => format::number(i),
            (None, Some(x)) => format::decimal(x),
            _ => n.to_string(),
        },
        Value::String(s) => {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return format::date(d);
            }
            // A code in words where a list names it (`agrees`, `Transfer`…).
            let code = s.to_lowercase();
            let is_code = code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            let list = match key {
                _ if !is_code => None,
                "status" => Some(cx.status.to_string()),
                k if k.contains("stage") => Some("stage".into()),
                "outcome" => Some("outcome-desk".into()),
                k => Some(format!("money-{k}")),
            };
            list.and_then(|p| i18n::t_opt(locale, &format!("{p}-{code}")))
                .unwrap_or_else(|| cut(s))
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(|i| shown(cx, key, i))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(items) => {
            i18n::t_args(locale, "audit-items", &[("n", items.len().to_string())])
        }
        Value::Object(o) => i18n::t_args(locale, "audit-items", &[("n", o.len().to_string())]),
    }
}

fn cut(s: &str) -> String {
    if s.chars().count() <= TEXT_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(TEXT_CHARS).collect();
        t.push('…');
        t
    }
}

/// A code without words of its own, readable at least: `from_official` →
/// "from official".
fn human(code: &str) -> String {
    code.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_reads_field_before_after_in_the_readers_language() {
        let changes = r#"{"phone":["0912 345 678","0987 654 321"],"area_m2":[80.0,1270.8],"deadline":[null,"2026-12-31"]}"#;
        let vi = lines(Locale::Vi, "household", "update", changes);
        assert!(
            vi.contains(&"Điện thoại: 0912 345 678 → 0987 654 321".to_string()),
            "{vi:?}"
        );
        assert!(
            vi.contains(&"Diện tích (m²): 80 → 1.270,8".to_string()),
            "{vi:?}"
        );
        assert!(vi.iter().any(|l| l.ends_with("— → 31/12/2026")), "{vi:?}");
        let en = lines(Locale::En, "household", "update", changes);
        assert!(en.iter().any(|l| l.starts_with("Phone: ")), "{en:?}");
    }

    #[test]
    fn a_record_reads_its_fields_and_a_stage_in_words() {
        let vi = lines(
            Locale::Vi,
            "household",
            "log_visit",
            r#"{"corrects":null,"stage":["not_contacted","notice_received"],"visit":1}"#,
        );
        assert!(
            vi.iter()
                .any(|l| l.contains("Chưa tiếp cận → Đã nhận thông báo thu hồi")),
            "{vi:?}"
        );
        let moved = lines(
            Locale::Vi,
            "model",
            "move",
            r#"{"from":"registered","to":"accepted","reason":null}"#,
        );
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(
            moved[0].ends_with(": Đã đăng ký → Được công nhận"),
            "{moved:?}"
        );
        assert!(!lines(
            Locale::Vi,
            "campaign",
            "create",
            r#"{"focus_fields":[5,6]}"#
        )[0]
        .contains('→'));
    }

    #[test]
    fn codes_without_words_stay_readable() {
        assert_eq!(action(Locale::Vi, "log_visit"), "ghi lượt vận động");
        assert_eq!(action(Locale::Vi, "some_new_thing"), "some new thing");
        assert_eq!(entity(Locale::En, "desk_case"), "citizen case");
    }
}
