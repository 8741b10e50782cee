//! Search that ignores Vietnamese diacritics and case: "thuy khue" finds "Thụy Khuê".
//! Texts are stored with a folded copy, and queries are folded the same way.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// What a search found: the ids of tasks and of households, each with whether
/// more matched.
pub struct Found {
    pub tasks: (Vec<i64>, bool),
    pub households: (Vec<i64>, bool),
}

/// Lowercase, without tone marks or vowel hats, `đ` as `d`, spaces collapsed.
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A person as they are found: their name and username, folded, so that
/// "nguyen van an" and "an.nv" both find Nguyễn Văn An (an.nv).
pub fn person(full_name: &str, username: &str) -> String {
    fold(&format!("{full_name} {username}"))
}

/// Where a household is, as it is searched: its residential group and its
/// address, folded (never empty, so a row not yet filled is told apart).
/// Its phone is searched apart ([`phone_digits`]).
pub fn household_place(residential_group: &str, address: &str) -> String {
    format!("{} | {}", fold(residential_group), fold(address))
}

/// A phone number as its digits in the national form: `+84 912 345 678`
/// and `0912.345.678` are both `0912345678`.
pub fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("84") {
        Some(rest) if phone.trim_start().starts_with('+') || digits.len() == 11 => {
            format!("0{rest}")
        }
        _ => digits,
    }
}

/// The query as a phone number (nine digits or more, whatever separates
/// them), if that is what it is.
pub fn as_phone(query: &str) -> Option<String> {
    let q = query.trim();
    let only_phone_marks = q
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '+' | '(' | ')'));
    let digits = phone_digits(q);
    (only_phone_marks && digits.len() >= 9).then_some(digits)
}

/// A parcel asked for: `thửa 141`, `thua 141 to 20`, `tờ 20 thửa 141`,
/// `141/20` (parcel/sheet). The parcel number and the map sheet, if given.
pub fn as_parcel(query: &str) -> Option<(String, Option<String>)> {
    let q = fold(query);
    let words: Vec<&str> = q.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let number = |w: &str| {
        (!w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric())).then(|| w.to_string())
    };
    if let [one] = words.as_slice() {
        let (parcel, sheet) = one.split_once('/')?;
        let (parcel, sheet) = (number(parcel)?, number(sheet)?);
        let digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
        return (digit(&parcel) && digit(&sheet)).then_some((parcel, Some(sheet)));
    }
    // The number after `thửa` or `tờ` (past "số", "bản đồ").
    let filler = |w: &&str| matches!(*w, "so" | "ban" | "do");
    let after = |key: &str| {
        let i = words.iter().position(|w| *w == key)?;
        let w = words[i + 1..].iter().find(|w| !filler(w))?;
        number(w).filter(|n| n.chars().any(|c| c.is_ascii_digit()))
    };
    // "tổ" (a residential group) folds to "to" as "tờ" (a map sheet) does:
    // a query naming a group is not a parcel reference.
    if query.to_lowercase().contains("tổ") {
        return None;
    }
    let parcel = after("thua")?;
    let known = |w: &&str| matches!(*w, "thua" | "to" | "so" | "ban" | "do");
    let sheet = after("to");
    // Nothing but the words of a parcel reference.
    words
        .iter()
        .all(|w| {
            known(w) || Some(w.to_string()) == Some(parcel.clone()) || Some(w.to_string()) == sheet
        })
        .then_some((parcel, sheet))
}

/// A parcel or sheet number as it may have been typed: `141a` is also
/// `141A` (a query is folded to lower case, stored numbers are not).
pub fn as_typed(number: &str) -> [String; 2] {
    [number.to_uppercase(), number.to_string()]
}

/// A `LIKE` pattern that finds the folded query anywhere, with `%` and `_`
/// in the query taken literally (escaped with `\`).
pub fn like_pattern(query: &str) -> String {
    let mut out = String::from("%");
    for c in fold(query).chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The query as an FTS5 phrase for the trigram index: `None` when it is too
/// short to have a trigram (then only the plain scan can answer).
pub fn trigram_phrase(query: &str) -> Option<String> {
    let folded = fold(query);
    let folded = folded.trim();
    (folded.chars().count() >= 3).then(|| format!("\"{}\"", folded.replace('"', "\"\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_found_by_name_or_username_without_accents() {
        let found = person("Nguyễn Văn  Đức", "duc.nv");
        assert_eq!(found, "nguyen van duc duc.nv");
        for query in ["nguyen van duc", "Đức", "DUC.NV", "van duc"] {
            assert!(found.contains(&fold(query)), "{query}");
        }
        assert!(!found.contains(&fold("Đắc")));
    }

    #[test]
    fn a_parcel_a_phone_or_neither() {
        assert_eq!(as_parcel("thửa 141"), Some(("141".into(), None)));
        assert_eq!(
            as_parcel("Thửa 141 tờ 20"),
            Some(("141".into(), Some("20".into())))
        );
        assert_eq!(
            as_parcel("tờ bản đồ số 20, thửa số 141"),
            Some(("141".into(), Some("20".into())))
        );
        assert_eq!(as_parcel("141/20"), Some(("141".into(), Some("20".into()))));
        assert_eq!(as_parcel("Nguyễn Văn Thửa"), None);
        assert_eq!(as_parcel("thửa 141 tổ 5"), None);
        assert_eq!(as_parcel("ngõ 12/4 Văn Cao"), None);
        assert_eq!(as_parcel("a/b"), None);
        assert_eq!(as_phone("0912 345 678"), Some("0912345678".into()));
        assert_eq!(as_phone("+84 912.345.678"), Some("0912345678".into()));
        assert_eq!(as_phone("141"), None);
        assert_eq!(as_phone("ngõ 0912345678"), None);
        assert_eq!(
            household_place("Tổ dân phố số 1", "Số 2, ngõ 10"),
            "to dan pho so 1 | so 2, ngo 10"
        );
    }

    #[test]
    fn folding_drops_tones_hats_and_case() {
        assert_eq!(fold("Thụy Khuê"), "thuy khue");
        assert_eq!(fold("ĐƯỜNG Đê  La Thành"), "duong de la thanh");
        assert_eq!(fold("Nguyễn Thị Ánh"), "nguyen thi anh");
        assert_eq!(fold("Tổ dân phố số 18"), "to dan pho so 18");
    }

    #[test]
    fn a_folded_query_matches_the_folded_text() {
        assert!(fold("Phường Thụy Khuê, quận Tây Hồ").contains(&fold("THUY khue")));
    }

    #[test]
    fn trigram_phrases_are_quoted_and_need_three_letters() {
        assert_eq!(trigram_phrase("Nguyễn Văn"), Some("\"nguyen van\"".into()));
        assert_eq!(trigram_phrase(" an "), None);
        assert_eq!(trigram_phrase("a\"b c"), Some("\"a\"\"b c\"".into()));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Tam Đa"), "%tam da%");
        assert_eq!(like_pattern("50%_"), "%50\\%\\_%");
    }
}
