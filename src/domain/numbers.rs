//! Numbers as Vietnamese write them, read back: a dot groups thousands and a
//! comma is the decimal sign (`1.270,8`, `2.045`, `12.300`). The pages show
//! numbers this way (`format::decimal`), so a form, an import and an export
//! must read them this way too; a text that fits no reading (`2.5`,
//! `1270.8`) is refused with a message rather than guessed.

/// Which sign separates the decimals in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DecimalSign {
    /// Vietnamese: `1.270,8`. The rule everywhere unless a file says otherwise.
    #[default]
    Comma,
    /// English, for files written that way (an import option): `1,270.8`.
    Point,
}

impl DecimalSign {
    fn marks(self) -> (char, char) {
        match self {
            DecimalSign::Comma => (',', '.'),
            DecimalSign::Point => ('.', ','),
        }
    }
}

/// Why a text is not a number of the kind wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    NotANumber,
    /// A separator where neither reading fits (`2.5` under the Vietnamese
    /// rule): the writer must say which they meant.
    Ambiguous,
    Negative,
    NotWhole,
}

impl NumberError {
    /// The translation key of the message shown beside the field.
    pub fn key(self) -> &'static str {
        match self {
            NumberError::NotANumber => "error-number",
            NumberError::Ambiguous => "error-number-ambiguous",
            NumberError::Negative => "error-number-negative",
            NumberError::NotWhole => "error-number-whole",
        }
    }
}

/// Spaces people and spreadsheet programs put between thousands.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// `1.234.567` (groups of three after the first), or digits alone.
fn grouped_digits(s: &str, group: char) -> Result<String, NumberError> {
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !s.contains(group) {
        return if all_digits(s) {
            Ok(s.to_string())
        } else {
            Err(NumberError::NotANumber)
        };
    }
    let parts: Vec<&str> = s.split(group).collect();
    if !parts.iter().all(|p| all_digits(p)) {
        return Err(NumberError::NotANumber);
    }
    let first = parts[0].len();
    // `0.500` is a decimal written the English way, not five hundred.
    if (1..=3).contains(&first)
        && !parts[0].starts_with('0')
        && parts[1..].iter().all(|p| p.len() == 3)
    {
        Ok(parts.concat())
    } else {
        Err(NumberError::Ambiguous)
    }
}

/// A non-negative decimal; `Ok(None)` when the text is empty.
pub fn parse_decimal(raw: &str, sign: DecimalSign) -> Result<Option<f64>, NumberError> {
    let text: String = raw.chars().filter(|c| !is_blank(*c)).collect();
    if text.is_empty() {
        return Ok(None);
    }
    let (text, negative) = match text.strip_prefix('-') {
        Some(rest) => (rest.to_string(), true),
        None => (text.strip_prefix('+').unwrap_or(&text).to_string(), false),
    };
    let (decimal, group) = sign.marks();
    let (whole, fraction) = match text.split_once(decimal) {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    // `1.270.8` or `1,270.8` under the Vietnamese rule: the writer used the
    // other convention.
    if fraction.is_some_and(|f| f.contains(group) || f.contains(decimal)) {
        return Err(NumberError::Ambiguous);
    }
    let whole = if whole.is_empty() && fraction.is_some() {
        "0".to_string()
    } else {
        grouped_digits(whole, group)?
    };
    let number = match fraction {
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(NumberError::NotANumber)
        }
        Some(f) => format!("{whole}.{f}"),
        None => whole,
    };
    let value: f64 = number.parse().map_err(|_| NumberError::NotANumber)?;
    if !value.is_finite() {
        return Err(NumberError::NotANumber);
    }
    if negative && value != 0.0 {
        return Err(NumberError::Negative);
    }
    Ok(Some(value))
}

/// A whole number, thousands grouped by dots or not (`1.315`, `-3`);
/// `Ok(None)` when empty.
pub fn parse_whole(raw: &str) -> Result<Option<i64>, NumberError> {
    let text: String = raw.chars().filter(|c| !is_blank(*c)).collect();
    if text.is_empty() {
        return Ok(None);
    }
    let (digits, negative) = match text.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (text.strip_prefix('+').unwrap_or(&text), false),
    };
    // `1.315,0` is still whole.
    let digits = match digits.split_once(',') {
        Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
        Some(_) => return Err(NumberError::NotWhole),
        None => digits,
    };
    let digits = grouped_digits(digits, '.')?;
    let n: i64 = digits.parse().map_err(|_| NumberError::NotANumber)?;
    Ok(Some(if negative { -n } else { n }))
}

/// A value as a form field holds it: the Vietnamese way, with every digit it
/// has (`1270.8` → `1.270,8`, `0.125` → `0,125`), so that saving a form
/// unchanged stores the same number.
pub fn input(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    // `Display` of f64 is the shortest text that reads back as the same value,
    // never in exponent form.
    let plain = format!("{}", x.abs());
    let (whole, fraction) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    out
}

/// `part` of `whole` in whole percent, the one way every page, export and
/// the API round it: to the nearest (1 of 6 is 17 %), except that something
/// begun is never 0 % and something unfinished never 100 %. 0 for an empty
/// whole.
pub fn percent(part: f64, whole: f64) -> i64 {
    if whole <= 0.0 || part <= 0.0 || !part.is_finite() || !whole.is_finite() {
        return 0;
    }
    if part >= whole {
        return 100;
    }
    ((part * 100.0 / whole).round() as i64).clamp(1, 99)
}

/// [`percent`] of counts.
pub fn percent_of(part: i64, whole: i64) -> i64 {
    percent(part as f64, whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vn(s: &str) -> Result<Option<f64>, NumberError> {
        parse_decimal(s, DecimalSign::Comma)
    }

    #[test]
    fn a_dot_groups_thousands_and_a_comma_starts_the_decimals() {
        assert_eq!(vn("2.045"), Ok(Some(2045.0)));
        assert_eq!(vn("12.300"), Ok(Some(12300.0)));
        assert_eq!(vn("1.270,8"), Ok(Some(1270.8)));
        assert_eq!(vn("28.227,75"), Ok(Some(28227.75)));
        assert_eq!(vn("182.900.000.000"), Ok(Some(182_900_000_000.0)));
        assert_eq!(vn("85,5"), Ok(Some(85.5)));
        assert_eq!(vn(",5"), Ok(Some(0.5)));
        assert_eq!(vn("1270,8"), Ok(Some(1270.8)));
        assert_eq!(vn(" 1 270,8 "), Ok(Some(1270.8)));
        assert_eq!(vn("1\u{a0}270"), Ok(Some(1270.0)));
        assert_eq!(vn("120"), Ok(Some(120.0)));
        assert_eq!(vn(""), Ok(None));
        assert_eq!(vn("   "), Ok(None));
    }

    #[test]
    fn a_dot_that_cannot_group_thousands_is_ambiguous_not_a_decimal_point() {
        for s in [
            "2.5", "1270.8", "12.30", "1.2345", "1234.567", "1.270.8", "1,270.8",
        ] {
            assert_eq!(vn(s), Err(NumberError::Ambiguous), "{s}");
        }
    }

    #[test]
    fn words_negatives_and_stray_signs_are_refused() {
        for (text, read) in [
            ("năm mươi", Err(NumberError::NotANumber)),
            ("12,", Err(NumberError::NotANumber)),
            ("1,2,3", Err(NumberError::Ambiguous)),
            (".", Err(NumberError::NotANumber)),
            ("1e5", Err(NumberError::NotANumber)),
            ("NaN", Err(NumberError::NotANumber)),
            ("inf", Err(NumberError::NotANumber)),
            ("-5", Err(NumberError::Negative)),
            ("-0", Ok(Some(0.0))),
            ("+5", Ok(Some(5.0))),
        ] {
            assert_eq!(vn(text), read, "{text}");
        }
    }

    #[test]
    fn files_written_with_a_decimal_point_read_with_the_point_option() {
        let en = |s| parse_decimal(s, DecimalSign::Point);
        assert_eq!(en("2.045"), Ok(Some(2.045)));
        assert_eq!(en("1,270.8"), Ok(Some(1270.8)));
        assert_eq!(en("1270.8"), Ok(Some(1270.8)));
        assert_eq!(en("12,300"), Ok(Some(12300.0)));
        assert_eq!(en("2,5"), Err(NumberError::Ambiguous));
    }

    #[test]
    fn whole_numbers_take_grouping_dots_but_no_decimals() {
        assert_eq!(parse_whole("1.315"), Ok(Some(1315)));
        assert_eq!(parse_whole("182.900.000.000"), Ok(Some(182_900_000_000)));
        assert_eq!(parse_whole("-3"), Ok(Some(-3)));
        assert_eq!(parse_whole("1.315,0"), Ok(Some(1315)));
        assert_eq!(parse_whole(""), Ok(None));
        assert_eq!(parse_whole("1.31"), Err(NumberError::Ambiguous));
        assert_eq!(parse_whole("2,5"), Err(NumberError::NotWhole));
        assert_eq!(parse_whole("mười"), Err(NumberError::NotANumber));
        assert_eq!(
            parse_whole("99999999999999999999"),
            Err(NumberError::NotANumber)
        );
    }

    #[test]
    fn a_value_written_into_a_form_reads_back_exactly() {
        assert_eq!(input(1270.8), "1.270,8");
        assert_eq!(input(2045.0), "2.045");
        assert_eq!(input(0.125), "0,125");
        assert_eq!(input(999.0), "999");
        assert_eq!(input(182_900_000_000.0), "182.900.000.000");
        assert_eq!(input(-2.5), "-2,5");
        for x in [0.0, 0.1 + 0.2, 1e-7, 123456.789, 1e20, 28227.75, 2.045] {
            assert_eq!(vn(&input(x)), Ok(Some(x)), "{x}");
        }
    }

    #[test]
    fn a_percentage_rounds_to_the_nearest_but_never_to_done_or_to_nothing() {
        assert_eq!(percent_of(1, 6), 17);
        assert_eq!(percent_of(1, 3), 33);
        assert_eq!(percent_of(2, 3), 67);
        assert_eq!(percent_of(1, 8), 13);
        assert_eq!(percent_of(995, 1000), 99);
        assert_eq!(percent_of(1, 1000), 1);
        assert_eq!(percent_of(6, 6), 100);
        assert_eq!(percent_of(7, 6), 100);
        assert_eq!(percent_of(0, 6), 0);
        assert_eq!(percent_of(3, 0), 0);
        assert_eq!(percent(0.5, 0.0), 0);
        assert_eq!(percent(f64::NAN, 1.0), 0);
    }
}
