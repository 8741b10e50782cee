//! Translations with Fluent: Vietnamese first, English second. Every text the
//! interface shows comes from `locales/{vi,en}/*.ftl`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "vi",
        // Bidi isolation marks would show up in plain-text emails and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A record's name in the reader's language: the Vietnamese one when it
/// has no English name (a category, a procedure, a criterion, a field).
pub fn named(locale: Locale, vi: &str, en: &str) -> String {
    match locale {
        Locale::En if !en.trim().is_empty() => en.to_string(),
        _ => vi.to_string(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Vi, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.code() == s)
    }

    /// The locale for a stored code, Vietnamese when unknown.
    pub fn or_default(s: Option<&str>) -> Locale {
        s.and_then(Locale::parse).unwrap_or_default()
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Locale::Vi => fluent_templates::langid!("vi"),
            Locale::En => fluent_templates::langid!("en"),
        }
    }
}

/// The text for `key`, or the key itself when no language has it (so a missing
/// translation shows up instead of vanishing).
pub fn t(locale: Locale, key: &str) -> String {
    let index = locale as usize;
    if let Some(text) = MEMO[index].read().ok().and_then(|m| m.get(key).cloned()) {
        return text;
    }
    let text = LOCALES
        .try_lookup(&locale.id(), key)
        .unwrap_or_else(|| key.to_string());
    if let Ok(mut memo) = MEMO[index].write() {
        // Keys are the translation files' own, a few hundred; the bound only
        // guards against a key built from unexpected data.
        if memo.len() < MEMO_LIMIT {
            memo.insert(key.to_string(), text.clone());
        }
    }
    text
}

/// A message without arguments always formats the same, so each is formatted
/// once per language (Fluent negotiates the language and resolves the pattern
/// on every lookup; a page calls `t` a hundred times or more).
static MEMO: [std::sync::LazyLock<std::sync::RwLock<HashMap<String, String>>>; 2] = [
    std::sync::LazyLock::new(Default::default),
    std::sync::LazyLock::new(Default::default),
];
const MEMO_LIMIT: usize = 4096;

/// The text for `key` if a translation file has it.
pub fn t_opt(locale: Locale, key: &str) -> Option<String> {
    LOCALES.try_lookup(&locale.id(), key)
}

pub fn t_args(locale: Locale, key: &str, args: &[(&str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone())))
        .collect();
    LOCALES
        .try_lookup_with_args(&locale.id(), key, &map)
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_the_default_and_english_is_available() {
        assert_eq!(Locale::or_default(None), Locale::Vi);
        assert_eq!(Locale::or_default(Some("fr")), Locale::Vi);
        assert_eq!(t(Locale::Vi, "login-title"), "Đăng nhập");
        assert_eq!(t(Locale::En, "login-title"), "Log in");
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let s = t_args(Locale::En, "login-locked", &[("minutes", "15".into())]);
        assert!(s.contains("15"), "{s}");
        assert!(!s.contains('\u{2068}'));
    }

    #[test]
    fn a_missing_key_shows_itself() {
        assert_eq!(t(Locale::Vi, "no-such-key"), "no-such-key");
    }

    /// Both languages define the same keys, so no page is half translated.
    #[test]
    fn both_languages_have_the_same_keys() {
        let keys = |lang: &str| -> std::collections::BTreeSet<String> {
            let dir = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
            let mut out = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in text.lines() {
                    if let Some((k, _)) = line.split_once(" =") {
                        if !k.starts_with(char::is_whitespace) && !k.starts_with('#') {
                            out.insert(k.trim().to_string());
                        }
                    }
                }
            }
            out
        };
        let vi = keys("vi");
        let en = keys("en");
        assert!(!vi.is_empty());
        assert_eq!(
            vi.symmetric_difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new()
        );
    }

    /// Every refusal a use case names (a `Rejected::NotAllowed` key, shown
    /// to the user as it is) has its words in both languages.
    #[test]
    fn every_refusal_named_in_the_code_has_words() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for part in text.split("NotAllowed(\"").skip(1) {
                        if let Some((key, _)) = part.split_once('"') {
                            out.push(key.to_string());
                        }
                    }
                }
            }
        }
        let mut keys = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut keys,
        );
        assert!(keys.len() >= 3, "{keys:?}");
        for key in keys {
            for locale in [Locale::Vi, Locale::En] {
                assert_ne!(t(locale, &key), key, "{key} has no words in {locale:?}");
            }
        }
    }

    #[test]
    fn a_name_without_english_words_is_shown_in_vietnamese() {
        let named = |l, en| named(l, "Giải phóng mặt bằng", en);
        assert_eq!(named(Locale::En, "Site clearance"), "Site clearance");
        assert_eq!(named(Locale::Vi, "Site clearance"), "Giải phóng mặt bằng");
        for blank in ["", "  "] {
            assert_eq!(named(Locale::En, blank), "Giải phóng mặt bằng");
        }
    }
}
