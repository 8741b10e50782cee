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
