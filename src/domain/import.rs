//! Reading household lists as officials keep them: where the header is
//! (under title rows, over two merged rows), which column is which whatever
//! the header's accents, case or unit suffix, which rows are totals, section
//! titles or column numbers rather than households, and when two parcels are
//! the same.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::search::fold;

/// One cell as the file typed it (`sheet::read` makes them).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    /// In NFC, converted from a legacy encoding where one was detected.
    Text(String),
    Number(f64),
    /// A cell the spreadsheet program holds as a date.
    Date(NaiveDate),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t.trim()),
            _ => None,
        }
    }
}

/// A household field an import column can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    RowNumber,
    HeadName,
    Address,
    ResidentialGroup,
    MapSheet,
    ParcelNo,
    Area,
    LandType,
    PriorityGroups,
    Phone,
    Notes,
    /// The compensation plan's amounts, in đồng: a first version of the plan.
    Land,
    Structures,
    Crops,
    Support,
}

/// The amount columns an export adds after `EXPORT_HEADERS` (with the
/// total, which the import ignores); the import reads them back.
pub const AMOUNT_HEADERS: [(Column, &str); 4] = [
    (Column::Land, "Bồi thường về đất (đồng)"),
    (Column::Structures, "Bồi thường nhà, công trình (đồng)"),
    (Column::Crops, "Bồi thường cây trồng, vật nuôi (đồng)"),
    (Column::Support, "Hỗ trợ (đồng)"),
];

/// The header of each column in an export, in order; the import reads them back.
pub const EXPORT_HEADERS: [(Column, &str); 11] = [
    (Column::RowNumber, "STT"),
    (Column::HeadName, "Chủ hộ"),
    (Column::Address, "Địa chỉ"),
    (Column::ResidentialGroup, "Tổ dân phố"),
    (Column::MapSheet, "Tờ bản đồ số"),
    (Column::ParcelNo, "Thửa đất số"),
    (Column::Area, "Diện tích (m²)"),
    (Column::LandType, "Loại đất"),
    (Column::PriorityGroups, "Nhóm ưu tiên"),
    (Column::Phone, "Điện thoại"),
    (Column::Notes, "Ghi chú"),
];

/// The column a header names, or `None` for a column to ignore (for example
/// the stage, which an export adds but the visit log decides).
pub fn column_for(header: &str) -> Option<Column> {
    // "Diện tích (m²)" → "dien tich"; "Thửa đất số" → "thua dat so".
    let folded = fold(&header.replace('²', "2"));
    let words: String = folded
        .split(['(', '['])
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let key = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let is = |names: &[&str]| names.contains(&key.as_str());
    Some(if is(&["stt", "so tt", "tt", "row", "no"]) {
        Column::RowNumber
    } else if is(&[
        "chu ho",
        "ho ten",
        "ho va ten",
        "ten chu ho",
        "ho ten chu ho",
        "ho va ten chu ho",
        "ten chu su dung dat",
        "ho ten chu su dung dat",
        "ho va ten chu su dung dat",
        "ten nguoi su dung dat",
        "ho ten nguoi su dung dat",
        "ho va ten nguoi su dung dat",
        "nguoi su dung dat",
        "chu su dung dat",
        "chu su dung",
        "ten to chuc ca nhan",
        "ten ho gia dinh ca nhan",
        "ho gia dinh ca nhan",
        "head name",
        "name",
    ]) {
        Column::HeadName
    } else if is(&[
        "dia chi",
        "dia chi khu dat",
        "dia chi thua dat",
        "dia chi thuong tru",
        "vi tri thua dat",
        "address",
    ]) {
        Column::Address
    } else if is(&[
        "to dan pho",
        "thon",
        "to dan pho thon",
        "khu pho",
        "residential group",
    ]) {
        Column::ResidentialGroup
    } else if is(&[
        "to ban do",
        "to ban do so",
        "so to",
        "so to ban do",
        "to so",
        "so hieu to ban do",
        "to bd",
        "to bd so",
        "map sheet",
        "sheet",
    ]) {
        Column::MapSheet
    } else if is(&[
        "thua",
        "thua so",
        "thua dat",
        "thua dat so",
        "so thua",
        "so thua dat",
        "so hieu thua",
        "so hieu thua dat",
        "parcel",
        "parcel no",
    ]) {
        Column::ParcelNo
    } else if is(&[
        "dien tich",
        "dien tich m2",
        "dien tich thu hoi",
        "dien tich thu hoi m2",
        "dien tich bi thu hoi",
        "dien tich thua dat",
        "dt",
        "dt m2",
        "area",
        "area m2",
    ]) {
        Column::Area
    } else if is(&[
        "loai dat",
        "loai dat theo hien trang",
        "muc dich su dung",
        "muc dich su dung dat",
        "land type",
    ]) {
        Column::LandType
    } else if is(&[
        "nhom uu tien",
        "doi tuong uu tien",
        "uu tien",
        "priority groups",
    ]) {
        Column::PriorityGroups
    } else if is(&["dien thoai", "so dien thoai", "sdt", "dt lien he", "phone"]) {
        Column::Phone
    } else if is(&["ghi chu", "notes", "note"]) {
        Column::Notes
    } else if is(&[
        "boi thuong ve dat",
        "boi thuong dat",
        "tien boi thuong dat",
        "gia tri boi thuong dat",
        "land",
    ]) {
        Column::Land
    } else if is(&[
        "boi thuong nha cong trinh",
        "boi thuong nha cong trinh vat kien truc",
        "boi thuong nha vat kien truc",
        "boi thuong tai san",
        "boi thuong cong trinh",
        "structures",
    ]) {
        Column::Structures
    } else if is(&[
        "boi thuong cay trong vat nuoi",
        "boi thuong cay trong",
        "boi thuong hoa mau",
        "cay trong vat nuoi",
        "crops",
    ]) {
        Column::Crops
    } else if is(&[
        "ho tro",
        "tien ho tro",
        "cac khoan ho tro",
        "ho tro on dinh doi song",
        "support",
    ]) {
        Column::Support
    } else {
        return None;
    })
}

/// Rows read for the header before the sheet is taken to have none.
pub const HEADER_SCAN: usize = 30;

/// Where the header is and what each column is.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Index, among the rows given, of the first row under the header.
    pub data_from: usize,
    /// The column each cell fills, by position.
    pub columns: Vec<Option<Column>>,
    /// Headers of columns that fill nothing (unknown, or a second column
    /// of the same kind), to list in the preview.
    pub ignored: Vec<String>,
}

fn header_text(cell: Option<&Cell>) -> &str {
    cell.and_then(Cell::text).unwrap_or("")
}

/// The header among the first rows: the first row (with the row under it,
/// when a merged two-level header names more columns that way: the lower
/// cell names a column, the upper one where the lower is empty) that names
/// the head-of-household column. Title rows above it are passed over.
pub fn find_header(rows: &[Vec<Cell>]) -> Option<Header> {
    let names = |upper: &[Cell], lower: Option<&[Cell]>| -> Vec<String> {
        let width = upper.len().max(lower.map_or(0, <[Cell]>::len));
        (0..width)
            .map(|c| {
                let low = header_text(lower.and_then(|l| l.get(c)));
                let up = header_text(upper.get(c));
                if !low.is_empty() && (column_for(low).is_some() || up.is_empty()) {
                    low.to_string()
                } else {
                    up.to_string()
                }
            })
            .collect()
    };
    let known = |names: &[String]| -> usize {
        let mut seen: Vec<Column> = names.iter().filter_map(|n| column_for(n)).collect();
        seen.sort_by_key(|c| *c as u8);
        seen.dedup();
        seen.len()
    };
    for (i, row) in rows.iter().enumerate().take(HEADER_SCAN) {
        let single = names(row, None);
        if !single
            .iter()
            .any(|n| column_for(n) == Some(Column::HeadName))
        {
            continue;
        }
        let (names, data_from) = match rows.get(i + 1) {
            Some(next) => {
                let double = names(row, Some(next));
                let adds = known(&double) > known(&single);
                // A data row under the header names no columns, so it never
                // adds any; a lower header row may also repeat the upper one.
                if adds
                    && double
                        .iter()
                        .any(|n| column_for(n) == Some(Column::HeadName))
                {
                    (double, i + 2)
                } else {
                    (single, i + 1)
                }
            }
            None => (single, i + 1),
        };
        let mut columns = Vec::with_capacity(names.len());
        let mut ignored = Vec::new();
        for name in &names {
            let column = column_for(name).filter(|c| !columns.contains(&Some(*c)));
            if column.is_none() && !name.is_empty() {
                ignored.push(name.clone());
            }
            columns.push(column);
        }
        return Some(Header {
            data_from,
            columns,
            ignored,
        });
    }
    None
}

/// Why a row under the header is not a household.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Blank,
    /// Tổng cộng, Cộng: a sum of the rows above.
    Total,
    /// I. Hộ gia đình, cá nhân; A; II: a title over a group of rows.
    Section,
    /// (1) (2) (3)…: the column numbers printed under a header.
    Numbering,
}

impl Skip {
    pub fn key(self) -> &'static str {
        match self {
            Skip::Blank => "import-skip-blank",
            Skip::Total => "import-skip-total",
            Skip::Section => "import-skip-section",
            Skip::Numbering => "import-skip-numbering",
        }
    }
}

/// `Tổng cộng`, `Cộng`, `Cộng (I)`, `TỔNG CỘNG:`, `Tong cong`, `Total`.
fn is_total(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let folded = fold(text);
    let folded = folded.trim_end_matches([':', '.']);
    // `Tổng` and `Cộng` are also surnames: alone, or before a section's
    // number (`Cộng (I)`, `Cộng II:`), they are totals; before a name not.
    let alone = |word: &str| {
        lower.strip_prefix(word).is_some_and(|rest| {
            let rest = rest.trim().trim_matches([':', '.', '(', ')', ' ']);
            rest.is_empty() || is_section_number(&rest.to_uppercase())
        })
    };
    lower.starts_with("tổng cộng")
        || lower.starts_with("tổng số")
        || alone("cộng")
        || alone("tổng")
        || folded.starts_with("tong cong")
        || ["cong", "tong", "total", "sum", "grand total"].contains(&folded)
        || folded.starts_with("total ")
}

/// `I`, `II`, `IV.`, `A`, `B)`: a section's number.
fn is_section_number(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['.', ')']);
    let roman = !t.is_empty() && t.len() <= 6 && t.chars().all(|c| "IVXLC".contains(c));
    let letter = t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase());
    roman || letter
}

/// `I. Hộ gia đình, cá nhân`, `A) Tổ chức`: a numbered section title. The
/// number must be followed by `.` or `)`: `VI VĂN HÙNG`, `A Páo`, `Y Bhi
/// Niê` are people.
fn is_section_title(text: &str) -> bool {
    let t = text.trim();
    match t.split_once(['.', ')']) {
        Some((number, rest)) => !rest.trim().is_empty() && is_section_number(number),
        None => false,
    }
}

/// `1`, `(1)`, `[2]`: the number of a column.
fn column_number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Number(n) => Some(*n),
        Cell::Text(t) => t
            .trim()
            .trim_start_matches(['(', '['])
            .trim_end_matches([')', ']'])
            .parse::<f64>()
            .ok(),
        _ => None,
    }
}

/// Why a row under the header holds no household, if it does not.
pub fn skip_reason(cells: &[Cell], columns: &[Option<Column>]) -> Option<Skip> {
    let filled: Vec<&Cell> = cells.iter().filter(|c| !c.is_empty()).collect();
    if filled.is_empty() {
        return Some(Skip::Blank);
    }
    let at = |column: Column| -> Option<&Cell> {
        let i = columns.iter().position(|c| *c == Some(column))?;
        cells.get(i).filter(|c| !c.is_empty())
    };
    let first_text = filled.iter().find_map(|c| c.text()).unwrap_or("");
    let name = at(Column::HeadName).and_then(Cell::text);
    // A row with a parcel is a household, whatever its name says.
    let has_parcel = at(Column::ParcelNo).is_some() || at(Column::MapSheet).is_some();
    if !has_parcel && (is_total(first_text) || name.is_some_and(is_total)) {
        return Some(Skip::Total);
    }
    let number = at(Column::RowNumber).and_then(Cell::text);
    if !has_parcel
        && (number.is_some_and(is_section_number)
            || name.is_some_and(is_section_title)
            || (filled.len() == 1 && is_section_title(first_text)))
    {
        return Some(Skip::Section);
    }
    let numbers: Vec<f64> = filled.iter().filter_map(|c| column_number(c)).collect();
    if filled.len() >= 3
        && numbers.len() == filled.len()
        && numbers.windows(2).all(|w| w[1] == w[0] + 1.0)
    {
        return Some(Skip::Numbering);
    }
    None
}

/// A parcel as compared for duplicates: map sheet `05` is sheet `5`, and
/// case and spaces do not count; the stored text keeps its zeros.
pub fn parcel_key(map_sheet: &str, parcel_no: &str) -> (String, String) {
    fn part(s: &str) -> String {
        let t: String = fold(s).chars().filter(|c| !c.is_whitespace()).collect();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            let trimmed = t.trim_start_matches('0');
            if trimmed.is_empty() { "0" } else { trimmed }.to_string()
        } else {
            t
        }
    }
    (part(map_sheet), part(parcel_no))
}

/// Characters with which a spreadsheet program starts a formula when it
/// opens a CSV (OWASP, "CSV Injection").
fn starts_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell as a CSV export writes it: text a spreadsheet would run as a
/// formula gets a leading apostrophe.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if starts_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as the import reads it: the apostrophe an export put before a
/// formula character is taken off again, so the export reads back.
pub fn unneutralise(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn row(cells: &[&str]) -> Vec<Cell> {
        cells
            .iter()
            .map(|s| if s.is_empty() { Cell::Empty } else { t(s) })
            .collect()
    }

    #[test]
    fn the_header_is_found_under_title_rows() {
        let rows = vec![
            row(&["DANH SÁCH CÁC HỘ BỊ ẢNH HƯỞNG BỞI DỰ ÁN"]),
            row(&[]),
            row(&[
                "STT",
                "Tên chủ sử dụng đất",
                "Diện tích (m²)",
                "Ngày thông báo",
            ]),
            row(&["1", "Nguyễn Văn An", "2.045", ""]),
        ];
        let h = find_header(&rows).unwrap();
        assert_eq!(h.data_from, 3);
        assert_eq!(
            h.columns,
            vec![
                Some(Column::RowNumber),
                Some(Column::HeadName),
                Some(Column::Area),
                None
            ]
        );
        assert_eq!(h.ignored, vec!["Ngày thông báo".to_string()]);
        assert_eq!(find_header(&rows[..2]), None);
    }

    #[test]
    fn a_two_level_merged_header_is_named_by_its_lower_cells() {
        let rows = vec![
            row(&[
                "STT",
                "Tên chủ sử dụng đất",
                "Thông tin thửa đất",
                "",
                "",
                "Ghi chú",
            ]),
            row(&["", "", "Tờ bản đồ số", "Thửa đất số", "Diện tích (m²)", ""]),
            row(&["1", "Nguyễn Văn An", "05", "166", "120", ""]),
        ];
        let h = find_header(&rows).unwrap();
        assert_eq!(h.data_from, 2);
        assert_eq!(
            h.columns,
            vec![
                Some(Column::RowNumber),
                Some(Column::HeadName),
                Some(Column::MapSheet),
                Some(Column::ParcelNo),
                Some(Column::Area),
                Some(Column::Notes)
            ]
        );
        assert!(h.ignored.is_empty(), "{:?}", h.ignored);
    }

    #[test]
    fn a_data_row_under_a_one_row_header_is_not_taken_for_a_second_header_row() {
        let rows = vec![
            row(&["Chủ hộ", "Địa chỉ", "Thửa"]),
            row(&["Ghi chú", "Số 5", "141"]),
        ];
        assert_eq!(find_header(&rows).unwrap().data_from, 1);
    }

    #[test]
    fn a_second_column_of_the_same_kind_is_listed_as_ignored() {
        let rows = vec![row(&["Chủ hộ", "Địa chỉ thường trú", "Địa chỉ khu đất"])];
        let h = find_header(&rows).unwrap();
        assert_eq!(h.columns[2], None);
        assert_eq!(h.ignored, vec!["Địa chỉ khu đất".to_string()]);
    }

    #[test]
    fn totals_sections_and_column_numbers_are_not_households() {
        let cols = vec![
            Some(Column::RowNumber),
            Some(Column::HeadName),
            Some(Column::MapSheet),
            Some(Column::ParcelNo),
            Some(Column::Area),
        ];
        let skip = |cells: &[&str]| skip_reason(&row(cells), &cols);
        assert_eq!(
            skip(&["Tổng cộng", "", "", "", "28.227,7"]),
            Some(Skip::Total)
        );
        assert_eq!(skip(&["", "Cộng", "", "", "120"]), Some(Skip::Total));
        assert_eq!(skip(&["", "TỔNG CỘNG:", "", "", "120"]), Some(Skip::Total));
        assert_eq!(skip(&["", "Tong cong", "", "", "120"]), Some(Skip::Total));
        assert_eq!(skip(&["", "Cộng (I)", "", "", "120"]), Some(Skip::Total));
        assert_eq!(
            skip(&["I", "Hộ gia đình, cá nhân", "", "", ""]),
            Some(Skip::Section)
        );
        assert_eq!(skip(&["", "II. Tổ chức", "", "", ""]), Some(Skip::Section));
        assert_eq!(
            skip(&["", "B) Hộ gia đình", "", "", ""]),
            Some(Skip::Section)
        );
        // People whose names start like a section number or a total.
        for name in [
            "VI VĂN HÙNG",
            "A Páo",
            "Y Bhi Niê",
            "H Hen Mlô",
            "Tổng Văn Cường",
            "Cộng Thị Lan",
        ] {
            assert_eq!(skip(&["3", name, "", "", "120"]), None, "{name}");
        }
        assert_eq!(skip(&["A", "", "", "", ""]), Some(Skip::Section));
        assert_eq!(
            skip(&["(1)", "(2)", "(3)", "(4)", "(5)"]),
            Some(Skip::Numbering)
        );
        assert_eq!(skip(&["", "", "", "", ""]), Some(Skip::Blank));
        // Names that only look like these words are households.
        for name in [
            "Công ty TNHH Thăng Long",
            "Nguyễn Văn Công",
            "Tống Văn Tổng",
            "Cong ty Hoa Binh",
        ] {
            assert_eq!(skip(&["1", name, "24", "166", "120"]), None, "{name}");
        }
        assert_eq!(
            skip(&["I", "Lê Văn Ích", "24", "167", "90"]),
            None,
            "a parcel makes it a household"
        );
    }

    #[test]
    fn parcels_compare_by_number_but_keep_their_zeros() {
        assert_eq!(parcel_key("05", "166"), parcel_key("5", "166"));
        assert_eq!(parcel_key(" 5 ", "0166"), parcel_key("5", "166"));
        assert_eq!(parcel_key("24", "166a"), parcel_key("24", "166A"));
        assert_ne!(parcel_key("24", "166"), parcel_key("24", "16"));
        assert_eq!(parcel_key("00", "0"), ("0".to_string(), "0".to_string()));
    }

    #[test]
    fn formula_cells_are_neutralised_in_exports_and_read_back() {
        for text in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+84912",
            "-5",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            let out = neutralise(text);
            assert!(out.starts_with('\''), "{text}");
            assert_eq!(unneutralise(&out), text);
        }
        assert_eq!(neutralise("Nguyễn Văn An"), "Nguyễn Văn An");
        assert_eq!(unneutralise("'quoted"), "'quoted");
    }

    #[test]
    fn vietnamese_and_english_headers_are_recognised_whatever_their_accents() {
        for (header, column) in [
            ("STT", Some(Column::RowNumber)),
            ("Tên chủ sử dụng đất", Some(Column::HeadName)),
            ("Họ và tên chủ hộ", Some(Column::HeadName)),
            ("Số thửa", Some(Column::ParcelNo)),
            (" ĐỊA CHỈ ", Some(Column::Address)),
            ("Diện tích (m²)", Some(Column::Area)),
            ("Tờ bản đồ số", Some(Column::MapSheet)),
            ("Thửa đất số", Some(Column::ParcelNo)),
            ("Loại đất theo hiện trạng", Some(Column::LandType)),
            ("parcel_no", Some(Column::ParcelNo)),
            ("Giai đoạn", None),
        ] {
            assert_eq!(column_for(header), column, "{header}");
        }
    }

    #[test]
    fn every_export_header_reads_back_as_its_column() {
        for (column, header) in EXPORT_HEADERS {
            assert_eq!(column_for(header), Some(column), "{header}");
        }
    }
}
