//! Field-level checks for forms. Errors are translation keys, one per field, so
//! a form can be shown again with the values typed and a message beside each field.

use std::collections::BTreeMap;

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
        let v = value.trim();
        if v.is_empty() {
            self.add(field, "error-required");
        } else if v.chars().count() > max {
            self.add(field, "error-too-long");
        }
        v.to_string()
    }

    /// An optional text; empty becomes `None`.
    pub fn optional(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        let v = value.trim();
        if v.chars().count() > max {
            self.add(field, "error-too-long");
        }
        (!v.is_empty()).then(|| v.to_string())
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
    fn emails_need_an_at_and_a_domain() {
        let mut e = FieldErrors::default();
        assert_eq!(e.email("m", ""), None);
        assert!(e.is_empty());
        e.email("m", "not-an-email");
        assert_eq!(e.get("m"), Some("error-email"));
    }
}
