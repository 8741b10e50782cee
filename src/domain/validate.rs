//! Field-level checks for forms. Errors are translation keys, one per field, so
//! a form can be shown again with the values typed and a message beside each field.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

use super::numbers::{self, DecimalSign};

/// Text as it is stored: trimmed, in Unicode NFC (a name typed or pasted
/// in decomposed form, `Nguye\u{302}\u{303}n`, is the same name), without NUL
/// characters (PostgreSQL cannot store them).
pub fn text(raw: &str) -> String {
    raw.trim().nfc().filter(|c| *c != '\0').collect()
}

/// The dates a form takes: what this work records happened or is planned
/// between these days (stated in `error-date-range`).
pub const DATES: std::ops::RangeInclusive<chrono::NaiveDate> = match (
    chrono::NaiveDate::from_ymd_opt(1990, 1, 1),
    chrono::NaiveDate::from_ymd_opt(2099, 12, 31),
) {
    (Some(a), Some(b)) => a..=b,
    _ => panic!("valid bounds"),
};

/// The largest decimal a form takes (stated in `error-number-too-large`):
/// a figure, a target, a score; areas have their own (`MAX_AREA_M2`).
pub const MAX_DECIMAL: f64 = 1e12;
/// The largest whole number: money in đồng (a thousand trillion).
pub const MAX_WHOLE: i64 = 1_000_000_000_000_000;
/// The largest area in m² (100.000 ha), well past any project's.
pub const MAX_AREA_M2: f64 = 1e9;

/// Field name → translation key of the message.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, key: &str) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| key.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// A required text of at most `max` characters; returns it trimmed.
    pub fn required(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = text(value);
        let v = v.as_str();
        if v.is_empty() {
            self.add(field, "error-required");
        } else if v.chars().count() > max {
            self.add(field, "error-too-long");
        }
        v.to_string()
    }

    /// An optional text; empty becomes `None`.
    pub fn optional(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        let v = text(value);
        let v = v.as_str();
        if v.chars().count() > max {
            self.add(field, "error-too-long");
        }
        (!v.is_empty()).then(|| v.to_string())
    }

    /// [`Self::optional`] as stored: the trimmed text, or empty when none was
    /// typed.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) -> String {
        self.optional(field, value, max).unwrap_or_default()
    }

    /// An id chosen from a list; anything else is an error.
    pub fn id(&mut self, field: &str, value: &str) -> Option<i64> {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, "error-required");
            return None;
        }
        match v.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                self.add(field, "error-invalid-choice");
                None
            }
        }
    }

    /// An optional whole number, typed with or without thousands dots
    /// (`1.315`); `1.31` or `2,5` is refused with its reason.
    pub fn number<T: TryFrom<i64>>(&mut self, field: &str, raw: &str) -> Option<T> {
        match numbers::parse_whole(raw) {
            Ok(None) => None,
            Ok(Some(n)) if n.unsigned_abs() > MAX_WHOLE as u64 => {
                self.add(field, "error-number-too-large");
                None
            }
            Ok(Some(n)) => {
                let fits = T::try_from(n).ok();
                if fits.is_none() {
                    self.add(field, "error-number");
                }
                fits
            }
            Err(e) => {
                self.add(field, e.key());
                None
            }
        }
    }

    /// An optional amount in whole đồng, typed with or without thousands
    /// dots and a trailing `đ`/`VNĐ` (`182.900.000.000 đ`); negative, broken
    /// or past `money::MAX_AMOUNT` is refused with its reason.
    pub fn money(&mut self, field: &str, raw: &str) -> Option<i64> {
        let lower = raw.trim().to_lowercase();
        let bare = ["vnđ", "vnd", "đồng", "đ"]
            .iter()
            .find_map(|unit| lower.strip_suffix(unit))
            .unwrap_or(&lower);
        let n = self.number::<i64>(field, bare)?;
        self.money_value(field, Some(n))
    }

    /// An amount already read (a JSON body): not negative, within
    /// `money::MAX_AMOUNT`.
    pub fn money_value(&mut self, field: &str, amount: Option<i64>) -> Option<i64> {
        match amount? {
            n if n < 0 => {
                self.add(field, "error-number-negative");
                None
            }
            n if n > super::money::MAX_AMOUNT => {
                self.add(field, "error-number-too-large");
                None
            }
            n => Some(n),
        }
    }

    /// An optional non-negative decimal written the Vietnamese way
    /// (`1.270,8`, `2.045`); an ambiguous `2.5` is refused with its reason.
    pub fn decimal(&mut self, field: &str, raw: &str) -> Option<f64> {
        self.decimal_with(field, raw, DecimalSign::Comma)
    }

    /// As `decimal`, for texts from a file whose decimal sign is known.
    pub fn decimal_with(&mut self, field: &str, raw: &str, sign: DecimalSign) -> Option<f64> {
        match numbers::parse_decimal(raw, sign) {
            Ok(Some(v)) if v > MAX_DECIMAL => {
                self.add(field, "error-number-too-large");
                None
            }
            Ok(v) => v,
            Err(e) => {
                self.add(field, e.key());
                None
            }
        }
    }

    /// An optional area in m², at most `MAX_AREA_M2`.
    pub fn area(&mut self, field: &str, raw: &str) -> Option<f64> {
        match numbers::parse_decimal(raw, DecimalSign::Comma) {
            Ok(Some(area)) => self.area_value(field, area),
            Ok(None) => None,
            Err(e) => {
                self.add(field, e.key());
                None
            }
        }
    }

    /// An area already read as a number (a JSON body, a sheet's cell):
    /// non-negative and at most `MAX_AREA_M2`.
    pub fn area_value(&mut self, field: &str, area: f64) -> Option<f64> {
        if !area.is_finite() {
            self.add(field, "error-number");
        } else if area < 0.0 {
            self.add(field, "error-number-negative");
        } else if area > MAX_AREA_M2 {
            self.add(field, "error-area-too-large");
        } else {
            return Some(area);
        }
        None
    }

    /// A date already read (a JSON body): within `DATES`.
    pub fn date_value(
        &mut self,
        field: &str,
        date: Option<chrono::NaiveDate>,
    ) -> Option<chrono::NaiveDate> {
        let d = date?;
        if DATES.contains(&d) {
            Some(d)
        } else {
            self.add(field, "error-date-range");
            None
        }
    }

    /// Adds `other`'s errors to fields that have none yet.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, key) in other.0 {
            self.0.entry(field).or_insert(key);
        }
    }

    /// An id as a page sends it, for a use case to check: empty is `None`;
    /// text that is no number is an error here.
    pub fn typed_id(&mut self, field: &str, raw: &str) -> Option<i64> {
        match raw.trim() {
            "" => None,
            s => s.parse().ok().or_else(|| {
                self.add(field, "error-invalid-choice");
                None
            }),
        }
    }

    /// A required id already read: `None` is required, zero or less names
    /// nothing.
    pub fn required_id(&mut self, field: &str, id: Option<i64>) -> Option<i64> {
        match id {
            None => {
                self.add(field, "error-required");
                None
            }
            Some(id) if id <= 0 => {
                self.add(field, "error-invalid-choice");
                None
            }
            id => id,
        }
    }

    /// Ids chosen in a multi-select, without repeats.
    pub fn ids(&mut self, field: &str, raw: &[String]) -> Vec<i64> {
        let mut out: Vec<i64> = Vec::new();
        for r in raw.iter().filter(|r| !r.trim().is_empty()) {
            match r.trim().parse() {
                Ok(id) => out.push(id),
                Err(_) => self.add(field, "error-invalid-choice"),
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// An optional `dd/mm/yyyy` date within `DATES` (a task, a visit, a duty
    /// of this work falls there; year 9999 is a slip of the keyboard).
    pub fn date(&mut self, field: &str, raw: &str) -> Option<chrono::NaiveDate> {
        match raw.trim() {
            "" => None,
            s => match super::format::parse_any_date(s) {
                None => {
                    self.add(field, "error-date");
                    None
                }
                Some(d) if !DATES.contains(&d) => {
                    self.add(field, "error-date-range");
                    None
                }
                d => d,
            },
        }
    }

    /// Usernames: 3–40 characters of lowercase letters, digits, `.`, `_`, `-`.
    pub fn username(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().to_lowercase();
        let ok = (3..=40).contains(&v.len())
            && v.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !ok {
            self.add(field, "error-username");
        }
        v
    }

    pub fn email(&mut self, field: &str, value: &str) -> Option<String> {
        let v = self.optional(field, value, 200)?;
        let valid = v
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !v.contains(' '));
        if !valid {
            self.add(field, "error-email");
        }
        Some(v)
    }

    /// A new password: at least 10 characters, not all the same kind.
    pub fn new_password(&mut self, field: &str, value: &str, confirm_field: &str, confirm: &str) {
        if value.chars().count() < 10 {
            self.add(field, "error-password-short");
        } else if value.chars().count() > 200 {
            self.add(field, "error-too-long");
        } else if value.chars().all(|c| c.is_ascii_digit())
            || value.chars().all(char::is_alphabetic)
        {
            self.add(field, "error-password-weak");
        }
        if value != confirm {
            self.add(confirm_field, "error-password-mismatch");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_report_empty_and_too_long() {
        let mut e = FieldErrors::default();
        assert_eq!(
            e.required("name", "  Phường Quảng An ", 100),
            "Phường Quảng An"
        );
        e.required("a", "   ", 10);
        e.required("b", "quá dài quá dài", 5);
        assert_eq!(e.get("name"), None);
        assert_eq!(e.get("a"), Some("error-required"));
        assert_eq!(e.get("b"), Some("error-too-long"));
    }

    #[test]
    fn usernames_are_lowercase_ascii() {
        let mut e = FieldErrors::default();
        assert_eq!(e.username("u", "Nguyen.Van-A"), "nguyen.van-a");
        assert!(e.is_empty());
        e.username("u", "nguyễn");
        assert_eq!(e.get("u"), Some("error-username"));
    }

    #[test]
    fn passwords_need_length_variety_and_confirmation() {
        let mut e = FieldErrors::default();
        e.new_password("p", "short1", "c", "short1");
        assert_eq!(e.get("p"), Some("error-password-short"));
        let mut e = FieldErrors::default();
        e.new_password("p", "1234567890", "c", "1234567890");
        assert_eq!(e.get("p"), Some("error-password-weak"));
        let mut e = FieldErrors::default();
        e.new_password("p", "tay-ho-2022!", "c", "tay-ho-2023!");
        assert_eq!(e.get("p"), None);
        assert_eq!(e.get("c"), Some("error-password-mismatch"));
    }

    #[test]
    fn numbers_and_decimals_accept_vietnamese_separators() {
        let mut e = FieldErrors::default();
        assert_eq!(e.number::<i64>("n", "1.315"), Some(1315));
        assert_eq!(e.decimal("a", "1.270,8"), Some(1270.8));
        assert_eq!(e.decimal("b", "2.045"), Some(2045.0));
        assert_eq!(e.number::<i32>("c", ""), None);
        assert!(e.is_empty());
        e.decimal("d", "-5");
        e.number::<i32>("e", "năm");
        e.decimal("g", "2.5");
        e.number::<i32>("h", "1.31");
        e.number::<i32>("i", "2,5");
        e.number::<i32>("j", "3.000.000.000");
        assert_eq!(e.get("d"), Some("error-number-negative"));
        assert_eq!(e.get("e"), Some("error-number"));
        assert_eq!(e.get("g"), Some("error-number-ambiguous"));
        assert_eq!(e.get("h"), Some("error-number-ambiguous"));
        assert_eq!(e.get("i"), Some("error-number-whole"));
        assert_eq!(e.get("j"), Some("error-number"), "beyond an i32");
        assert_eq!(
            e.ids("f", &["3".into(), "1".into(), "3".into()]),
            vec![1, 3]
        );
    }

    #[test]
    fn dates_and_numbers_have_plausible_bounds() {
        let mut e = FieldErrors::default();
        assert!(e.date("a", "31/12/2099").is_some());
        assert!(e.date("a", "01/01/1990").is_some());
        assert_eq!(e.date("b", "31/12/9999"), None);
        assert_eq!(e.date("c", "31/12/1989"), None);
        assert_eq!(e.get("b"), Some("error-date-range"));
        assert_eq!(e.get("c"), Some("error-date-range"));
        assert_eq!(e.area("d", "1.000.000.000"), Some(1e9));
        assert_eq!(e.area("e", "1.000.000.001"), None);
        assert_eq!(e.get("e"), Some("error-area-too-large"));
        assert_eq!(e.decimal("f", &"9".repeat(13)), None);
        assert_eq!(e.get("f"), Some("error-number-too-large"));
        assert_eq!(
            e.number::<i64>("g", "182.900.000.000"),
            Some(182_900_000_000)
        );
        assert_eq!(e.number::<i64>("h", "1.000.000.000.000.001"), None);
        assert_eq!(e.get("h"), Some("error-number-too-large"));
    }

    #[test]
    fn text_is_stored_trimmed_and_composed() {
        let mut e = FieldErrors::default();
        let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n An";
        assert_eq!(e.required("n", decomposed, 100), "Nguyễn Văn An");
        assert_eq!(
            e.optional("o", " Tra\u{302}\u{300}n ", 100),
            Some("Trần".to_string())
        );
        assert_eq!(text("a\0b"), "ab");
    }

    #[test]
    fn emails_need_an_at_and_a_domain() {
        let mut e = FieldErrors::default();
        assert_eq!(e.email("m", ""), None);
        assert!(e.is_empty());
        e.email("m", "not-an-email");
        assert_eq!(e.get("m"), Some("error-email"));
    }
}
