//! Reading household lists as officials keep them: which column is which,
//! whatever the header's accents, case or unit suffix.

use super::search::fold;

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
}

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
    let folded = fold(header);
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
        "nguoi su dung dat",
        "head name",
        "name",
    ]) {
        Column::HeadName
    } else if is(&["dia chi", "dia chi khu dat", "address"]) {
        Column::Address
    } else if is(&[
        "to dan pho",
        "thon",
        "to dan pho thon",
        "khu pho",
        "residential group",
    ]) {
        Column::ResidentialGroup
    } else if is(&["to ban do", "to ban do so", "to bd", "map sheet", "sheet"]) {
        Column::MapSheet
    } else if is(&[
        "thua",
        "thua so",
        "thua dat",
        "thua dat so",
        "so thua",
        "so thua dat",
        "parcel",
        "parcel no",
    ]) {
        Column::ParcelNo
    } else if is(&["dien tich", "dien tich m2", "area", "area m2"]) {
        Column::Area
    } else if is(&["loai dat", "loai dat theo hien trang", "land type"]) {
        Column::LandType
    } else if is(&[
        "nhom uu tien",
        "doi tuong uu tien",
        "uu tien",
        "priority groups",
    ]) {
        Column::PriorityGroups
    } else if is(&["dien thoai", "so dien thoai", "sdt", "phone"]) {
        Column::Phone
    } else if is(&["ghi chu", "notes", "note"]) {
        Column::Notes
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_and_english_headers_are_recognised_whatever_their_accents() {
        assert_eq!(column_for("STT"), Some(Column::RowNumber));
        assert_eq!(column_for("Tên chủ sử dụng đất"), Some(Column::HeadName));
        assert_eq!(column_for("Họ và tên chủ hộ"), Some(Column::HeadName));
        assert_eq!(column_for("Số thửa"), Some(Column::ParcelNo));
        assert_eq!(column_for("  ĐỊA CHỈ  "), Some(Column::Address));
        assert_eq!(column_for("Diện tích (m²)"), Some(Column::Area));
        assert_eq!(column_for("Tờ bản đồ số"), Some(Column::MapSheet));
        assert_eq!(column_for("Thửa đất số"), Some(Column::ParcelNo));
        assert_eq!(
            column_for("Loại đất theo hiện trạng"),
            Some(Column::LandType)
        );
        assert_eq!(column_for("parcel_no"), Some(Column::ParcelNo));
        assert_eq!(column_for("Giai đoạn"), None);
    }

    #[test]
    fn every_export_header_reads_back_as_its_column() {
        for (column, header) in EXPORT_HEADERS {
            assert_eq!(column_for(header), Some(column), "{header}");
        }
    }
}
