//! Documents officials sign (biên bản, giấy mời, danh sách…), laid out as
//! Decree 30/2020/NĐ-CP, Appendix I, lays out an administrative document:
//! the issuing body (under the body above it) top left over a short rule;
//! the national title and the motto top right, each on one line, the motto
//! over a rule as long as itself; the number and symbol under the issuing
//! body; place and date in italics under the motto; the kind of document
//! and its subject centred; "Kính gửi" where there is one; a justified body
//! with first-line indents; the signature block (authority, position, room
//! to sign and seal, name) on the right and "Nơi nhận" on the left, one
//! recipient a line ending with "- Lưu: VT". Times New Roman, 13–14 pt, on
//! A4 with the decree's margins (top and bottom 20 mm, left 30 mm, right
//! 15 mm).
//!
//! A document is content only (`Document`); it comes out as DOCX (`docx`)
//! and as a print page (the template `documents/print`) from the same
//! content.

pub mod docx;
pub mod kinds;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A document's head and foot as the issuing unit fills them; every field
/// may be changed on the page before the document is made.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Head {
    /// The body above the issuing one (cơ quan chủ quản), if any.
    pub body_above: String,
    /// The issuing body (tên cơ quan ban hành), one line or two.
    pub issuer: String,
    /// `Số: 27/BB-UBND`: the number and symbol, as written after "Số:".
    pub number: String,
    /// The place name of the date line (địa danh).
    pub place: String,
    pub date: Option<NaiveDate>,
    /// The signer's authority, one line each (`TM. BAN THƯỜNG TRỰC`), then
    /// the position (`CHỦ TỊCH`).
    pub authority: String,
    pub position: String,
    pub signer: String,
    /// Nơi nhận, one recipient a line (`- Lưu: VT` is added at the end).
    pub recipients: String,
    /// A report's proposals, one a line (the other kinds have none).
    pub proposals: String,
}

/// One block of a document's body.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A justified paragraph with a first-line indent.
    Para { text: String },
    /// A paragraph whose first words are bold (`Ý kiến của hộ: …`).
    Labelled { label: String, text: String },
    /// A bold heading of a part (`I. THÀNH PHẦN`).
    Heading { text: String },
    /// A table with its header, rows and a totals row.
    Table(Table),
    /// Signatures side by side without "Nơi nhận" (both parties of a
    /// minutes, or the maker of a list and the approving official).
    Signatures { parties: Vec<Party> },
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Column widths in per cent of the text width.
    pub widths: Vec<u32>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub totals: Option<Vec<String>>,
    /// The columns whose figures are right-aligned.
    pub numeric: Vec<usize>,
}

/// A party that signs: its title lines and, under the room to sign, its name.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub title: Vec<String>,
    pub note: String,
    pub name: String,
}

/// A document: its head (who issues it, number, place and date, signer,
/// recipients), its kind and subject, whom it is addressed to, its body.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub head: Head,
    /// `BIÊN BẢN`, `GIẤY MỜI`, `DANH SÁCH`…; empty for a dispatch (công
    /// văn), whose subject goes under its number as `V/v …`.
    pub kind: String,
    /// The subject line under the kind (trích yếu).
    pub subject: String,
    /// "Kính gửi", one addressee a line; empty when the kind has none.
    pub to: Vec<String>,
    pub body: Vec<Block>,
    /// Whether the head's signer signs under the body (a minutes signed by
    /// both parties puts its signatures in the body instead).
    pub signed: bool,
}

impl Document {
    /// The date line: `Tây Hồ, ngày 05 tháng 3 năm 2026`.
    pub fn date_line(&self) -> String {
        date_line(&self.head.place, self.head.date)
    }

    /// The recipients one a line, ending with the archive.
    pub fn recipients(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .head
            .recipients
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                if l.starts_with('-') {
                    l.to_string()
                } else {
                    format!("- {l}")
                }
            })
            .collect();
        // The archive last: the one written, or `- Lưu: VT.`.
        let archive = lines
            .iter()
            .position(|l| l.to_lowercase().starts_with("- lưu"))
            .map(|i| lines.remove(i))
            .unwrap_or_else(|| "- Lưu: VT.".into());
        lines.retain(|l| !l.to_lowercase().starts_with("- lưu"));
        lines.push(archive);
        lines
    }

    /// The lines of the signer's block above the room to sign.
    pub fn authority_lines(&self) -> Vec<String> {
        self.head
            .authority
            .lines()
            .chain(std::iter::once(self.head.position.as_str()))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_uppercase)
            .collect()
    }

    /// A dispatch's subject under its number: `V/v …`.
    pub fn dispatch_subject(&self) -> Option<String> {
        self.kind
            .is_empty()
            .then(|| format!("V/v {}", self.subject))
    }

    /// The issuing body's lines (the body above it first).
    pub fn issuer_lines(&self) -> (Vec<String>, Vec<String>) {
        let upper = |s: &str| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_uppercase)
                .collect::<Vec<_>>()
        };
        (upper(&self.head.body_above), upper(&self.head.issuer))
    }

    /// `Số: 27/BB-UBND`, or the dotted place for a number written by hand.
    pub fn number_line(&self) -> String {
        // A number to be written by hand keeps its room: `Số:      /BB-UBND`.
        match self.head.number.trim() {
            "" => "Số:       /".into(),
            n if n.starts_with('/') => format!("Số:       {n}"),
            n => format!("Số: {n}"),
        }
    }
}

/// `Tây Hồ, ngày 05 tháng 3 năm 2026`: days under 10 and the months 1 and 2
/// take a leading zero, the other months do not (Decree 30, Appendix I,
/// section II.5); a date not set yet leaves room to write it.
pub fn date_line(place: &str, date: Option<NaiveDate>) -> String {
    let place = place.trim();
    let place = if place.is_empty() { "……" } else { place };
    match date {
        Some(d) => {
            let month = if d.month() <= 2 {
                format!("{:02}", d.month())
            } else {
                d.month().to_string()
            };
            format!(
                "{place}, ngày {:02} tháng {month} năm {}",
                d.day(),
                d.year()
            )
        }
        None => format!("{place}, ngày …… tháng …… năm ……"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn the_date_line_pads_days_under_ten_and_only_the_first_two_months() {
        assert_eq!(
            date_line("Tây Hồ", on(2026, 3, 5)),
            "Tây Hồ, ngày 05 tháng 3 năm 2026"
        );
        assert_eq!(
            date_line("Tây Hồ", on(2026, 2, 15)),
            "Tây Hồ, ngày 15 tháng 02 năm 2026"
        );
        assert_eq!(
            date_line("Hà Nội", on(2025, 1, 9)),
            "Hà Nội, ngày 09 tháng 01 năm 2025"
        );
        assert_eq!(
            date_line("Vinh", on(2025, 12, 31)),
            "Vinh, ngày 31 tháng 12 năm 2025"
        );
        assert_eq!(date_line("", None), "……, ngày …… tháng …… năm ……");
    }

    #[test]
    fn recipients_end_with_the_archive_once_the_one_written_or_the_usual() {
        let d = Document {
            head: Head {
                recipients: "Như trên;\n- UBND phường;\n\n- Lưu: VT, MTTQ.".into(),
                authority: "TM. BAN THƯỜNG TRỰC\n".into(),
                position: "Chủ tịch".into(),
                ..Head::default()
            },
            kind: String::new(),
            subject: String::new(),
            to: vec![],
            body: vec![],
            signed: true,
        };
        assert_eq!(
            d.recipients(),
            ["- Như trên;", "- UBND phường;", "- Lưu: VT, MTTQ."]
        );
        // Without one, the archive is added.
        let mut plain = d.clone();
        plain.head.recipients = "UBND phường;".into();
        assert_eq!(plain.recipients(), ["- UBND phường;", "- Lưu: VT."]);
        assert_eq!(d.authority_lines(), ["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"]);
        assert_eq!(d.number_line(), "Số:       /");
    }
}
