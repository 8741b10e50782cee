//! How numbers, money and dates are shown: Vietnamese conventions everywhere
//! (`1.315`, `182.900.000.000 đ`, `14/01/2022`), whatever the interface language.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

/// Vietnam's time zone (no daylight saving).
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

/// Today's date in Vietnam.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&vietnam()).date_naive()
}

/// `1315` → `1.315`, `-2699000` → `-2.699.000`.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Money in đồng: `182.900.000.000 đ`.
pub fn money(dong: i64) -> String {
    format!("{} đ", number(dong))
}

/// A decimal with a comma and at most two decimals: `1270.8` → `1.270,8`.
pub fn decimal(x: f64) -> String {
    let cents = (x * 100.0).round() as i64;
    let whole = number(cents / 100);
    let frac = (cents % 100).unsigned_abs();
    let sign = if cents < 0 && cents / 100 == 0 {
        "-"
    } else {
        ""
    };
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole},{}", f / 10),
        f => format!("{sign}{whole},{f:02}"),
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The day in Vietnam of a stored UTC timestamp.
pub fn local_date(utc: NaiveDateTime) -> NaiveDate {
    vietnam().from_utc_datetime(&utc).date_naive()
}

/// A stored UTC timestamp shown in Vietnam time: `22/11/2026 08:05`.
pub fn datetime(utc: NaiveDateTime) -> String {
    vietnam()
        .from_utc_datetime(&utc)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// The same moment in machine-readable form, for `<time datetime>`:
/// `2026-11-22T08:05+07:00`.
pub fn iso_datetime(utc: NaiveDateTime) -> String {
    vietnam()
        .from_utc_datetime(&utc)
        .format("%Y-%m-%dT%H:%M%:z")
        .to_string()
}

/// Reads `dd/mm/yyyy` (also `d/m/yyyy`) or the ISO `yyyy-mm-dd` that date inputs send.
/// Years outside 1900–2200 are no date of this work (a query asking for
/// year 9999 would otherwise walk eight thousand years of working days);
/// forms say their own range (`FieldErrors::date`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    parse_any_date(s).filter(|d| (1900..=2200).contains(&d.year()))
}

/// `parse_date` whatever the year: day, month and year as Vietnamese write
/// them (`30/11/2023`; with dots, dashes or spaces between, as a phone's
/// number pad offers; or the eight digits alone, `30112023`), or ISO
/// (`2023-11-30`).
pub fn parse_any_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%d%m%Y").ok();
    }
    let parts: Vec<&str> = s.split(['/', '.', '-', ' ']).collect();
    match parts[..] {
        [d, m, y] if y.len() == 4 => {
            NaiveDate::parse_from_str(&format!("{d}/{m}/{y}"), "%d/%m/%Y").ok()
        }
        _ => None,
    }
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>().trim_end())
    }
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|q| q.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            url_encode("/admin/users?page=2"),
            "%2Fadmin%2Fusers%3Fpage%3D2"
        );
    }

    #[test]
    fn numbers_use_dots_between_thousands() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1315), "1.315");
        assert_eq!(number(2699), "2.699");
        assert_eq!(number(-1234567), "-1.234.567");
        assert_eq!(money(182_900_000_000), "182.900.000.000 đ");
        assert_eq!(decimal(1270.8), "1.270,8");
        assert_eq!(decimal(1_040_000.0), "1.040.000");
        assert_eq!(decimal(0.05), "0,05");
        assert_eq!(decimal(-0.5), "-0,5");
    }

    #[test]
    fn dates_are_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2022, 1, 14).unwrap();
        assert_eq!(date(d), "14/01/2022");
        assert_eq!(parse_date("14/01/2022"), Some(d));
        assert_eq!(parse_date("14/1/2022"), Some(d));
        assert_eq!(parse_date("2022-01-14"), Some(d));
        assert_eq!(parse_date("31/02/2022"), None);
        // As a phone's number pad types them.
        for typed in ["14.01.2022", "14-1-2022", "14 01 2022", "14012022"] {
            assert_eq!(parse_date(typed), Some(d), "{typed}");
        }
        for wrong in [
            "1401202",
            "140120222",
            "14/01/22",
            "14//01/2022",
            "2022/01/14",
            "14.01.2022.",
            "",
        ] {
            assert_eq!(parse_date(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn times_are_shown_in_vietnam_time() {
        let utc = NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(20, 30, 0)
            .unwrap();
        assert_eq!(datetime(utc), "23/11/2026 03:30");
    }
}
